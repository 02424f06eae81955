//! Markdown rendering for blog posts: HTML with unique heading ids, a nested table of contents, plain text, word count and summary, all computed once at load time.

mod dom;
mod sanitize;

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd};

pub use sanitize::DEFAULT_EMBED_HOSTS;

use super::problem::Located;
use crate::domain::SourceFormat;

/// Length, in characters, to which a first-paragraph summary is cut.
const SUMMARY_MAX_CHARS: usize = 200;

/// The deepest nesting of HTML elements a body may have (the depth at which browsers' own
/// parsers stop nesting): past it, as with thousands of unclosed tags or quote markers, the
/// post is refused rather than parsed slowly.
pub const MAX_HTML_DEPTH: usize = 256;

/// Id used for a heading whose text gives an empty slug.
const FALLBACK_HEADING_ID: &str = "section";

/// Options for rendering one post body.
#[derive(Debug, Clone, Copy, Default)]
pub struct RenderOptions<'a> {
    /// Keep raw HTML from the Markdown as written instead of sanitizing it.
    pub trust_html: bool,
    /// Whether the body is Markdown or MDX.
    pub format: SourceFormat,
    /// Hosts whose iframes are kept, besides [`DEFAULT_EMBED_HOSTS`].
    pub embed_hosts: &'a [String],
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
    /// What the sanitizer removed from raw HTML, one entry per line of the body.
    pub warnings: Vec<Located>,
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

/// Renders a Markdown post body to HTML, table of contents, plain text, word count and summary,
/// with a warning for each line of raw HTML the sanitizer took something out of.
///
/// A body without raw HTML is read from the Markdown events alone; a body with raw HTML is
/// rendered, sanitized and read back as HTML, so the text, headings and table of contents
/// are those of what is served, raw blocks included. A body whose HTML would nest deeper than
/// [`MAX_HTML_DEPTH`] is refused, with the problem on the body's first line.
pub fn render(markdown: &str, options: RenderOptions<'_>) -> Result<Rendered, Located> {
    let separated = separate_components(markdown);
    let (markdown, inserted): (&str, &[usize]) = match &separated {
        Some((text, inserted)) => (text, inserted),
        None => (markdown, &[]),
    };
    let parsed = source_events(markdown, options.format);
    let has_raw_html = parsed
        .iter()
        .any(|(event, _)| matches!(event, Event::Html(_) | Event::InlineHtml(_)));
    let mut warnings = Vec::new();
    if !options.trust_html {
        report_removed_markup(
            markdown,
            inserted,
            &parsed,
            options.embed_hosts,
            &mut warnings,
        );
    }
    let parsed: Vec<Event<'_>> = parsed.into_iter().map(|(event, _)| event).collect();
    let (mut events, more_at) = strip_more_markers(parsed);

    // Without raw HTML, the events say all: heading ids go into them before they are written.
    let event_headings = (!has_raw_html).then(|| assign_heading_ids(&mut events));
    let mut html = String::with_capacity(markdown.len() + markdown.len() / 2);
    pulldown_cmark::html::push_html(&mut html, events.iter().cloned());
    let sanitize_events = event_headings.is_some()
        && !options.trust_html
        && !sanitize::sanitizing_changes_nothing(&events);
    if (event_headings.is_none() || sanitize_events)
        && dom::nests_deeper_than(&html, MAX_HTML_DEPTH)
    {
        return Err(Located::at_line(
            1,
            format!(
                "the body nests HTML elements more than {MAX_HTML_DEPTH} deep, the limit (unclosed tags or quote markers `>` repeated make such nesting): close the tags"
            ),
        ));
    }
    let (mut html, headings, text) = match event_headings {
        None => read_back(html, options),
        Some(headings) => {
            if sanitize_events {
                html = sanitize::SANITIZER.clean(&html).to_string();
            }
            (html, headings, plain_text(&events))
        }
    };
    html.shrink_to_fit();
    let toc = build_toc(&headings);

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

    Ok(Rendered {
        html,
        toc,
        text,
        word_count,
        summary,
        warnings,
    })
}

