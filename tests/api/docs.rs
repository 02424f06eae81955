//! The OpenAPI document and Swagger UI: served, browsable offline, and in step with the
//! committed `openapi/openapi.json`.

use std::path::Path;

use crate::helpers::spawn_fixture_app;

#[test]
fn swagger_ui_is_served_as_html() {
    // Arrange
    let app = spawn_fixture_app();

    // Act
    let response = app.get("/swagger-ui/");

    // Assert
    assert_eq!(response.status, 200);
    assert!(
        response.content_type().starts_with("text/html"),
        "content type {:?}",
        response.content_type()
    );
    assert!(
        response.body.contains(r#"id="swagger-ui""#),
        "{}",
        response.body
    );
}

#[test]
fn swagger_ui_javascript_is_served_from_the_binary() {
    let app = spawn_fixture_app();

    let bundle = app.get("/swagger-ui/swagger-ui-bundle.js");
    let initializer = app.get("/swagger-ui/swagger-initializer.js");

    assert_eq!(bundle.status, 200);
    assert!(
        bundle.content_type().contains("javascript"),
        "content type {:?}",
        bundle.content_type()
    );
    assert!(
        bundle.body.len() > 100_000,
        "the bundle is only {} bytes",
        bundle.body.len()
    );
    assert_eq!(initializer.status, 200);
    assert!(
        initializer.body.contains("/api-docs/openapi.json"),
        "the UI points at the spec: {}",
        initializer.body
    );
}

#[test]
fn swagger_ui_without_a_trailing_slash_redirects_to_it() {
    let app = spawn_fixture_app();

    let response = app.get("/swagger-ui");

    assert!(
        [301, 302, 303, 307, 308].contains(&response.status),
        "status {}",
        response.status
    );
    assert_eq!(response.header("location"), Some("/swagger-ui/"));
}

#[test]
fn the_served_spec_is_the_generated_document() {
    let app = spawn_fixture_app();

    let response = app.get("/api-docs/openapi.json");

    assert_eq!(response.status, 200);
    assert!(
        response.content_type().starts_with("application/json"),
        "content type {:?}",
        response.content_type()
    );
    let expected =
        serde_json::to_value(quire::openapi::document()).expect("the document serializes to JSON");
    assert_eq!(response.json(), expected);
}

#[test]
fn the_spec_describes_every_endpoint() {
    let document =
        serde_json::to_value(quire::openapi::document()).expect("the document serializes to JSON");

    let mut paths: Vec<&str> = document["paths"]
        .as_object()
        .expect("`paths` is an object")
        .keys()
        .map(String::as_str)
        .collect();
    paths.sort_unstable();

    assert_eq!(
        paths,
        [
            "/api/v1/archive",
            "/api/v1/authors",
            "/api/v1/authors/{slug}",
            "/api/v1/categories",
            "/api/v1/categories/{slug}",
            "/api/v1/events",
            "/api/v1/meta",
            "/api/v1/posts",
            "/api/v1/posts/{slug}",
            "/api/v1/posts/{slug}/html",
            "/api/v1/posts/{slug}/markdown",
            "/api/v1/posts/{slug}/related",
            "/api/v1/problems",
            "/api/v1/search",
            "/api/v1/tags",
            "/api/v1/tags/{slug}",
            "/atom.xml",
            "/categories/{slug}/atom.xml",
            "/categories/{slug}/feed.json",
            "/categories/{slug}/feed.xml",
            "/feed.json",
            "/feed.xml",
            "/healthz",
            "/metrics",
            "/readyz",
            "/sitemap.xml",
            "/tags/{slug}/atom.xml",
            "/tags/{slug}/feed.json",
            "/tags/{slug}/feed.xml",
        ]
    );
    let list = &document["paths"]["/api/v1/posts"]["get"]["responses"];
    assert!(list.get("400").is_some(), "the post list declares its 400");
    for path in ["/api/v1/posts/{slug}", "/api/v1/tags/{slug}"] {
        let responses = &document["paths"][path]["get"]["responses"];
        assert!(responses.get("404").is_some(), "{path} declares its 404");
    }
}

#[test]
fn the_committed_spec_matches_the_generated_one() {
    let committed_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi/openapi.json");
    let committed = std::fs::read_to_string(&committed_path)
        .unwrap_or_else(|err| panic!("cannot read {}: {err}", committed_path.display()));

    let generated = quire::openapi::document_json();

    assert!(
        committed == generated,
        "openapi/openapi.json is out of date with the code; \
         run `cargo run -- openapi > openapi/openapi.json` and commit the result"
    );
}
