//! Hot reload: files written, edited, broken, fixed, renamed and deleted in a temporary content
//! folder show in the API within a bounded wait, with no failed request on the way.

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

use quire::settings::ServeSettings;
use serde_json::Value;

use crate::helpers::{
    EventStream, TestApp, empty_content_dir, simple_post, spawn_app, spawn_app_with,
    spawn_editor_app, title_of, wait_for, wait_for_gone, wait_for_title, write_file,
};

/// The problems `/api/v1/problems` lists for `path`.
fn problems_of(app: &TestApp, path: &str) -> Vec<Value> {
    let body = app.all_problems();
    body["data"]
        .as_array()
        .expect("problems are a list")
        .iter()
        .filter(|problem| problem["path"] == path)
        .cloned()
        .collect()
}

fn rename(dir: &Path, from: &str, to: &str) {
    std::fs::rename(dir.join(from), dir.join(to))
        .unwrap_or_else(|err| panic!("cannot rename {from} to {to}: {err}"));
}

#[test]
fn a_new_file_is_served_and_meta_counts_the_reload() {
    let dir = empty_content_dir();
    write_file(
        dir.path(),
        "first.md",
        simple_post("First", "2025-01-01", "One."),
    );
    let app = spawn_app(dir.path());
    let meta = app.get_ok_json("/api/v1/meta");
    assert_eq!(meta["generation"], 1);
    assert_eq!(meta["lastReload"], Value::Null);

    write_file(
        dir.path(),
        "second.md",
        simple_post("Second", "2025-01-02", "Two."),
    );

    wait_for_title(&app, "second", "Second");
    let meta = app.get_ok_json("/api/v1/meta");
    assert!(meta["generation"].as_u64().unwrap() >= 2, "{meta}");
    assert_eq!(meta["counts"]["posts"], 2);
    assert_eq!(
        meta["lastReload"]["filesParsed"], 1,
        "only the new file is parsed: {meta}"
    );
    assert!(meta["lastReload"]["tookMs"].as_f64().is_some(), "{meta}");
    assert!(meta["lastChangedAt"].is_string(), "{meta}");
}

#[test]
fn an_edited_file_is_served_in_its_new_version() {
    let dir = empty_content_dir();
    write_file(
        dir.path(),
        "post.md",
        simple_post("Before", "2025-01-01", "Old."),
    );
    let app = spawn_app(dir.path());

    write_file(
        dir.path(),
        "post.md",
        simple_post("After", "2025-01-01", "New."),
    );

    wait_for_title(&app, "post", "After");
}

#[test]
fn a_broken_file_keeps_its_last_good_version_and_is_a_problem_until_fixed() {
    let dir = empty_content_dir();
    write_file(
        dir.path(),
        "post.md",
        simple_post("Good", "2025-01-01", "Body."),
    );
    let app = spawn_app(dir.path());
    let cases = [
        ("half-written", "---\ntitle: \"Half", 1),
        (
            "broken YAML",
            "---\ntitle: Broken\ndate: 2025-01-01\ntags: [a, b\n---\nBody.\n",
            5,
        ),
    ];
    for (what, text, line) in cases {
        write_file(dir.path(), "post.md", text);

        // A write may be seen half done first (an empty file is a problem on line 1 too), so
        // wait for the problem of the finished write.
        let problem = wait_for(
            &format!("a line {line} problem for the {what} file"),
            || {
                problems_of(&app, "post.md")
                    .into_iter()
                    .find(|problem| problem["line"] == line)
            },
        );
        assert_eq!(problem["severity"], "error", "{what}");
        assert!(
            problem["message"]
                .as_str()
                .unwrap()
                .contains("last good version"),
            "{what}: {problem}"
        );
        assert_eq!(title_of(&app, "post").as_deref(), Some("Good"), "{what}");

        write_file(
            dir.path(),
            "post.md",
            simple_post("Good", "2025-01-01", "Body."),
        );
        wait_for(&format!("the {what} problem to clear"), || {
            problems_of(&app, "post.md").is_empty().then_some(())
        });
    }
}

