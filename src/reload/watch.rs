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
use std::path::Path;
use std::sync::mpsc;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::Duration;

use notify_debouncer_full::DebounceEventResult;

use super::Reloader;
use follower::Follower;

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
    thread::Builder::new()
        .name("quire-reload".to_owned())
        .spawn(move || follower.run(&receiver))
        .map_err(WatchError::Thread)?;
    Ok(Watching { slot, stop: sender })
}

#[cfg(test)]
mod tests;
