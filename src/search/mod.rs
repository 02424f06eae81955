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

mod disk;
mod follow;
mod pairs;
mod related;
mod slot;
mod stem;
mod text;

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use arc_swap::ArcSwap;
use jiff::Timestamp;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::indexer::{LogMergePolicy, NoMergePolicy};
use tantivy::query::{
    BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, PhraseQuery, Query, TermQuery,
};
use tantivy::schema::{
    FAST, Field, IndexRecordOption, NumericOptions, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{
    DocId, Index, IndexReader, IndexWriter, ReloadPolicy, Score, Searcher, SegmentOrdinal,
    SegmentReader, TantivyDocument, Term,
};

use crate::domain::{Post, Term as TaxonomyTerm};
use crate::store::{PageRequest, PostFilter, SortOrder, Store, TaxonomyKind};

pub use follow::build_and_follow;
pub use related::RelatedPost;
pub use slot::{SearchProbe, SearchSlot, SearchStatus};
pub use text::{Part, SearchText};

/// The longest search text Quire accepts, in characters.
pub const MAX_QUERY_CHARS: usize = 256;

/// Field boosts: a title match outranks a tag match, which outranks excerpt and body matches.
const TITLE_BOOST: Score = 4.0;
const TAGS_BOOST: Score = 3.0;
const EXCERPT_BOOST: Score = 2.0;
const BODY_BOOST: Score = 1.0;
/// How much a typo or prefix match counts against an exact one.
const FUZZY_WEIGHT: Score = 0.25;
const PREFIX_WEIGHT: Score = 0.5;
/// Words this long or longer tolerate one typo.
const TYPO_MIN_CHARS: usize = 5;
/// Documents added between two commits while indexing many posts.
const DOCS_PER_COMMIT: usize = 2_500;
/// More segments than this in a kept index mean a build's merge never ran (the process
/// stopped first), or enough updates piled up that merging everything once is worth it; the
/// merge policy starts merging a size level at 8.
const MAX_KEPT_SEGMENTS: usize = 8;

/// The analyzer of titles, tags, categories, excerpts and queries: see [`stem::en_stem`].
const STEM_TOKENIZER: &str = "en_stem";
/// The body's analyzer: `en_stem`, leaving each text's words for its pairs (see [`pairs`]).
const BODY_TOKENIZER: &str = "en_stem_body";
/// The analyzer of the reader's words: tantivy's own `default` (split on non-alphanumerics,
/// words over 40 bytes dropped, lower case), without stemming.
const WORDS_TOKENIZER: &str = "default";
/// The analyzer of the `words` field: the same words, but only those whose stem differs from
/// them (see [`stem::unlike_their_stem`]).
const WRITTEN_TOKENIZER: &str = "words_unlike_stem";

/// The longest snippet, in characters.
const SNIPPET_CHARS: usize = 200;
/// Marks for no position: a document whose post the store does not have.
const NO_POSITION: u32 = u32::MAX;

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

#[derive(Debug, Clone, Copy)]
struct Fields {
    slug: Field,
    title: Field,
    tags: Field,
    category: Field,
    excerpt: Field,
    body: Field,
    /// The body's adjacent word pairs (see [`pairs`]), for phrases.
    body_pairs: Field,
    /// Every word of the title, tags, categories, excerpt and body as written (lower-cased,
    /// not stemmed), for typos and prefixes.
    words: Field,
    /// A hash of the indexed text (see [`disk::fingerprint`]), to tell changed posts.
    fingerprint: Field,
}

impl Fields {
    /// The text fields with their boosts.
    fn boosted(&self) -> [(Field, Score); 5] {
        [
            (self.title, TITLE_BOOST),
            (self.tags, TAGS_BOOST),
            (self.category, TAGS_BOOST),
            (self.excerpt, EXCERPT_BOOST),
            (self.body, BODY_BOOST),
        ]
    }
}

/// What one search sees: a searcher and, for the store generation it was made for, how its
/// documents map to that store's posts.
struct Snapshot {
    searcher: Searcher,
    version: IndexVersion,
    docs: DocMap,
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
struct DocMap {
    /// For each segment, each document's position in the store (or [`NO_POSITION`]).
    positions: Vec<Vec<u32>>,
}

impl DocMap {
    /// Maps the documents `searcher` sees to the posts of `store`, by slug.
    fn new(searcher: &Searcher, slug_field: Field, store: &Store) -> DocMap {
        let name = searcher.schema().get_field_name(slug_field).to_owned();
        let positions = searcher
            .segment_readers()
            .iter()
            .map(|segment| segment_positions(segment, &name, store))
            .collect();
        DocMap { positions }
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

/// What to search for and how to page it.
#[derive(Debug, Clone, Copy)]
pub struct SearchRequest<'a> {
    /// The reader's text, at most [`MAX_QUERY_CHARS`] characters.
    pub text: &'a str,
    /// The post list's filters, applied to the hits.
    pub filter: &'a PostFilter,
    /// An explicit order; `None` is relevance (best first, then newest).
    pub sort: Option<SortOrder>,
    /// The page to return.
    pub page: PageRequest,
    /// The instant deciding what is published.
    pub now: Timestamp,
}

/// One found post with its relevance and a highlighted snippet.
#[derive(Debug)]
pub struct SearchHit<'a> {
    /// The post.
    pub post: &'a Arc<Post>,
    /// The BM25-based relevance; higher is better.
    pub score: f32,
    /// Matching text, HTML-escaped, with `<mark>` around the matches.
    pub snippet: String,
}

/// A taxonomy term and how many hits carry it.
#[derive(Debug, Clone)]
pub struct FacetCount<'a> {
    /// The term, as the newest hit carrying it spells it.
    pub term: &'a TaxonomyTerm,
    /// Hits carrying it.
    pub count: usize,
}

/// One page of hits, how many there are in all, and facet counts over all of them.
#[derive(Debug)]
pub struct SearchResults<'a> {
    /// The hits on the page.
    pub hits: Vec<SearchHit<'a>>,
    /// Hits across all pages.
    pub total: usize,
    /// Hits by category, most first.
    pub categories: Vec<FacetCount<'a>>,
    /// Hits by tag, most first.
    pub tags: Vec<FacetCount<'a>>,
    /// The index state the hits come from.
    pub indexed: IndexVersion,
}

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
        index.tokenizers().register(STEM_TOKENIZER, stem::en_stem());
        index
            .tokenizers()
            .register(BODY_TOKENIZER, stem::en_stem_body());
        index
            .tokenizers()
            .register(WRITTEN_TOKENIZER, stem::unlike_their_stem());
        index
            .tokenizers()
            .register(pairs::PAIRS_TOKENIZER, pairs::Pairs::new(stem::en_stem()));
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
    fn purge_deleted(&self, store: &Store, now: Timestamp) -> Result<(), SearchError> {
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

    /// Applies changes, indexing only posts published at `now`; `replace` deletes the old
    /// documents first (not needed when building).
    fn update(
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
        let mut written = stem::unlike_their_stem();
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
    fn show(&self, store: &Store, now: Timestamp) -> Result<(), SearchError> {
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

    /// The document of `post`; `written` is the `words` field's analyzer, kept across a batch so
    /// its memo of stems is too.
    fn document(&self, post: &Post, written: &mut TextAnalyzer) -> TantivyDocument {
        let f = &self.fields;
        let mut doc = TantivyDocument::new();
        doc.add_text(f.slug, post.slug.as_str());
        doc.add_u64(f.fingerprint, disk::fingerprint(post));
        doc.add_text(f.title, &post.title);
        for tag in &post.tags {
            doc.add_text(f.tags, &tag.name);
        }
        for category in &post.categories {
            doc.add_text(f.category, &category.name);
        }
        doc.add_text(f.excerpt, &post.excerpt);
        let text = post.body.text();
        doc.add_text(f.body_pairs, &text);
        // Each word once: the document waits in the writer's queue with its texts, and a
        // third copy of the body would add a fifth to what a build holds at its peak.
        let mut words: HashSet<String, foldhash::fast::RandomState> = HashSet::default();
        let terms = post
            .tags
            .iter()
            .chain(&post.categories)
            .map(|t| t.name.as_str());
        for part in [post.title.as_str(), &post.excerpt, &text]
            .into_iter()
            .chain(terms)
        {
            let mut stream = written.token_stream(part);
            while stream.advance() {
                if !words.contains(&stream.token().text) {
                    words.insert(stream.token().text.clone());
                }
            }
        }
        doc.add_text(f.words, words.into_iter().collect::<Vec<_>>().join(" "));
        doc.add_text(f.body, text);
        doc
    }

    /// Searches the published posts of `store` that match the request's filters.
    pub fn search<'s>(
        &self,
        store: &'s Store,
        request: &SearchRequest<'_>,
    ) -> Result<SearchResults<'s>, SearchError> {
        let snapshot = self.snapshot.load();
        let Some(plan) = self.plan(&snapshot.searcher, &SearchText::parse(request.text)) else {
            return Ok(SearchResults {
                hits: Vec::new(),
                total: 0,
                categories: Vec::new(),
                tags: Vec::new(),
                indexed: snapshot.version,
            });
        };
        let docs = self.docs_for(&snapshot, store);
        let mut scored = self.hits(&snapshot.searcher, &docs, plan.query.as_ref())?;
        let allowed = store.matching_mask(request.filter, request.now);
        scored.retain(|&(position, _)| allowed[position as usize]);

        let (categories, tags) = facets(store, &scored);
        match request.sort {
            None => {
                // Only the hits up to the end of the page need ordering.
                let by_relevance =
                    |a: &(u32, Score), b: &(u32, Score)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
                let end = (request.page.number as usize)
                    .saturating_mul(request.page.size as usize)
                    .min(scored.len());
                if end > 0 && end < scored.len() {
                    scored.select_nth_unstable_by(end - 1, by_relevance);
                }
                scored[..end].sort_unstable_by(by_relevance);
            }
            Some(order) => {
                let mut score_at = vec![0.0; store.all_posts().len()];
                for &(position, score) in &scored {
                    score_at[position as usize] = score;
                }
                let mut positions: Vec<u32> = scored.iter().map(|&(p, _)| p).collect();
                store.sort_positions(&mut positions, order);
                scored = positions
                    .into_iter()
                    .map(|p| (p, score_at[p as usize]))
                    .collect();
            }
        }
        let total = scored.len();
        let start = (request.page.number as usize - 1).saturating_mul(request.page.size as usize);
        let snippets = self.snippet_generator(&snapshot.searcher, &plan)?;
        let hits = scored
            .iter()
            .skip(start)
            .take(request.page.size as usize)
            .filter_map(|&(position, score)| {
                let post = store.all_posts().get(position as usize)?;
                Some(SearchHit {
                    post,
                    score,
                    snippet: snippet(&snippets, post),
                })
            })
            .collect();
        Ok(SearchResults {
            hits,
            total,
            categories,
            tags,
            indexed: snapshot.version,
        })
    }

    /// How the snapshot's documents map to `store`'s posts: the snapshot's own map when it was
    /// made for this store, else one made now (the store was swapped, the index not yet told).
    fn docs_for<'a>(&self, snapshot: &'a Snapshot, store: &Store) -> Cow<'a, DocMap> {
        if snapshot.version.generation == store.generation() {
            Cow::Borrowed(&snapshot.docs)
        } else {
            Cow::Owned(DocMap::new(&snapshot.searcher, self.fields.slug, store))
        }
    }

    /// Every matching document as (store position, score), through a map made for the store.
    fn hits(
        &self,
        searcher: &Searcher,
        docs: &DocMap,
        query: &dyn Query,
    ) -> Result<Vec<(u32, Score)>, SearchError> {
        let found = searcher.search(query, &AllHits)?;
        Ok(found
            .into_iter()
            .filter_map(|(segment, doc, score)| {
                let position = *docs.positions.get(segment as usize)?.get(doc as usize)?;
                (position != NO_POSITION).then_some((position, score))
            })
            .collect())
    }

    fn analyzer(&self, name: &str) -> Option<TextAnalyzer> {
        self.index.tokenizers().get(name)
    }

    /// Turns the reader's text into a query; `None` when it has no words at all.
    fn plan(&self, searcher: &Searcher, text: &SearchText) -> Option<Plan> {
        let mut words_analyzer = self.analyzer(WORDS_TOKENIZER)?;
        let mut stemmer = self.analyzer(STEM_TOKENIZER)?;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let mut plan_terms = PlanTerms::default();
        let last_part = text.parts.len().saturating_sub(1);
        for (index, part) in text.parts.iter().enumerate() {
            match part {
                Part::Words(words) => {
                    let tokens = tokens(&mut words_analyzer, words);
                    let last_token = tokens.len().saturating_sub(1);
                    for (i, (_, word)) in tokens.iter().enumerate() {
                        let open = text.last_word_open && index == last_part && i == last_token;
                        let Some((_, stem)) = tokens_first(&mut stemmer, word) else {
                            continue;
                        };
                        // A word the index knows is taken as meant; only unknown ones may be typos.
                        let known = self.fields.boosted().iter().any(|&(field, _)| {
                            searcher
                                .doc_freq(&Term::from_field_text(field, &stem))
                                .is_ok_and(|n| n > 0)
                        });
                        clauses.push((
                            Occur::Must,
                            self.word_query(word, &stem, open, !known, &mut plan_terms),
                        ));
                    }
                }
                Part::Phrase(phrase) => {
                    let stems = tokens(&mut stemmer, phrase);
                    match stems.as_slice() {
                        [] => {}
                        [(_, stem)] => {
                            clauses.push((
                                Occur::Must,
                                self.word_query(stem, stem, false, false, &mut plan_terms),
                            ));
                        }
                        _ => {
                            clauses.push((Occur::Must, self.phrase_query(&stems, &mut plan_terms)))
                        }
                    }
                }
            }
        }
        if clauses.is_empty() {
            return None;
        }
        Some(Plan {
            query: Box::new(BooleanQuery::new(clauses)),
            terms: plan_terms,
        })
    }

    /// One word in any field: its stem, a typo away for long words (when `typos`), a prefix
    /// while typed (when `open`).
    fn word_query(
        &self,
        word: &str,
        stem: &str,
        open: bool,
        typos: bool,
        plan_terms: &mut PlanTerms,
    ) -> Box<dyn Query> {
        let mut options: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let chars: Vec<char> = word.chars().collect();
        plan_terms.exact.push(stem.to_owned());
        for (field, boost) in self.fields.boosted() {
            let exact = TermQuery::new(
                Term::from_field_text(field, stem),
                IndexRecordOption::WithFreqs,
            );
            options.push((
                Occur::Should,
                Box::new(BoostQuery::new(Box::new(exact), boost)),
            ));
            if typos && chars.len() >= TYPO_MIN_CHARS {
                let fuzzy = FuzzyTermQuery::new(Term::from_field_text(field, stem), 1, true);
                if field == self.fields.body {
                    plan_terms.expanded.push(fuzzy.clone());
                }
                options.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(Box::new(fuzzy), boost * FUZZY_WEIGHT)),
                ));
            }
            if open {
                let prefix =
                    FuzzyTermQuery::new_prefix(Term::from_field_text(field, word), 0, true);
                if field == self.fields.body {
                    plan_terms.expanded.push(prefix.clone());
                }
                options.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(Box::new(prefix), boost * PREFIX_WEIGHT)),
                ));
                // A half-typed word may already be longer than its stem (`estima` for `estim`).
                for len in chars.len().saturating_sub(3).max(4)..chars.len() {
                    let shorter: String = chars[..len].iter().collect();
                    if field == self.fields.body {
                        plan_terms.exact.push(shorter.clone());
                    }
                    let query = TermQuery::new(
                        Term::from_field_text(field, &shorter),
                        IndexRecordOption::WithFreqs,
                    );
                    options.push((
                        Occur::Should,
                        Box::new(BoostQuery::new(Box::new(query), boost * PREFIX_WEIGHT)),
                    ));
                }
            }
        }
        // The same typo and prefix against the words as written, where the stem cannot tell.
        let written = |query: FuzzyTermQuery, weight: Score, terms: &mut PlanTerms| {
            terms.expanded_words.push(query.clone());
            (
                Occur::Should,
                Box::new(BoostQuery::new(Box::new(query), BODY_BOOST * weight)) as Box<dyn Query>,
            )
        };
        let term = Term::from_field_text(self.fields.words, word);
        if typos && chars.len() >= TYPO_MIN_CHARS {
            let fuzzy = FuzzyTermQuery::new(term.clone(), 1, true);
            options.push(written(fuzzy, FUZZY_WEIGHT, plan_terms));
        }
        if open {
            let prefix = FuzzyTermQuery::new_prefix(term.clone(), 0, true);
            options.push(written(prefix, PREFIX_WEIGHT, plan_terms));
            if typos && chars.len() >= TYPO_MIN_CHARS {
                // A typo in a word still being typed (`estimatoin` for `estimation`).
                let fuzzy_prefix = FuzzyTermQuery::new_prefix(term, 1, true);
                options.push(written(fuzzy_prefix, FUZZY_WEIGHT, plan_terms));
            }
        }
        Box::new(BooleanQuery::new(options))
    }

    /// A phrase in any field that keeps positions.
    fn phrase_query(
        &self,
        stems: &[(usize, String)],
        plan_terms: &mut PlanTerms,
    ) -> Box<dyn Query> {
        plan_terms
            .exact
            .extend(stems.iter().map(|(_, stem)| stem.clone()));
        let options: Vec<(Occur, Box<dyn Query>)> = self
            .fields
            .boosted()
            .into_iter()
            .map(|(field, boost)| {
                let terms = stems
                    .iter()
                    .map(|(position, stem)| (*position, Term::from_field_text(field, stem)))
                    .collect();
                let mut phrase: Box<dyn Query> = Box::new(PhraseQuery::new_with_offset(terms));
                if field == self.fields.body {
                    phrase = self.body_phrase(stems, phrase);
                }
                (
                    Occur::Should,
                    Box::new(BoostQuery::new(phrase, boost)) as Box<dyn Query>,
                )
            })
            .collect();
        Box::new(BooleanQuery::new(options))
    }

    /// A phrase in the body through its word pairs: two adjacent words are one pair term; a
    /// longer phrase needs each of its pairs, and is then checked word by word (`phrase`) only
    /// in the documents that have them all. Words the analyzer left gaps between keep `phrase`.
    fn body_phrase(&self, stems: &[(usize, String)], phrase: Box<dyn Query>) -> Box<dyn Query> {
        let adjacent = stems.windows(2).all(|w| w[0].0 + 1 == w[1].0);
        if !adjacent {
            return phrase;
        }
        let pair_query = |w: &[(usize, String)]| {
            let pair = pairs::pair(&w[0].1, &w[1].1);
            let term = Term::from_field_text(self.fields.body_pairs, &pair);
            Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs))
        };
        if stems.len() == 2 {
            return pair_query(stems);
        }
        // The pairs only narrow the documents down; the phrase alone scores them.
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = stems
            .windows(2)
            .map(|w| {
                let filter = BoostQuery::new(pair_query(w), 0.0);
                (Occur::Must, Box::new(filter) as Box<dyn Query>)
            })
            .collect();
        clauses.push((Occur::Must, phrase));
        Box::new(BooleanQuery::new(clauses))
    }

    /// A snippet maker that marks every term the query matched, typo and prefix matches
    /// included (tantivy's own would only know the exact terms).
    fn snippet_generator(
        &self,
        searcher: &Searcher,
        plan: &Plan,
    ) -> Result<SnippetGenerator, SearchError> {
        let mut terms: BTreeMap<String, Score> = plan
            .terms
            .exact
            .iter()
            .map(|term| (term.clone(), 1.0))
            .collect();
        for query in &plan.terms.expanded {
            for term in expansions(searcher, self.fields.body, query)? {
                terms.insert(term, 0.5);
            }
        }
        // Words as written are marked by their stems, which is what the snippet's text is cut into.
        let mut stemmer = self
            .analyzer(STEM_TOKENIZER)
            .ok_or_else(|| tantivy::TantivyError::InternalError("no en_stem tokenizer".into()))?;
        for query in &plan.terms.expanded_words {
            for word in expansions(searcher, self.fields.words, query)? {
                if let Some((_, stem)) = tokens_first(&mut stemmer, &word) {
                    terms.entry(stem).or_insert(0.5);
                }
            }
        }
        // The body's words, without leaving them for the pair analyzer as the body's does.
        let tokenizer = self
            .analyzer(STEM_TOKENIZER)
            .ok_or_else(|| tantivy::TantivyError::InternalError("no en_stem tokenizer".into()))?;
        Ok(SnippetGenerator::new(
            terms,
            tokenizer,
            self.fields.body,
            SNIPPET_CHARS,
        ))
    }

    /// Posts like the one with `slug`; see [`RelatedPost`] for the scoring.
    pub fn related<'s>(
        &self,
        store: &'s Store,
        slug: &crate::domain::Slug,
        limit: usize,
        now: Timestamp,
    ) -> Result<Option<Vec<RelatedPost<'s>>>, SearchError> {
        related::related(self, store, slug, limit, now)
    }

    /// Published posts whose text is closest to `text` (any word, ranked), best first.
    fn similar(
        &self,
        store: &Store,
        text: &str,
        limit: usize,
    ) -> Result<Vec<(u32, Score)>, SearchError> {
        let snapshot = self.snapshot.load();
        let Some(mut stemmer) = self.analyzer(STEM_TOKENIZER) else {
            return Ok(Vec::new());
        };
        let mut stems: Vec<String> = tokens(&mut stemmer, text)
            .into_iter()
            .map(|(_, s)| s)
            .collect();
        stems.sort();
        stems.dedup();
        let options: Vec<(Occur, Box<dyn Query>)> = stems
            .iter()
            .flat_map(|stem| {
                [
                    (self.fields.title, TITLE_BOOST),
                    (self.fields.excerpt, EXCERPT_BOOST),
                    (self.fields.body, BODY_BOOST),
                ]
                .map(|(field, boost)| {
                    let query = TermQuery::new(
                        Term::from_field_text(field, stem),
                        IndexRecordOption::WithFreqs,
                    );
                    (
                        Occur::Should,
                        Box::new(BoostQuery::new(Box::new(query), boost)) as Box<dyn Query>,
                    )
                })
            })
            .collect();
        if options.is_empty() {
            return Ok(Vec::new());
        }
        let docs = self.docs_for(&snapshot, store);
        let mut hits = self.hits(&snapshot.searcher, &docs, &BooleanQuery::new(options))?;
        hits.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        hits.truncate(limit);
        Ok(hits)
    }
}

