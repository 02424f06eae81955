//! The outermost layer every request passes: refuses an over-long query string (414), echoes
//! or makes an `X-Request-Id`, sets `X-Content-Type-Options: nosniff`, counts the request in
//! the metrics and writes the access log line. It is outside CORS so a refused preflight is
//! counted, logged and tagged like any other answer.

use std::net::IpAddr;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Instant;

use actix_web::body::{BodySize, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode, Uri, Version};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, ResponseError, web};

use super::HttpContext;
use super::metrics::RouteSeries;
use crate::error::ApiError;

/// The longest query string Quire reads, in bytes.
pub const MAX_QUERY_BYTES: usize = 2048;
/// The longest `X-Request-Id` echoed.
const MAX_REQUEST_ID: usize = 128;
/// The request id's header.
const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
/// Where access log lines go: `--access-log` (or `RUST_LOG=quire::access=info`) shows them
/// all; by default only server errors other than 503 are written, at warn.
pub const ACCESS_LOG: &str = "quire::access";

/// The route of an answer from the response cache, which skipped routing, left in the
/// request's extensions by the response layer so the answer is counted under its route.
#[derive(Debug, Clone)]
pub struct CachedRoute(pub Arc<RouteSeries>);

/// The edge layer over the app's shared HTTP context (the same the app data holds).
#[derive(Debug)]
pub struct Edge {
    context: web::Data<HttpContext>,
}

impl Edge {
    /// The layer, counting into `context`'s metrics.
    pub fn new(context: web::Data<HttpContext>) -> Edge {
        Edge { context }
    }

    /// Answers `request` through the layers inside, or with a 414, and finishes the answer.
    pub async fn serve(
        self: Rc<Self>,
        request: ServiceRequest,
        next: Next<BoxBody>,
    ) -> Result<ServiceResponse<BoxBody>, Error> {
        let started = Instant::now();
        let request_id = request_id(&request);
        let access = AccessLine::of(&request);
        let mut response = if request.query_string().len() > MAX_QUERY_BYTES {
            let error = ApiError::UriTooLong {
                limit: MAX_QUERY_BYTES,
            };
            request.into_response(error.error_response())
        } else {
            // An error from an inner layer (handlers' errors are already responses) passes.
            next.call(request).await?
        };
        let headers = response.headers_mut();
        headers.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        headers.insert(X_REQUEST_ID, request_id);
        let status = response.status().as_u16();
        let cached = response
            .request()
            .extensions()
            .get::<CachedRoute>()
            .cloned();
        let metrics = &self.context.metrics;
        match cached {
            Some(CachedRoute(series)) => {
                metrics.observe_cached(&series, status, started.elapsed());
            }
            None => {
                let pattern = response.request().match_pattern();
                let route = pattern.as_deref().unwrap_or("unmatched");
                metrics.observe_request(&Arc::from(route), status, started.elapsed());
            }
        }
        if let Some(access) = access {
            access.write(&response, started);
        }
        Ok(response)
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

    /// Writes the line for `response`, if its level is enabled.
    fn write(self, response: &ServiceResponse<BoxBody>, started: Instant) {
        let level = access_level(response.status());
        if !log::log_enabled!(target: ACCESS_LOG, level) {
            return;
        }
        let size = match response.response().body().size() {
            BodySize::Sized(size) => size.to_string(),
            BodySize::None | BodySize::Stream => "-".to_owned(),
        };
        log::log!(
            target: ACCESS_LOG,
            level,
            "{} \"{} {} {:?}\" {} {size} {:.3}ms id={}",
            self.peer
                .map_or_else(|| "-".to_owned(), |peer| peer.to_string()),
            self.method,
            self.uri,
            self.version,
            response.status().as_u16(),
            started.elapsed().as_secs_f64() * 1000.0,
            response
                .headers()
                .get(X_REQUEST_ID)
                .map(|id| String::from_utf8_lossy(id.as_bytes()))
                .unwrap_or_default(),
        );
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

/// The client's `X-Request-Id` when it is sane (1 to 128 visible ASCII characters), else a
/// new random UUID (version 4) as 32 hex digits.
fn request_id(request: &ServiceRequest) -> HeaderValue {
    let sane = |id: &&HeaderValue| {
        (1..=MAX_REQUEST_ID).contains(&id.len()) && id.as_bytes().iter().all(u8::is_ascii_graphic)
    };
    if let Some(id) = request.headers().get(&X_REQUEST_ID).filter(sane) {
        return id.clone();
    }
    let id = uuid::Builder::from_random_bytes(fastrand::u128(..).to_ne_bytes()).into_uuid();
    let mut text = [0u8; uuid::fmt::Simple::LENGTH];
    HeaderValue::from_str(id.simple().encode_lower(&mut text))
        .unwrap_or_else(|_| HeaderValue::from_static("-"))
}

#[cfg(test)]
mod tests {
    use super::*;

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
