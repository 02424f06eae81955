//! What raw HTML in a post keeps and loses: the sanitizer's allow-list, the embed hosts whose
//! iframes stay, and a report of every element and attribute the sanitizer removes, by line.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::{
    BufferQueue, Tag, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};

use pulldown_cmark::{Alignment, CodeBlockKind, Event, Tag as MarkdownTag};

use crate::content::problem::Located;

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

/// How a warning about removed markup starts.
pub(super) const REMOVED_PREFIX: &str = "removed from the HTML: ";

/// Elements removed with everything inside them.
const DROPPED_WITH_CONTENT: &[&str] = &["script", "style"];

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

/// Whether the sanitizer would return the HTML of these events byte for byte unchanged, so it
/// can be skipped (it is most of the load time). True only when every event renders to markup
/// the sanitizer keeps as written: no raw HTML; no links, images or footnote references (the
/// sanitizer adds `rel` to links and rewrites void tags); no aligned table cells (it respaces
/// their `style`); only plain heading ids and code languages; and text free of the characters
/// the HTML serializer escapes differently from pulldown-cmark (no-break space, controls).
/// pulldown-cmark escapes all text and attribute values itself, so nothing else can carry
/// markup; `the_sanitizer_is_skipped_only_when_it_would_change_nothing` checks the claim.
pub(super) fn sanitizing_changes_nothing(events: &[Event<'_>]) -> bool {
    let plain_text = |text: &str| {
        // A byte scan first: each character of concern is a control byte or starts with 0xC2.
        // Folded over chunks without stopping early, so the compiler can vectorise it.
        let suspect_byte =
            |b: u8| (b < 0x20 && b != b'\n' && b != b'\t') | (b == 0x7f) | (b == 0xc2);
        let suspect = text
            .as_bytes()
            .chunks(32)
            .any(|chunk| chunk.iter().fold(false, |any, &b| any | suspect_byte(b)));
        !suspect
            || !text
                .chars()
                .any(|c| c == '\u{a0}' || (c.is_control() && c != '\n' && c != '\t'))
    };
    let plain_name = |name: &str| {
        name.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '+' | '.' | '#'))
    };
    events.iter().all(|event| match event {
        Event::Text(text) | Event::Code(text) => plain_text(text),
        Event::SoftBreak | Event::End(_) => true,
        Event::Start(tag) => match tag {
            MarkdownTag::Paragraph
            | MarkdownTag::Emphasis
            | MarkdownTag::Strong
            | MarkdownTag::Strikethrough
            | MarkdownTag::List(_)
            | MarkdownTag::Item
            | MarkdownTag::TableHead
            | MarkdownTag::TableRow
            | MarkdownTag::TableCell
            | MarkdownTag::BlockQuote(None)
            | MarkdownTag::CodeBlock(CodeBlockKind::Indented) => true,
            MarkdownTag::CodeBlock(CodeBlockKind::Fenced(info)) => {
                plain_name(info.split(' ').next().unwrap_or_default())
            }
            MarkdownTag::Heading {
                id, classes, attrs, ..
            } => classes.is_empty() && attrs.is_empty() && id.as_deref().is_none_or(&plain_name),
            MarkdownTag::Table(alignments) => alignments.iter().all(|a| *a == Alignment::None),
            MarkdownTag::BlockQuote(Some(_))
            | MarkdownTag::HtmlBlock
            | MarkdownTag::FootnoteDefinition(_)
            | MarkdownTag::DefinitionList
            | MarkdownTag::DefinitionListTitle
            | MarkdownTag::DefinitionListDefinition
            | MarkdownTag::Superscript
            | MarkdownTag::Subscript
            | MarkdownTag::Link { .. }
            | MarkdownTag::Image { .. }
            | MarkdownTag::MetadataBlock(_) => false,
        },
        Event::Html(_)
        | Event::InlineHtml(_)
        | Event::InlineMath(_)
        | Event::DisplayMath(_)
        | Event::FootnoteReference(_)
        | Event::HardBreak
        | Event::Rule
        | Event::TaskListMarker(_) => false,
    })
}

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

/// The scheme of a link or image address the sanitizer drops, such as `javascript`.
pub(super) fn refused_scheme(url: &str) -> Option<&str> {
    POLICY.refused_scheme(url)
}

