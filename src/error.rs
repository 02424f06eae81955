//! The one error type for HTTP: every failure becomes an RFC 9457 `application/problem+json`
//! body, and 500s never leak internals.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

/// The seconds a client refused an event stream is told to wait before trying again: streams
/// are long-lived, so a slot rarely frees within a second.
pub const STREAMS_RETRY_AFTER: u32 = 30;

/// Everything a request can fail with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// 400: a query parameter has a value Quire does not accept.
    InvalidParameter {
        /// The parameter's name as sent, e.g. `limit`.
        parameter: String,
        /// What is wrong and what is allowed.
        detail: String,
    },
    /// 404: no such resource, or not one the caller may see.
    NotFound {
        /// What was not found.
        detail: String,
    },
    /// 405: the path exists but not for this method.
    MethodNotAllowed {
        /// The methods the path does accept, e.g. `GET, HEAD`.
        allow: &'static str,
    },
    /// 414: the query string is longer than Quire reads.
    UriTooLong {
        /// The most bytes a query string may have.
        limit: usize,
    },
    /// 416: no range of a `Range` request overlaps the file.
    RangeNotSatisfiable {
        /// The file's length in bytes, for `Content-Range: bytes */length`.
        length: u64,
    },
    /// 500: a bug or failure inside Quire; details go to the log, not the client.
    Internal,
    /// 401: the request needs credentials it did not give (a preview without a valid token).
    Unauthorized {
        /// What is needed.
        detail: String,
    },
    /// 403: a CORS preflight the policy refuses (`--cors-origin`): the origin, method or
    /// headers asked for are not allowed.
    CorsRefused {
        /// What was refused and what is allowed.
        detail: String,
    },
    /// 503: search is not available yet (the index is being built after start-up) or at all
    /// (building it failed); the rest of the API is served.
    SearchUnavailable {
        /// Whether the index is still being built (worth retrying in a second), rather than
        /// failed.
        building: bool,
    },
    /// 503: `--max-event-streams` event streams are open already, or the server is stopping.
    TooManyEventStreams {
        /// The most streams that may be open at once.
        limit: usize,
    },
}

impl ApiError {
    /// A 400 naming the offending parameter.
    pub fn invalid(parameter: impl Into<String>, detail: impl Into<String>) -> ApiError {
        ApiError::InvalidParameter {
            parameter: parameter.into(),
            detail: detail.into(),
        }
    }

    /// A 404 with a sentence saying what was looked for.
    pub fn not_found(detail: impl Into<String>) -> ApiError {
        ApiError::NotFound {
            detail: detail.into(),
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ApiError::InvalidParameter { parameter, detail } => {
                write!(f, "invalid `{parameter}`: {detail}")
            }
            ApiError::NotFound { detail } => f.write_str(detail),
            ApiError::MethodNotAllowed { allow } => write!(f, "method not allowed; use {allow}"),
            ApiError::UriTooLong { limit } => write!(
                f,
                "the query string is longer than {limit} bytes; send fewer or shorter parameters"
            ),
            ApiError::RangeNotSatisfiable { length } => write!(
                f,
                "no range of `Range` overlaps the file, which has {length} bytes"
            ),
            ApiError::Internal => f.write_str("internal server error"),
            ApiError::Unauthorized { detail } => f.write_str(detail),
            ApiError::CorsRefused { detail } => f.write_str(detail),
            ApiError::SearchUnavailable { building: true } => f.write_str(
                "the search index is being built after start-up; retry in a moment (posts are served meanwhile)",
            ),
            ApiError::SearchUnavailable { building: false } => f.write_str(
                "the search index could not be built (see the server log); the next content reload tries again",
            ),
            ApiError::TooManyEventStreams { limit } => write!(
                f,
                "{limit} event streams are open, the most this server allows (--max-event-streams), or it is stopping; retry later"
            ),
        }
    }
}

/// An RFC 9457 problem details body, the shape of every error response.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "about:blank",
    "title": "Bad Request",
    "status": 400,
    "detail": "`limit` must be a whole number from 1 to 100, got `0`",
    "parameter": "limit"
}))]
pub struct Problem {
    /// A URI identifying the problem type; `about:blank` means the status says it all.
    #[serde(rename = "type")]
    pub problem_type: &'static str,
    /// The HTTP status phrase.
    pub title: &'static str,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong, for a person.
    pub detail: String,
    /// The query parameter at fault, for 400s.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameter: Option<String>,
}

impl ApiError {
    /// The problem details body this error is answered with; the OpenAPI examples are made
    /// from it too, so they show what a client really gets.
    pub fn problem(&self) -> Problem {
        let status = self.status_code();
        let parameter = match self {
            ApiError::InvalidParameter { parameter, .. } => Some(parameter.clone()),
            _ => None,
        };
        let detail = match self {
            ApiError::InvalidParameter { detail, .. } => detail.clone(),
            other => other.to_string(),
        };
        Problem {
            problem_type: "about:blank",
            title: status.canonical_reason().unwrap_or("Error"),
            status: status.as_u16(),
            detail,
            parameter,
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::InvalidParameter { .. } => StatusCode::BAD_REQUEST,
            ApiError::NotFound { .. } => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::UriTooLong { .. } => StatusCode::URI_TOO_LONG,
            ApiError::RangeNotSatisfiable { .. } => StatusCode::RANGE_NOT_SATISFIABLE,
            ApiError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            ApiError::CorsRefused { .. } => StatusCode::FORBIDDEN,
            ApiError::SearchUnavailable { .. } | ApiError::TooManyEventStreams { .. } => {
                StatusCode::SERVICE_UNAVAILABLE
            }
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let body = self.problem();
        let mut response = HttpResponse::build(status);
        response.content_type("application/problem+json");
        if let ApiError::MethodNotAllowed { allow } = self {
            response.insert_header((header::ALLOW, *allow));
        }
        if let ApiError::Unauthorized { .. } = self {
            response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        if let ApiError::RangeNotSatisfiable { length } = self {
            response.insert_header((header::CONTENT_RANGE, format!("bytes */{length}")));
        }
        if let ApiError::SearchUnavailable { building } = self {
            // Errors are never kept by Quire's response cache; this keeps shared caches from
            // holding on to a state that lasts seconds.
            response.insert_header((header::CACHE_CONTROL, "no-store"));
            if *building {
                response.insert_header((header::RETRY_AFTER, "1"));
            }
        }
        if let ApiError::TooManyEventStreams { .. } = self {
            // A refused client should not hold a connection the cap exists to save.
            response.force_close();
            response.insert_header((header::CACHE_CONTROL, "no-store"));
            response.insert_header((header::RETRY_AFTER, STREAMS_RETRY_AFTER.to_string()));
        }
        response.json(body)
    }
}
