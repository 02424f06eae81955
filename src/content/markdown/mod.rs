//! Markdown rendering for blog posts: HTML with unique heading ids, a nested table of contents,
//! plain text, word count and summary, all computed once at load time. This file holds the
//! pipeline; each step is a module: `mdx` (reading the source), `removed` (what sanitizing will
//! remove, reported), `headings`, `toc`, `text`, `summary`, `sanitize` and `bypass` (skipping
//! it when it would change nothing), and `dom` (reading back HTML with raw markup).

mod bypass;
mod dom;
mod headings;
mod mdx;
mod removed;
mod sanitize;
mod summary;

/// `html` with each image closed as the sanitizer closes it: pulldown-cmark writes
/// `<img ... />`, the sanitizer `<img ...>`. Of the events the bypass accepts, only an image
/// ends in `" />` (a quote in text or an attribute is written `&quot;`).
fn close_images_as_the_sanitizer_does(html: String) -> String {
    let mut closed = String::with_capacity(html.len());
    let mut last = 0;
    for at in memmem::find_iter(html.as_bytes(), b"\" />") {
        // `"` is ASCII, so `at` is on a character boundary.
        closed.push_str(&html[last..at]);
        closed.push_str("\">");
        last = at + 4;
    }
    if last == 0 {
        return html;
    }
    closed.push_str(&html[last..]);
    closed
}

#[cfg(test)]
mod tests;
mod text;
mod toc;

use memchr::memmem;
use pulldown_cmark::{Event, Options, Tag};

pub use sanitize::DEFAULT_EMBED_HOSTS;
pub use summary::truncate_at_word;

use super::problem::Located;
use crate::domain::{SourceFormat, TocEntry};
use headings::{Heading, assign_heading_ids, choose_ids};
use mdx::{separate_components, source_events};
use removed::report_removed_markup;
use summary::{strip_more_markers, summary};
use text::{count_words, plain_text};
use toc::build_toc;

/// The deepest nesting of HTML elements a body may have (the depth at which browsers' own
/// parsers stop nesting): past it, as with thousands of unclosed tags or quote markers, the
/// post is refused rather than parsed slowly.
pub const MAX_HTML_DEPTH: usize = 256;

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
        && !bypass::sanitizing_changes_nothing(&events);
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
            } else if !options.trust_html
                && events
                    .iter()
                    .any(|event| matches!(event, Event::Start(Tag::Image { .. })))
            {
                html = close_images_as_the_sanitizer_does(html);
            }
            (html, headings, plain_text(&events))
        }
    };
    html.shrink_to_fit();
    let toc = build_toc(&headings);

    let word_count = count_words(&text);
    let summary = summary(&events, more_at);

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
