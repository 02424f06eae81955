//! HTTP semantics shared by every GET route: prepared responses computed once per content
//! version, conditional requests (ETag, Last-Modified, 304), caching headers, compression,
//! CORS, request ids, metrics and limits. Handlers return a [`Prepared`]; the layers here do
//! the rest in one place.

/// The shared cache of prepared responses and of post summary fragments.
pub mod cache;
/// Entity tags and the `If-None-Match` / `If-Modified-Since` decisions.
pub mod conditional;
/// The middleware layers that turn prepared responses into HTTP.
pub mod layers;
/// Prometheus metrics.
pub mod metrics;
/// `Cache-Control` from configuration, capped before a scheduled change.
pub mod policy;
/// A response computed once and served as bytes.
pub mod prepared;
/// The OpenAPI declarations of what the layers add to every GET route.
pub mod spec;

use actix_cors::Cors;
use actix_web::http::Method;

pub use cache::{ResponseCache, SummaryCache};
pub use metrics::Metrics;
pub use policy::CachePolicy;
pub use prepared::{Prepared, Sharing};

/// The default of `--max-event-streams`: how many event streams may be open at once, each
/// holding a connection.
pub const DEFAULT_MAX_EVENT_STREAMS: usize = 256;

/// What the HTTP layers share across workers; registered as app data beside `AppState`.
#[derive(Debug)]
pub struct HttpContext {
    /// Prepared responses by content version, path and query.
    pub responses: ResponseCache,
    /// Each post's summary JSON, serialized once per content version.
    pub summaries: SummaryCache,
    /// The configured `Cache-Control`.
    pub policy: CachePolicy,
    /// Request and content metrics.
    pub metrics: Metrics,
}

impl HttpContext {
    /// A context with empty caches and the given `Cache-Control` directives.
    pub fn new(cache_control: &str) -> HttpContext {
        HttpContext {
            responses: ResponseCache::default(),
            summaries: SummaryCache::default(),
            policy: CachePolicy::parse(cache_control),
            metrics: Metrics::default(),
        }
    }
}

/// The response headers a browser app may read (CORS `Access-Control-Expose-Headers`), in
/// the one spelling every response carries.
pub const EXPOSED_HEADERS: &str = "ETag, Link, X-Total-Count";

/// The CORS policy: the given origins (any origin when none), read-only methods, and the
/// headers a browser app needs to read exposed.
pub fn cors(origins: &[String]) -> Cors {
    let cors = if origins.is_empty() {
        Cors::default().allow_any_origin()
    } else {
        origins
            .iter()
            .fold(Cors::default(), |cors, origin| cors.allowed_origin(origin))
    };
    cors.allowed_methods([Method::GET, Method::HEAD, Method::OPTIONS])
        .allow_any_header()
        .expose_headers(EXPOSED_HEADERS.split(", "))
        .max_age(3600)
}
