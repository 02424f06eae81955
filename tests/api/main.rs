//! Black-box tests: each starts Quire on a free port over fixture content and talks HTTP to it.

mod archive;
mod content;
mod docs;
mod feeds;
mod helpers;
mod meta;
mod posts;
mod related;
mod search;
mod terms;
