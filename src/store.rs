//! The in-memory content store: every loaded post, indexed once per content version and never
//! edited afterwards; a reload builds a new store and swaps it in whole. Queries take the
//! current time, because whether a post is visible is decided per request.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use arc_swap::ArcSwapOption;
use jiff::Timestamp;

use crate::content::{Parsed, Problem, Severity, addresses};
use crate::domain::{Post, Slug, Term};

/// Position of a post in the store's date order.
type Position = u32;

/// An immutable, indexed set of posts and the problems found while loading them.
#[derive(Debug)]
pub struct Store {
    /// Every loaded post, drafts included, newest first (ties by slug).
    posts: Vec<Arc<Post>>,
    /// Where each post sits and who carries which term; shared with the next store when a
    /// reload leaves every post's place unchanged.
    order: Arc<Order>,
    /// Positions in title order, and for each position its rank in that order; shared when
    /// no title changed.
    titles: Arc<TitleOrder>,
    problems: Vec<Problem>,
    loaded_at: Timestamp,
    /// Which content version this is: 1 for the first load, one more for each reload.
    generation: u64,
    /// The visibility epoch last asked about and the newest modification time among the
    /// posts published in it: a hidden post's save must not move a public `Last-Modified`,
    /// and the answer is the same for the whole epoch.
    published_modified: ArcSwapOption<(usize, Option<Timestamp>)>,
    /// What the public has seen change: one more for each reload that changed a published
    /// post or its problems, and when the latest did (see [`Store::with_public_version`]).
    public_version: (u64, Timestamp),
}

/// The indexes that depend only on each post's slug, dates, draft flag and terms, which is
/// what decides its position: most edits (a body, a title, an excerpt) leave all of it as is.
#[derive(Debug)]
struct Order {
    by_slug: HashMap<String, Position>,
    categories: Taxonomy,
    tags: Taxonomy,
    authors: Taxonomy,
    /// The instants at which the published set changes (dates and expiries of posts that are
    /// not drafts), ascending and without repeats.
    visibility_changes: Vec<Timestamp>,
    /// The epoch (see [`Store::visibility_epoch`]) last found: checked before it is used, so
    /// only ever a hint, and nearly always right because time moves forward. Every answer
    /// from the response cache asks, and a binary search of a long list misses the CPU cache.
    epoch_hint: AtomicUsize,
    /// For each position, when that post can be seen.
    windows: Vec<Window>,
}

impl Order {
    fn of(posts: &[Arc<Post>]) -> Order {
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
            epoch_hint: AtomicUsize::new(0),
            windows: posts.iter().map(|post| Window::of(post)).collect(),
        }
    }
}

/// Whether `new` takes exactly the place of `old` in every index of [`Order`].
fn same_place(old: &Post, new: &Post) -> bool {
    old.slug == new.slug
        && old.slug_declared == new.slug_declared
        && old.date == new.date
        && old.expires == new.expires
        && old.draft == new.draft
        && old.categories == new.categories
        && old.tags == new.tags
        && old.authors == new.authors
}

/// The posts sorted by title (ignoring case), ties in position order.
#[derive(Debug, Clone)]
struct TitleOrder {
    /// Positions, in title order.
    sorted: Vec<Position>,
    /// For each position, its index in `sorted`.
    rank: Vec<u32>,
}

