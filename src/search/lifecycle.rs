//! The index's lifecycle: built in memory or opened from a folder kept between runs (see
//! [`super::disk`]), searchable as soon as every post is in, then compacted into one segment;
//! rebuilt from scratch when an update failed. Keeping it in step with reloads and the
//! schedule is [`super::update`]; the thread that does both is [`super::follow`].

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use arc_swap::ArcSwap;
use jiff::Timestamp;
use tantivy::indexer::{LogMergePolicy, NoMergePolicy};
use tantivy::{Index, ReloadPolicy};

use super::schema::{Fields, register_analyzers, schema};
use super::snapshot::{DocMap, IndexVersion, Snapshot};
use super::{SearchError, SearchIndex, disk};
use crate::store::Store;

/// Documents added between two commits while indexing many posts.
pub(super) const DOCS_PER_COMMIT: usize = 2_500;
/// More segments than this in a kept index mean a build's merge never ran (the process
/// stopped first), or enough updates piled up that merging everything once is worth it; the
/// merge policy starts merging a size level at 8.
pub(super) const MAX_KEPT_SEGMENTS: usize = 8;

impl SearchIndex {
    /// Indexes every post of `store` published at `now` in memory, using all cores.
    pub fn build(store: &Store, now: Timestamp) -> Result<SearchIndex, SearchError> {
        let search = SearchIndex::build_searchable(store, now)?;
        search.compact(store, now)?;
        Ok(search)
    }

    /// [`SearchIndex::build`] up to the point where every post can be found: the index is
    /// still in the many segments a build leaves until [`SearchIndex::compact`].
    pub fn build_searchable(store: &Store, now: Timestamp) -> Result<SearchIndex, SearchError> {
        let (schema, fields) = schema();
        let search = SearchIndex::around(Index::create_in_ram(schema), fields, store)?;
        search.update(store, &published_slugs(store, now), &[], false, now)?;
        Ok(search)
    }

    /// Opens the index kept in `dir` by an earlier run, or creates it there, and brings it up
    /// to date with the posts of `store` published at `now`: only posts added, changed,
    /// removed, gone live or expired since are indexed again or removed.
    pub fn open(store: &Store, dir: &Path, now: Timestamp) -> Result<SearchIndex, SearchError> {
        let search = SearchIndex::open_searchable(store, dir, now)?;
        search.compact(store, now)?;
        Ok(search)
    }

    /// [`SearchIndex::open`] up to the point where every post can be found; an index built
    /// afresh waits for [`SearchIndex::compact`] as [`SearchIndex::build_searchable`]'s does.
    pub fn open_searchable(
        store: &Store,
        dir: &Path,
        now: Timestamp,
    ) -> Result<SearchIndex, SearchError> {
        let (schema, fields) = schema();
        let search = SearchIndex::around(disk::open(dir, schema)?, fields, store)?;
        let searcher = search.reader.searcher();
        if searcher.num_docs() == 0 {
            search.update(store, &published_slugs(store, now), &[], false, now)?;
            log::info!("search index in {}: built afresh", dir.display());
            return Ok(search);
        }
        let changes = disk::changes(&searcher, &search.fields, store, now);
        let segments = searcher.segment_readers().len();
        drop(searcher);
        if segments > MAX_KEPT_SEGMENTS {
            // Most likely the last run stopped before merging its build: `compact` does it.
            search
                .writer
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .set_merge_policy(Box::new(NoMergePolicy));
            search.built.store(true, Ordering::Release);
        }
        {
            // The documents kept from the last run are the published posts left unchanged; the
            // update below takes back the ones it re-indexes or removes.
            let _writer = search.writer.lock().unwrap_or_else(|e| e.into_inner());
            let mut held = search.held.lock().unwrap_or_else(|e| e.into_inner());
            for post in store.all_posts().iter().filter(|p| p.is_published(now)) {
                held.insert(post.slug.to_string(), Arc::clone(post));
            }
        }
        search.update(store, &changes.upserted, &changes.deleted, true, now)?;
        if !changes.deleted.is_empty() {
            search.purge_deleted(store, now)?;
        }
        log::info!(
            "search index in {}: {} posts unchanged, {} indexed again, {} removed; {segments} segments",
            dir.display(),
            changes.kept,
            changes.upserted.len(),
            changes.deleted.len()
        );
        Ok(search)
    }

