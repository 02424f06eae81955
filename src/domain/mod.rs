//! Quire's validated content values: slugs, taxonomy terms, dates, posts with their tables of
//! contents, content problems, and what a finished load hands the store. No I/O, no HTTP.

pub mod dates;
mod format;
mod links;
mod loaded;
mod media;
mod packed;
mod placeholder;
mod post;
mod problem;
mod slug;
mod term;
mod toc;

pub use format::SourceFormat;
pub use links::{DEFAULT_POST_URL, LocalRef, PostImage, PostLink, RefKind, Resolved, post_url};
pub use loaded::Loaded;
pub use media::{MediaFile, MediaIndex};
pub use packed::PackedBody;
pub use placeholder::{Placeholder, Placeholders};
pub use post::{Post, Visibility};
pub use problem::{Problem, ProblemKind, Severity};
pub use slug::{Slug, SlugError};
pub use term::Term;
pub use toc::TocEntry;
