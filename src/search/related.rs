//! Related posts: published posts that share tags (rare tags count more), a category, or words
//! with a given post, scored so the order is deterministic and explainable.

use std::collections::HashMap;
use std::sync::Arc;

use jiff::Timestamp;

use super::{SearchError, SearchIndex};
use crate::domain::{Post, Slug, Term};
use crate::store::{PageRequest, PostFilter, SortOrder, Store, TaxonomyKind};

/// How many text-similar posts are considered besides those sharing a tag or category.
const SIMILAR_CANDIDATES: usize = 50;
/// What sharing a category adds to the score.
const SAME_CATEGORY_BONUS: f64 = 1.0;
/// What the most text-similar candidate adds (others in proportion to their text score).
const TEXT_WEIGHT: f64 = 1.0;

/// A post related to another, with why.
#[derive(Debug)]
pub struct RelatedPost<'a> {
    /// The related post.
    pub post: &'a Arc<Post>,
    /// Tags both posts carry, in the related post's order.
    pub shared_tags: Vec<&'a Term>,
    /// Whether both posts share a category.
    pub same_category: bool,
    /// The sum of `ln(published posts / posts with the tag)` over shared tags, a bonus of 1 for
    /// a shared category, and up to 1 for closeness of text; higher is more related.
    pub score: f64,
}

impl SearchIndex {
    /// Posts like the one with `slug`; see [`RelatedPost`] for the scoring.
    pub fn related<'s>(
        &self,
        store: &'s Store,
        slug: &Slug,
        limit: usize,
        now: Timestamp,
    ) -> Result<Option<Vec<RelatedPost<'s>>>, SearchError> {
        related(self, store, slug, limit, now)
    }
}

/// Posts related to the published post `slug`, best first (ties: newer, then by slug); `None`
/// when no published post has that slug.
fn related<'s>(
    index: &SearchIndex,
    store: &'s Store,
    slug: &Slug,
    limit: usize,
    now: Timestamp,
) -> Result<Option<Vec<RelatedPost<'s>>>, SearchError> {
    let Some(found) = store.find_post(slug, now) else {
        return Ok(None);
    };
    let source = found.post;
    let everything = PageRequest {
        number: 1,
        size: u32::MAX,
    };
    let published = store
        .list_posts(&PostFilter::default(), SortOrder::DateDesc, everything, now)
        .total
        .max(1) as f64;
    let tag_weight: HashMap<&str, f64> = source
        .tags
        .iter()
        .map(|tag| {
            let df = store
                .find_term(TaxonomyKind::Tag, &tag.slug, now)
                .map_or(1, |t| t.count.max(1));
            (tag.slug.as_str(), (published / df as f64).ln())
        })
        .collect();

    let mut candidates: HashMap<&str, &'s Arc<Post>> = HashMap::new();
    let mut filters = Vec::new();
    if !source.tags.is_empty() {
        filters.push(PostFilter {
            tags: source.tags.iter().map(|t| t.slug.to_string()).collect(),
            ..PostFilter::default()
        });
    }
    if !source.categories.is_empty() {
        filters.push(PostFilter {
            categories: source
                .categories
                .iter()
                .map(|t| t.slug.to_string())
                .collect(),
            ..PostFilter::default()
        });
    }
    for filter in &filters {
        for post in store
            .list_posts(filter, SortOrder::DateDesc, everything, now)
            .posts
        {
            candidates.insert(post.slug.as_str(), post);
        }
    }
    let words = format!(
        "{} {}",
        source.title,
        source
            .tags
            .iter()
            .map(|t| t.name.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    );
    let similar = index.similar(store, &words, SIMILAR_CANDIDATES + 1)?;
    let best_text = similar
        .iter()
        .filter(|&&(p, _)| store.all_posts()[p as usize].slug != source.slug)
        .map(|&(_, s)| f64::from(s))
        .fold(0.0, f64::max);
    let mut closeness: HashMap<&str, f64> = HashMap::new();
    for &(position, score) in &similar {
        let Some(post) = store.all_posts().get(position as usize) else {
            continue;
        };
        if post.is_published(now) {
            candidates.insert(post.slug.as_str(), post);
            if best_text > 0.0 {
                closeness.insert(post.slug.as_str(), f64::from(score) / best_text);
            }
        }
    }
    candidates.remove(source.slug.as_str());

    let mut related: Vec<RelatedPost<'s>> = candidates
        .into_values()
        .map(|post| {
            let shared_tags: Vec<&Term> = post
                .tags
                .iter()
                .filter(|t| tag_weight.contains_key(t.slug.as_str()))
                .collect();
            let same_category = post
                .categories
                .iter()
                .any(|c| source.categories.iter().any(|s| s.slug == c.slug));
            let tags_score: f64 = shared_tags
                .iter()
                .map(|t| tag_weight.get(t.slug.as_str()).copied().unwrap_or(0.0))
                .sum();
            let text_score = closeness.get(post.slug.as_str()).copied().unwrap_or(0.0);
            let score = tags_score
                + if same_category {
                    SAME_CATEGORY_BONUS
                } else {
                    0.0
                }
                + TEXT_WEIGHT * text_score.min(1.0);
            RelatedPost {
                post,
                shared_tags,
                same_category,
                score: (score * 10_000.0).round() / 10_000.0,
            }
        })
        .collect();
    related.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| b.post.date.cmp(&a.post.date))
            .then_with(|| a.post.slug.cmp(&b.post.slug))
    });
    related.truncate(limit);
    Ok(Some(related))
}
