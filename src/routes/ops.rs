//! `/readyz` and `/metrics`: whether the content is loaded, and Prometheus metrics.

use actix_web::{get, web};
use serde::Serialize;
use utoipa::ToSchema;

use super::AppState;
use crate::error::ApiError;
use crate::http::{HttpContext, Prepared};

/// The OpenMetrics text type Prometheus scrapes.
const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Readiness: the content is loaded and being served.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReadyResponse {
    /// Always `ready` when Quire answers 200.
    #[schema(example = "ready")]
    pub status: &'static str,
    /// The content version served: 1 after start-up, one more per reload.
    pub generation: u64,
    /// Posts loaded, drafts and scheduled posts included.
    pub posts: usize,
}

/// Answers 200 once the content is loaded, with the content version served.
#[utoipa::path(tag = "meta", responses((status = 200, description = "The content is loaded and served.", body = ReadyResponse)))]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> Result<Prepared, ApiError> {
    let store = state.store.load();
    Ok(Prepared::json(&ReadyResponse {
        status: "ready",
        generation: store.generation(),
        posts: store.all_posts().len(),
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
