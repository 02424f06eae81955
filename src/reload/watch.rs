//! The watcher thread: a debounced file watcher (the platform's native one, or polling when it
//! cannot start) feeds batches of changed paths to the reloader, off the request path.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use notify::event::{AccessKind, AccessMode};
use notify::{EventKind, PollWatcher, RecommendedWatcher, RecursiveMode};
use notify_debouncer_full::{DebounceEventResult, RecommendedCache, new_debouncer_opt};

use super::Reloader;

/// How long the watcher waits for a burst of writes to settle before reloading; an editor's
/// save is a few events within a few milliseconds, and a change is visible within about this
/// plus a quarter of it (the debouncer's tick).
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

/// A running watch of the content folder. Dropping it stops the watcher, which releases its
/// operating-system watch (inotify instances are few per user) and ends the reload thread.
pub struct Watching {
    _guard: Guard,
}

impl fmt::Debug for Watching {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Watching")
    }
}

/// Watches `root` recursively and reloads on a thread of its own after each debounced batch
/// of changes, until the returned [`Watching`] is dropped. Falls back to polling (with a
/// warning) when the native watcher cannot start, e.g. without inotify or past its limits.
pub fn watch(reloader: Arc<Reloader>, root: &Path) -> Result<Watching, WatchError> {
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let (sender, receiver) = mpsc::channel::<DebounceEventResult>();
    let guard = start(&root, sender)?;
    // The guard holds the only senders: once it is dropped, `recv` fails and the thread ends.
    thread::Builder::new()
        .name("quire-reload".to_owned())
        .spawn(move || {
            while let Ok(batch) = receiver.recv() {
                let mut paths = Vec::new();
                let mut changed = collect(batch, &mut paths);
                // Batches that arrived while the last reload ran are folded into this one.
                while let Ok(more) = receiver.try_recv() {
                    changed |= collect(more, &mut paths);
                }
                if changed {
                    reloader.reload(&paths);
                }
            }
        })
        .map_err(WatchError::Thread)?;
    Ok(Watching { _guard: guard })
}

fn start(root: &Path, sender: mpsc::Sender<DebounceEventResult>) -> Result<Guard, WatchError> {
    let native = new_debouncer_opt::<_, RecommendedWatcher, _>(
        DEBOUNCE,
        None,
        sender.clone(),
        RecommendedCache::new(),
        notify::Config::default(),
    )
    .and_then(|mut debouncer| {
        debouncer
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
            let mut debouncer = new_debouncer_opt::<_, PollWatcher, _>(
                DEBOUNCE,
                None,
                sender,
                RecommendedCache::new(),
                notify::Config::default().with_poll_interval(POLL_INTERVAL),
            )
            .map_err(WatchError::Watcher)?;
            debouncer
                .watch(root, RecursiveMode::Recursive)
                .map_err(WatchError::Watcher)?;
            Ok(Box::new(debouncer))
        }
    }
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
mod tests {
    use std::time::Instant;

    use notify::Event;
    use notify::event::{CreateKind, DataChange, ModifyKind};
    use notify_debouncer_full::DebouncedEvent;

    use super::*;

    fn batch(kinds: &[EventKind]) -> DebounceEventResult {
        Ok(kinds
            .iter()
            .map(|kind| {
                DebouncedEvent::new(Event::new(*kind).add_path("a.md".into()), Instant::now())
            })
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
}
