//! What a reload tells others, in two types for two audiences: the public [`ReloadReport`]
//! (the wire format of `/api/v1/events` and the webhook, naming only posts the public can
//! read, with the [`GenerationRange`] both use for reports a client missed) and the internal [`StoreUpdate`] that hands the store to follow to the indexes that
//! follow the content (drafts and scheduled posts included). Keeping them apart keeps the
//! store out of the wire type and hidden slugs out of the public one.

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use utoipa::ToSchema;

use crate::store::Store;

/// What one reload (or a post going live or expiring) changed that the public can read, as
/// sent on the SSE stream and to the webhook (see [`super::Reloader::announcements`]).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(
    description = "What one reload changed that the public can read, as sent on `/api/v1/events` and to the webhook: posts that became readable (`created`), changed while readable (`updated`) or stopped being readable (`deleted`). A reload that touches only drafts, scheduled or expired posts is not announced.",
    example = json!({
    "generation": 8,
    "created": ["new-post"],
    "updated": ["edited-post"],
    "deleted": [],
    "at": "2026-01-01T00:00:00Z"
}))]
pub struct ReloadReport {
    /// The content generation; it starts again at 1 when Quire restarts. In the events and the
    /// webhook it moves only when published content changes.
    pub generation: u64,
    /// Slugs of posts that appeared.
    pub created: Vec<String>,
    /// Slugs of posts whose file was re-read (edited, renamed or fixed).
    pub updated: Vec<String>,
    /// Slugs of posts that are gone.
    pub deleted: Vec<String>,
    /// When the reload happened, RFC 3339.
    #[schema(format = DateTime)]
    pub at: String,
}

impl ReloadReport {
    /// The report as the JSON object subscribers receive.
    pub fn to_json(&self) -> String {
        // A struct of strings and numbers always serializes.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// Content generations from `from` to `to`, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[schema(example = json!({"from": 9, "to": 12}))]
pub struct GenerationRange {
    /// The first generation.
    pub from: u64,
    /// The last generation.
    pub to: u64,
}

/// The store that indexes following the content must catch up with, and the slugs whose
/// posts changed, drafts and scheduled posts included (see [`super::Reloader::subscribe`]).
/// Never sent to the public.
#[derive(Debug, Clone)]
pub struct StoreUpdate {
    /// The store being served: swapped in by a reload, or unchanged when only time changed
    /// what is published.
    pub store: Arc<Store>,
    /// Slugs of posts that appeared (or went live).
    pub created: Vec<String>,
    /// Slugs of posts whose file was re-read.
    pub updated: Vec<String>,
    /// Slugs of posts that are gone (or expired).
    pub deleted: Vec<String>,
}

impl StoreUpdate {
    /// The generation of the store to follow.
    pub fn generation(&self) -> u64 {
        self.store.generation()
    }
}

/// How long the latest reload took, for `/api/v1/meta`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReloadStats {
    /// Files read and parsed.
    pub files_parsed: usize,
    /// From the first file listed to the new store being served.
    pub took: Duration,
}
