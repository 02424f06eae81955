//! Raw HTML inside Markdown: what the sanitizer keeps (media, embeds from allowed hosts), what
//! it removes (reported with file and line), and that the text and headings of raw HTML are
//! counted, searchable and navigable; components and MDX-style heading ids of real docs.

use std::path::Path;
use std::process::Command;

use quire::content::{LoadOptions, parse_post};
use quire::settings::ServeSettings;
use serde_json::Value;

use crate::helpers::{empty_content_dir, spawn_app, spawn_app_with, write_file};

/// A file of `tests/fixtures/<folder>`.
fn fixture(folder: &str, name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(folder)
        .join(name);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()))
}

/// A content folder holding the named files of `tests/fixtures/<folder>`.
fn content_with(folder: &str, names: &[&str]) -> tempfile::TempDir {
    let dir = empty_content_dir();
    for name in names {
        write_file(dir.path(), name, fixture(folder, name));
    }
    dir
}

/// The ids of a table of contents, depth first.
fn toc_ids(toc: &Value) -> Vec<String> {
    let mut ids = Vec::new();
    for entry in toc.as_array().expect("`toc` is a list") {
        ids.push(entry["id"].as_str().expect("an id").to_owned());
        ids.extend(toc_ids(&entry["children"]));
    }
    ids
}

/// The HTML with the content of `<pre>` and `<code>` elements left out.
fn outside_code(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(start) = ["<pre>", "<code"]
        .iter()
        .filter_map(|open| rest.find(open))
        .min()
    {
        out.push_str(&rest[..start]);
        let close = if rest[start..].starts_with("<pre>") {
            "</pre>"
        } else {
            "</code>"
        };
        rest = rest[start..]
            .find(close)
            .map_or("", |end| &rest[start + end + close.len()..]);
    }
    out.push_str(rest);
    out
}

/// The problems reported for `path`, as `(line, message)`.
fn warnings_for(problems: &Value, path: &str) -> Vec<(u64, String)> {
    problems["data"]
        .as_array()
        .expect("`data` is a list")
        .iter()
        .filter(|problem| problem["path"] == path)
        .map(|problem| {
            assert_eq!(problem["severity"], "warning", "{problem}");
            (
                problem["line"].as_u64().expect("a line"),
                problem["message"].as_str().expect("a message").to_owned(),
            )
        })
        .collect()
}

