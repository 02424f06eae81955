//! Serving a media file from disk: what a request's validators and `Range` ask of it (a 304,
//! the whole file, one part of it, or a 416), the caching headers of a versioned and an
//! unversioned URL, and the body streamed in pieces (read on the worker when the page cache
//! holds them, else on actix's blocking pool), so a video is never held in memory. Media responses are never prepared: they pass the response
//! cache and its compression untouched.
//!
//! The validators are the content hash the index read when content loaded, never the file's
//! inode or mtime, so they are only sent while the file on disk is still the one indexed: a
//! file whose size or modification time differ when opened (changed, and the reload has not
//! caught up) is sent as it now is, whole, with no validators and `no-store`.

use std::fs::{self, File};
use std::io::{self, Read, Seek, SeekFrom};
use std::ops::RangeInclusive;
use std::path::Path;
use std::time::SystemTime;

use actix_web::HttpResponse;
use actix_web::body::SizedStream;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderMap, HeaderValue, HttpDate};
use actix_web::web::{self, Bytes};
use futures_util::stream::{self, Stream};
use http_range_header::RangeUnsatisfiableError;
use jiff::Timestamp;

use super::conditional::{http_date, is_not_modified};
use crate::domain::MediaFile;
use crate::error::ApiError;

/// `Cache-Control` of a URL carrying the file's current version (`?v=`): the URL changes
/// with the bytes, so its answer never goes stale.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// `Content-Security-Policy` of an SVG: it may hold scripts and links, which must not run
/// or load when the file is opened on Quire's origin; inline styles are how SVGs are drawn.
pub const SVG_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'";
/// How much of a file is read at a time while streaming it, after the first piece.
const CHUNK_BYTES: u64 = 64 * 1024;
/// How much the first piece reads: a photo or an icon is read whole in one read (when not
/// cached, one trip to the blocking pool: each trip is two thread switches, which were a fifth
/// of the time of a 150 KB answer when it took three), while a response never holds more
/// than this in memory. Measured by `benches/media.sh`; the pieces are checked by the `chunks`
/// tests below, the bodies byte for byte by the whole-file and range tests in
/// `tests/api/media.rs`.
const FIRST_PIECE_BYTES: u64 = 256 * 1024;

/// Left in a request's extensions when it came as `HEAD` (answered by the GET route), so a
/// media answer skips `Range` and reads none of the file.
#[derive(Debug, Clone, Copy)]
pub struct HeadRequest;

/// What a request asks of a media file whose validators are current.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// 304: the client's copy is current (`If-None-Match`, else `If-Modified-Since`).
    NotModified,
    /// 200 with the whole file: no `Range`, one Quire ignores (not bytes, malformed, several
    /// ranges, or an `If-Range` that no longer matches), or a HEAD.
    Whole,
    /// 206 with these bytes.
    Part(RangeInclusive<u64>),
    /// 416: no range of the request overlaps the file.
    Unsatisfiable,
}

/// Decides what to answer for `file` from the request's headers. Several satisfiable ranges
/// get the whole file, which RFC 9110 section 14.2 allows and every client reads, rather
/// than a multipart body.
pub fn answer(headers: &HeaderMap, file: &MediaFile, head: bool) -> Answer {
    let tag = file.etag();
    if is_not_modified(headers, tag.trim_matches('"'), file.modified) {
        return Answer::NotModified;
    }
    let Some(range) = headers.get(header::RANGE).and_then(|v| v.to_str().ok()) else {
        return Answer::Whole;
    };
    // RFC 9110 section 14.2: range handling is defined for GET only.
    if head || !if_range_holds(headers, file, &tag) {
        return Answer::Whole;
    }
    let ranges = http_range_header::parse_range_header(range).and_then(|r| r.validate(file.len));
    match ranges.as_deref() {
        Ok([one]) => Answer::Part(one.clone()),
        Ok(_) => Answer::Whole,
        Err(RangeUnsatisfiableError::Unsatisfiable) => Answer::Unsatisfiable,
        // Malformed, another unit, or too many overlapping ranges: ignored, as RFC 9110 allows.
        Err(_) => Answer::Whole,
    }
}

/// Whether `If-Range` (when sent) names the file as it is: its strong ETag exactly, or its
/// `Last-Modified` date. A stale validator means the client's part is of another version, so
/// it gets the whole file.
fn if_range_holds(headers: &HeaderMap, file: &MediaFile, tag: &str) -> bool {
    let Some(validator) = headers.get(header::IF_RANGE) else {
        return true;
    };
    let Ok(validator) = validator.to_str() else {
        return false;
    };
    let validator = validator.trim();
    if validator.starts_with('"') {
        return validator == tag;
    }
    // A weak tag never matches for ranges (RFC 9110 section 13.1.5).
    if validator.starts_with("W/") {
        return false;
    }
    let (Ok(date), Some(modified)) = (validator.parse::<HttpDate>(), file.modified) else {
        return false;
    };
    Timestamp::try_from(SystemTime::from(date))
        .is_ok_and(|date| date.as_second() == modified.as_second())
}

