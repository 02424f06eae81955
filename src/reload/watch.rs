//! The watcher thread: a debounced file watcher (the platform's native one, or polling when it
//! cannot start) feeds batches of changed paths to the reloader, off the request path.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use notify::{PollWatcher, RecommendedWatcher, RecursiveMode};
use notify_debouncer_mini::{Config, DebounceEventResult, new_debouncer_opt};

use super::Reloader;

/// How long the watcher waits for a burst of writes to settle before reloading; an editor's
/// save is a few events within a few milliseconds, and a change is visible within about twice
/// this.
pub const DEBOUNCE: Duration = Duration::from_millis(25);

/// How often the polling fallback looks at every file.
pub const POLL_INTERVAL: Duration = Duration::from_millis(500);

/// Why the content folder cannot be watched at all.
#[derive(Debug)]
pub enum WatchError {
    /// Neither the native watcher nor polling could start.
    Watcher(notify::Error),
    /// The watcher thread could not be started.
    Thread(std::io::Error),
}

impl fmt::Display for WatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WatchError::Watcher(err) => write!(f, "cannot watch the content folder: {err}"),
            WatchError::Thread(err) => write!(f, "cannot start the watcher thread: {err}"),
        }
    }
}

impl std::error::Error for WatchError {}

/// Keeps a watcher running, native or polling; it stops when dropped.
type Guard = Box<dyn Send>;

/// Watches `root` recursively and reloads on a thread of its own after each debounced batch
/// of changes. Falls back to polling (with a warning) when the native watcher cannot start,
/// e.g. without inotify or past its limits.
pub fn watch(reloader: Arc<Reloader>, root: &Path) -> Result<(), WatchError> {
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let (sender, receiver) = mpsc::channel::<DebounceEventResult>();
    let guard = start(&root, sender)?;
    thread::Builder::new()
        .name("quire-reload".to_owned())
        .spawn(move || {
            let _guard = guard;
            while let Ok(batch) = receiver.recv() {
                let mut paths = Vec::new();
                collect(batch, &mut paths);
                // Batches that arrived while the last reload ran are folded into this one.
                while let Ok(more) = receiver.try_recv() {
                    collect(more, &mut paths);
                }
                reloader.reload(&paths);
            }
        })
        .map_err(WatchError::Thread)?;
    Ok(())
}

fn start(root: &Path, sender: mpsc::Sender<DebounceEventResult>) -> Result<Guard, WatchError> {
    let config = Config::default()
        .with_timeout(DEBOUNCE)
        .with_batch_mode(true);
    let native = new_debouncer_opt::<_, RecommendedWatcher>(config.clone(), sender.clone())
        .and_then(|mut debouncer| {
            debouncer
                .watcher()
                .watch(root, RecursiveMode::Recursive)
                .map(|()| debouncer)
        });
    match native {
        Ok(debouncer) => {
            log::info!("watching {} for changes", root.display());
            Ok(Box::new(debouncer))
        }
        Err(err) => {
            log::warn!(
                "the file watcher cannot start ({err}); polling {} every {} ms instead",
                root.display(),
                POLL_INTERVAL.as_millis()
            );
            let config = config
                .with_notify_config(notify::Config::default().with_poll_interval(POLL_INTERVAL));
            let mut debouncer =
                new_debouncer_opt::<_, PollWatcher>(config, sender).map_err(WatchError::Watcher)?;
            debouncer
                .watcher()
                .watch(root, RecursiveMode::Recursive)
                .map_err(WatchError::Watcher)?;
            Ok(Box::new(debouncer))
        }
    }
}

/// Adds a batch's paths; a watcher error (e.g. an overflowed event queue) adds none, and the
/// reload that follows still lists the whole folder, so nothing is missed.
fn collect(batch: DebounceEventResult, paths: &mut Vec<PathBuf>) {
    match batch {
        Ok(events) => paths.extend(events.into_iter().map(|event| event.path)),
        Err(err) => log::warn!("the file watcher reported: {err}; rescanning the folder"),
    }
}
