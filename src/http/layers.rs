//! The middleware layers every request passes, from the outside in:
//!
//! 1. [`Edge`]: refuses over-long query strings (414); answers a request that needs no CORS
//!    and no credentials straight from the response cache, without routing; echoes or makes
//!    an `X-Request-Id`; sets `X-Content-Type-Options: nosniff`; counts the request in the
//!    metrics and writes the access log line.
//! 2. [`finish_coding`]: drops the marker that kept `Compress` off a body, gives a prepared
//!    response one `Vary`, keeps exposed headers for CORS requests only, and turns the plain
//!    text of a preflight CORS refuses into a problem+json 403.
//! 3. CORS (actix-cors): preflights, and `Access-Control-*` on responses to allowed origins.
//! 4. `Compress` (actix-web): gzip or brotli by `Accept-Encoding` for what no handler prepared
//!    (Swagger UI); prepared bodies come compressed already and pass through.
//! 5. [`serve_prepared`]: answers from the response cache, or lets the handler prepare the
//!    response and keeps it; then adds `ETag`, `Last-Modified`, `Cache-Control` and `Vary`,
//!    sends the body in the client's coding (compressed once per response, then kept), and
//!    answers 304 when the client's copy is current.

use std::future::{Future, Ready, ready};
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Instant;

use actix_cors::CorsError;
use actix_web::body::{BodySize, BoxBody, EitherBody, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::http::header::{self, AcceptEncoding, Encoding, HeaderMap, HeaderValue};
use actix_web::http::{Method, StatusCode, Uri, Version};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, HttpRequest, HttpResponse, ResponseError, web};
use futures_util::future::Either;
use jiff::Timestamp;

use super::cache::{Cached, ResponseKeyRef};
use super::conditional::is_not_modified;
use super::metrics::{Metrics, RouteSeries};
use super::prepared::{Coding, Prepared, PreparedMarker, Sharing};
use super::{EXPOSED_HEADERS, HttpContext};
use crate::error::ApiError;
use crate::routes::AppState;

/// The longest query string Quire reads, in bytes.
pub const MAX_QUERY_BYTES: usize = 2048;
/// Bodies shorter than this are sent as they are: compressing them saves too little.
pub const MIN_COMPRESSED_BYTES: usize = 1024;
/// The longest `X-Request-Id` echoed.
const MAX_REQUEST_ID: usize = 128;
/// The request id's header, made once.
const X_REQUEST_ID: header::HeaderName = header::HeaderName::from_static("x-request-id");
/// What every prepared response varies by.
const VARY: &str = "Accept-Encoding, Origin";
/// Where access log lines go: `--access-log` (or `RUST_LOG=quire::access=info`) shows them
/// all; by default only server errors other than 503 are written, at warn.
pub const ACCESS_LOG: &str = "quire::access";
/// The codings a prepared body is offered in, preferred first.
const CODINGS: [Encoding; 4] = [
    Encoding::identity(),
    Encoding::brotli(),
    Encoding::gzip(),
    Encoding::deflate(),
];

/// Marks a response made from a prepared one, for [`finish_coding`].
#[derive(Debug, Clone, Copy)]
struct Served;

/// The outermost layer: limits, answers from the cache, request ids, `nosniff`, metrics and
/// the access log, for every response. A service of its own rather than an `async fn`: an
/// answer from the cache or a refusal is made right in `call`, with no future to allocate.
#[derive(Clone)]
pub struct Edge {
    context: web::Data<HttpContext>,
    state: web::Data<AppState>,
}

impl Edge {
    /// The layer over the app's shared HTTP context and state (the same the app data holds).
    pub fn new(context: web::Data<HttpContext>, state: web::Data<AppState>) -> Edge {
        Edge { context, state }
    }
}

impl<S, B> Transform<S, ServiceRequest> for Edge
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<BoxBody>;
    type Error = Error;
    type Transform = EdgeService<S>;
    type InitError = ();
    type Future = Ready<Result<EdgeService<S>, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(EdgeService {
            service,
            edge: self.clone(),
        }))
    }
}

/// [`Edge`] around the rest of the app.
pub struct EdgeService<S> {
    service: S,
    edge: Edge,
}

/// What [`EdgeService`] answers with: at once, or once the inner layers have.
type EdgeFuture = Either<
    Ready<Result<ServiceResponse<BoxBody>, Error>>,
    Pin<Box<dyn Future<Output = Result<ServiceResponse<BoxBody>, Error>>>>,
>;

