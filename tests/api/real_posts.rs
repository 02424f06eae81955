//! Real posts are not lost: dates Jekyll and the React blog write, files that share a name in
//! different folders, and MDX files are all served, each at an address that does not move.

use std::path::PathBuf;

use quire::settings::ServeSettings;
use serde_json::Value;

use crate::helpers::{
    EDITOR_TOKEN, TestApp, empty_content_dir, simple_post, spawn_app_with, spawn_editor_app,
    title_of, wait_for, write_file,
};

/// `tests/fixtures/real-posts/{case}`.
fn real_posts(case: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/real-posts")
        .join(case)
}

/// Quire over `dir` as loaded, with the editor's token, without watching it (a start-up or a restart): most tests here
/// need no reload, and each watcher holds one of the user's few inotify instances.
fn serve_as_loaded(dir: impl Into<PathBuf>) -> TestApp {
    spawn_app_with(ServeSettings {
        no_watch: true,
        preview_token: Some(EDITOR_TOKEN.to_owned().into()),
        ..ServeSettings::for_content(dir)
    })
}

/// The problems `/api/v1/problems` lists for `path` to an editor (the preview token shows the
/// problems of files that serve no published post).
fn problems_of(app: &TestApp, path: &str) -> Vec<Value> {
    let body = app.all_problems();
    body["data"]
        .as_array()
        .expect("problems are a list")
        .iter()
        .filter(|problem| problem["path"] == path)
        .cloned()
        .collect()
}

#[test]
fn a_jekyll_date_quire_cannot_read_falls_back_to_the_file_name_with_a_warning() {
    // Arrange
    let app = serve_as_loaded(real_posts("jekyll-date"));

    // Act
    let post = app.get_ok_json("/api/v1/posts/jekyll-3-9-3-released");

    // Assert
    assert_eq!(post["title"], "Jekyll 3.9.3 Released");
    assert_eq!(post["date"], "2023-01-29T00:00:00Z");
    let problems = problems_of(&app, "2023-01-29-jekyll-3-9-3-released.markdown");
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0]["severity"], "warning");
    assert_eq!(problems[0]["line"], 3);
    let message = problems[0]["message"].as_str().expect("a message");
    assert!(
        message.contains("2023-01-29 18:30:22 2023 -0800") && message.contains("2023-01-29"),
        "{message}"
    );
}

#[test]
fn the_react_blog_dates_written_with_slashes_are_read() {
    // Arrange
    let app = serve_as_loaded(real_posts("react-blog"));

    // Act
    let post = app.get_ok_json("/api/v1/posts/data-fetching-with-react-server-components");

    // Assert
    assert_eq!(
        post["title"],
        "Introducing Zero-Bundle-Size React Server Components"
    );
    assert_eq!(post["date"], "2020-12-21T00:00:00Z");
    let path = "blog/2020/12/21/data-fetching-with-react-server-components.md";
    assert_eq!(problems_of(&app, path), Vec::<Value>::new());
}

#[test]
fn mdx_posts_are_served_with_their_format_and_their_source_as_written() {
    // Arrange
    let dir = real_posts("mdx-blog");
    let source = std::fs::read_to_string(dir.join("posts/hello-world.mdx"))
        .expect("the fixture is readable");
    let body = source
        .splitn(3, "---\n")
        .nth(2)
        .expect("the fixture has front matter")
        .trim_start_matches('\n');
    let app = serve_as_loaded(&dir);

    // Act
    let listed = app.get_ok_json("/api/v1/posts");
    let post = app.get_ok_json("/api/v1/posts/hello-world");
    let markdown = app.get("/api/v1/posts/hello-world/markdown");

    // Assert
    let formats: Vec<(&str, &str)> = listed["data"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|item| {
            (
                item["slug"].as_str().expect("a slug"),
                item["format"].as_str().expect("a format"),
            )
        })
        .collect();
    assert_eq!(
        formats,
        [("hello-world", "mdx"), ("plain-markdown", "markdown")]
    );
    assert_eq!(post["title"], "Hello, World");
    assert_eq!(
        post["date"], "2023-04-02T00:00:00Z",
        "read from `publishedAt`"
    );
    assert_eq!(
        post["excerpt"],
        "A Next.js starter's first post, written in MDX."
    );
    assert_eq!(post["format"], "mdx");
    assert_eq!(markdown.status, 200);
    assert_eq!(markdown.body, body, "the MDX source as written");
    assert!(markdown.body.contains("import Image from 'next/image'"));
    let sparse = app.get_ok_json("/api/v1/posts?fields=format");
    assert_eq!(sparse["data"][0]["format"], "mdx");
}

