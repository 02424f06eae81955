//! Making a store: from the parsed files of a first load, and the store that follows another
//! after a reload.

use std::sync::Arc;

use arc_swap::ArcSwapOption;
use jiff::Timestamp;

use super::Store;
use super::indexes::{Order, TitleOrder};
use crate::content::{Parsed, Problem, addresses};
use crate::domain::Post;

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
