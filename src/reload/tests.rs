//! Unit tests of `reload`.

use super::*;
use crate::clock::{FixedClock, ManualClock};
use crate::content::LoadOptions;

fn write(dir: &Path, name: &str, title: &str) {
    std::fs::write(
        dir.join(name),
        format!("---\ntitle: {title}\ndate: 2025-01-01\n---\nBody.\n"),
    )
    .unwrap();
}

fn reloader(dir: &Path) -> Reloader {
    let library = Library::load(dir, LoadOptions::default()).unwrap();
    let now = "2026-01-01T00:00:00Z".parse().unwrap();
    let store = Store::build(library.parsed(), now);
    Reloader::new(
        library,
        Arc::new(ArcSwap::from_pointee(store)),
        Arc::new(FixedClock(now)),
    )
}

#[test]
fn a_reload_names_created_updated_and_deleted_slugs_and_bumps_the_generation() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.md", "A");
    write(dir.path(), "b.md", "B");
    let reloader = reloader(dir.path());
    let mut receiver = reloader.subscribe();
    let mut public = reloader.announcements();
    write(dir.path(), "a.md", "A again");
    write(dir.path(), "c.md", "C");
    std::fs::remove_file(dir.path().join("b.md")).unwrap();

    let named = ["a.md", "b.md", "c.md"].map(|name| dir.path().join(name));
    let report = reloader.reload(&named).expect("posts changed");

    assert_eq!(report.generation(), 2);
    assert_eq!(
        (&report.created, &report.updated, &report.deleted),
        (
            &vec!["c".to_owned()],
            &vec!["a".to_owned()],
            &vec!["b".to_owned()]
        )
    );
    assert_eq!(reloader.store().generation(), 2);
    assert_eq!(reloader.last_reload().unwrap().files_parsed, 2);
    assert_eq!(receiver.try_recv().unwrap().generation(), 2);
    let announced = public.try_recv().expect("every post is public");
    let json: serde_json::Value = serde_json::from_str(&announced.to_json()).unwrap();
    assert_eq!(json["created"][0], "c");
    assert_eq!(json["at"], "2026-01-01T00:00:00Z");
}

#[test]
fn a_post_whose_file_was_not_read_again_is_not_named_updated() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "kept.md", "Kept");
    write(dir.path(), "edited.md", "Edited");
    let reloader = reloader(dir.path());
    let mut public = reloader.announcements();
    let kept = |store: &Store| Arc::clone(store.post_by_slug("kept").unwrap());
    let kept_before = kept(&reloader.store());
    write(dir.path(), "edited.md", "Edited again");

    let update = reloader
        .reload(&[dir.path().join("edited.md")])
        .expect("a post changed");

    assert_eq!(update.updated, ["edited"]);
    assert!(update.created.is_empty() && update.deleted.is_empty());
    let announced = public.try_recv().expect("the post is public");
    assert_eq!(announced.updated, ["edited"]);
    assert!(Arc::ptr_eq(&kept_before, &kept(&update.store)));
}

#[test]
fn only_changes_the_public_can_read_are_announced_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.md", "A");
    let reloader = reloader(dir.path());
    let mut public = reloader.announcements();
    let mut all = reloader.subscribe();
    let draft = "---\ntitle: D\ndate: 2025-01-01\ndraft: true\n---\nSecret.\n";
    std::fs::write(dir.path().join("d.md"), draft).unwrap();

    let report = reloader
        .reload(&[dir.path().join("d.md")])
        .expect("a post changed");

    assert_eq!(report.created, ["d"], "the index hears of the draft");
    assert!(all.try_recv().is_ok());
    assert!(public.try_recv().is_err(), "the public hears nothing");
    let store = reloader.store();
    assert_eq!((store.generation(), store.public_generation()), (2, 1));

    // Publishing it is news: created for the public, one public generation on.
    write(dir.path(), "d.md", "D");
    reloader.reload(&[dir.path().join("d.md")]);
    let announced = public.try_recv().expect("publishing is announced");
    assert_eq!(
        (&announced.created, announced.generation),
        (&vec!["d".to_owned()], 2)
    );
    assert_eq!(reloader.store().public_generation(), 2);
}

/// A reloader over `dir` whose clock a test moves.
fn reloader_with_clock(dir: &Path, clock: Arc<ManualClock>) -> Reloader {
    let library = Library::load(dir, LoadOptions::default()).unwrap();
    let store = Store::build(library.parsed(), clock.now());
    Reloader::new(library, Arc::new(ArcSwap::from_pointee(store)), clock)
}

#[test]
fn indexes_hear_of_a_post_going_live_from_the_schedule_and_from_a_reload_that_changed_no_post() {
    let dir = tempfile::tempdir().unwrap();
    let scheduled =
        |slug: &str| format!("---\ntitle: {slug}\ndate: 2026-01-01T01:00:00Z\n---\nLater.\n");
    std::fs::write(dir.path().join("soon.md"), scheduled("soon")).unwrap();
    let start: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
    let clock = Arc::new(ManualClock::new(start));
    let reloader = reloader_with_clock(dir.path(), Arc::clone(&clock));
    let mut indexes = reloader.subscribe();
    clock.set("2026-01-01T02:00:00Z".parse().unwrap());

    // The schedule notices first: the store is unchanged, and so is its generation.
    let mut told = reloader.lock_told();
    reloader.announce_due(&mut told);
    drop(told);
    let report = indexes.try_recv().expect("the indexes hear of the go-live");
    assert_eq!(
        (&report.created, report.generation()),
        (&vec!["soon".to_owned()], 1)
    );

    // A reload that re-reads no post (a broken file) at the next go-live tells them too.
    std::fs::write(
        dir.path().join("later.md"),
        scheduled("later").replace("01:00", "03:00"),
    )
    .unwrap();
    reloader.reload(&[dir.path().join("later.md")]);
    let _ = indexes.try_recv();
    clock.set("2026-01-01T04:00:00Z".parse().unwrap());
    std::fs::write(dir.path().join("broken.md"), "---\ntitle: [\n---\n").unwrap();
    assert!(reloader.reload(&[dir.path().join("broken.md")]).is_none());
    let report = indexes.try_recv().expect("the indexes hear of the go-live");
    assert_eq!(report.created, ["later"]);
}

#[test]
fn nothing_changed_means_no_new_store() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.md", "A");
    let reloader = reloader(dir.path());
    std::fs::write(dir.path().join(".a.md.swp"), "junk").unwrap();
    assert!(reloader.reload(&[dir.path().join(".a.md.swp")]).is_none());
    assert_eq!(reloader.store().generation(), 1);
    assert!(reloader.last_reload().is_none());
}

#[test]
fn watcher_paths_become_root_relative() {
    let root = Path::new("/content");
    let paths = [
        PathBuf::from("/content/a/b.md"),
        PathBuf::from("/elsewhere/c.md"),
    ];
    assert_eq!(
        relative_paths(root, &paths),
        HashSet::from(["a/b.md".to_owned()])
    );
}
