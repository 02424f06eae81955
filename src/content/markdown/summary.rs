//! A post's summary: the text before a `<!--more-->` marker, or else its first paragraph cut
//! at a word.

use pulldown_cmark::{CowStr, Event};

use super::text::{collapse_whitespace, first_paragraph, plain_text};

/// Length, in characters, to which a first-paragraph summary is cut.
const SUMMARY_MAX_CHARS: usize = 200;

/// The summary of a body's events: the text before the first `<!--more-->` marker (at event
/// index `more_at`, as [`strip_more_markers`] found it), or else the first paragraph, shortened.
pub(super) fn summary(events: &[Event<'_>], more_at: Option<usize>) -> String {
    match more_at {
        Some(index) => collapse_whitespace(&plain_text(&events[..index])),
        None => first_paragraph(events)
            .map(|paragraph| {
                truncate_at_word(
                    &collapse_whitespace(&plain_text(paragraph)),
                    SUMMARY_MAX_CHARS,
                )
            })
            .unwrap_or_default(),
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
pub(super) fn strip_more_markers(events: Vec<Event<'_>>) -> (Vec<Event<'_>>, Option<usize>) {
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
