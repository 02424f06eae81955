//! The response layer, the one place the response cache is read and written: a GET is keyed
//! once (content version, path and query), answered from the cache when it holds the key, or
//! else handed to the handler, whose [`Prepared`] response is kept under the key. Either way
//! the answer gets its `ETag`, `Last-Modified`, `Cache-Control` and `Vary`, goes out in the
//! client's coding (each coding compressed once per prepared response, then kept), and is a
//! 304 when the client's copy is current. A request with `Authorization` (a draft preview)
//! never touches the shared cache and is marked private. Responses no handler prepared
//! (errors, event streams, redirects) pass as they are.
//!
//! The invariant the cache relies on: a public prepared response is a function of the content
//! version ([`Store::version_at`]) and the path and query alone; what differs per request
//! (coding, conditional headers, `Cache-Control`'s cap) is applied here, on the way out.
//! Guarded by `tests/api/http.rs`: `cached_responses_are_the_same_bytes_as_fresh_ones` and
//! `each_header_comes_once_whether_routed_cached_revalidated_compressed_or_cross_origin`.
//!
//! [`Store::version_at`]: crate::store::Store::version_at
//! [`Prepared`]: crate::http::Prepared

use std::rc::Rc;
use std::sync::Arc;

use actix_web::body::BoxBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, AcceptEncoding, Encoding, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, HttpRequest, HttpResponse, web};
use arc_swap::ArcSwap;
use jiff::Timestamp;

use super::HttpContext;
use super::cache::{Cached, ResponseKeyRef};
use super::conditional::is_not_modified;
use super::edge::CachedRoute;
use super::metrics::RouteSeries;
use super::prepared::{Coding, Prepared, PreparedMarker, Sharing};
use crate::clock::Clock;
use crate::store::Store;

/// Bodies shorter than this are sent as they are: compressing them saves too little.
pub const MIN_COMPRESSED_BYTES: usize = 1024;
/// What every prepared response varies by.
pub const VARY: &str = "Accept-Encoding, Origin";
/// The codings a prepared body is offered in, preferred first.
const CODINGS: [Encoding; 4] = [
    Encoding::identity(),
    Encoding::brotli(),
    Encoding::gzip(),
    Encoding::deflate(),
];

/// The response layer over the current store, the clock and the shared HTTP context.
pub struct Responses {
    store: Arc<ArcSwap<Store>>,
    clock: Arc<dyn Clock>,
    context: web::Data<HttpContext>,
}

impl Responses {
    /// The layer; `store` is the one reloads swap, `clock` says what "now" is.
    pub fn new(
        store: Arc<ArcSwap<Store>>,
        clock: Arc<dyn Clock>,
        context: web::Data<HttpContext>,
    ) -> Responses {
        Responses {
            store,
            clock,
            context,
        }
    }

    /// Answers `request` from the cache, or through the handler, keeping what it prepared.
    pub async fn serve(
        self: Rc<Self>,
        request: ServiceRequest,
        next: Next<BoxBody>,
    ) -> Result<ServiceResponse<BoxBody>, Error> {
        if request.method() != Method::GET {
            return next.call(request).await;
        }
        let private = request.headers().contains_key(header::AUTHORIZATION);
        let now = self.clock.now();
        let version = self.store.load().version_at(now);
        let seconds_until_change = version.next_change.map(|at| seconds_between(now, at));
        let key = ResponseKeyRef {
            generation: version.generation,
            epoch: version.epoch,
            path: request.path(),
            query: request.query_string(),
        };
        let policy = &self.context.policy;
        let cache_control = |prepared: &Prepared| match (private, prepared.sharing) {
            (true, _) => HeaderValue::from_static("private, no-store"),
            (false, Sharing::NoStore) => HeaderValue::from_static("no-store"),
            (false, Sharing::Public) => policy.header(seconds_until_change),
        };

        if !private && let Some(cached) = self.context.responses.get(&key) {
            let response = render(
                &cached.prepared,
                request.request(),
                cache_control(&cached.prepared),
            );
            // Counted under the route that prepared it, though routing was skipped.
            request.extensions_mut().insert(CachedRoute(cached.route));
            return Ok(request.into_response(response));
        }
        // Owned: the request goes to the handler before the response is kept under the key.
        let key = key.to_owned();
        let response = next.call(request).await?;
        let Some(PreparedMarker(prepared)) = response.response().extensions().get().cloned() else {
            return Ok(response);
        };
        if !private && prepared.sharing == Sharing::Public {
            let route = response.request().match_pattern();
            let cached = Cached {
                prepared: Arc::clone(&prepared),
                route: Arc::new(RouteSeries::new(route.as_deref().unwrap_or("unmatched"))),
            };
            self.context.responses.insert(key, cached);
        }
        let (request, _) = response.into_parts();
        let rendered = render(&prepared, &request, cache_control(&prepared));
        Ok(ServiceResponse::new(request, rendered))
    }
}

