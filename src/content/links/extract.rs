//! Finding a rendered post's local URLs and anchors, once, when it is rendered: every `href`,
//! `src`, `srcset` and `poster` that names no scheme nor host, and every `id` a link can point
//! to. Read with `lol_html`, which sees the markup a browser would (raw HTML blocks included);
//! in the same pass, a URL naming a media file is written as its `/media` URL.

use std::cell::RefCell;

use lol_html::{RewriteStrSettings, rewrite_str};

use super::resolve::{UrlRules, media_target, with_fragment};
use super::rewrite;
use super::selectors::{ANCHORS, IMAGES, LINKS, MEDIA_SOURCES, POSTERS, SOURCE_SETS, on};
use super::url::{decode_entities, is_local, srcset_urls};
use crate::domain::{LocalRef, MediaIndex, RefKind};

/// A post's local URLs (in the order of the HTML) and anchors.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Found {
    /// Each local URL, with the line of the body it was written on.
    pub refs: Vec<LocalRef>,
    /// Every `id` (and `<a name>`) in the HTML, once each.
    pub anchors: Vec<String>,
    /// The HTML with the media URLs written, when any URL named a media file.
    pub html: Option<String>,
}

/// The media files a post's URLs may name as it renders, and how their URLs are written.
#[derive(Debug, Clone, Copy)]
pub struct MediaUrls<'a> {
    /// The media files by path.
    pub files: &'a MediaIndex,
    /// The post's file, which relative URLs start from.
    pub source: &'a str,
    /// Where media is public.
    pub rules: &'a UrlRules,
}

/// Finds the local URLs and anchors of `html`, rendered from `body`, whose first line is line
/// `first_line` of its file; with `media`, a URL naming one of its files is written as the
/// file's `/media` URL (an image also gets its size and lazy loading), and its reference
/// keeps the file's hash in [`LocalRef::written`].
pub fn find(html: &str, body: &str, first_line: usize, media: Option<MediaUrls<'_>>) -> Found {
    // Most bodies are rendered by pulldown-cmark or serialized by the sanitizer, which write
    // every attribute as `name="..."`: without one of these, there is nothing to find.
    const MARKERS: [&str; 5] = ["href=", "src=", "srcset=", "poster=", "id="];
    if !MARKERS.iter().any(|marker| html.contains(marker)) && !html.contains("name=") {
        return Found::default();
    }
    let found = RefCell::new(Found::default());
    let add = |url: String, kind: RefKind, alt: Option<String>| {
        if is_local(&url) {
            // The n-th time a URL is found in the HTML is the n-th time it is written.
            let nth = found.borrow().refs.iter().filter(|r| r.url == url).count();
            let line = line_of(body, &url, nth).map_or(first_line, |line| first_line + line);
            found.borrow_mut().refs.push(LocalRef {
                url,
                kind,
                alt,
                line,
                written: None,
            });
        }
    };
    let attribute = |element: &lol_html::html_content::Element<'_, '_>, name: &str| {
        element
            .get_attribute(name)
            .map(|value| decode_entities(&value).trim().to_owned())
    };
    let media = media.filter(|media| !media.files.is_empty());
    let lookup = |url: &str| {
        let media = media?;
        if !is_local(url) {
            return None;
        }
        let (file, fragment) = media_target(media.files, media.source, url)?;
        let written = with_fragment(media.rules.media(&file), &fragment);
        Some((written, file.dimensions))
    };
    let settings = RewriteStrSettings::new()
        .with_strict(false)
        .with_enable_esi_tags(false)
        .append_element_content_handler(on(&ANCHORS, |el| {
            for name in ["id", "name"] {
                if name == "name" && el.tag_name() != "a" {
                    continue;
                }
                if let Some(anchor) = attribute(el, name).filter(|a| !a.is_empty()) {
                    let mut found = found.borrow_mut();
                    if !found.anchors.contains(&anchor) {
                        found.anchors.push(anchor);
                    }
                }
            }
            Ok(())
        }))
        .append_element_content_handler(on(&LINKS, |el| {
            if let Some(href) = attribute(el, "href") {
                add(href, RefKind::Link, None);
            }
            Ok(())
        }))
        .append_element_content_handler(on(&IMAGES, |el| {
            let alt = Some(attribute(el, "alt").unwrap_or_default());
            if let Some(src) = attribute(el, "src") {
                add(src, RefKind::Image, alt.clone());
            }
            if let Some(srcset) = attribute(el, "srcset") {
                for url in srcset_urls(&srcset) {
                    add(url.to_owned(), RefKind::Image, alt.clone());
                }
            }
            Ok(())
        }))
        .append_element_content_handler(on(&SOURCE_SETS, |el| {
            if let Some(srcset) = attribute(el, "srcset") {
                for url in srcset_urls(&srcset) {
                    add(url.to_owned(), RefKind::Image, None);
                }
            }
            Ok(())
        }))
        .append_element_content_handler(on(&MEDIA_SOURCES, |el| {
            if let Some(src) = attribute(el, "src") {
                add(src, RefKind::Media, None);
            }
            Ok(())
        }))
        .append_element_content_handler(on(&POSTERS, |el| {
            if let Some(poster) = attribute(el, "poster") {
                add(poster, RefKind::Media, None);
            }
            Ok(())
        }));
    // Appended after the handlers above, these run after them on each element, so the URLs
    // are found as written before they are replaced.
    let settings = if media.is_some() {
        rewrite::handlers(&lookup)
            .into_iter()
            .fold(settings, RewriteStrSettings::append_element_content_handler)
    } else {
        settings
    };
    // The HTML is the renderer's own output; a rewriting error (none is expected without
    // memory limits) leaves the post without local URLs rather than without a body.
    let written = match rewrite_str(html, settings) {
        Ok(written) => written,
        Err(err) => {
            log::debug!("links: cannot read the rendered HTML: {err}");
            return Found::default();
        }
    };
    let mut found = found.into_inner();
    if let Some(media) = media {
        for local in found.refs.iter_mut() {
            local.written =
                media_target(media.files, media.source, &local.url).map(|(file, _)| file.hash);
        }
        if found.refs.iter().any(|local| local.written.is_some()) {
            found.html = Some(written);
        }
    }
    found
}

