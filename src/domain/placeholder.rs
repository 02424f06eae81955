//! A blur placeholder and dominant colour for one image, as `next/image` takes them; made in
//! the background by `crate::placeholders` and carried by the store, by the image's hash.

use std::collections::HashMap;
use std::sync::Arc;

/// A blur placeholder for one image, as `next/image`'s `blurDataURL` takes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placeholder {
    /// A PNG of at most 16 pixels a side, as `data:image/png;base64,...`; never longer than
    /// 1000 bytes.
    pub data_url: String,
    /// The image's dominant colour, as `#rrggbb`.
    pub color: String,
}

/// The placeholders made so far, by the xxh3-64 hash of each image's bytes (`MediaFile::hash`).
pub type Placeholders = HashMap<u64, Arc<Placeholder>>;
