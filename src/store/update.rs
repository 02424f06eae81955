//! The fast paths of [`Store::next`]: a reload in which every re-read post keeps its place (same
//! slug, dates, draft flag and terms) swaps the new posts into the old store's order and shares
//! its indexes instead of sorting and indexing again; a saved post is looked at alone, without
//! listing the others.
//!
//! Invariants: [`Order`](super::indexes::Order) depends only on what [`same_place`] compares,
//! and a title change only moves that post in [`TitleOrder`]. Addresses are decided by content
//! (`content::finish`) from the same fields and the file's path, so a saved post that keeps
//! its place keeps its address and moves no other post's; a post served at another address
//! than the slug it parsed to is a new `Arc`, never the edit's `before`, so its save takes the
//! full listing. Guarded by the tests
//! `a_rebuild_answers_exactly_like_a_fresh_build_after_any_edit` and
//! `an_edit_in_place_answers_exactly_like_a_fresh_build` (store/tests.rs), which compare every
//! observable answer with a fresh build.

use std::sync::Arc;

use arc_swap::ArcSwapOption;
use jiff::Timestamp;

use super::Store;
use super::backlinks::Backlinks;
use super::indexes::TitleOrder;
use crate::domain::{Loaded, Post, Problem};

/// A file re-read by a reload that served a post before and still parses: the post it served,
/// the post it has now, and its warnings now.
#[derive(Debug, Clone)]
pub struct Edit {
    /// The file, relative to the content folder.
    pub path: String,
    /// The post the file gave before.
    pub before: Arc<Post>,
    /// The post the file gives now.
    pub after: Arc<Post>,
    /// The file's warnings now.
    pub warnings: Vec<Problem>,
}

/// Whether `new` takes exactly the place of `old` in every index of
/// [`Order`](super::indexes::Order).
pub(super) fn same_place(old: &Post, new: &Post) -> bool {
    old.slug == new.slug
        && old.slug_declared == new.slug_declared
        && old.date == new.date
        && old.expires == new.expires
        && old.draft == new.draft
        && old.categories == new.categories
        && old.tags == new.tags
        && old.authors == new.authors
}

impl Store {
    /// The store after a full listing, with the same result as [`Store::build`]. When every
    /// post keeps its place (same slugs, dates, draft flags and terms: an edit to a body or a
    /// title), this store's indexes are shared and only the changed posts are swapped in, so a
    /// reload costs one pass over the posts, not a sort.
    pub(super) fn relisted(&self, loaded: Loaded, loaded_at: Timestamp) -> Store {
        let Loaded {
            media,
            posts,
            problems,
        } = loaded;
        let Some((placed, titles_changed)) = self.place(&posts) else {
            return Store::index(posts, problems, media, loaded_at);
        };
        let titles = if titles_changed {
            Arc::new(TitleOrder::of(&placed))
        } else {
            Arc::clone(&self.titles)
        };
        Store {
            backlinks: Arc::new(Backlinks::of(&placed)),
            posts: placed,
            order: Arc::clone(&self.order),
            titles,
            problems,
            media,
            placeholders: Arc::default(),
            loaded_at,
            generation: 1,
            published_modified: ArcSwapOption::empty(),
            public_version: (1, loaded_at),
        }
    }

    /// The store after files that keep their posts' places were saved (the common reload:
    /// a writer saves a post), without looking at any other post; `None` when a save moves a
    /// post (a new slug, date, draft flag or term) or its file's post was not the one served,
    /// and the full listing is needed. The result equals what [`Store::build`] would give.
    pub(super) fn saved(&self, edits: &[Edit], loaded_at: Timestamp) -> Option<Store> {
        let mut posts = self.posts.clone();
        let mut titles: Option<TitleOrder> = None;
        for edit in edits {
            let position = *self.order.by_slug.get(edit.before.slug.as_str())?;
            let served = &mut posts[position as usize];
            if !Arc::ptr_eq(served, &edit.before) || !same_place(&edit.before, &edit.after) {
                return None;
            }
            *served = Arc::clone(&edit.after);
            if edit.before.title != edit.after.title {
                titles
                    .get_or_insert_with(|| (*self.titles).clone())
                    .retitle(&posts, position);
            }
        }
        let mut problems = self.problems.clone();
        if edits.iter().any(|e| !e.warnings.is_empty())
            || problems
                .iter()
                .any(|p| edits.iter().any(|e| e.path == p.path))
        {
            problems.retain(|p| edits.iter().all(|e| e.path != p.path));
            problems.extend(edits.iter().flat_map(|e| e.warnings.iter().cloned()));
            problems.sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
        }
        // Links are rarely edited: the index is shared unless a save changed some.
        let backlinks = if edits
            .iter()
            .all(|e| e.before.resolved.links == e.after.resolved.links)
        {
            Arc::clone(&self.backlinks)
        } else {
            Arc::new(Backlinks::of(&posts))
        };
        Some(Store {
            backlinks,
            posts,
            order: Arc::clone(&self.order),
            titles: titles.map_or_else(|| Arc::clone(&self.titles), Arc::new),
            problems,
            media: Arc::clone(&self.media),
            placeholders: Arc::default(),
            loaded_at,
            generation: 1,
            published_modified: ArcSwapOption::empty(),
            public_version: (1, loaded_at),
        })
    }

    /// The posts in this store's order, if each takes exactly the place of the old post with
    /// its slug, and whether any title changed.
    pub(super) fn place(&self, posts: &[Arc<Post>]) -> Option<(Vec<Arc<Post>>, bool)> {
        if posts.len() != self.posts.len() {
            return None;
        }
        // Slugs are unique on both sides and the counts match, so this is a one-to-one map.
        let mut placed = self.posts.clone();
        let mut titles_changed = false;
        for post in posts {
            let position = *self.order.by_slug.get(post.slug.as_str())? as usize;
            let old = &self.posts[position];
            if Arc::ptr_eq(old, post) {
                continue;
            }
            if !same_place(old, post) {
                return None;
            }
            titles_changed |= old.title != post.title;
            placed[position] = Arc::clone(post);
        }
        Some((placed, titles_changed))
    }
}