/// Each listed post's slug and title, newest first.
fn addresses(app: &TestApp) -> Vec<(String, String)> {
    let body = app.get_ok_json("/api/v1/posts?limit=100");
    body["data"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|item| {
            (
                item["slug"].as_str().expect("a slug").to_owned(),
                item["title"].as_str().expect("a title").to_owned(),
            )
        })
        .collect()
}

#[test]
fn the_same_file_name_in_two_folders_serves_both_at_addresses_that_survive_a_restart() {
    // Arrange
    let dir = empty_content_dir();
    write_file(
        dir.path(),
        "blog/team/all-hands.md",
        simple_post("Team all-hands", "2024-03-01", "The team's notes."),
    );
    write_file(
        dir.path(),
        "blog/all-hands.md",
        simple_post("Company all-hands", "2024-01-10", "Everyone's notes."),
    );

    // Act
    let app = serve_as_loaded(dir.path());
    let first = addresses(&app);
    let restarted = addresses(&serve_as_loaded(dir.path()));

    // Assert
    let expected = [
        ("team-all-hands".to_owned(), "Team all-hands".to_owned()),
        ("all-hands".to_owned(), "Company all-hands".to_owned()),
    ];
    assert_eq!(first, expected);
    assert_eq!(restarted, expected);
    let problems = problems_of(&app, "blog/team/all-hands.md");
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0]["severity"], "warning");
    assert!(
        problems[0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("served at `team-all-hands`")),
        "{problems:?}"
    );
}

#[test]
fn a_new_file_with_a_live_posts_file_name_does_not_take_its_address_on_reload_or_restart() {
    // Arrange: the team's post is live before the main section's is written.
    let dir = empty_content_dir();
    write_file(
        dir.path(),
        "blog/team/all-hands.md",
        simple_post("Team all-hands", "2024-01-10", "The team's notes."),
    );
    let app = spawn_editor_app(dir.path());
    assert_eq!(
        title_of(&app, "all-hands").as_deref(),
        Some("Team all-hands")
    );

    // Act
    write_file(
        dir.path(),
        "blog/all-hands.md",
        simple_post("Company all-hands", "2024-03-01", "Everyone's notes."),
    );
    wait_for("the new post to be served", || {
        title_of(&app, "blog-all-hands").map(|_| ())
    });

    // Assert
    let expected = [
        ("blog-all-hands".to_owned(), "Company all-hands".to_owned()),
        ("all-hands".to_owned(), "Team all-hands".to_owned()),
    ];
    assert_eq!(addresses(&app), expected);
    assert_eq!(
        addresses(&serve_as_loaded(dir.path())),
        expected,
        "after a restart"
    );
}

#[test]
fn a_new_file_declaring_a_live_posts_slug_is_the_one_reported_even_when_it_sorts_first() {
    // Arrange
    let dir = empty_content_dir();
    let declaring = |title: &str, date: &str, extra: &str| {
        format!("---\ntitle: {title}\ndate: {date}\nslug: launch\n{extra}---\nBody.\n")
    };
    write_file(
        dir.path(),
        "posts/launch-post.md",
        declaring("Launch", "2024-05-01", ""),
    );
    let app = spawn_editor_app(dir.path());
    assert_eq!(title_of(&app, "launch").as_deref(), Some("Launch"));

    // Act: a draft and a newer post that sort before it both declare its slug.
    write_file(
        dir.path(),
        "posts/a-draft.md",
        declaring("Draft copy", "2024-01-01", "draft: true\n"),
    );
    write_file(
        dir.path(),
        "posts/a-newer.md",
        declaring("Newer", "2024-06-01", ""),
    );
    // Neither file serves a published post, so the public generation does not move: wait for
    // both files' problems instead.
    wait_for("both new files to be read", || {
        (problems_of(&app, "posts/a-newer.md").len() == 1
            && problems_of(&app, "posts/a-draft.md").len() == 1)
            .then_some(())
    });

    // Assert
    assert_eq!(title_of(&app, "launch").as_deref(), Some("Launch"));
    let problem = &problems_of(&app, "posts/a-newer.md")[0];
    assert_eq!(problem["severity"], "error");
    assert!(
        problem["message"]
            .as_str()
            .is_some_and(|m| m.contains("also chosen by posts/launch-post.md")),
        "{problem}"
    );
    assert_eq!(
        addresses(&app),
        [("launch".to_owned(), "Launch".to_owned())]
    );
    let restarted = serve_as_loaded(dir.path());
    assert_eq!(title_of(&restarted, "launch").as_deref(), Some("Launch"));
    assert_eq!(
        problems_of(&restarted, "posts/launch-post.md"),
        Vec::<Value>::new()
    );
}