/// A media file opened for serving, and whether it is still the file the index read.
#[derive(Debug)]
pub struct OpenedFile {
    file: File,
    len: u64,
    modified: Option<Timestamp>,
    current: bool,
}

impl OpenedFile {
    /// Opens the file `indexed` describes under the content folder `root`, and compares its
    /// size and modification time with the index's: a file changed since it was read is not
    /// the one its hash names. Only a regular file is opened (a named pipe put in its place
    /// never blocks the worker), and a changed one only while it is still inside `root`: the
    /// listing refuses links out of the folder, and one made since must not get through.
    pub fn open(root: &Path, indexed: &MediaFile) -> io::Result<OpenedFile> {
        let path = root.join(&indexed.path);
        let file = open_without_blocking(&path)?;
        let metadata = file.metadata()?;
        if !metadata.is_file() {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                "no longer a regular file",
            ));
        }
        let len = metadata.len();
        let modified = metadata
            .modified()
            .ok()
            .and_then(|at| Timestamp::try_from(at).ok());
        let current = len == indexed.len && modified == indexed.modified;
        if !current && !fs::canonicalize(&path)?.starts_with(fs::canonicalize(root)?) {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                "now a link out of the content folder",
            ));
        }
        Ok(OpenedFile {
            file,
            len,
            modified,
            current,
        })
    }
}

/// Opens `path` for reading without waiting for a writer, should it be a named pipe; reads
/// from a regular file are unaffected.
#[cfg(unix)]
fn open_without_blocking(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
}

#[cfg(not(unix))]
fn open_without_blocking(path: &Path) -> io::Result<File> {
    File::open(path)
}

/// The response for `indexed`, opened as `opened`: as [`answer`] decides while the file is
/// the one indexed (with its validators and `cache_control`), else the whole file as it now
/// is, uncached. HEAD gets the same headers and reads nothing.
pub fn respond(
    indexed: &MediaFile,
    opened: OpenedFile,
    headers: &HeaderMap,
    head: bool,
    cache_control: HeaderValue,
) -> Result<HttpResponse, ApiError> {
    let OpenedFile {
        file,
        len,
        modified,
        current,
    } = opened;
    let answer = if current {
        answer(headers, indexed, head)
    } else {
        Answer::Whole
    };
    let mut response = HttpResponse::new(match answer {
        Answer::NotModified => StatusCode::NOT_MODIFIED,
        Answer::Whole => StatusCode::OK,
        Answer::Part(_) => StatusCode::PARTIAL_CONTENT,
        Answer::Unsatisfiable => return Err(ApiError::RangeNotSatisfiable { length: len }),
    });
    let response_headers = response.headers_mut();
    if current {
        response_headers.insert(header::ETAG, header_value(&indexed.etag()));
        response_headers.insert(header::CACHE_CONTROL, cache_control);
    } else {
        response_headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if answer == Answer::NotModified {
        // RFC 9110 section 15.4.5: the stored copy already has the rest.
        return Ok(response);
    }
    if let Some(modified) = modified {
        response_headers.insert(header::LAST_MODIFIED, header_value(&http_date(modified)));
    }
    response_headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(indexed.content_type),
    );
    if current {
        response_headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    }
    if indexed.content_type == "image/svg+xml" {
        response_headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(SVG_POLICY),
        );
    }
    let (start, length) = match answer {
        Answer::Part(range) => {
            response_headers.insert(
                header::CONTENT_RANGE,
                header_value(&format!("bytes {}-{}/{len}", range.start(), range.end())),
            );
            (*range.start(), range.end() - range.start() + 1)
        }
        _ => (0, len),
    };
    let body = if head {
        SizedStream::new(length, Box::pin(stream::empty()) as Chunks)
    } else {
        SizedStream::new(length, chunks(file, start, length))
    };
    Ok(response.set_body(actix_web::body::BoxBody::new(body)))
}

/// A header value Quire formatted itself (hex, digits, an HTTP date): always valid.
fn header_value(text: &str) -> HeaderValue {
    HeaderValue::from_str(text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The body's pieces, as the response streams them.
type Chunks = std::pin::Pin<Box<dyn Stream<Item = Result<Bytes, io::Error>>>>;

/// `length` bytes of `file` from `start`, in pieces (the first up to [`FIRST_PIECE_BYTES`],
/// the rest [`CHUNK_BYTES`] each). A piece already in the page cache is read on the worker
/// itself ([`read_if_cached`]); any other is read on actix's blocking pool, so a slow disk
/// never stalls the worker. A file that ends early ends the stream with an error (the client
/// sees a short body, never wrong bytes under a promised length).
fn chunks(file: File, start: u64, length: u64) -> Chunks {
    let first = (file, start, length, true);
    Box::pin(stream::try_unfold(
        first,
        |(file, offset, remaining, first)| async move {
            if remaining == 0 {
                return Ok(None);
            }
            let want = remaining.min(if first {
                FIRST_PIECE_BYTES
            } else {
                CHUNK_BYTES
            });
            let (file, piece) = match read_if_cached(&file, offset, want as usize) {
                Some(piece) => (file, piece),
                None => web::block(move || {
                    let mut file = file;
                    file.seek(SeekFrom::Start(offset))?;
                    let mut piece = Vec::with_capacity(want as usize);
                    (&mut file).take(want).read_to_end(&mut piece)?;
                    Ok::<_, io::Error>((file, piece))
                })
                .await
                .map_err(io::Error::other)??,
            };
            if piece.is_empty() {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the media file is shorter than when it was opened",
                ));
            }
            let read = piece.len() as u64;
            Ok(Some((
                Bytes::from(piece),
                (file, offset + read, remaining - read, false),
            )))
        },
    ))
}

