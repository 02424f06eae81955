//! Whether the content folder is followed now, as `/readyz` reports it: set by the watcher
//! thread, read by handlers without a lock.

use std::sync::atomic::{AtomicU8, Ordering};

/// Whether changes to the content folder are being followed, as `/readyz` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WatchStatus {
    /// Not watched: `--no-watch`, or the watcher has stopped.
    Off,
    /// The platform's file watcher follows the folder.
    Live,
    /// The folder is scanned every [`POLL_INTERVAL`](super::POLL_INTERVAL), because the
    /// native watcher cannot run.
    Polling,
    /// The folder is gone or no watcher could be attached to it: the last content loaded is
    /// served, and the watcher thread keeps trying.
    Lost,
}

impl WatchStatus {
    /// Every status, in the order of its number in [`SharedStatus`].
    pub(super) const ALL: [WatchStatus; 4] = [
        WatchStatus::Off,
        WatchStatus::Live,
        WatchStatus::Polling,
        WatchStatus::Lost,
    ];
}

/// A [`WatchStatus`] that the watcher thread sets and handlers read without a lock.
#[derive(Debug, Default)]
pub(in crate::reload) struct SharedStatus(AtomicU8);

impl SharedStatus {
    /// The status last set; `Off` until the watcher thread sets one.
    pub(in crate::reload) fn get(&self) -> WatchStatus {
        let value = usize::from(self.0.load(Ordering::Relaxed));
        WatchStatus::ALL
            .get(value)
            .copied()
            .unwrap_or(WatchStatus::Off)
    }

    pub(super) fn set(&self, status: WatchStatus) {
        self.0.store(status as u8, Ordering::Relaxed);
    }
}
