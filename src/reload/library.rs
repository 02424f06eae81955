//! The content files behind the store, remembered per file: the last version that parsed and
//! the problem the file has now. A refresh re-reads only the files that changed, so a reload
//! costs one parse per edited file, not one per post.

use std::collections::{BTreeMap, HashSet};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use rayon::prelude::*;

use crate::content::loader::{Digest, digest_of, is_post_file, load_file_with_digest};
use crate::content::{LoadOptions, Parsed, Problem, Survey, survey};
use crate::domain::Post;
use crate::store::Edit;

/// Every post file of a content folder with its last good post and current problem.
#[derive(Debug)]
pub struct Library {
    root: PathBuf,
    options: LoadOptions,
    /// By path relative to the root, in path order (the order `Store::build` expects).
    files: BTreeMap<String, FileState>,
    /// What the last listing refused (named pipes, links out, unreadable folders), by path.
    refused: BTreeMap<String, Problem>,
    /// The folders the last listing read, root-relative (`""` for the root): a file the watcher
    /// names in one of them can be read without listing again.
    folders: HashSet<String>,
}

/// What one file is known to be.
#[derive(Debug, Default)]
struct FileState {
    /// Modification time and size when last read; `None` if they could not be read.
    stamp: Option<Stamp>,
    /// The last version that parsed, with its warnings.
    good: Option<(Arc<Post>, Vec<Problem>)>,
    /// Why the file as it is now cannot be served, if it cannot.
    problem: Option<Problem>,
    /// The digest of the bytes last read, if they could be read.
    digest: Option<Digest>,
    /// Whether an unchanged stamp is not enough to trust the file is the one read before (its
    /// folder was replaced): the next listing compares its bytes.
    verify: bool,
}

/// What tells a changed file from an unchanged one without reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    modified: Option<SystemTime>,
    len: u64,
}

/// What a refresh found.
#[derive(Debug, Clone, Default)]
pub struct Refresh {
    /// Files read and parsed (new or changed).
    pub parsed: usize,
    /// Files gone from the folder.
    pub removed: usize,
    /// When every file read served a post before and still parses (a writer saved a post),
    /// the posts before and after, which the store can take without a rebuild.
    pub edits: Option<Vec<Edit>>,
    /// Whether the entries the listing refuses changed (a named pipe or a link out appeared
    /// or went away), which changes the problems served.
    pub refusals_changed: bool,
}

impl Refresh {
    /// Whether anything changed, so the store must be rebuilt.
    pub fn changed(&self) -> bool {
        self.parsed > 0 || self.removed > 0 || self.refusals_changed
    }
}

impl Library {
    /// Reads and parses every post file under `root`. Fails only when the folder cannot be read;
    /// what the listing refuses inside it is kept as problems.
    pub fn load(root: &Path, options: LoadOptions) -> io::Result<Library> {
        let Survey {
            posts,
            refused,
            folders,
            ..
        } = survey(root)?;
        // Files are parsed on all cores; collecting into the map keeps them in path order.
        let files = posts
            .into_par_iter()
            .map(|path| {
                let mut state = FileState::default();
                state.read(root, &path, options, stamp_of(&root.join(&path)));
                (path, state)
            })
            .collect::<Vec<_>>()
            .into_iter()
            .collect();
        Ok(Library {
            root: root.to_path_buf(),
            options,
            files,
            refused: by_path(refused),
            folders,
        })
    }

