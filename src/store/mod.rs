//! The in-memory content store: every loaded post, indexed once per content version and never
//! edited afterwards; a reload builds a new store and swaps it in whole. Queries take the
//! current time, because whether a post is visible is decided per request.

mod backlinks;
mod build;
mod freshness;
mod indexes;
mod placeholders;
mod query;
mod request;
mod update;
mod visibility;

#[cfg(test)]
mod tests;

use std::sync::Arc;

use arc_swap::ArcSwapOption;
use jiff::Timestamp;

use crate::domain::{MediaFile, MediaIndex, Placeholders, Post, Problem, Severity};
use backlinks::Backlinks;
use indexes::{Order, TitleOrder};

pub use backlinks::Backlink;
pub use build::Change;
pub use freshness::ContentVersion;
pub use query::{PostInContext, PostPage, StoreStats, TermCount};
pub use request::{PageRequest, PostFilter, SortOrder, TagMode, TaxonomyKind};
pub use update::Edit;

/// Position of a post in the store's date order.
type Position = u32;

/// An immutable, indexed set of posts and the problems found while loading them.
#[derive(Debug)]
pub struct Store {
    /// Every loaded post, drafts included, newest first (ties by slug).
    posts: Vec<Arc<Post>>,
    /// Where each post sits and who carries which term; shared with the next store when a
    /// reload leaves every post's place unchanged.
    order: Arc<Order>,
    /// Positions in title order, and for each position its rank in that order; shared when
    /// no title changed.
    titles: Arc<TitleOrder>,
    problems: Vec<Problem>,
    /// The media files beside the posts, by path; shared while none changes.
    media: Arc<MediaIndex>,
    /// The blur placeholders of its images made so far, by hash; filled in the background
    /// after start-up (see [`Store::with_placeholders`]) and carried to the next store.
    placeholders: Arc<Placeholders>,
    /// Who links to whom; shared while no post's links change.
    backlinks: Arc<Backlinks>,
    loaded_at: Timestamp,
    /// Which content version this is: 1 for the first load, one more for each reload.
    generation: u64,
    /// The visibility epoch last asked about and the newest modification time among the
    /// posts published in it: a hidden post's save must not move a public `Last-Modified`,
    /// and the answer is the same for the whole epoch.
    published_modified: ArcSwapOption<(usize, Option<Timestamp>)>,
    /// What the public has seen change: one more for each reload that changed a published
    /// post or its problems, and when the latest did (see [`Store::public_generation`]).
    public_version: (u64, Timestamp),
}

impl Store {
    /// Which content version this is: 1 for the first load, one more for each reload; caches
    /// of anything derived from the store are keyed by it.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// When this store's content was loaded.
    pub fn loaded_at(&self) -> Timestamp {
        self.loaded_at
    }

    /// Every problem found while loading, errors and warnings, by file and line.
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }

    /// How many problems are errors (skipped files) and how many warnings (repairs).
    pub fn problem_counts(&self) -> (usize, usize) {
        let errors = self
            .problems
            .iter()
            .filter(|p| p.severity == Severity::Error)
            .count();
        (errors, self.problems.len() - errors)
    }

    /// The media files beside the posts, by path.
    pub fn media(&self) -> &MediaIndex {
        &self.media
    }

    /// The media file at `path` (relative to the content folder), if there is one.
    pub fn media_file(&self, path: &str) -> Option<&Arc<MediaFile>> {
        self.media.get(path)
    }

    /// All loaded posts, drafts included, newest first.
    pub fn all_posts(&self) -> &[Arc<Post>] {
        &self.posts
    }
}
