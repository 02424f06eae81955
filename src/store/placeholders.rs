//! The blur placeholders a store carries: made after start-up in the background (see
//! `crate::placeholders`), published by swapping in the same store with more of them, and
//! carried to the next store at each reload.

use std::sync::Arc;

use arc_swap::ArcSwapOption;

use super::Store;
use crate::domain::{Placeholder, Placeholders};

impl Store {
    /// The blur placeholder of the image whose bytes hash to `hash` (its `MediaFile::hash`),
    /// once the background worker has made it.
    pub fn placeholder(&self, hash: u64) -> Option<&Placeholder> {
        self.placeholders.get(&hash).map(Arc::as_ref)
    }

    /// Every placeholder this store carries, by image hash.
    pub fn placeholders(&self) -> &Arc<Placeholders> {
        &self.placeholders
    }

    /// This store carrying `placeholders` instead: one content version on, so responses cached
    /// by version are made again with them, but the same public version, since no post
    /// changed (nothing is announced and the public `generation` stays).
    pub fn with_placeholders(&self, placeholders: Arc<Placeholders>) -> Store {
        Store {
            posts: self.posts.clone(),
            order: Arc::clone(&self.order),
            titles: Arc::clone(&self.titles),
            problems: self.problems.clone(),
            media: Arc::clone(&self.media),
            placeholders,
            backlinks: Arc::clone(&self.backlinks),
            loaded_at: self.loaded_at,
            generation: self.generation + 1,
            published_modified: ArcSwapOption::new(self.published_modified.load_full()),
            public_version: self.public_version,
        }
    }
}
