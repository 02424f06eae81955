//! Media beside the posts as values: each file a page can show or link (an image, a video, a
//! PDF), known by its path in the content folder and the hash of its bytes, and what a post's
//! HTML says about the local files and posts it points to.

use std::collections::BTreeMap;
use std::sync::Arc;

use jiff::Timestamp;
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};

/// One media file of the content folder, read once when content loads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaFile {
    /// The file, relative to the content folder, with `/` separators: its address under
    /// `/media/`.
    pub path: String,
    /// The xxh3-64 hash of its bytes: its strong ETag and the `?v=` of the URLs Quire writes.
    pub hash: u64,
    /// Its size in bytes when read.
    pub len: u64,
    /// When it was last modified, for `Last-Modified`.
    pub modified: Option<Timestamp>,
    /// Its media type, from its extension (`image/png`).
    pub content_type: &'static str,
    /// Width and height in pixels, for an image whose header says them.
    pub dimensions: Option<(u32, u32)>,
}

impl MediaFile {
    /// The version Quire writes into the URLs it makes for this file: the first 32 bits of
    /// its hash, in hex, so a changed file gets a new URL.
    pub fn version(&self) -> String {
        format!("{:08x}", self.hash >> 32)
    }

    /// The strong ETag of the file's bytes.
    pub fn etag(&self) -> String {
        format!("\"{:016x}\"", self.hash)
    }

    /// The URL Quire writes for the file under `base_url`: below `/media/`, its path
    /// percent-encoded as needed, with its version, so a changed file gets a new URL.
    pub fn url(&self, base_url: &str) -> String {
        format!(
            "{base_url}/media/{}?v={}",
            encode_path(&self.path),
            self.version()
        )
    }

    /// Whether the file is an image a page can show with `<img>`.
    pub fn is_image(&self) -> bool {
        self.content_type.starts_with("image/")
    }
}

/// What stays unescaped in a path segment Quire writes into a `/media/` URL: RFC 3986's
/// unreserved characters and the sub-delimiters browsers leave alone.
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// A content-folder path as the path of a URL: each segment percent-encoded as needed.
pub fn encode_path(path: &str) -> String {
    path.split('/')
        .map(|segment| utf8_percent_encode(segment, SEGMENT).to_string())
        .collect::<Vec<_>>()
        .join("/")
}

/// The media files of a content folder by path; shared between stores while no file changes.
pub type MediaIndex = BTreeMap<String, Arc<MediaFile>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_encoded_segment_by_segment_with_the_version() {
        let file = MediaFile {
            path: "my post/a b#1.png".to_owned(),
            hash: 0x1a2b_3c4d_0000_0001,
            len: 1,
            modified: None,
            content_type: "image/png",
            dimensions: None,
        };
        assert_eq!(
            file.url("https://x.org"),
            "https://x.org/media/my%20post/a%20b%231.png?v=1a2b3c4d"
        );
        assert_eq!(encode_path("café/ü.png"), "caf%C3%A9/%C3%BC.png");
    }
}
