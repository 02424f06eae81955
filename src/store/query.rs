//! The store's queries: lists, single posts with their neighbours, terms and counts, each
//! answered from the indexes with the visibility of the moment asked about.

use std::sync::Arc;

use jiff::Timestamp;

use super::indexes::Taxonomy;
use super::request::{PageRequest, PostFilter, SortOrder, TagMode, TaxonomyKind};
use super::{Position, Store};
use crate::domain::{Post, Slug, Term};

/// A term with the number of posts visible under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TermCount<'a> {
    /// The term.
    pub term: &'a Term,
    /// Published posts carrying it.
    pub count: usize,
}

/// One page of matching posts and how many match in all.
#[derive(Debug)]
pub struct PostPage<'a> {
    /// The posts on the page, in the requested order.
    pub posts: Vec<&'a Arc<Post>>,
    /// Matching posts across all pages.
    pub total: usize,
}

/// A post with its published neighbours in date order.
#[derive(Debug)]
pub struct PostInContext<'a> {
    /// The post.
    pub post: &'a Arc<Post>,
    /// The next older published post.
    pub previous: Option<&'a Arc<Post>>,
    /// The next newer published post.
    pub next: Option<&'a Arc<Post>>,
}

/// Counts for the meta endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreStats {
    /// Published posts.
    pub posts: usize,
    /// Categories with at least one published post.
    pub categories: usize,
    /// Tags with at least one published post.
    pub tags: usize,
    /// Authors with at least one published post.
    pub authors: usize,
    /// The newest published post's date.
    pub newest: Option<Timestamp>,
}

