//! Markdown rendering for blog posts: HTML with unique heading ids, a nested table of contents, plain text, word count and summary, all computed once at load time.

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::LazyLock;

use pulldown_cmark::{Alignment, CodeBlockKind, CowStr, Event, Options, Parser, Tag, TagEnd};

/// Length, in characters, to which a first-paragraph summary is cut.
const SUMMARY_MAX_CHARS: usize = 200;

/// Id used for a heading whose text gives an empty slug.
const FALLBACK_HEADING_ID: &str = "section";

/// Options for rendering one post body.
#[derive(Debug, Clone, Copy, Default)]
pub struct RenderOptions {
    /// Keep raw HTML from the Markdown as written instead of sanitizing it.
    pub trust_html: bool,
    /// Whether the body is Markdown or MDX.
    pub format: crate::domain::SourceFormat,
}

/// One entry of a post's nested table of contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TocEntry {
    /// Heading level, 1 to 6.
    pub level: u8,
    /// The heading's `id` attribute in the rendered HTML.
    pub id: String,
    /// The heading's plain text.
    pub text: String,
    /// Headings nested under this one.
    pub children: Vec<TocEntry>,
}

/// A post body rendered once at load time.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// The body as HTML (sanitized unless raw HTML is trusted).
    pub html: String,
    /// The nested table of contents of the body's headings.
    pub toc: Vec<TocEntry>,
    /// Plain text of the whole body without markup, blocks separated by newlines.
    pub text: String,
    /// Number of whitespace-separated tokens of `text` holding at least one alphanumeric character.
    pub word_count: usize,
    /// Text before a `<!--more-->` marker, or else the (shortened) first paragraph.
    pub summary: String,
}

/// Returns the pulldown-cmark extensions enabled for post bodies.
fn parser_options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_SMART_PUNCTUATION
        | Options::ENABLE_HEADING_ATTRIBUTES
}

