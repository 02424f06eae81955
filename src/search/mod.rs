//! Ranked full-text search and related posts, on a tantivy index beside the store, held in
//! memory or kept in a folder between runs (see [`disk`]). The index holds one document per
//! post the public can read when it is built or caught up, and nothing else: a scheduled,
//! expired or draft post's words would otherwise move scores, ranks and which words count as
//! known. It follows reloads and the schedule (see [`follow`]) by re-indexing only the posts
//! that changed or became visible and removing those that became hidden; the store still checks
//! each hit at request time, for the moment between a go-live and the index catching up.
//!
//! Matching: every word must match somewhere (title, tags, categories, excerpt or body), as its
//! English stem, within one typo for words of 5 or more letters that no post contains as they
//! are (a known word is taken as meant), or, for the last word while it
//! is still being typed, as a prefix; every "quoted phrase" must appear in order. Typos and
//! prefixes are matched both against stems and against the words as written (the `words`
//! field): a stem can be shorter than what the reader typed (`estimatio` is not a prefix of
//! `estim`) and a typo can change the stem entirely (`meetigns` is not a typo of `meet`). Scores are
//! BM25 sums with field boosts title 4, tags and categories 3, excerpt 2, body 1; typo and prefix
//! matches count for less than exact ones.
//!
//! The files, by concern: [`schema`] (fields, analyzers, a post's document), [`lifecycle`]
//! (build, open, compact), [`update`] (re-index what changed, catch up), [`follow`] (the
//! thread that builds and follows reloads) and [`slot`] (where requests find the index);
//! [`snapshot`] (what one search sees), [`plan`] (the reader's text to a query), [`collector`]
//! (every hit), [`ranking`] (scores, filters, facets, order, page) and [`snippet`]; [`stem`]
//! and [`pairs`] (analyzers), [`disk`] (the kept index), [`related`], and [`text`] (the
//! reader's text parsed).

mod collector;
mod disk;
mod follow;
mod lifecycle;
mod pairs;
mod plan;
mod ranking;
mod related;
mod schema;
mod slot;
mod snapshot;
mod snippet;
mod stem;
mod text;
mod update;

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

use arc_swap::ArcSwap;
use tantivy::{Index, IndexReader, IndexWriter, TantivyDocument};

use crate::domain::Post;

pub use follow::build_and_follow;
pub use ranking::{FacetCount, SearchHit, SearchRequest, SearchResults};
pub use related::RelatedPost;
pub use slot::{SearchProbe, SearchSlot, SearchStatus};
pub use snapshot::IndexVersion;
pub use text::{Part, SearchText};

use schema::Fields;
use snapshot::Snapshot;

/// The longest search text Quire accepts, in characters.
pub const MAX_QUERY_CHARS: usize = 256;

/// A failure inside the search library; a bug or resource problem, never the reader's input.
#[derive(Debug)]
pub struct SearchError(tantivy::TantivyError);

impl fmt::Display for SearchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "search index: {}", self.0)
    }
}

impl std::error::Error for SearchError {}

impl From<tantivy::TantivyError> for SearchError {
    fn from(err: tantivy::TantivyError) -> SearchError {
        SearchError(err)
    }
}

/// The full-text index of a store's posts; searches never block, updates are serialised.
pub struct SearchIndex {
    index: Index,
    fields: Fields,
    writer: Mutex<IndexWriter<TantivyDocument>>,
    reader: IndexReader,
    snapshot: ArcSwap<Snapshot>,
    /// Whether a build left segments for [`SearchIndex::compact`] to merge.
    built: AtomicBool,
    /// The post each document was made from, by slug: exactly what the index holds, so that
    /// catching up with a store and an instant re-indexes only what differs. Changed only
    /// while the writer is locked.
    held: Mutex<HashMap<String, Arc<Post>>>,
}

impl fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SearchIndex")
            .field("version", &self.snapshot.load().version)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests;
