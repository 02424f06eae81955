//! The watcher thread's loop: reload after each batch of changes, and check that the folder
//! watched is still the one at the content path, attaching the watch again when a deploy
//! moved a new folder into place, deleted and remade it, or pointed a link elsewhere.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};

use super::watcher::{Mode, Started, collect, moves_folder, start, stops_native};
use super::{CHECK_INTERVAL, POLL_INTERVAL, Signal, Slot, WatchStatus, lock};
use crate::reload::Reloader;

/// Why nothing is watched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lost {
    /// The content path is not a folder that can be read.
    Gone,
    /// The folder is there, but no watcher could be attached to it.
    Unwatchable,
}

/// The identity of the folder a path names: it changes when another folder takes its place.
#[cfg(unix)]
type FolderId = (u64, u64);
#[cfg(not(unix))]
type FolderId = (PathBuf, Option<std::time::SystemTime>);

/// The identity of the folder at `root` (following links), or why there is none.
pub(super) fn identify(root: &Path) -> io::Result<FolderId> {
    let metadata = std::fs::metadata(root)?;
    if !metadata.is_dir() {
        return Err(io::Error::other("it is not a folder"));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Ok((metadata.dev(), metadata.ino()))
    }
    #[cfg(not(unix))]
    {
        Ok((root.canonicalize()?, metadata.created().ok()))
    }
}

/// A watcher started on the folder at a content path, or why none could be.
pub(super) enum Attempt {
    Started {
        /// The folder's identity, taken before it was watched.
        id: FolderId,
        /// Its canonical path, as the watcher names it in events.
        folder: PathBuf,
        started: Started,
    },
    /// The content path is not a folder that can be read.
    Gone(io::Error),
    /// The folder is there, but no watcher could be attached to it.
    Failed(notify::Error),
}

/// Starts a watcher on the folder at `root` that sends its batches to `sender`; the native
/// one only when `native` is set. Needs no reloader, so it can run while the content loads.
pub(super) fn attempt(root: &Path, sender: &mpsc::Sender<Signal>, native: bool) -> Attempt {
    // The folder is identified before it is watched: if it is replaced in between, the next
    // check sees a different folder and attaches again.
    let id = match identify(root) {
        Ok(id) => id,
        Err(err) => return Attempt::Gone(err),
    };
    let folder = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let sender = sender.clone();
    let handler = move |batch| {
        // The thread may be gone already, which is fine.
        let _ = sender.send(Signal::Batch(batch));
    };
    match start(&folder, handler, native) {
        Ok(started) => Attempt::Started {
            id,
            folder,
            started,
        },
        Err(err) => Attempt::Failed(err),
    }
}

/// The watcher thread's state: which folder is watched, and how.
pub(super) struct Follower {
    reloader: Arc<Reloader>,
    /// The content path as given, which may be a link or name another folder later.
    root: PathBuf,
    sender: mpsc::Sender<Signal>,
    slot: Arc<Mutex<Slot>>,
    /// The folder the attached watcher follows; `None` while nothing is attached.
    watched: Option<FolderId>,
    /// Its canonical path, as the watcher names it in events.
    folder: PathBuf,
    mode: Mode,
    /// Set once the native watcher has failed while running: it is not tried again.
    native_failed: bool,
    /// Why nothing is watched, once that has been logged.
    lost: Option<Lost>,
}

impl Follower {
    /// A follower of the folder at `root` that has attached nothing yet; it tries the native
    /// watcher only when `native` is set.
    pub(super) fn new(
        reloader: Arc<Reloader>,
        root: &Path,
        sender: mpsc::Sender<Signal>,
        slot: Arc<Mutex<Slot>>,
        native: bool,
    ) -> Follower {
        Follower {
            reloader,
            root: root.to_path_buf(),
            sender,
            slot,
            watched: None,
            folder: PathBuf::new(),
            mode: Mode::Native,
            native_failed: !native,
            lost: None,
        }
    }

