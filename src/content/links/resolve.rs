//! Resolving one post's local URLs against the whole site: each becomes a media file, another
//! post (with the anchor it points to), or stays as written; what is broken becomes a
//! warning naming the file, the line and the URL as written.

use std::collections::HashMap;
use std::sync::Arc;

use xxhash_rust::xxh3::Xxh3;

use super::url::{folder_of, join, split};
use crate::content::problem::Located;
use crate::domain::{
    LocalRef, MediaFile, MediaIndex, Post, PostImage, PostLink, Problem, ProblemKind, RefKind,
    Resolved, Severity,
};

/// Where the site's posts and media are public: the base URL and the pattern of a post's URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlRules {
    /// The site's base URL, without a trailing slash (`""` for root-relative URLs).
    pub base_url: String,
    /// A post's public URL, `{base}` and `{slug}` filled in (the `--post-url` setting).
    pub post_url: String,
}

impl Default for UrlRules {
    fn default() -> UrlRules {
        UrlRules {
            base_url: String::new(),
            post_url: crate::domain::DEFAULT_POST_URL.to_owned(),
        }
    }
}

impl UrlRules {
    /// The public URL of the post at `slug`.
    pub fn post(&self, slug: &str) -> String {
        crate::domain::post_url(&self.post_url, &self.base_url, slug)
    }

    /// The URL Quire writes for a media file: under `/media/`, with its version, so a changed
    /// file gets a new URL.
    pub fn media(&self, file: &MediaFile) -> String {
        file.url(&self.base_url)
    }
}

/// Every post by the path of its file and every media file: what a local URL can point to.
#[derive(Debug, Default)]
pub struct Site {
    /// Posts served, by their file's path.
    pub posts: HashMap<String, Arc<Post>>,
    /// Media files by path.
    pub media: Arc<MediaIndex>,
    /// Where posts and media are public.
    pub rules: UrlRules,
}

/// What one local URL resolved to.
#[derive(Debug, Clone)]
pub enum Target {
    /// A media file, with the fragment written after it (`#page=2` in a PDF).
    Media(Arc<MediaFile>, Option<String>),
    /// Another post (or this one through its own file), with the anchor written.
    Post(Arc<Post>, Option<String>),
    /// An anchor in the post itself (`#install`).
    Here(String),
    /// A draft: left as written, since its address is not public.
    Draft,
    /// Nothing in the content folder: left as written.
    Unresolved,
}

impl Site {
    /// What `url`, written in the post whose file is `source`, points to.
    pub fn target(&self, source: &str, url: &str) -> Target {
        let (path, _query, fragment) = split(url);
        let fragment = fragment.filter(|f| !f.is_empty()).map(str::to_owned);
        if path.is_empty() {
            return fragment.map_or(Target::Unresolved, Target::Here);
        }
        let Some(joined) = join(folder_of(source), path) else {
            return Target::Unresolved;
        };
        if let Some(file) = self.media.get(&joined) {
            return Target::Media(Arc::clone(file), fragment);
        }
        // A folder's post is its `index.md` (a Hugo bundle) or `_index.md` (a section page).
        let folder = joined.trim_end_matches('/');
        let candidates = [
            joined.clone(),
            format!("{folder}/index.md"),
            format!("{folder}/_index.md"),
            format!("{folder}.md"),
            format!("{folder}/index.mdx"),
            format!("{folder}.mdx"),
            format!("{folder}/index.markdown"),
            format!("{folder}.markdown"),
        ];
        let mut candidates = candidates.iter();
        if path.ends_with('/') {
            // `other-post/` is a folder, never a file named `other-post`.
            candidates.next();
        }
        candidates
            .find_map(|candidate| self.posts.get(candidate.trim_start_matches('/')))
            .map_or(Target::Unresolved, |post| {
                if post.draft {
                    Target::Draft
                } else {
                    Target::Post(Arc::clone(post), fragment)
                }
            })
    }

    /// The URL a target is written as in the served HTML, when it is rewritten.
    pub fn rewritten(&self, target: &Target) -> Option<String> {
        match target {
            Target::Media(file, fragment) => Some(with_fragment(self.rules.media(file), fragment)),
            Target::Post(post, fragment) => {
                Some(with_fragment(self.rules.post(post.slug.as_str()), fragment))
            }
            Target::Here(_) | Target::Draft | Target::Unresolved => None,
        }
    }
}

/// The media file that `url`, written in the post whose file is `source`, names, with the
/// fragment written after it.
pub fn media_target(
    media: &MediaIndex,
    source: &str,
    url: &str,
) -> Option<(Arc<MediaFile>, Option<String>)> {
    let (path, _query, fragment) = split(url);
    if path.is_empty() {
        return None;
    }
    let file = media.get(&join(folder_of(source), path)?)?;
    let fragment = fragment.filter(|f| !f.is_empty()).map(str::to_owned);
    Some((Arc::clone(file), fragment))
}

pub(super) fn with_fragment(url: String, fragment: &Option<String>) -> String {
    match fragment {
        Some(fragment) => format!("{url}#{fragment}"),
        None => url,
    }
}

