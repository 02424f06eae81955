//! The content folder replaced while Quire serves it, as deploy scripts and `git checkout` do:
//! the new folder is served and followed, and `/readyz` says whether the watcher is live.

use std::path::{Path, PathBuf};

use quire::settings::ServeSettings;
use tempfile::TempDir;

use crate::helpers::{
    TestApp, simple_post, spawn_app, spawn_app_with, title_of, wait_for, wait_for_gone,
    wait_for_title, write_file,
};

/// A temporary folder holding `content/` (with the given posts) and room for its siblings.
fn content_in_a_parent(posts: &[(&str, &str)]) -> (TempDir, PathBuf) {
    let parent = TempDir::new().expect("a temporary folder can be made");
    let content = parent.path().join("content");
    std::fs::create_dir(&content).expect("the content folder can be made");
    write_posts(&content, posts);
    (parent, content)
}

/// Writes each `(slug, title)` as `slug.md`.
fn write_posts(dir: &Path, posts: &[(&str, &str)]) {
    for (slug, title) in posts {
        write_file(
            dir,
            &format!("{slug}.md"),
            simple_post(title, "2025-01-01", "Body."),
        );
    }
}

/// `/readyz`'s `watching` field.
fn watching(app: &TestApp) -> String {
    let body = app.get_ok_json("/readyz");
    body["watching"]
        .as_str()
        .unwrap_or_else(|| panic!("/readyz has no `watching` field: {body}"))
        .to_owned()
}

/// The state `/metrics` gives 1 in `quire_content_watching`, checking that the others are 0.
fn watching_metric(app: &TestApp) -> String {
    let response = app.get("/metrics");
    assert_eq!(response.status, 200, "{}", response.body);
    let mut on = Vec::new();
    let mut states = 0;
    for line in response.body.lines() {
        let Some(rest) = line.strip_prefix("quire_content_watching{state=\"") else {
            continue;
        };
        let (state, value) = rest
            .split_once("\"} ")
            .unwrap_or_else(|| panic!("a malformed sample: {line}"));
        states += 1;
        match value {
            "1" => on.push(state.to_owned()),
            "0" => {}
            other => panic!("a state is 0 or 1, not {other}: {line}"),
        }
    }
    assert_eq!(states, 4, "a series per state: {}", response.body);
    assert_eq!(on.len(), 1, "one state at a time: {on:?}");
    on.remove(0)
}

fn wait_for_watching(app: &TestApp, state: &str) {
    wait_for(&format!("/readyz to say `watching: {state}`"), || {
        (watching(app) == state).then_some(())
    });
}

fn rename(from: &Path, to: &Path) {
    std::fs::rename(from, to).unwrap_or_else(|err| {
        panic!(
            "cannot rename {} to {}: {err}",
            from.display(),
            to.display()
        )
    });
}

/// Edits a post of the folder now at `content` and waits for the edit: the proof that the
/// new folder is watched, not only listed once.
fn assert_followed(app: &TestApp, content: &Path, slug: &str) {
    let title = format!("{slug} edited in the new folder");
    write_posts(content, &[(slug, &title)]);
    wait_for_title(app, slug, &title);
}

#[test]
fn a_new_folder_renamed_into_place_after_the_old_one_is_moved_away_is_served_and_followed() {
    let (parent, content) = content_in_a_parent(&[("kept", "Kept, old"), ("dropped", "Dropped")]);
    let app = spawn_app(&content);
    let next = parent.path().join("next");
    std::fs::create_dir(&next).unwrap();
    write_posts(&next, &[("kept", "Kept, new"), ("added", "Added")]);

    // `mv content old && mv next content`.
    rename(&content, &parent.path().join("old"));
    rename(&next, &content);

    wait_for_title(&app, "added", "Added");
    wait_for_title(&app, "kept", "Kept, new");
    wait_for_gone(&app, "dropped");
    assert_followed(&app, &content, "added");
}

#[test]
fn a_new_folder_renamed_over_the_deleted_content_folder_is_served_and_followed() {
    let (parent, content) = content_in_a_parent(&[("old", "Old")]);
    let app = spawn_app(&content);
    let next = parent.path().join("next");
    std::fs::create_dir(&next).unwrap();
    write_posts(&next, &[("new", "New")]);

    std::fs::remove_dir_all(&content).unwrap();
    rename(&next, &content);

    wait_for_title(&app, "new", "New");
    wait_for_gone(&app, "old");
    assert_followed(&app, &content, "new");
}

