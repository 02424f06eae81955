//! Files to posts: reading a content folder, splitting and parsing front matter, repairing
//! encodings and rendering Markdown, all once at load time. Knows nothing of HTTP.

pub mod addresses;
pub mod fields;
pub mod front_matter;
pub mod loader;
pub mod markdown;
pub mod mojibake;
pub mod problem;
pub mod walk;

pub use loader::{LoadOptions, Parsed, load_dir, parse_post};
pub use walk::{Survey, discover, survey};
