//! `/readyz` and `/metrics`: whether the content is loaded and search is ready, and Prometheus
//! metrics.

use actix_web::{get, web};
use serde::Serialize;
use utoipa::ToSchema;

use super::AppState;
use crate::error::ApiError;
use crate::http::{HttpContext, Prepared};
use crate::placeholders::PlaceholderProgress;
use crate::reload::WatchStatus;
use crate::search::SearchStatus;

/// The OpenMetrics text type Prometheus scrapes.
const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Readiness: the content is loaded and being served.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReadyResponse {
    /// Always `ready` when Quire answers 200.
    #[schema(example = "ready")]
    pub status: &'static str,
    /// The content version served: 1 after start-up, one more per reload that changed a
    /// published post.
    pub generation: u64,
    /// Posts published now (drafts, scheduled and expired posts are not counted).
    pub posts: usize,
    /// Whether search (and related posts) can answer yet: the index is built in the background
    /// after the content is loaded.
    pub search: SearchReadiness,
    /// Whether changes to the content folder are followed. `/readyz` answers 200 in every
    /// case, since the content loaded is served, but a monitor should alert on `lost`.
    pub watching: WatcherReadiness,
    /// How many of the images beside the posts have their blur placeholder yet: they are made
    /// in the background after the content is loaded, and appear in responses as they are.
    pub placeholders: PlaceholderReadiness,
}

/// How far the blur placeholders of the images beside the posts have got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct PlaceholderReadiness {
    /// Images done: a placeholder made (or read from `--index-dir`), or the file found
    /// undecodable (see the log).
    pub done: usize,
    /// JPEG, PNG, GIF and WebP images served under `/media`, each distinct file once; SVG and
    /// AVIF images get no placeholder.
    pub total: usize,
}

impl From<&PlaceholderProgress> for PlaceholderReadiness {
    fn from(progress: &PlaceholderProgress) -> PlaceholderReadiness {
        let total = progress.total();
        PlaceholderReadiness {
            // Read apart from `total`, so a reload in between could make it the larger.
            done: progress.done().min(total),
            total,
        }
    }
}

/// Whether Quire follows changes to the content folder: `live` (the platform's file watcher;
/// a change shows within milliseconds), `polling` (the folder is scanned every half second,
/// because the file watcher cannot run), `off` (`--no-watch`: changes show after a restart),
/// or `lost` (the folder is gone or cannot be watched: the content loaded before is still
/// served, changes are not, and Quire keeps trying to watch the folder again).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum WatcherReadiness {
    /// The platform's file watcher follows the folder: a change shows within milliseconds.
    Live,
    /// The folder is scanned for changes every half second, because the platform's file
    /// watcher cannot run (e.g. past the inotify limits; see the log).
    Polling,
    /// Not watched (`--no-watch`): changes show after a restart.
    Off,
    /// The content folder is gone or cannot be watched (see the log): the content loaded
    /// before is served, changes are not, and Quire keeps trying to watch the folder again.
    Lost,
}

impl WatcherReadiness {
    /// Every state, for a metric with a series for each.
    pub const ALL: [WatcherReadiness; 4] = [
        WatcherReadiness::Live,
        WatcherReadiness::Polling,
        WatcherReadiness::Off,
        WatcherReadiness::Lost,
    ];

    /// The state as it is written in JSON.
    pub fn name(self) -> &'static str {
        match self {
            WatcherReadiness::Live => "live",
            WatcherReadiness::Polling => "polling",
            WatcherReadiness::Off => "off",
            WatcherReadiness::Lost => "lost",
        }
    }
}

impl From<WatchStatus> for WatcherReadiness {
    fn from(status: WatchStatus) -> WatcherReadiness {
        match status {
            WatchStatus::Live => WatcherReadiness::Live,
            WatchStatus::Polling => WatcherReadiness::Polling,
            WatchStatus::Off => WatcherReadiness::Off,
            WatchStatus::Lost => WatcherReadiness::Lost,
        }
    }
}

/// Whether the search index is built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SearchReadiness {
    /// The index is being built; search routes answer 503 with `Retry-After`.
    Building,
    /// Search routes answer.
    Ready,
    /// Building the index failed (see the log); search routes answer 503 until a reload
    /// rebuilds it.
    Failed,
}

impl From<SearchStatus> for SearchReadiness {
    fn from(status: SearchStatus) -> SearchReadiness {
        match status {
            SearchStatus::Building => SearchReadiness::Building,
            SearchStatus::Ready => SearchReadiness::Ready,
            SearchStatus::Failed => SearchReadiness::Failed,
        }
    }
}

/// Answers 200 once the content is loaded, with the content version served, whether search
/// is ready yet and whether changes to the content folder are followed.
#[utoipa::path(tag = "meta", responses((status = 200, description = "The content is loaded and served; `search` says whether the search index is built yet, `watching` whether changes to the content folder are followed (alert on `lost`), and `placeholders` how many images have their blur placeholder yet.", body = ReadyResponse)))]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> Result<Prepared, ApiError> {
    let store = state.store.load();
    Ok(Prepared::json(&ReadyResponse {
        status: "ready",
        generation: store.public_generation(),
        posts: store.stats(state.clock.now()).posts,
        search: state.search.status().into(),
        watching: state.reloader.watch_status().into(),
        placeholders: state.placeholders.as_ref().into(),
    })?
    .no_store())
}

/// Prometheus metrics: requests by route and status, latency, posts, reloads, problems and
/// whether the content folder is watched.
#[utoipa::path(tag = "meta", responses((status = 200, description = "Metrics in the OpenMetrics text format, which Prometheus scrapes.", body = String, content_type = "application/openmetrics-text; version=1.0.0; charset=utf-8")))]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>, http: web::Data<HttpContext>) -> Prepared {
    let store = state.store.load();
    let watching = WatcherReadiness::from(state.reloader.watch_status());
    http.metrics.set_watching(
        watching.name(),
        &WatcherReadiness::ALL.map(WatcherReadiness::name),
    );
    Prepared::new(OPENMETRICS, http.metrics.render(&store, state.clock.now())).no_store()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_watcher_state_is_named_as_it_is_written_in_json() {
        for state in WatcherReadiness::ALL {
            assert_eq!(serde_json::to_value(state).unwrap(), state.name());
        }
    }
}
