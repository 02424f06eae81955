//! Black-box tests: each starts Quire on a free port over fixture content and talks HTTP to it.

mod archive;
mod clients;
mod content;
mod docs;
mod encoding;
mod feeds;
mod folder;
mod helpers;
mod html;
mod http;
mod links;
mod media;
mod meta;
mod placeholders;
mod posts;
mod preview;
#[cfg(unix)]
mod process;
mod real_posts;
mod related;
mod reload;
mod search;
mod search_readiness;
mod search_threads;
mod search_typing;
mod search_visibility;
mod shapes;
#[cfg(unix)]
mod spawned;
mod terms;
mod unpublished;
mod visibility;
mod watcher;
mod webhook;
