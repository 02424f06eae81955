//! The HTML sanitizer run over post bodies: ammonia's allow-list widened to exactly what
//! pulldown-cmark emits and to safe media, and the embed hosts whose iframes stay.

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::LazyLock;

/// Hosts whose `<iframe>` embeds are kept without configuration (and their subdomains, such as
/// `www.youtube.com` and `player.vimeo.com`).
pub const DEFAULT_EMBED_HOSTS: &[&str] = &["youtube.com", "youtube-nocookie.com", "vimeo.com"];

/// Attributes an embedded video player needs, besides its `src`.
const IFRAME_ATTRIBUTES: &[&str] = &[
    "src",
    "width",
    "height",
    "title",
    "allow",
    "allowfullscreen",
    "frameborder",
    "loading",
    "referrerpolicy",
];

/// The HTML sanitizer, configured once: ammonia's defaults, exactly what pulldown-cmark itself
/// emits, safe media and iframes (whose host is checked after cleaning, as the allowed hosts
/// are a setting).
pub(super) static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::default();
    builder
        // Task-list checkboxes.
        .add_tags(&["input"])
        .add_tag_attributes("input", &["disabled", "checked"])
        .add_tag_attribute_values("input", "type", &["checkbox"])
        // Heading ids and footnote definitions.
        .add_tag_attributes("h1", &["id"])
        .add_tag_attributes("h2", &["id"])
        .add_tag_attributes("h3", &["id"])
        .add_tag_attributes("h4", &["id"])
        .add_tag_attributes("h5", &["id"])
        .add_tag_attributes("h6", &["id"])
        .add_tag_attributes("div", &["id"])
        .add_allowed_classes("div", &["footnote-definition"])
        .add_allowed_classes("sup", &["footnote-reference", "footnote-definition-label"])
        // Fenced code language, narrowed to `language-*` by the filter below.
        .add_tag_attributes("code", &["class"])
        // Table column alignment, narrowed to `text-align` only.
        .add_tag_attributes("th", &["style"])
        .add_tag_attributes("td", &["style"])
        .filter_style_properties(HashSet::from(["text-align"]))
        // Safe media: responsive images, video and audio with their sources and captions.
        .add_tags(&[
            "picture",
            "source",
            "video",
            "audio",
            "figure",
            "figcaption",
        ])
        .add_tag_attributes("img", &["srcset", "sizes", "loading", "decoding"])
        .add_tag_attributes("source", &["src", "srcset", "sizes", "type", "media"])
        .add_tag_attributes(
            "video",
            &[
                "src",
                "poster",
                "controls",
                "width",
                "height",
                "loop",
                "muted",
                "playsinline",
                "preload",
            ],
        )
        .add_tag_attributes("audio", &["src", "controls", "loop", "muted", "preload"])
        .add_tags(&["iframe"])
        .add_tag_attributes("iframe", IFRAME_ATTRIBUTES)
        .attribute_filter(|element, attribute, value| {
            if element == "code" && attribute == "class" {
                language_classes(value)
            } else {
                Some(Cow::Borrowed(value))
            }
        });
    builder
});

/// Keeps only the `language-*` classes of a `<code>` class attribute.
fn language_classes(value: &str) -> Option<Cow<'_, str>> {
    let kept: Vec<&str> = value
        .split_whitespace()
        .filter(|class| class.starts_with("language-"))
        .collect();
    if kept.is_empty() {
        None
    } else {
        Some(Cow::Owned(kept.join(" ")))
    }
}

/// The host of an iframe's `src` when it is not an allowed embed host (`Some("")` when the
/// `src` has no host at all); `None` when the iframe may stay. A host is allowed when it is one
/// of [`DEFAULT_EMBED_HOSTS`] or `extra_hosts`, or a subdomain of one.
pub(super) fn refused_embed_host(src: Option<&str>, extra_hosts: &[String]) -> Option<String> {
    let src = src.unwrap_or_default().trim();
    // Embed codes often leave the scheme out (`//www.youtube.com/embed/...`).
    let absolute = match src.strip_prefix("//") {
        Some(rest) => Cow::Owned(format!("https://{rest}")),
        None => Cow::Borrowed(src),
    };
    let url = ammonia::Url::parse(&absolute).ok();
    let host = url
        .as_ref()
        .filter(|url| matches!(url.scheme(), "https" | "http"))
        .and_then(|url| url.host_str())
        .map(str::to_ascii_lowercase);
    let Some(host) = host else {
        return Some(String::new());
    };
    let allowed = DEFAULT_EMBED_HOSTS
        .iter()
        .copied()
        .chain(extra_hosts.iter().map(String::as_str))
        .map(|allowed| allowed.trim().trim_end_matches('.').to_ascii_lowercase())
        .any(|allowed| {
            !allowed.is_empty()
                && (host == allowed
                    || host
                        .strip_suffix(allowed.as_str())
                        .is_some_and(|sub| sub.ends_with('.')))
        });
    if allowed { None } else { Some(host) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embed_hosts_allow_the_defaults_their_subdomains_and_configured_hosts() {
        let extra = ["embed.example.org".to_owned()];
        for src in [
            "https://www.youtube.com/embed/x",
            "https://youtube.com/embed/x",
            "//www.youtube-nocookie.com/embed/x",
            "https://player.vimeo.com/video/1",
            "https://embed.example.org/v/1",
            "https://a.embed.example.org/v/1",
        ] {
            assert_eq!(refused_embed_host(Some(src), &extra), None, "{src}");
        }
        let refused = [
            ("https://evil.example/x", "evil.example"),
            ("https://notyoutube.com/x", "notyoutube.com"),
            (
                "https://youtube.com.evil.example/x",
                "youtube.com.evil.example",
            ),
            ("javascript:alert(1)", ""),
            ("/relative", ""),
        ];
        for (src, host) in refused {
            assert_eq!(
                refused_embed_host(Some(src), &extra).as_deref(),
                Some(host),
                "{src}"
            );
        }
        assert_eq!(refused_embed_host(None, &extra).as_deref(), Some(""));
    }
}