/// A query and the terms its snippets should mark.
struct Plan {
    query: Box<dyn Query>,
    terms: PlanTerms,
}

#[derive(Default)]
struct PlanTerms {
    /// Body terms matched as they are.
    exact: Vec<String>,
    /// Body queries that expand to several terms (typos, prefixes).
    expanded: Vec<FuzzyTermQuery>,
    /// Queries on the words as written that expand to several words (typos, prefixes).
    expanded_words: Vec<FuzzyTermQuery>,
}

fn schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(STEM_TOKENIZER)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let fields = Fields {
        slug: builder.add_text_field("slug", STRING | FAST),
        title: builder.add_text_field("title", text.clone()),
        tags: builder.add_text_field("tags", text.clone()),
        category: builder.add_text_field("category", text.clone()),
        excerpt: builder.add_text_field("excerpt", text.clone()),
        body: builder.add_text_field(
            "body",
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(BODY_TOKENIZER)
                    .set_index_option(IndexRecordOption::WithFreqsAndPositions),
            ),
        ),
        body_pairs: builder.add_text_field(
            "body_pairs",
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(pairs::PAIRS_TOKENIZER)
                    .set_index_option(IndexRecordOption::WithFreqs),
            ),
        ),
        // Only which posts have a word: a typo or prefix match counts little, so term
        // frequencies and positions would cost memory for nothing.
        words: builder.add_text_field(
            "words",
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(WRITTEN_TOKENIZER)
                    .set_index_option(IndexRecordOption::Basic),
            ),
        ),
        fingerprint: builder.add_u64_field("fingerprint", NumericOptions::default().set_fast()),
    };
    (builder.build(), fields)
}