#[test]
fn images_inside_noscript_are_served_as_images_not_as_text() {
    // Arrange
    let dir = content_with("html", &["noscript-charts.md"]);
    let app = spawn_app(dir.path());

    // Act
    let post = app.get_ok_json("/api/v1/posts/noscript-charts");

    // Assert
    let html = post["html"].as_str().expect("html");
    assert!(!html.contains("&lt;"), "a tag is shown as text: {html}");
    assert!(
        html.contains(r#"<img src="/charts/q1.png" alt="Question 1 answers">"#),
        "{html}"
    );
    assert!(
        html.contains(r#"<img src="/charts/q2.png" alt="Question 2 answers">"#),
        "{html}"
    );
    assert!(
        html.contains("<figcaption>How often do you refine the backlog?</figcaption>"),
        "{html}"
    );
    // The sanitizer empties the class of the wrapping `<div>`; the empty attribute is dropped.
    assert!(html.contains("<div>\n<figure>"), "{html}");
    assert!(!html.contains("class=\"\""), "{html}");
}

#[test]
fn video_embeds_from_allowed_hosts_are_kept_and_others_removed_with_a_warning() {
    // Arrange
    let dir = content_with("html", &["video-embeds.md"]);
    let app = spawn_app(dir.path());

    // Act
    let post = app.get_ok_json("/api/v1/posts/video-embeds");
    let problems = app.get_ok_json("/api/v1/problems");

    // Assert
    let html = post["html"].as_str().expect("html");
    assert!(
        html.contains(r#"<iframe width="560" height="315" src="https://www.youtube-nocookie.com/embed/abc123""#),
        "{html}"
    );
    assert!(
        html.contains(r#"src="https://player.vimeo.com/video/76979871""#),
        "{html}"
    );
    assert!(!html.contains("videos.example.org"), "{html}");
    let warnings = warnings_for(&problems, "video-embeds.md");
    assert_eq!(warnings.len(), 1, "{problems}");
    let (line, message) = &warnings[0];
    assert_eq!(*line, 16, "{message}");
    assert!(
        message.contains("`<iframe>` from `videos.example.org`"),
        "{message}"
    );
    assert!(
        message.contains("--embed-host videos.example.org"),
        "{message}"
    );
}

#[test]
fn an_embed_host_given_in_the_settings_is_kept_without_a_warning() {
    // Arrange
    let dir = content_with("html", &["video-embeds.md"]);
    let mut settings = ServeSettings::for_content(dir.path());
    settings.reading.embed_hosts = vec!["videos.example.org".to_owned()];
    let app = spawn_app_with(settings);

    // Act
    let post = app.get_ok_json("/api/v1/posts/video-embeds");
    let problems = app.get_ok_json("/api/v1/problems");

    // Assert
    let html = post["html"].as_str().expect("html");
    assert!(
        html.contains(r#"<iframe src="https://videos.example.org/embed/42""#),
        "{html}"
    );
    assert_eq!(warnings_for(&problems, "video-embeds.md"), []);
}

#[test]
fn every_removed_element_and_attribute_is_a_warning_naming_file_and_line() {
    // Arrange
    let dir = content_with("html", &["unsafe-markup.md"]);
    let app = spawn_app(dir.path());

    // Act
    let post = app.get_ok_json("/api/v1/posts/unsafe-markup");
    let problems = app.get_ok_json("/api/v1/problems");

    // Assert
    let html = post["html"].as_str().expect("html");
    assert!(!html.contains("document.cookie"), "{html}");
    assert!(!html.contains("onclick"), "{html}");
    assert!(!html.contains("javascript:"), "{html}");
    assert!(
        !html.contains("class="),
        "empty classes are dropped: {html}"
    );
    assert!(html.contains("Blinking"), "{html}");
    let warnings = warnings_for(&problems, "unsafe-markup.md");
    let lines: Vec<u64> = warnings.iter().map(|(line, _)| *line).collect();
    assert_eq!(lines, [8, 10, 12], "{warnings:?}");
    assert!(warnings[0].1.contains("`<script>` element"), "{warnings:?}");
    assert!(
        warnings[1].1.contains("`onclick` attribute of `<p>`"),
        "{warnings:?}"
    );
    assert!(
        warnings[2].1.contains("`<blink>` element")
            && warnings[2].1.contains("`href` attribute of `<a>`"),
        "{warnings:?}"
    );
}

#[test]
fn quire_check_prints_the_removals_with_file_and_line() {
    // Arrange
    let dir = content_with("html", &["unsafe-markup.md", "video-embeds.md"]);

    // Act
    let output = Command::new(env!("CARGO_BIN_EXE_quire"))
        .arg("check")
        .arg(dir.path())
        .output()
        .expect("quire check runs");

    // Assert
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "warnings are not errors: {stdout}");
    assert!(
        stdout.contains("unsafe-markup.md:8: warning: removed from the HTML: `<script>` element"),
        "{stdout}"
    );
    assert!(
        stdout.contains("video-embeds.md:16: warning: removed from the HTML: `<iframe>` from `videos.example.org`"),
        "{stdout}"
    );
    assert!(
        stdout.contains("2 posts loaded, 0 errors, 4 warnings"),
        "{stdout}"
    );
}

#[test]
fn text_inside_raw_html_counts_for_words_reading_time_and_search() {
    // Arrange
    let dir = content_with("html", &["article-in-raw-html.md"]);
    let app = spawn_app(dir.path());

    // Act
    let post = app.get_ok_json("/api/v1/posts/article-in-raw-html");
    app.wait_for_search();
    let hits = app.get_ok_json("/api/v1/search?q=recalibrate");

    // Assert
    // 71 words in the HTML article, 2 + 6 in the Markdown after it.
    assert_eq!(post["wordCount"], 79, "{post}");
    assert_eq!(post["readingTime"], 1, "{post}");
    let slugs: Vec<&str> = hits["data"]
        .as_array()
        .expect("`data` is a list")
        .iter()
        .filter_map(|hit| hit["slug"].as_str())
        .collect();
    assert_eq!(slugs, ["article-in-raw-html"], "{hits}");
}

#[test]
fn headings_inside_raw_html_get_ids_and_table_of_contents_entries() {
    // Arrange
    let dir = content_with("html", &["article-in-raw-html.md"]);
    let app = spawn_app(dir.path());

    // Act
    let post = app.get_ok_json("/api/v1/posts/article-in-raw-html");

    // Assert
    assert_eq!(
        toc_ids(&post["toc"]),
        [
            "why-estimates-drift",
            "what-to-do-about-it",
            "further-reading"
        ]
    );
    let html = post["html"].as_str().expect("html");
    assert!(
        html.contains(r#"<h2 id="why-estimates-drift">Why estimates drift</h2>"#),
        "{html}"
    );
    assert!(
        html.contains(r#"<h2 id="what-to-do-about-it">What to do about it</h2>"#),
        "{html}"
    );
}

#[test]
fn react_docs_keep_their_heading_ids_and_render_components_as_their_children() {
    // Arrange
    let dir = content_with("react-docs", &["isValidElement.md", "introduction.md"]);
    let app = spawn_app(dir.path());

    // Act
    let reference = app.get_ok_json("/api/v1/posts/isvalidelement");
    let introduction = app.get_ok_json("/api/v1/posts/introduction");

    // Assert
    assert_eq!(
        toc_ids(&reference["toc"]),
        [
            "reference",
            "isvalidelement",
            "parameters",
            "returns",
            "caveats",
            "usage",
            "checking-if-something-is-a-react-element",
            "react-elements-vs-react-nodes",
        ]
    );
    // The heading right under `<DeepDive>` is a heading, with its written id.
    let ids = toc_ids(&introduction["toc"]);
    assert!(
        ids.iter()
            .any(|id| id == "what-kind-of-memoization-does-react-compiler-add"),
        "{ids:?}"
    );
    for post in [&reference, &introduction] {
        let html = post["html"].as_str().expect("html");
        let prose = outside_code(html);
        assert!(!prose.contains("&lt;"), "a tag is shown as text: {prose}");
        assert!(!prose.contains("{/*"), "an id is shown as text: {prose}");
        assert!(!html.contains("<deepdive"), "{html}");
        assert!(!html.contains("<intro"), "{html}");
    }
    assert!(
        reference["html"]
            .as_str()
            .is_some_and(|html| html.contains("checks whether a value is a React element")),
        "the content of `<Intro>` is kept"
    );
}

#[test]
fn an_mdx_body_drops_import_and_export_lines_and_renders_components_as_children() {
    // Arrange
    let text = "---\ntitle: Hello MDX\ndate: 2025-01-01\n---\n\nimport { Callout } from '../components/callout'\n\nexport const meta = { author: 'Ann' }\n\n# Hello\n\n<Callout type=\"info\">\n\nA **bold** start.\n\n</Callout>\n\n```js\nimport x from 'y'\n```\n";

    // Act
    let parsed = parse_post("hello.mdx", text.as_bytes(), LoadOptions::default());

    // Assert
    let post = parsed.post.expect("the post parses");
    let html = post.body.html();
    assert!(!html.contains("Callout"), "{html}");
    assert!(!html.contains("export const"), "{html}");
    assert!(!html.contains("&lt;"), "{html}");
    assert!(html.contains("<strong>bold</strong>"), "{html}");
    assert!(html.contains("import x from"), "code is kept: {html}");
    assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
}
