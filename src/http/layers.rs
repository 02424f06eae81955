//! The middleware layers every request passes, from the outside in:
//!
//! 1. [`edge`]: refuses over-long query strings (414), echoes or makes an `X-Request-Id`, sets
//!    `X-Content-Type-Options: nosniff`, and counts the request in the metrics.
//! 2. [`finish_coding`]: gives a compressed body its own `ETag`, and a prepared response one
//!    `Vary` (CORS and `Compress` each append theirs).
//! 3. CORS (actix-cors): preflights, and `Access-Control-*` on responses to allowed origins.
//! 4. `Compress` (actix-web): gzip or brotli by `Accept-Encoding`, except bodies marked
//!    `Content-Encoding: identity`.
//! 5. [`serve_prepared`]: answers from the response cache, or lets the handler prepare the
//!    response and keeps it; then adds `ETag`, `Last-Modified`, `Cache-Control` and `Vary`, and
//!    answers 304 when the client's copy is current.

use std::time::Instant;

use actix_web::body::{BodySize, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, AcceptEncoding, Encoding, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, HttpRequest, HttpResponse, ResponseError, web};
use jiff::Timestamp;

use super::HttpContext;
use super::cache::ResponseKey;
use super::conditional::{etag_value, http_date, is_not_modified};
use super::prepared::{Prepared, PreparedMarker, Sharing};
use crate::error::ApiError;
use crate::routes::AppState;
use crate::store::Store;

/// The longest query string Quire reads, in bytes.
pub const MAX_QUERY_BYTES: usize = 2048;
/// Bodies shorter than this are sent as they are: compressing them saves too little.
pub const MIN_COMPRESSED_BYTES: usize = 1024;
/// The longest `X-Request-Id` echoed.
const MAX_REQUEST_ID: usize = 128;
/// What every prepared response varies by.
const VARY: &str = "Accept-Encoding, Origin";
/// The codings `Compress` offers with Quire's features, in its order, so a 304 carries the
/// tag the 200 would have.
const CODINGS: [Encoding; 4] = [
    Encoding::identity(),
    Encoding::brotli(),
    Encoding::gzip(),
    Encoding::deflate(),
];

/// Marks a response made from a prepared one, with its body hash for [`finish_coding`].
#[derive(Debug, Clone)]
struct Served {
    hash: String,
}

/// When a response's content last changed, for lists, terms and meta: the newest file, or
/// the last time a post went live or expired, whichever is later.
pub fn content_modified(store: &Store, now: Timestamp) -> Option<Timestamp> {
    store
        .newest_modified()
        .max(store.last_change_at_or_before(now))
}

/// The outermost layer: limits, request ids, `nosniff` and metrics, for every response.
pub async fn edge(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let started = Instant::now();
    let request_id = request_id(&request);
    let context = request.app_data::<web::Data<HttpContext>>().cloned();
    let mut response = if request.query_string().len() > MAX_QUERY_BYTES {
        let error = ApiError::UriTooLong {
            limit: MAX_QUERY_BYTES,
        };
        request.into_response(error.error_response())
    } else {
        // The request is not cloned: routing needs to own it. An error from an inner layer
        // (handlers' errors are already responses) passes through.
        next.call(request).await?.map_into_boxed_body()
    };
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        headers.insert(header::HeaderName::from_static("x-request-id"), value);
    }
    if let Some(context) = context {
        let route = response.request().match_pattern();
        context.metrics.observe_request(
            route.as_deref().unwrap_or("unmatched"),
            response.status().as_u16(),
            started.elapsed(),
        );
    }
    Ok(response)
}

/// The client's `X-Request-Id` when it is sane (1 to 128 visible ASCII characters), else a
/// new random one.
fn request_id(request: &ServiceRequest) -> String {
    request
        .headers()
        .get("x-request-id")
        .and_then(|value| value.to_str().ok())
        .filter(|id| {
            (1..=MAX_REQUEST_ID).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_graphic())
        })
        .map_or_else(|| format!("{:032x}", fastrand::u128(..)), str::to_owned)
}

/// Outside CORS and `Compress`: drops the `Content-Encoding: identity` that kept a small body
/// from being compressed, tags a compressed body with its coding, and leaves one `Vary`.
pub async fn finish_coding(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let mut response = next.call(request).await?;
    let served = response.response().extensions().get::<Served>().cloned();
    let status = response.status();
    let headers = response.headers_mut();
    let coding = headers
        .get(header::CONTENT_ENCODING)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    if coding
        .as_deref()
        .is_some_and(|c| c.eq_ignore_ascii_case("identity"))
    {
        headers.remove(header::CONTENT_ENCODING);
    }
    if let Some(served) = served {
        if status == StatusCode::OK
            && let Ok(etag) = HeaderValue::from_str(&etag_value(&served.hash, coding.as_deref()))
        {
            headers.insert(header::ETAG, etag);
        }
        headers.insert(header::VARY, HeaderValue::from_static(VARY));
    }
    Ok(response)
}