/// The terms of `field` a typo or prefix query expands to, at most 50 per segment (enough to
/// mark a snippet; a short prefix can match thousands).
fn expansions(
    searcher: &Searcher,
    field: Field,
    query: &FuzzyTermQuery,
) -> Result<Vec<String>, SearchError> {
    let automaton = query.automaton()?;
    let mut found = Vec::new();
    for segment in searcher.segment_readers() {
        let inverted = segment.inverted_index(field)?;
        let mut stream = inverted
            .terms()
            .search(&automaton)
            .into_stream()
            .map_err(tantivy::TantivyError::from)?;
        let mut taken = 0;
        while taken < 50 && stream.advance() {
            if let Ok(term) = std::str::from_utf8(stream.key()) {
                found.push(term.to_owned());
            }
            taken += 1;
        }
    }
    Ok(found)
}

/// The slugs of the posts of `store` published at `now`, in store order.
fn published_slugs(store: &Store, now: Timestamp) -> Vec<String> {
    store
        .all_posts()
        .iter()
        .filter(|p| p.is_published(now))
        .map(|p| p.slug.to_string())
        .collect()
}

/// Tokens of `text` as (position, text).
fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut stream = analyzer.token_stream(text);
    while stream.advance() {
        let token = stream.token();
        out.push((token.position, token.text.clone()));
    }
    out
}