impl TitleOrder {
    fn of(posts: &[Arc<Post>]) -> TitleOrder {
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
    fn retitle(&mut self, posts: &[Arc<Post>], position: Position) {
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

/// Takes the posts of parsed files (in path order) and every problem; posts that claim the same
/// slug get the addresses [`addresses::assign`] gives them, the same whatever order the files
/// were found or changed in.
fn accept(parsed: Vec<Parsed>) -> (Vec<Arc<Post>>, Vec<Problem>) {
    let mut problems = Vec::new();
    let mut candidates: Vec<(String, Arc<Post>)> = Vec::with_capacity(parsed.len());
    for file in parsed {
        problems.extend(file.warnings);
        match file.post {
            Ok(post) => candidates.push((file.path, post)),
            Err(problem) => problems.push(problem),
        }
    }
    let (posts, address_problems) = addresses::assign(candidates);
    problems.extend(address_problems);
    problems.sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
    (posts, problems)
}

/// When a post can be seen, copied out of the post into one dense array: list requests test
/// thousands of positions, and reaching into each post for its dates misses the cache.
#[derive(Debug, Clone, Copy)]
struct Window {
    from: Timestamp,
    until: Option<Timestamp>,
    draft: bool,
}

impl Window {
    fn of(post: &Post) -> Window {
        Window {
            from: post.date,
            until: post.expires,
            draft: post.draft,
        }
    }

    /// The same answer as `Post::is_published`.
    fn is_open(&self, now: Timestamp) -> bool {
        !self.draft && self.from <= now && self.until.is_none_or(|until| until > now)
    }
}

/// Which taxonomy a term belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaxonomyKind {
    /// `category` / `categories`.
    Category,
    /// `tags`.
    Tag,
    /// `author` / `authors`.
    Author,
}

/// A term with the number of posts visible under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TermCount<'a> {
    /// The term.
    pub term: &'a Term,
    /// Published posts carrying it.
    pub count: usize,
}

#[derive(Debug, Default)]
struct Taxonomy {
    entries: Vec<TaxonomyEntry>,
    by_slug: HashMap<String, usize>,
}

#[derive(Debug)]
struct TaxonomyEntry {
    /// The spelling of the newest post that uses the term.
    term: Term,
    /// Positions of the posts carrying it, ascending (newest first).
    posts: Vec<Position>,
}

impl Taxonomy {
    fn build<'a>(posts: &'a [Arc<Post>], terms_of: impl Fn(&'a Post) -> &'a [Term]) -> Taxonomy {
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

    fn posts_of(&self, key: &str) -> &[Position] {
        self.by_slug
            .get(key)
            .map_or(&[], |&index| &self.entries[index].posts)
    }
}

/// Whether a post must carry any or all of the requested tags.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum TagMode {
    /// At least one of the tags.
    #[default]
    Any,
    /// Every one of the tags.
    All,
}

/// The order of a post list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SortOrder {
    /// Newest first.
    #[default]
    DateDesc,
    /// Oldest first.
    DateAsc,
    /// By title, A to Z.
    TitleAsc,
    /// By title, Z to A.
    TitleDesc,
}

/// Which posts a list shows; empty lists mean "no constraint". Terms are given by slug key; a
/// key no term has matches no post.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PostFilter {
    /// Posts in any of these categories.
    pub categories: Vec<String>,
    /// Posts with any or all (see `tag_mode`) of these tags.
    pub tags: Vec<String>,
    /// How `tags` combine.
    pub tag_mode: TagMode,
    /// Posts with none of these tags.
    pub exclude_tags: Vec<String>,
    /// Posts by any of these authors.
    pub authors: Vec<String>,
    /// Posts dated at or after this instant.
    pub from: Option<Timestamp>,
    /// Posts dated at or before this instant.
    pub to: Option<Timestamp>,
    /// Include drafts, scheduled and expired posts too (an editor's preview).
    pub preview: bool,
}

