//! A response computed once and served as bytes: the body, its type, its entity tag (hashed
//! once, when prepared), when its content last changed, any extra headers, and its compressed
//! forms (each made the first time a client asks for it). Handlers return one; the response
//! layer (`respond`) caches it and answers conditional requests from it.

use std::io::Write;
use std::sync::{Arc, OnceLock};

use actix_web::body::BoxBody;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, Responder};
use jiff::Timestamp;
use serde::Serialize;

use super::conditional::{etag_value, http_date};
use crate::error::ApiError;

/// Who may keep a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sharing {
    /// Content: cached by Quire and by shared caches under the configured `Cache-Control`.
    Public,
    /// Live state (health, metrics): never cached, `Cache-Control: no-store`.
    NoStore,
}

/// Brotli quality for prepared bodies: each is compressed once per content version, so a
/// better ratio than per-response compression affords (actix's default is 3) is cheap.
const BROTLI_QUALITY: u32 = 5;
/// Brotli's window, as a power of two.
const BROTLI_WINDOW: u32 = 22;

/// The headers the layers give every response they send; [`Prepared::header`] adds others.
const RESPONSE_HEADERS: [&str; 8] = [
    "etag",
    "cache-control",
    "vary",
    "last-modified",
    "content-type",
    "content-encoding",
    "x-request-id",
    "x-content-type-options",
];

/// A content coding a prepared body is sent in besides its own bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    /// `br`
    Brotli,
    /// `gzip`
    Gzip,
    /// `deflate` (the zlib format, as HTTP means it)
    Deflate,
}

impl Coding {
    /// The coding's name in `Content-Encoding` and in the entity tag's suffix.
    pub fn name(self) -> &'static str {
        match self {
            Coding::Brotli => "br",
            Coding::Gzip => "gzip",
            Coding::Deflate => "deflate",
        }
    }

    fn compress(self, body: &[u8]) -> std::io::Result<Vec<u8>> {
        match self {
            Coding::Brotli => {
                let mut writer = brotli::CompressorWriter::new(
                    Vec::with_capacity(body.len() / 4),
                    4096,
                    BROTLI_QUALITY,
                    BROTLI_WINDOW,
                );
                writer.write_all(body)?;
                writer.flush()?;
                Ok(writer.into_inner())
            }
            Coding::Gzip => {
                let mut encoder = flate2::write::GzEncoder::new(
                    Vec::with_capacity(body.len() / 4),
                    flate2::Compression::default(),
                );
                encoder.write_all(body)?;
                encoder.finish()
            }
            Coding::Deflate => {
                let mut encoder = flate2::write::ZlibEncoder::new(
                    Vec::with_capacity(body.len() / 4),
                    flate2::Compression::default(),
                );
                encoder.write_all(body)?;
                encoder.finish()
            }
        }
    }
}

/// A body's compressed forms, each made once, when first asked for; `None` inside when
/// compressing failed, so the body is sent as it is.
#[derive(Debug, Clone, Default)]
struct Encoded {
    brotli: OnceLock<Option<Bytes>>,
    gzip: OnceLock<Option<Bytes>>,
    deflate: OnceLock<Option<Bytes>>,
}

/// A 200 response ready to send many times.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The body.
    pub body: Bytes,
    /// The `Content-Type`.
    pub content_type: HeaderValue,
    /// The strong entity tag's opaque value, without quotes or an encoding suffix.
    pub etag: String,
    /// When the content behind the body last changed.
    pub last_modified: Option<Timestamp>,
    /// Headers particular to the resource, such as `X-Total-Count` and `Link`.
    pub headers: Vec<(HeaderName, HeaderValue)>,
    /// The `ETag` header of the body as prepared and of each coding, made once.
    etag_headers: [HeaderValue; 4],
    /// The `Last-Modified` header, made once.
    last_modified_header: Option<HeaderValue>,
    /// Who may keep it.
    pub sharing: Sharing,
    /// The body compressed, by coding.
    encoded: Encoded,
}

impl Prepared {
    /// A response with this body, its entity tag hashed from the bytes.
    pub fn new(content_type: &'static str, body: impl Into<Bytes>) -> Prepared {
        Prepared::of_type(HeaderValue::from_static(content_type), body)
    }

    /// [`Prepared::new`] for a content type known only when the response is made (a file's).
    pub fn of_type(content_type: HeaderValue, body: impl Into<Bytes>) -> Prepared {
        let body = body.into();
        let etag = entity_tag(&body);
        let tag = |coding: Option<Coding>| {
            HeaderValue::from_str(&etag_value(&etag, coding.map(Coding::name)))
                .unwrap_or_else(|_| HeaderValue::from_static("\"\""))
        };
        Prepared {
            etag_headers: [
                tag(None),
                tag(Some(Coding::Brotli)),
                tag(Some(Coding::Gzip)),
                tag(Some(Coding::Deflate)),
            ],
            last_modified_header: None,
            etag,
            body,
            content_type,
            last_modified: None,
            headers: Vec::new(),
            sharing: Sharing::Public,
            encoded: Encoded::default(),
        }
    }

    /// The body in `coding`, compressed the first time any request asks for it and kept for
    /// the next; `None` if compressing failed (logged), and the body goes out as it is.
    pub fn encoded(&self, coding: Coding) -> Option<Bytes> {
        let slot = match coding {
            Coding::Brotli => &self.encoded.brotli,
            Coding::Gzip => &self.encoded.gzip,
            Coding::Deflate => &self.encoded.deflate,
        };
        slot.get_or_init(|| match coding.compress(&self.body) {
            Ok(bytes) => Some(Bytes::from(bytes)),
            Err(err) => {
                log::error!(
                    "compressing a response with {} failed: {err}",
                    coding.name()
                );
                None
            }
        })
        .clone()
    }

