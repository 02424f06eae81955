//! The store's indexes: where each post sits by slug and by title, who carries which term, and
//! when each post can be seen. They are built once per content version and only read after.
//!
//! When a post can be seen is copied into a dense array of [`Window`]s, which must answer
//! exactly as `Post::is_published` (guarded by
//! `publishing_windows_agree_with_post_visibility_at_every_boundary`).

use std::collections::HashMap;
use std::sync::Arc;

use jiff::Timestamp;

use super::Position;
use crate::domain::{Post, Term};

/// The indexes that depend only on each post's slug, dates, draft flag and terms, which is
/// what decides its position: most edits (a body, a title, an excerpt) leave all of it as is.
#[derive(Debug)]
pub(super) struct Order {
    pub(super) by_slug: HashMap<String, Position>,
    pub(super) categories: Taxonomy,
    pub(super) tags: Taxonomy,
    pub(super) authors: Taxonomy,
    /// The instants at which the published set changes (dates and expiries of posts that are
    /// not drafts), ascending and without repeats.
    pub(super) visibility_changes: Vec<Timestamp>,
    /// For each position, when that post can be seen.
    pub(super) windows: Vec<Window>,
}

impl Order {
    pub(super) fn of(posts: &[Arc<Post>]) -> Order {
        Order {
            by_slug: posts
                .iter()
                .enumerate()
                .map(|(i, p)| (p.slug.as_str().to_owned(), i as Position))
                .collect(),
            categories: Taxonomy::build(posts, |p| &p.categories),
            tags: Taxonomy::build(posts, |p| &p.tags),
            authors: Taxonomy::build(posts, |p| &p.authors),
            visibility_changes: visibility_changes(posts),
            windows: posts.iter().map(|post| Window::of(post)).collect(),
        }
    }
}

/// The posts sorted by title (ignoring case), ties in position order.
#[derive(Debug, Clone)]
pub(super) struct TitleOrder {
    /// Positions, in title order.
    pub(super) sorted: Vec<Position>,
    /// For each position, its index in `sorted`.
    pub(super) rank: Vec<u32>,
}

impl TitleOrder {
    pub(super) fn of(posts: &[Arc<Post>]) -> TitleOrder {
        let keys: Vec<String> = posts.iter().map(|p| title_key(p)).collect();
        let mut sorted: Vec<Position> = (0..posts.len() as Position).collect();
        sorted.sort_by(|&a, &b| keys[a as usize].cmp(&keys[b as usize]).then(a.cmp(&b)));
        let mut order = TitleOrder {
            sorted,
            rank: vec![0; posts.len()],
        };
        order.rank_all();
        order
    }

    fn rank_all(&mut self) {
        for (rank, &position) in self.sorted.iter().enumerate() {
            self.rank[position as usize] = rank as u32;
        }
    }

    /// Moves `position`, whose title changed, to its new place; `posts` has the new titles.
    pub(super) fn retitle(&mut self, posts: &[Arc<Post>], position: Position) {
        self.sorted.remove(self.rank[position as usize] as usize);
        let key = title_key(&posts[position as usize]);
        let at = self.sorted.partition_point(|&other| {
            (title_key(&posts[other as usize]), other) < (key.clone(), position)
        });
        self.sorted.insert(at, position);
        self.rank_all();
    }
}

/// What titles sort by.
fn title_key(post: &Post) -> String {
    post.title.to_lowercase()
}

/// When a post can be seen, copied out of the post into one dense array: list requests test
/// thousands of positions, and reaching into each post for its dates misses the cache.
#[derive(Debug, Clone, Copy)]
pub(super) struct Window {
    from: Timestamp,
    until: Option<Timestamp>,
    draft: bool,
}

impl Window {
    pub(super) fn of(post: &Post) -> Window {
        Window {
            from: post.date,
            until: post.expires,
            draft: post.draft,
        }
    }

    /// The same answer as `Post::is_published`.
    pub(super) fn is_open(&self, now: Timestamp) -> bool {
        !self.draft && self.from <= now && self.until.is_none_or(|until| until > now)
    }
}

#[derive(Debug, Default)]
pub(super) struct Taxonomy {
    pub(super) entries: Vec<TaxonomyEntry>,
    pub(super) by_slug: HashMap<String, usize>,
}

#[derive(Debug)]
pub(super) struct TaxonomyEntry {
    /// The spelling of the newest post that uses the term.
    pub(super) term: Term,
    /// Positions of the posts carrying it, ascending (newest first).
    pub(super) posts: Vec<Position>,
}

impl Taxonomy {
    pub(super) fn build<'a>(
        posts: &'a [Arc<Post>],
        terms_of: impl Fn(&'a Post) -> &'a [Term],
    ) -> Taxonomy {
        let mut taxonomy = Taxonomy::default();
        for (position, post) in posts.iter().enumerate() {
            for term in terms_of(post) {
                let index = *taxonomy
                    .by_slug
                    .entry(term.slug.as_str().to_owned())
                    .or_insert_with(|| {
                        taxonomy.entries.push(TaxonomyEntry {
                            term: term.clone(),
                            posts: Vec::new(),
                        });
                        taxonomy.entries.len() - 1
                    });
                taxonomy.entries[index].posts.push(position as Position);
            }
        }
        taxonomy
    }

    pub(super) fn posts_of(&self, key: &str) -> &[Position] {
        self.by_slug
            .get(key)
            .map_or(&[], |&index| &self.entries[index].posts)
    }
}

/// Every instant at which some post that is not a draft goes live or expires, ascending.
fn visibility_changes(posts: &[Arc<Post>]) -> Vec<Timestamp> {
    let mut changes: Vec<Timestamp> = posts
        .iter()
        .filter(|post| !post.draft)
        .flat_map(|post| std::iter::once(post.date).chain(post.expires))
        .collect();
    changes.sort_unstable();
    changes.dedup();
    changes
}