/// The innermost layer: serves prepared responses from the cache or keeps what a handler
/// prepared, and answers conditional requests. Requests with `Authorization` (draft preview)
/// never touch the shared cache and are marked private.
pub async fn serve_prepared(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let (Some(context), Some(state)) = (
        request.app_data::<web::Data<HttpContext>>().cloned(),
        request.app_data::<web::Data<AppState>>().cloned(),
    ) else {
        return Ok(unprepared(next.call(request).await?));
    };
    if request.method() != Method::GET {
        return Ok(unprepared(next.call(request).await?));
    }
    let private = request.headers().contains_key(header::AUTHORIZATION);
    let now = state.clock.now();
    let (key, seconds_until_change) = {
        let store = state.store.load();
        let key = ResponseKey {
            generation: store.generation(),
            epoch: store.visibility_epoch(now),
            path: request.path().to_owned(),
            query: request.query_string().to_owned(),
        };
        let seconds = store
            .next_change_after(now)
            .map(|at| seconds_between(now, at));
        (key, seconds)
    };
    let cache_control = |prepared: &Prepared| match (private, prepared.sharing) {
        (true, _) => "private, no-store".to_owned(),
        (false, Sharing::NoStore) => "no-store".to_owned(),
        (false, Sharing::Public) => context.policy.header_value(seconds_until_change),
    };

    if !private && let Some(prepared) = context.responses.get(&key) {
        let response = render(&prepared, request.request(), &cache_control(&prepared));
        return Ok(request.into_response(response));
    }
    let response = next.call(request).await?;
    let Some(PreparedMarker(prepared)) = response.response().extensions().get().cloned() else {
        return Ok(unprepared(response));
    };
    if !private && prepared.sharing == Sharing::Public {
        context.responses.insert(key, prepared.clone());
    }
    let (request, _) = response.into_parts();
    let rendered = render(&prepared, &request, &cache_control(&prepared));
    Ok(ServiceResponse::new(request, rendered))
}

/// A response no handler prepared (an error, Swagger UI): passed on as it is, except that a
/// small body is marked so `Compress` leaves it alone.
fn unprepared(
    mut response: ServiceResponse<impl MessageBody + 'static>,
) -> ServiceResponse<BoxBody> {
    if let BodySize::Sized(size) = response.response().body().size()
        && size < MIN_COMPRESSED_BYTES as u64
        && !response.headers().contains_key(header::CONTENT_ENCODING)
    {
        response.headers_mut().insert(
            header::CONTENT_ENCODING,
            HeaderValue::from_static("identity"),
        );
    }
    response.map_into_boxed_body()
}

/// Whole seconds from `now` until `at`, rounded up, so a cache never outlives the change.
fn seconds_between(now: Timestamp, at: Timestamp) -> u64 {
    let nanos = at
        .as_nanosecond()
        .saturating_sub(now.as_nanosecond())
        .max(0);
    u64::try_from((nanos + 999_999_999) / 1_000_000_000).unwrap_or(u64::MAX)
}

/// The HTTP response for a prepared one: a 304 when the client's copy is current, else the
/// body; both with the validators and caching headers.
fn render(prepared: &Prepared, request: &HttpRequest, cache_control: &str) -> HttpResponse {
    let compressible = prepared.body.len() >= MIN_COMPRESSED_BYTES;
    let not_modified = is_not_modified(request.headers(), &prepared.etag, prepared.last_modified);
    let coding = if compressible {
        request
            .get_header::<AcceptEncoding>()
            .and_then(|accept| accept.negotiate(CODINGS.iter()))
            .map(|coding| coding.to_string())
    } else {
        None
    };
    let mut builder = if not_modified {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    builder
        .insert_header((header::ETAG, etag_value(&prepared.etag, coding.as_deref())))
        .insert_header((header::CACHE_CONTROL, cache_control))
        .insert_header((header::VARY, VARY));
    if let Some(modified) = prepared.last_modified {
        builder.insert_header((header::LAST_MODIFIED, http_date(modified)));
    }
    let mut response = if not_modified {
        builder.finish()
    } else {
        builder.insert_header((header::CONTENT_TYPE, prepared.content_type));
        for (name, value) in &prepared.headers {
            builder.insert_header((*name, value.as_str()));
        }
        if !compressible {
            builder.insert_header((header::CONTENT_ENCODING, "identity"));
        }
        builder.body(prepared.body.clone())
    };
    response.extensions_mut().insert(Served {
        hash: prepared.etag.clone(),
    });
    response
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