    /// A JSON response; a serialization failure is logged and becomes a 500.
    pub fn json<T: Serialize>(value: &T) -> Result<Prepared, ApiError> {
        Ok(Prepared::json_bytes(to_json(value)?))
    }

    /// A JSON response from bytes already serialized.
    pub fn json_bytes(body: impl Into<Bytes>) -> Prepared {
        Prepared::new("application/json", body)
    }

    /// The same response with another `Content-Type`, e.g. `application/feed+json`.
    pub fn with_content_type(mut self, content_type: &'static str) -> Prepared {
        self.content_type = HeaderValue::from_static(content_type);
        self
    }

    /// Sets when the content last changed.
    pub fn modified(mut self, at: Option<Timestamp>) -> Prepared {
        self.last_modified = at;
        self.last_modified_header = at.and_then(|at| HeaderValue::from_str(&http_date(at)).ok());
        self
    }

    /// Adds a resource header (such as `Link`); a value that cannot be a header (a bug) is
    /// logged and left out. Not one of the headers every response gets, which are set
    /// beside these when the response is made.
    pub fn header(mut self, name: &'static str, value: String) -> Prepared {
        debug_assert!(
            !RESPONSE_HEADERS.contains(&name.to_ascii_lowercase().as_str()),
            "`{name}` is set on every response, not by a prepared one"
        );
        match (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::try_from(value),
        ) {
            (Ok(name), Ok(value)) => self.headers.push((name, value)),
            _ => log::error!("the header `{name}` of a prepared response is not valid"),
        }
        self
    }

    /// The `ETag` header for the body sent in `coding` (`None`: as prepared).
    pub fn etag_header(&self, coding: Option<Coding>) -> HeaderValue {
        let index = match coding {
            None => 0,
            Some(Coding::Brotli) => 1,
            Some(Coding::Gzip) => 2,
            Some(Coding::Deflate) => 3,
        };
        self.etag_headers[index].clone()
    }

    /// The `Last-Modified` header, if the content's modification time is known.
    pub fn last_modified_header(&self) -> Option<HeaderValue> {
        self.last_modified_header.clone()
    }

    /// Marks the response as live state, never cached.
    pub fn no_store(mut self) -> Prepared {
        self.sharing = Sharing::NoStore;
        self
    }

    /// The bytes this response weighs in a cache; its compressed forms, made later, are
    /// counted ahead at half the body, more than JSON and HTML usually take.
    pub fn weight(&self) -> usize {
        self.body.len()
            + self.body.len() / 2
            + self.etag.len()
            + self
                .headers
                .iter()
                .map(|(_, v)| v.len() + 32)
                .sum::<usize>()
            + self
                .etag_headers
                .iter()
                .map(|v| v.len() + 32)
                .sum::<usize>()
            + 128
    }
}

/// Serializes a value to JSON bytes; a failure is logged and becomes a 500.
pub fn to_json<T: Serialize>(value: &T) -> Result<Vec<u8>, ApiError> {
    serde_json::to_vec(value).map_err(|err| {
        log::error!("serializing a response failed: {err}");
        ApiError::Internal
    })
}

/// A strong entity tag's opaque value: the body's 128-bit XXH3 hash in hex.
pub fn entity_tag(body: &[u8]) -> String {
    format!("{:032x}", xxhash_rust::xxh3::xxh3_128(body))
}

/// Marks a handler's response as prepared, so the response layer can cache it and answer
/// conditional requests from it.
#[derive(Debug, Clone)]
pub struct PreparedMarker(pub Arc<Prepared>);

impl Responder for Prepared {
    type Body = BoxBody;

    /// A plain 200 carrying the prepared response; the response layer replaces it with
    /// the final one (caching headers, 304).
    fn respond_to(self, _request: &HttpRequest) -> HttpResponse {
        let mut response = HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, self.content_type.clone()))
            .body(self.body.clone());
        response
            .extensions_mut()
            .insert(PreparedMarker(Arc::new(self)));
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_coding_is_compressed_once_and_decodes_to_the_body() {
        use std::io::Read;

        let body = "{\"title\": \"Backlog refinement\"} ".repeat(200);
        let prepared = Prepared::json_bytes(body.clone());
        let decoded = |coding| {
            let bytes = prepared.encoded(coding).unwrap();
            assert!(bytes.len() < body.len() / 4, "{coding:?} does not compress");
            assert_eq!(
                bytes,
                prepared.encoded(coding).unwrap(),
                "{coding:?} is kept"
            );
            let mut text = String::new();
            match coding {
                Coding::Brotli => brotli::Decompressor::new(&bytes[..], 4096)
                    .read_to_string(&mut text)
                    .unwrap(),
                Coding::Gzip => flate2::read::GzDecoder::new(&bytes[..])
                    .read_to_string(&mut text)
                    .unwrap(),
                Coding::Deflate => flate2::read::ZlibDecoder::new(&bytes[..])
                    .read_to_string(&mut text)
                    .unwrap(),
            };
            text
        };
        for coding in [Coding::Brotli, Coding::Gzip, Coding::Deflate] {
            assert_eq!(decoded(coding), body, "{coding:?}");
        }
    }

    #[test]
    fn entity_tags_are_stable_and_differ_with_the_bytes() {
        assert_eq!(entity_tag(b"abc"), entity_tag(b"abc"));
        assert_ne!(entity_tag(b"abc"), entity_tag(b"abd"));
        assert_eq!(entity_tag(b"").len(), 32);
    }
}