/// A page of a list: 1-based number and size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    /// The page, from 1.
    pub number: u32,
    /// Posts per page, from 1.
    pub size: u32,
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
    /// Builds a store from parsed files (in path order): posts that claim the same slug are
    /// given addresses as [`addresses::assign`] says, and every problem is kept for `/problems`.
    pub fn build(parsed: Vec<Parsed>, loaded_at: Timestamp) -> Store {
        let (posts, problems) = accept(parsed);
        Store::index(posts, problems, loaded_at)
    }

    /// Builds the store that follows this one after a reload, with the same result as
    /// [`Store::build`]. When every post keeps its place (same slugs, dates, draft flags and
    /// terms: an edit to a body or a title), this store's indexes are shared and only the
    /// changed posts are swapped in, so a reload costs one pass over the posts, not a sort.
    pub fn rebuild(&self, parsed: Vec<Parsed>, loaded_at: Timestamp) -> Store {
        let (posts, problems) = accept(parsed);
        let Some((placed, titles_changed)) = self.place(&posts) else {
            return Store::index(posts, problems, loaded_at);
        };
        let titles = if titles_changed {
            Arc::new(TitleOrder::of(&placed))
        } else {
            Arc::clone(&self.titles)
        };
        Store {
            posts: placed,
            order: Arc::clone(&self.order),
            titles,
            problems,
            loaded_at,
            generation: 1,
            published_modified: ArcSwapOption::empty(),
            public_version: (1, loaded_at),
        }
    }

    /// The store after files that keep their posts' places were edited (the common reload:
    /// a writer saves a post), without looking at any other post; `None` when an edit moves a
    /// post (a new slug, date, draft flag or term) or its file's post was not the one served,
    /// and [`Store::rebuild`] is needed. The result equals what [`Store::build`] would give.
    pub fn edited(&self, edits: &[Edit], loaded_at: Timestamp) -> Option<Store> {
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
        Some(Store {
            posts,
            order: Arc::clone(&self.order),
            titles: titles.map_or_else(|| Arc::clone(&self.titles), Arc::new),
            problems,
            loaded_at,
            generation: 1,
            published_modified: ArcSwapOption::empty(),
            public_version: (1, loaded_at),
        })
    }

    /// The posts in this store's order, if each takes exactly the place of the old post with
    /// its slug, and whether any title changed.
    fn place(&self, posts: &[Arc<Post>]) -> Option<(Vec<Arc<Post>>, bool)> {
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

    /// Sorts accepted posts newest first and indexes them.
    fn index(mut posts: Vec<Arc<Post>>, problems: Vec<Problem>, loaded_at: Timestamp) -> Store {
        posts.sort_by(|a, b| b.date.cmp(&a.date).then_with(|| a.slug.cmp(&b.slug)));
        Store {
            order: Arc::new(Order::of(&posts)),
            titles: Arc::new(TitleOrder::of(&posts)),
            problems,
            loaded_at,
            generation: 1,
            published_modified: ArcSwapOption::empty(),
            public_version: (1, loaded_at),
            posts,
        }
    }

    /// The same store marked as content version `generation`.
    pub fn with_generation(mut self, generation: u64) -> Store {
        self.generation = generation;
        self
    }

    /// Which content version this is: 1 for the first load, one more for each reload; caches
    /// of anything derived from the store are keyed by it.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// When this store's content was loaded.
    pub fn loaded_at(&self) -> Timestamp {
        self.loaded_at
    }

    /// Every problem found while loading, errors and warnings, by file and line.
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }

    /// How many problems are errors (skipped files) and how many warnings (repairs).
    pub fn problem_counts(&self) -> (usize, usize) {
        let errors = self
            .problems
            .iter()
            .filter(|p| p.severity == Severity::Error)
            .count();
        (errors, self.problems.len() - errors)
    }

    /// All loaded posts, drafts included, newest first.
    pub fn all_posts(&self) -> &[Arc<Post>] {
        &self.posts
    }

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

impl Store {
    /// Which stretch between two visibility changes `now` falls in: how many changes have
    /// passed. Between two changes every list, count and neighbour is the same, so responses
    /// are cached per (generation, epoch).
    pub fn visibility_epoch(&self, now: Timestamp) -> usize {
        let changes = &self.order.visibility_changes;
        let hint = self.order.epoch_hint.load(Ordering::Relaxed);
        let passed = |epoch: usize| epoch == 0 || changes.get(epoch - 1).is_some_and(|&c| c <= now);
        if passed(hint) && changes.get(hint).is_none_or(|&next| next > now) {
            return hint;
        }
        let epoch = changes.partition_point(|&change| change <= now);
        self.order.epoch_hint.store(epoch, Ordering::Relaxed);
        epoch
    }

    /// [`Store::visibility_epoch`] and the next instant after `now` at which a post goes live
    /// or expires, if any.
    pub fn visibility_at(&self, now: Timestamp) -> (usize, Option<Timestamp>) {
        let epoch = self.visibility_epoch(now);
        (epoch, self.order.visibility_changes.get(epoch).copied())
    }