impl Store {
    /// The published posts matching `filter`, sorted and cut to one page.
    pub fn list_posts(
        &self,
        filter: &PostFilter,
        sort: SortOrder,
        page: PageRequest,
        now: Timestamp,
    ) -> PostPage<'_> {
        let mut matching = self.matching(filter, now);
        match sort {
            SortOrder::DateDesc => {}
            SortOrder::DateAsc => matching.reverse(),
            SortOrder::TitleAsc => matching.sort_unstable_by_key(|&p| self.titles.rank[p as usize]),
            SortOrder::TitleDesc => {
                matching.sort_unstable_by_key(|&p| std::cmp::Reverse(self.titles.rank[p as usize]))
            }
        }
        let total = matching.len();
        let start = (page.number as usize - 1).saturating_mul(page.size as usize);
        let posts = matching
            .iter()
            .skip(start)
            .take(page.size as usize)
            .map(|&p| &self.posts[p as usize])
            .collect();
        PostPage { posts, total }
    }

    /// Positions of published posts matching the filter, newest first.
    fn matching(&self, filter: &PostFilter, now: Timestamp) -> Vec<Position> {
        // Date bounds become a range of positions, since posts are sorted by date.
        let lo = filter
            .to
            .map_or(0, |to| self.posts.partition_point(|p| p.date > to));
        let hi = filter.from.map_or(self.posts.len(), |from| {
            self.posts.partition_point(|p| p.date >= from)
        });
        let (lo, hi) = (lo as Position, hi.max(lo) as Position);

        let mut constraints: Vec<Vec<Position>> = Vec::new();
        if !filter.categories.is_empty() {
            constraints.push(union(
                filter
                    .categories
                    .iter()
                    .map(|s| self.order.categories.posts_of(s)),
            ));
        }
        if !filter.authors.is_empty() {
            constraints.push(union(
                filter
                    .authors
                    .iter()
                    .map(|s| self.order.authors.posts_of(s)),
            ));
        }
        if !filter.tags.is_empty() {
            let lists = filter.tags.iter().map(|s| self.order.tags.posts_of(s));
            constraints.push(match filter.tag_mode {
                TagMode::Any => union(lists),
                TagMode::All => intersection(lists),
            });
        }
        let excluded = union(
            filter
                .exclude_tags
                .iter()
                .map(|s| self.order.tags.posts_of(s)),
        );

        let candidates: Box<dyn Iterator<Item = Position> + '_> = match constraints
            .into_iter()
            .reduce(|a, b| intersection([&a[..], &b[..]]))
        {
            Some(list) => Box::new(list.into_iter().filter(move |p| (lo..hi).contains(p))),
            None => Box::new(lo..hi),
        };
        candidates
            .filter(|p| excluded.binary_search(p).is_err())
            .filter(|&p| filter.preview || self.order.windows[p as usize].is_open(now))
            .collect()
    }

    /// A post by slug with its neighbours, if it exists and is published at `now`.
    pub fn find_post(&self, slug: &Slug, now: Timestamp) -> Option<PostInContext<'_>> {
        self.find_post_for_preview(slug, now)
            .filter(|found| found.post.is_published(now))
    }

    /// A post by slug whatever its visibility (draft, scheduled, expired), for an editor's
    /// preview; its neighbours are still the published ones.
    pub fn find_post_for_preview(&self, slug: &Slug, now: Timestamp) -> Option<PostInContext<'_>> {
        let position = *self.order.by_slug.get(slug.as_str())? as usize;
        let post = &self.posts[position];
        let published = |p: &&Arc<Post>| p.is_published(now);
        Some(PostInContext {
            post,
            previous: self.posts[position + 1..].iter().find(published),
            next: self.posts[..position].iter().rev().find(published),
        })
    }

    /// The terms of a taxonomy with their published post counts, most used first; terms with
    /// no published post are left out.
    pub fn terms(&self, kind: TaxonomyKind, now: Timestamp) -> Vec<TermCount<'_>> {
        let taxonomy = self.taxonomy(kind);
        let mut counts: Vec<TermCount<'_>> = taxonomy
            .entries
            .iter()
            .map(|entry| TermCount {
                term: &entry.term,
                count: self.published_among(&entry.posts, now),
            })
            .filter(|term| term.count > 0)
            .collect();
        most_used_first(&mut counts);
        counts
    }

    /// One term by slug, if it has a published post.
    pub fn find_term(
        &self,
        kind: TaxonomyKind,
        slug: &Slug,
        now: Timestamp,
    ) -> Option<TermCount<'_>> {
        let taxonomy = self.taxonomy(kind);
        let entry = &taxonomy.entries[*taxonomy.by_slug.get(slug.as_str())?];
        let count = self.published_among(&entry.posts, now);
        (count > 0).then_some(TermCount {
            term: &entry.term,
            count,
        })
    }

    /// Counts of what is published at `now`.
    pub fn stats(&self, now: Timestamp) -> StoreStats {
        let published_terms = |kind| {
            self.taxonomy(kind)
                .entries
                .iter()
                .filter(|e| self.published_among(&e.posts, now) > 0)
                .count()
        };
        StoreStats {
            posts: self.posts.iter().filter(|p| p.is_published(now)).count(),
            categories: published_terms(TaxonomyKind::Category),
            tags: published_terms(TaxonomyKind::Tag),
            authors: published_terms(TaxonomyKind::Author),
            newest: self
                .posts
                .iter()
                .find(|p| p.is_published(now))
                .map(|p| p.date),
        }
    }

    /// A loaded post by slug, drafts and unpublished posts included (for indexing).
    pub fn post_by_slug(&self, slug: &str) -> Option<&Arc<Post>> {
        self.position_of(slug).map(|p| &self.posts[p])
    }

    /// A post's position in [`Store::all_posts`], by slug.
    pub fn position_of(&self, slug: &str) -> Option<usize> {
        self.order.by_slug.get(slug).map(|&p| p as usize)
    }

    /// For each position of [`Store::all_posts`], whether that post is published at `now` and
    /// matches `filter`: the post list's filters applied to any set of candidates (search hits).
    pub fn matching_mask(&self, filter: &PostFilter, now: Timestamp) -> Vec<bool> {
        let mut mask = vec![false; self.posts.len()];
        for position in self.matching(filter, now) {
            mask[position as usize] = true;
        }
        mask
    }

    /// Sorts positions of [`Store::all_posts`] in a list order.
    pub fn sort_positions(&self, positions: &mut [u32], sort: SortOrder) {
        match sort {
            SortOrder::DateDesc => positions.sort_unstable(),
            SortOrder::DateAsc => positions.sort_unstable_by(|a, b| b.cmp(a)),
            SortOrder::TitleAsc => {
                positions.sort_unstable_by_key(|&p| self.titles.rank[p as usize])
            }
            SortOrder::TitleDesc => {
                positions.sort_unstable_by_key(|&p| std::cmp::Reverse(self.titles.rank[p as usize]))
            }
        }
    }

    /// The terms of a taxonomy carried by the posts marked in `among` (a mask over
    /// [`Store::all_posts`], such as search hits), with how many carry each, most first.
    pub fn term_counts_among(&self, kind: TaxonomyKind, among: &[bool]) -> Vec<TermCount<'_>> {
        let mut counts: Vec<TermCount<'_>> = self
            .taxonomy(kind)
            .entries
            .iter()
            .map(|entry| TermCount {
                term: &entry.term,
                count: entry
                    .posts
                    .iter()
                    .filter(|&&p| among.get(p as usize).copied().unwrap_or(false))
                    .count(),
            })
            .filter(|term| term.count > 0)
            .collect();
        most_used_first(&mut counts);
        counts
    }

    fn taxonomy(&self, kind: TaxonomyKind) -> &Taxonomy {
        match kind {
            TaxonomyKind::Category => &self.order.categories,
            TaxonomyKind::Tag => &self.order.tags,
            TaxonomyKind::Author => &self.order.authors,
        }
    }

    fn published_among(&self, positions: &[Position], now: Timestamp) -> usize {
        positions
            .iter()
            .filter(|&&p| self.order.windows[p as usize].is_open(now))
            .count()
    }
}

/// Orders term counts most used first, then by name (ignoring case), then by slug.
fn most_used_first(counts: &mut [TermCount<'_>]) {
    counts.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then_with(|| a.term.name.to_lowercase().cmp(&b.term.name.to_lowercase()))
            .then_with(|| a.term.slug.cmp(&b.term.slug))
    });
}

/// The sorted union of sorted position lists.
fn union<'a>(lists: impl IntoIterator<Item = &'a [Position]>) -> Vec<Position> {
    let mut all: Vec<Position> = lists.into_iter().flatten().copied().collect();
    all.sort_unstable();
    all.dedup();
    all
}

/// The sorted intersection of sorted position lists; shortest first keeps it cheap.
fn intersection<'a>(lists: impl IntoIterator<Item = &'a [Position]>) -> Vec<Position> {
    let mut lists: Vec<&[Position]> = lists.into_iter().collect();
    lists.sort_by_key(|list| list.len());
    let Some((shortest, rest)) = lists.split_first() else {
        return Vec::new();
    };
    shortest
        .iter()
        .copied()
        .filter(|p| rest.iter().all(|list| list.binary_search(p).is_ok()))
        .collect()
}
