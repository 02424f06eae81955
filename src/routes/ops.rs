//! `/readyz` and `/metrics`: whether the content is loaded and search is ready, and Prometheus
//! metrics.

use actix_web::{get, web};
use serde::Serialize;
use utoipa::ToSchema;

use super::AppState;
use crate::error::ApiError;
use crate::http::{HttpContext, Prepared};
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

/// Answers 200 once the content is loaded, with the content version served and whether search
/// is ready yet.
#[utoipa::path(tag = "meta", responses((status = 200, description = "The content is loaded and served; `search` says whether the search index is built yet.", body = ReadyResponse)))]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> Result<Prepared, ApiError> {
    let store = state.store.load();
    Ok(Prepared::json(&ReadyResponse {
        status: "ready",
        generation: store.public_generation(),
        posts: store.stats(state.clock.now()).posts,
        search: state.search.status().into(),
    })?
    .no_store())
}

/// Prometheus metrics: requests by route and status, latency, posts, reloads and problems.
#[utoipa::path(tag = "meta", responses((status = 200, description = "Metrics in the OpenMetrics text format, which Prometheus scrapes.", body = String, content_type = "application/openmetrics-text; version=1.0.0; charset=utf-8")))]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>, http: web::Data<HttpContext>) -> Prepared {
    let store = state.store.load();
    Prepared::new(OPENMETRICS, http.metrics.render(&store, state.clock.now())).no_store()
}
