//! Making a store: from a finished load, and the store that follows another after a reload.
//! Loading work (parsing, addresses, problems) is done by then; the store sorts and indexes.

use std::sync::Arc;

use arc_swap::ArcSwapOption;
use jiff::Timestamp;

use super::backlinks::Backlinks;
use super::indexes::{Order, TitleOrder};
use super::{Edit, Store};
use crate::domain::{Loaded, MediaIndex, Post, Problem};

/// What changed in the content folder since a store was made, for [`Store::next`].
pub enum Change<'a> {
    /// Every file as listed now, its load finished (what [`Store::build`] takes).
    Listing(Loaded),
    /// Only these files were saved, each still serving the post it served. `listing` gives
    /// every file, in case a save moved its post and the indexes must be built again.
    Saved {
        /// The saved files.
        edits: &'a [Edit],
        /// Every file as listed now, its load finished, asked for only when needed.
        listing: &'a dyn Fn() -> Loaded,
    },
}

impl Store {
    /// Builds a store from a finished load: its posts, each at its own address, and its
    /// problems, kept for `/problems`. A list of parsed files (in path order) converts into one
    /// through `content::finish`.
    pub fn build(loaded: impl Into<Loaded>, loaded_at: Timestamp) -> Store {
        let Loaded {
            media,
            posts,
            problems,
        } = loaded.into();
        Store::index(posts, problems, media, loaded_at)
    }

    /// The store that follows this one after `change`, loaded at `now`: one content version on,
    /// and one public version on only if what the public can read at `now` changed (so that a
    /// reload touching only drafts, scheduled or expired posts changes no public answer). It
    /// answers every query exactly as [`Store::build`] on the same files would; when posts keep
    /// their places it shares this store's indexes instead (see the `update` module).
    pub fn next(&self, change: Change<'_>, now: Timestamp) -> Store {
        let mut next = match change {
            Change::Listing(loaded) => self.relisted(loaded, now),
            Change::Saved { edits, listing } => self
                .saved(edits, now)
                .unwrap_or_else(|| self.relisted(listing(), now)),
        };
        next.placeholders = Arc::clone(&self.placeholders);
        next.generation = self.generation + 1;
        next.public_version = if next.public_differs_from(self, now) {
            (self.public_version.0 + 1, now)
        } else {
            self.public_version
        };
        next
    }

    /// Sorts accepted posts newest first and indexes them.
    pub(super) fn index(
        mut posts: Vec<Arc<Post>>,
        problems: Vec<Problem>,
        media: Arc<MediaIndex>,
        loaded_at: Timestamp,
    ) -> Store {
        posts.sort_by(|a, b| b.date.cmp(&a.date).then_with(|| a.slug.cmp(&b.slug)));
        Store {
            order: Arc::new(Order::of(&posts)),
            backlinks: Arc::new(Backlinks::of(&posts)),
            titles: Arc::new(TitleOrder::of(&posts)),
            problems,
            media,
            placeholders: Arc::default(),
            loaded_at,
            generation: 1,
            published_modified: ArcSwapOption::empty(),
            public_version: (1, loaded_at),
            posts,
        }
    }

    /// The same store marked as content version `generation`: search's tests index stores of
    /// several versions without reloading.
    #[cfg(test)]
    pub(crate) fn with_generation(mut self, generation: u64) -> Store {
        self.generation = generation;
        self
    }
}
