//! A post's table of contents as a value: nested entries, one per heading. Built when the post
//! is rendered (see `content::markdown`).

/// One entry of a post's nested table of contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TocEntry {
    /// Heading level, 1 to 6.
    pub level: u8,
    /// The heading's `id` attribute in the rendered HTML.
    pub id: String,
    /// The heading's plain text.
    pub text: String,
    /// Headings nested under this one.
    pub children: Vec<TocEntry>,
}
