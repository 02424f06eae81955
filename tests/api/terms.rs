//! `/api/v1/categories`, `/tags` and `/authors`: terms with their published post counts.

use serde_json::{Value, json};

use crate::helpers::{assert_problem, spawn_fixture_app};

fn term(name: &str, slug: &str, count: u64) -> Value {
    json!({"name": name, "slug": slug, "count": count})
}

#[test]
fn categories_are_listed_by_post_count_then_name() {
    // Arrange
    let app = spawn_fixture_app();

    // Act
    let response = app.get("/api/v1/categories");

    // Assert
    assert_eq!(response.status, 200);
    assert_eq!(response.content_type(), "application/json");
    assert_eq!(
        response.json(),
        json!({"data": [
            term("Engineering", "engineering", 4),
            term("Estimation", "estimation", 4),
            term("Agile Rituals", "agile-rituals", 2),
        ]})
    );
}

#[test]
fn tags_are_listed_by_post_count_then_name() {
    let app = spawn_fixture_app();

    let body = app.get_ok_json("/api/v1/tags");

    assert_eq!(
        body,
        json!({"data": [
            term("estimation", "estimation", 4),
            term("meetings", "meetings", 4),
            term("ci", "ci", 3),
            term("metrics", "metrics", 2),
            term("planning poker", "planning-poker", 2),
            term("backlog refinement", "backlog-refinement", 1),
            term("grooming", "grooming", 1),
            term("security", "security", 1),
            term("sprint review", "sprint-review", 1),
        ]})
    );
}

#[test]
fn authors_are_listed_by_post_count_with_co_authors_counted() {
    let app = spawn_fixture_app();

    let body = app.get_ok_json("/api/v1/authors");

    assert_eq!(
        body,
        json!({"data": [
            term("Maya Okafor", "maya-okafor", 5),
            term("Lee Chen", "lee-chen", 4),
            term("StoryScorer Team", "storyscorer-team", 1),
        ]})
    );
}

#[test]
fn one_term_is_found_by_its_slug_with_its_count() {
    let app = spawn_fixture_app();
    let cases = [
        (
            "/api/v1/categories/agile-rituals",
            term("Agile Rituals", "agile-rituals", 2),
        ),
        (
            "/api/v1/tags/planning-poker",
            term("planning poker", "planning-poker", 2),
        ),
        (
            "/api/v1/authors/maya-okafor",
            term("Maya Okafor", "maya-okafor", 5),
        ),
    ];

    for (path, expected) in cases {
        let (status, body) = app.get_json(path);

        assert_eq!(status, 200, "{path}: {body}");
        assert_eq!(body, expected, "{path}");
    }
}

#[test]
fn term_counts_leave_out_drafts_and_future_posts() {
    let app = spawn_fixture_app();

    // The draft is tagged `estimation`, the 2099 post `meetings`; both have 4 published posts.
    let estimation = app.get_ok_json("/api/v1/tags/estimation");
    let meetings = app.get_ok_json("/api/v1/tags/meetings");

    assert_eq!(estimation["count"], 4);
    assert_eq!(meetings["count"], 4);
}

#[test]
fn terms_only_unpublished_posts_use_are_not_found() {
    let app = spawn_fixture_app();
    let paths = [
        "/api/v1/categories/secret-plans",
        "/api/v1/tags/draft-only",
        "/api/v1/tags/future-only",
        "/api/v1/authors/ghost-writer",
    ];

    for path in paths {
        let response = app.get(path);

        assert_problem(&response, 404, path);
    }
}

#[test]
fn unknown_and_malformed_term_slugs_are_not_found() {
    let app = spawn_fixture_app();
    let slugs = [
        "no-such-term",
        "Estimation",
        "..",
        "%2e%2e",
        "a%00b",
        "estimation%2F..",
    ];

    for kind in ["categories", "tags", "authors"] {
        for slug in slugs {
            let path = format!("/api/v1/{kind}/{slug}");

            let response = app.get(&path);

            let body = assert_problem(&response, 404, &path);
            assert!(body.get("parameter").is_none(), "{path}: {body}");
        }
    }
}