/// Whole seconds from `now` until `at`, rounded up, so a cache never outlives the change.
fn seconds_between(now: Timestamp, at: Timestamp) -> u64 {
    let nanos = at
        .as_nanosecond()
        .saturating_sub(now.as_nanosecond())
        .max(0);
    u64::try_from((nanos + 999_999_999) / 1_000_000_000).unwrap_or(u64::MAX)
}

/// The coding a compressible body goes out in for this request: the first of Quire's
/// codings the client accepts most; `None` for the bytes as prepared.
fn negotiate(request: &HttpRequest) -> Option<Coding> {
    if !request.headers().contains_key(header::ACCEPT_ENCODING) {
        return None;
    }
    let chosen = request
        .get_header::<AcceptEncoding>()?
        .negotiate(CODINGS.iter())?;
    [Coding::Brotli, Coding::Gzip, Coding::Deflate]
        .into_iter()
        .find(|coding| chosen.to_string() == coding.name())
}

/// The HTTP response for a prepared one: a 304 when the client's copy is current, else the
/// body in the client's coding; both with the validators and caching headers.
fn render(prepared: &Prepared, request: &HttpRequest, cache_control: HeaderValue) -> HttpResponse {
    let not_modified = is_not_modified(request.headers(), &prepared.etag, prepared.last_modified);
    let coding = if prepared.body.len() >= MIN_COMPRESSED_BYTES {
        negotiate(request)
    } else {
        None
    };
    // A body that could not be compressed goes out as it is, under its own tag.
    let encoded = if not_modified {
        None
    } else {
        coding.and_then(|coding| Some((coding, prepared.encoded(coding)?)))
    };
    let tag_coding = if not_modified {
        coding
    } else {
        encoded.as_ref().map(|(coding, _)| *coding)
    };
    // Headers go straight into the response's map: the builder's checks cost more than the
    // inserts themselves on a request answered from the cache.
    let mut response = HttpResponse::new(if not_modified {
        StatusCode::NOT_MODIFIED
    } else {
        StatusCode::OK
    });
    let headers = response.headers_mut();
    headers.insert(header::ETAG, prepared.etag_header(tag_coding));
    headers.insert(header::CACHE_CONTROL, cache_control);
    headers.insert(header::VARY, HeaderValue::from_static(VARY));
    if not_modified {
        // RFC 9110 section 15.4.5: beside the `ETag`, a 304 leaves out what the stored copy
        // already says, `Last-Modified` included.
        return response;
    }
    if let Some(modified) = prepared.last_modified_header() {
        headers.insert(header::LAST_MODIFIED, modified);
    }
    headers.insert(header::CONTENT_TYPE, prepared.content_type.clone());
    // Resource headers such as `Link`, never one of those above (see `Prepared::header`).
    for (name, value) in &prepared.headers {
        headers.append(name.clone(), value.clone());
    }
    let body = match encoded {
        Some((coding, bytes)) => {
            headers.insert(
                header::CONTENT_ENCODING,
                HeaderValue::from_static(coding.name()),
            );
            bytes
        }
        None => prepared.body.clone(),
    };
    response.set_body(BoxBody::new(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_until_a_change_round_up() {
        let now: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        let at = |text: &str| text.parse::<Timestamp>().unwrap();
        assert_eq!(seconds_between(now, at("2026-01-01T00:00:30Z")), 30);
        assert_eq!(seconds_between(now, at("2026-01-01T00:00:30.1Z")), 31);
        assert_eq!(seconds_between(now, now), 0);
    }
}
