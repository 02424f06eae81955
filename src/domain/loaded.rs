//! What loading hands the store: the posts to serve, each at an address no other post has, and
//! every problem found. Content makes it (see `content::finish`); the store only indexes it.

use std::sync::Arc;

use super::{MediaIndex, Post, Problem};

/// A finished load of a content folder.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    /// The media files beside the posts, by path.
    pub media: Arc<MediaIndex>,
    /// The posts served, each at a slug no other has (in the order the files were listed).
    pub posts: Vec<Arc<Post>>,
    /// Every problem found, errors and warnings, ordered by path and line.
    pub problems: Vec<Problem>,
}
