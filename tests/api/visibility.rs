//! Nothing unpublished is named in public: the event stream and the webhook announce only
//! what anyone can read (and announce scheduled posts when they go live), problems name only
//! published files without the preview token, and saving a hidden post moves no public
//! validator.

use std::sync::Arc;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use jiff::SignedDuration;
use quire::clock::ManualClock;
use quire::settings::ServeSettings;
use serde_json::Value;

use crate::helpers::{
    Delivery, EDITOR_TOKEN, EventStream, TestApp, empty_content_dir, now, simple_post,
    spawn_app_with, spawn_app_with_clock, spawn_editor_app, wait_for, webhook_receiver, write_file,
};

/// A post that is not public, in each way a post can be hidden at [`crate::helpers::NOW`].
pub const HIDDEN_POSTS: [(&str, &str); 4] = [
    (
        "hidden-draft.md",
        "---\ntitle: Zephyr draft\ndate: 2025-01-01\ndraft: true\ntags: [zephyrtag]\n---\nZephyr body.\n",
    ),
    (
        "hidden-unpublished.md",
        "---\ntitle: Zephyr unpublished\ndate: 2025-01-01\npublished: false\n---\nZephyr body.\n",
    ),
    (
        "hidden-scheduled.md",
        "---\ntitle: Zephyr scheduled\ndate: 2099-01-01\ncategory: Zephyrcat\n---\nZephyr body.\n",
    ),
    (
        "hidden-expired.md",
        "---\ntitle: Zephyr expired\ndate: 2025-01-01\nexpires: 2025-06-01\nauthor: Zephyr Writer\n---\nZephyr body.\n",
    ),
];

fn next_delivery(deliveries: &mpsc::Receiver<Delivery>, what: &str) -> Value {
    deliveries
        .recv_timeout(Duration::from_secs(10))
        .unwrap_or_else(|_| panic!("no webhook delivery for {what}"))
        .json()
}

fn assert_names_nothing_hidden(text: &str, what: &str) {
    for hidden in ["zephyr", "hidden-"] {
        assert!(
            !text.to_lowercase().contains(hidden),
            "{what} names a hidden post ({hidden}): {text}"
        );
    }
}

#[test]
fn reloads_that_touch_only_hidden_posts_are_announced_to_no_one() {
    // Arrange
    let dir = empty_content_dir();
    write_file(
        dir.path(),
        "kept.md",
        simple_post("Kept", "2025-01-01", "K."),
    );
    let (url, deliveries) = webhook_receiver(0);
    let mut settings = ServeSettings::for_content(dir.path());
    settings.webhook_url = Some(url);
    settings.preview_token = Some(EDITOR_TOKEN.to_owned().into());
    let app = spawn_app_with(settings);
    let mut events = EventStream::open(&app);

    // Act: hidden posts arrive (the editor sees them, so the reload happened), then a public one.
    for (path, text) in HIDDEN_POSTS {
        write_file(dir.path(), path, text);
    }
    let auth = format!("Bearer {EDITOR_TOKEN}");
    wait_for("the hidden posts to be loaded", || {
        [
            "hidden-draft",
            "hidden-unpublished",
            "hidden-scheduled",
            "hidden-expired",
        ]
        .iter()
        .all(|slug| {
            let path = format!("/api/v1/posts/{slug}");
            app.get_text_with(&path, &[("Authorization", &auth)]).status == 200
        })
        .then_some(())
    });
    write_file(
        dir.path(),
        "fresh.md",
        simple_post("Fresh", "2025-01-02", "F."),
    );
    events.wait_for("\"created\":[\"fresh\"]");

    // Assert: the public post is the first and only news, one public generation on.
    assert_names_nothing_hidden(&events.seen, "the event stream");
    let reports = events.reports();
    assert_eq!(reports.len(), 1, "{}", events.seen);
    assert_eq!(
        reports[0]["generation"], 2,
        "hidden reloads are not counted"
    );
    let delivery = next_delivery(&deliveries, "the fresh post");
    assert_eq!(delivery["created"], serde_json::json!(["fresh"]));
    assert_names_nothing_hidden(&delivery.to_string(), "the webhook");
    assert!(deliveries.recv_timeout(Duration::from_millis(300)).is_err());
    assert_eq!(app.get_ok_json("/api/v1/meta")["generation"], 2);

    // Making a public post a draft deletes it for the public, and names nothing else. (A
    // second after its creation: the polling watcher, used when inotify runs out, sees
    // whole-second modification times only.)
    thread::sleep(Duration::from_millis(1100));
    write_file(
        dir.path(),
        "fresh.md",
        "---\ntitle: Fresh\ndate: 2025-01-02\ndraft: true\n---\nF.\n",
    );
    events.wait_for("\"deleted\":[\"fresh\"]");
    let delivery = next_delivery(&deliveries, "the post made a draft");
    assert_eq!(delivery["deleted"], serde_json::json!(["fresh"]));
    assert_eq!(delivery["created"], serde_json::json!([]));
}