#[test]
fn a_path_or_permalink_in_front_matter_is_the_posts_address() {
    // Arrange
    let dir = empty_content_dir();
    write_file(
        dir.path(),
        "2024-02-03-untitled-draft-name.md",
        "---\ntitle: Permalinked\ndate: 2024-02-03\npermalink: /blog/2024/02/03/the-real-name/\n---\nBody.\n",
    );
    write_file(
        dir.path(),
        "notes/x.md",
        "---\ntitle: Pathed\ndate: 2024-02-04\npath: /notes/chosen-address.html\n---\nBody.\n",
    );

    // Act
    let app = serve_as_loaded(dir.path());

    // Assert
    assert_eq!(
        title_of(&app, "the-real-name").as_deref(),
        Some("Permalinked")
    );
    assert_eq!(title_of(&app, "chosen-address").as_deref(), Some("Pathed"));
    assert_eq!(title_of(&app, "untitled-draft-name"), None);
}

#[test]
fn quire_check_reads_mdx_and_names_each_kind_of_file_it_does_not_read_once() {
    // Arrange
    let dir = empty_content_dir();
    write_file(
        dir.path(),
        "posts/hello.mdx",
        simple_post("Hello", "2024-01-01", "<Note>MDX</Note>"),
    );
    write_file(
        dir.path(),
        "posts/plain.md",
        simple_post("Plain", "2024-01-02", "Text."),
    );
    for image in ["posts/a.png", "posts/b.png", "posts/c.png"] {
        write_file(dir.path(), image, b"\x89PNG");
    }
    write_file(dir.path(), "notes.txt", "not a post");

    // Act
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_quire"))
        .arg("check")
        .arg(dir.path())
        .output()
        .expect("quire check runs");

    // Assert
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8(output.stdout).expect("UTF-8 output");
    let lines: Vec<&str> = stdout.lines().collect();
    let unread: Vec<&&str> = lines
        .iter()
        .filter(|line| line.contains("not read"))
        .collect();
    assert_eq!(
        unread,
        [&"info: files not read as posts (Quire reads .md, .markdown, .mdx): 3 .png, 1 .txt"],
        "{stdout}"
    );
    assert!(
        lines
            .last()
            .is_some_and(|line| line.starts_with("2 posts loaded")),
        "{stdout}"
    );
}

#[test]
fn hugo_pages_with_one_name_in_several_sections_are_all_served_and_a_section_page_yields() {
    // Arrange
    let app = serve_as_loaded(real_posts("hugo-sections"));

    // Act
    let mut served = addresses(&app);
    served.sort();

    // Assert
    assert_eq!(
        served,
        [
            ("css".to_owned(), "safe.CSS".to_owned()),
            ("functions-css".to_owned(), "CSS functions".to_owned()),
            ("len".to_owned(), "Len".to_owned()),
            ("pages-len".to_owned(), "Len".to_owned()),
        ]
    );
    let len = app.get_ok_json("/api/v1/posts/len");
    assert!(
        len["metaDescription"]
            .as_str()
            .is_some_and(|d| d.contains("rendered content of the given page")),
        "methods/page/Len.md keeps `len`, first in path order: {len}"
    );
}

#[test]
fn an_mdx_file_written_while_serving_is_served() {
    // Arrange
    let dir = empty_content_dir();
    write_file(
        dir.path(),
        "posts/first.md",
        simple_post("First", "2024-01-01", "Text."),
    );
    let app = spawn_editor_app(dir.path());

    // Act
    write_file(
        dir.path(),
        "posts/second.mdx",
        simple_post("Second", "2024-01-02", "import X from 'x'\n\n<X>Hi</X>"),
    );

    // Assert
    wait_for("the MDX post to be served", || title_of(&app, "second"));
    assert_eq!(app.get_ok_json("/api/v1/posts/second")["format"], "mdx");
}