#[test]
fn a_content_folder_deleted_and_made_again_is_served_and_followed() {
    let (_parent, content) = content_in_a_parent(&[("old", "Old")]);
    let app = spawn_app(&content);

    // `rm -rf content && mkdir content`, then a post written, as a checkout does.
    std::fs::remove_dir_all(&content).unwrap();
    std::fs::create_dir(&content).unwrap();
    write_posts(&content, &[("new", "New")]);

    wait_for_title(&app, "new", "New");
    wait_for_gone(&app, "old");
    assert_followed(&app, &content, "new");
}

#[cfg(unix)]
#[test]
fn a_link_to_the_content_pointed_at_another_release_is_served_and_followed() {
    let parent = TempDir::new().unwrap();
    let releases = parent.path().join("releases");
    write_posts(&releases.join("1"), &[("first", "First release")]);
    let current = parent.path().join("current");
    std::os::unix::fs::symlink(releases.join("1"), &current).unwrap();
    let app = spawn_app(&current);
    write_posts(&releases.join("2"), &[("second", "Second release")]);

    // `ln -sfn releases/2 current`, made atomic as deploy tools do: a new link renamed over.
    let swap = parent.path().join("current.new");
    std::os::unix::fs::symlink(releases.join("2"), &swap).unwrap();
    rename(&swap, &current);

    wait_for_title(&app, "second", "Second release");
    wait_for_gone(&app, "first");
    assert_followed(&app, &releases.join("2"), "second");
}

#[test]
fn readyz_and_metrics_say_the_watcher_is_live_and_off_with_no_watch() {
    let (_parent, content) = content_in_a_parent(&[("post", "Post")]);
    let live = spawn_app(&content);
    let settings = ServeSettings {
        no_watch: true,
        ..ServeSettings::for_content(&content)
    };
    let off = spawn_app_with(settings);

    assert_eq!(watching(&live), "live");
    assert_eq!(watching(&off), "off");
    assert_eq!(watching_metric(&live), "live");
    assert_eq!(watching_metric(&off), "off");
}

#[test]
fn while_the_content_folder_is_gone_its_posts_are_served_and_readyz_and_metrics_say_lost_until_it_is_back()
 {
    let (parent, content) = content_in_a_parent(&[("post", "Post")]);
    let app = spawn_app(&content);
    assert_eq!(watching(&app), "live");

    rename(&content, &parent.path().join("away"));

    wait_for_watching(&app, "lost");
    let ready = app.get("/readyz");
    assert_eq!(ready.status, 200, "the content loaded is still served");
    assert_eq!(title_of(&app, "post").as_deref(), Some("Post"));
    assert_eq!(watching_metric(&app), "lost");

    std::fs::create_dir(&content).unwrap();
    write_posts(&content, &[("back", "Back")]);

    wait_for_watching(&app, "live");
    wait_for_title(&app, "back", "Back");
    wait_for_gone(&app, "post");
    assert_followed(&app, &content, "back");
}

#[test]
fn a_replaced_folder_is_read_whole_even_where_a_file_keeps_its_size_and_modification_time() {
    let (parent, content) = content_in_a_parent(&[]);
    write_file(
        &content,
        "post.md",
        simple_post("Title A", "2025-01-01", "Body."),
    );
    let app = spawn_app(&content);
    wait_for_title(&app, "post", "Title A");

    // A release unpacked from an archive: the same file name, size and modification time as
    // the old folder's file, other text.
    let next = parent.path().join("next");
    std::fs::create_dir(&next).unwrap();
    write_file(
        &next,
        "post.md",
        simple_post("Title B", "2025-01-01", "Body."),
    );
    write_file(
        &next,
        "added.md",
        simple_post("Added", "2025-01-01", "Body."),
    );
    let old = std::fs::metadata(content.join("post.md")).unwrap();
    let new = std::fs::metadata(next.join("post.md")).unwrap();
    assert_eq!(old.len(), new.len(), "the two files have the same size");
    std::fs::File::options()
        .write(true)
        .open(next.join("post.md"))
        .unwrap()
        .set_modified(old.modified().unwrap())
        .unwrap();

    rename(&content, &parent.path().join("old"));
    rename(&next, &content);

    wait_for_title(&app, "added", "Added");
    assert_eq!(title_of(&app, "post").as_deref(), Some("Title B"));
}
