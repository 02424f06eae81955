//! CORS: actix-cors answers preflights and adds `Access-Control-*` to the answers a browser
//! app reads from another origin; this layer runs it only for requests that can be CORS (an
//! `Origin`, or `OPTIONS`), and finishes its answers the way Quire's clients expect:
//!
//! - a refusal is a problem+json 403 naming what was refused (actix-cors answers plain text);
//! - `Access-Control-Expose-Headers` is [`EXPOSED_HEADERS`], spelled one way, on CORS answers
//!   only;
//! - a response keeps the one `Vary` it was made with (a prepared response's
//!   `Accept-Encoding, Origin`), and one made without (an error, a preflight) gets
//!   [`CORS_VARY`], since what CORS adds to it depends on those request headers.
//!
//! A request with neither `Origin` nor `OPTIONS` goes straight to the layer inside, so an answer
//! from the response cache pays nothing for CORS: no boxed future and no header rewriting. This
//! is the one optimisation in the layers: wrapping every request in actix-cors and a fix-up
//! layer costs a cached post about 6% more user-space instructions (`benches/callgrind.sh`;
//! see docs/performance.md). It relies on a request without `Origin` needing no CORS header (a
//! browser sends `Origin` with every cross-origin request), and is guarded by `tests/api/http.rs`:
//! `a_request_without_an_origin_gets_no_cors_headers` and
//! `a_request_with_an_origin_still_gets_cors_headers_once_its_answer_is_cached`.
//!
//! [`EXPOSED_HEADERS`]: crate::http::EXPOSED_HEADERS
//! [`CORS_VARY`]: crate::http::cors::CORS_VARY

use std::rc::Rc;

use actix_cors::{Cors, CorsError, CorsMiddleware};
use actix_web::body::BoxBody;
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::http::Method;
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::{Error, ResponseError};
use futures_util::future::{Either, LocalBoxFuture, MapOk, TryFutureExt};

use crate::error::ApiError;

/// The response headers a browser app may read (CORS `Access-Control-Expose-Headers`), in
/// the one spelling every response carries.
pub const EXPOSED_HEADERS: &str = "ETag, Link, X-Total-Count";

/// The `Vary` of a response made without one: CORS headers depend on these request headers.
pub const CORS_VARY: &str = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers";

/// The CORS policy: the given origins (any origin when none), read-only methods, and the
/// headers a browser app needs to read exposed. `Vary` is left to [`CrossOrigin`].
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
        .disable_vary_header()
}

/// The CORS layer: [`cors`] for requests that can be CORS, nothing for the rest.
pub struct CrossOrigin {
    cors: Cors,
}

impl CrossOrigin {
    /// The layer over the CORS policy for `origins` (any origin when none).
    pub fn new(origins: &[String]) -> CrossOrigin {
        CrossOrigin {
            cors: cors(origins),
        }
    }
}

impl<S> Transform<S, ServiceRequest> for CrossOrigin
where
    S: Service<ServiceRequest, Response = ServiceResponse<BoxBody>, Error = Error> + 'static,
{
    type Response = ServiceResponse<BoxBody>;
    type Error = Error;
    type Transform = CrossOriginService<S>;
    type InitError = ();
    type Future = LocalBoxFuture<'static, Result<CrossOriginService<S>, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        let inner = Rc::new(service);
        let cors = self.cors.new_transform(Shared {
            inner: Rc::clone(&inner),
        });
        Box::pin(async move {
            Ok(CrossOriginService {
                inner,
                cors: cors.await?,
            })
        })
    }
}

/// The layer inside, shared by the CORS path and the direct one.
struct Shared<S> {
    inner: Rc<S>,
}

impl<S: Service<ServiceRequest>> Service<ServiceRequest> for Shared<S> {
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    forward_ready!(inner);

    fn call(&self, request: ServiceRequest) -> S::Future {
        self.inner.call(request)
    }
}

/// [`CrossOrigin`] around the rest of the app.
pub struct CrossOriginService<S> {
    inner: Rc<S>,
    cors: CorsMiddleware<Shared<S>>,
}

/// A response passed on as it is, but for its `Vary`.
type Direct<F> = MapOk<F, fn(ServiceResponse<BoxBody>) -> ServiceResponse<BoxBody>>;

impl<S> Service<ServiceRequest> for CrossOriginService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<BoxBody>, Error = Error> + 'static,
{
    type Response = ServiceResponse<BoxBody>;
    type Error = Error;
    type Future = Either<Direct<S::Future>, LocalBoxFuture<'static, Result<Self::Response, Error>>>;

    forward_ready!(inner);

    fn call(&self, request: ServiceRequest) -> Self::Future {
        let origin = request.headers().contains_key(header::ORIGIN);
        if !origin && request.method() != Method::OPTIONS {
            let finish: fn(ServiceResponse<BoxBody>) -> ServiceResponse<BoxBody> = with_vary;
            return Either::Left(self.inner.call(request).map_ok(finish));
        }
        let answer = self.cors.call(request);
        Either::Right(Box::pin(async move {
            let response = answer.await?;
            let refusal = response
                .response()
                .error()
                .and_then(|error| error.as_error::<CorsError>())
                .map(|error| cors_refusal(error, response.request().headers()));
            if let Some(refusal) = refusal {
                return Ok(response
                    .into_response(refusal.error_response())
                    .map_into_boxed_body());
            }
            let mut response = with_vary(response.map_into_boxed_body());
            let headers = response.headers_mut();
            if origin && headers.contains_key(header::ACCESS_CONTROL_EXPOSE_HEADERS) {
                headers.insert(
                    header::ACCESS_CONTROL_EXPOSE_HEADERS,
                    HeaderValue::from_static(EXPOSED_HEADERS),
                );
            } else {
                headers.remove(header::ACCESS_CONTROL_EXPOSE_HEADERS);
            }
            Ok(response)
        }))
    }
}

/// Gives a response made without a `Vary` [`CORS_VARY`].
fn with_vary(mut response: ServiceResponse<BoxBody>) -> ServiceResponse<BoxBody> {
    if !response.headers().contains_key(header::VARY) {
        response
            .headers_mut()
            .insert(header::VARY, HeaderValue::from_static(CORS_VARY));
    }
    response
}

/// The problem a CORS refusal is answered with, naming what the request asked for.
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
