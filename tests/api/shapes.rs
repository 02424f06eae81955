//! Sizes and shapes: a post with a huge tag list or deeply nested front matter is bounded by a
//! limit with a problem naming the file, the line and the limit, and never stalls loading. Speed
//! itself is shown by `benches/growth.rs`, not timed here.

use serde_json::Value;

use crate::helpers::{empty_content_dir, simple_post, spawn_editor_app, write_file};

/// The most terms Quire keeps in one list of one post.
const TERM_LIMIT: usize = 1_000;

/// A post whose front matter lists `count` different tags, one per line from line 4.
fn post_with_tags(count: usize) -> String {
    let mut text = String::from("---\ntitle: Tagged\ndate: 2025-03-01\ntags:\n");
    for n in 0..count {
        text.push_str(&format!("  - tag {n}\n"));
    }
    text.push_str("---\n\nA post with many tags.\n");
    text
}

/// The problems reported for `path`.
fn problems_for(problems: &Value, path: &str) -> Vec<Value> {
    problems["data"]
        .as_array()
        .expect("`data` is a list")
        .iter()
        .filter(|problem| problem["path"] == path)
        .cloned()
        .collect()
}

#[test]
fn a_post_with_100000_tags_is_served_with_the_first_thousand_and_a_warning_naming_the_limit() {
    // Arrange
    let dir = empty_content_dir();
    write_file(dir.path(), "many-tags.md", post_with_tags(100_000));

    // Act
    let app = spawn_editor_app(dir.path());
    let post = app.get_ok_json("/api/v1/posts/many-tags");
    let problems = app.all_problems();

    // Assert
    let tags = post["tags"].as_array().expect("tags is a list");
    assert_eq!(tags.len(), TERM_LIMIT);
    assert_eq!(tags[0]["name"], "tag 0");
    assert_eq!(
        tags[TERM_LIMIT - 1]["slug"],
        format!("tag-{}", TERM_LIMIT - 1)
    );
    let found = problems_for(&problems, "many-tags.md");
    assert_eq!(found.len(), 1, "{problems}");
    let warning = &found[0];
    assert_eq!(warning["severity"], "warning");
    assert_eq!(warning["line"], 4, "the `tags:` line: {warning}");
    let message = warning["message"].as_str().unwrap_or_default();
    for words in ["`tags`", "100000", "first 1000", "limit", "99000"] {
        assert!(message.contains(words), "{words:?} in {message}");
    }
    let listed = app.get_ok_json("/api/v1/tags");
    assert_eq!(listed["data"].as_array().map(Vec::len), Some(TERM_LIMIT));
}

#[test]
fn a_post_with_exactly_the_limit_of_tags_is_served_whole_without_a_warning() {
    let dir = empty_content_dir();
    write_file(dir.path(), "full-tags.md", post_with_tags(TERM_LIMIT));

    let app = spawn_editor_app(dir.path());

    let post = app.get_ok_json("/api/v1/posts/full-tags");
    assert_eq!(post["tags"].as_array().map(Vec::len), Some(TERM_LIMIT));
    assert_eq!(app.all_problems()["data"], serde_json::json!([]));
}

#[test]
fn categories_and_category_share_one_limit() {
    let dir = empty_content_dir();
    let mut text =
        String::from("---\ntitle: Sorted\ndate: 2025-03-01\ncategory: Lead\ncategories:\n");
    for n in 0..TERM_LIMIT {
        text.push_str(&format!("  - c{n}\n"));
    }
    text.push_str("---\nBody.\n");
    write_file(dir.path(), "sorted.md", text);

    let app = spawn_editor_app(dir.path());

    let problems = app.all_problems();
    let found = problems_for(&problems, "sorted.md");
    assert_eq!(found.len(), 1, "{problems}");
    let message = found[0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("1001 different terms"), "{message}");
    assert_eq!(
        found[0]["line"], 4,
        "the first of the two keys: {}",
        found[0]
    );
}

#[test]
fn a_list_of_names_without_letters_gets_one_warning_not_one_per_name() {
    let dir = empty_content_dir();
    let mut text = String::from("---\ntitle: Symbols\ndate: 2025-03-01\ntags:\n  - real\n");
    for _ in 0..5_000 {
        text.push_str("  - '!!'\n  - '??'\n");
    }
    text.push_str("---\nBody.\n");
    write_file(dir.path(), "symbols.md", text);

    let app = spawn_editor_app(dir.path());

    let post = app.get_ok_json("/api/v1/posts/symbols");
    assert_eq!(post["tags"].as_array().map(Vec::len), Some(1));
    let problems = app.all_problems();
    let found = problems_for(&problems, "symbols.md");
    assert_eq!(found.len(), 1, "{problems}");
    let message = found[0]["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with("`!!`, `??` and 9998 more in `tags`"),
        "{message}"
    );
}

/// A 200 KB front matter value nested as deep as its size allows, in each way YAML nests.
struct DeepFile {
    path: &'static str,
    front_matter: String,
    /// The line the problem must name: where the nesting passes the limit.
    line: u64,
}

