//! `/api/v1/meta`, `/api/v1/problems`, `/healthz`, and how Quire answers unknown paths, wrong
//! methods and HEAD.

use quire::settings::ServeSettings;
use serde_json::json;
use ureq::http::Method;

use crate::helpers::{
    NOW, assert_problem, empty_content_dir, fixture_site, spawn_app, spawn_app_with,
    spawn_fixture_app,
};

#[test]
fn meta_counts_what_is_published_and_names_the_newest_post_date() {
    // Arrange
    let app = spawn_fixture_app();

    // Act
    let response = app.get("/api/v1/meta");

    // Assert
    assert_eq!(response.status, 200);
    assert_eq!(response.content_type(), "application/json");
    assert_eq!(
        response.json(),
        json!({
            "title": "Quire",
            "description": "",
            "baseUrl": app.address,
            "counts": {"posts": 9, "categories": 3, "tags": 9, "authors": 3},
            "newestPostDate": "2025-10-01T00:00:00Z",
            "contentLoadedAt": NOW,
            "version": env!("CARGO_PKG_VERSION"),
            "generation": 1,
            "lastChangedAt": NOW,
            "lastReload": null,
        })
    );
}

#[test]
fn meta_shows_the_configured_site_title_description_and_base_url() {
    let app = spawn_app_with(ServeSettings {
        site_title: "Team Notes".to_owned(),
        site_description: "How we work".to_owned(),
        base_url: Some("https://blog.example.com".to_owned()),
        ..ServeSettings::for_content(fixture_site())
    });

    let meta = app.get_ok_json("/api/v1/meta");

    assert_eq!(meta["title"], "Team Notes");
    assert_eq!(meta["description"], "How we work");
    assert_eq!(meta["baseUrl"], "https://blog.example.com");
}

#[test]
fn meta_of_an_empty_content_folder_has_zero_counts_and_no_newest_date() {
    let dir = empty_content_dir();
    let app = spawn_app(dir.path());

    let meta = app.get_ok_json("/api/v1/meta");

    assert_eq!(
        meta["counts"],
        json!({"posts": 0, "categories": 0, "tags": 0, "authors": 0})
    );
    assert_eq!(meta["newestPostDate"], json!(null));
    assert_eq!(app.get_ok_json("/api/v1/posts")["data"], json!([]));
}

#[test]
fn problems_of_clean_content_are_an_empty_list() {
    let dir = empty_content_dir();
    let app = spawn_app(dir.path());

    let response = app.get("/api/v1/problems");

    assert_eq!(response.status, 200);
    assert_eq!(response.content_type(), "application/json");
    assert_eq!(response.json(), json!({"data": []}));
}

#[test]
fn healthz_is_ok_while_serving() {
    let app = spawn_fixture_app();

    let response = app.get("/healthz");

    assert_eq!(response.status, 200);
    assert_eq!(response.json(), json!({"status": "ok"}));
}

#[test]
fn unknown_paths_are_404_problems() {
    let app = spawn_fixture_app();
    let paths = [
        "/",
        "/nope",
        "/api/v1",
        "/api/v1/nope",
        "/api/v2/posts",
        "/api/v1/posts/backlog-refinement/pdf",
        "/api/v1/posts/backlog-refinement/html/extra",
    ];

    for path in paths {
        let response = app.get(path);

        let body = assert_problem(&response, 404, path);
        assert_eq!(body["title"], "Not Found", "{path}");
    }
}

#[test]
fn a_wrong_method_on_a_known_path_is_405_with_an_allow_header() {
    let app = spawn_fixture_app();
    let cases = [
        (Method::POST, "/api/v1/posts"),
        (Method::DELETE, "/api/v1/posts/backlog-refinement"),
        (Method::PUT, "/api/v1/posts/backlog-refinement/html"),
        (Method::PATCH, "/api/v1/tags"),
        (Method::DELETE, "/api/v1/authors/maya-okafor"),
        (Method::POST, "/api/v1/meta"),
        (Method::POST, "/healthz"),
    ];

    for (method, path) in cases {
        let response = app.request(method.clone(), path);

        let what = format!("{method} {path}");
        assert_problem(&response, 405, &what);
        let allow = response
            .header("allow")
            .unwrap_or_else(|| panic!("{what}: no Allow header"));
        let allowed: Vec<&str> = allow.split(',').map(str::trim).collect();
        assert!(allowed.contains(&"GET"), "{what}: Allow is {allow:?}");
        assert!(
            !allowed.contains(&method.as_str()),
            "{what}: Allow is {allow:?}"
        );
    }
}

#[test]
fn head_answers_like_get_without_a_body() {
    let app = spawn_fixture_app();
    let paths = [
        "/api/v1/posts?limit=2",
        "/api/v1/posts/backlog-refinement",
        "/api/v1/posts/backlog-refinement/html",
        "/api/v1/posts/backlog-refinement/markdown",
        "/api/v1/tags",
        "/api/v1/meta",
        "/healthz",
        "/api/v1/posts/no-such-post",
    ];

    for path in paths {
        let get = app.get(path);

        let head = app.head(path);

        assert_eq!(head.status, get.status, "HEAD {path}: status");
        assert_eq!(head.body, "", "HEAD {path}: body");
        for name in ["content-type", "x-total-count", "link"] {
            assert_eq!(head.header(name), get.header(name), "HEAD {path}: {name}");
        }
        let length = head
            .header("content-length")
            .unwrap_or_else(|| panic!("HEAD {path}: no Content-Length"));
        assert_eq!(
            length,
            get.body.len().to_string(),
            "HEAD {path}: Content-Length"
        );
    }
}
