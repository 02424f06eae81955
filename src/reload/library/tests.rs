//! Unit tests of `reload::library`.

use super::*;
use crate::domain::Severity;

#[test]
fn only_folders_and_unknown_files_call_for_listing_the_folder() {
    for path in [
        "a.md",
        "posts/b.markdown",
        ".a.md.swp",
        "a.md~",
        "4913",
        ".git/index",
        "x/.hidden/c.md",
    ] {
        assert!(!needs_listing(path), "{path}");
    }
    for path in ["", "posts", "2025/02", "notes.txt"] {
        assert!(needs_listing(path), "{path}");
    }
    assert!(is_content_file("posts/b.md"));
    assert!(!is_content_file("x/.hidden/c.md"));
    assert!(!is_content_file(".a.md.swp"));
}

#[test]
fn a_named_refresh_rereads_only_the_named_files_and_drops_deleted_ones() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, title: &str| {
        std::fs::write(
            dir.path().join(name),
            format!("---\ntitle: {title}\ndate: 2025-01-01\n---\nBody.\n"),
        )
        .unwrap()
    };
    write("a.md", "A");
    write("b.md", "B");
    let mut library = Library::load(dir.path(), LoadOptions::default()).unwrap();
    write("a.md", "A again");
    std::fs::remove_file(dir.path().join("b.md")).unwrap();
    let touched: HashSet<String> = ["a.md", "b.md", ".a.md.swp"].map(String::from).into();

    let refresh = library.refresh_named(&touched).expect("no listing needed");

    assert_eq!((refresh.parsed, refresh.removed), (1, 1));
    assert!(
        refresh.edits.is_none(),
        "a deleted file is no edit in place"
    );
    let parsed = library.parsed();
    assert_eq!(parsed.len(), 1);
    assert_eq!(parsed[0].post.as_ref().unwrap().title, "A again");
    let folder: HashSet<String> = ["sub".to_owned()].into();
    assert!(library.refresh_named(&folder).is_none());
}

#[test]
fn a_saved_post_is_an_edit_with_the_post_before_and_after() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.md", &post("A"));
    write(dir.path(), "b.md", &post("B"));
    let mut library = Library::load(dir.path(), LoadOptions::default()).unwrap();
    let before = library.parsed()[0].post.clone().unwrap();
    write(dir.path(), "a.md", &post("A again"));
    let touched: HashSet<String> = ["a.md".to_owned()].into();

    let refresh = library.refresh_named(&touched).expect("no listing needed");

    let edits = refresh.edits.expect("a save is an edit in place");
    assert_eq!(edits.len(), 1);
    assert_eq!(edits[0].path, "a.md");
    assert!(Arc::ptr_eq(&edits[0].before, &before));
    assert_eq!(edits[0].after.title, "A again");

    // A save that breaks the file keeps the old post: not an edit in place.
    write(dir.path(), "a.md", "---\ntitle: [\n---\n");
    let refresh = library.refresh_named(&touched).expect("no listing needed");
    assert!(refresh.edits.is_none());
    // Nor is the save that fixes it again, nor a new file.
    write(dir.path(), "a.md", &post("A fixed"));
    write(dir.path(), "c.md", &post("C"));
    let touched: HashSet<String> = ["a.md".to_owned(), "c.md".to_owned()].into();
    assert!(library.refresh_named(&touched).unwrap().edits.is_none());
}

#[test]
fn a_file_named_again_with_the_bytes_and_stamp_already_read_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.md", &post("A"));
    let mut library = Library::load(dir.path(), LoadOptions::default()).unwrap();
    let touched: HashSet<String> = ["a.md".to_owned()].into();

    // The close of the write the load already read arrives as its own batch.
    let refresh = library.refresh_named(&touched).expect("no listing needed");
    assert!(!refresh.changed(), "{refresh:?}");
    assert!(!library.refresh(&touched).unwrap().changed());

    write(dir.path(), "a.md", &post("B"));
    let refresh = library.refresh_named(&touched).expect("no listing needed");
    assert_eq!(refresh.parsed, 1);
    assert_eq!(titles(&library), ["B"]);
}

#[test]
fn after_a_folder_is_replaced_only_files_whose_bytes_differ_are_parsed_again() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "same.md", &post("Same"));
    write(dir.path(), "other.md", &post("Old1"));
    let mut library = Library::load(dir.path(), LoadOptions::default()).unwrap();
    let unchanged = Arc::clone(&library.files["same.md"].good.as_ref().unwrap().0);
    // The new folder's file has the old one's size and modification time, other bytes.
    let modified = std::fs::metadata(dir.path().join("other.md"))
        .unwrap()
        .modified()
        .unwrap();
    write(dir.path(), "other.md", &post("New1"));
    std::fs::File::options()
        .write(true)
        .open(dir.path().join("other.md"))
        .unwrap()
        .set_modified(modified)
        .unwrap();
    assert!(!library.refresh(&HashSet::new()).unwrap().changed());

    library.verify_all();
    let refresh = library.refresh(&HashSet::new()).unwrap();

    assert_eq!(refresh.parsed, 1, "only the file whose bytes differ");
    assert_eq!(titles(&library), ["New1", "Same"]);
    let same = &library.files["same.md"].good.as_ref().unwrap().0;
    assert!(
        Arc::ptr_eq(same, &unchanged),
        "the unchanged post is kept as it was"
    );
    assert_eq!(library.refresh(&HashSet::new()).unwrap().parsed, 0);
}

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn post(title: &str) -> String {
    format!("---\ntitle: {title}\ndate: 2025-01-01\n---\nBody of {title}.\n")
}