/// `want` bytes of `file` at `offset` when all of them are in the page cache, read without
/// waiting for the disk (Linux's `preadv2` with `RWF_NOWAIT`, which fails with `EAGAIN`
/// rather than wait); `None` when any would need the disk, the file is shorter, or the kernel
/// lacks the flag. A served photo is nearly always cached, and reading it here saves the trip
/// to the blocking pool and back. Guarded by the `chunks` tests below and the byte-for-byte
/// body tests in `tests/api/media.rs`.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn read_if_cached(file: &File, offset: u64, want: usize) -> Option<Vec<u8>> {
    use std::os::fd::AsRawFd;

    let offset = libc::off_t::try_from(offset).ok()?;
    let mut piece = Vec::<u8>::with_capacity(want);
    let buffer = libc::iovec {
        iov_base: piece.as_mut_ptr().cast(),
        iov_len: want,
    };
    // SAFETY: `buffer` points at `want` bytes of `piece`'s capacity, which outlives the call;
    // the kernel writes at most that many and returns how many it wrote.
    let read = unsafe { libc::preadv2(file.as_raw_fd(), &buffer, 1, offset, libc::RWF_NOWAIT) };
    // A short read means part of the range needs the disk, or the file ends early: both are
    // left to the blocking read, which waits for the one and reports the other.
    if usize::try_from(read).ok()? != want {
        return None;
    }
    // SAFETY: the kernel initialised the first `want` bytes.
    unsafe { piece.set_len(want) };
    Some(piece)
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn read_if_cached(_file: &File, _offset: u64, _want: usize) -> Option<Vec<u8>> {
    None
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;

    use futures_util::TryStreamExt as _;

    use super::*;

    /// A file of `len` bytes that differ from their neighbours, so a piece read from the
    /// wrong offset or twice shows.
    fn numbered_file(len: usize) -> (tempfile::NamedTempFile, Vec<u8>) {
        let bytes: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
        let mut file = tempfile::NamedTempFile::new().expect("a temporary file");
        file.write_all(&bytes).expect("written");
        (file, bytes)
    }

    async fn body_of(file: &tempfile::NamedTempFile, start: u64, length: u64) -> Vec<Vec<u8>> {
        let opened = File::open(file.path()).expect("opens");
        chunks(opened, start, length)
            .map_ok(|piece| piece.to_vec())
            .try_collect()
            .await
            .expect("the file reads")
    }

    #[actix_web::test]
    async fn a_file_up_to_the_first_piece_is_read_in_one_piece() {
        let len = FIRST_PIECE_BYTES as usize;
        let (file, bytes) = numbered_file(len);

        let pieces = body_of(&file, 0, len as u64).await;

        assert_eq!(pieces, [bytes]);
    }

    #[actix_web::test]
    async fn a_larger_file_or_range_streams_in_bounded_pieces_with_every_byte_once() {
        let len = FIRST_PIECE_BYTES as usize + 3 * CHUNK_BYTES as usize + 10;
        let (file, bytes) = numbered_file(len);
        let ranges = [(0, len), (1, len), (100, len - 7), (len - 70_000, len)];

        for (start, end) in ranges {
            let pieces = body_of(&file, start as u64, (end - start) as u64).await;

            assert!(pieces[0].len() as u64 <= FIRST_PIECE_BYTES, "{start}-{end}");
            assert!(
                pieces[1..].iter().all(|p| p.len() as u64 <= CHUNK_BYTES),
                "{start}-{end}"
            );
            assert_eq!(pieces.concat(), &bytes[start..end], "{start}-{end}");
        }
    }

    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    #[test]
    fn a_cached_read_gives_all_the_bytes_asked_for_or_none() {
        let (file, bytes) = numbered_file(10_000);
        let opened = File::open(file.path()).expect("opens");

        // Just written, so in the page cache.
        assert_eq!(
            read_if_cached(&opened, 100, 5000).as_deref(),
            Some(&bytes[100..5100])
        );
        assert_eq!(read_if_cached(&opened, 9000, 2000), None, "past the end");
        assert_eq!(read_if_cached(&opened, 10_000, 1), None, "at the end");
    }

    #[actix_web::test]
    async fn a_file_shorter_than_promised_ends_the_body_with_an_error() {
        let (file, _) = numbered_file(1000);
        let opened = File::open(file.path()).expect("opens");

        let read: Result<Vec<Bytes>, io::Error> = chunks(opened, 0, 2000).try_collect().await;

        let error = read.expect_err("a short file is an error");
        assert_eq!(error.kind(), io::ErrorKind::UnexpectedEof);
    }
}
