//! Making a store: from the parsed files of a first load, and the store that follows another
//! after a reload.

use std::sync::Arc;

use arc_swap::ArcSwapOption;
use jiff::Timestamp;

use super::indexes::{Order, TitleOrder};
use super::{Edit, Store};
use crate::content::{Parsed, addresses};
use crate::domain::{Post, Problem};

/// What changed in the content folder since a store was made, for [`Store::next`].
pub enum Change<'a> {
    /// Every file as listed now, in path order (what [`Store::build`] takes).
    Listing(Vec<Parsed>),
    /// Only these files were saved, each still serving the post it served. `listing` gives
    /// every file, in case a save moved its post and the indexes must be built again.
    Saved {
        /// The saved files.
        edits: &'a [Edit],
        /// Every file as listed now, asked for only when needed.
        listing: &'a dyn Fn() -> Vec<Parsed>,
    },
}

impl Store {
    /// Builds a store from parsed files (in path order): posts that claim the same slug are
    /// given addresses as [`addresses::assign`] says, and every problem is kept for `/problems`.
    pub fn build(parsed: Vec<Parsed>, loaded_at: Timestamp) -> Store {
        let (posts, problems) = accept(parsed);
        Store::index(posts, problems, loaded_at)
    }

    /// The store that follows this one after `change`, loaded at `now`: one content version on,
    /// and one public version on only if what the public can read at `now` changed (so that a
    /// reload touching only drafts, scheduled or expired posts changes no public answer). It
    /// answers every query exactly as [`Store::build`] on the same files would; when posts keep
    /// their places it shares this store's indexes instead (see the `update` module).
    pub fn next(&self, change: Change<'_>, now: Timestamp) -> Store {
        let mut next = match change {
            Change::Listing(parsed) => self.relisted(parsed, now),
            Change::Saved { edits, listing } => self
                .saved(edits, now)
                .unwrap_or_else(|| self.relisted(listing(), now)),
        };
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
        loaded_at: Timestamp,
    ) -> Store {
        posts.sort_by(|a, b| b.date.cmp(&a.date).then_with(|| a.slug.cmp(&b.slug)));
        Store {
            order: Arc::new(Order::of(&posts)),
            titles: Arc::new(TitleOrder::of(&posts)),
            problems,
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

/// Takes the posts of parsed files (in path order) and every problem; posts that claim the same
/// slug get the addresses [`addresses::assign`] gives them, the same whatever order the files
/// were found or changed in.
pub(super) fn accept(parsed: Vec<Parsed>) -> (Vec<Arc<Post>>, Vec<Problem>) {
    let mut problems = Vec::new();
    let mut candidates: Vec<(String, Arc<Post>)> = Vec::with_capacity(parsed.len());
    for file in parsed {
        problems.extend(file.warnings);
        match file.post {
            Ok(post) => candidates.push((file.path, post)),
            Err(problem) => problems.push(problem),
        }
    }
    let (posts, address_problems) = addresses::assign(candidates);
    problems.extend(address_problems);
    problems.sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
    (posts, problems)
}