/// Sanitizes the HTML of a body with raw HTML (unless it is trusted) and reads it back: the
/// served HTML with heading ids, its headings and its plain text.
fn read_back(mut html: String, options: RenderOptions<'_>) -> (String, Vec<Heading>, String) {
    if !options.trust_html {
        if contains_ignore_case(&html, "<noscript") {
            html = dom::unwrap_noscript(&html);
        }
        html = sanitize::SANITIZER.clean(&html).to_string();
    }
    let embed_hosts = (!options.trust_html).then_some(options.embed_hosts);
    let served = dom::read(&html, embed_hosts);
    let found: Vec<(Option<&str>, &str)> = served
        .headings
        .iter()
        .map(|heading| (heading.explicit_id.as_deref(), heading.text.as_str()))
        .collect();
    let ids = choose_ids(&found);
    let headings = served
        .headings
        .iter()
        .zip(&ids)
        .map(|(heading, id)| Heading {
            level: heading.level,
            id: id.clone(),
            text: heading.text.clone(),
        })
        .collect();
    let text = served.text.clone();
    (served.into_html(&ids), headings, text)
}

/// Whether `haystack` contains `needle` (ASCII, lowercase) in any case.
fn contains_ignore_case(haystack: &str, needle: &str) -> bool {
    haystack
        .as_bytes()
        .windows(needle.len())
        .any(|window| window.eq_ignore_ascii_case(needle.as_bytes()))
}

/// The Markdown's events with their source ranges, as the renderer reads them: MDX `import`
/// and `export` blocks dropped, and heading ids written MDX-style (`{/*id*/}`) made ids.
fn source_events(markdown: &str, format: SourceFormat) -> Vec<(Event<'_>, Range<usize>)> {
    let mut out = Vec::new();
    let mut depth: usize = 0;
    let mut skip_until_depth: Option<usize> = None;
    let mut heading_tail: Option<usize> = None;
    let mut any_mdx_id = false;
    for (mut event, range) in Parser::new_ext(markdown, parser_options()).into_offset_iter() {
        let starts = matches!(event, Event::Start(_));
        let ends = matches!(event, Event::End(_));
        if let Some(until) = skip_until_depth {
            depth = if starts {
                depth + 1
            } else if ends {
                depth - 1
            } else {
                depth
            };
            if depth == until {
                skip_until_depth = None;
            }
            continue;
        }
        match &mut event {
            // An MDX ESM block is a top-level paragraph starting with `import` or `export`.
            Event::Start(Tag::Paragraph)
                if depth == 0
                    && format == SourceFormat::Mdx
                    && is_esm(&markdown[range.clone()]) =>
            {
                depth += 1;
                skip_until_depth = Some(0);
                continue;
            }
            // A paragraph that is only an MDX comment (`{/* TODO: ... */}`, which the React
            // docs write in `.md` files too) is a note to the writers, not text.
            Event::Start(Tag::Paragraph) if is_mdx_comment(&markdown[range.clone()]) => {
                skip_until_depth = Some(depth);
                depth += 1;
                continue;
            }
            Event::Start(Tag::Heading { id, .. }) => {
                if let Some((brace, written)) = mdx_heading_id(&markdown[range.clone()]) {
                    *id = Some(CowStr::from(written.to_owned()));
                    heading_tail = Some(range.start + brace);
                    any_mdx_id = true;
                }
            }
            Event::End(TagEnd::Heading(_)) => heading_tail = None,
            _ => {}
        }
        if let Some(tail) = heading_tail
            && !starts
            && !ends
            && range.end > tail
        {
            if range.start >= tail {
                continue;
            }
            // The text runs into the id: keep what comes before its brace.
            if let Event::Text(text) = &event
                && let Some(brace) = text.rfind('{')
            {
                let kept = text[..brace].trim_end().to_owned();
                event = Event::Text(CowStr::from(kept));
            }
        }
        depth = if starts {
            depth + 1
        } else if ends {
            depth.saturating_sub(1)
        } else {
            depth
        };
        out.push((event, range));
    }
    // Emphasis or code that opened and closed inside a dropped id leaves empty pairs behind;
    // they render nothing, but empty text would.
    if any_mdx_id {
        out.retain(|(event, _)| !matches!(event, Event::Text(text) if text.is_empty()));
    }
    out
}

