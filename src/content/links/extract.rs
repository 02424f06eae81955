//! Finding a rendered post's local URLs and anchors, once, when it is rendered: every `href`,
//! `src`, `srcset` and `poster` that names no scheme nor host, and every `id` a link can point
//! to. Read with `lol_html`, which sees the markup a browser would (raw HTML blocks included).

use std::cell::RefCell;

use lol_html::{RewriteStrSettings, rewrite_str};

use super::selectors::{ANCHORS, IMAGES, LINKS, MEDIA_SOURCES, POSTERS, SOURCE_SETS, on};
use super::url::{decode_entities, is_local, srcset_urls};
use crate::domain::{LocalRef, RefKind};

/// A post's local URLs (in the order of the HTML) and anchors.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Found {
    /// Each local URL, with the line of the body it was written on.
    pub refs: Vec<LocalRef>,
    /// Every `id` (and `<a name>`) in the HTML, once each.
    pub anchors: Vec<String>,
}

/// Finds the local URLs and anchors of `html`, rendered from `body`, whose first line is line
/// `first_line` of its file.
pub fn find(html: &str, body: &str, first_line: usize) -> Found {
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
            });
        }
    };
    let attribute = |element: &lol_html::html_content::Element<'_, '_>, name: &str| {
        element
            .get_attribute(name)
            .map(|value| decode_entities(&value).trim().to_owned())
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
    // The HTML is the renderer's own output; a rewriting error (none is expected without
    // memory limits) leaves the post without local URLs rather than without a body.
    if let Err(err) = rewrite_str(html, settings) {
        log::debug!("links: cannot read the rendered HTML: {err}");
        return Found::default();
    }
    found.into_inner()
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
        let found = find(html, body, 5);
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
        let found = find(html, "", 1);
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
        let found = find(html, "[x](a&b.md)\n\n![Tom & Jerry](<my photo.png>)", 1);
        assert_eq!(found.refs[0].url, "a&b.md");
        assert_eq!(found.refs[1].url, "my%20photo.png");
        assert_eq!(found.refs[1].line, 3);
        assert_eq!(found.refs[1].alt.as_deref(), Some("Tom & Jerry"));
    }
}
