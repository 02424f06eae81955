//! HTTP semantics shared by every GET route: prepared responses computed once per content
//! version, conditional requests (ETag, Last-Modified, 304), caching headers, compression,
//! CORS, request ids, metrics and limits. Handlers return a [`Prepared`]; the layers here do
//! the rest in one place. This module depends on the store, never on the routes above it.
//!
//! A request passes the layers from the outside in (wired in `startup`, whose outermost wrap
//! first turns a HEAD into a GET, answered with the same headers and no body):
//!
//! 1. [`edge`]: the 414 of an over-long query string, `X-Request-Id`, `nosniff`, metrics and
//!    the access log, for every answer.
//! 2. [`cors`]: actix-cors for requests that can be CORS (preflights, `Access-Control-*`,
//!    refusals as problem+json 403); the rest pass straight through.
//! 3. [`respond`]: the response cache, one lookup per GET; what a handler prepared is kept and
//!    rendered (validators, caching headers, the client's coding, 304).
//! 4. Routing and the handlers (`routes`, and [`swagger`] for the API docs).
//!
//! [`Prepared`]: crate::http::Prepared
//! [`edge`]: crate::http::edge
//! [`cors`]: crate::http::cors
//! [`respond`]: crate::http::respond
//! [`swagger`]: crate::http::swagger

use std::future::Future;
use std::rc::Rc;

use actix_web::Error;
use actix_web::body::BoxBody;
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::middleware::{Next, from_fn};

/// The shared cache of prepared responses and of post summary fragments.
pub mod cache;
/// Entity tags and the `If-None-Match` / `If-Modified-Since` decisions.
pub mod conditional;
/// CORS for the requests that can be CORS.
pub mod cors;
/// Limits, request ids, metrics and the access log.
pub mod edge;
/// Media files served from disk: ranges, validators and the streamed body.
pub mod media;
/// Prometheus metrics.
pub mod metrics;
/// `Cache-Control` from configuration, capped before a scheduled change.
pub mod policy;
/// A response computed once and served as bytes.
pub mod prepared;
/// The response cache and the rendering of prepared responses.
pub mod respond;
/// The OpenAPI declarations of what the layers add to every GET route.
pub mod spec;
/// Swagger UI and the OpenAPI document, served as prepared responses.
pub mod swagger;

pub use cache::{ResponseCache, SummaryCache};
pub use cors::EXPOSED_HEADERS;
pub use edge::ACCESS_LOG;
pub use metrics::Metrics;
pub use policy::CachePolicy;
pub use prepared::{Prepared, Sharing};

/// The default of `--max-event-streams`: how many event streams may be open at once, each
/// holding a connection.
pub const DEFAULT_MAX_EVENT_STREAMS: usize = 256;

/// A layer whose work is an `async fn(self: Rc<Self>, request, next)` method, as middleware
/// for `App::wrap`: each worker's app shares the one value.
pub fn layer<S, T, F, Fut>(
    layer: T,
    serve: F,
) -> impl Transform<S, ServiceRequest, Response = ServiceResponse<BoxBody>, Error = Error, InitError = ()>
where
    S: Service<ServiceRequest, Response = ServiceResponse<BoxBody>, Error = Error> + 'static,
    F: Fn(Rc<T>, ServiceRequest, Next<BoxBody>) -> Fut + 'static,
    Fut: Future<Output = Result<ServiceResponse<BoxBody>, Error>> + 'static,
    T: 'static,
{
    let layer = Rc::new(layer);
    from_fn(move |request: ServiceRequest, next: Next<BoxBody>| {
        serve(Rc::clone(&layer), request, next)
    })
}

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
