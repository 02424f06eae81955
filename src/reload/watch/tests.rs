//! Unit tests of `reload::watch`.

use std::path::PathBuf;
use std::time::Instant;

use arc_swap::ArcSwap;
use notify::event::{
    AccessKind, AccessMode, CreateKind, DataChange, ModifyKind, RemoveKind, RenameMode,
};
use notify::{Event, EventKind};
use notify_debouncer_full::DebouncedEvent;

use super::follower::identify;
use super::watcher::{Mode, collect, moves_folder, start, stops_native};
use super::*;
use crate::clock::FixedClock;
use crate::content::LoadOptions;
use crate::reload::Library;
use crate::store::Store;

fn batch(kinds: &[EventKind]) -> DebounceEventResult {
    Ok(kinds
        .iter()
        .map(|kind| DebouncedEvent::new(Event::new(*kind).add_path("a.md".into()), Instant::now()))
        .collect())
}

#[test]
fn reads_are_not_changes_but_a_file_closed_after_writing_is() {
    let reads = [
        EventKind::Access(AccessKind::Open(AccessMode::Read)),
        EventKind::Access(AccessKind::Close(AccessMode::Read)),
        EventKind::Access(AccessKind::Read),
    ];
    let mut paths = Vec::new();
    assert!(!collect(batch(&reads), &mut paths));
    assert!(paths.is_empty());

    for kind in [
        EventKind::Access(AccessKind::Close(AccessMode::Write)),
        EventKind::Create(CreateKind::File),
        EventKind::Modify(ModifyKind::Data(DataChange::Content)),
    ] {
        let mut paths = Vec::new();
        assert!(collect(batch(&[kind]), &mut paths), "{kind:?}");
        assert_eq!(paths, [PathBuf::from("a.md")], "{kind:?}");
    }
}

#[test]
fn the_watch_limit_and_an_unreadable_queue_stop_the_native_watcher_but_a_missing_path_does_not() {
    let limit = notify::Error::new(notify::ErrorKind::MaxFilesWatch);
    let unreadable = notify::Error::io(io::Error::other("read failed"));
    let missing = notify::Error::path_not_found();
    assert!(stops_native(&limit));
    assert!(stops_native(&unreadable));
    assert!(!stops_native(&missing));
}

#[test]
fn the_folder_deleted_or_moved_away_is_told_from_changes_inside_it() {
    let folder = Path::new("/content");
    let event = |kind, path: &str| Event::new(kind).add_path(path.into());
    let removed = EventKind::Remove(RemoveKind::Folder);
    let moved = EventKind::Modify(ModifyKind::Name(RenameMode::From));
    let written = EventKind::Modify(ModifyKind::Data(DataChange::Any));
    assert!(moves_folder(&event(removed, "/content"), folder));
    assert!(moves_folder(&event(moved, "/content"), folder));
    assert!(!moves_folder(&event(written, "/content"), folder));
    assert!(!moves_folder(&event(removed, "/content/a.md"), folder));
    assert!(!moves_folder(&event(moved, "/content/posts"), folder));
}

/// A reloader over the folder at `root`, serving what it holds now.
fn reloader(root: &Path) -> Arc<Reloader> {
    let library = Library::load(root, LoadOptions::default()).unwrap();
    let now = "2026-01-01T00:00:00Z".parse().unwrap();
    let store = Store::build(library.parsed(), now);
    Arc::new(Reloader::new(
        library,
        Arc::new(ArcSwap::from_pointee(store)),
        Arc::new(FixedClock(now)),
    ))
}

fn post(dir: &Path, slug: &str) {
    std::fs::write(
        dir.join(format!("{slug}.md")),
        format!("---\ntitle: {slug}\ndate: 2025-01-01\n---\nBody.\n"),
    )
    .unwrap();
}

