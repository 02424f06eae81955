//! Media beside the posts as values: each file a page can show or link (an image, a video, a
//! PDF), known by its path in the content folder and the hash of its bytes, and what a post's
//! HTML says about the local files and posts it points to.

use std::collections::BTreeMap;
use std::sync::Arc;

use jiff::Timestamp;

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

    /// Whether the file is an image a page can show with `<img>`.
    pub fn is_image(&self) -> bool {
        self.content_type.starts_with("image/")
    }
}

/// The media files of a content folder by path; shared between stores while no file changes.
pub type MediaIndex = BTreeMap<String, Arc<MediaFile>>;
