//! Files to posts: reading a content folder, splitting and parsing front matter, repairing
//! encodings, rendering Markdown and deciding each post's address, all once at load time; what
//! it hands the store is a [`Loaded`](crate::domain::Loaded). Knows nothing of HTTP.

mod addresses;
pub mod fields;
mod finish;
pub mod front_matter;
pub mod links;
pub mod loader;
pub mod markdown;
pub mod media;
pub mod mojibake;
pub mod problem;
pub mod walk;

pub use finish::finish;
pub use loader::{LoadOptions, Parsed, load_dir, parse_post};
pub use walk::{Survey, discover, survey};