fn titles(library: &Library) -> Vec<String> {
    library
        .parsed()
        .iter()
        .filter_map(|p| p.post.as_ref().ok().map(|post| post.title.clone()))
        .collect()
}

#[test]
fn an_unchanged_folder_is_not_parsed_again() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.md", &post("A"));
    write(dir.path(), "b.md", &post("B"));
    let mut library = Library::load(dir.path(), LoadOptions::default()).unwrap();
    let first = library.parsed();
    let refresh = library.refresh(&HashSet::new()).unwrap();
    assert_eq!((refresh.parsed, refresh.removed), (0, 0));
    assert!(!refresh.changed());
    let second = library.parsed();
    for (a, b) in first.iter().zip(&second) {
        let (Ok(a), Ok(b)) = (&a.post, &b.post) else {
            panic!("both parse")
        };
        assert!(Arc::ptr_eq(a, b), "the post is shared, not re-parsed");
    }
}

#[test]
fn only_touched_and_new_files_are_parsed_and_deleted_ones_dropped() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.md", &post("A"));
    write(dir.path(), "b.md", &post("B"));
    let mut library = Library::load(dir.path(), LoadOptions::default()).unwrap();
    write(dir.path(), "a.md", &post("Z"));
    write(dir.path(), "sub/c.md", &post("C"));
    std::fs::remove_file(dir.path().join("b.md")).unwrap();
    let touched = HashSet::from(["a.md".to_owned()]);
    let refresh = library.refresh(&touched).unwrap();
    assert_eq!((refresh.parsed, refresh.removed), (2, 1));
    assert!(refresh.edits.is_none(), "a listing gives no edits");
    assert_eq!(titles(&library), ["Z", "C"]);
}

#[test]
fn a_broken_file_keeps_its_last_good_post_and_reports_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.md", &post("A"));
    let mut library = Library::load(dir.path(), LoadOptions::default()).unwrap();
    write(
        dir.path(),
        "a.md",
        "---\ntitle: A\ndate: 2025-01-01\ntags: [x\n---\n",
    );
    library
        .refresh(&HashSet::from(["a.md".to_owned()]))
        .unwrap();
    let parsed = library.parsed();
    assert_eq!(titles(&library), ["A"]);
    let problem = &parsed[0].warnings[0];
    assert_eq!((problem.severity, problem.line), (Severity::Error, 5));
    assert!(problem.message.contains("last good version"), "{problem}");

    write(dir.path(), "a.md", &post("A2"));
    library
        .refresh(&HashSet::from(["a.md".to_owned()]))
        .unwrap();
    assert_eq!(titles(&library), ["A2"]);
    assert!(library.parsed()[0].warnings.is_empty());
}

#[cfg(unix)]
#[test]
fn a_named_refresh_leaves_links_and_unknown_folders_to_the_listing() {
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    write(dir.path(), "a.md", &post("A"));
    write(outside.path(), "secret.md", &post("Secret"));
    let mut library = Library::load(dir.path(), LoadOptions::default()).unwrap();
    std::os::unix::fs::symlink(outside.path().join("secret.md"), dir.path().join("b.md")).unwrap();
    std::os::unix::fs::symlink(outside.path(), dir.path().join("out")).unwrap();
    for path in ["b.md", "out/secret.md"] {
        let touched = HashSet::from([path.to_owned()]);
        assert!(library.refresh_named(&touched).is_none(), "{path}");
    }

    let refresh = library
        .refresh(&HashSet::from(["b.md".to_owned()]))
        .unwrap();

    assert!(refresh.refusals_changed && refresh.changed());
    assert_eq!(titles(&library), ["A"]);
    let refused: Vec<String> = library
        .parsed()
        .iter()
        .filter(|parsed| parsed.post.is_err())
        .map(|parsed| parsed.path.clone())
        .collect();
    assert_eq!(refused, ["b.md", "out"]);
    // A refused path stays with the listing, and an unchanged listing changes nothing.
    let touched = HashSet::from(["b.md".to_owned()]);
    assert!(library.refresh_named(&touched).is_none());
    assert!(!library.refresh(&HashSet::new()).unwrap().changed());
}

#[test]
fn a_file_that_never_parsed_is_an_error_without_a_post() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.md", "---\ntitle: A\n---\n");
    let library = Library::load(dir.path(), LoadOptions::default()).unwrap();
    let parsed = library.parsed();
    assert_eq!(parsed.len(), 1);
    assert!(parsed[0].post.is_err());
}