#[test]
fn a_file_that_never_parsed_is_a_problem_and_not_a_post() {
    let dir = empty_content_dir();
    let app = spawn_editor_app(dir.path());

    write_file(dir.path(), "bad.md", "---\ntitle: No date\n---\n");

    let problem = wait_for("a problem for bad.md", || {
        problems_of(&app, "bad.md").into_iter().next()
    });
    assert!(
        problem["message"]
            .as_str()
            .unwrap()
            .contains("missing date")
    );
    assert_eq!(title_of(&app, "bad"), None);
}

#[test]
fn renamed_files_and_folders_move_their_posts_and_deleted_files_remove_them() {
    let dir = empty_content_dir();
    write_file(
        dir.path(),
        "old-name.md",
        simple_post("Moving", "2025-01-01", "M."),
    );
    write_file(
        dir.path(),
        "bundle-one/index.md",
        simple_post("Bundle", "2025-01-02", "B."),
    );
    write_file(
        dir.path(),
        "doomed.md",
        simple_post("Doomed", "2025-01-03", "D."),
    );
    let app = spawn_app(dir.path());

    rename(dir.path(), "old-name.md", "new-name.md");
    wait_for_title(&app, "new-name", "Moving");
    assert_eq!(title_of(&app, "old-name"), None);

    rename(dir.path(), "bundle-one", "bundle-two");
    wait_for_title(&app, "bundle-two", "Bundle");
    assert_eq!(title_of(&app, "bundle-one"), None);

    std::fs::remove_file(dir.path().join("doomed.md")).expect("the file can be deleted");
    wait_for_gone(&app, "doomed");

    std::fs::remove_dir_all(dir.path().join("bundle-two")).expect("the folder can be deleted");
    wait_for_gone(&app, "bundle-two");
    assert_eq!(app.post_slugs("/api/v1/posts"), ["new-name"]);
}

#[test]
fn an_editors_save_through_a_temporary_file_works_and_swap_files_are_ignored() {
    let dir = empty_content_dir();
    write_file(
        dir.path(),
        "post.md",
        simple_post("Draft one", "2025-01-01", "A."),
    );
    let app = spawn_app(dir.path());

    for junk in [
        ".post.md.swp",
        "post.md~",
        ".#post.md",
        "4913",
        "post.md.tmp",
    ] {
        write_file(dir.path(), junk, "half a post, not one");
    }
    rename(dir.path(), "post.md.tmp", "post.md.tmp2");
    write_file(
        dir.path(),
        "post.md.tmp",
        simple_post("Draft two", "2025-01-01", "B."),
    );
    rename(dir.path(), "post.md.tmp", "post.md");

    wait_for_title(&app, "post", "Draft two");
    assert_eq!(app.post_slugs("/api/v1/posts"), ["post"]);
    let problems = app.get_ok_json("/api/v1/problems");
    assert_eq!(
        problems["data"],
        serde_json::json!([]),
        "swap files are not content"
    );
}