    /// Reloads after each batch of changes and checks the folder after each batch and every
    /// [`CHECK_INTERVAL`], until told to stop.
    pub(super) fn run(mut self, receiver: &mpsc::Receiver<Signal>) {
        loop {
            let first = match receiver.recv_timeout(CHECK_INTERVAL) {
                Ok(signal) => Some(signal),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => break,
            };
            let mut paths = Vec::new();
            let mut changed = false;
            let mut failure = None;
            let mut folder_moved = false;
            // Batches that arrived while the last reload ran are folded into this one.
            let signals = first
                .into_iter()
                .chain(std::iter::from_fn(|| receiver.try_recv().ok()));
            for signal in signals {
                let Signal::Batch(batch) = signal else {
                    self.stop();
                    return;
                };
                match &batch {
                    Ok(events) => {
                        folder_moved |= events
                            .iter()
                            .any(|event| moves_folder(&event.event, &self.folder));
                    }
                    Err(errors) => {
                        failure = failure.or_else(|| {
                            errors
                                .iter()
                                .find(|err| stops_native(err))
                                .map(ToString::to_string)
                        });
                    }
                }
                changed |= collect(batch, &mut paths);
            }
            if lock(&self.slot).stopped {
                break;
            }
            if let (Some(err), Mode::Native) = (&failure, self.mode) {
                log::warn!(
                    "the file watcher failed ({err}); polling {} every {} ms instead",
                    self.root.display(),
                    POLL_INTERVAL.as_millis()
                );
                self.native_failed = true;
                self.watched = None;
            }
            self.follow(changed.then_some(paths.as_slice()), folder_moved);
        }
        self.stop();
    }

    /// Brings the watch and the store up to date with the folder now at the content path,
    /// given the paths of a batch of changes if there was one, and whether the watcher said
    /// the folder itself was deleted or moved (a folder made in its place may get the same
    /// inode number, so the identity alone cannot tell).
    fn follow(&mut self, changed: Option<&[PathBuf]>, folder_moved: bool) {
        match identify(&self.root) {
            Ok(id) if self.watched == Some(id) && !folder_moved => {
                if let Some(paths) = changed {
                    self.reloader.reload(paths);
                }
            }
            Ok(_) => {
                if self.watched.is_some() || self.lost == Some(Lost::Gone) {
                    log::warn!(
                        "the content folder {} was replaced; watching it again",
                        self.root.display()
                    );
                }
                if self.attach() {
                    // The watch is in place before the folder is listed, so a file written
                    // meanwhile is in the listing or in the next batch.
                    self.reloader.reload_replaced();
                }
            }
            Err(err) => self.lose(&err),
        }
    }

    /// Attaches a watcher to the folder now at the content path and says whether it could.
    pub(super) fn attach(&mut self) -> bool {
        let attempt = attempt(&self.root, &self.sender, !self.native_failed);
        self.adopt(attempt)
    }

    /// Takes a watcher started on the folder at the content path (or why none could be) as
    /// the one in use, and says whether there is one.
    pub(super) fn adopt(&mut self, attempt: Attempt) -> bool {
        let (id, folder, started) = match attempt {
            Attempt::Started {
                id,
                folder,
                started,
            } => (id, folder, started),
            Attempt::Gone(err) => {
                self.lose(&err);
                return false;
            }
            Attempt::Failed(err) => {
                self.detach();
                if self.lost != Some(Lost::Unwatchable) {
                    log::error!(
                        "cannot watch the content folder {}: {err}; changes will not show until it can be, which is tried every {} ms",
                        self.root.display(),
                        CHECK_INTERVAL.as_millis()
                    );
                    self.lost = Some(Lost::Unwatchable);
                }
                return false;
            }
        };
        let Started {
            guard,
            mode,
            native_error,
        } = started;
        let old = {
            let mut slot = lock(&self.slot);
            if slot.stopped {
                return false;
            }
            slot.guard.replace(guard)
        };
        drop(old);
        match &native_error {
            None => log::info!("watching {} for changes", folder.display()),
            Some(err) => log::warn!(
                "the file watcher cannot start ({err}); polling {} every {} ms instead",
                folder.display(),
                POLL_INTERVAL.as_millis()
            ),
        }
        self.watched = Some(id);
        self.folder = folder;
        self.mode = mode;
        if self.lost == Some(Lost::Unwatchable) {
            log::info!(
                "the content folder {} is watched again",
                self.root.display()
            );
        }
        self.lost = None;
        self.reloader.watch_status.set(match mode {
            Mode::Native => WatchStatus::Live,
            Mode::Polling => WatchStatus::Polling,
        });
        true
    }

    /// The content path is not a folder now: the watcher is dropped (it would report the old
    /// folder's changes under the content path) and the content loaded before is served.
    fn lose(&mut self, err: &io::Error) {
        self.detach();
        if self.lost != Some(Lost::Gone) {
            log::warn!(
                "the content folder {} is gone ({err}); serving the content loaded before, and watching for it to come back",
                self.root.display()
            );
            self.lost = Some(Lost::Gone);
        }
    }

    /// Drops the watcher, if any; `/readyz` says `lost` until one is attached again.
    fn detach(&mut self) {
        let old = lock(&self.slot).guard.take();
        drop(old);
        self.watched = None;
        self.reloader.watch_status.set(WatchStatus::Lost);
    }

    fn stop(&mut self) {
        let old = lock(&self.slot).guard.take();
        drop(old);
        self.reloader.watch_status.set(WatchStatus::Off);
    }
}
