//! Quire's validated content values: slugs, taxonomy terms and posts. No I/O, no HTTP.

mod format;
mod packed;
mod post;
mod slug;
mod term;

pub use format::SourceFormat;
pub use packed::PackedBody;
pub use post::{Post, Visibility};
pub use slug::{Slug, SlugError};
pub use term::Term;
