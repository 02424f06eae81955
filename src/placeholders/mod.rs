//! Blur placeholders and dominant colours for the images beside the posts, for `next/image`'s
//! `blurDataURL`. Like search, this follows the store from beside it: an image's width and
//! height come from its header while content loads, but a placeholder needs the whole image
//! decoded, so placeholders are made after start-up in the background and appear in responses
//! once ready.
//!
//! The files: [`make`] (one image's bytes to its placeholder, a pure function), [`cache`]
//! (placeholders kept in `--index-dir` between runs, by the hash of the image's bytes) and
//! [`follow`] (the thread that makes them after start-up and at each reload, and publishes
//! them into the served store, where responses find them with `Store::placeholder`).

mod cache;
mod follow;
mod make;

pub use crate::domain::Placeholder;
pub use cache::PlaceholderCache;
pub use follow::{PlaceholderProgress, make_and_follow};
pub use make::{MAX_DATA_URL_BYTES, PlaceholderError, make_placeholder};

#[cfg(test)]
mod follow_tests;
#[cfg(test)]
mod tests;