    /// The next instant after `now` at which a post goes live or expires, if any.
    pub fn next_change_after(&self, now: Timestamp) -> Option<Timestamp> {
        self.visibility_at(now).1
    }

    /// The last instant at or before `now` at which a post went live or expired, if any.
    pub fn last_change_at_or_before(&self, now: Timestamp) -> Option<Timestamp> {
        self.visibility_epoch(now)
            .checked_sub(1)
            .map(|index| self.order.visibility_changes[index])
    }

    /// The newest modification time among the files of the posts published at `now`; drafts,
    /// scheduled and expired posts do not count, so saving one moves no public
    /// `Last-Modified`. Worked out once per visibility epoch.
    pub fn newest_modified(&self, now: Timestamp) -> Option<Timestamp> {
        let epoch = self.visibility_epoch(now);
        if let Some(cached) = self.published_modified.load().as_deref()
            && cached.0 == epoch
        {
            return cached.1;
        }
        let newest = self
            .posts
            .iter()
            .zip(&self.order.windows)
            .filter(|(_, window)| window.is_open(now))
            .filter_map(|(post, _)| post.modified)
            .max();
        self.published_modified
            .store(Some(Arc::new((epoch, newest))));
        newest
    }

    /// The same store with its public version: how many reloads so far changed what the
    /// public can read (1 at start-up), and when the latest did. Reloads that touch only
    /// drafts, scheduled or expired posts keep the old one, so no public answer tells them.
    pub fn with_public_version(mut self, version: u64, changed_at: Timestamp) -> Store {
        self.public_version = (version, changed_at);
        self
    }

    /// The public version (see [`Store::with_public_version`]).
    pub fn public_generation(&self) -> u64 {
        self.public_version.0
    }

    /// When the public version last changed: start-up, or the latest reload that changed
    /// what the public can read.
    pub fn public_changed_at(&self) -> Timestamp {
        self.public_version.1
    }

    /// The problems of the files whose posts are published at `now`: the only ones the
    /// public may see, since any other names a draft, a scheduled post or a file that
    /// serves nothing.
    pub fn public_problems(&self, now: Timestamp) -> Vec<&Problem> {
        if self.problems.is_empty() {
            return Vec::new();
        }
        let published: std::collections::HashSet<&str> = self
            .posts
            .iter()
            .zip(&self.order.windows)
            .filter(|(_, window)| window.is_open(now))
            .map(|(post, _)| post.source_path.as_str())
            .collect();
        self.problems
            .iter()
            .filter(|problem| published.contains(problem.path.as_str()))
            .collect()
    }

