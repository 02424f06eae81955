//! Search: `/api/v1/search` and `q` on `/api/v1/posts`: ranking, stemming, phrases, prefixes,
//! typos, filters, snippets, facets, and bad or odd input.

use serde_json::Value;

use crate::helpers::{TestApp, assert_problem, encode, search_fixture, slugs, spawn_app};

fn app() -> TestApp {
    spawn_app(search_fixture())
}

fn search(app: &TestApp, q: &str, extra: &str) -> Value {
    app.get_ok_json(&format!("/api/v1/search?q={}{extra}", encode(q)))
}

fn found(app: &TestApp, q: &str) -> Vec<String> {
    slugs(&search(app, q, ""))
}

#[test]
fn a_title_match_outranks_a_body_only_match() {
    let app = app();

    let body = search(&app, "walrus", "");

    assert_eq!(slugs(&body), ["walrus-in-title", "walrus-in-body"]);
    let scores: Vec<f64> = body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|hit| hit["score"].as_f64().unwrap())
        .collect();
    assert!(scores[0] > scores[1], "{scores:?}");
}

#[test]
fn words_are_matched_by_their_stem() {
    let app = app();

    let estimating = found(&app, "estimating ");
    assert_eq!(
        estimating[0], "estimate",
        "a body and a tag match first: {estimating:?}"
    );
    assert_eq!(
        estimating.len(),
        4,
        "the `estimation` tag matches too: {estimating:?}"
    );
    assert_eq!(found(&app, "Teams Estimated "), ["estimate"]);
}

#[test]
fn a_quoted_phrase_must_appear_in_order() {
    let app = app();

    let phrase = found(&app, "\"planning poker\" ");
    let words = found(&app, "planning poker ");

    assert!(phrase.contains(&"estimate".to_owned()), "{phrase:?}");
    assert!(!phrase.contains(&"poker-apart".to_owned()), "{phrase:?}");
    assert!(words.contains(&"poker-apart".to_owned()), "{words:?}");
}

#[test]
fn the_last_word_matches_as_a_prefix_while_it_is_typed() {
    let app = app();

    assert_eq!(found(&app, "retrosp"), ["estimate"]);
    assert_eq!(found(&app, "teams estima"), ["estimate"]);
    let finished = found(&app, "retrosp ");
    assert!(
        finished.is_empty(),
        "a finished word is not a prefix: {finished:?}"
    );
}

#[test]
fn long_words_tolerate_one_typo() {
    let app = app();

    assert_eq!(found(&app, "retrospectve "), ["estimate"]);
    assert_eq!(
        found(&app, "walrsu "),
        ["walrus-in-title", "walrus-in-body"]
    );
    assert!(found(&app, "wlrsu ").is_empty(), "two typos are too many");
}

#[test]
fn every_word_must_match_somewhere() {
    let app = app();

    assert_eq!(found(&app, "walrus beach "), ["walrus-in-body"]);
    assert!(found(&app, "walrus zebra ").is_empty());
}

#[test]
fn filters_and_pagination_apply_to_the_hits() {
    let app = app();

    assert_eq!(
        slugs(&search(&app, "walrus", "&category=travel")),
        ["walrus-in-body"]
    );
    assert_eq!(
        slugs(&search(&app, "walrus", "&excludeTag=mammals")),
        ["walrus-in-body"]
    );
    assert_eq!(
        slugs(&search(&app, "walrus", "&author=Ada%20Field")),
        ["walrus-in-title"]
    );
    assert_eq!(
        slugs(&search(&app, "walrus", "&from=2025-02-01")),
        ["walrus-in-body"]
    );
    let page = app.get("/api/v1/search?q=walrus&limit=1&page=2");
    assert_eq!(page.status, 200);
    assert_eq!(page.header("x-total-count"), Some("2"));
    let body = page.json();
    assert_eq!(slugs(&body), ["walrus-in-body"]);
    assert_eq!(body["meta"]["pagination"]["total"], 2);
}

#[test]
fn an_explicit_sort_wins_over_relevance() {
    let app = app();

    assert_eq!(
        slugs(&search(&app, "walrus", "&sort=-date")),
        ["walrus-in-body", "walrus-in-title"]
    );
    assert_eq!(
        slugs(&search(&app, "walrus", "&sort=title")),
        ["walrus-in-body", "walrus-in-title"]
    );
}

