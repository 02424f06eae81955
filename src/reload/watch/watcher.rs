//! The file watcher itself: a debounced `notify` watcher started on a folder (the platform's
//! native one, or polling when that cannot run), and what its batches of events mean.

use std::path::{Path, PathBuf};

use notify::event::{AccessKind, AccessMode, ModifyKind};
use notify::{EventKind, PollWatcher, RecommendedWatcher, RecursiveMode};
use notify_debouncer_full::{DebounceEventResult, RecommendedCache, new_debouncer_opt};

use super::{DEBOUNCE, Guard, POLL_INTERVAL};

/// Which kind of watcher is attached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    Native,
    Polling,
}

/// The watcher's settings: links are not followed, since the listing follows only links that stay
/// inside the folder, whose targets are watched where they are; following them would let a link
/// to `/` put a watch on every folder of the machine (and past the inotify limit).
fn watcher_config() -> notify::Config {
    notify::Config::default().with_follow_symlinks(false)
}

/// Whether an event says that the watched folder itself was deleted or moved away.
pub(super) fn moves_folder(event: &notify::Event, folder: &Path) -> bool {
    matches!(
        event.kind,
        EventKind::Remove(_) | EventKind::Modify(ModifyKind::Name(_))
    ) && event.paths.iter().any(|path| path == folder)
}

/// Whether a watcher error means the native watcher no longer sees every change: a folder
/// it could not watch (past the inotify watch limit) or an event queue it could not read.
pub(super) fn stops_native(err: &notify::Error) -> bool {
    matches!(
        err.kind,
        notify::ErrorKind::MaxFilesWatch | notify::ErrorKind::Io(_)
    )
}

/// A watcher started on a folder.
pub(super) struct Started {
    pub(super) guard: Guard,
    pub(super) mode: Mode,
    /// Why the native watcher could not start, when polling was used instead.
    pub(super) native_error: Option<notify::Error>,
}

/// Starts a watcher on `folder`: the native one when `native` is set and it can start,
/// polling otherwise.
pub(super) fn start(
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
pub(super) fn collect(batch: DebounceEventResult, paths: &mut Vec<PathBuf>) -> bool {
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