    #[cfg(test)]
    fn visibility_changes_for_tests(&self) -> &[Timestamp] {
        &self.order.visibility_changes
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::{LoadOptions, parse_post};

    fn post(slug: &str, date: &str, tags: &str, extra: &str) -> Parsed {
        let text = format!(
            "---\ntitle: {slug}\ndate: {date}\ntags: [{tags}]\n{extra}\n---\nBody of {slug}.\n"
        );
        parse_post(
            &format!("{slug}.md"),
            text.as_bytes(),
            LoadOptions::default(),
        )
    }

    fn store() -> Store {
        Store::build(files(), now())
    }

    /// Five posts: two tags, two categories, a draft and one scheduled after `now`.
    fn files() -> Vec<Parsed> {
        vec![
            post("a", "2025-01-01", "x, y", "category: One"),
            post("b", "2025-02-01", "x", "category: Two"),
            post("c", "2025-03-01", "y", "draft: true"),
            post("d", "2025-04-01", "x, y", "category: One"),
            post("e", "2030-01-01", "x", ""),
        ]
    }

    fn now() -> Timestamp {
        "2026-01-01T00:00:00Z".parse().unwrap()
    }

    fn slugs(page: &PostPage<'_>) -> Vec<String> {
        page.posts.iter().map(|p| p.slug.to_string()).collect()
    }

    fn list(filter: PostFilter) -> Vec<String> {
        slugs(&store().list_posts(
            &filter,
            SortOrder::DateDesc,
            PageRequest {
                number: 1,
                size: 10,
            },
            now(),
        ))
    }

    fn tags(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    #[test]
    fn drafts_and_scheduled_posts_are_not_listed() {
        assert_eq!(list(PostFilter::default()), ["d", "b", "a"]);
    }

    #[test]
    fn a_preview_lists_and_finds_unpublished_posts_with_published_neighbours() {
        let preview = PostFilter {
            preview: true,
            ..Default::default()
        };
        assert_eq!(list(preview), ["e", "d", "c", "b", "a"]);
        let store = store();
        let draft = Slug::parse("c").unwrap();
        assert!(store.find_post(&draft, now()).is_none());
        let found = store.find_post_for_preview(&draft, now()).unwrap();
        assert_eq!(found.post.slug.as_str(), "c");
        assert_eq!(found.previous.map(|p| p.slug.as_str()), Some("b"));
        assert_eq!(found.next.map(|p| p.slug.as_str()), Some("d"));
    }

    #[test]
    fn tag_modes_combine_tags_with_or_and_and() {
        assert_eq!(
            list(PostFilter {
                tags: tags(&["x", "y"]),
                ..Default::default()
            }),
            ["d", "b", "a"]
        );
        let all = PostFilter {
            tags: tags(&["x", "y"]),
            tag_mode: TagMode::All,
            ..Default::default()
        };
        assert_eq!(list(all), ["d", "a"]);
        assert_eq!(
            list(PostFilter {
                exclude_tags: tags(&["y"]),
                ..Default::default()
            }),
            ["b"]
        );
    }

    #[test]
    fn date_bounds_are_inclusive() {
        let from = Some("2025-02-01T00:00:00Z".parse().unwrap());
        let to = Some("2025-04-01T00:00:00Z".parse().unwrap());
        assert_eq!(
            list(PostFilter {
                from,
                to,
                ..Default::default()
            }),
            ["d", "b"]
        );
        assert!(
            list(PostFilter {
                from: to,
                to: from,
                ..Default::default()
            })
            .is_empty()
        );
    }

    #[test]
    fn pages_cut_the_list_and_count_the_total() {
        let store = store();
        let page = store.list_posts(
            &PostFilter::default(),
            SortOrder::DateAsc,
            PageRequest { number: 2, size: 2 },
            now(),
        );
        assert_eq!((slugs(&page), page.total), (vec!["d".to_owned()], 3));
        let past_end = store.list_posts(
            &PostFilter::default(),
            SortOrder::DateAsc,
            PageRequest { number: 9, size: 2 },
            now(),
        );
        assert!(past_end.posts.is_empty());
    }

    #[test]
    fn neighbours_skip_unpublished_posts() {
        let store = store();
        let found = store.find_post(&Slug::parse("b").unwrap(), now()).unwrap();
        assert_eq!(found.previous.map(|p| p.slug.as_str()), Some("a"));
        assert_eq!(found.next.map(|p| p.slug.as_str()), Some("d"));
        assert!(store.find_post(&Slug::parse("c").unwrap(), now()).is_none());
        assert!(store.find_post(&Slug::parse("e").unwrap(), now()).is_none());
    }

    #[test]
    fn a_scheduled_post_appears_once_its_date_passes() {
        let later = "2030-01-02T00:00:00Z".parse().unwrap();
        let store = store();
        assert!(store.find_post(&Slug::parse("e").unwrap(), later).is_some());
        assert_eq!(store.stats(later).posts, 4);
    }

    #[test]
    fn term_counts_include_only_published_posts() {
        let store = store();
        let counts: Vec<_> = store
            .terms(TaxonomyKind::Tag, now())
            .iter()
            .map(|t| (t.term.name.clone(), t.count))
            .collect();
        assert_eq!(counts, [("x".to_owned(), 3), ("y".to_owned(), 2)]);
    }

    #[test]
    fn visibility_epochs_change_exactly_when_a_post_goes_live() {
        let store = store();
        let live: Timestamp = "2030-01-01T00:00:00Z".parse().unwrap();
        let before = live
            .checked_sub(jiff::SignedDuration::from_secs(1))
            .unwrap();
        assert_eq!(store.next_change_after(now()), Some(live));
        assert_eq!(store.next_change_after(before), Some(live));
        assert_eq!(
            store.visibility_epoch(now()),
            store.visibility_epoch(before)
        );
        assert_eq!(
            store.visibility_epoch(live),
            store.visibility_epoch(before) + 1
        );
        assert_eq!(store.next_change_after(live), None);
        assert_eq!(store.last_change_at_or_before(live), Some(live));
        assert_eq!(
            store.last_change_at_or_before(now()),
            Some("2025-04-01T00:00:00Z".parse().unwrap())
        );
    }

    #[test]
    fn the_remembered_epoch_never_changes_the_answer_whichever_way_time_moves() {
        let store = store();
        let changes = store.visibility_changes_for_tests().to_vec();
        assert!(changes.len() >= 3, "{changes:?}");
        // Each change, a second either side of it, and far before and after all of them.
        let mut moments: Vec<Timestamp> = vec![
            "1990-01-01T00:00:00Z".parse().unwrap(),
            "2100-01-01T00:00:00Z".parse().unwrap(),
        ];
        for &change in &changes {
            let second = jiff::SignedDuration::from_secs(1);
            moments.extend([
                change.checked_sub(second).unwrap(),
                change,
                change.checked_add(second).unwrap(),
            ]);
        }
        let forward = moments.clone();
        let mut order = moments.clone();
        order.sort();
        order.extend(forward.iter().rev());
        order.extend(forward);
        for now in order {
            let epoch = changes.partition_point(|&change| change <= now);
            assert_eq!(store.visibility_epoch(now), epoch, "at {now}");
            assert_eq!(
                store.visibility_at(now),
                (epoch, changes.get(epoch).copied())
            );
        }
    }

    #[test]
    fn publishing_windows_agree_with_post_visibility_at_every_boundary() {
        let posts = [
            post("plain", "2025-01-01", "", ""),
            post("draft", "2025-01-01", "", "draft: true"),
            post("expiring", "2025-01-01", "", "expires: 2025-06-01"),
        ];
        let moments = [
            "2024-12-31T23:59:59Z",
            "2025-01-01T00:00:00Z",
            "2025-05-31T23:59:59Z",
            "2025-06-01T00:00:00Z",
            "2026-01-01T00:00:00Z",
        ];
        for parsed in posts {
            let post = parsed.post.unwrap();
            for moment in moments {
                let now: Timestamp = moment.parse().unwrap();
                assert_eq!(
                    Window::of(&post).is_open(now),
                    post.is_published(now),
                    "{} at {moment}",
                    post.slug
                );
            }
        }
    }

    #[test]
    fn of_two_files_choosing_one_slug_the_newer_is_skipped_with_an_error() {
        let store = Store::build(
            vec![
                post("a", "2025-02-01", "", "slug: shared"),
                post("b", "2025-01-01", "", "slug: shared"),
            ],
            now(),
        );
        let served: Vec<_> = store.all_posts().iter().map(|p| &p.source_path).collect();
        assert_eq!(served, ["b.md"]);
        assert_eq!(store.problems().len(), 1);
        assert_eq!(store.problems()[0].path, "a.md");
        assert!(store.problems()[0].message.contains("also chosen by b.md"));
    }

    /// Everything a request can observe of a store, in one comparable value.
    fn observable(store: &Store) -> Vec<String> {
        let page = PageRequest {
            number: 1,
            size: 100,
        };
        let mut seen = Vec::new();
        for sort in [
            SortOrder::DateDesc,
            SortOrder::TitleAsc,
            SortOrder::TitleDesc,
        ] {
            for preview in [false, true] {
                let filter = PostFilter {
                    preview,
                    ..PostFilter::default()
                };
                let listed = store.list_posts(&filter, sort, page, now());
                seen.push(format!("{sort:?} {preview}: {:?}", slugs(&listed)));
                let titles: Vec<&str> = listed.posts.iter().map(|p| p.title.as_str()).collect();
                seen.push(format!("titles: {titles:?}"));
            }
        }
        for kind in [
            TaxonomyKind::Category,
            TaxonomyKind::Tag,
            TaxonomyKind::Author,
        ] {
            let terms: Vec<(String, String, usize)> = store
                .terms(kind, now())
                .iter()
                .map(|t| (t.term.slug.to_string(), t.term.name.clone(), t.count))
                .collect();
            seen.push(format!("{kind:?}: {terms:?}"));
        }
        for post in store.all_posts() {
            let found = store.find_post(&post.slug, now());
            seen.push(format!(
                "{}: {:?} {:?}",
                post.slug,
                found
                    .as_ref()
                    .and_then(|f| f.previous)
                    .map(|p| p.slug.to_string()),
                found
                    .as_ref()
                    .and_then(|f| f.next)
                    .map(|p| p.slug.to_string()),
            ));
        }
        seen.push(format!("{:?}", store.visibility_changes_for_tests()));
        seen.push(format!(
            "{:?} {:?}",
            store.newest_modified(now()),
            store.problems()
        ));
        seen
    }

    #[test]
    fn a_rebuild_answers_exactly_like_a_fresh_build_after_any_edit() {
        let edits: Vec<(&str, Vec<Parsed>)> = vec![
            ("nothing changed", files()),
            ("a body changed", {
                let mut f = files();
                f[1] = parse_post(
                    "b.md",
                    b"---\ntitle: b\ndate: 2025-02-01\ntags: [x]\ncategory: Two\n---\nNew body.\n",
                    LoadOptions::default(),
                );
                f
            }),
            ("a title changed", {
                let mut f = files();
                f[0] = parse_post(
                    "a.md",
                    b"---\ntitle: zz top\ndate: 2025-01-01\ntags: [x, y]\ncategory: One\n---\nBody.\n",
                    LoadOptions::default(),
                );
                f
            }),
            ("a date changed", {
                let mut f = files();
                f[0] = post("a", "2025-05-01", "x, y", "category: One");
                f
            }),
            ("a tag was added", {
                let mut f = files();
                f[1] = post("b", "2025-02-01", "x, z", "category: Two");
                f
            }),
            ("a term was respelt", {
                let mut f = files();
                f[3] = post("d", "2025-04-01", "X, y", "category: One");
                f
            }),
            ("a draft was published", {
                let mut f = files();
                f[2] = post("c", "2025-03-01", "y", "");
                f
            }),
            ("an expiry was set", {
                let mut f = files();
                f[3] = post(
                    "d",
                    "2025-04-01",
                    "x, y",
                    "category: One\nexpires: 2025-12-01",
                );
                f
            }),
            ("a post was deleted", files().into_iter().take(4).collect()),
            ("a post was added", {
                let mut f = files();
                f.push(post("f", "2025-06-01", "y", ""));
                f
            }),
            ("a post was renamed", {
                let mut f = files();
                f[1] = post("b2", "2025-02-01", "x", "category: Two");
                f
            }),
            ("a file broke", {
                let mut f = files();
                f[1] = parse_post("b.md", b"---\ntitle: [\n---\n", LoadOptions::default());
                f
            }),
            ("a slug was duplicated", {
                let mut f = files();
                f.push(parse_post(
                    "z.md",
                    b"---\ntitle: Z\nslug: a\ndate: 2025-01-01\n---\nx\n",
                    LoadOptions::default(),
                ));
                f
            }),
            ("an older file of the same name came in another folder", {
                let mut f = files();
                f.push(parse_post(
                    "team/b.md",
                    b"---\ntitle: Team b\ndate: 2024-12-01\n---\nx\n",
                    LoadOptions::default(),
                ));
                f
            }),
        ];
        let old = Store::build(files(), now());
        for (edit, parsed) in edits {
            let fresh = Store::build(parsed.clone(), now());
            let rebuilt = old.rebuild(parsed, now());
            assert_eq!(observable(&rebuilt), observable(&fresh), "{edit}");
        }
    }

    #[test]
    fn a_rebuild_after_a_body_edit_shares_the_old_indexes() {
        let old = Store::build(files(), now());
        let mut edited = files();
        edited[1] = parse_post(
            "b.md",
            b"---\ntitle: b\ndate: 2025-02-01\ntags: [x]\ncategory: Two\n---\nNew body.\n",
            LoadOptions::default(),
        );
        let rebuilt = old.rebuild(edited, now());
        assert!(Arc::ptr_eq(&old.order, &rebuilt.order));
        assert!(Arc::ptr_eq(&old.titles, &rebuilt.titles));
        let body = |store: &Store| store.post_by_slug("b").map(|p| p.body.markdown());
        assert_eq!(body(&rebuilt).as_deref(), Some("New body.\n"));
        assert_ne!(body(&old), body(&rebuilt));

        let mut moved = files();
        moved[1] = post("b", "2025-02-02", "x", "category: Two");
        assert!(!Arc::ptr_eq(&old.order, &old.rebuild(moved, now()).order));
    }

    /// The edit of the file behind a post `old` serves into `parsed`.
    fn edit(old: &Store, parsed: &Parsed) -> Edit {
        let after = parsed.post.clone().unwrap();
        Edit {
            path: parsed.path.clone(),
            before: Arc::clone(old.post_by_slug(after.slug.as_str()).unwrap()),
            after,
            warnings: parsed.warnings.clone(),
        }
    }

    #[test]
    fn an_edit_in_place_answers_exactly_like_a_fresh_build() {
        let title = parse_post(
            "a.md",
            b"---\ntitle: zz top\ndate: 2025-01-01\ntags: [x, y]\ncategory: One\n---\nBody.\n",
            LoadOptions::default(),
        );
        let body = parse_post(
            "b.md",
            b"---\ntitle: b\ndate: 2025-02-01\ntags: [x]\ncategory: Two\n---\nNew body.\n",
            LoadOptions::default(),
        );
        let warned = parse_post(
            "d.md",
            b"---\ntitle: D\ndate: 2025-04-01\ntags: [x, y]\ncategory: One\n---\nvaluable\xc3\xa2\xe2\x82\xac\xe2\x80\x9dthey\n",
            LoadOptions::default(),
        );
        assert!(
            !warned.warnings.is_empty() && warned.post.is_ok(),
            "{warned:?}"
        );
        let cases: Vec<(&str, Vec<(usize, Parsed)>)> = vec![
            ("a title", vec![(0, title.clone())]),
            ("a body", vec![(1, body.clone())]),
            ("two files", vec![(0, title), (1, body)]),
        ];
        let cases = cases
            .into_iter()
            .chain([("a warning", vec![(3, warned.clone())])]);
        let old = Store::build(files(), now());
        for (what, changes) in cases {
            let mut parsed = files();
            let mut edits = Vec::new();
            for (index, file) in changes {
                edits.push(edit(&old, &file));
                parsed[index] = file;
            }
            let edited = old
                .edited(&edits, now())
                .unwrap_or_else(|| panic!("{what}: an edit in place"));
            assert_eq!(
                observable(&edited),
                observable(&Store::build(parsed, now())),
                "{what}"
            );
        }
    }

    #[test]
    fn an_edit_that_moves_a_post_or_touches_an_unserved_one_needs_a_rebuild() {
        let old = Store::build(files(), now());
        let moved = post("a", "2025-05-01", "x, y", "category: One");
        assert!(old.edited(&[edit(&old, &moved)], now()).is_none());
        let retagged = post("b", "2025-02-01", "x, z", "category: Two");
        assert!(old.edited(&[edit(&old, &retagged)], now()).is_none());
        let mut unchanged = post("b", "2025-02-01", "x", "category: Two");
        unchanged.path = "b.md".to_owned();
        assert!(old.edited(&[edit(&old, &unchanged)], now()).is_some());
        // A post that is not the one served under its slug (say, a duplicate that lost).
        let stranger = Edit {
            path: "z.md".to_owned(),
            before: post("a", "2025-01-01", "x, y", "category: One")
                .post
                .unwrap(),
            after: post("a", "2025-01-01", "x, y", "category: One")
                .post
                .unwrap(),
            warnings: Vec::new(),
        };
        assert!(old.edited(&[stranger], now()).is_none());
    }
}