#[test]
fn no_request_fails_while_files_change_many_times() {
    let dir = empty_content_dir();
    for index in 0..20 {
        write_file(
            dir.path(),
            &format!("steady-{index}.md"),
            simple_post(&format!("Steady {index}"), "2025-01-01", "Stays."),
        );
    }
    write_file(
        dir.path(),
        "hot.md",
        simple_post("Hot 0", "2025-02-01", "Zero."),
    );
    let app = spawn_app(dir.path());
    let done = AtomicBool::new(false);
    let answered = AtomicUsize::new(0);

    let checked = thread::scope(|scope| {
        let clients: Vec<_> = (0..3)
            .map(|client| {
                let (app, done, answered) = (&app, &done, &answered);
                scope.spawn(move || {
                    let paths = ["/api/v1/posts?limit=50", "/api/v1/posts/hot"];
                    let mut checked = 0;
                    // Bounded: stops when the writer is done, or after 20,000 requests.
                    while !done.load(Ordering::SeqCst) && checked < 20_000 {
                        let path = paths[(checked + client) % 2];
                        let response = app.get(path);
                        assert_eq!(response.status, 200, "GET {path}: {}", response.body);
                        let body = response.json();
                        if path.ends_with("hot") {
                            assert!(body["title"].as_str().unwrap().starts_with("Hot"), "{body}");
                        } else {
                            assert_eq!(body["data"].as_array().unwrap().len(), 21, "{body}");
                        }
                        checked += 1;
                        answered.fetch_add(1, Ordering::SeqCst);
                    }
                    checked
                })
            })
            .collect();
        for round in 1..=50 {
            let text = simple_post(
                &format!("Hot {round}"),
                "2025-02-01",
                &"word ".repeat(round),
            );
            if round % 2 == 0 {
                write_file(dir.path(), "hot.md", text);
            } else {
                write_file(dir.path(), "hot.md.tmp", text);
                rename(dir.path(), "hot.md.tmp", "hot.md");
            }
            // Let the clients make a few requests against each version, however busy the
            // machine is.
            let target = answered.load(Ordering::SeqCst) + 6;
            wait_for("the clients to keep requesting", || {
                (answered.load(Ordering::SeqCst) >= target).then_some(())
            });
        }
        wait_for_title(&app, "hot", "Hot 50");
        done.store(true, Ordering::SeqCst);
        clients
            .into_iter()
            .map(|client| {
                client
                    .join()
                    .expect("a client thread saw only good answers")
            })
            .sum::<usize>()
    });
    assert!(checked >= 300, "the clients made {checked} requests");
    assert!(
        app.get_ok_json("/api/v1/meta")["generation"]
            .as_u64()
            .unwrap()
            > 2
    );
}

#[test]
fn the_event_stream_names_the_slugs_each_reload_changed() {
    let dir = empty_content_dir();
    write_file(
        dir.path(),
        "kept.md",
        simple_post("Kept", "2025-01-01", "K."),
    );
    let app = spawn_app(dir.path());
    let mut events = EventStream::open(&app);
    let seen = &events.seen;
    assert!(seen.starts_with("HTTP/1.1 200"), "{seen}");
    assert!(
        seen.to_lowercase()
            .contains("content-type: text/event-stream"),
        "{seen}"
    );

    write_file(
        dir.path(),
        "fresh.md",
        simple_post("Fresh", "2025-01-02", "F."),
    );

    events.wait_for("\"created\":[\"fresh\"]");
    let report = events
        .reports()
        .into_iter()
        .next()
        .expect("a reload event with data");
    assert_eq!(report["updated"], serde_json::json!([]));
    assert_eq!(report["deleted"], serde_json::json!([]));
    assert!(report["generation"].as_u64().unwrap() >= 2);
    assert!(report["at"].is_string());
}

#[test]
fn with_no_watch_the_content_stays_as_loaded() {
    let dir = empty_content_dir();
    let mut settings = ServeSettings::for_content(dir.path());
    settings.no_watch = true;
    let app = spawn_app_with(settings);

    write_file(
        dir.path(),
        "late.md",
        simple_post("Late", "2025-01-01", "L."),
    );

    thread::sleep(Duration::from_millis(300));
    assert_eq!(title_of(&app, "late"), None);
    assert_eq!(app.get_ok_json("/api/v1/meta")["generation"], 1);
}

#[test]
fn reading_the_content_folder_does_not_set_off_a_reload() {
    let dir = empty_content_dir();
    write_file(
        dir.path(),
        "post.md",
        simple_post("Post", "2025-01-01", "P."),
    );
    let app = spawn_app(dir.path());
    write_file(
        dir.path(),
        "other.md",
        simple_post("Other", "2025-01-02", "O."),
    );
    wait_for_title(&app, "other", "Other");
    let generation = app.get_ok_json("/api/v1/meta")["generation"].clone();

    for _ in 0..5 {
        std::fs::read_dir(dir.path()).expect("the folder can be listed");
        std::fs::read(dir.path().join("post.md")).expect("the file can be read");
    }

    // A reload (ours, or one set off by reading) would come within the debounce time; wait
    // several times that.
    thread::sleep(Duration::from_millis(300));
    assert_eq!(app.get_ok_json("/api/v1/meta")["generation"], generation);
}