    /// A search index over `index`, with Quire's analyzers, a writer sized for `store`, and a
    /// reader showing what `index` holds (nothing yet mapped to a store).
    fn around(index: Index, fields: Fields, store: &Store) -> Result<SearchIndex, SearchError> {
        register_analyzers(&index);
        let text_bytes: usize = store.all_posts().iter().map(|p| p.body.text_len()).sum();
        // One indexing thread per 20,000 posts, up to the cores: each thread holds a segment
        // of its own in memory (at 10,000 posts a second one raised the peak from 195 to
        // 210 MiB, 2.8x to 3.0x the corpus, to be ready 2.5 s sooner), and each is started
        // again on every commit.
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .clamp(1, 8)
            .min(1 + store.all_posts().len() / 20_000);
        // Big enough that a large site is indexed in few segments, small for a small one.
        let budget = (text_bytes * 3).clamp(20_000_000 * threads, 1_000_000_000);
        let writer = index.writer_with_num_threads(threads, budget)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let searcher = index.reader()?.searcher();
        Ok(SearchIndex {
            snapshot: ArcSwap::from_pointee(Snapshot {
                searcher,
                version: IndexVersion {
                    generation: 0,
                    epoch: 0,
                },
                docs: DocMap::default(),
            }),
            index,
            fields,
            writer: Mutex::new(writer),
            reader,
            built: AtomicBool::new(false),
            held: Mutex::new(HashMap::new()),
        })
    }

    /// The store generation the index last caught up with; behind the served store for the
    /// moment between a reload and the index applying it.
    pub fn generation(&self) -> u64 {
        self.snapshot.load().version.generation
    }

    /// The store generation and visibility epoch the index last caught up with.
    pub fn version(&self) -> IndexVersion {
        self.snapshot.load().version
    }

    /// Re-indexes every post of `store` published at `now` from scratch, for when updating
    /// the index failed.
    pub fn rebuild(&self, store: &Store, now: Timestamp) -> Result<(), SearchError> {
        {
            let writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
            writer.delete_all_documents()?;
            self.held.lock().unwrap_or_else(|e| e.into_inner()).clear();
        }
        self.update(store, &published_slugs(store, now), &[], false, now)?;
        self.compact(store, now)
    }

    /// Merges the segments a build left into one, which searches fastest, and shows the
    /// result mapped to `store` (the store built from, at `now`); nothing to do after anything
    /// else.
    /// Searches go on meanwhile, on the segments as they were. At 100,000 posts the merge
    /// takes about 7 s of one core, which is why a build is searchable before it.
    pub fn compact(&self, store: &Store, now: Timestamp) -> Result<(), SearchError> {
        let mut writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        if !self.built.swap(false, Ordering::AcqRel) {
            return Ok(());
        }
        let segments = self.index.searchable_segment_ids()?;
        let merged = if segments.len() > 1 {
            writer.merge(&segments).wait().map(drop)
        } else {
            Ok(())
        };
        // From now on, updates' small segments are merged as they accumulate.
        writer.set_merge_policy(Box::new(LogMergePolicy::default()));
        merged?;
        self.show(store, now)
    }

    /// How many segments the index searches; one once compacted.
    pub fn segments(&self) -> usize {
        self.snapshot.load().searcher.segment_readers().len()
    }
}

/// The slugs of the posts of `store` published at `now`, in store order.
pub(super) fn published_slugs(store: &Store, now: Timestamp) -> Vec<String> {
    store
        .all_posts()
        .iter()
        .filter(|p| p.is_published(now))
        .map(|p| p.slug.to_string())
        .collect()
}