/// The HTML sanitizer, configured once: ammonia's defaults plus exactly what pulldown-cmark itself emits.
static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
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
fn sanitizing_changes_nothing(events: &[Event<'_>]) -> bool {
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
            Tag::Paragraph
            | Tag::Emphasis
            | Tag::Strong
            | Tag::Strikethrough
            | Tag::List(_)
            | Tag::Item
            | Tag::TableHead
            | Tag::TableRow
            | Tag::TableCell
            | Tag::BlockQuote(None)
            | Tag::CodeBlock(CodeBlockKind::Indented) => true,
            Tag::CodeBlock(CodeBlockKind::Fenced(info)) => {
                plain_name(info.split(' ').next().unwrap_or_default())
            }
            Tag::Heading {
                id, classes, attrs, ..
            } => classes.is_empty() && attrs.is_empty() && id.as_deref().is_none_or(&plain_name),
            Tag::Table(alignments) => alignments.iter().all(|a| *a == Alignment::None),
            Tag::BlockQuote(Some(_))
            | Tag::HtmlBlock
            | Tag::FootnoteDefinition(_)
            | Tag::DefinitionList
            | Tag::DefinitionListTitle
            | Tag::DefinitionListDefinition
            | Tag::Superscript
            | Tag::Subscript
            | Tag::Link { .. }
            | Tag::Image { .. }
            | Tag::MetadataBlock(_) => false,
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

/// Renders a Markdown post body to HTML, table of contents, plain text, word count and summary.
pub fn render(markdown: &str, options: RenderOptions) -> Rendered {
    let parsed: Vec<Event<'_>> = Parser::new_ext(markdown, parser_options()).collect();
    let (mut events, more_at) = strip_more_markers(parsed);
    let headings = assign_heading_ids(&mut events);
    let toc = build_toc(&headings);

    let mut html = String::with_capacity(markdown.len() + markdown.len() / 2);
    pulldown_cmark::html::push_html(&mut html, events.iter().cloned());
    if !options.trust_html && !sanitizing_changes_nothing(&events) {
        html = SANITIZER.clean(&html).to_string();
    }
    html.shrink_to_fit();

    let text = plain_text(&events);
    let word_count = count_words(&text);
    let summary = match more_at {
        Some(index) => collapse_whitespace(&plain_text(&events[..index])),
        None => first_paragraph(&events)
            .map(|paragraph| {
                truncate_at_word(
                    &collapse_whitespace(&plain_text(paragraph)),
                    SUMMARY_MAX_CHARS,
                )
            })
            .unwrap_or_default(),
    };

    Rendered {
        html,
        toc,
        text,
        word_count,
        summary,
    }
}

/// Cuts plain text at a word boundary at or before `max_chars` characters (chars, not bytes), appending "…" when cut; returns the text unchanged (trimmed) when it fits.
pub fn truncate_at_word(text: &str, max_chars: usize) -> String {
    let text = text.trim();
    // Byte offset of the first character that does not fit, if any.
    let Some((cut, next)) = text.char_indices().nth(max_chars) else {
        return text.to_string();
    };
    let head = &text[..cut];
    let kept = if next.is_whitespace() {
        head
    } else {
        match head.rfind(char::is_whitespace) {
            Some(space) => &head[..space],
            // A single word longer than the limit: cut it at a character boundary.
            None => head,
        }
    };
    let kept = kept.trim_end_matches(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | ':'));
    let kept = if kept.is_empty() {
        head.trim_end()
    } else {
        kept
    };
    format!("{kept}…")
}

/// Finds the first `<!--more-->` marker (spaces allowed inside, any case) in `html`, returning its byte range.
fn find_more_marker(html: &str) -> Option<(usize, usize)> {
    let mut from = 0;
    while let Some(found) = html[from..].find("<!--") {
        let start = from + found;
        let body = &html[start + 4..];
        let after_space = body.trim_start();
        if after_space
            .get(..4)
            .is_some_and(|word| word.eq_ignore_ascii_case("more"))
        {
            let rest = after_space[4..].trim_start();
            if rest.starts_with("-->") {
                let end = html.len() - rest.len() + 3;
                return Some((start, end));
            }
        }
        from = start + 4;
    }
    None
}

/// Removes every `<!--more-->` marker from the raw HTML events, returning the events and the index where the first marker stood.
fn strip_more_markers(events: Vec<Event<'_>>) -> (Vec<Event<'_>>, Option<usize>) {
    let mut out = Vec::with_capacity(events.len());
    let mut first_marker = None;
    for event in events {
        let (raw, inline) = match &event {
            Event::Html(raw) => (raw, false),
            Event::InlineHtml(raw) => (raw, true),
            _ => {
                out.push(event);
                continue;
            }
        };
        if find_more_marker(raw).is_none() {
            out.push(event);
            continue;
        }
        let mut rest: &str = raw;
        let mut kept = String::with_capacity(rest.len());
        while let Some((start, end)) = find_more_marker(rest) {
            kept.push_str(&rest[..start]);
            if first_marker.is_none() {
                first_marker = Some(out.len());
            }
            rest = &rest[end..];
        }
        kept.push_str(rest);
        if !kept.trim().is_empty() {
            let kept = CowStr::from(kept);
            out.push(if inline {
                Event::InlineHtml(kept)
            } else {
                Event::Html(kept)
            });
        }
    }
    (out, first_marker)
}

/// A heading found in the document, in order, with its final id.
struct Heading {
    level: u8,
    id: String,
    text: String,
}

/// Gives every heading a unique id (explicit `{#id}` first, else a slug of its text) and returns the headings in order.
fn assign_heading_ids(events: &mut [Event<'_>]) -> Vec<Heading> {
    // Explicit ids are reserved up front so generated ids never take them, wherever they appear.
    let reserved: HashSet<String> = events
        .iter()
        .filter_map(|event| match event {
            Event::Start(Tag::Heading { id: Some(id), .. }) if !id.is_empty() => {
                Some(id.to_string())
            }
            _ => None,
        })
        .collect();
    let mut used: HashSet<String> = HashSet::new();
    let mut headings = Vec::new();

    let mut index = 0;
    while index < events.len() {
        let Event::Start(Tag::Heading { level, id, .. }) = &events[index] else {
            index += 1;
            continue;
        };
        let level = *level as u8;
        let explicit = id
            .as_ref()
            .filter(|id| !id.is_empty())
            .map(|id| id.to_string());
        let end = events[index + 1..]
            .iter()
            .position(|event| matches!(event, Event::End(TagEnd::Heading(_))))
            .map_or(events.len(), |offset| index + 1 + offset);
        let text = collapse_whitespace(&plain_text(&events[index + 1..end]));

        let id = match explicit {
            Some(explicit) if !used.contains(&explicit) => explicit,
            Some(explicit) => unique_id(&explicit, &used, &reserved),
            None => {
                let slug = slug::slugify(&text);
                let base = if slug.is_empty() {
                    FALLBACK_HEADING_ID
                } else {
                    slug.as_str()
                };
                unique_id(base, &used, &reserved)
            }
        };
        used.insert(id.clone());
        if let Event::Start(Tag::Heading { id: slot, .. }) = &mut events[index] {
            *slot = Some(CowStr::from(id.clone()));
        }
        headings.push(Heading { level, id, text });
        index = end;
    }
    headings
}

/// Returns `base`, or `base-1`, `base-2`, ... : the first one neither used nor reserved.
fn unique_id(base: &str, used: &HashSet<String>, reserved: &HashSet<String>) -> String {
    let free = |candidate: &str| !used.contains(candidate) && !reserved.contains(candidate);
    if free(base) {
        return base.to_string();
    }
    let mut n: usize = 1;
    loop {
        let candidate = format!("{base}-{n}");
        if free(&candidate) {
            return candidate;
        }
        n += 1;
    }
}

/// Nests headings: each becomes a child of the nearest preceding heading with a smaller level.
fn build_toc(headings: &[Heading]) -> Vec<TocEntry> {
    let mut position = 0;
    build_toc_level(headings, &mut position, 0)
}

/// Collects the entries that follow `position` with a level deeper than `parent_level`.
fn build_toc_level(headings: &[Heading], position: &mut usize, parent_level: u8) -> Vec<TocEntry> {
    let mut entries = Vec::new();
    while let Some(heading) = headings.get(*position) {
        if heading.level <= parent_level {
            break;
        }
        *position += 1;
        let children = build_toc_level(headings, position, heading.level);
        entries.push(TocEntry {
            level: heading.level,
            id: heading.id.clone(),
            text: heading.text.clone(),
            children,
        });
    }
    entries
}

/// What separates the text of a tag from its neighbours in plain text.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Boundary {
    /// Inline: no separator.
    None,
    /// A table cell: a space.
    Cell,
    /// A block: a newline.
    Block,
}

/// The boundary at the start of `tag`.
fn start_boundary(tag: &Tag<'_>) -> Boundary {
    match tag {
        Tag::TableCell => Boundary::Cell,
        Tag::Paragraph
        | Tag::Heading { .. }
        | Tag::BlockQuote(_)
        | Tag::CodeBlock(_)
        | Tag::HtmlBlock
        | Tag::List(_)
        | Tag::Item
        | Tag::FootnoteDefinition(_)
        | Tag::DefinitionList
        | Tag::DefinitionListTitle
        | Tag::DefinitionListDefinition
        | Tag::Table(_)
        | Tag::TableHead
        | Tag::TableRow
        | Tag::MetadataBlock(_) => Boundary::Block,
        _ => Boundary::None,
    }
}

/// The boundary at the end of a tag.
fn end_boundary(tag: &TagEnd) -> Boundary {
    match tag {
        TagEnd::TableCell => Boundary::Cell,
        TagEnd::Paragraph
        | TagEnd::Heading(_)
        | TagEnd::BlockQuote(_)
        | TagEnd::CodeBlock
        | TagEnd::HtmlBlock
        | TagEnd::List(_)
        | TagEnd::Item
        | TagEnd::FootnoteDefinition
        | TagEnd::DefinitionList
        | TagEnd::DefinitionListTitle
        | TagEnd::DefinitionListDefinition
        | TagEnd::Table
        | TagEnd::TableHead
        | TagEnd::TableRow
        | TagEnd::MetadataBlock(_) => Boundary::Block,
        _ => Boundary::None,
    }
}

/// Plain text being assembled, with separators that never double up.
struct TextSink {
    out: String,
}

impl TextSink {
    /// Adds a separator for `boundary` unless one is already there.
    fn separate(&mut self, boundary: Boundary) {
        match boundary {
            Boundary::None => {}
            Boundary::Cell => self.space(),
            Boundary::Block => self.newline(),
        }
    }

    /// Adds a space unless the text is empty or already ends in whitespace.
    fn space(&mut self) {
        if !self.out.is_empty() && !self.out.ends_with(char::is_whitespace) {
            self.out.push(' ');
        }
    }

    /// Ends the current line (dropping its trailing spaces) unless the text is empty or already ends a line.
    fn newline(&mut self) {
        let trimmed = self.out.trim_end_matches([' ', '\t']).len();
        self.out.truncate(trimmed);
        if !self.out.is_empty() && !self.out.ends_with('\n') {
            self.out.push('\n');
        }
    }
}

/// Plain text of events: text and code content, blocks on their own lines, no markup, raw HTML and image alt text left out.
fn plain_text(events: &[Event<'_>]) -> String {
    let mut sink = TextSink { out: String::new() };
    let mut image_depth: usize = 0;
    for event in events {
        match event {
            Event::Start(Tag::Image { .. }) => image_depth += 1,
            Event::End(TagEnd::Image) => image_depth = image_depth.saturating_sub(1),
            Event::Start(tag) => sink.separate(start_boundary(tag)),
            Event::End(tag) => sink.separate(end_boundary(tag)),
            Event::Text(text)
            | Event::Code(text)
            | Event::InlineMath(text)
            | Event::DisplayMath(text) => {
                if image_depth == 0 {
                    sink.out.push_str(text);
                }
            }
            Event::SoftBreak => sink.space(),
            Event::HardBreak | Event::Rule => sink.newline(),
            Event::InlineHtml(html) => {
                if html
                    .get(..3)
                    .is_some_and(|tag| tag.eq_ignore_ascii_case("<br"))
                {
                    sink.space();
                }
            }
            Event::Html(_) | Event::FootnoteReference(_) | Event::TaskListMarker(_) => {}
        }
    }
    sink.out.trim().to_string()
}

/// The events inside the first top-level paragraph, if there is one.
fn first_paragraph<'e, 'a>(events: &'e [Event<'a>]) -> Option<&'e [Event<'a>]> {
    let mut depth: usize = 0;
    for (index, event) in events.iter().enumerate() {
        match event {
            Event::Start(Tag::Paragraph) if depth == 0 => {
                let body = &events[index + 1..];
                let end = body
                    .iter()
                    .position(|event| matches!(event, Event::End(TagEnd::Paragraph)))
                    .unwrap_or(body.len());
                return Some(&body[..end]);
            }
            Event::Start(_) => depth += 1,
            Event::End(_) => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// Collapses every run of whitespace to one space and trims the ends.
fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Counts whitespace-separated tokens holding at least one alphanumeric character.
fn count_words(text: &str) -> usize {
    // A hot spot at load time, so one branch-free step per ASCII byte, classified by a table;
    // only other characters are decoded.
    let bytes = text.as_bytes();
    let mut words = 0;
    let mut token_has_alphanumeric = 0;
    let mut at = 0;
    while at < bytes.len() {
        let class = ASCII_CLASS[usize::from(bytes[at])];
        let (whitespace, alphanumeric, width) = if class != NOT_ASCII {
            (class & WHITESPACE, (class & ALPHANUMERIC) >> 1, 1)
        } else {
            let c = text[at..].chars().next().unwrap_or_default();
            (
                u8::from(c.is_whitespace()),
                u8::from(c.is_alphanumeric()),
                c.len_utf8(),
            )
        };
        // A whitespace ends the token (counted if it had an alphanumeric) and starts a new one.
        words += usize::from(whitespace & token_has_alphanumeric);
        token_has_alphanumeric = (token_has_alphanumeric | alphanumeric) & (whitespace ^ 1);
        at += width;
    }
    words + usize::from(token_has_alphanumeric)
}

const WHITESPACE: u8 = 1;
const ALPHANUMERIC: u8 = 2;
const NOT_ASCII: u8 = 4;

/// [`count_words`]' class of each byte: ASCII whitespace, ASCII alphanumeric, other ASCII (0),
/// or the start or continuation of a non-ASCII character.
static ASCII_CLASS: [u8; 256] = {
    let mut table = [NOT_ASCII; 256];
    let mut byte = 0;
    while byte < 128 {
        let b = byte as u8;
        table[byte] = if matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r') {
            WHITESPACE
        } else if b.is_ascii_alphanumeric() {
            ALPHANUMERIC
        } else {
            0
        };
        byte += 1;
    }
    table
};

#[cfg(test)]
mod tests {
    use super::*;

    fn render_default(markdown: &str) -> Rendered {
        render(markdown, RenderOptions::default())
    }

    fn ids(toc: &[TocEntry]) -> Vec<String> {
        let mut out = Vec::new();
        for entry in toc {
            out.push(entry.id.clone());
            out.extend(ids(&entry.children));
        }
        out
    }

    #[test]
    fn repeated_headings_get_numbered_ids() {
        let rendered =
            render_default("## Intro\n\n### Example\n\ntext\n\n### Example\n\n### Example\n");
        assert_eq!(
            ids(&rendered.toc),
            ["intro", "example", "example-1", "example-2"]
        );
        assert!(rendered.html.contains(r#"<h3 id="example">Example</h3>"#));
        assert!(rendered.html.contains(r#"<h3 id="example-1">Example</h3>"#));
        assert!(rendered.html.contains(r#"<h3 id="example-2">Example</h3>"#));
    }

    #[test]
    fn explicit_ids_are_kept_and_never_collide_with_generated_ones() {
        let markdown = "## Setup\n\n## Other {#setup}\n\n## Third {#setup-1}\n\n## Setup\n\n## Again {#setup}\n";
        let rendered = render_default(markdown);
        let all = ids(&rendered.toc);
        // The explicit `setup` keeps its id; the generated ones step around both explicit ids.
        assert_eq!(all, ["setup-2", "setup", "setup-1", "setup-3", "setup-4"]);
        let unique: HashSet<&String> = all.iter().collect();
        assert_eq!(unique.len(), all.len());
        assert!(rendered.html.contains(r#"<h2 id="setup">Other</h2>"#));
        assert!(rendered.html.contains(r#"<h2 id="setup-2">Setup</h2>"#));
    }

    #[test]
    fn headings_without_slug_text_get_section_ids() {
        let rendered = render_default("## !!!\n\n## ???\n");
        assert_eq!(ids(&rendered.toc), ["section", "section-1"]);
    }

    #[test]
    fn toc_nests_headings_under_the_nearest_smaller_level() {
        let rendered = render_default("## A\n\n### B\n\n### C\n\n## D\n\n#### E\n");
        let leaf = |level, id: &str, text: &str| TocEntry {
            level,
            id: id.to_string(),
            text: text.to_string(),
            children: Vec::new(),
        };
        let expected = vec![
            TocEntry {
                children: vec![leaf(3, "b", "B"), leaf(3, "c", "C")],
                ..leaf(2, "a", "A")
            },
            TocEntry {
                children: vec![leaf(4, "e", "E")],
                ..leaf(2, "d", "D")
            },
        ];
        assert_eq!(rendered.toc, expected);
    }

    #[test]
    fn toc_puts_a_heading_with_no_smaller_predecessor_at_top_level() {
        let rendered = render_default("### Deep\n\n## Shallow\n\n#### Deeper\n\n### Middle\n");
        let top: Vec<&str> = rendered.toc.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(top, ["deep", "shallow"]);
        let under: Vec<&str> = rendered.toc[1]
            .children
            .iter()
            .map(|e| e.id.as_str())
            .collect();
        assert_eq!(under, ["deeper", "middle"]);
    }

    #[test]
    fn sanitizing_removes_scripts_handlers_and_javascript_links() {
        let markdown = "\
<script>alert('x')</script>

<style>body { display: none }</style>

<iframe src=\"https://evil.example\"></iframe>

<p onclick=\"steal()\">Click</p>

[bad](javascript:alert(1)) and <a href=\"javascript:alert(2)\">worse</a>

![pixel](data:image/png;base64,AAAA)
";
        let html = render_default(markdown).html;
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("alert('x')"), "{html}");
        assert!(!html.contains("<style"), "{html}");
        assert!(!html.contains("<iframe"), "{html}");
        assert!(!html.contains("onclick"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(!html.contains("data:"), "{html}");
        assert!(html.contains("Click"), "{html}");
    }

    #[test]
    fn sanitizing_keeps_everything_markdown_produces() {
        let markdown = "\
# Title

A [normal link](https://example.com/page \"Page\"), a [relative](/signup), an [anchor](#title), ~~gone~~ and ![alt text](/img/a.png \"A title\").

| Left | Center | Right |
|:-----|:------:|------:|
| a    | b      | c     |

Here is a note.[^note]

[^note]: The footnote text.

- [x] done
- [ ] todo

```rust
fn main() {}
```
";
        let html = render_default(markdown).html;
        assert!(html.contains(r#"<h1 id="title">Title</h1>"#), "{html}");
        assert!(
            html.contains(r#"href="https://example.com/page""#),
            "{html}"
        );
        assert!(html.contains(r#"title="Page""#), "{html}");
        assert!(html.contains(r#"href="/signup""#), "{html}");
        assert!(html.contains(r##"href="#title""##), "{html}");
        assert!(html.contains("<del>gone</del>"), "{html}");
        assert!(html.contains(r#"src="/img/a.png""#), "{html}");
        assert!(html.contains(r#"alt="alt text""#), "{html}");
        assert!(html.contains(r#"title="A title""#), "{html}");
        assert!(html.contains("<table>"), "{html}");
        assert!(
            html.contains(r#"<th style="text-align:left">Left</th>"#),
            "{html}"
        );
        assert!(
            html.contains(r#"<td style="text-align:center">b</td>"#),
            "{html}"
        );
        assert!(
            html.contains(r#"<td style="text-align:right">c</td>"#),
            "{html}"
        );
        assert!(
            html.contains(r##"<sup class="footnote-reference"><a href="#note""##),
            "{html}"
        );
        assert!(
            html.contains(r#"<div class="footnote-definition" id="note">"#),
            "{html}"
        );
        assert!(
            html.contains(r#"<sup class="footnote-definition-label">1</sup>"#),
            "{html}"
        );
        assert!(html.contains("<input"), "{html}");
        assert!(html.contains(r#"type="checkbox""#), "{html}");
        assert!(html.contains("disabled"), "{html}");
        assert!(html.contains("checked"), "{html}");
        assert!(
            html.contains(r#"<pre><code class="language-rust">fn main() {}"#),
            "{html}"
        );
    }

    #[test]
    fn sanitizing_narrows_styles_and_classes_in_raw_html() {
        let markdown = "<td style=\"color: red; text-align: center\">x</td>\n\n<code class=\"evil language-js\">y</code>\n\n<input type=\"text\" value=\"z\">\n";
        let html = render_default(markdown).html;
        assert!(!html.contains("color"), "{html}");
        assert!(!html.contains("evil"), "{html}");
        assert!(html.contains(r#"class="language-js""#), "{html}");
        assert!(!html.contains("type=\"text\""), "{html}");
        assert!(!html.contains("value="), "{html}");
    }

    #[test]
    fn trust_html_keeps_raw_html_as_written() {
        let markdown =
            "Before\n\n<script>console.log(\"hi\")</script>\n\n<div onclick=\"go()\">x</div>\n";
        let rendered = render(markdown, RenderOptions {
            trust_html: true,
            ..RenderOptions::default()
        });
        assert!(
            rendered
                .html
                .contains("<script>console.log(\"hi\")</script>"),
            "{}",
            rendered.html
        );
        assert!(rendered.html.contains(r#"<div onclick="go()">"#));
        assert_eq!(rendered.text, "Before");
    }

    #[test]
    fn smart_punctuation_turns_quotes_curly() {
        let rendered = render_default("She said \"hello\" -- it's fine...\n");
        assert!(
            rendered.html.contains("\u{201c}hello\u{201d}"),
            "{}",
            rendered.html
        );
        assert!(rendered.text.contains("it\u{2019}s"), "{}", rendered.text);
        assert!(rendered.text.contains('\u{2013}'), "{}", rendered.text);
        assert!(rendered.text.contains('\u{2026}'), "{}", rendered.text);
    }

    #[test]
    fn count_words_matches_counting_split_tokens_with_an_alphanumeric() {
        let texts = [
            "",
            "   ",
            "one",
            " two  words ",
            "— = a-b 1,2 !!",
            "tab\tand\nnew\u{a0}line\u{3000}ideographic",
            "日本語 テキスト ñandú — 42",
            "vertical\x0btab form\x0cfeed\r\nnel\u{85}x",
        ];
        for text in texts {
            let expected = text
                .split_whitespace()
                .filter(|token| token.chars().any(char::is_alphanumeric))
                .count();
            assert_eq!(count_words(text), expected, "for {text:?}");
        }
    }

    #[test]
    fn word_count_counts_words_of_a_small_known_text() {
        let markdown = "# Hello world\n\nThis is *some* `inline code` — really.\n\n- one\n- two\n\n```\nlet x = 1;\n```\n";
        let rendered = render_default(markdown);
        // Hello world | This is some inline code really. | one two | let x 1;
        // ("—" and "=" have no alphanumerics and are not words.)
        assert_eq!(rendered.word_count, 13, "{}", rendered.text);
    }

    #[test]
    fn plain_text_keeps_blocks_apart_and_drops_markup() {
        let markdown = "# Title\n\nFirst *para*\nline two.\n\n- item one\n- item two\n\n| a | b |\n|---|---|\n| c | d |\n\n<div>raw block</div>\n\n```\ncode here\n```\n";
        let rendered = render_default(markdown);
        assert_eq!(
            rendered.text,
            "Title\nFirst para line two.\nitem one\nitem two\na b\nc d\ncode here"
        );
        assert!(!rendered.text.contains('<'));
    }

    #[test]
    fn summary_is_the_text_before_the_more_marker() {
        let markdown =
            "# Heading\n\nIntro *one*.\n\nIntro two.\n\n<!-- more -->\n\nThe rest of the post.\n";
        let rendered = render_default(markdown);
        assert_eq!(rendered.summary, "Heading Intro one. Intro two.");
        assert!(!rendered.html.contains("more"), "{}", rendered.html);
        assert!(rendered.text.contains("The rest of the post."));
    }

    #[test]
    fn summary_from_an_inline_more_marker_is_not_truncated() {
        let long = "word ".repeat(80);
        let markdown = format!("{long}<!--more--> after\n");
        let rendered = render(&markdown, RenderOptions {
            trust_html: true,
            ..RenderOptions::default()
        });
        assert_eq!(rendered.summary, long.trim());
        assert!(!rendered.html.contains("<!--more-->"), "{}", rendered.html);
        assert!(rendered.html.contains("after"));
    }

    #[test]
    fn summary_is_the_first_paragraph_without_a_marker() {
        let markdown = "## Heading\n\n- a list item\n\n> quoted paragraph\n\nThe first\nreal paragraph.\n\nThe second paragraph.\n";
        let rendered = render_default(markdown);
        assert_eq!(rendered.summary, "The first real paragraph.");
    }

    #[test]
    fn summary_of_a_long_first_paragraph_is_truncated() {
        let paragraph = "lorem ipsum dolor ".repeat(30);
        let rendered = render_default(&paragraph);
        assert!(rendered.summary.ends_with('…'));
        assert!(rendered.summary.chars().count() <= 201);
    }

    #[test]
    fn summary_is_empty_without_a_paragraph() {
        let rendered = render_default("# Only a heading\n\n- and a list\n");
        assert_eq!(rendered.summary, "");
    }

    #[test]
    fn truncate_at_word_cuts_a_long_text_at_a_space() {
        let text = "The quick brown fox jumps over the lazy dog. ".repeat(10);
        let cut = truncate_at_word(&text, 200);
        assert!(cut.ends_with('…'));
        assert!(cut.chars().count() <= 201);
        let kept = cut.trim_end_matches('…');
        assert!(text.starts_with(kept));
        assert_eq!(text[kept.len()..].chars().next(), Some(' '));
        assert!(kept.chars().count() > 150);
    }

    #[test]
    fn truncate_at_word_leaves_a_short_text_unchanged() {
        assert_eq!(truncate_at_word("  Short text.  ", 200), "Short text.");
        assert_eq!(truncate_at_word("exactly ten", 11), "exactly ten");
        assert_eq!(truncate_at_word("", 5), "");
    }

    #[test]
    fn truncate_at_word_never_cuts_inside_a_multibyte_character() {
        let text = "héllo wörld ñandú 日本語のテキスト ".repeat(20);
        for max in 0..text.chars().count() + 2 {
            let cut = truncate_at_word(&text, max);
            assert!(cut.chars().count() <= max + 1, "{max}: {cut}");
            let kept = cut.trim_end_matches('…');
            assert!(text.starts_with(kept), "{max}: {cut}");
        }
        let word = "日本語日本語日本語";
        assert_eq!(truncate_at_word(word, 4), "日本語日…");
    }

    /// Renders `markdown` unsanitized and says whether `render` would skip the sanitizer; when
    /// it would, asserts the sanitizer really leaves that HTML unchanged.
    fn sanitizer_skipped(markdown: &str) -> bool {
        let raw = render(markdown, RenderOptions {
            trust_html: true,
            ..RenderOptions::default()
        }).html;
        let (mut events, _) =
            strip_more_markers(Parser::new_ext(markdown, parser_options()).collect());
        assign_heading_ids(&mut events);
        let skipped = sanitizing_changes_nothing(&events);
        if skipped {
            assert_eq!(SANITIZER.clean(&raw).to_string(), raw, "for {markdown:?}");
            assert_eq!(render_default(markdown).html, raw, "for {markdown:?}");
        }
        skipped
    }

    #[test]
    fn the_sanitizer_is_skipped_only_when_it_would_change_nothing() {
        let skipped = [
            "Plain prose with \"quotes\", it's & a < b > c here, `code \"x\" & <y>` and *em* **strong** ~~del~~.\n",
            "# Title\n\n## Same\n\n## Same\n\n### Custom {#my-id}\n\ntext\n",
            "- a\n- b\n  - nested\n\n3. three\n4. four\n\n1. loose\n\n2. list\n",
            "> quoted *text*\n> more\n",
            "```yaml\nsprint: \"3\" & <x>\n```\n\n    indented <code>\n\n```\nno language\n```\n",
            "| Practice | Effect |\n|---|---|\n| a & b | \"c\" |\n| d | e |\n",
            "Café déjà vu — “curly” … 日本語 émoji 🎉\n",
            "Line one\nline two\tafter a tab\n",
        ];
        for markdown in skipped {
            assert!(sanitizer_skipped(markdown), "should skip for {markdown:?}");
        }
        let sanitized = [
            "<b>raw</b> HTML\n",
            "<div>block</div>\n",
            "[link](https://example.com)\n",
            "[bad](javascript:alert(1))\n",
            "![img](/a.png)\n",
            "Note.[^1]\n\n[^1]: Footnote.\n",
            "| L | R |\n|:--|--:|\n| a | b |\n",
            "- [x] done\n",
            "hard  \nbreak\n",
            "above\n\n---\n\nbelow\n",
            "no&nbsp;break\n",
            "# Heading {.class}\n",
            "# Heading {onclick=alert(1)}\n",
            "# Heading {#a\"b}\n",
            "```js onclick\ncode\n```\n```r\"x\ncode\n```\n",
        ];
        for markdown in sanitized {
            assert!(!sanitizer_skipped(markdown), "should sanitize {markdown:?}");
        }
    }

    #[test]
    fn generated_posts_skip_the_sanitizer_and_render_as_if_sanitized() {
        let mut rng = fastrand::Rng::with_seed(11);
        for index in 0..40 {
            let (_, text) = crate::corpus::generate_post(&mut rng, index);
            let body = text.splitn(3, "---\n").nth(2).unwrap_or_default();
            assert!(
                sanitizer_skipped(body),
                "post {index} is sanitized:\n{body}"
            );
        }
    }
}
