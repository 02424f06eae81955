//! The search index holds only what the public can read now: scheduled, expired and draft posts
//! move no search score, rank, facet or related post, make no word "known" to the typo rule,
//! and the index follows posts going live and expiring without any file change.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use quire::clock::{Clock, FixedClock, ManualClock};
use quire::settings::ServeSettings;

use crate::helpers::{
    TestApp, empty_content_dir, encode, now, spawn_app_with, spawn_app_with_clock, wait_for_within,
    write_file,
};

/// Both twins' public URL, so that their absolute links agree.
const BASE_URL: &str = "https://blog.example.org";

/// How long the search index may take to follow the clock when the whole suite runs.
const PATIENCE: Duration = Duration::from_secs(30);

/// Published posts whose words the hidden ones share (`cedar`, `river`, `boat`, `mill`).
const PUBLISHED: [(&str, &str); 4] = [
    (
        "river-notes.md",
        "---\ntitle: River notes\ndate: 2025-03-01\ntags: [water, travel]\ncategories: [journal]\n---\nThe river carries cedar boats past the old mill.\n",
    ),
    (
        "mill-history.md",
        "---\ntitle: Mill history\ndate: 2025-04-01\ntags: [history, water]\ncategories: [journal]\n---\nThe mill stood by the river for a century, on cedar beams.\n",
    ),
    (
        "boat-building.md",
        "---\ntitle: Boat building\ndate: 2025-05-01\ntags: [travel]\ncategories: [craft]\n---\nBuilding a cedar boat takes a winter. Its velocity surprised everyone.\n",
    ),
    (
        "winter-walk.md",
        "---\ntitle: Winter walk\ndate: 2025-06-01\ntags: [travel]\n---\nA walk along the frozen river to the mill.\n",
    ),
];

/// Hidden posts at [`now`]: scheduled, expired and a draft, full of the published posts' words
/// and of words no published post has (`velocty` is one typo away from `velocity`).
const HIDDEN: [(&str, &str); 3] = [
    (
        "river-festival.md",
        "---\ntitle: River festival\ndate: 2026-06-01\ntags: [water, travel]\ncategories: [journal]\n---\nThe river festival: cedar boats, the mill, river river river. Its velocty and glockenspiel.\n",
    ),
    (
        "old-ferry.md",
        "---\ntitle: Old ferry\ndate: 2024-01-01\nexpires: 2025-01-01\ntags: [water]\ncategories: [craft]\n---\nA ferry crossed the river by the mill with cedar boats. Velocty, glockenspiel.\n",
    ),
    (
        "boat-draft.md",
        "---\ntitle: Boat draft\ndate: 2025-02-01\ndraft: true\ntags: [travel]\n---\nBoat boat boat, cedar cedar, river. Velocty.\n",
    ),
];

fn write_posts(dir: &Path, posts: &[(&str, &str)]) {
    for (file, text) in posts {
        write_file(dir, file, text);
    }
}

fn settings(dir: &Path) -> ServeSettings {
    let mut settings = ServeSettings::for_content(dir);
    settings.base_url = Some(BASE_URL.to_owned());
    settings
}

/// What a client sees of a public answer: status, `ETag` and the whole body, scores included.
fn answer(app: &TestApp, path: &str) -> String {
    let response = app.get(path);
    format!(
        "{} etag={:?}\n{}",
        response.status,
        response.header("etag"),
        response.body
    )
}

/// Searches and related posts that the hidden posts' words would move.
fn scored_paths() -> Vec<String> {
    let mut paths: Vec<String> = [
        "river",
        "cedar",
        "cedar boat",
        "boats mill",
        "\"cedar boats\"",
        "rive",
        "velocty",
        "velocty ",
        "glockenspeil",
        "glocken",
        "winter",
    ]
    .iter()
    .map(|q| format!("/api/v1/search?q={}", encode(q)))
    .collect();
    paths.push("/api/v1/search?q=river&sort=date_desc".to_owned());
    for (file, _) in PUBLISHED {
        let slug = file.trim_end_matches(".md");
        paths.push(format!("/api/v1/posts/{slug}/related"));
    }
    paths
}

#[test]
fn search_and_related_answer_exactly_as_the_same_site_without_its_hidden_posts() {
    // Arrange
    let site = empty_content_dir();
    let twin = empty_content_dir();
    write_posts(site.path(), &PUBLISHED);
    write_posts(site.path(), &HIDDEN);
    write_posts(twin.path(), &PUBLISHED);
    let app = spawn_app_with(settings(site.path()));
    let twin_app = spawn_app_with(settings(twin.path()));

    // Act and assert: scores, order, snippets, facets and ETags are the twin's.
    for path in scored_paths() {
        assert_eq!(answer(&app, &path), answer(&twin_app, &path), "GET {path}");
    }
    let river = app.get_ok_json("/api/v1/search?q=river");
    assert_eq!(river["data"].as_array().map(Vec::len), Some(3), "{river}");
}

