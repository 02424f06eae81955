//! Black-box tests: each starts Quire on a free port over fixture content and talks HTTP to it.

mod content;
mod docs;
mod helpers;
mod http;
mod meta;
mod posts;
mod preview;
mod reload;
mod terms;
