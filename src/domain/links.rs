//! What a post's HTML points to, as values: the local URLs found when it is rendered (before
//! anything is resolved), and once resolved, the images it shows and the posts it links to.

use std::sync::Arc;

use super::{MediaFile, Slug};

/// What kind of element a local URL was found on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RefKind {
    /// A link (`<a href>`).
    Link,
    /// An image shown (`<img src>` or `srcset`, `<picture><source srcset>`).
    Image,
    /// Other media shown: a video, its poster, an audio file, a `<source src>`.
    Media,
    /// The front matter's `featuredImage`, which is not in the HTML.
    Featured,
}

/// One URL in a post's HTML that does not name a scheme or a host: a path relative to the
/// post's file, a root-relative path, or an anchor in the post itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalRef {
    /// The URL as written (entities decoded; still percent-encoded).
    pub url: String,
    /// Where it was found.
    pub kind: RefKind,
    /// For an `<img>`, its alt text (empty when the attribute is missing or empty).
    pub alt: Option<String>,
    /// The line of the post's file it was written on (the body's first line when it cannot
    /// be told).
    pub line: usize,
    /// When the URL named a media file as the post rendered, that file's hash: the HTML
    /// already holds its `/media` URL and size, and is stale once the file changes.
    pub written: Option<u64>,
}

/// A local image a post shows, resolved to its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostImage {
    /// The image file.
    pub file: Arc<MediaFile>,
    /// Its alt text as written (possibly empty).
    pub alt: String,
}

/// A link from one post to another, resolved.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PostLink {
    /// The slug of the post linked to.
    pub slug: Slug,
    /// The anchor linked to (`#install` gives `install`), if any.
    pub anchor: Option<String>,
}

/// What resolving a post's local URLs gave: the images it shows, the posts it links to, and
/// its featured image when that is a local file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resolved {
    /// Each local image shown, in the order of the HTML, once per file.
    pub images: Vec<PostImage>,
    /// Each post linked to, in the order of the HTML, once per slug and anchor.
    pub links: Vec<PostLink>,
    /// The featured image's file, when the front matter's `featuredImage` names one.
    pub featured: Option<Arc<MediaFile>>,
}

/// The default pattern of a post's public URL (`--post-url`).
pub const DEFAULT_POST_URL: &str = "{base}/posts/{slug}";

/// A post's public URL: `pattern` with `{base}` and `{slug}` filled in.
///
/// ```
/// assert_eq!(quire::domain::post_url("{base}/blog/{slug}/", "https://x.org", "hello"), "https://x.org/blog/hello/");
/// ```
pub fn post_url(pattern: &str, base_url: &str, slug: &str) -> String {
    pattern.replace("{base}", base_url).replace("{slug}", slug)
}