impl<S, B> Service<ServiceRequest> for EdgeService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<BoxBody>;
    type Error = Error;
    type Future = EdgeFuture;

    forward_ready!(service);

    fn call(&self, request: ServiceRequest) -> EdgeFuture {
        let finish = Finish {
            started: Instant::now(),
            request_id: request_id(&request),
            access: AccessLine::of(&request),
        };
        let metrics = &self.edge.context.metrics;
        if request.query_string().len() > MAX_QUERY_BYTES {
            let error = ApiError::UriTooLong {
                limit: MAX_QUERY_BYTES,
            };
            let response = request.into_response(error.error_response());
            return Either::Left(ready(Ok(finish.apply(response, None, metrics))));
        }
        if let Some((answer, route)) =
            answer_from_cache(&request, &self.edge.context, &self.edge.state)
        {
            let response = request.into_response(answer);
            return Either::Left(ready(Ok(finish.apply(response, Some(route), metrics))));
        }
        // The request is not cloned: routing needs to own it. An error from an inner layer
        // (handlers' errors are already responses) passes through.
        let inner = self.service.call(request);
        let context = self.edge.context.clone();
        Either::Right(Box::pin(async move {
            let response = inner.await?.map_into_boxed_body();
            Ok(finish.apply(response, None, &context.metrics))
        }))
    }
}

/// What [`Edge`] adds to a response once it has one: `nosniff`, the request id, the
/// metrics and the access log line.
struct Finish {
    started: Instant,
    request_id: HeaderValue,
    access: Option<AccessLine>,
}

impl Finish {
    /// Finishes `response`, counted in `metrics`; `route` is the series of an answer from
    /// the cache.
    fn apply(
        self,
        mut response: ServiceResponse<BoxBody>,
        route: Option<Arc<RouteSeries>>,
        metrics: &Metrics,
    ) -> ServiceResponse<BoxBody> {
        // No other layer or handler sets these two, so `append` (no old value to hand back,
        // which `insert` builds and drops: about 100 instructions a header) adds them once.
        let headers = response.headers_mut();
        headers.append(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        headers.append(X_REQUEST_ID, self.request_id);
        let status = response.status().as_u16();
        match route {
            Some(series) => metrics.observe_cached(&series, status, self.started.elapsed()),
            None => {
                let pattern = response.request().match_pattern();
                let route = pattern.as_deref().unwrap_or("unmatched");
                metrics.observe_request(&Arc::from(route), status, self.started.elapsed());
            }
        }
        if let Some(access) = self.access {
            let level = access_level(response.status());
            if log::log_enabled!(target: ACCESS_LOG, level) {
                let size = match response.response().body().size() {
                    BodySize::Sized(size) => size.to_string(),
                    BodySize::None | BodySize::Stream => "-".to_owned(),
                };
                log::log!(
                    target: ACCESS_LOG,
                    level,
                    "{} \"{} {} {:?}\" {status} {size} {:.3}ms id={}",
                    access
                        .peer
                        .map_or_else(|| "-".to_owned(), |peer| peer.to_string()),
                    access.method,
                    access.uri,
                    access.version,
                    self.started.elapsed().as_secs_f64() * 1000.0,
                    response
                        .headers()
                        .get(X_REQUEST_ID)
                        .map(|id| String::from_utf8_lossy(id.as_bytes()))
                        .unwrap_or_default(),
                );
            }
        }
        response
    }
}

/// What the access log line says of a request, taken before the request is handed on: cheap
/// copies, formatted only if the line is written.
struct AccessLine {
    peer: Option<IpAddr>,
    method: Method,
    uri: Uri,
    version: Version,
}

impl AccessLine {
    /// The line's request part, when some access line could be written.
    fn of(request: &ServiceRequest) -> Option<AccessLine> {
        log::log_enabled!(target: ACCESS_LOG, log::Level::Warn).then(|| AccessLine {
            peer: request.peer_addr().map(|address| address.ip()),
            method: request.method().clone(),
            uri: request.uri().clone(),
            version: request.version(),
        })
    }
}

/// The level of a response's access line. A server error is worth a line even when the access
/// log is off (they are rare, and the line ties the request to the error logged with it); a
/// 503 is not, since it is Quire refusing on purpose (search still building, too many event
/// streams), which a client can ask for as often as it likes.
fn access_level(status: StatusCode) -> log::Level {
    if status.is_server_error() && status != StatusCode::SERVICE_UNAVAILABLE {
        log::Level::Warn
    } else {
        log::Level::Info
    }
}

/// The whole answer to a GET that the response cache holds, with its route, when the request
/// needs nothing the inner layers do: no `Authorization` (a preview, never cached) and no
/// `Origin` (CORS). Everything else (codings, conditional requests, caching headers) is the
/// same as [`serve_prepared`] and [`finish_coding`] give, so the answer is byte for byte the
/// one routing would have made.
fn answer_from_cache(
    request: &ServiceRequest,
    context: &HttpContext,
    state: &AppState,
) -> Option<(HttpResponse, Arc<RouteSeries>)> {
    let headers = request.headers();
    if request.method() != Method::GET
        || headers.contains_key(header::AUTHORIZATION)
        || headers.contains_key(header::ORIGIN)
    {
        return None;
    }
    let (key, seconds_until_change) = cache_key(request, state);
    let cached = context.responses.get(&key)?;
    let cache_control = context.policy.header(seconds_until_change);
    // Made outside the layers, it is already final: one `Vary`, no coding marker, and no
    // exposed headers, which only a CORS request (one with `Origin`) needs.
    let response = render(&cached.prepared, request.request(), cache_control, false);
    Some((response, cached.route))
}

/// What a GET's prepared response is cached under (content version, visibility epoch, path
/// and query, at the clock's now), and the whole seconds until the next scheduled change.
fn cache_key<'r>(
    request: &'r ServiceRequest,
    state: &AppState,
) -> (ResponseKeyRef<'r>, Option<u64>) {
    let now = state.clock.now();
    let version = state.store.load().version_at(now);
    let key = ResponseKeyRef {
        generation: version.generation,
        epoch: version.epoch,
        path: request.path(),
        query: request.query_string(),
    };
    (key, version.next_change.map(|at| seconds_between(now, at)))
}