/// Waits (bounded) until the store serves exactly `slugs`.
fn wait_for_slugs(reloader: &Reloader, slugs: &[&str]) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let store = reloader.store();
        let mut served: Vec<&str> = store.all_posts().iter().map(|p| p.slug.as_str()).collect();
        served.sort_unstable();
        if served == slugs {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "served {served:?}, not {slugs:?}"
        );
        thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn polling_follows_a_replaced_folder_too_and_dropping_the_watch_turns_it_off() {
    let parent = tempfile::tempdir().unwrap();
    let root = parent.path().join("content");
    std::fs::create_dir(&root).unwrap();
    post(&root, "old");
    let reloader = reloader(&root);
    let watching = follow_folder(Arc::clone(&reloader), &root, false).unwrap();
    assert_eq!(reloader.watch_status(), WatchStatus::Polling);

    std::fs::remove_dir_all(&root).unwrap();
    std::fs::create_dir(&root).unwrap();
    post(&root, "new");
    wait_for_slugs(&reloader, &["new"]);
    assert_eq!(reloader.watch_status(), WatchStatus::Polling);
    post(&root, "later");
    wait_for_slugs(&reloader, &["later", "new"]);

    drop(watching);
    let deadline = Instant::now() + Duration::from_secs(5);
    while reloader.watch_status() != WatchStatus::Off {
        assert!(Instant::now() < deadline, "the watcher thread did not stop");
        thread::sleep(Duration::from_millis(20));
    }
}

/// Polling with links followed would read a folder outside the content through a link
/// (and, through `root -> /`, the whole machine) twice a second.
#[test]
#[cfg(unix)]
fn polling_does_not_look_through_a_link_out_of_the_folder() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.md"), "before").unwrap();
    let parent = tempfile::tempdir().unwrap();
    let root = parent.path().join("content");
    std::fs::create_dir(&root).unwrap();
    std::os::unix::fs::symlink(outside.path(), root.join("out")).unwrap();
    let seen = Arc::new(std::sync::Mutex::new(Vec::<PathBuf>::new()));
    let handler = {
        let seen = Arc::clone(&seen);
        move |batch: DebounceEventResult| {
            let mut paths = Vec::new();
            collect(batch, &mut paths);
            seen.lock().unwrap().extend(paths);
        }
    };
    let started = start(&root, handler, false).unwrap();
    assert_eq!(started.mode, Mode::Polling);

    thread::sleep(POLL_INTERVAL * 2);
    std::fs::write(outside.path().join("secret.md"), "after, and longer").unwrap();
    std::fs::write(root.join("inside.md"), "inside").unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !seen
        .lock()
        .unwrap()
        .iter()
        .any(|path| path.ends_with("inside.md"))
    {
        assert!(
            Instant::now() < deadline,
            "the poller did not see inside.md"
        );
        thread::sleep(Duration::from_millis(20));
    }
    thread::sleep(POLL_INTERVAL * 2);
    let seen = seen.lock().unwrap();
    assert!(
        !seen.iter().any(|path| path.starts_with(root.join("out"))),
        "the poller looked through the link: {seen:?}"
    );
    drop(started);
}

#[test]
fn a_status_reads_back_as_it_was_set() {
    let shared = SharedStatus::default();
    assert_eq!(shared.get(), WatchStatus::Off);
    for status in WatchStatus::ALL {
        shared.set(status);
        assert_eq!(shared.get(), status);
    }
}

#[test]
fn a_folder_put_in_the_place_of_another_has_another_identity() {
    let parent = tempfile::tempdir().unwrap();
    let root = parent.path().join("content");
    std::fs::create_dir(&root).unwrap();
    let before = identify(&root).unwrap();
    assert_eq!(identify(&root).unwrap(), before);

    std::fs::rename(&root, parent.path().join("old")).unwrap();
    assert!(identify(&root).is_err());
    std::fs::create_dir(&root).unwrap();
    assert_ne!(identify(&root).unwrap(), before);

    std::fs::remove_dir(&root).unwrap();
    std::fs::write(&root, "a file").unwrap();
    assert!(identify(&root).is_err(), "a file is not a content folder");
}

#[test]
fn a_file_written_after_the_early_watch_began_and_before_the_load_is_followed_is_served() {
    let dir = tempfile::tempdir().unwrap();
    post(dir.path(), "old");
    let early = watch_early(dir.path()).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !early.attaching.is_finished() {
        assert!(Instant::now() < deadline, "the watch was never attached");
        thread::sleep(Duration::from_millis(5));
    }
    // The load lists the folder, then a file is written before the watch has a reloader.
    let reloader = reloader(dir.path());
    post(dir.path(), "new");

    let _watching = early.follow(Arc::clone(&reloader)).unwrap();

    assert_eq!(reloader.watch_status(), WatchStatus::Live);
    wait_for_slugs(&reloader, &["new", "old"]);
}
