//! What one search sees: a tantivy searcher frozen at one commit, the store generation and
//! visibility epoch it was made for, and the map from its documents to that store's posts.
//! Searches load a snapshot without a lock; updates publish a new one whole.
//!
//! The map is made once per published snapshot so that a search does not look slugs up per
//! hit; it relies on the store never changing under a generation number, and a search with
//! a store of another generation makes a map of its own (`docs_for`).
//! `tests.rs`'s `a_stale_index_still_maps_hits_to_the_new_store` guards it.

use std::borrow::Cow;

use jiff::Timestamp;
use tantivy::schema::Field;
use tantivy::{DocId, Searcher, SegmentReader};

use super::SearchIndex;
use crate::store::Store;

/// Marks for no position: a document whose post the store does not have.
pub(super) const NO_POSITION: u32 = u32::MAX;

/// What one search sees: a searcher and, for the store generation it was made for, how its
/// documents map to that store's posts.
pub(super) struct Snapshot {
    pub(super) searcher: Searcher,
    pub(super) version: IndexVersion,
    pub(super) docs: DocMap,
}

/// Which content an index state holds: the posts of one store generation published in one
/// visibility epoch of it (between two go-lives or expiries). An answer computed from a state
/// that is not the current one is right for the moment but must not be cached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexVersion {
    /// The store generation the index was last brought up to.
    pub generation: u64,
    /// That store's visibility epoch (see [`Store::visibility_epoch`]) when it was.
    pub epoch: usize,
}

impl IndexVersion {
    /// Whether the index holds exactly what `store` publishes at `now`.
    pub fn is_current(&self, store: &Store, now: Timestamp) -> bool {
        self.generation == store.generation() && self.epoch == store.visibility_epoch(now)
    }
}

/// Index documents' positions in the store.
#[derive(Default, Clone)]
pub(super) struct DocMap {
    /// For each segment, each document's position in the store (or [`NO_POSITION`]).
    pub(super) positions: Vec<Vec<u32>>,
}

impl DocMap {
    /// Maps the documents `searcher` sees to the posts of `store`, by slug.
    pub(super) fn new(searcher: &Searcher, slug_field: Field, store: &Store) -> DocMap {
        let name = searcher.schema().get_field_name(slug_field).to_owned();
        let positions = searcher
            .segment_readers()
            .iter()
            .map(|segment| segment_positions(segment, &name, store))
            .collect();
        DocMap { positions }
    }
}

impl SearchIndex {
    /// How the snapshot's documents map to `store`'s posts: the snapshot's own map when it was
    /// made for this store, else one made now (the store was swapped, the index not yet told).
    pub(super) fn docs_for<'a>(&self, snapshot: &'a Snapshot, store: &Store) -> Cow<'a, DocMap> {
        if snapshot.version.generation == store.generation() {
            Cow::Borrowed(&snapshot.docs)
        } else {
            Cow::Owned(DocMap::new(&snapshot.searcher, self.fields.slug, store))
        }
    }
}

/// Each document's position in `store`, or [`NO_POSITION`], for one segment.
fn segment_positions(segment: &SegmentReader, slug_field: &str, store: &Store) -> Vec<u32> {
    let mut positions = vec![NO_POSITION; segment.max_doc() as usize];
    for_each_slug(segment, slug_field, |doc, slug| {
        if let Some(found) = store.position_of(slug) {
            positions[doc as usize] = found as u32;
        }
    });
    positions
}

/// Calls `each` with every document of `segment` that has a slug (deleted ones included), and
/// that slug, read from the slug's fast field.
pub(super) fn for_each_slug(
    segment: &SegmentReader,
    slug_field: &str,
    mut each: impl FnMut(DocId, &str),
) {
    let Ok(Some(column)) = segment.fast_fields().str(slug_field) else {
        return;
    };
    let mut slug = String::new();
    for doc in 0..segment.max_doc() {
        let Some(ord) = column.term_ords(doc).next() else {
            continue;
        };
        slug.clear();
        if column.ord_to_str(ord, &mut slug).unwrap_or(false) {
            each(doc, &slug);
        }
    }
}