/// The client's `X-Request-Id` when it is sane (1 to 128 visible ASCII characters), else a
/// new random one of 32 hex digits.
fn request_id(request: &ServiceRequest) -> HeaderValue {
    let sane = |id: &&HeaderValue| {
        (1..=MAX_REQUEST_ID).contains(&id.len()) && id.as_bytes().iter().all(u8::is_ascii_graphic)
    };
    if let Some(id) = request.headers().get(&X_REQUEST_ID).filter(sane) {
        return id.clone();
    }
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut digits = [0u8; 32];
    for (pair, byte) in digits
        .chunks_exact_mut(2)
        .zip(fastrand::u128(..).to_be_bytes())
    {
        pair[0] = HEX[usize::from(byte >> 4)];
        pair[1] = HEX[usize::from(byte & 0xf)];
    }
    HeaderValue::from_bytes(&digits).unwrap_or_else(|_| HeaderValue::from_static("-"))
}

/// Outside CORS and `Compress`: drops the `Content-Encoding: identity` that kept a body from
/// being compressed, leaves a prepared response one `Vary`, and keeps the exposed headers
/// for CORS requests only (actix-cors adds them to every response; without `Origin` they
/// mean nothing, and an answer from the cache has none).
pub async fn finish_coding(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody, BoxBody>>, Error> {
    let cors = request.headers().contains_key(header::ORIGIN);
    let response = next.call(request).await?;
    let refusal = response
        .response()
        .error()
        .and_then(|error| error.as_error::<CorsError>())
        .map(|error| cors_refusal(error, response.request().headers()));
    if let Some(refusal) = refusal {
        return Ok(response
            .into_response(refusal.error_response())
            .map_into_right_body());
    }
    let mut response = response.map_into_left_body();
    let served = response.response().extensions().get::<Served>().is_some();
    let headers = response.headers_mut();
    drop_identity_marker(headers);
    if !cors {
        headers.remove(header::ACCESS_CONTROL_EXPOSE_HEADERS);
    } else if served {
        headers.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static(EXPOSED_HEADERS),
        );
    }
    if served {
        // CORS appended `Origin` to the `Vary` the prepared response already had.
        headers.insert(header::VARY, HeaderValue::from_static(VARY));
    }
    Ok(response)
}

/// The problem a CORS refusal is answered with (actix-cors answers plain text), naming what
/// the request asked for.
fn cors_refusal(error: &CorsError, headers: &HeaderMap) -> ApiError {
    let asked = |name: header::HeaderName| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let detail = match error {
        CorsError::OriginNotAllowed => format!(
            "the origin `{}` may not read this API; the allowed origins are set with --cors-origin",
            asked(header::ORIGIN)
        ),
        CorsError::MethodNotAllowed => format!(
            "`Access-Control-Request-Method: {}` is not allowed; Quire answers GET, HEAD and OPTIONS",
            asked(header::ACCESS_CONTROL_REQUEST_METHOD)
        ),
        other => format!("the CORS preflight is refused: {other}"),
    };
    ApiError::CorsRefused { detail }
}