#[test]
fn a_200_kb_nested_list_is_refused_with_a_problem_naming_the_file_line_and_depth_limit() {
    // Arrange
    let dir = empty_content_dir();
    let deep = 100_000;
    let files = [
        DeepFile {
            path: "flow-brackets.md",
            front_matter: format!("matrix: {}x{}\n", "[".repeat(deep), "]".repeat(deep)),
            line: 4,
        },
        DeepFile {
            path: "flow-maps.md",
            front_matter: format!(
                "matrix: {}x{}\n",
                "{a: ".repeat(deep / 2),
                "}".repeat(deep / 2)
            ),
            line: 4,
        },
        DeepFile {
            path: "block-dashes.md",
            front_matter: format!("matrix:\n  {}x\n", "- ".repeat(deep)),
            line: 5,
        },
        DeepFile {
            path: "flow-one-per-line.md",
            front_matter: format!(
                "matrix:\n{}{}\n",
                "  [\n".repeat(deep * 2 / 5),
                "]".repeat(deep * 2 / 5)
            ),
            line: 5 + 32,
        },
    ];
    write_file(
        dir.path(),
        "fine.md",
        simple_post("Fine", "2025-01-01", "Still served."),
    );
    for file in &files {
        let text = format!(
            "---\ntitle: Deep\ndate: 2025-03-01\n{}---\nBody.\n",
            file.front_matter
        );
        assert!(
            text.len() > 190_000,
            "{} is {} bytes",
            file.path,
            text.len()
        );
        write_file(dir.path(), file.path, text);
    }

    // Act
    let app = spawn_editor_app(dir.path());
    let problems = app.all_problems();

    // Assert
    assert_eq!(app.post_slugs("/api/v1/posts"), ["fine"]);
    for file in &files {
        let found = problems_for(&problems, file.path);
        assert_eq!(found.len(), 1, "{}: {problems}", file.path);
        let problem = &found[0];
        assert_eq!(problem["severity"], "error", "{}: {problem}", file.path);
        assert_eq!(problem["line"], file.line, "{}: {problem}", file.path);
        let message = problem["message"].as_str().unwrap_or_default();
        assert!(
            message.starts_with("`matrix` nests lists or maps more than 32 levels deep"),
            "{}: {message}",
            file.path
        );
    }
}

/// A body that nests HTML past the limit, in each way a body can.
struct DeepBody {
    path: &'static str,
    body: String,
}

#[test]
fn a_body_nesting_thousands_of_html_elements_is_refused_naming_the_limit_and_the_rest_is_served() {
    // Arrange
    let dir = empty_content_dir();
    let bodies = [
        DeepBody {
            path: "unclosed-divs.md",
            body: "<div>\n\ntext\n\n".repeat(3_000),
        },
        DeepBody {
            path: "unclosed-spans.md",
            body: "<span>x ".repeat(3_000),
        },
        DeepBody {
            path: "deep-quotes.md",
            body: format!("{}[a](javascript:alert(1))\n", "> ".repeat(3_000)),
        },
        DeepBody {
            path: "unclosed-components.mdx",
            body: "<Note>\nhi\n</Note>\n".repeat(3_000),
        },
    ];
    write_file(
        dir.path(),
        "fine.md",
        simple_post("Fine", "2025-01-01", "Still served."),
    );
    for file in &bodies {
        let text = format!("---\ntitle: Deep\ndate: 2025-03-01\n---\n{}\n", file.body);
        write_file(dir.path(), file.path, text);
    }

    // Act
    let app = spawn_editor_app(dir.path());
    let problems = app.all_problems();

    // Assert
    assert_eq!(app.post_slugs("/api/v1/posts"), ["fine"]);
    for file in &bodies {
        let found = problems_for(&problems, file.path);
        assert_eq!(found.len(), 1, "{}: {problems}", file.path);
        let problem = &found[0];
        assert_eq!(problem["severity"], "error", "{}: {problem}", file.path);
        assert_eq!(problem["line"], 5, "the body's first line: {problem}");
        let message = problem["message"].as_str().unwrap_or_default();
        assert!(
            message.contains("nests HTML elements more than 256 deep"),
            "{}: {message}",
            file.path
        );
    }
}

#[test]
fn nesting_up_to_the_html_limit_is_served() {
    let dir = empty_content_dir();
    let body = format!("{}deep{}", "<div>".repeat(250), "</div>".repeat(250));
    write_file(
        dir.path(),
        "deep.md",
        simple_post("Deep", "2025-01-01", &body),
    );

    let app = spawn_editor_app(dir.path());

    let post = app.get_ok_json("/api/v1/posts/deep");
    assert_eq!(
        post["html"]
            .as_str()
            .map(|html| html.matches("<div>").count()),
        Some(250)
    );
    assert_eq!(app.all_problems()["data"], serde_json::json!([]));
}

#[test]
fn ten_thousand_headings_with_one_title_get_numbered_ids() {
    let dir = empty_content_dir();
    let body = "## Example\n\ntext\n\n".repeat(10_000);
    write_file(
        dir.path(),
        "examples.md",
        simple_post("Examples", "2025-01-01", &body),
    );

    let app = spawn_editor_app(dir.path());

    let post = app.get_ok_json("/api/v1/posts/examples");
    let toc = post["toc"].as_array().expect("toc is a list");
    assert_eq!(toc.len(), 10_000);
    assert_eq!(toc[0]["id"], "example");
    assert_eq!(toc[9_999]["id"], "example-9999");
}

#[test]
fn a_body_losing_markup_on_every_line_lists_a_hundred_lines_and_counts_the_rest() {
    let dir = empty_content_dir();
    let body = "<script>alert(1)</script>\n\n".repeat(1_000);
    write_file(
        dir.path(),
        "scripts.md",
        simple_post("Scripts", "2025-01-01", &body),
    );

    let app = spawn_editor_app(dir.path());

    let problems = app.all_problems();
    let found = problems_for(&problems, "scripts.md");
    assert_eq!(found.len(), 101, "{problems}");
    // The post starts on line 6 (after a blank line) and removes a script every other line.
    assert_eq!(found[99]["line"], 6 + 2 * 99);
    let last = &found[100];
    assert_eq!(last["line"], 6 + 2 * 100);
    assert_eq!(
        last["message"],
        "markup was removed from this line and 899 more after it, not listed one by one: only the first 100 lines are"
    );
    assert_eq!(app.post_slugs("/api/v1/posts"), ["scripts"]);
}
