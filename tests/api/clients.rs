//! Clients that could flood Quire: event streams are capped (503 with `Retry-After` past the
//! cap, the slot freed when a stream closes) and end at once when the server stops; a slow
//! webhook receiver is told what it missed; the access log is quiet unless asked for.

use std::io::Write;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use quire::settings::ServeSettings;

use crate::helpers::{
    EventStream, TestApp, assert_problem, empty_content_dir, read_until, simple_post,
    slow_webhook_receiver, spawn_app_with, wait_for, write_file,
};

/// An app over an empty folder that allows `streams` event streams at once.
fn app_with_stream_cap(streams: usize) -> (TestApp, tempfile::TempDir) {
    let dir = empty_content_dir();
    let mut settings = ServeSettings::for_content(dir.path());
    settings.max_event_streams = streams;
    (spawn_app_with(settings), dir)
}

#[test]
fn a_stream_past_the_cap_gets_503_problem_json_with_retry_after_while_healthz_answers() {
    // Arrange
    let (app, _dir) = app_with_stream_cap(2);
    let _first = EventStream::open(&app);
    let _second = EventStream::open(&app);

    // Act
    let refused = app.get("/api/v1/events");
    let health = app.get("/healthz");

    // Assert
    let body = assert_problem(&refused, 503, "a third stream");
    assert_eq!(refused.header("retry-after"), Some("30"));
    let detail = body["detail"].as_str().unwrap_or_default();
    assert!(
        detail.contains("2 event streams") && detail.contains("--max-event-streams"),
        "the problem names the limit: {detail}"
    );
    assert_eq!(health.status, 200, "{}", health.body);
}

#[test]
fn closing_a_stream_frees_its_slot_for_the_next_client() {
    let (app, _dir) = app_with_stream_cap(1);
    let first = EventStream::open(&app);
    assert_eq!(stream_status(&app), "503", "the one slot is taken");

    drop(first);

    // The server notices the closed connection by itself; the next client gets the slot.
    wait_for("the closed stream's slot to be freed", || {
        (stream_status(&app) == "200").then_some(())
    });
}

/// The status a new `/api/v1/events` request is answered with, read from the response head
/// alone (a stream's body never ends); the connection is closed after.
fn stream_status(app: &TestApp) -> String {
    let mut stream = TcpStream::connect(app.host()).expect("the server accepts connections");
    write!(
        stream,
        "GET /api/v1/events HTTP/1.1\r\nHost: {}\r\n\r\n",
        app.host()
    )
    .expect("the request can be sent");
    let mut head = String::new();
    read_until(&mut stream, &mut head, "\r\n\r\n");
    head.split(' ').nth(1).unwrap_or_default().to_owned()
}

#[test]
fn a_graceful_stop_ends_open_streams_cleanly_in_well_under_the_shutdown_timeout() {
    // Arrange: open streams are responses that never finish on their own.
    let (app, _dir) = app_with_stream_cap(8);
    let mut streams: Vec<EventStream> = (0..3).map(|_| EventStream::open(&app)).collect();

    // Act
    let started = Instant::now();
    app.stop_gracefully();
    let took = started.elapsed();

    // Assert: well under the 10 s a graceful stop waits for responses under way.
    assert!(took < Duration::from_secs(5), "the stop took {took:?}");
    for stream in &mut streams {
        stream.wait_for_end();
        assert!(
            stream.seen.contains(": the server is stopping"),
            "the stream says why it ends: {}",
            stream.seen
        );
        assert!(
            stream.seen.ends_with("0\r\n\r\n"),
            "the chunked body ends properly, it is not cut: {:?}",
            stream.seen
        );
    }
}

#[test]
fn a_slow_webhook_receiver_gets_every_created_post_and_is_told_what_was_merged() {
    // Arrange: a receiver that takes 300 ms per delivery, and reloads every few dozen ms.
    let dir = empty_content_dir();
    let (url, deliveries) = slow_webhook_receiver(Duration::from_millis(300));
    let mut settings = ServeSettings::for_content(dir.path());
    settings.webhook_url = Some(url);
    let app = spawn_app_with(settings);

    // Act: more reloads than the report channel holds (64) arrive while the receiver lags.
    let slugs: Vec<String> = (0..90).map(|n| format!("post-{n:02}")).collect();
    for slug in &slugs {
        write_file(
            dir.path(),
            &format!("{slug}.md"),
            simple_post(slug, "2025-01-01", "Text."),
        );
        wait_for("the post to be served", || {
            (app.get(&format!("/api/v1/posts/{slug}")).status == 200).then_some(())
        });
    }
    let last = app.get_ok_json("/api/v1/meta")["generation"]
        .as_u64()
        .expect("a generation");
    let mut received = Vec::new();
    while received
        .last()
        .is_none_or(|body: &serde_json::Value| body["generation"] != last)
    {
        let delivery = deliveries
            .recv_timeout(Duration::from_secs(10))
            .unwrap_or_else(|_| panic!("no delivery of generation {last}: {received:#?}"));
        received.push(delivery.json());
    }

    // Assert: every post is named, nothing is said to be missed, and the merged deliveries
    // say which generations they stand for.
    let mut created: Vec<String> = received
        .iter()
        .flat_map(|body| body["created"].as_array().cloned().unwrap_or_default())
        .map(|slug| slug.as_str().unwrap_or_default().to_owned())
        .collect();
    created.sort();
    assert_eq!(created, slugs, "every created post is in some delivery");
    assert!(
        received.iter().all(|body| body["missed"].is_null()),
        "nothing was dropped: {received:#?}"
    );
    let merged: Vec<&serde_json::Value> = received
        .iter()
        .filter(|body| !body["coalesced"].is_null())
        .collect();
    assert!(!merged.is_empty(), "a slow receiver gets merged deliveries");
    for body in merged {
        let (from, to) = (&body["coalesced"]["from"], &body["coalesced"]["to"]);
        assert_eq!(to, &body["generation"], "{body}");
        assert!(from.as_u64() < to.as_u64(), "{body}");
    }
}
