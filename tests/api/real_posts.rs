//! Real posts are not lost: dates Jekyll and the React blog write, files that share a name in
//! different folders, and MDX files are all served, each at an address that does not move.

use std::path::PathBuf;

use serde_json::Value;

use crate::helpers::{TestApp, spawn_app};

/// `tests/fixtures/real-posts/{case}`.
fn real_posts(case: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/real-posts")
        .join(case)
}

/// The problems `/api/v1/problems` lists for `path`.
fn problems_of(app: &TestApp, path: &str) -> Vec<Value> {
    let body = app.get_ok_json("/api/v1/problems");
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
    let app = spawn_app(real_posts("jekyll-date"));

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
    let app = spawn_app(real_posts("react-blog"));

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
    let app = spawn_app(&dir);

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
    assert_eq!(post["format"], "mdx");
    assert_eq!(markdown.status, 200);
    assert_eq!(markdown.body, body, "the MDX source as written");
    assert!(markdown.body.contains("import Image from 'next/image'"));
    let sparse = app.get_ok_json("/api/v1/posts?fields=format");
    assert_eq!(sparse["data"][0]["format"], "mdx");
}
