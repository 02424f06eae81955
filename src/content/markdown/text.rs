//! A post's plain text and word count, read from its Markdown events; the separators between
//! blocks and cells are shared with the reading of raw HTML (`dom`).
//!
//! [`count_words`] runs over every post's text at load time, so it steps through ASCII with a
//! byte-class table instead of decoding characters. It relies on ASCII whitespace and
//! alphanumerics being exactly the ASCII characters `char::is_whitespace` and
//! `char::is_alphanumeric` accept; the unit test
//! `count_words_matches_counting_split_tokens_with_an_alphanumeric` (in `markdown::tests`)
//! compares it with the plain `split_whitespace` count.

use pulldown_cmark::{Event, Tag, TagEnd};

/// What separates the text of a tag from its neighbours in plain text.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Boundary {
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
pub(super) struct TextSink {
    pub(super) out: String,
}

impl TextSink {
    /// Adds a separator for `boundary` unless one is already there.
    pub(super) fn separate(&mut self, boundary: Boundary) {
        match boundary {
            Boundary::None => {}
            Boundary::Cell => self.space(),
            Boundary::Block => self.newline(),
        }
    }

    /// Adds a space unless the text is empty or already ends in whitespace.
    pub(super) fn space(&mut self) {
        if !self.out.is_empty() && !self.out.ends_with(char::is_whitespace) {
            self.out.push(' ');
        }
    }

    /// Ends the current line (dropping its trailing spaces) unless the text is empty or already ends a line.
    pub(super) fn newline(&mut self) {
        let trimmed = self.out.trim_end_matches([' ', '\t']).len();
        self.out.truncate(trimmed);
        if !self.out.is_empty() && !self.out.ends_with('\n') {
            self.out.push('\n');
        }
    }
}

/// Plain text of events: text and code content, blocks on their own lines, no markup, raw HTML and image alt text left out.
pub(super) fn plain_text(events: &[Event<'_>]) -> String {
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
pub(super) fn first_paragraph<'e, 'a>(events: &'e [Event<'a>]) -> Option<&'e [Event<'a>]> {
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
pub(super) fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Counts whitespace-separated tokens holding at least one alphanumeric character.
pub(super) fn count_words(text: &str) -> usize {
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
