//! Blur placeholders and dominant colours for the images beside the posts, for `next/image`'s
//! `blurDataURL`. Like search, this follows the store from beside it: an image's width and
//! height come from its header while content loads, but a placeholder needs the whole image
//! decoded, so placeholders are made after start-up in the background and appear in responses
//! once ready.
//!
//! The files: [`make`] (one image's bytes to its placeholder, a pure function) and [`cache`]
//! (placeholders kept in `--index-dir` between runs, by the hash of the image's bytes).

mod cache;
mod make;

pub use cache::PlaceholderCache;
pub use make::{MAX_DATA_URL_BYTES, Placeholder, PlaceholderError, make_placeholder};

#[cfg(test)]
mod tests;
