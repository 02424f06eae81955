//! Keeping the index in step: re-indexing the posts a reload changed, catching up with a new
//! store or a post going live or expiring, and publishing what was committed as a new
//! [`Snapshot`] mapped to the store. Updates are serialised by the writer's lock; searches
//! never wait for them.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use jiff::Timestamp;
use tantivy::Term;
use tantivy::indexer::NoMergePolicy;

use super::lifecycle::DOCS_PER_COMMIT;
use super::snapshot::{DocMap, IndexVersion, Snapshot};
use super::{SearchError, SearchIndex, stem};
use crate::store::Store;

impl SearchIndex {
    /// Re-indexes the posts of `upserted_slugs` from `store` (one missing or not published at
    /// `now` is just removed), removes `deleted_slugs`, and makes the result visible.
    pub fn apply(
        &self,
        store: &Store,
        upserted_slugs: &[String],
        deleted_slugs: &[String],
        now: Timestamp,
    ) -> Result<(), SearchError> {
        self.update(store, upserted_slugs, deleted_slugs, true, now)
    }

    /// Brings the index to exactly the posts of `store` published at `now`: indexes those it
    /// does not hold or holds from another parse (unchanged files keep the very same post),
    /// removes those no longer published or gone, and maps hits to `store`. Whatever told the
    /// caller to catch up (a reload, a post going live or expiring, reports missed), the result
    /// is the same, and catching up twice does nothing the second time.
    pub fn catch_up(&self, store: &Store, now: Timestamp) -> Result<(), SearchError> {
        let (upserted, deleted) = {
            let held = self.held.lock().unwrap_or_else(|e| e.into_inner());
            let upserted: Vec<String> = store
                .all_posts()
                .iter()
                .filter(|post| post.is_published(now))
                .filter(|post| {
                    held.get(post.slug.as_str())
                        .is_none_or(|indexed| !Arc::ptr_eq(indexed, post))
                })
                .map(|post| post.slug.to_string())
                .collect();
            let mut deleted: Vec<String> = held
                .keys()
                .filter(|slug| {
                    store
                        .post_by_slug(slug)
                        .is_none_or(|post| !post.is_published(now))
                })
                .cloned()
                .collect();
            deleted.sort_unstable();
            (upserted, deleted)
        };
        if upserted.is_empty() && deleted.is_empty() {
            if !self.version().is_current(store, now) {
                // Nothing to index, but the new store may keep its posts elsewhere.
                self.show(store, now)?;
            }
            return Ok(());
        }
        self.update(store, &upserted, &deleted, true, now)?;
        if deleted.is_empty() {
            Ok(())
        } else {
            self.purge_deleted(store, now)
        }
    }

    /// Merges away the documents of posts that stopped being published: until its segment is
    /// merged, a deleted document still counts in how many documents hold a word, which moves
    /// every score and keeps its words "known" to the typo rule. Merging the segments that
    /// hold deleted documents rewrites them, at most the whole index, which is why it is done
    /// only when a post leaves (an edited post's old words fade as segments merge anyway).
    pub(super) fn purge_deleted(&self, store: &Store, now: Timestamp) -> Result<(), SearchError> {
        let mut writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let segments: Vec<_> = self
            .index
            .searchable_segment_metas()?
            .iter()
            .filter(|meta| meta.has_deletes())
            .map(|meta| meta.id())
            .collect();
        if segments.is_empty() {
            return Ok(());
        }
        if let Err(err) = writer.merge(&segments).wait() {
            // Most likely a merge the policy started holds one of them and purges it too.
            log::warn!("search: merging away removed posts failed: {err}");
        }
        drop(writer);
        self.show(store, now)
    }

    /// Applies changes, indexing only posts published at `now`; `replace` deletes the old
    /// documents first (not needed when building).
    pub(super) fn update(
        &self,
        store: &Store,
        upserted_slugs: &[String],
        deleted_slugs: &[String],
        replace: bool,
        now: Timestamp,
    ) -> Result<(), SearchError> {
        let mut writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        if !replace {
            // A build's chunks are merged into one segment by `compact`; merges in between
            // would only redo that work (and take segments that merge names).
            writer.set_merge_policy(Box::new(NoMergePolicy));
        }
        if replace {
            for slug in upserted_slugs.iter().chain(deleted_slugs) {
                writer.delete_term(Term::from_field_text(self.fields.slug, slug));
                held.remove(slug);
            }
        }
        let mut queued = 0;
        let mut written = stem::WordStems::new();
        for slug in upserted_slugs {
            let Some(post) = store.post_by_slug(slug) else {
                continue;
            };
            if post.is_published(now) {
                writer.add_document(self.document(post, &mut written))?;
                held.insert(slug.clone(), Arc::clone(post));
                queued += 1;
            }
            // Documents wait in the writer's queue with their whole text; committing now and
            // then bounds what a big build holds at once.
            if queued == DOCS_PER_COMMIT {
                writer.commit()?;
                queued = 0;
            }
        }
        writer.commit()?;
        if !replace {
            // The chunks' segments wait for `compact`, which merges them in one go.
            self.built.store(true, Ordering::Release);
        }
        drop(held);
        drop(writer);
        self.show(store, now)
    }

    /// Makes what the writer committed visible to searches, mapped to `store`'s posts, as
    /// the posts `store` publishes at `now`.
    pub(super) fn show(&self, store: &Store, now: Timestamp) -> Result<(), SearchError> {
        self.reader.reload()?;
        let searcher = self.reader.searcher();
        let docs = DocMap::new(&searcher, self.fields.slug, store);
        self.snapshot.store(Arc::new(Snapshot {
            searcher,
            version: IndexVersion {
                generation: store.generation(),
                epoch: store.visibility_epoch(now),
            },
            docs,
        }));
        Ok(())
    }
}