/// The line (0 for the first) of `body` on which `url` is written for the `nth` time (or the
/// last time, if fewer), as written or with its percent-escapes undone (the renderer escapes
/// spaces and non-ASCII letters). Only whole URLs count: `diagram.png` is not found inside
/// `./diagram.png`.
fn line_of(body: &str, url: &str, nth: usize) -> Option<usize> {
    let whole = |needle: &str| -> Vec<usize> {
        let opens = |c: char| matches!(c, '(' | '"' | '\'' | '<' | '=' | ',' | '[' | ':');
        let closes = |c: char| matches!(c, ')' | '"' | '\'' | '>' | ',' | ']');
        body.match_indices(needle)
            .map(|(at, _)| at)
            .filter(|&at| {
                let before = body[..at].chars().next_back();
                let after = body[at + needle.len()..].chars().next();
                before.is_none_or(|c| opens(c) || c.is_whitespace())
                    && after.is_none_or(|c| closes(c) || c.is_whitespace())
            })
            .collect()
    };
    let mut found = whole(url);
    if found.is_empty() {
        let decoded = percent_encoding::percent_decode_str(url)
            .decode_utf8()
            .ok()?;
        found = whole(&decoded);
    }
    let at = *found.get(nth).or(found.last())?;
    Some(body[..at].bytes().filter(|&b| b == b'\n').count())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_urls_are_found_with_their_lines_and_external_ones_are_not() {
        let body = "Intro\n\n![a diagram](./diagram.png)\n\nSee [the other](../other.md#setup) and [x](https://x.org/a.png).\n";
        let html = r#"<p>Intro</p>
<p><img src="./diagram.png" alt="a diagram"></p>
<p>See <a href="../other.md#setup">the other</a> and <a href="https://x.org/a.png">x</a>.</p>"#;
        let found = find(html, body, 5, None);
        let urls: Vec<(&str, RefKind, usize)> = found
            .refs
            .iter()
            .map(|r| (r.url.as_str(), r.kind, r.line))
            .collect();
        assert_eq!(
            urls,
            [
                ("./diagram.png", RefKind::Image, 7),
                ("../other.md#setup", RefKind::Link, 9)
            ]
        );
        assert_eq!(found.refs[0].alt.as_deref(), Some("a diagram"));
    }

    #[test]
    fn srcset_posters_and_sources_are_found_and_ids_are_anchors() {
        let html = r##"<h2 id="install">Install</h2><a name="old"></a>
<picture><source srcset="big.webp 2x, small.webp 1x"><img src="/images/x.png" srcset="x-2.png 2x"></picture>
<video src="clip.mp4" poster="poster.jpg"><source src="clip.webm"></video>
<p>Jump to <a href="#install">install</a>; mail <a href="mailto:a@b.c">me</a>; <a href="//cdn.x/y.png">cdn</a></p>"##;
        let found = find(html, "", 1, None);
        let urls: Vec<&str> = found.refs.iter().map(|r| r.url.as_str()).collect();
        assert_eq!(
            urls,
            [
                "big.webp",
                "small.webp",
                "/images/x.png",
                "x-2.png",
                "clip.mp4",
                "poster.jpg",
                "clip.webm",
                "#install"
            ]
        );
        assert_eq!(found.anchors, ["install", "old"]);
        assert_eq!(found.refs[2].alt.as_deref(), Some(""));
    }

    #[test]
    fn entities_in_attributes_are_decoded() {
        let html = r#"<a href="a&amp;b.md">x</a><img src="my%20photo.png" alt="Tom &amp; Jerry">"#;
        let found = find(
            html,
            "[x](a&b.md)\n\n![Tom & Jerry](<my photo.png>)",
            1,
            None,
        );
        assert_eq!(found.refs[0].url, "a&b.md");
        assert_eq!(found.refs[1].url, "my%20photo.png");
        assert_eq!(found.refs[1].line, 3);
        assert_eq!(found.refs[1].alt.as_deref(), Some("Tom & Jerry"));
    }

    #[test]
    fn media_urls_are_written_in_the_same_pass_and_found_as_written() {
        let file = |path: &str, hash: u64, dimensions| {
            std::sync::Arc::new(crate::domain::MediaFile {
                path: path.to_owned(),
                hash,
                len: 1,
                modified: None,
                content_type: "image/png",
                dimensions,
            })
        };
        let files: MediaIndex = [
            (
                "post/d.png".to_owned(),
                file("post/d.png", 0x1a2b_3c4d << 32, Some((120, 80))),
            ),
            (
                "post/a.pdf".to_owned(),
                file("post/a.pdf", 0x0102_0304 << 32, None),
            ),
        ]
        .into_iter()
        .collect();
        let rules = UrlRules {
            base_url: "https://x.org".to_owned(),
            ..UrlRules::default()
        };
        let html = r#"<p><img src="./d.png" alt="d" srcset="d.png 2x"> <a href="a.pdf#page=2">pdf</a> <a href="../other.md">o</a> <img src="gone.png" alt="g"></p>"#;
        let media = MediaUrls {
            files: &files,
            source: "post/index.md",
            rules: &rules,
        };

        let found = find(html, "", 1, Some(media));

        let written: Vec<(&str, Option<u64>)> = found
            .refs
            .iter()
            .map(|r| (r.url.as_str(), r.written))
            .collect();
        assert_eq!(
            written,
            [
                ("./d.png", Some(0x1a2b_3c4d << 32)),
                ("d.png", Some(0x1a2b_3c4d << 32)),
                ("a.pdf#page=2", Some(0x0102_0304 << 32)),
                ("../other.md", None),
                ("gone.png", None),
            ]
        );
        assert_eq!(
            found.html.as_deref(),
            Some(
                r#"<p><img src="https://x.org/media/post/d.png?v=1a2b3c4d" alt="d" srcset="https://x.org/media/post/d.png?v=1a2b3c4d 2x" width="120" height="80" loading="lazy" decoding="async"> <a href="https://x.org/media/post/a.pdf?v=01020304#page=2">pdf</a> <a href="../other.md">o</a> <img src="gone.png" alt="g"></p>"#
            )
        );
        // Without media, or when nothing names a file, the HTML is left to the caller.
        assert_eq!(find(html, "", 1, None).html, None);
        assert_eq!(
            find(r#"<a href="../other.md">o</a>"#, "", 1, Some(media)).html,
            None
        );
    }
}