fn drop_identity_marker(headers: &mut HeaderMap) {
    if headers
        .get(header::CONTENT_ENCODING)
        .is_some_and(|value| value.as_bytes().eq_ignore_ascii_case(b"identity"))
    {
        headers.remove(header::CONTENT_ENCODING);
    }
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
    let (key, seconds_until_change) = cache_key(&request, &state);
    // Owned: the request goes to the handler before the response is kept under the key.
    let key = key.to_owned();
    let cache_control = |prepared: &Prepared| match (private, prepared.sharing) {
        (true, _) => HeaderValue::from_static("private, no-store"),
        (false, Sharing::NoStore) => HeaderValue::from_static("no-store"),
        (false, Sharing::Public) => context.policy.header(seconds_until_change),
    };

    if !private && let Some(cached) = context.responses.get(&key.borrowed()) {
        let response = render(
            &cached.prepared,
            request.request(),
            cache_control(&cached.prepared),
            true,
        );
        return Ok(request.into_response(response));
    }
    let response = next.call(request).await?;
    let Some(PreparedMarker(prepared)) = response.response().extensions().get().cloned() else {
        return Ok(unprepared(response));
    };
    if !private && prepared.sharing == Sharing::Public {
        let route = response.request().match_pattern();
        let cached = Cached {
            prepared: Arc::clone(&prepared),
            route: Arc::new(RouteSeries::new(route.as_deref().unwrap_or("unmatched"))),
        };
        context.responses.insert(key, cached);
    }
    let (request, _) = response.into_parts();
    let rendered = render(&prepared, &request, cache_control(&prepared), true);
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
/// body in the client's coding; both with the validators and caching headers. Inside the
/// layers (`inner`), a body sent as prepared is marked `Content-Encoding: identity` so
/// `Compress` leaves it alone, and the response is marked for [`finish_coding`].
fn render(
    prepared: &Prepared,
    request: &HttpRequest,
    cache_control: HeaderValue,
    inner: bool,
) -> HttpResponse {
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
    // inserts themselves on a request answered from the cache. The map is new and each name
    // comes once (a prepared response's own headers are resource headers such as `Link`), so
    // `append` is `insert` without building and dropping the value it would replace.
    let mut response = HttpResponse::new(if not_modified {
        StatusCode::NOT_MODIFIED
    } else {
        StatusCode::OK
    });
    let headers = response.headers_mut();
    headers.append(header::ETAG, prepared.etag_header(tag_coding));
    headers.append(header::CACHE_CONTROL, cache_control);
    headers.append(header::VARY, HeaderValue::from_static(VARY));
    if not_modified {
        // RFC 9110 section 15.4.5: beside the `ETag`, a 304 leaves out what the stored copy
        // already says, `Last-Modified` included.
        return mark_served(response, inner);
    }
    if let Some(modified) = prepared.last_modified_header() {
        headers.append(header::LAST_MODIFIED, modified);
    }
    headers.append(
        header::CONTENT_TYPE,
        HeaderValue::from_static(prepared.content_type),
    );
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
        None => {
            if inner {
                headers.insert(
                    header::CONTENT_ENCODING,
                    HeaderValue::from_static("identity"),
                );
            }
            prepared.body.clone()
        }
    };
    mark_served(response.set_body(BoxBody::new(body)), inner)
}

/// Marks a response made inside the layers for [`finish_coding`].
fn mark_served(mut response: HttpResponse, inner: bool) -> HttpResponse {
    if inner {
        response.extensions_mut().insert(Served);
    }
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

    #[test]
    fn only_server_errors_other_than_503_are_logged_above_info() {
        let levels: Vec<(u16, log::Level)> = [200, 304, 404, 429, 500, 502, 503]
            .into_iter()
            .map(|code| {
                let status = StatusCode::from_u16(code).unwrap();
                (code, access_level(status))
            })
            .collect();
        assert_eq!(
            levels,
            [
                (200, log::Level::Info),
                (304, log::Level::Info),
                (404, log::Level::Info),
                (429, log::Level::Info),
                (500, log::Level::Warn),
                (502, log::Level::Warn),
                (503, log::Level::Info),
            ]
        );
    }
}
