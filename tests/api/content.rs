//! Loading content: broken files are skipped and reported, repairs are warned about, front matter
//! comes in several dialects, and Markdown is rendered safely.

use quire::settings::ServeSettings;
use quire::startup::StartupError;
use serde_json::{Value, json};

use crate::helpers::{
    app_builder, assert_problem, copy_fixture_site, empty_content_dir, fixture_site, simple_post,
    slugs, spawn_app, spawn_app_with, spawn_editor_app, spawn_fixture_app, write_file,
};

/// The problem reported for `path`, failing when there is not exactly one.
fn problem_for<'a>(problems: &'a Value, path: &str) -> &'a Value {
    let found: Vec<&Value> = problems["data"]
        .as_array()
        .expect("`data` is a list")
        .iter()
        .filter(|problem| problem["path"] == path)
        .collect();
    assert_eq!(found.len(), 1, "one problem for {path} in {problems}");
    found[0]
}

/// A file Quire must skip, and what its problem report must say.
struct BrokenFile {
    /// Where it is written, relative to the content folder.
    path: &'static str,
    contents: &'static [u8],
    /// The lines the problem may be reported on (a parser may point at where it gave up).
    lines: &'static [u64],
    /// The column, when the parser knows it.
    column: Option<u64>,
    /// Words the message must contain.
    mentions: &'static str,
}

#[test]
fn broken_files_are_skipped_and_reported_with_path_line_and_message() {
    // Arrange
    let dir = empty_content_dir();
    write_file(
        dir.path(),
        "good.md",
        simple_post("Good", "2025-01-10", "Fine."),
    );
    let broken = [
        BrokenFile {
            path: "broken-yaml.md",
            contents: b"---\ntitle: Broken\ndate: 2025-01-01\ntags: [a, b\n---\nBody\n",
            lines: &[4, 5],
            column: None,
            mentions: "not valid YAML",
        },
        BrokenFile {
            path: "missing-title.md",
            contents: b"---\ndate: 2025-01-01\n---\nBody\n",
            lines: &[1],
            column: None,
            mentions: "missing title",
        },
        BrokenFile {
            path: "missing-date.md",
            contents: b"---\ntitle: No Date\n---\nBody\n",
            lines: &[1],
            column: None,
            mentions: "missing date",
        },
        BrokenFile {
            path: "invalid-date.md",
            contents: b"---\ntitle: Bad Date\ndate: 2025-02-30\n---\nBody\n",
            lines: &[3],
            column: None,
            mentions: "2025-02-30",
        },
        BrokenFile {
            path: "not-utf8.md",
            contents: b"---\ntitle: Caf\xe9\ndate: 2025-01-01\n---\nBody\n",
            lines: &[2],
            column: Some(11),
            mentions: "UTF-8",
        },
        BrokenFile {
            path: "nested/deeper/no-front-matter.md",
            contents: b"# Just Markdown\n\nNo front matter at all.\n",
            lines: &[1],
            column: None,
            mentions: "front matter",
        },
        BrokenFile {
            path: "b-copy.md",
            contents: b"---\ntitle: Copy\ndate: 2025-01-06\nslug: shared\n---\nBody\n",
            lines: &[1],
            column: None,
            mentions: "a-original.md",
        },
    ];
    write_file(
        dir.path(),
        "a-original.md",
        "---\ntitle: Original\ndate: 2025-01-05\nslug: shared\n---\nBody\n",
    );
    for file in &broken {
        write_file(dir.path(), file.path, file.contents);
    }
    // Hidden files and folders are not content at all.
    write_file(dir.path(), ".hidden.md", "not a post");
    write_file(dir.path(), ".drafts/secret.md", "not a post either");

    // Act
    let app = spawn_editor_app(dir.path());
    let problems = app.all_problems();

    // Assert
    assert_eq!(
        problems["data"].as_array().map(Vec::len),
        Some(broken.len()),
        "{problems}"
    );
    for BrokenFile {
        path,
        lines,
        column,
        mentions: words,
        ..
    } in broken
    {
        let problem = problem_for(&problems, path);
        assert_eq!(problem["severity"], "error", "{path}: {problem}");
        let line = problem["line"].as_u64().expect("line is a number");
        assert!(
            lines.contains(&line),
            "{path}: line {line}, expected one of {lines:?}"
        );
        if let Some(column) = column {
            assert_eq!(problem["column"], column, "{path}: {problem}");
        }
        let message = problem["message"].as_str().unwrap_or_default();
        assert!(
            message.contains(words),
            "{path}: {message:?} should mention {words:?}"
        );
    }
    assert_eq!(
        app.post_slugs("/api/v1/posts"),
        ["good", "shared"],
        "only the valid files are served"
    );
    assert_eq!(app.get_ok_json("/api/v1/posts/shared")["title"], "Original");
}

