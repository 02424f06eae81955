//! The content files behind the store, remembered per file: the last version that parsed and
//! the problem the file has now. A refresh re-reads only the files that changed, so a reload
//! costs one parse per edited file, not one per post.
//!
//! Two shortcuts, each with what it relies on. A post file the watcher names, in a folder the
//! last listing read, is re-read without listing the folder again (the README's target of a
//! saved post served again within 100 ms re-reads one file): anything else, a link or a named
//! pipe included, goes to the listing, which alone decides what may be read (guarded by
//! `a_named_refresh_leaves_links_and_unknown_folders_to_the_listing` and
//! `a_named_refresh_rereads_only_the_named_files_and_drops_deleted_ones`). And a file not read
//! again keeps its very `Arc<Post>`, so the next store shares it and a reload tells an unchanged
//! post from an updated one by pointer (guarded by
//! `a_post_whose_file_was_not_read_again_is_not_named_updated` in the module's tests). The one
//! exception: a post whose HTML was written with a media file's URL (`LocalRef::written`) is
//! read again when that file changes or goes, though its own bytes did not (guarded by
//! `tests/api/links.rs::an_image_added_after_its_post_is_shown_and_one_removed_is_left_as_written_and_reported`).

use std::collections::{BTreeMap, HashSet};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use rayon::prelude::*;

use crate::content::links::{Links, media_target};
use crate::content::loader::{Digest, digest_of, is_post_file, load_file_with_digest};
use crate::content::media::{MediaKinds, read_media};
use crate::content::{self, LoadOptions, Parsed, Survey, survey};
use crate::domain::{Loaded, MediaFile, MediaIndex, Post, Problem};
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
    /// The media files with the stamp each had when read, by path.
    media: BTreeMap<String, (Option<Stamp>, Arc<MediaFile>)>,
    /// The same files as the store takes them; a new map only when one changed.
    media_index: Arc<MediaIndex>,
    /// Whether the next listing reads every media file again (the folder was replaced).
    verify_media: bool,
    /// Each post as served, its local URLs resolved.
    links: Links,
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
    /// Whether a media file was added, changed or removed.
    pub media_changed: bool,
}

impl Refresh {
    /// Whether anything changed, so the store must be rebuilt.
    pub fn changed(&self) -> bool {
        self.parsed > 0 || self.removed > 0 || self.refusals_changed || self.media_changed
    }
}

impl Library {
    /// Reads and parses every post file under `root`. Fails only when the folder cannot be read;
    /// what the listing refuses inside it is kept as problems.
    pub fn load(root: &Path, options: LoadOptions) -> io::Result<Library> {
        Ok(Library::surveyed(root, survey(root)?, options))
    }

    /// Reads and parses every post file and media file a listing of `root` found.
    pub fn surveyed(root: &Path, survey: Survey, mut options: LoadOptions) -> Library {
        let Survey {
            posts,
            refused,
            folders,
            others,
            ..
        } = survey;
        let media = read_media_files(root, &options.media, others, &BTreeMap::new(), false);
        let media_index = Arc::new(index_of(&media));
        options.media_files = Arc::clone(&media_index);
        // Files are parsed on all cores; collecting into the map keeps them in path order.
        let files = posts
            .into_par_iter()
            .map(|path| {
                let mut state = FileState::default();
                state.read(root, &path, options.clone(), stamp_of(&root.join(&path)));
                (path, state)
            })
            .collect::<Vec<_>>()
            .into_iter()
            .collect();
        Library {
            root: root.to_path_buf(),
            files,
            refused: by_path(refused),
            folders,
            media_index,
            media,
            verify_media: false,
            links: Links::new((*options.urls).clone()),
            options,
        }
    }

    /// Re-reads just the post files the watcher named (root-relative paths), without listing
    /// the folder: each that exists is re-parsed, each that is gone is dropped. `None` when a
    /// path calls for listing the whole folder instead (see `needs_listing`): also when a
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
                    if !state.read(&self.root, path, self.options.clone(), stamp_of(&full)) {
                        // The watcher told of a write the last read already saw (a file's
                        // close after the reload that read it): no change, no edit.
                        continue;
                    }
                    refresh.parsed += 1;
                    let edit = match (before, &state.good, &state.problem) {
                        (Some(before), Some((after, warnings)), None) => {
                            // What is served for `before` is asked before the save replaces it.
                            let served = self.links.served(path, &before);
                            self.links
                                .saved(&before, Arc::clone(after))
                                .map(|(after, found)| Edit {
                                    path: path.clone(),
                                    before: served,
                                    after,
                                    warnings: warnings.iter().cloned().chain(found).collect(),
                                })
                        }
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
        self.verify_media = true;
    }