/// Ends an HTML block after each line that holds a lone component tag (`<Note>`,
/// `</DeepDive>`, `<Intro />`), as MDX does, by adding an empty line after it: CommonMark would
/// read everything up to the next empty line as raw HTML, so a heading right under `<Note>`
/// would be shown as text. Returns the new text and the offsets of the added line breaks, or
/// `None` when nothing needs separating (most posts, which then are parsed once).
fn separate_components(markdown: &str) -> Option<(String, Vec<usize>)> {
    let starts_component = |at: usize| {
        let rest = markdown[at..].strip_prefix('<').unwrap_or_default();
        let rest = rest.strip_prefix('/').unwrap_or(rest);
        rest.starts_with(|c: char| c.is_ascii_uppercase())
    };
    let any = starts_component(0)
        || markdown
            .match_indices("\n<")
            .any(|(at, _)| starts_component(at + 1));
    if !any {
        return None;
    }
    let mut breaks = Vec::new();
    for (event, range) in Parser::new_ext(markdown, parser_options()).into_offset_iter() {
        if !matches!(event, Event::Start(Tag::HtmlBlock)) {
            continue;
        }
        let block = &markdown[range.clone()];
        let mut offset = range.start;
        let mut lines = block.split_inclusive('\n').peekable();
        while let Some(line) = lines.next() {
            offset += line.len();
            let next_is_text = lines.peek().is_some_and(|next| !next.trim().is_empty());
            if next_is_text && line.ends_with('\n') && is_lone_component_tag(line.trim()) {
                breaks.push(offset);
            }
        }
    }
    if breaks.is_empty() {
        return None;
    }
    let mut text = String::with_capacity(markdown.len() + breaks.len());
    let mut inserted = Vec::with_capacity(breaks.len());
    let mut from = 0;
    for at in breaks {
        text.push_str(&markdown[from..at]);
        inserted.push(text.len());
        text.push('\n');
        from = at;
    }
    text.push_str(&markdown[from..]);
    Some((text, inserted))
}

/// Whether a line is one component tag and nothing else: `<Note>`, `</Note>`, `<Intro />`,
/// `<Recipes titleText="Examples">`.
fn is_lone_component_tag(line: &str) -> bool {
    let Some(inner) = line.strip_prefix('<').and_then(|l| l.strip_suffix('>')) else {
        return false;
    };
    let name = inner.strip_prefix('/').unwrap_or(inner);
    name.starts_with(|c: char| c.is_ascii_uppercase()) && !inner.contains(['<', '>'])
}

/// Whether a paragraph's source is one MDX comment and nothing else: `{/* ... */}`.
fn is_mdx_comment(source: &str) -> bool {
    source
        .trim()
        .strip_prefix("{/*")
        .and_then(|rest| rest.strip_suffix("*/}"))
        .is_some_and(|inner| !inner.contains("*/"))
}

/// Whether a paragraph's source is an MDX `import`/`export` statement.
fn is_esm(source: &str) -> bool {
    ["import ", "import{", "export ", "export{"]
        .iter()
        .any(|keyword| source.starts_with(keyword))
}

/// The id written at the end of a heading as an MDX comment (`## Title {/*title-id*/}`), with
/// the byte offset of its opening brace in the heading's source.
fn mdx_heading_id(source: &str) -> Option<(usize, &str)> {
    let trimmed = source.trim_end();
    let trimmed = trimmed.trim_end_matches('#').trim_end();
    let inner = trimmed.strip_suffix("*/}")?;
    let brace = inner.rfind("{/*")?;
    let id = inner[brace + 3..].trim();
    let plain = !id.is_empty() && !id.contains(|c: char| c.is_whitespace() || c == '*');
    plain.then_some((brace, id))
}

