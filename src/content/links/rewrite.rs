//! Writing resolved URLs into a post's HTML with `lol_html`: each local URL that resolved is
//! replaced by its public URL, and a local image gets its `width` and `height` (from its
//! header) and `loading="lazy" decoding="async"`, unless the writer set them.

use std::collections::HashMap;

use std::borrow::Cow;

use lol_html::html_content::Element;
use lol_html::{ElementContentHandlers, RewriteStrSettings, Selector, rewrite_str};

use super::selectors::{IMAGES, LINKS, MEDIA_SOURCES, POSTERS, SOURCE_SETS, on};
use super::url::{decode_entities, encode_attribute, map_srcset};

/// Each URL as written with the URL it is served as and, for an image, its size.
pub type Rewrites = HashMap<String, (String, Option<(u32, u32)>)>;

/// `html` with every URL of `rewrites` replaced; the HTML as it was if it cannot be read.
pub fn rewrite(html: &str, rewrites: &Rewrites) -> String {
    let lookup = |url: &str| rewrites.get(url).cloned();
    let settings = handlers(&lookup).into_iter().fold(
        RewriteStrSettings::new()
            .with_strict(false)
            .with_enable_esi_tags(false),
        RewriteStrSettings::append_element_content_handler,
    );
    match rewrite_str(html, settings) {
        Ok(html) => html,
        Err(err) => {
            log::warn!(
                "links: cannot rewrite the rendered HTML: {err}; its URLs are left as written"
            );
            html.to_owned()
        }
    }
}

/// The URL a URL as written is served as and, for an image, its size; `None` to leave it.
pub type Lookup<'l> = dyn Fn(&str) -> Option<(String, Option<(u32, u32)>)> + 'l;

/// The `lol_html` handlers that replace each URL `lookup` resolves, size local images and make
/// them lazy; appended after others on the same elements, they run after them, so those see
/// the URLs as written.
pub fn handlers<'h>(
    lookup: &'h Lookup<'h>,
) -> [(Cow<'static, Selector>, ElementContentHandlers<'h>); 5] {
    [
        on(&LINKS, |el| {
            replace(el, "href", lookup);
            Ok(())
        }),
        on(&IMAGES, |el| {
            let src = replace(el, "src", lookup);
            let local = replace_srcset(el, lookup) || src.is_some();
            if let Some(Some((width, height))) = src
                && !el.has_attribute("width")
                && !el.has_attribute("height")
            {
                el.set_attribute("width", &width.to_string())?;
                el.set_attribute("height", &height.to_string())?;
            }
            if local {
                if !el.has_attribute("loading") {
                    el.set_attribute("loading", "lazy")?;
                }
                if !el.has_attribute("decoding") {
                    el.set_attribute("decoding", "async")?;
                }
            }
            Ok(())
        }),
        on(&SOURCE_SETS, |el| {
            replace_srcset(el, lookup);
            Ok(())
        }),
        on(&MEDIA_SOURCES, |el| {
            replace(el, "src", lookup);
            Ok(())
        }),
        on(&POSTERS, |el| {
            replace(el, "poster", lookup);
            Ok(())
        }),
    ]
}

/// Replaces the URL in attribute `name` when it resolved; `Some` with the image size it has
/// (if known) when it did.
fn replace(
    el: &mut Element<'_, '_>,
    name: &str,
    lookup: &Lookup<'_>,
) -> Option<Option<(u32, u32)>> {
    let value = el.get_attribute(name)?;
    let (url, size) = lookup(decode_entities(&value).trim())?;
    // The attribute name is a literal, so setting it cannot fail.
    let _ = el.set_attribute(name, &encode_attribute(&url));
    Some(size)
}

/// Replaces each URL of a `srcset` that resolved; whether any did.
fn replace_srcset(el: &mut Element<'_, '_>, lookup: &Lookup<'_>) -> bool {
    let Some(srcset) = el.get_attribute("srcset") else {
        return false;
    };
    let decoded = decode_entities(&srcset);
    let mut replaced = false;
    let mapped = map_srcset(&decoded, |url| {
        let found = lookup(url).map(|(url, _)| url);
        replaced |= found.is_some();
        found
    });
    if replaced {
        let _ = el.set_attribute("srcset", &encode_attribute(&mapped));
    }
    replaced
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolved_urls_are_replaced_and_local_images_sized_and_lazy() {
        let mut rewrites = Rewrites::new();
        rewrites.insert(
            "./d.png".to_owned(),
            (
                "https://x.org/media/a/d.png?v=1&x".to_owned(),
                Some((120, 80)),
            ),
        );
        rewrites.insert(
            "../b.md#setup".to_owned(),
            ("https://x.org/posts/b#setup".to_owned(), None),
        );
        let html = r##"<p><img src="./d.png" alt="d"> <img src="https://e.org/x.png"> <img src="./d.png" width="10"><a href="../b.md#setup">b</a> <a href="#top">top</a></p>"##;
        assert_eq!(
            rewrite(html, &rewrites),
            r##"<p><img src="https://x.org/media/a/d.png?v=1&amp;x" alt="d" width="120" height="80" loading="lazy" decoding="async"> <img src="https://e.org/x.png"> <img src="https://x.org/media/a/d.png?v=1&amp;x" width="10" loading="lazy" decoding="async"><a href="https://x.org/posts/b#setup">b</a> <a href="#top">top</a></p>"##
        );
    }

    #[test]
    fn srcset_candidates_are_each_replaced() {
        let mut rewrites = Rewrites::new();
        rewrites.insert(
            "a.png".to_owned(),
            ("/media/a.png?v=1".to_owned(), Some((1, 1))),
        );
        let html = r#"<picture><source srcset="a.png 2x, b.png"><img src="c.png" srcset="a.png 1x"></picture>"#;
        assert_eq!(
            rewrite(html, &rewrites),
            r#"<picture><source srcset="/media/a.png?v=1 2x, b.png"><img src="c.png" srcset="/media/a.png?v=1 1x" loading="lazy" decoding="async"></picture>"#
        );
    }
}
