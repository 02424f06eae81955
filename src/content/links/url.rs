//! The small URL rules link resolution needs: which URLs are local, their parts, a relative path
//! joined to a post's folder, `srcset` candidates, and attribute text in and out of HTML.

use std::borrow::Cow;

use percent_encoding::percent_decode_str;

/// Whether `url` points inside the site: no scheme (`https:`, `mailto:`, `data:`) and no host
/// (`//cdn.example`); empty URLs point nowhere.
pub fn is_local(url: &str) -> bool {
    if url.is_empty() || url.starts_with("//") || url.starts_with("\\\\") {
        return false;
    }
    // A scheme is letters, digits, `+`, `-` or `.` before a colon that comes before any `/`,
    // `?` or `#` (RFC 3986).
    let end = url.find(['/', '?', '#']).unwrap_or(url.len());
    match url[..end].find(':') {
        None => true,
        Some(colon) => {
            let scheme = &url[..colon];
            !(scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
        }
    }
}

/// A local URL's parts: the path (still percent-encoded), the query with its `?` and the
/// fragment without its `#`.
pub fn split(url: &str) -> (&str, &str, Option<&str>) {
    let (rest, fragment) = match url.split_once('#') {
        Some((rest, fragment)) => (rest, Some(fragment)),
        None => (url, None),
    };
    let (path, query) = match rest.find('?') {
        Some(at) => rest.split_at(at),
        None => (rest, ""),
    };
    (path, query, fragment)
}

/// The content-folder path a local URL's path names, from the folder of the post's file
/// (`""` for the root): a root-relative path from the root, anything else from the folder;
/// percent-escapes undone, `.` and `..` applied. `None` when the path climbs out of the root or
/// is not UTF-8 once decoded.
pub fn join(folder: &str, path: &str) -> Option<String> {
    let decoded = percent_decode_str(path).decode_utf8().ok()?;
    let (base, rest) = match decoded.strip_prefix('/') {
        Some(rest) => ("", rest),
        None => (folder, decoded.as_ref()),
    };
    let mut parts: Vec<&str> = base.split('/').filter(|p| !p.is_empty()).collect();
    for part in rest.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            part => parts.push(part),
        }
    }
    Some(parts.join("/"))
}

/// The folder of a content-folder path (`""` for a file at the root).
pub fn folder_of(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(folder, _)| folder)
}

/// The URLs of a `srcset` attribute, in order: each candidate is a URL, then optionally a
/// width or density descriptor, separated by commas.
pub fn srcset_urls(srcset: &str) -> impl Iterator<Item = &str> {
    srcset
        .split(',')
        .filter_map(|candidate| candidate.split_whitespace().next())
}

/// A `srcset` with each URL replaced by what `replace` gives (or kept), descriptors kept.
pub fn map_srcset(srcset: &str, mut replace: impl FnMut(&str) -> Option<String>) -> String {
    srcset
        .split(',')
        .map(|candidate| {
            let trimmed = candidate.trim();
            let (url, descriptor) = trimmed
                .split_once(char::is_whitespace)
                .unwrap_or((trimmed, ""));
            let url = replace(url).unwrap_or_else(|| url.to_owned());
            if descriptor.trim().is_empty() {
                url
            } else {
                format!("{url} {}", descriptor.trim())
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// An attribute's text as HTML gives it, with character references undone; text that is not
/// valid markup is kept as written.
pub fn decode_entities(value: &str) -> Cow<'_, str> {
    if !value.contains('&') {
        return Cow::Borrowed(value);
    }
    quick_xml::escape::unescape_with(value, |entity| match entity {
        "nbsp" => Some("\u{a0}"),
        _ => quick_xml::escape::resolve_predefined_entity(entity),
    })
    .unwrap_or(Cow::Borrowed(value))
}

/// Text made safe for a double-quoted attribute.
pub fn encode_attribute(value: &str) -> Cow<'_, str> {
    if !value.contains(['&', '"']) {
        return Cow::Borrowed(value);
    }
    Cow::Owned(value.replace('&', "&amp;").replace('"', "&quot;"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_and_hosts_are_not_local() {
        for url in [
            "./a.png",
            "a.md",
            "/images/x.png",
            "#top",
            "?page=2",
            "1:x",
            "a/b:c",
        ] {
            assert!(is_local(url), "{url}");
        }
        for url in [
            "https://x.org",
            "mailto:a@b.c",
            "data:image/png;base64,AA",
            "//cdn.x/a.png",
            "javascript:alert(1)",
            "a:b/c",
            "",
        ] {
            assert!(!is_local(url), "{url}");
        }
    }

    #[test]
    fn paths_join_from_the_folder_or_the_root_and_never_climb_out() {
        assert_eq!(
            join("blog/a", "./diagram.png").as_deref(),
            Some("blog/a/diagram.png")
        );
        assert_eq!(
            join("blog/a", "../b/index.md").as_deref(),
            Some("blog/b/index.md")
        );
        assert_eq!(
            join("blog", "/images/x.png").as_deref(),
            Some("images/x.png")
        );
        assert_eq!(join("", "my%20photo.png").as_deref(), Some("my photo.png"));
        assert_eq!(join("blog", "../../etc/passwd"), None);
        assert_eq!(join("", "other-post/").as_deref(), Some("other-post"));
    }

    #[test]
    fn urls_split_into_path_query_and_fragment() {
        assert_eq!(split("a.md?x=1#top"), ("a.md", "?x=1", Some("top")));
        assert_eq!(split("#top"), ("", "", Some("top")));
        assert_eq!(split("a.pdf"), ("a.pdf", "", None));
    }

    #[test]
    fn srcset_urls_are_replaced_and_descriptors_kept() {
        let srcset = "a.png 1x,  b.png 2x, c.png";
        assert_eq!(
            srcset_urls(srcset).collect::<Vec<_>>(),
            ["a.png", "b.png", "c.png"]
        );
        let mapped = map_srcset(srcset, |url| (url == "b.png").then(|| "B".to_owned()));
        assert_eq!(mapped, "a.png 1x, B 2x, c.png");
    }

    #[test]
    fn entities_are_decoded_and_attributes_encoded() {
        assert_eq!(decode_entities("a&amp;b&#39;c&nbsp;"), "a&b'c\u{a0}");
        assert_eq!(decode_entities("a & b"), "a & b");
        assert_eq!(encode_attribute("a&b\"c"), "a&amp;b&quot;c");
    }
}