#[test]
fn valid_posts_beside_a_broken_file_keep_being_served() {
    let dir = copy_fixture_site();
    write_file(
        dir.path(),
        "zz-broken.md",
        "---\ntitle: [unclosed\n---\nBody\n",
    );

    let app = spawn_editor_app(dir.path());

    let posts = app.get("/api/v1/posts");
    assert_eq!(posts.header("x-total-count"), Some("9"));
    let problems = app.all_problems();
    assert_eq!(problem_for(&problems, "zz-broken.md")["severity"], "error");
    assert_eq!(
        problem_for(&problems, "backlog-refinement.md")["severity"],
        "warning"
    );
}

#[test]
fn the_seed_post_is_served_with_its_em_dash_repaired() {
    let app = spawn_fixture_app();

    let post = app.get_ok_json("/api/v1/posts/backlog-refinement");
    let markdown = app.get("/api/v1/posts/backlog-refinement/markdown").body;

    let html = post["html"].as_str().expect("html is text");
    assert!(html.contains("valuable—they"), "{html}");
    assert!(!html.contains("â€"), "garbled text left in the html");
    assert!(markdown.contains("valuable—they"), "{markdown}");
    assert!(
        !markdown.contains("â€"),
        "garbled text left in the markdown"
    );
}

#[test]
fn the_seed_post_repair_is_reported_as_a_warning_naming_the_file_and_line() {
    let app = spawn_fixture_app();

    let problems = app.get_ok_json("/api/v1/problems");

    // (The fixture site's raw HTML post has warnings of its own: what the sanitizer removed.)
    let warning = problem_for(&problems, "backlog-refinement.md");
    assert_eq!(warning["line"], 44);
    assert_eq!(warning["column"], json!(null));
    assert_eq!(warning["severity"], "warning");
    let message = warning["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("valuableâ€”they") && message.contains("valuable—they"),
        "the warning shows the garbled and repaired text: {message}"
    );
}

#[test]
fn toml_front_matter_is_read_like_yaml() {
    let app = spawn_fixture_app();

    let post = app.get_ok_json("/api/v1/posts/toml-front-matter");

    assert_eq!(post["title"], "Sprint Review Checklist");
    assert_eq!(post["date"], "2025-05-05T00:00:00Z");
    assert_eq!(
        post["author"],
        json!({"name": "Lee Chen", "slug": "lee-chen"})
    );
    assert_eq!(
        post["category"],
        json!({"name": "Agile Rituals", "slug": "agile-rituals"})
    );
    assert_eq!(
        post["tags"],
        json!([
            {"name": "meetings", "slug": "meetings"},
            {"name": "sprint review", "slug": "sprint-review"},
        ])
    );
    assert!(
        post["html"]
            .as_str()
            .is_some_and(|html| html.contains("<p>A sprint review shows working software")),
        "{}",
        post["html"]
    );
}

#[test]
fn a_date_in_the_file_name_is_used_when_front_matter_has_none() {
    let app = spawn_fixture_app();

    // The file is 2025-06-01-date-from-file-name.md, and its tags are a comma-separated string.
    let post = app.get_ok_json("/api/v1/posts/date-from-file-name");

    assert_eq!(post["date"], "2025-06-01T00:00:00Z");
    assert_eq!(
        post["tags"],
        json!([
            {"name": "estimation", "slug": "estimation"},
            {"name": "metrics", "slug": "metrics"},
        ])
    );
    assert_eq!(post["wordCount"], 5);
    assert_eq!(post["readingTime"], 1);
}

