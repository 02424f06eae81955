//! The watcher thread: a debounced file watcher (the platform's native one, or polling when it
//! cannot run) feeds batches of changed paths to the reloader, off the request path. The same
//! thread checks that the folder it watches is still the one at the content path: a deploy
//! that moves a new folder into place, deletes and remakes it, or points a link elsewhere
//! leaves the native watcher on a folder nobody serves, so the watch is attached again.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::Duration;

use notify::event::{AccessKind, AccessMode, ModifyKind};
use notify::{EventKind, PollWatcher, RecommendedWatcher, RecursiveMode};
use notify_debouncer_full::{DebounceEventResult, RecommendedCache, new_debouncer_opt};

use super::Reloader;

/// How long the watcher waits for a burst of writes to settle before reloading; an editor's
/// save is a few events within a few milliseconds, and a change is visible within about this
/// plus a quarter of it (the debouncer's tick).
pub const DEBOUNCE: Duration = Duration::from_millis(25);

/// How often the polling fallback looks at every file.
pub const POLL_INTERVAL: Duration = Duration::from_millis(500);

/// How often the watcher thread checks that the content path is still the folder it watches
/// (one `stat`), and retries while the folder is gone. The watcher's own events about the
/// folder (deleted, moved) make it check at once; this bounds the wait when none come, as
/// when a link to the folder is pointed elsewhere.
pub const CHECK_INTERVAL: Duration = Duration::from_millis(500);

/// Why the content folder cannot be watched.
#[derive(Debug)]
pub enum WatchError {
    /// The watcher thread could not be started.
    Thread(io::Error),
}

impl fmt::Display for WatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WatchError::Thread(err) => write!(f, "cannot start the watcher thread: {err}"),
        }
    }
}

impl std::error::Error for WatchError {}

/// Whether changes to the content folder are being followed, as `/readyz` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WatchStatus {
    /// Not watched: `--no-watch`, or the watcher has stopped.
    Off,
    /// The platform's file watcher follows the folder.
    Live,
    /// The folder is scanned every [`POLL_INTERVAL`], because the native watcher cannot run.
    Polling,
    /// The folder is gone or no watcher could be attached to it: the last content loaded is
    /// served, and the watcher thread keeps trying.
    Lost,
}

impl WatchStatus {
    /// Every status, in the order of its number in [`SharedStatus`].
    const ALL: [WatchStatus; 4] = [
        WatchStatus::Off,
        WatchStatus::Live,
        WatchStatus::Polling,
        WatchStatus::Lost,
    ];
}

/// A [`WatchStatus`] that the watcher thread sets and handlers read without a lock.
#[derive(Debug, Default)]
pub(super) struct SharedStatus(AtomicU8);

impl SharedStatus {
    /// The status last set; `Off` until the watcher thread sets one.
    pub(super) fn get(&self) -> WatchStatus {
        let value = usize::from(self.0.load(Ordering::Relaxed));
        WatchStatus::ALL
            .get(value)
            .copied()
            .unwrap_or(WatchStatus::Off)
    }

    fn set(&self, status: WatchStatus) {
        self.0.store(status as u8, Ordering::Relaxed);
    }
}

/// Keeps a watcher running, native or polling; it stops when dropped.
type Guard = Box<dyn Send>;

/// What the watcher thread hears: a debounced batch from the watcher, or that it must stop.
enum Signal {
    Batch(DebounceEventResult),
    Stop,
}

/// The watcher in use, shared by the thread (which replaces it) and [`Watching`] (which drops
/// it when dropped, so the operating-system watch is released at once, not when the thread
/// next wakes).
#[derive(Default)]
struct Slot {
    guard: Option<Guard>,
    stopped: bool,
}

fn lock(slot: &Mutex<Slot>) -> MutexGuard<'_, Slot> {
    slot.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A running watch of the content folder. Dropping it stops the watcher, which releases its
/// operating-system watch (inotify instances are few per user) and ends the watcher thread.
pub struct Watching {
    slot: Arc<Mutex<Slot>>,
    stop: mpsc::Sender<Signal>,
}

impl fmt::Debug for Watching {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Watching")
    }
}

impl Drop for Watching {
    fn drop(&mut self) {
        let guard = {
            let mut slot = lock(&self.slot);
            slot.stopped = true;
            slot.guard.take()
        };
        drop(guard);
        // The thread may be gone already, which is fine.
        let _ = self.stop.send(Signal::Stop);
    }
}

/// Watches the folder at `root` recursively and reloads on a thread of its own after each
/// debounced batch of changes, until the returned [`Watching`] is dropped. Uses polling (with
/// a warning) when the native watcher cannot start or fails later, e.g. past the inotify
/// limits. When the folder at `root` is replaced, the watch moves to the new one and the
/// whole folder is reloaded; while it is gone, the content loaded before is served. The
/// state is kept in the reloader for `/readyz`.
pub fn watch(reloader: Arc<Reloader>, root: &Path) -> Result<Watching, WatchError> {
    follow_folder(reloader, root, true)
}

/// [`watch`], with the native watcher tried only when `native` is set.
/// The watcher's settings: links are not followed, since the listing follows only links that stay
/// inside the folder, whose targets are watched where they are; following them would let a link
/// to `/` put a watch on every folder of the machine (and past the inotify limit).
fn watcher_config() -> notify::Config {
    notify::Config::default().with_follow_symlinks(false)
}