#[test]
fn a_scheduled_post_going_live_and_a_post_expiring_are_announced_when_it_happens() {
    // Arrange
    let dir = empty_content_dir();
    let live_at = now() + SignedDuration::from_hours(1);
    let expires_at = now() + SignedDuration::from_hours(2);
    write_file(
        dir.path(),
        "soon.md",
        format!("---\ntitle: Soon\ndate: {live_at}\n---\nS.\n"),
    );
    write_file(
        dir.path(),
        "fading.md",
        format!("---\ntitle: Fading\ndate: 2025-01-01\nexpires: {expires_at}\n---\nF.\n"),
    );
    let clock = Arc::new(ManualClock::new(now()));
    let (url, deliveries) = webhook_receiver(0);
    let mut settings = ServeSettings::for_content(dir.path());
    settings.webhook_url = Some(url);
    let app = spawn_app_with_clock(settings, clock.clone());
    let mut events = EventStream::open(&app);
    thread::sleep(Duration::from_millis(100));
    assert!(events.reports().is_empty(), "{}", events.seen);

    // Act and assert: each change is announced when the clock passes it, with no reload.
    clock.set(live_at + SignedDuration::from_secs(1));
    events.wait_for("\"created\":[\"soon\"]");
    let delivery = next_delivery(&deliveries, "the post going live");
    assert_eq!(delivery["created"], serde_json::json!(["soon"]));
    assert_eq!(delivery["deleted"], serde_json::json!([]));

    clock.set(expires_at + SignedDuration::from_secs(1));
    events.wait_for("\"deleted\":[\"fading\"]");
    let delivery = next_delivery(&deliveries, "the post expiring");
    assert_eq!(delivery["deleted"], serde_json::json!(["fading"]));
    assert_eq!(delivery["created"], serde_json::json!([]));
    assert_eq!(events.reports().len(), 2, "{}", events.seen);
}

#[test]
fn problems_name_only_published_files_unless_the_editor_token_is_sent() {
    // Arrange: a repaired published post, a repaired draft and a file that does not parse.
    let dir = empty_content_dir();
    let garbled = "Scrum is valuable\u{e2}\u{20ac}\u{201d}they say.";
    write_file(
        dir.path(),
        "public-repaired.md",
        simple_post("Public", "2025-01-01", garbled),
    );
    write_file(
        dir.path(),
        "hidden-draft-repaired.md",
        format!("---\ntitle: Zephyr\ndate: 2025-01-01\ndraft: true\n---\n{garbled}\n"),
    );
    write_file(dir.path(), "hidden-broken.md", "---\ntitle: [zephyr\n---\n");
    let app = spawn_editor_app(dir.path());

    // Act
    let public = app.get_ok_json("/api/v1/problems");
    let editor = app.all_problems();

    // Assert
    let paths = |body: &Value| -> Vec<String> {
        let mut paths: Vec<String> = body["data"]
            .as_array()
            .expect("`data` is a list")
            .iter()
            .map(|problem| problem["path"].as_str().expect("a path").to_owned())
            .collect();
        paths.sort();
        paths
    };
    assert_eq!(paths(&public), ["public-repaired.md"], "{public}");
    assert_eq!(
        paths(&editor),
        [
            "hidden-broken.md",
            "hidden-draft-repaired.md",
            "public-repaired.md"
        ],
        "{editor}"
    );
    let metrics = app.get("/metrics").body;
    assert!(
        metrics.contains("quire_content_problems{severity=\"error\"} 0"),
        "{metrics}"
    );
}

#[test]
fn saving_hidden_posts_moves_no_public_etag_or_last_modified() {
    // Arrange: one published post with an old modification time, and the hidden kinds.
    let dir = empty_content_dir();
    write_file(
        dir.path(),
        "kept.md",
        "---\ntitle: Kept\ndate: 2025-01-01\ntags: [shared]\ncategory: Shared\n---\nK.\n",
    );
    let old = std::time::SystemTime::UNIX_EPOCH + Duration::from_secs(1_735_000_000);
    std::fs::File::options()
        .write(true)
        .open(dir.path().join("kept.md"))
        .and_then(|file| file.set_modified(old))
        .expect("the mtime can be set");
    for (path, text) in HIDDEN_POSTS {
        write_file(dir.path(), path, text);
    }
    let app = spawn_editor_app(dir.path());
    let paths = [
        "/api/v1/posts",
        "/api/v1/tags",
        "/api/v1/tags/shared",
        "/api/v1/categories",
        "/api/v1/authors",
        "/api/v1/archive",
        "/api/v1/meta",
        "/feed.xml",
        "/atom.xml",
        "/feed.json",
        "/tags/shared/feed.xml",
        "/sitemap.xml",
    ];
    let validators = |app: &TestApp| -> Vec<String> {
        paths
            .iter()
            .map(|path| {
                let response = app.get(path);
                format!(
                    "{path} {:?} {:?}",
                    response.header("etag"),
                    response.header("last-modified")
                )
            })
            .collect()
    };
    let before = validators(&app);

    // Act: every hidden post is saved (a second later, for whole-second times).
    thread::sleep(Duration::from_millis(1100));
    for (path, text) in HIDDEN_POSTS {
        write_file(
            dir.path(),
            path,
            text.replace("Zephyr body", "Zephyr body, saved"),
        );
    }
    let auth = format!("Bearer {EDITOR_TOKEN}");
    wait_for("the editor to see the saved draft", || {
        app.get_text_with(
            "/api/v1/posts/hidden-draft/markdown",
            &[("Authorization", &auth)],
        )
        .body
        .contains("saved")
        .then_some(())
    });

    // Assert
    assert_eq!(validators(&app), before);
    for response in [app.get("/api/v1/meta"), app.get("/readyz")] {
        assert_eq!(response.json()["generation"], 1, "{}", response.body);
    }
    assert_eq!(app.get_ok_json("/readyz")["posts"], 1);
}
