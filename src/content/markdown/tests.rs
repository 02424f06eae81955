//! Unit tests of rendering a post body: ids, table of contents, raw HTML, MDX, text and summary.

use std::collections::HashSet;

use pulldown_cmark::Parser;

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
    let markdown =
        "## Setup\n\n## Other {#setup}\n\n## Third {#setup-1}\n\n## Setup\n\n## Again {#setup}\n";
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
