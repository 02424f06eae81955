//! Search while its index is built in the background: the posts API is served at once, the
//! routes that need the index answer 503 with `Retry-After` until it is built, and `/readyz`
//! says which it is.

use std::time::Duration;

use quire::settings::ServeSettings;

use crate::helpers::{
    TestApp, assert_problem, empty_content_dir, search_fixture, simple_post, slugs, spawn_app_with,
    spawn_app_with_search_held, wait_for, wait_for_within, write_file,
};

/// Every route that needs the search index.
const SEARCH_ROUTES: &[&str] = &[
    "/api/v1/search?q=walrus",
    "/api/v1/posts?q=walrus",
    "/api/v1/posts/estimate/related",
];

#[test]
fn search_routes_answer_503_with_retry_after_while_the_index_is_built_and_200_after() {
    let (app, hold) = spawn_app_with_search_held(search_fixture());

    for path in SEARCH_ROUTES {
        let response = app.get(path);
        let body = assert_problem(&response, 503, path);
        assert_eq!(response.header("retry-after"), Some("1"), "{path}");
        assert_eq!(response.header("cache-control"), Some("no-store"), "{path}");
        assert!(
            body["detail"].as_str().unwrap().contains("being built"),
            "{path}: {body}"
        );
    }
    let posts = app.get("/api/v1/posts");
    assert_eq!(posts.status, 200, "the posts list does not wait for search");
    assert_eq!(app.get("/api/v1/posts/estimate").status, 200);

    hold.wait();
    app.wait_for_search();

    for path in SEARCH_ROUTES {
        let response = app.get(path);
        assert_eq!(response.status, 200, "{path}: {}", response.body);
        assert_eq!(response.header("retry-after"), None, "{path}");
    }
    assert_eq!(
        slugs(&app.get_ok_json("/api/v1/search?q=walrus")),
        ["walrus-in-title", "walrus-in-body"]
    );
}

#[test]
fn readyz_is_200_at_once_and_says_when_search_is_ready() {
    let (app, hold) = spawn_app_with_search_held(search_fixture());

    let building = app.get_ok_json("/readyz");
    assert_eq!(building["status"], "ready");
    assert_eq!(building["search"], "building");
    assert_eq!(building["generation"], 1);

    hold.wait();
    let ready = wait_for("/readyz to say search is ready", || {
        let body = app.get_ok_json("/readyz");
        (body["search"] != "building").then_some(body)
    });
    assert_eq!(ready["search"], "ready", "{ready}");
    assert_eq!(ready["generation"], 1);
}

/// The hits for "walrus" once there are `count` of them (the index follows a reload on its own
/// thread).
fn walrus_hits_once_there_are(app: &TestApp, count: usize) -> Vec<String> {
    wait_for_within(
        &format!("{count} posts to be found"),
        Duration::from_secs(20),
        || {
            let found = slugs(&app.get_ok_json("/api/v1/search?q=walrus"));
            (found.len() == count).then_some(found)
        },
    )
}

#[test]
fn a_post_added_while_the_index_is_built_is_found_and_so_is_one_added_after() {
    let dir = empty_content_dir();
    write_file(
        dir.path(),
        "first.md",
        simple_post("First", "2025-01-01", "The walrus sings."),
    );
    let (app, hold) = spawn_app_with_search_held(dir.path());

    write_file(
        dir.path(),
        "second.md",
        simple_post("Second", "2025-01-02", "The walrus dances."),
    );
    wait_for("the second post to be served", || {
        (app.get("/api/v1/posts/second").status == 200).then_some(())
    });
    hold.wait();
    app.wait_for_search();
    assert_eq!(
        slugs(&app.get_ok_json("/api/v1/search?q=walrus")),
        ["second", "first"]
    );

    write_file(
        dir.path(),
        "third.md",
        simple_post("Third", "2025-01-03", "The walrus swims."),
    );
    wait_for("the third post to be served", || {
        (app.get("/api/v1/posts/third").status == 200).then_some(())
    });
    let found = walrus_hits_once_there_are(&app, 3);
    assert_eq!(found, ["third", "second", "first"]);
}

#[test]
fn an_index_kept_in_a_folder_serves_search_and_follows_reloads() {
    let content = empty_content_dir();
    let index_dir = empty_content_dir();
    write_file(
        content.path(),
        "first.md",
        simple_post("First", "2025-01-01", "The walrus sings."),
    );
    let app = spawn_app_with(ServeSettings {
        index_dir: Some(index_dir.path().to_owned()),
        ..ServeSettings::for_content(content.path())
    });

    assert_eq!(
        slugs(&app.get_ok_json("/api/v1/search?q=walrus")),
        ["first"]
    );
    assert!(index_dir.path().join("v4/meta.json").is_file());

    write_file(
        content.path(),
        "second.md",
        simple_post("Second", "2025-01-02", "The walrus dances."),
    );
    let found = walrus_hits_once_there_are(&app, 2);
    assert_eq!(found, ["second", "first"]);
}

#[test]
fn a_second_server_given_the_same_index_folder_searches_from_memory() {
    let index_dir = empty_content_dir();
    let settings = || ServeSettings {
        index_dir: Some(index_dir.path().to_owned()),
        ..ServeSettings::for_content(search_fixture())
    };
    let first = spawn_app_with(settings());
    // The folder is the first server's while it runs.
    let second = spawn_app_with(settings());

    for app in [&first, &second] {
        assert_eq!(
            slugs(&app.get_ok_json("/api/v1/search?q=walrus")),
            ["walrus-in-title", "walrus-in-body"]
        );
    }
}