#[test]
fn category_and_author_lists_and_other_aliases_are_accepted() {
    let app = spawn_fixture_app();

    let post = app.get_ok_json("/api/v1/posts/category-and-author-lists");

    assert_eq!(
        post["author"],
        json!({"name": "Lee Chen", "slug": "lee-chen"})
    );
    assert_eq!(
        post["authors"],
        json!([
            {"name": "Lee Chen", "slug": "lee-chen"},
            {"name": "Maya Okafor", "slug": "maya-okafor"},
        ])
    );
    assert_eq!(
        post["category"],
        json!({"name": "Engineering", "slug": "engineering"})
    );
    assert_eq!(
        post["categories"],
        json!([
            {"name": "Engineering", "slug": "engineering"},
            {"name": "Estimation", "slug": "estimation"},
        ])
    );
    assert_eq!(post["excerpt"], "Two people, two categories, one pipeline.");
    assert_eq!(
        post["metaDescription"],
        "Estimating continuous integration work as a pair."
    );
    assert_eq!(
        post["featuredImage"],
        format!("{}/images/ci-pair.png", app.address),
        "a path on the site is made absolute"
    );
    assert_eq!(post["extra"], json!({}), "aliases are not left in extra");
}

#[test]
fn unknown_front_matter_keys_are_returned_under_extra() {
    let app = spawn_fixture_app();

    let post = app.get_ok_json("/api/v1/posts/custom-fields");

    assert_eq!(
        post["extra"],
        json!({"series": "Estimation Deep Dive", "featured": true, "readingLevel": 2})
    );
}

#[test]
fn crlf_line_endings_and_a_byte_order_mark_are_tolerated() {
    let dir = empty_content_dir();
    write_file(
        dir.path(),
        "windows-post.md",
        "\u{feff}---\r\ntitle: Windows Post\r\ndate: 2025-03-03\r\ntags: [windows]\r\n---\r\n\r\n## First Heading\r\n\r\nLine one.\r\n",
    );

    let app = spawn_app(dir.path());

    let post = app.get_ok_json("/api/v1/posts/windows-post");
    assert_eq!(post["title"], "Windows Post");
    assert_eq!(post["date"], "2025-03-03T00:00:00Z");
    assert_eq!(post["toc"][0]["id"], "first-heading");
    let markdown = app.get("/api/v1/posts/windows-post/markdown").body;
    assert_eq!(markdown, "## First Heading\n\nLine one.\n");
    assert_eq!(app.get_ok_json("/api/v1/problems"), json!({"data": []}));
}

#[test]
fn slugs_and_dates_come_from_front_matter_or_the_file_path() {
    let dir = empty_content_dir();
    write_file(
        dir.path(),
        "Café Déjà.md",
        simple_post("Accents", "2025-01-01", "A."),
    );
    write_file(
        dir.path(),
        "bundle-post/index.md",
        simple_post("Bundle", "2025-01-02", "B."),
    );
    write_file(
        dir.path(),
        "explicit.md",
        "---\ntitle: Explicit\ndate: 2025-01-03\nslug: My Custom Slug\n---\nC.\n",
    );
    write_file(
        dir.path(),
        "2024/05/06/folder-dated/index.md",
        "---\ntitle: Folder Dated\n---\nD.\n",
    );
    write_file(
        dir.path(),
        "jekyll.markdown",
        "---\ntitle: Jekyll\ndate: 2025-02-15 09:30:00 +0100\n---\nE.\n",
    );
    write_file(
        dir.path(),
        "pub-date-alias.md",
        "---\ntitle: Pub Date\npubDate: 2025-01-04\n---\nF.\n",
    );

    let app = spawn_app(dir.path());

    let listed = app.get_ok_json("/api/v1/posts?fields=date");
    assert_eq!(
        listed["data"],
        json!([
            {"slug": "jekyll", "date": "2025-02-15T08:30:00Z"},
            {"slug": "pub-date-alias", "date": "2025-01-04T00:00:00Z"},
            {"slug": "my-custom-slug", "date": "2025-01-03T00:00:00Z"},
            {"slug": "bundle-post", "date": "2025-01-02T00:00:00Z"},
            {"slug": "cafe-deja", "date": "2025-01-01T00:00:00Z"},
            {"slug": "folder-dated", "date": "2024-05-06T00:00:00Z"},
        ])
    );
}

#[test]
fn raw_html_in_markdown_is_sanitized() {
    let app = spawn_fixture_app();

    let post = app.get_ok_json("/api/v1/posts/raw-html-is-sanitized");
    let html_route = app.get("/api/v1/posts/raw-html-is-sanitized/html").body;

    let html = post["html"].as_str().expect("html is text");
    for html in [html, html_route.as_str()] {
        for forbidden in ["<script", "onclick", "javascript:"] {
            assert!(
                !html.contains(forbidden),
                "{forbidden} reached the output: {html}"
            );
        }
        assert!(html.contains("Click me"), "{html}");
        assert!(
            html.contains("<p>Some text before the raw HTML.</p>"),
            "{html}"
        );
    }
}