    /// Re-reads just the post files the watcher named (root-relative paths), without listing
    /// the folder: each that exists is re-parsed, each that is gone is dropped. `None` when a
    /// path calls for listing the whole folder instead (see [`needs_listing`]): also when a
    /// named path is not a plain file in a folder the last listing read, or was refused by it,
    /// since only a listing decides whether a link or a named pipe may be read.
    pub fn refresh_named(&mut self, touched: &HashSet<String>) -> Option<Refresh> {
        if touched.is_empty() || touched.iter().any(|path| needs_listing(path)) {
            return None;
        }
        let listed = |path: &String| {
            let folder = path.rsplit_once('/').map_or("", |(folder, _)| folder);
            self.folders.contains(folder) && !self.refused.contains_key(path)
        };
        if !touched
            .iter()
            .filter(|path| is_content_file(path))
            .all(listed)
        {
            return None;
        }
        let mut refresh = Refresh {
            edits: Some(Vec::new()),
            ..Refresh::default()
        };
        for path in touched.iter().filter(|path| is_content_file(path)) {
            let full = self.root.join(path);
            // Not following a link: a link (or a pipe) is for the listing to judge.
            match std::fs::symlink_metadata(&full) {
                Ok(metadata) if metadata.is_file() => {
                    let state = self.files.entry(path.clone()).or_default();
                    let before = match (&state.good, &state.problem) {
                        (Some((post, _)), None) => Some(Arc::clone(post)),
                        _ => None,
                    };
                    if !state.read(&self.root, path, self.options, stamp_of(&full)) {
                        // The watcher told of a write the last read already saw (a file's
                        // close after the reload that read it): no change, no edit.
                        continue;
                    }
                    refresh.parsed += 1;
                    let edit = match (before, &state.good, &state.problem) {
                        (Some(before), Some((after, warnings)), None) => Some(Edit {
                            path: path.clone(),
                            before,
                            after: Arc::clone(after),
                            warnings: warnings.clone(),
                        }),
                        _ => None,
                    };
                    match (edit, &mut refresh.edits) {
                        (Some(edit), Some(edits)) => edits.push(edit),
                        _ => refresh.edits = None,
                    }
                }
                Ok(_) => return None,
                Err(err) if err.kind() == io::ErrorKind::NotFound => {
                    if self.files.remove(path).is_some() {
                        refresh.removed += 1;
                        refresh.edits = None;
                    }
                }
                Err(_) => return None,
            }
        }
        Some(refresh)
    }

    /// Makes the next [`Library::refresh`] compare every file's bytes with those read before:
    /// after the folder was replaced, a file's size and modification time no longer say it is
    /// the one read before (a copy keeps both, an archive sets them). Only files whose bytes
    /// differ are parsed again, so a deploy of an unchanged folder changes no post.
    pub fn verify_all(&mut self) {
        for state in self.files.values_mut() {
            state.verify = true;
        }
    }

    /// The content folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Lists the folder again and re-parses each file that is new, whose modification time or
    /// size changed, or that is in `touched` (paths relative to the root, from the watcher, for
    /// edits that keep both); files no longer listed are dropped. Listing the whole tree,
    /// rather than trusting events alone, also catches renamed folders and missed events.
    pub fn refresh(&mut self, touched: &HashSet<String>) -> io::Result<Refresh> {
        let Survey {
            posts: paths,
            refused,
            folders,
            ..
        } = survey(&self.root)?;
        let refused = by_path(refused);
        // Logged once when first seen, not at every reload while it stays.
        for (path, problem) in &refused {
            if self.refused.get(path) != Some(problem) {
                log::warn!("content: {problem}");
            }
        }
        let mut refresh = Refresh {
            refusals_changed: refused != self.refused,
            ..Refresh::default()
        };
        self.refused = refused;
        self.folders = folders;
        let mut files = BTreeMap::new();
        let mut changed = Vec::new();
        for path in paths {
            // The stamp is taken before reading, so an edit racing the read shows up as a
            // change next time.
            let stamp = stamp_of(&self.root.join(&path));
            let known = self.files.remove(&path);
            let is_changed = match &known {
                None => true,
                Some(state) => state.stamp.is_none() || state.stamp != stamp || state.verify,
            } || touched.contains(&path);
            let state = known.unwrap_or_default();
            if is_changed {
                changed.push((path, stamp, state));
            } else {
                files.insert(path, state);
            }
        }
        // Changed files are read on all cores, as at start-up: a large file being written
        // does not hold up the others of its batch, and a replaced folder is read as fast as
        // a fresh start reads it.
        let (root, options) = (&self.root, self.options);
        let read: Vec<(String, FileState, bool)> = changed
            .into_par_iter()
            .map(|(path, stamp, mut state)| {
                let same_bytes = state.verify
                    && state.stamp == stamp
                    && state.digest.is_some()
                    && digest_of(root, &path, options) == state.digest;
                state.verify = false;
                let read = !same_bytes && state.read(root, &path, options, stamp);
                (path, state, read)
            })
            .collect();
        for (path, state, parsed) in read {
            refresh.parsed += usize::from(parsed);
            files.insert(path, state);
        }
        refresh.removed = self.files.len();
        self.files = files;
        Ok(refresh)
    }