#[test]
fn q_on_the_post_list_finds_the_same_posts_in_the_same_order() {
    let app = app();

    for q in ["walrus", "planning poker", "estima", "\"planning poker\""] {
        let q = encode(q);
        assert_eq!(
            app.post_slugs(&format!("/api/v1/posts?q={q}")),
            app.post_slugs(&format!("/api/v1/search?q={q}")),
            "for {q}"
        );
    }
    let filtered = app.get("/api/v1/posts?q=walrus&category=zoology&fields=title");
    assert_eq!(filtered.header("x-total-count"), Some("1"));
    assert_eq!(
        filtered.json()["data"],
        serde_json::json!([{"slug": "walrus-in-title", "title": "The Walrus Guide"}])
    );
}

#[test]
fn snippets_mark_matches_and_escape_html_from_the_content() {
    let app = app();

    let body = search(&app, "zebra", "");

    let snippet = body["data"][0]["snippet"].as_str().unwrap();
    assert!(
        snippet.contains("&lt;script&gt;<mark>zebra</mark>()&lt;/script&gt;"),
        "{snippet}"
    );
    assert!(snippet.contains("&amp;"), "{snippet}");
    assert!(!snippet.contains("<script"), "{snippet}");
}

#[test]
fn snippets_mark_stemmed_prefix_and_typo_matches() {
    let app = app();

    let stem = search(&app, "estimating", "");
    let prefix = search(&app, "retrosp", "");
    let typo = search(&app, "retrospectve ", "");

    assert!(
        stem["data"][0]["snippet"]
            .as_str()
            .unwrap()
            .contains("<mark>estimate</mark>")
    );
    for body in [prefix, typo] {
        let snippet = body["data"][0]["snippet"].as_str().unwrap().to_owned();
        assert!(snippet.contains("<mark>retrospective</mark>"), "{snippet}");
    }
}

#[test]
fn facets_count_all_hits_by_category_and_tag() {
    let app = app();

    let body = search(&app, "marine", "&limit=1");

    let facets = &body["meta"]["facets"];
    assert_eq!(
        facets["tags"],
        serde_json::json!([
            {"name": "marine", "slug": "marine", "count": 2},
            {"name": "mammals", "slug": "mammals", "count": 1},
        ])
    );
    assert_eq!(
        facets["categories"],
        serde_json::json!([
            {"name": "Travel", "slug": "travel", "count": 1},
            {"name": "Zoology", "slug": "zoology", "count": 1},
        ])
    );
}

#[test]
fn drafts_scheduled_and_expired_posts_are_never_found() {
    let app = app();

    let body = search(&app, "platypus", "");

    assert_eq!(body["data"], serde_json::json!([]));
    assert_eq!(body["meta"]["pagination"]["total"], 0);
    assert!(app.post_slugs("/api/v1/posts?q=platypus").is_empty());
}

#[test]
fn empty_missing_or_too_long_search_text_is_a_400_naming_q() {
    let app = app();
    let long = "a".repeat(257);
    let cases = [
        "/api/v1/search?q=".to_owned(),
        "/api/v1/search?q=%20%20".to_owned(),
        "/api/v1/search".to_owned(),
        format!("/api/v1/search?q={long}"),
        "/api/v1/posts?q=".to_owned(),
        format!("/api/v1/posts?q={long}"),
    ];
    for path in cases {
        let body = assert_problem(&app.get(&path), 400, &path);
        assert_eq!(body["parameter"], "q", "{path}");
    }
    assert_eq!(
        app.get(&format!("/api/v1/search?q={}", "a".repeat(256)))
            .status,
        200
    );
}

#[test]
fn query_syntax_characters_are_plain_text_and_never_an_error() {
    let app = app();

    for q in [
        "title:(walrus",
        "\"unclosed phrase",
        "walrus AND OR NOT",
        "*",
        "~2 ^3 -x +y",
        "\\",
        "[a TO b}",
        "?",
        "\u{1F600}",
        "\"\"",
    ] {
        let response = app.get(&format!("/api/v1/search?q={}", encode(q)));
        assert_eq!(response.status, 200, "{q}: {}", response.body);
    }
    assert_eq!(
        found(&app, "walrus?! "),
        ["walrus-in-title", "walrus-in-body"]
    );
}

#[test]
fn search_refuses_unknown_parameters() {
    let app = app();

    let body = assert_problem(
        &app.get("/api/v1/search?q=walrus&fields=title"),
        400,
        "fields",
    );

    assert_eq!(body["parameter"], "fields");
}