    /// Every file's outcome finished for the store: the posts at their addresses, every
    /// problem, and the media files.
    pub fn finish(&self) -> Loaded {
        self.links.finish(
            content::finish(self.parsed()),
            Arc::clone(&self.media_index),
        )
    }

    /// The media files beside the posts, as the store takes them.
    pub fn media(&self) -> Arc<MediaIndex> {
        Arc::clone(&self.media_index)
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
            others,
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
        let media = read_media_files(
            &self.root,
            &self.options.media,
            others,
            &self.media,
            std::mem::take(&mut self.verify_media),
        );
        refresh.media_changed = media.len() != self.media.len()
            || media.iter().zip(&self.media).any(
                |((path, (_, file)), (known_path, (_, known)))| {
                    path != known_path || !Arc::ptr_eq(file, known)
                },
            );
        if refresh.media_changed {
            self.media_index = Arc::new(index_of(&media));
            self.options.media_files = Arc::clone(&self.media_index);
        }
        self.media = media;
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
            let mut state = known.unwrap_or_default();
            // A post whose HTML holds a media file's URL is rendered again once that file
            // changes or goes, though its own bytes did not.
            let stale = refresh.media_changed && state.shows_stale_media(&path, &self.media_index);
            if stale {
                state.digest = None;
            }
            let is_changed = is_changed || stale;
            if is_changed {
                changed.push((path, stamp, state));
            } else {
                files.insert(path, state);
            }
        }
        // Changed files are read on all cores, as at start-up: a large file being written
        // does not hold up the others of its batch, and a replaced folder is read as fast as
        // a fresh start reads it.
        let (root, options) = (&self.root, &self.options);
        let read: Vec<(String, FileState, bool)> = changed
            .into_par_iter()
            .map(|(path, stamp, mut state)| {
                let same_bytes = state.verify
                    && state.stamp == stamp
                    && state.digest.is_some()
                    && digest_of(root, &path, options) == state.digest;
                state.verify = false;
                let read = !same_bytes && state.read(root, &path, options.clone(), stamp);
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
    /// Whether the last good post's HTML was written with a media file (at `path`'s folder)
    /// that `media` no longer holds as it was.
    fn shows_stale_media(&self, path: &str, media: &MediaIndex) -> bool {
        let Some((post, _)) = &self.good else {
            return false;
        };
        post.refs.iter().any(|local| {
            local.written.is_some_and(|hash| {
                media_target(media, path, &local.url).is_none_or(|(file, _)| file.hash != hash)
            })
        })
    }

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

/// Chooses the media among a listing's other files and reads each that is new or whose stamp
/// changed, on all cores; a file `known` under the same stamp keeps its very `Arc`, so an
/// unchanged folder gives an equal index. A file that cannot be read is left out and logged.
fn read_media_files(
    root: &Path,
    kinds: &MediaKinds,
    others: Vec<String>,
    known: &BTreeMap<String, (Option<Stamp>, Arc<MediaFile>)>,
    verify: bool,
) -> BTreeMap<String, (Option<Stamp>, Arc<MediaFile>)> {
    others
        .into_par_iter()
        .filter_map(|path| {
            let name = path.rsplit('/').next().unwrap_or(&path);
            let content_type = kinds.content_type(name)?;
            let stamp = stamp_of(&root.join(&path));
            if let Some((known_stamp, file)) = known.get(&path)
                && stamp.is_some()
                && *known_stamp == stamp
                && !verify
            {
                return Some((path, (stamp, Arc::clone(file))));
            }
            match read_media(root, &path, content_type) {
                // The same bytes read again (a replaced folder, a touched file) are the same file.
                Ok(file) => match known.get(&path) {
                    Some((_, known)) if known.hash == file.hash && known.len == file.len => {
                        Some((path, (stamp, Arc::clone(known))))
                    }
                    _ => Some((path, (stamp, Arc::new(file)))),
                },
                Err(err) => {
                    log::warn!(
                        "content: cannot read the media file {path}: {err}; it is not served"
                    );
                    None
                }
            }
        })
        .collect::<Vec<_>>()
        .into_iter()
        .collect()
}

/// The media files as the store takes them.
fn index_of(media: &BTreeMap<String, (Option<Stamp>, Arc<MediaFile>)>) -> MediaIndex {
    media
        .iter()
        .map(|(path, (_, file))| (path.clone(), Arc::clone(file)))
        .collect()
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
mod tests;
