//! Taxonomy terms: a category, tag or author as written, with its slug.

use super::Slug;

/// A category, tag or author: the name as a writer spelled it and the slug it is found by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    /// The display name, e.g. `Backlog Refinement`.
    pub name: String,
    /// The normalised key, e.g. `backlog-refinement`.
    pub slug: Slug,
}

impl Term {
    /// Makes a term from a name, or `None` when the name has no letters or digits to slug.
    pub fn from_name(name: &str) -> Option<Term> {
        let name = name.trim();
        let slug = Slug::from_text(name).ok()?;
        Some(Term {
            name: name.to_owned(),
            slug,
        })
    }
}
