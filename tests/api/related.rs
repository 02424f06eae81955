//! `/api/v1/posts/{slug}/related`: order, reasons, limits and unknown posts.

use serde_json::Value;

use crate::helpers::{TestApp, assert_problem, search_fixture, slugs, spawn_app};

fn app() -> TestApp {
    spawn_app(search_fixture())
}

fn entry<'a>(body: &'a Value, slug: &str) -> &'a Value {
    body["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["slug"] == slug)
        .unwrap_or_else(|| panic!("{slug} is not related: {body}"))
}

#[test]
fn a_rare_shared_tag_outranks_a_common_one_and_each_entry_says_why() {
    let app = app();

    let body = app.get_ok_json("/api/v1/posts/estimate/related?limit=20");

    let order = slugs(&body);
    assert_eq!(order[0], "rare-tag", "{body}");
    let rare = entry(&body, "rare-tag");
    assert_eq!(
        rare["sharedTags"],
        serde_json::json!([{"name": "planning poker", "slug": "planning-poker"}])
    );
    assert_eq!(rare["sameCategory"], false);
    let common = entry(&body, "common-tag-1");
    assert_eq!(common["sharedTags"][0]["slug"], "estimation");
    let same = entry(&body, "same-category");
    assert_eq!(same["sameCategory"], true);
    assert_eq!(same["sharedTags"], serde_json::json!([]));
    assert!(rare["score"].as_f64() > common["score"].as_f64());
}

#[test]
fn equal_scores_go_to_the_newer_post_and_scores_never_rise() {
    let app = app();

    let body = app.get_ok_json("/api/v1/posts/estimate/related?limit=20");

    let order = slugs(&body);
    let position = |slug: &str| order.iter().position(|s| s == slug).unwrap();
    assert!(position("common-tag-3") < position("common-tag-2"));
    assert!(position("common-tag-2") < position("common-tag-1"));
    let scores: Vec<f64> = body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["score"].as_f64().unwrap())
        .collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    assert!(
        !order.contains(&"estimate".to_owned()),
        "a post is not related to itself"
    );
    for hidden in ["draft-platypus", "scheduled-platypus", "expired-platypus"] {
        assert!(!order.contains(&hidden.to_owned()));
    }
}

#[test]
fn related_posts_are_deterministic_and_limited() {
    let app = app();

    let first = app.get_ok_json("/api/v1/posts/estimate/related");
    let again = app.get_ok_json("/api/v1/posts/estimate/related");
    let two = app.get_ok_json("/api/v1/posts/estimate/related?limit=2");

    assert_eq!(first, again);
    assert_eq!(slugs(&first).len(), 5, "five by default");
    assert_eq!(slugs(&two), slugs(&first)[..2]);
}

#[test]
fn a_bad_limit_is_a_400_and_an_unknown_post_a_404() {
    let app = app();

    for limit in ["0", "21", "x", ""] {
        let path = format!("/api/v1/posts/estimate/related?limit={limit}");
        let body = assert_problem(&app.get(&path), 400, &path);
        assert_eq!(body["parameter"], "limit");
    }
    for slug in ["nope", "draft-platypus", "scheduled-platypus", "Bad_Slug"] {
        let path = format!("/api/v1/posts/{slug}/related");
        assert_problem(&app.get(&path), 404, &path);
    }
}
