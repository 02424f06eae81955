//! Quire: a folder of Markdown posts served as a fast, documented JSON API.

/// Published posts counted by year and month.
pub mod archive;
/// The current time, injectable for tests.
pub mod clock;
/// Files to posts: front matter, Markdown, encodings, problems.
pub mod content;
/// Validated values: slugs, terms, posts.
pub mod domain;
/// The HTTP error type and its problem+json body.
pub mod error;
/// RSS, Atom and JSON feeds and the sitemap.
pub mod feeds;
/// HTTP semantics shared by every route: caching, conditional requests, compression, CORS,
/// request ids, metrics.
pub mod http;
/// The OpenAPI document.
pub mod openapi;
/// Blur placeholders and dominant colours of the images beside the posts, made in the
/// background.
pub mod placeholders;
/// Hot reload: watching, re-parsing changed files, swapping stores, change events.
pub mod reload;
/// HTTP handlers and their wire types.
pub mod routes;
/// Full-text search and related posts over the store.
pub mod search;
/// Values that must never reach a log, such as the preview token.
pub mod secret;
/// Command-line and environment settings.
pub mod settings;
/// Building and running the server.
pub mod startup;
/// The immutable, indexed content store.
pub mod store;
