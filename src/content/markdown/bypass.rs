//! Skipping the sanitizer when it would change nothing. Sanitizing is most of the load time,
//! and most posts are plain Markdown whose HTML the sanitizer would return byte for byte, so
//! for those the HTML is served as pulldown-cmark wrote it.
//!
//! The invariant this relies on: pulldown-cmark escapes every text and attribute value it
//! writes, so events of only the kinds [`sanitizing_changes_nothing`] accepts render to markup
//! inside the sanitizer's allow-list, written exactly as the sanitizer would write it back. An
//! upgrade of pulldown-cmark or ammonia may break that; the unit test
//! `the_sanitizer_is_skipped_only_when_it_would_change_nothing` (below) guards it, by comparing
//! the sanitizer's output with the unsanitized HTML for every case the check accepts, and
//! `generated_posts_skip_the_sanitizer_and_render_as_if_sanitized` keeps generated posts on
//! this path.

use pulldown_cmark::{
    Alignment, CodeBlockKind, Event, Tag as MarkdownTag, TagEnd as MarkdownTagEnd,
};

/// Whether the sanitizer would return the HTML of these events byte for byte unchanged, so it
/// can be skipped (it is most of the load time). True only when every event renders to markup
/// the sanitizer keeps as written: no raw HTML; no links or footnote references (the
/// sanitizer adds `rel` to links); images only with a path or http(s) URL and alt text and
/// title without `<` or `>` (the renderer then writes `<img ...>` as the sanitizer does, see
/// `render`); no aligned table cells (it respaces
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
    // Inside an image, text is its `alt` attribute, which the sanitizer's serializer writes
    // with `<` and `>` as they are, where pulldown-cmark escapes them.
    let mut in_image = 0usize;
    events.iter().all(|event| match event {
        Event::Text(text) if in_image > 0 => plain_text(text) && !text.contains(['<', '>']),
        Event::End(MarkdownTagEnd::Image) => {
            in_image = in_image.saturating_sub(1);
            true
        }
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
            | MarkdownTag::MetadataBlock(_) => false,
            MarkdownTag::Image {
                dest_url, title, ..
            } => {
                in_image += 1;
                safe_image_url(dest_url) && plain_text(title) && !title.contains(['<', '>'])
            }
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

/// The benchmarks' post generator: its posts must take the bypass (see the module header).
/// Whether an image's URL is one the sanitizer keeps and writes back as pulldown-cmark wrote
/// it: a path (no scheme) or an http(s) URL, without the `'` pulldown-cmark escapes and the
/// serializer does not.
fn safe_image_url(url: &str) -> bool {
    let scheme_end = url.find(['/', '?', '#']).unwrap_or(url.len());
    let scheme = url[..scheme_end].split_once(':').map(|(scheme, _)| scheme);
    let allowed = match scheme {
        None => true,
        Some(scheme) => scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https"),
    };
    allowed && !url.contains('\'') && !url.is_empty()
}

#[cfg(test)]
#[path = "../../../benches/support/corpus.rs"]
mod corpus;

#[cfg(test)]
mod tests {
    use pulldown_cmark::Parser;

    use super::super::headings::assign_heading_ids;
    use super::super::summary::strip_more_markers;
    use super::super::{RenderOptions, parser_options, render, sanitize};
    use super::*;
    use crate::content::{LoadOptions, parse_post};

    fn render_default(markdown: &str) -> super::super::Rendered {
        render(markdown, RenderOptions::default()).expect("the body renders")
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
        let skipped = sanitizing_changes_nothing(&events);
        if skipped {
            // What is served without the sanitizer is what the sanitizer would have made.
            assert_eq!(
                render_default(markdown).html,
                sanitize::SANITIZER.clean(&raw).to_string(),
                "for {markdown:?}"
            );
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
            "![img](/a.png)\n",
            "![a diagram](./my%20diagram.png \"The title\") and ![](https://x.org/a.jpg?w=1&h=2)\n",
            "![Tom & Jerry's \"show\"](photo.jpg)\n",
        ];
        for markdown in skipped {
            assert!(sanitizer_skipped(markdown), "should skip for {markdown:?}");
        }
        let sanitized = [
            "<b>raw</b> HTML\n",
            "<div>block</div>\n",
            "[link](https://example.com)\n",
            "[bad](javascript:alert(1))\n",
            "![x](javascript:alert(1))\n",
            "![a < c](a.png)\n",
            "![x](it's.png)\n",
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
    fn generated_posts_are_valid_and_about_seven_kilobytes() {
        let mut rng = fastrand::Rng::with_seed(7);
        for index in 0..50 {
            let (name, text) = super::corpus::generate_post(&mut rng, index);
            let parsed = parse_post(&name, text.as_bytes(), LoadOptions::default());
            let post = parsed
                .post
                .unwrap_or_else(|problem| panic!("{name}: {problem}\n{text}"));
            assert!(!post.tags.is_empty() && post.category().is_some());
            assert!((6_500..9_000).contains(&text.len()), "{}", text.len());
        }
    }

    #[test]
    fn generated_posts_skip_the_sanitizer_and_render_as_if_sanitized() {
        let mut rng = fastrand::Rng::with_seed(11);
        for index in 0..40 {
            let (_, text) = super::corpus::generate_post(&mut rng, index);
            let body = text.splitn(3, "---\n").nth(2).unwrap_or_default();
            assert!(
                sanitizer_skipped(body),
                "post {index} is sanitized:\n{body}"
            );
        }
    }
}
