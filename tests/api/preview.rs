//! Publishing decided at request time: scheduled posts go live and expiring ones go away as the
//! clock moves, with no reload; a preview token lets an editor read what is not public yet.

use std::sync::Arc;

use jiff::SignedDuration;
use quire::clock::ManualClock;
use quire::settings::ServeSettings;

use crate::helpers::{
    TestApp, assert_problem, empty_content_dir, fixture_site, now, simple_post, slugs, spawn_app,
    spawn_app_with, spawn_app_with_clock, write_file,
};

const TOKEN: &str = "let-me-see-0123456789";

fn preview_app() -> TestApp {
    let mut settings = ServeSettings::for_content(fixture_site());
    settings.preview_token = Some(TOKEN.to_owned().into());
    spawn_app_with(settings)
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

#[test]
fn the_preview_token_reads_drafts_and_scheduled_posts_in_every_form_privately() {
    let app = preview_app();
    let auth = bearer(TOKEN);
    for slug in ["draft", "far-future"] {
        for suffix in ["", "/html", "/markdown"] {
            let path = format!("/api/v1/posts/{slug}{suffix}");

            let response = app.get_text_with(&path, &[("Authorization", &auth)]);

            assert_eq!(response.status, 200, "{path}: {}", response.body);
            assert_eq!(
                response.header("cache-control"),
                Some("private, no-store"),
                "{path}: a preview must never be shared by a cache"
            );
        }
    }
    let draft = app
        .get_text_with("/api/v1/posts/draft", &[("Authorization", &auth)])
        .json();
    assert_eq!(draft["title"], "Unfinished Thoughts on Estimation");
}

#[test]
fn without_the_right_token_an_unpublished_post_is_the_same_404_as_an_unknown_slug() {
    let app = preview_app();
    let unknown = app.get("/api/v1/posts/no-such-post");
    assert_problem(&unknown, 404, "an unknown slug");
    let cases: [(&str, &[(&str, &str)]); 4] = [
        ("no token", &[]),
        ("a wrong token", &[("Authorization", "Bearer let-me-see")]),
        ("the token without Bearer", &[("Authorization", TOKEN)]),
        (
            "a Basic header",
            &[("Authorization", "Basic bGV0LW1lLXNlZQ==")],
        ),
    ];
    for (what, headers) in cases {
        for path in [
            "/api/v1/posts/draft",
            "/api/v1/posts/far-future/html",
            "/api/v1/posts/draft/markdown",
        ] {
            let response = app.get_text_with(path, headers);
            let body = assert_problem(&response, 404, &format!("{what} on {path}"));
            assert_eq!(body["title"], unknown.json()["title"], "{what}");
            assert_ne!(response.header("cache-control"), Some("private, no-store"));
        }
    }
}

#[test]
fn a_token_is_refused_when_preview_is_off() {
    let app = spawn_app(fixture_site());
    let response = app.get_text_with("/api/v1/posts/draft", &[("Authorization", &bearer(TOKEN))]);
    assert_problem(&response, 404, "preview is off");
}

#[test]
fn lists_show_unpublished_posts_only_with_preview_true_and_the_token() {
    let app = preview_app();
    let auth = bearer(TOKEN);
    let public = app.post_slugs("/api/v1/posts?limit=100");
    assert!(!public.contains(&"draft".to_owned()));

    let with_token = slugs(
        &app.get_text_with("/api/v1/posts?limit=100", &[("Authorization", &auth)])
            .json(),
    );
    assert_eq!(with_token, public, "a token alone does not change a list");

    let response = app.get_text_with(
        "/api/v1/posts?limit=100&preview=true",
        &[("Authorization", &auth)],
    );
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(response.header("cache-control"), Some("private, no-store"));
    let previewed = slugs(&response.json());
    assert_eq!(previewed.len(), public.len() + 2, "{previewed:?}");
    assert_eq!(previewed[0], "far-future", "newest first");
    assert!(previewed.contains(&"draft".to_owned()));

    assert_eq!(
        app.post_slugs("/api/v1/posts?limit=100&preview=false"),
        public
    );
}

#[test]
fn preview_true_without_a_valid_token_is_a_401_problem() {
    let app = preview_app();
    let cases: [(&str, &[(&str, &str)]); 2] = [
        ("no token", &[]),
        ("a wrong token", &[("Authorization", "Bearer nope")]),
    ];
    for (what, headers) in cases {
        let response = app.get_text_with("/api/v1/posts?preview=true", headers);
        assert_problem(&response, 401, what);
        assert_eq!(
            response.header("www-authenticate"),
            Some("Bearer"),
            "{what}"
        );
    }
    let off = spawn_app(fixture_site());
    let response = off.get_text_with(
        "/api/v1/posts?preview=true",
        &[("Authorization", &bearer(TOKEN))],
    );
    assert_problem(&response, 401, "preview is off");
    let response = off.get("/api/v1/posts?preview=maybe");
    let body = assert_problem(&response, 400, "a bad preview value");
    assert_eq!(body["parameter"], "preview");
}

#[test]
fn a_scheduled_post_goes_live_and_an_expiring_one_goes_away_as_time_passes() {
    let dir = empty_content_dir();
    write_file(
        dir.path(),
        "old.md",
        simple_post("Old", "2025-06-01", "Old."),
    );
    write_file(
        dir.path(),
        "scheduled.md",
        "---\ntitle: Scheduled\ndate: 2026-01-01T12:00:00Z\ntags: [launch]\n---\nSoon.\n",
    );
    write_file(
        dir.path(),
        "fleeting.md",
        "---\ntitle: Fleeting\ndate: 2025-12-01\nexpires: 2026-01-01T06:00:00Z\n---\nGone soon.\n",
    );
    let clock = Arc::new(ManualClock::new(now()));
    let app = spawn_app_with_clock(ServeSettings::for_content(dir.path()), clock.clone());
    assert_eq!(app.post_slugs("/api/v1/posts"), ["fleeting", "old"]);
    assert_eq!(app.get("/api/v1/posts/scheduled").status, 404);
    assert_eq!(app.get("/api/v1/tags/launch").status, 404);

    clock.advance(SignedDuration::from_hours(6));

    assert_eq!(app.post_slugs("/api/v1/posts"), ["old"], "expired at 06:00");
    assert_eq!(app.get("/api/v1/posts/fleeting").status, 404);
    assert_eq!(app.get("/api/v1/posts/scheduled").status, 404, "not yet");

    clock.advance(SignedDuration::from_hours(6));

    assert_eq!(app.post_slugs("/api/v1/posts"), ["scheduled", "old"]);
    let post = app.get_ok_json("/api/v1/posts/scheduled");
    assert_eq!(post["prev"]["slug"], "old");
    assert_eq!(
        app.get_ok_json("/api/v1/posts/old")["next"]["slug"],
        "scheduled"
    );
    assert_eq!(app.get_ok_json("/api/v1/tags/launch")["count"], 1);
    let meta = app.get_ok_json("/api/v1/meta");
    assert_eq!(meta["generation"], 1, "no reload was needed");
    assert_eq!(meta["counts"]["posts"], 2);
}
