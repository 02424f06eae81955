//! What HTTP caching asks of a store: which content version a response at a given instant
//! belongs to (the response cache's key and the next moment it changes), and when the content
//! behind a list last changed (its `Last-Modified`).

use jiff::Timestamp;

use super::Store;

/// The content visible at an instant, as far as a cached response can tell: the same version
/// means the same answer to the same request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContentVersion {
    /// The store's content version.
    pub generation: u64,
    /// How many scheduled visibility changes (a post going live or expiring) have passed.
    pub epoch: usize,
    /// When the next one comes, if any: the version lasts until then.
    pub next_change: Option<Timestamp>,
}

impl Store {
    /// The content version visible at `now`.
    pub fn version_at(&self, now: Timestamp) -> ContentVersion {
        let (epoch, next_change) = self.visibility_at(now);
        ContentVersion {
            generation: self.generation(),
            epoch,
            next_change,
        }
    }

    /// When a response's content last changed, for lists, terms and meta: the newest file of a
    /// published post, or the last time a post went live or expired, whichever is later.
    pub fn content_modified(&self, now: Timestamp) -> Option<Timestamp> {
        self.newest_modified(now)
            .max(self.last_change_at_or_before(now))
    }
}