/// Reports what the sanitizer removes, by body line: from each run of raw HTML, and the
/// addresses of Markdown links and images whose scheme it refuses (`javascript:`).
fn report_removed_markup(
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
            (Event::Start(Tag::HtmlBlock), range) => {
                let mut block = String::new();
                index += 1;
                while let Some((Event::Html(line), _)) = events.get(index) {
                    block.push_str(line);
                    index += 1;
                }
                sanitize::report_removed(&block, line_of(range.start), embed_hosts, out);
            }
            (Event::Html(html) | Event::InlineHtml(html), range) => {
                sanitize::report_removed(html, line_of(range.start), embed_hosts, out);
                index += 1;
            }
            (Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }), range) => {
                if let Some(scheme) = sanitize::refused_scheme(dest_url) {
                    let what = if matches!(events[index].0, Event::Start(Tag::Link { .. })) {
                        "link"
                    } else {
                        "image"
                    };
                    out.push(Located::at_line(
                        line_of(range.start),
                        format!(
                            "{}the address of a Markdown {what} (`{scheme}:` addresses are not allowed)",
                            sanitize::REMOVED_PREFIX
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
            let items = later.message.trim_start_matches(sanitize::REMOVED_PREFIX);
            earlier.message.push_str("; ");
            earlier.message.push_str(items);
        }
        same_line
    });
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
    let mut found = Vec::new();
    let mut index = 0;
    while index < events.len() {
        let Event::Start(Tag::Heading { level, id, .. }) = &events[index] else {
            index += 1;
            continue;
        };
        let end = events[index + 1..]
            .iter()
            .position(|event| matches!(event, Event::End(TagEnd::Heading(_))))
            .map_or(events.len(), |offset| index + 1 + offset);
        let text = collapse_whitespace(&plain_text(&events[index + 1..end]));
        let explicit = id.as_ref().map(|id| id.to_string());
        found.push((index, *level as u8, explicit, text));
        index = end;
    }
    let wanted: Vec<(Option<&str>, &str)> = found
        .iter()
        .map(|(_, _, explicit, text)| (explicit.as_deref(), text.as_str()))
        .collect();
    let ids = choose_ids(&wanted);
    found
        .into_iter()
        .zip(ids)
        .map(|((index, level, _, text), id)| {
            if let Event::Start(Tag::Heading { id: slot, .. }) = &mut events[index] {
                *slot = Some(CowStr::from(id.clone()));
            }
            Heading { level, id, text }
        })
        .collect()
}

/// Chooses a unique id for each heading, given its explicit id (if any) and its text: the
/// explicit id first (numbered if an earlier heading took it), else a slug of the text that
/// steps around every explicit id, wherever it appears.
fn choose_ids(headings: &[(Option<&str>, &str)]) -> Vec<String> {
    let reserved: HashSet<String> = headings
        .iter()
        .filter_map(|(explicit, _)| explicit.filter(|id| !id.is_empty()))
        .map(str::to_owned)
        .collect();
    let mut used: HashSet<String> = HashSet::new();
    // The number each base's search for a free `base-N` resumes from: the ones before it are
    // taken for good, so many headings with one title do not each count up from 1.
    let mut next_number: HashMap<String, usize> = HashMap::new();
    headings
        .iter()
        .map(|(explicit, text)| {
            let id = match explicit.filter(|id| !id.is_empty()) {
                Some(explicit) if !used.contains(explicit) => explicit.to_owned(),
                Some(explicit) => unique_id(explicit, &used, &reserved, &mut next_number),
                None => {
                    let slug = slug::slugify(text);
                    let base = if slug.is_empty() {
                        FALLBACK_HEADING_ID
                    } else {
                        slug.as_str()
                    };
                    unique_id(base, &used, &reserved, &mut next_number)
                }
            };
            used.insert(id.clone());
            id
        })
        .collect()
}

/// Returns `base`, or `base-1`, `base-2`, ... : the first one neither used nor reserved.
fn unique_id(
    base: &str,
    used: &HashSet<String>,
    reserved: &HashSet<String>,
    next_number: &mut HashMap<String, usize>,
) -> String {
    let free = |candidate: &str| !used.contains(candidate) && !reserved.contains(candidate);
    if free(base) {
        return base.to_string();
    }
    let n = next_number.entry(base.to_owned()).or_insert(1);
    loop {
        let candidate = format!("{base}-{n}");
        *n += 1;
        if free(&candidate) {
            return candidate;
        }
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
        render(markdown, RenderOptions::default()).expect("the body renders")
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
    fn images_inside_noscript_stay_images() {
        let markdown = "<figure><noscript><img src=\"/chart.png\" alt=\"Chart\"></noscript><figcaption>Votes</figcaption></figure>\n";
        let rendered = render_default(markdown);
        assert!(
            rendered
                .html
                .contains(r#"<img src="/chart.png" alt="Chart">"#),
            "{}",
            rendered.html
        );
        assert!(!rendered.html.contains("&lt;"), "{}", rendered.html);
        assert!(!rendered.html.contains("noscript"), "{}", rendered.html);
        assert_eq!(rendered.text, "Votes");
        assert!(rendered.warnings.is_empty(), "{:?}", rendered.warnings);
    }

    #[test]
    fn iframes_are_kept_only_from_embed_hosts_and_removals_are_reported() {
        let markdown = "Intro\n\n<iframe src=\"https://www.youtube.com/embed/abc\" width=\"560\" allowfullscreen></iframe>\n\n<iframe src=\"https://tracker.example/x\"></iframe>\n\n<iframe src=\"https://videos.example.org/v/1\"></iframe>\n";
        let rendered = render_default(markdown);
        assert!(
            rendered.html.contains(
                r#"<iframe src="https://www.youtube.com/embed/abc" width="560" allowfullscreen="">"#
            ),
            "{}",
            rendered.html
        );
        assert!(
            !rendered.html.contains("tracker.example"),
            "{}",
            rendered.html
        );
        assert!(
            !rendered.html.contains("videos.example.org"),
            "{}",
            rendered.html
        );
        let lines: Vec<usize> = rendered.warnings.iter().map(|w| w.line).collect();
        assert_eq!(lines, [5, 7], "{:?}", rendered.warnings);
        assert!(rendered.warnings[0].message.contains("`tracker.example`"));

        let extra = ["videos.example.org".to_owned()];
        let rendered = render(
            markdown,
            RenderOptions {
                embed_hosts: &extra,
                ..RenderOptions::default()
            },
        )
        .expect("the body renders");
        assert!(
            rendered.html.contains("https://videos.example.org/v/1"),
            "{}",
            rendered.html
        );
        assert_eq!(rendered.warnings.len(), 1, "{:?}", rendered.warnings);
    }

    #[test]
    fn text_and_headings_inside_raw_html_are_counted_and_navigable() {
        let markdown = "# Survey\n\n<div class=\"post\">\n<h2>Who answered</h2>\n<p>Nine hundred people answered the survey.</p>\n<h2 id=\"tools\">Tools</h2>\n<p>Most use <b>two</b> tools.</p>\n</div>\n\n## Who answered\n";
        let rendered = render_default(markdown);
        assert_eq!(
            ids(&rendered.toc),
            ["survey", "who-answered", "tools", "who-answered-1"]
        );
        assert!(
            rendered
                .html
                .contains(r#"<h2 id="who-answered">Who answered</h2>"#),
            "{}",
            rendered.html
        );
        assert!(
            rendered.html.contains(r#"<h2 id="tools">Tools</h2>"#),
            "{}",
            rendered.html
        );
        assert!(
            rendered
                .html
                .contains(r#"<h2 id="who-answered-1">Who answered</h2>"#),
            "{}",
            rendered.html
        );
        assert_eq!(
            rendered.text,
            "Survey\nWho answered\nNine hundred people answered the survey.\nTools\nMost use two tools.\nWho answered"
        );
        assert_eq!(rendered.word_count, 16);
        // The class was not allowed, and leaves no empty attribute behind.
        assert!(!rendered.html.contains("class"), "{}", rendered.html);
    }

    #[test]
    fn text_read_from_html_matches_text_read_from_events() {
        let markdowns = [
            "# Title\n\nFirst *para*\nline two.\n\n- item one\n- item two\n\n| a | b |\n|---|---|\n| c | d |\n\n```\ncode here\n```\n",
            "A [link](https://example.com) and ![alt](/a.png) and `code`.\n\n> quoted\n> text\n\n1. one\n2. two\n",
            "Note.[^1]\n\n[^1]: The footnote.\n\n- [x] done\n\nhard  \nbreak\n\n---\n\nafter\n",
        ];
        for markdown in markdowns {
            let events: Vec<Event<'_>> = Parser::new_ext(markdown, parser_options()).collect();
            let mut html = String::new();
            pulldown_cmark::html::push_html(&mut html, events.iter().cloned());
            let served = dom::read(&sanitize::SANITIZER.clean(&html).to_string(), None);
            // The events leave two spaces where an image was; the HTML's whitespace is collapsed.
            let from_events = plain_text(&events).replace("  ", " ");
            assert_eq!(served.text, from_events, "for {markdown:?}");
        }
    }

    #[test]
    fn paragraphs_that_are_only_an_mdx_comment_are_dropped_in_markdown_and_mdx() {
        let markdown = "Before.\n\n{/* TODO(@someone) - check this */}\n\n<Note>\n\n{/* Not shown. */}\n\nShown.\n\n</Note>\n\n```js\n{/* code */}\n```\n";
        for format in [SourceFormat::Markdown, SourceFormat::Mdx] {
            let rendered = render(
                markdown,
                RenderOptions {
                    format,
                    ..RenderOptions::default()
                },
            )
            .expect("the body renders");
            assert!(!rendered.html.contains("TODO"), "{}", rendered.html);
            assert!(!rendered.html.contains("Not shown"), "{}", rendered.html);
            assert!(rendered.html.contains("Shown."), "{}", rendered.html);
            assert!(rendered.html.contains("{/* code */}"), "{}", rendered.html);
            assert!(!rendered.text.contains("TODO"), "{}", rendered.text);
        }
    }

    #[test]
    fn mdx_import_and_export_blocks_are_dropped_and_components_render_as_children() {
        let markdown = "import Chart from '../components/chart'\nimport { Note } from './note'\n\nexport const meta = { title: 'x' }\n\n# Hello\n\n<Note>\n\nSome **bold** advice.\n\n</Note>\n\n```js\nimport x from 'y'\n```\n\n<Chart data=\"a\" />\n\nThe end.\n";
        let rendered = render(
            markdown,
            RenderOptions {
                format: SourceFormat::Mdx,
                ..RenderOptions::default()
            },
        )
        .expect("the body renders");
        assert!(!rendered.html.contains("Chart from"), "{}", rendered.html);
        assert!(!rendered.html.contains("export const"), "{}", rendered.html);
        assert!(rendered.html.contains("import x from"), "{}", rendered.html);
        assert!(
            rendered.html.contains("<strong>bold</strong>"),
            "{}",
            rendered.html
        );
        assert!(!rendered.html.contains("&lt;"), "{}", rendered.html);
        assert!(
            !rendered.html.to_lowercase().contains("<note"),
            "{}",
            rendered.html
        );
        assert!(rendered.html.contains("The end."), "{}", rendered.html);
        assert!(rendered.warnings.is_empty(), "{:?}", rendered.warnings);
        // In plain Markdown, the same lines are text.
        let rendered = render_default(markdown);
        assert!(rendered.html.contains("Chart from"), "{}", rendered.html);
    }

    #[test]
    fn markdown_right_under_a_component_tag_is_markdown() {
        let markdown = "Intro.\n\n<DeepDive>\n#### Why? {/*why*/}\n\nBecause **this**.\n\n</DeepDive>\n\n<Note>\n<Sandpack>\n- a list\n</Sandpack>\n</Note>\n\n```jsx\n<Note>\nkept as code\n```\n\n<p onclick=\"x()\">Raw</p>\n";
        let rendered = render_default(markdown);
        assert_eq!(ids(&rendered.toc), ["why"]);
        assert!(
            rendered.html.contains(r#"<h4 id="why">Why?</h4>"#),
            "{}",
            rendered.html
        );
        assert!(rendered.html.contains("<li>a list"), "{}", rendered.html);
        assert!(
            rendered.html.contains("&lt;Note&gt;\nkept as code"),
            "{}",
            rendered.html
        );
        // Lines are those of the file as written.
        let lines: Vec<usize> = rendered.warnings.iter().map(|w| w.line).collect();
        assert_eq!(lines, [21], "{:?}", rendered.warnings);
    }

    #[test]
    fn heading_ids_written_as_mdx_comments_are_honoured() {
        let markdown = "## Reference {/*reference*/}\n\n### `useState(initialState)` {/*usestate*/}\n\n## Plain *heading* {/* spaced-id */}\n\n## Reference\n";
        let rendered = render_default(markdown);
        assert_eq!(
            ids(&rendered.toc),
            ["reference", "usestate", "spaced-id", "reference-1"]
        );
        let texts: Vec<&str> = rendered
            .toc
            .iter()
            .map(|entry| entry.text.as_str())
            .collect();
        assert_eq!(texts, ["Reference", "Plain heading", "Reference"]);
        assert!(
            rendered
                .html
                .contains(r#"<h2 id="reference">Reference</h2>"#),
            "{}",
            rendered.html
        );
        assert!(
            rendered
                .html
                .contains(r#"<h3 id="usestate"><code>useState(initialState)</code></h3>"#),
            "{}",
            rendered.html
        );
        assert!(!rendered.html.contains("/*"), "{}", rendered.html);
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
        let warned: Vec<(usize, bool)> = render_default(markdown)
            .warnings
            .iter()
            .map(|w| (w.line, w.message.contains("`javascript:`")))
            .collect();
        assert_eq!(
            warned,
            [
                (1, false),
                (3, false),
                (5, false),
                (7, false),
                (9, true),
                (11, false)
            ]
        );
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
        let rendered = render(
            markdown,
            RenderOptions {
                trust_html: true,
                ..RenderOptions::default()
            },
        )
        .expect("the body renders");
        assert!(
            rendered
                .html
                .contains("<script>console.log(\"hi\")</script>"),
            "{}",
            rendered.html
        );
        assert!(rendered.html.contains(r#"<div onclick="go()">"#));
        // The text of raw HTML counts; a script's does not.
        assert_eq!(rendered.text, "Before\nx");
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
            "Title\nFirst para line two.\nitem one\nitem two\na b\nc d\nraw block\ncode here"
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
        let rendered = render(
            &markdown,
            RenderOptions {
                trust_html: true,
                ..RenderOptions::default()
            },
        )
        .expect("the body renders");
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
        let raw = render(
            markdown,
            RenderOptions {
                trust_html: true,
                ..RenderOptions::default()
            },
        )
        .expect("the body renders")
        .html;
        let (mut events, _) =
            strip_more_markers(Parser::new_ext(markdown, parser_options()).collect());
        assign_heading_ids(&mut events);
        let skipped = sanitize::sanitizing_changes_nothing(&events);
        if skipped {
            assert_eq!(
                sanitize::SANITIZER.clean(&raw).to_string(),
                raw,
                "for {markdown:?}"
            );
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