fn follow_folder(
    reloader: Arc<Reloader>,
    root: &Path,
    native: bool,
) -> Result<Watching, WatchError> {
    let (sender, receiver) = mpsc::channel::<Signal>();
    let slot = Arc::new(Mutex::new(Slot::default()));
    let mut follower = Follower {
        reloader,
        root: root.to_path_buf(),
        sender: sender.clone(),
        slot: Arc::clone(&slot),
        watched: None,
        folder: PathBuf::new(),
        mode: Mode::Native,
        native_failed: !native,
        lost: None,
    };
    // Attached before the thread starts, so a change made as soon as Quire serves is seen.
    follower.attach();
    thread::Builder::new()
        .name("quire-reload".to_owned())
        .spawn(move || follower.run(&receiver))
        .map_err(WatchError::Thread)?;
    Ok(Watching { slot, stop: sender })
}

/// Which kind of watcher is attached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Native,
    Polling,
}

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
fn identify(root: &Path) -> io::Result<FolderId> {
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

/// The watcher thread's state: which folder is watched, and how.
struct Follower {
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
    /// Reloads after each batch of changes and checks the folder after each batch and every
    /// [`CHECK_INTERVAL`], until told to stop.
    fn run(mut self, receiver: &mpsc::Receiver<Signal>) {
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
    fn attach(&mut self) -> bool {
        // The folder is identified before it is watched: if it is replaced in between, the
        // next check sees a different folder and attaches again.
        let id = match identify(&self.root) {
            Ok(id) => id,
            Err(err) => {
                self.lose(&err);
                return false;
            }
        };
        let folder = self
            .root
            .canonicalize()
            .unwrap_or_else(|_| self.root.clone());
        let sender = self.sender.clone();
        let handler = move |batch| {
            // The thread may be gone already, which is fine.
            let _ = sender.send(Signal::Batch(batch));
        };
        match start(&folder, handler, !self.native_failed) {
            Ok(Started {
                guard,
                mode,
                native_error,
            }) => {
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
            Err(err) => {
                self.detach();
                if self.lost != Some(Lost::Unwatchable) {
                    log::error!(
                        "cannot watch the content folder {}: {err}; changes will not show until it can be, which is tried every {} ms",
                        self.root.display(),
                        CHECK_INTERVAL.as_millis()
                    );
                    self.lost = Some(Lost::Unwatchable);
                }
                false
            }
        }
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

/// Whether an event says that the watched folder itself was deleted or moved away.
fn moves_folder(event: &notify::Event, folder: &Path) -> bool {
    matches!(
        event.kind,
        EventKind::Remove(_) | EventKind::Modify(ModifyKind::Name(_))
    ) && event.paths.iter().any(|path| path == folder)
}

/// Whether a watcher error means the native watcher no longer sees every change: a folder
/// it could not watch (past the inotify watch limit) or an event queue it could not read.
fn stops_native(err: &notify::Error) -> bool {
    matches!(
        err.kind,
        notify::ErrorKind::MaxFilesWatch | notify::ErrorKind::Io(_)
    )
}

/// A watcher started on a folder.
struct Started {
    guard: Guard,
    mode: Mode,
    /// Why the native watcher could not start, when polling was used instead.
    native_error: Option<notify::Error>,
}

/// Starts a watcher on `folder`: the native one when `native` is set and it can start,
/// polling otherwise.
fn start(
    folder: &Path,
    handler: impl FnMut(DebounceEventResult) + Send + Clone + 'static,
    native: bool,
) -> Result<Started, notify::Error> {
    let mut native_error = None;
    // A folder removed while the native watcher walks the tree to watch each folder fails
    // the whole start, which a deploy's churn can do; once more sees the tree settled.
    for _ in 0..2 {
        if !native {
            break;
        }
        let started = new_debouncer_opt::<_, RecommendedWatcher, _>(
            DEBOUNCE,
            None,
            handler.clone(),
            RecommendedCache::new(),
            watcher_config(),
        )
        .and_then(|mut debouncer| {
            debouncer
                .watch(folder, RecursiveMode::Recursive)
                .map(|()| debouncer)
        });
        match started {
            Ok(debouncer) => {
                return Ok(Started {
                    guard: Box::new(debouncer),
                    mode: Mode::Native,
                    native_error: None,
                });
            }
            Err(err) => {
                let churn = matches!(err.kind, notify::ErrorKind::PathNotFound);
                native_error = Some(err);
                if !churn {
                    break;
                }
            }
        }
    }
    let mut debouncer = new_debouncer_opt::<_, PollWatcher, _>(
        DEBOUNCE,
        None,
        handler,
        RecommendedCache::new(),
        watcher_config().with_poll_interval(POLL_INTERVAL),
    )?;
    debouncer.watch(folder, RecursiveMode::Recursive)?;
    Ok(Started {
        guard: Box::new(debouncer),
        mode: Mode::Polling,
        native_error,
    })
}

/// Adds the paths of a batch's changes and says whether there was any. Reads (opening a file,
/// closing it unwritten, or listing a folder, which the reload itself does) are not changes, so they are dropped and
/// cannot set off another reload. A watcher error (e.g. an overflowed event queue) counts as a
/// change with no path: the reload lists the whole folder anyway, so nothing is missed.
fn collect(batch: DebounceEventResult, paths: &mut Vec<PathBuf>) -> bool {
    match batch {
        Ok(events) => {
            let mut changed = false;
            for event in events {
                // A file closed after writing is a change: the debouncer drops modifications
                // that follow a creation it has not emitted yet, so for a new file this close
                // can be the only sign that its content arrived after a reload read it empty.
                if matches!(event.kind, EventKind::Access(kind) if kind != AccessKind::Close(AccessMode::Write))
                {
                    continue;
                }
                changed = true;
                paths.extend(event.event.paths);
            }
            changed
        }
        Err(errors) => {
            for err in errors {
                log::warn!("the file watcher reported: {err}; rescanning the folder");
            }
            // An empty path stands for the whole folder, which makes the reload list it again.
            paths.push(PathBuf::new());
            true
        }
    }
}

#[cfg(test)]
mod tests;
