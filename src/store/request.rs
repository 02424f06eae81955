//! What a query asks for: which posts, in which order, which page, which taxonomy.

use jiff::Timestamp;

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
