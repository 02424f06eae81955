//! The last loading step: from what each file gave to what the store takes. Posts that claim
//! the same slug get the addresses [`addresses::assign`] gives them, and every problem, the
//! files' own and the addresses', is kept in path and line order for `/problems`.
//!
//! An address depends only on the files' paths, slugs (chosen or not), dates and draft flags
//! (see `addresses`), so a file saved without changing those keeps its address; the store's
//! reload fast path relies on that (see `store::update`).

use std::sync::Arc;

use super::addresses;
use super::loader::Parsed;
use crate::domain::{Loaded, Post};

/// Finishes a load from every file's outcome (in path order): the posts to serve at their
/// addresses, and every problem.
pub fn finish(parsed: Vec<Parsed>) -> Loaded {
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
    Loaded {
        media: Arc::default(),
        posts,
        problems,
    }
}

/// Every file's outcome, finished: the same as [`finish`], so code that holds the files can
/// hand them to `Store::build` directly.
impl From<Vec<Parsed>> for Loaded {
    fn from(parsed: Vec<Parsed>) -> Loaded {
        finish(parsed)
    }
}