    /// Every file as `Store::build` takes it, in path order: a file that broke after it had
    /// parsed keeps its last good post and reports its problem beside it.
    pub fn parsed(&self) -> Vec<Parsed> {
        self.files
            .iter()
            .filter_map(|(path, state)| {
                let post = match (&state.good, &state.problem) {
                    (Some((post, warnings)), None) => Parsed {
                        path: path.clone(),
                        post: Ok(Arc::clone(post)),
                        warnings: warnings.clone(),
                    },
                    (Some((post, _)), Some(problem)) => Parsed {
                        path: path.clone(),
                        post: Ok(Arc::clone(post)),
                        warnings: vec![Problem {
                            message: format!(
                                "{}; the last good version of this post is served until this is fixed",
                                problem.message
                            ),
                            ..problem.clone()
                        }],
                    },
                    (None, Some(problem)) => Parsed {
                        path: path.clone(),
                        post: Err(problem.clone()),
                        warnings: Vec::new(),
                    },
                    (None, None) => return None,
                };
                Some(post)
            })
            .chain(self.refused.iter().map(|(path, problem)| Parsed {
                path: path.clone(),
                post: Err(problem.clone()),
                warnings: Vec::new(),
            }))
            .collect()
    }
}

impl FileState {
    /// Reads and parses the file at `path` (relative to `root`), whose stamp was `stamp`
    /// before reading, and takes the result; `false` when it read the very bytes under the
    /// very stamp of the last read, which changes nothing.
    fn read(
        &mut self,
        root: &Path,
        path: &str,
        options: LoadOptions,
        stamp: Option<Stamp>,
    ) -> bool {
        let (parsed, digest) = load_file_with_digest(root, path, options);
        if digest.is_some() && digest == self.digest && stamp.is_some() && stamp == self.stamp {
            return false;
        }
        self.stamp = stamp;
        self.digest = digest;
        self.update(parsed);
        true
    }

    /// Takes a fresh parse: a post replaces the last good one; an error is recorded and the
    /// last good post kept.
    fn update(&mut self, parsed: Parsed) {
        match parsed.post {
            Ok(post) => {
                self.good = Some((post, parsed.warnings));
                self.problem = None;
            }
            Err(problem) => self.problem = Some(problem),
        }
    }
}

/// Whether a path the watcher named is a post file Quire serves: a Markdown file that is not
/// hidden, temporary, or inside a hidden folder.
fn is_content_file(path: &str) -> bool {
    let mut parts = path.split('/').peekable();
    while let Some(part) = parts.next() {
        if parts.peek().is_none() {
            return is_post_file(part);
        }
        if part.starts_with('.') {
            return false;
        }
    }
    false
}

/// Whether a change at `path` can only be understood by listing the folder again: anything
/// that is neither a post file nor an editor's scratch file (`4913` is Vim's probe file), such as a folder that was renamed,
/// created or removed (or the root itself, which the watcher names after an error).
pub fn needs_listing(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let scratch = name.starts_with('.')
        || name.starts_with('~')
        || name.starts_with('#')
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.ends_with(".tmp")
        || name == "4913";
    let in_hidden_folder = path
        .split('/')
        .rev()
        .skip(1)
        .any(|part| part.starts_with('.'));
    !(is_post_file(name) || scratch || in_hidden_folder) || path.is_empty()
}

/// Refused entries keyed by their path.
fn by_path(refused: Vec<Problem>) -> BTreeMap<String, Problem> {
    refused
        .into_iter()
        .map(|problem| (problem.path.clone(), problem))
        .collect()
}

fn stamp_of(path: &Path) -> Option<Stamp> {
    let metadata = std::fs::metadata(path).ok()?;
    Some(Stamp {
        modified: metadata.modified().ok(),
        len: metadata.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::Severity;

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
        std::os::unix::fs::symlink(outside.path().join("secret.md"), dir.path().join("b.md"))
            .unwrap();
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
}
