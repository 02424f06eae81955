//! Where the search index lives while it is built in the background: empty at start-up, filled
//! once by the build, and read by every search without blocking.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use super::SearchIndex;

/// Whether search can answer yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchStatus {
    /// The index is being built; searches are refused until it is done.
    Building,
    /// The index is built and follows reloads.
    Ready,
    /// Building the index failed; the next reload tries again.
    Failed,
}

/// For tests only: run on the thread of every search, just before the search, so a test can
/// see where searches run and hold one while it sends other requests.
#[derive(Clone)]
pub struct SearchProbe(pub Arc<dyn Fn() + Send + Sync>);

impl fmt::Debug for SearchProbe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SearchProbe")
    }
}

/// The search index once it is built: set once, then only read.
#[derive(Debug, Default)]
pub struct SearchSlot {
    index: OnceLock<SearchIndex>,
    failed: AtomicBool,
    probe: Option<SearchProbe>,
}

impl SearchSlot {
    /// An empty slot, for an index still to be built.
    pub fn building() -> SearchSlot {
        SearchSlot::default()
    }

    /// The slot with a test's probe, run before every search (see [`SearchSlot::probe`]).
    pub fn with_probe(self, probe: Option<SearchProbe>) -> SearchSlot {
        SearchSlot { probe, ..self }
    }

    /// The index, once it is built.
    pub fn index(&self) -> Option<&SearchIndex> {
        self.index.get()
    }

    /// Runs the test's probe, if any; called on the thread a search runs on, before it runs.
    pub fn probe(&self) {
        if let Some(SearchProbe(probe)) = &self.probe {
            probe();
        }
    }

    /// Whether the index is built, being built, or failed to build.
    pub fn status(&self) -> SearchStatus {
        if self.index.get().is_some() {
            SearchStatus::Ready
        } else if self.failed.load(Ordering::Acquire) {
            SearchStatus::Failed
        } else {
            SearchStatus::Building
        }
    }

    /// Puts the built index in place; a slot is filled at most once, so a second index is
    /// dropped (only the build thread fills it).
    pub(super) fn fill(&self, index: SearchIndex) {
        if self.index.set(index).is_err() {
            log::warn!("search: the index was built twice; keeping the first");
        }
    }

    /// Records that building failed (or, with `false`, that it is being tried again).
    pub fn set_failed(&self, failed: bool) {
        self.failed.store(failed, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slot_is_building_until_filled_and_failed_only_while_empty() {
        let store = crate::store::Store::build(Vec::new(), jiff::Timestamp::UNIX_EPOCH);
        let slot = SearchSlot::building();
        assert_eq!(slot.status(), SearchStatus::Building);
        assert!(slot.index().is_none());

        slot.set_failed(true);
        assert_eq!(slot.status(), SearchStatus::Failed);

        slot.fill(SearchIndex::build(&store, jiff::Timestamp::UNIX_EPOCH).unwrap());
        assert_eq!(slot.status(), SearchStatus::Ready);
        assert!(slot.index().is_some());
    }
}
