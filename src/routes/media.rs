//! `/media/{path}`: the files beside the posts (images, video, audio, PDF), served from the
//! content folder. Only a file the media index holds is served, found by its decoded path, so
//! Markdown, hidden files, editors' temporaries, other extensions and anything outside the
//! folder are the same 404 as a file that does not exist.

use actix_web::http::header::HeaderValue;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, get, web};
use percent_encoding::percent_decode_str;

use super::AppState;
use super::query::RawQuery;
use crate::error::{ApiError, Problem};
use crate::http::HttpContext;
use crate::http::media::{self, HeadRequest, IMMUTABLE, OpenedFile};

/// A media file beside the posts, as stored: an image, a video, audio or a PDF.
///
/// The `ETag` is the hash of the file's bytes. With `?v=` equal to the version Quire writes
/// into the URLs it makes (the first 8 hex digits of that hash) the answer is cached for a
/// year as immutable; without it (or with an old one) it is cached like the rest of the
/// content (`--cache-control`) and revalidated with `If-None-Match`. One byte range is
/// answered with 206; several ranges with the whole file. A file changed on disk since the
/// last reload is sent as it now is, without validators and with `Cache-Control: no-store`.
#[utoipa::path(
    tag = "media",
    params(
        ("path" = String, Path, description = "The file's path in the content folder, percent-encoded, e.g. `my-post/diagram.png`.", example = "images/sprint-board.png"),
        ("v" = Option<String>, Query, nullable = false, description = "The file's version as Quire writes it into URLs: when it matches, the answer is `immutable`.", example = "5c7e8c13"),
        ("Range" = Option<String>, Header, nullable = false, description = "One byte range (`bytes=0-1023`, `bytes=1024-`, `bytes=-500`)."),
        ("If-Range" = Option<String>, Header, nullable = false, description = "The `ETag` or `Last-Modified` the client's part came with: when it is not current, the whole file is sent."),
    ),
    responses(
        (status = 200, description = "The whole file, in its media type (for an SVG with `Content-Security-Policy: default-src 'none'; style-src 'unsafe-inline'`).",
            content(("*/*")),
            headers(
                ("ETag" = String, description = "A strong tag of the file's bytes (absent while the file on disk differs from the one indexed)."),
                ("Last-Modified" = String, description = "The file's modification time."),
                ("Cache-Control" = String, description = "`public, max-age=31536000, immutable` with the current `v`; else `--cache-control`; `no-store` for a file changed since the last reload."),
                ("Accept-Ranges" = String, description = "`bytes`."),
            )),
        (status = 206, description = "The one byte range asked for.",
            content(("*/*")),
            headers(
                ("Content-Range" = String, description = "`bytes first-last/length`."),
                ("ETag" = String, description = "A strong tag of the file's bytes."),
                ("Last-Modified" = String, description = "The file's modification time."),
                ("Cache-Control" = String, description = "As for 200."),
            )),
        (status = 304, description = "Not Modified: the `If-None-Match` tag matches the file (or, without `If-None-Match`, it has not changed since `If-Modified-Since`). No body.",
            headers(
                ("ETag" = String, description = "A strong tag of the file's bytes."),
                ("Cache-Control" = String, description = "As for 200."),
            )),
        (status = 404, description = "No media file has this path.", body = Problem, content_type = "application/problem+json"),
        (status = 416, description = "No range of `Range` overlaps the file.", body = Problem, content_type = "application/problem+json",
            headers(("Content-Range" = String, description = "`bytes */length`."))),
    )
)]
#[get("/media/{path:.*}")]
pub async fn get_media(
    request: HttpRequest,
    state: web::Data<AppState>,
    http: web::Data<HttpContext>,
) -> Result<HttpResponse, ApiError> {
    let not_found = || {
        ApiError::not_found(format!(
            "there is no media file at {}; media are the images, video, audio and PDFs in the content folder",
            request.path()
        ))
    };
    let raw = request.path().strip_prefix("/media/").unwrap_or_default();
    let path = percent_decode_str(raw)
        .decode_utf8()
        .map_err(|_| not_found())?;
    let store = state.store.load();
    let file = store.media_file(&path).ok_or_else(not_found)?;
    let opened = OpenedFile::open(&state.content, file).map_err(|err| {
        if err.kind() == std::io::ErrorKind::NotFound {
            not_found()
        } else {
            log::error!("cannot open the media file {}: {err}", file.path);
            ApiError::Internal
        }
    })?;
    // A query that cannot be read is not a versioned URL; the file is still served.
    let versioned = RawQuery::parse(request.query_string())
        .is_ok_and(|query| query.untrimmed("v") == Some(file.version().as_str()));
    let cache_control = if versioned {
        HeaderValue::from_static(IMMUTABLE)
    } else {
        http.policy.header(None)
    };
    let head = request.extensions().contains::<HeadRequest>();
    media::respond(file, opened, request.headers(), head, cache_control)
}