fn tokens_first(analyzer: &mut TextAnalyzer, text: &str) -> Option<(usize, String)> {
    tokens(analyzer, text).into_iter().next()
}

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
fn for_each_slug(segment: &SegmentReader, slug_field: &str, mut each: impl FnMut(DocId, &str)) {
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

/// Counts hits by category and tag, most first, then by name.
fn facets<'s>(
    store: &'s Store,
    scored: &[(u32, Score)],
) -> (Vec<FacetCount<'s>>, Vec<FacetCount<'s>>) {
    let mut hit = vec![false; store.all_posts().len()];
    for &(position, _) in scored {
        hit[position as usize] = true;
    }
    let counts = |kind| {
        store
            .term_counts_among(kind, &hit)
            .into_iter()
            .map(|t| FacetCount {
                term: t.term,
                count: t.count,
            })
            .collect()
    };
    (counts(TaxonomyKind::Category), counts(TaxonomyKind::Tag))
}

/// The best snippet of the body, else the excerpt, else the title; with no match anywhere
/// (a match in tags), the excerpt escaped.
fn snippet(generator: &SnippetGenerator, post: &Post) -> String {
    let body = post.body.text();
    for text in [&body, &post.excerpt, &post.title] {
        let mut snippet = generator.snippet(text);
        if !snippet.is_empty() {
            snippet.set_snippet_prefix_postfix("<mark>", "</mark>");
            return snippet.to_html();
        }
    }
    let cut: String = post.excerpt.chars().take(SNIPPET_CHARS).collect();
    quick_xml::escape::escape(cut.as_str()).into_owned()
}

/// Collects every matching document with its score.
struct AllHits;

struct SegmentHits {
    segment: SegmentOrdinal,
    hits: Vec<(SegmentOrdinal, DocId, Score)>,
}

impl Collector for AllHits {
    type Fruit = Vec<(SegmentOrdinal, DocId, Score)>;
    type Child = SegmentHits;

    fn for_segment(
        &self,
        segment: SegmentOrdinal,
        _reader: &SegmentReader,
    ) -> tantivy::Result<SegmentHits> {
        Ok(SegmentHits {
            segment,
            hits: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<Self::Fruit>) -> tantivy::Result<Self::Fruit> {
        Ok(fruits.into_iter().flatten().collect())
    }
}

impl SegmentCollector for SegmentHits {
    type Fruit = Vec<(SegmentOrdinal, DocId, Score)>;

    fn collect(&mut self, doc: DocId, score: Score) {
        self.hits.push((self.segment, doc, score));
    }

    fn harvest(self) -> Self::Fruit {
        self.hits
    }
}

#[cfg(test)]
mod tests;
