//! Ranking: what a search asks and answers, and how hits are scored and ordered. Scores are
//! BM25 sums with field boosts (title 4, tags and categories 3, excerpt 2, body 1); typo and
//! prefix matches count for less than exact ones. The hits are then filtered as the post list
//! is, counted by category and tag, ordered by relevance (best first, then newest) or by an
//! explicit order, and cut to the page asked for.

use std::sync::Arc;

use jiff::Timestamp;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{Score, Term};

use super::plan::tokens;
use super::schema::{Fields, STEM_TOKENIZER};
use super::snapshot::IndexVersion;
use super::snippet::snippet;
use super::text::SearchText;
use super::{SearchError, SearchIndex};
use crate::domain::{Post, Term as TaxonomyTerm};
use crate::store::{PageRequest, PostFilter, SortOrder, Store, TaxonomyKind};

/// Field boosts: a title match outranks a tag match, which outranks excerpt and body matches.
pub(super) const TITLE_BOOST: Score = 4.0;
pub(super) const TAGS_BOOST: Score = 3.0;
pub(super) const EXCERPT_BOOST: Score = 2.0;
pub(super) const BODY_BOOST: Score = 1.0;
/// How much a typo or prefix match counts against an exact one.
pub(super) const FUZZY_WEIGHT: Score = 0.25;
pub(super) const PREFIX_WEIGHT: Score = 0.5;

impl Fields {
    /// The text fields with their boosts.
    pub(super) fn boosted(&self) -> [(Field, Score); 5] {
        [
            (self.title, TITLE_BOOST),
            (self.tags, TAGS_BOOST),
            (self.category, TAGS_BOOST),
            (self.excerpt, EXCERPT_BOOST),
            (self.body, BODY_BOOST),
        ]
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

    /// Published posts whose text is closest to `text` (any word, ranked), best first.
    pub(super) fn similar(
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