/// The sanitizer's allow-list, read back from [`SANITIZER`] so the report cannot drift from it.
struct Policy {
    tags: HashSet<&'static str>,
    generic_attributes: HashSet<&'static str>,
    tag_attributes: HashMap<&'static str, HashSet<&'static str>>,
    tag_attribute_values: HashMap<&'static str, HashMap<&'static str, HashSet<&'static str>>>,
    classes: HashMap<&'static str, HashSet<&'static str>>,
    url_schemes: HashSet<&'static str>,
}

static POLICY: LazyLock<Policy> = LazyLock::new(|| Policy {
    tags: SANITIZER.clone_tags(),
    generic_attributes: SANITIZER.clone_generic_attributes(),
    tag_attributes: SANITIZER.clone_tag_attributes(),
    tag_attribute_values: SANITIZER.clone_tag_attribute_values(),
    classes: SANITIZER.clone_allowed_classes(),
    url_schemes: SANITIZER.clone_url_schemes(),
});

impl Policy {
    /// The scheme of an absolute URL the sanitizer drops, such as `javascript`.
    fn refused_scheme<'u>(&self, url: &'u str) -> Option<&'u str> {
        let (scheme, _) = url.trim().split_once(':')?;
        let is_scheme = scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
        let refused = is_scheme
            && !self
                .url_schemes
                .contains(scheme.to_ascii_lowercase().as_str());
        refused.then_some(scheme)
    }

    /// What the sanitizer removes from one start tag, in words; empty when it keeps it whole.
    fn removals(&self, tag: &Tag, extra_hosts: &[String], out: &mut Vec<String>) {
        let name: &str = &tag.name;
        if DROPPED_WITH_CONTENT.contains(&name) {
            out.push(format!("`<{name}>` element with its content"));
            return;
        }
        if !self.tags.contains(name) {
            out.push(format!("`<{name}>` element (its content is kept)"));
            return;
        }
        if name == "iframe" {
            let src = tag
                .attrs
                .iter()
                .find(|attr| &*attr.name.local == "src")
                .map(|attr| &*attr.value);
            if let Some(host) = refused_embed_host(src, extra_hosts) {
                out.push(if host.is_empty() {
                    "`<iframe>` without an http(s) `src`".to_owned()
                } else {
                    format!(
                        "`<iframe>` from `{host}`, which is not an allowed embed host (allow it with `--embed-host {host}`)"
                    )
                });
                return;
            }
        }
        for attr in &tag.attrs {
            let attribute: &str = &attr.name.local;
            let value: &str = &attr.value;
            // A JSX expression (`style={{display: 'flex'}}`) reads as its name followed by
            // fragments that are no attribute names; naming the attribute is enough.
            if !is_attribute_name(attribute) {
                continue;
            }
            let listed = self.generic_attributes.contains(attribute)
                || self
                    .tag_attributes
                    .get(name)
                    .is_some_and(|allowed| allowed.contains(attribute));
            let allowed_value = self
                .tag_attribute_values
                .get(name)
                .and_then(|values| values.get(attribute))
                .is_some_and(|values| values.contains(value.to_ascii_lowercase().as_str()));
            let class_kept = attribute == "class"
                && self.classes.get(name).is_some_and(|classes| {
                    value
                        .split_ascii_whitespace()
                        .any(|class| classes.contains(class))
                });
            if !(listed || allowed_value || class_kept) {
                out.push(format!("`{attribute}` attribute of `<{name}>`"));
            } else if matches!(attribute, "href" | "src")
                && let Some(scheme) = self.refused_scheme(value)
            {
                out.push(format!(
                    "`{attribute}` attribute of `<{name}>` (`{scheme}:` links are not allowed)"
                ));
            }
        }
    }
}

/// Whether a name read by the tokenizer is a real attribute name, not a piece of a JSX
/// expression such as `'flex',`, `justifycontent:` or `}}`.
fn is_attribute_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.ends_with(|c: char| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':' | '.'))
}

/// Collects the start tags of a snippet with the line each ends on.
#[derive(Default)]
struct StartTags {
    tags: RefCell<Vec<(u64, Tag)>>,
}

impl TokenSink for StartTags {
    type Handle = ();

    fn process_token(&self, token: Token, line_number: u64) -> TokenSinkResult<()> {
        if let Token::TagToken(tag) = token
            && tag.kind == TagKind::StartTag
        {
            self.tags.borrow_mut().push((line_number, tag));
        }
        TokenSinkResult::Continue
    }
}

