//! What the sanitizer takes out of a post body, reported by line of the file so the writer
//! can act on it: each element and attribute removed from raw HTML, and each Markdown link or
//! image whose address scheme is refused. The allow-list is read back from the sanitizer
//! itself, so the report cannot drift from what is served.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::sync::LazyLock;

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::{
    BufferQueue, Tag, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};
use pulldown_cmark::{Event, Tag as MarkdownTag};

use super::sanitize::{SANITIZER, refused_embed_host};
use crate::content::problem::Located;

/// How a warning about removed markup starts.
const REMOVED_PREFIX: &str = "removed from the HTML: ";

/// Elements removed with everything inside them.
const DROPPED_WITH_CONTENT: &[&str] = &["script", "style"];

/// Reports what the sanitizer removes, by body line: from each run of raw HTML, and the
/// addresses of Markdown links and images whose scheme it refuses (`javascript:`).
pub(super) fn report_removed_markup(
    markdown: &str,
    inserted: &[usize],
    events: &[(Event<'_>, Range<usize>)],
    embed_hosts: &[String],
    out: &mut Vec<Located>,
) {
    // Lines are those of the file as written, without the ones `separate_components` added
    // (`inserted` is ascending). Both are looked up by halving, so a body with many removed tags
    // is not scanned from its start for each.
    let newlines: Vec<usize> = markdown
        .bytes()
        .enumerate()
        .filter_map(|(at, byte)| (byte == b'\n').then_some(at))
        .collect();
    let line_of = |offset: usize| {
        let added = inserted.partition_point(|&at| at <= offset);
        1 + newlines.partition_point(|&at| at < offset) - added
    };
    let mut index = 0;
    while index < events.len() {
        match &events[index] {
            // A block's lines come as separate events; a tag may span them, so read them as one.
            (Event::Start(MarkdownTag::HtmlBlock), range) => {
                let mut block = String::new();
                index += 1;
                while let Some((Event::Html(line), _)) = events.get(index) {
                    block.push_str(line);
                    index += 1;
                }
                report_removed(&block, line_of(range.start), embed_hosts, out);
            }
            (Event::Html(html) | Event::InlineHtml(html), range) => {
                report_removed(html, line_of(range.start), embed_hosts, out);
                index += 1;
            }
            (
                Event::Start(
                    MarkdownTag::Link { dest_url, .. } | MarkdownTag::Image { dest_url, .. },
                ),
                range,
            ) => {
                if let Some(scheme) = refused_scheme(dest_url) {
                    let what = if matches!(events[index].0, Event::Start(MarkdownTag::Link { .. }))
                    {
                        "link"
                    } else {
                        "image"
                    };
                    out.push(Located::at_line(
                        line_of(range.start),
                        format!(
                            "{}the address of a Markdown {what} (`{scheme}:` addresses are not allowed)",
                            REMOVED_PREFIX
                        ),
                    ));
                }
                index += 1;
            }
            _ => index += 1,
        }
    }
    // Inline tags are read one at a time: one warning per line says all that line lost.
    out.dedup_by(|later, earlier| {
        let same_line = later.line == earlier.line;
        if same_line {
            let items = later.message.trim_start_matches(REMOVED_PREFIX);
            earlier.message.push_str("; ");
            earlier.message.push_str(items);
        }
        same_line
    });
}

/// The scheme of a link or image address the sanitizer drops, such as `javascript`.
fn refused_scheme(url: &str) -> Option<&str> {
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
fn report_removed(
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
