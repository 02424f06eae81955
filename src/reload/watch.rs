//! The watcher thread: a debounced file watcher (the platform's native one, or polling when it
//! cannot run) feeds batches of changed paths to the reloader, off the request path. The same
//! thread checks that the folder it watches is still the one at the content path: a deploy
//! that moves a new folder into place, deletes and remakes it, or points a link elsewhere
//! leaves the native watcher on a folder nobody serves, so the watch is attached again.

mod follower;
mod status;
mod watcher;

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::Duration;

use notify_debouncer_full::DebounceEventResult;

use super::Reloader;
use follower::{Attempt, Follower, attempt};

pub(super) use status::SharedStatus;
pub use status::WatchStatus;

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
fn follow_folder(
    reloader: Arc<Reloader>,
    root: &Path,
    native: bool,
) -> Result<Watching, WatchError> {
    let (sender, receiver) = mpsc::channel::<Signal>();
    let slot = Arc::new(Mutex::new(Slot::default()));
    let mut follower = Follower::new(reloader, root, sender.clone(), Arc::clone(&slot), native);
    // Attached before the thread starts, so a change made as soon as Quire serves is seen.
    follower.attach();
    run(follower, receiver, slot, sender)
}

/// Starts the watcher thread's loop for `follower`.
fn run(
    follower: Follower,
    receiver: mpsc::Receiver<Signal>,
    slot: Arc<Mutex<Slot>>,
    sender: mpsc::Sender<Signal>,
) -> Result<Watching, WatchError> {
    thread::Builder::new()
        .name("quire-reload".to_owned())
        .spawn(move || follower.run(&receiver))
        .map_err(WatchError::Thread)?;
    Ok(Watching { slot, stop: sender })
}

/// A watch begun before the content is loaded (see [`watch_early`]), waiting for the reloader
/// that the load makes.
pub struct EarlyWatch {
    root: PathBuf,
    sender: mpsc::Sender<Signal>,
    receiver: mpsc::Receiver<Signal>,
    attaching: thread::JoinHandle<Attempt>,
}

impl fmt::Debug for EarlyWatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EarlyWatch")
    }
}

/// Begins watching the folder at `root` before its content is loaded: the watch is attached
/// (one per folder, a walk of the whole tree) on a thread of its own while the content loads,
/// and what changes meanwhile waits in the watch's queue, so it is reloaded once
/// [`EarlyWatch::follow`] hands the watch the reloader; a file written while the folder is
/// listed is never missed.
pub fn watch_early(root: &Path) -> Result<EarlyWatch, WatchError> {
    let (sender, receiver) = mpsc::channel::<Signal>();
    let (root, to_watch) = (root.to_path_buf(), sender.clone());
    let folder = root.clone();
    let attaching = thread::Builder::new()
        .name("quire-watch".to_owned())
        .spawn(move || attempt(&folder, &to_watch, true))
        .map_err(WatchError::Thread)?;
    Ok(EarlyWatch {
        root,
        sender,
        receiver,
        attaching,
    })
}

impl EarlyWatch {
    /// Takes the watch begun early (waiting for it to be attached, if it is not yet) and
    /// reloads after each batch of changes from now on, as [`watch`] does.
    pub fn follow(self, reloader: Arc<Reloader>) -> Result<Watching, WatchError> {
        let slot = Arc::new(Mutex::new(Slot::default()));
        let mut follower = Follower::new(
            reloader,
            &self.root,
            self.sender.clone(),
            Arc::clone(&slot),
            true,
        );
        let attempt = self.attaching.join().unwrap_or_else(|_| {
            Attempt::Failed(notify::Error::generic(
                "the thread attaching the watch panicked",
            ))
        });
        follower.adopt(attempt);
        run(follower, self.receiver, slot, self.sender)
    }
}

#[cfg(test)]
mod tests;