/// Lowercased names of the components (capitalised tags, as in JSX and MDX) in a snippet:
/// they are rendered as their children by design, so they are not reported as removed.
fn component_names(snippet: &str) -> HashSet<String> {
    snippet
        .match_indices('<')
        .filter_map(|(at, _)| {
            let name: String = snippet[at + 1..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
                .collect();
            name.starts_with(|c: char| c.is_ascii_uppercase())
                .then(|| name.to_ascii_lowercase())
        })
        .collect()
}

/// Reports what the sanitizer removes from a snippet of raw HTML that starts on `first_line`
/// of the body: one problem per line, naming each element and attribute removed. `<noscript>`
/// and components are unwrapped, not removed, so they are not reported.
pub(super) fn report_removed(
    snippet: &str,
    first_line: usize,
    extra_hosts: &[String],
    out: &mut Vec<Located>,
) {
    if !snippet.contains('<') {
        return;
    }
    // The tokenizer alone (no tree builder) reads the content of `<noscript>` as markup, as a
    // browser without scripts and Quire's renderer do.
    let tokenizer = Tokenizer::new(StartTags::default(), TokenizerOpts::default());
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(snippet));
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    let tags = tokenizer.sink.tags.take();
    if tags.is_empty() {
        return;
    }
    let components = component_names(snippet);
    let mut by_line: Vec<(usize, Vec<String>)> = Vec::new();
    for (line, tag) in tags {
        if &*tag.name == "noscript" || components.contains(&*tag.name) {
            continue;
        }
        let mut removed = Vec::new();
        POLICY.removals(&tag, extra_hosts, &mut removed);
        if removed.is_empty() {
            continue;
        }
        let line = first_line + usize::try_from(line).unwrap_or(1).saturating_sub(1);
        match by_line.last_mut() {
            Some((last, items)) if *last == line => items.extend(removed),
            _ => by_line.push((line, removed)),
        }
    }
    out.extend(by_line.into_iter().map(|(line, items)| {
        Located::at_line(line, format!("removed from the HTML: {}", items.join("; ")))
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(snippet: &str) -> Vec<String> {
        let mut out = Vec::new();
        report_removed(snippet, 1, &[], &mut out);
        out.into_iter()
            .map(|located| format!("{}: {}", located.line, located.message))
            .collect()
    }

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

    #[test]
    fn the_report_names_each_removed_element_and_attribute_with_its_line() {
        let jsx = "<div style={{display: 'flex', marginBottom: '1rem'}}>";
        assert_eq!(
            report(jsx),
            ["1: removed from the HTML: `style` attribute of `<div>`"]
        );
        let snippet = "<p onclick=\"x()\">a</p>\n<script>alert(1)</script>\n<blink>b</blink>\n<a href=\"javascript:go()\">c</a>\n<iframe src=\"https://evil.example/v\"></iframe>";
        assert_eq!(
            report(snippet),
            [
                "1: removed from the HTML: `onclick` attribute of `<p>`",
                "2: removed from the HTML: `<script>` element with its content",
                "3: removed from the HTML: `<blink>` element (its content is kept)",
                "4: removed from the HTML: `href` attribute of `<a>` (`javascript:` links are not allowed)",
                "5: removed from the HTML: `<iframe>` from `evil.example`, which is not an allowed embed host (allow it with `--embed-host evil.example`)",
            ]
        );
    }

    #[test]
    fn kept_markup_noscript_and_components_are_not_reported() {
        let snippets = [
            "<figure><picture><source srcset=\"/a.webp\" type=\"image/webp\"><img src=\"/a.png\" alt=\"A\" width=\"10\"></picture><figcaption>A</figcaption></figure>",
            "<noscript><img src=\"/chart.png\" alt=\"Chart\"></noscript>",
            "<video src=\"/v.mp4\" controls poster=\"/p.png\"></video><audio src=\"/a.mp3\" controls></audio>",
            "<iframe src=\"https://www.youtube.com/embed/x\" width=\"560\" height=\"315\" allowfullscreen></iframe>",
            "<Note>\n<Sandpack>\n<Intro />",
            "<a href=\"https://example.com\" title=\"t\">x</a> <a href=\"/rel\">y</a>",
            "<input type=\"checkbox\" checked disabled>",
        ];
        for snippet in snippets {
            assert_eq!(report(snippet), Vec::<String>::new(), "{snippet}");
        }
    }
}
