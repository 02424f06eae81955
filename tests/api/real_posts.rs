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