/// One post's local URLs resolved: each URL as written with what it became, the images,
/// links and featured image, the problems, and a hash of everything the served HTML depends
/// on, which tells whether the HTML must be rewritten.
#[derive(Debug, Default)]
pub struct Resolution {
    /// Each URL written in the HTML with the URL it is served as, and for an image its size.
    pub rewrites: HashMap<String, (String, Option<(u32, u32)>)>,
    /// The images, links and featured image found.
    pub resolved: Resolved,
    /// Broken links, missing files and images without alt text.
    pub problems: Vec<Problem>,
    /// A hash of `rewrites`: equal hashes give equal HTML.
    pub key: u64,
}

/// Resolves every local URL of `post` (served at its address) against `site`.
pub fn resolve(post: &Post, site: &Site) -> Resolution {
    let source = post.source_path.as_str();
    let mut resolution = Resolution::default();
    let mut hasher = Xxh3::new();
    let mut warn = |line: usize, message: String| {
        resolution.problems.push(Problem {
            kind: ProblemKind::Link,
            ..Located::at_line(line, message).in_file(source, Severity::Warning)
        });
    };
    for local in &post.refs {
        let target = site.target(source, &local.url);
        check(post, local, &target, &mut warn);
        match (&target, local.kind) {
            (Target::Media(file, _), RefKind::Image) => {
                let image = PostImage {
                    file: Arc::clone(file),
                    alt: local.alt.clone().unwrap_or_default(),
                };
                if !resolution
                    .resolved
                    .images
                    .iter()
                    .any(|i| i.file == image.file)
                {
                    resolution.resolved.images.push(image);
                }
            }
            (Target::Media(file, _), RefKind::Featured) => {
                resolution.resolved.featured = Some(Arc::clone(file));
            }
            (Target::Post(linked, fragment), RefKind::Link) => {
                let link = PostLink {
                    slug: linked.slug.clone(),
                    anchor: fragment.clone(),
                };
                if !resolution.resolved.links.contains(&link) {
                    resolution.resolved.links.push(link);
                }
            }
            _ => {}
        }
        if local.kind == RefKind::Featured {
            continue;
        }
        // Written into the HTML as the post rendered, from the very same file.
        if let (Target::Media(file, _), Some(hash)) = (&target, local.written)
            && file.hash == hash
        {
            continue;
        }
        if let Some(url) = site.rewritten(&target) {
            let size = match &target {
                Target::Media(file, _) if local.kind == RefKind::Image => file.dimensions,
                _ => None,
            };
            hasher.update(local.url.as_bytes());
            hasher.update(&[0]);
            hasher.update(url.as_bytes());
            if let Some((width, height)) = size {
                hasher.update(&width.to_le_bytes());
                hasher.update(&height.to_le_bytes());
            }
            hasher.update(&[0]);
            resolution.rewrites.insert(local.url.clone(), (url, size));
        }
    }
    resolution.key = hasher.digest();
    resolution
}

/// Reports what is broken about one URL: a post file or image that is not there, an anchor
/// the target does not have, an image without alt text.
fn check(post: &Post, local: &LocalRef, target: &Target, warn: &mut impl FnMut(usize, String)) {
    let url = &local.url;
    let (path, _, _) = split(url);
    match target {
        Target::Here(anchor) if !post.anchors.contains(anchor) => warn(
            local.line,
            format!(
                "the link `{url}` points to an anchor this post does not have{}",
                known_anchors(&post.anchors)
            ),
        ),
        // The linked post may not be public yet: its headings are not listed.
        Target::Post(linked, Some(anchor)) if !linked.anchors.contains(anchor) => warn(
            local.line,
            format!(
                "the link `{url}` points to `#{anchor}`, which the linked post has no heading or id for (its `toc` lists its headings' ids)"
            ),
        ),
        Target::Draft => warn(
            local.line,
            format!(
                "the link `{url}` points to a post that is a draft; it is left as written until that post is published"
            ),
        ),
        Target::Unresolved if !path.starts_with('/') => {
            let looked = join(folder_of(&post.source_path), path);
            let looked = looked.map_or_else(
                || "a path outside the content folder".to_owned(),
                |p| format!("looked for {p}"),
            );
            match local.kind {
                RefKind::Link if is_post_path(path) => warn(
                    local.line,
                    format!(
                        "the link `{url}` points to a post file that does not exist ({looked})"
                    ),
                ),
                RefKind::Image | RefKind::Media | RefKind::Featured => warn(
                    local.line,
                    format!("the file `{url}` is not in the content folder ({looked})"),
                ),
                RefKind::Link => {}
            }
        }
        _ => {}
    }
    if local.kind == RefKind::Image
        && matches!(target, Target::Media(..))
        && local
            .alt
            .as_deref()
            .is_some_and(|alt| alt.trim().is_empty())
    {
        warn(
            local.line,
            format!(
                "the image `{url}` has no alt text: describe what it shows, as in `![a chart of sales by month]({url})`"
            ),
        );
    }
}

/// Whether a path written in a link names a post's source file.
fn is_post_path(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    crate::content::loader::is_post_file(name)
}

/// The anchors a target has, for a message: `; its anchors are #a, #b` (at most eight).
fn known_anchors(anchors: &[String]) -> String {
    if anchors.is_empty() {
        return String::new();
    }
    let listed: Vec<String> = anchors.iter().take(8).map(|a| format!("#{a}")).collect();
    let more = if anchors.len() > 8 { ", ..." } else { "" };
    format!("; its anchors are {}{more}", listed.join(", "))
}