#[test]
fn a_typo_of_a_word_only_hidden_posts_contain_is_corrected_as_for_an_unknown_word() {
    // Arrange: `velocty` is written only in hidden posts; a published one says `velocity`.
    let site = empty_content_dir();
    write_posts(site.path(), &PUBLISHED);
    write_posts(site.path(), &HIDDEN);
    let app = spawn_app_with(settings(site.path()));

    for q in ["velocty", "velocty "] {
        // Act
        let body = app.get_ok_json(&format!("/api/v1/search?q={}", encode(q)));

        // Assert
        let found: Vec<&str> = body["data"]
            .as_array()
            .unwrap_or_else(|| panic!("no data for {q:?}: {body}"))
            .iter()
            .filter_map(|hit| hit["slug"].as_str())
            .collect();
        assert_eq!(found, ["boat-building"], "q={q:?}: {body}");
    }
}

/// Search answers of `app` once they equal `twin`'s, within [`PATIENCE`].
fn wait_until_same_answers(app: &TestApp, twin: &TestApp, what: &str) {
    wait_for_within(what, PATIENCE, || {
        scored_paths()
            .iter()
            .all(|path| answer(app, path) == answer(twin, path))
            .then_some(())
    });
    for path in scored_paths() {
        assert_eq!(
            answer(app, &path),
            answer(twin, &path),
            "{what}: GET {path}"
        );
    }
}

fn timed_post(title: &str, date: Timestamp, expires: Option<Timestamp>, body: &str) -> String {
    let expires = expires.map_or(String::new(), |at| format!("expires: {at}\n"));
    format!("---\ntitle: {title}\ndate: {date}\n{expires}tags: [water]\n---\n{body}\n")
}

fn slugs_found(app: &TestApp, q: &str) -> Vec<String> {
    let body = app.get_ok_json(&format!("/api/v1/search?q={}", encode(q)));
    crate::helpers::slugs(&body)
}

#[test]
fn a_scheduled_post_becomes_searchable_at_its_go_live_and_an_expiring_one_leaves_with_no_file_change()
 {
    // Arrange: one post goes live in an hour, another expires in two; twins hold what the
    // public reads before, between and after.
    let live_at = now() + SignedDuration::from_hours(1);
    let expires_at = now() + SignedDuration::from_hours(2);
    let soon = (
        "zeppelin-day.md",
        timed_post(
            "Zeppelin day",
            live_at,
            None,
            "A zeppelin over the river and the mill, cedar gondola.",
        ),
    );
    let fading = (
        "dirigible-sale.md",
        timed_post(
            "Dirigible sale",
            "2025-02-01T00:00:00Z".parse().expect("an instant"),
            Some(expires_at),
            "A dirigible for sale by the river; cedar frame, mill price.",
        ),
    );
    let site_with = |extra: &[&(&str, String)]| {
        let dir = empty_content_dir();
        write_posts(dir.path(), &PUBLISHED);
        for (file, text) in extra {
            write_file(dir.path(), file, text);
        }
        dir
    };
    let site = site_with(&[&soon, &fading]);
    let clock = Arc::new(ManualClock::new(now()));
    let app = spawn_app_with_clock(settings(site.path()), clock.clone());
    // Each twin is started at the same instant without the posts the public cannot read then.
    let twin_at =
        |dir: &Path, at: Timestamp| spawn_app_with_clock(settings(dir), Arc::new(FixedClock(at)));
    let before = site_with(&[&fading]);
    let between = site_with(&[&soon, &fading]);
    let after = site_with(&[&soon]);

    // Act and assert: before the go-live, the scheduled post moves nothing.
    let twin = twin_at(before.path(), now());
    wait_until_same_answers(&app, &twin, "before the go-live");
    assert!(slugs_found(&app, "zeppelin").is_empty());
    assert_eq!(slugs_found(&app, "dirigible"), ["dirigible-sale"]);

    clock.set(live_at + SignedDuration::from_secs(1));
    wait_for_within("the post gone live to be found", PATIENCE, || {
        (slugs_found(&app, "zeppelin") == ["zeppelin-day"]).then_some(())
    });
    let twin = twin_at(between.path(), clock.now());
    wait_until_same_answers(&app, &twin, "after the go-live");

    clock.set(expires_at + SignedDuration::from_secs(1));
    wait_for_within("the expired post to be gone", PATIENCE, || {
        slugs_found(&app, "dirigible").is_empty().then_some(())
    });
    let twin = twin_at(after.path(), clock.now());
    wait_until_same_answers(&app, &twin, "after the expiry");
}
