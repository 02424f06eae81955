//! The Markdown source as the renderer reads it, MDX included: `import`/`export` blocks and
//! `{/* comments */}` dropped, `{/*id*/}` heading ids made ids, and component tags (`<Note>`)
//! ended as MDX ends them, so the Markdown right under them is read as Markdown.

use std::ops::Range;

use pulldown_cmark::{CowStr, Event, Parser, Tag, TagEnd};

use super::parser_options;
use crate::domain::SourceFormat;

/// The Markdown's events with their source ranges, as the renderer reads them: MDX `import`
/// and `export` blocks dropped, and heading ids written MDX-style (`{/*id*/}`) made ids.
pub(super) fn source_events(
    markdown: &str,
    format: SourceFormat,
) -> Vec<(Event<'_>, Range<usize>)> {
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
pub(super) fn separate_components(markdown: &str) -> Option<(String, Vec<usize>)> {
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