#[test]
fn raw_html_is_kept_when_it_is_trusted() {
    let mut settings = ServeSettings::for_content(fixture_site());
    settings.reading.trust_html = true;
    let app = spawn_app_with(settings);

    let post = app.get_ok_json("/api/v1/posts/raw-html-is-sanitized");

    let html = post["html"].as_str().expect("html is text");
    assert!(html.contains("<script>"), "{html}");
    assert!(html.contains("onclick"), "{html}");
}

#[test]
fn the_text_before_a_more_marker_is_the_excerpt() {
    let app = spawn_fixture_app();

    let post = app.get_ok_json("/api/v1/posts/planning-poker-basics");

    assert_eq!(
        post["excerpt"],
        "Planning Poker turns estimates into a conversation."
    );
    let html = post["html"].as_str().expect("html is text");
    assert!(html.contains("Everyone picks a card"), "{html}");
    assert!(!html.contains("more-->"), "{html}");
}

#[test]
fn the_first_paragraph_is_the_excerpt_when_there_is_no_marker() {
    let app = spawn_fixture_app();

    let post = app.get_ok_json("/api/v1/posts/planning-poker-pitfalls");

    assert_eq!(
        post["excerpt"],
        "Anchoring on the first number spoken is the most common pitfall."
    );
}

#[test]
fn a_long_first_paragraph_is_cut_at_a_word_near_200_characters() {
    let dir = empty_content_dir();
    let paragraph: Vec<String> = (1..=60).map(|i| format!("word{i}")).collect();
    let paragraph = paragraph.join(" ");
    write_file(
        dir.path(),
        "long.md",
        simple_post("Long", "2025-01-01", &paragraph),
    );

    let app = spawn_app(dir.path());

    let excerpt = app.get_ok_json("/api/v1/posts/long")["excerpt"]
        .as_str()
        .expect("excerpt is text")
        .to_owned();
    let kept = excerpt
        .strip_suffix('…')
        .unwrap_or_else(|| panic!("a cut excerpt ends with an ellipsis: {excerpt:?}"));
    assert!(
        (150..=200).contains(&kept.chars().count()),
        "cut near 200 characters: {kept:?}"
    );
    assert!(
        paragraph.starts_with(kept) && paragraph[kept.len()..].starts_with(' '),
        "cut at a word boundary: {kept:?}"
    );
}

#[test]
fn strict_mode_refuses_to_start_when_a_file_has_an_error() {
    let dir = copy_fixture_site();
    write_file(dir.path(), "broken.md", "---\ntitle: No Date\n---\nBody\n");
    let settings = ServeSettings {
        strict: true,
        ..ServeSettings::for_content(dir.path())
    };

    let outcome = actix_web::rt::System::new()
        .block_on(async { app_builder(settings).build().map(|app| app.port()) });

    match outcome {
        Err(StartupError::Strict { errors }) => assert_eq!(errors, 1),
        Err(other) => panic!("expected a strict-mode failure, got: {other}"),
        Ok(port) => panic!("strict mode started on port {port} despite a broken file"),
    }
}

#[test]
fn strict_mode_starts_when_there_are_only_warnings() {
    let app = spawn_app_with(ServeSettings {
        strict: true,
        ..ServeSettings::for_content(fixture_site())
    });

    let response = app.get("/api/v1/posts/backlog-refinement");

    assert_eq!(response.status, 200);
    let problems = app.get_ok_json("/api/v1/problems");
    assert_eq!(problems["data"][0]["severity"], "warning");
}

#[test]
fn a_skipped_post_is_not_found() {
    let dir = empty_content_dir();
    write_file(
        dir.path(),
        "skipped.md",
        "---\ntitle: Skipped\ndate: someday\n---\nBody\n",
    );

    let app = spawn_app(dir.path());

    let response = app.get("/api/v1/posts/skipped");
    assert_problem(&response, 404, "a skipped post");
    assert_eq!(
        slugs(&app.get_ok_json("/api/v1/posts")),
        Vec::<String>::new()
    );
}
