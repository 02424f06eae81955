//! Feeds and the sitemap: RSS 2.0 (the `rss` crate), Atom (`atom_syndication`), JSON Feed 1.1
//! (plain serde types) and a sitemap (`quick-xml`'s writer), all with absolute URLs built from
//! the configured base URL and post URL pattern. This module holds what they share (what a
//! feed is about, how post URLs are made); each format is written in its own file.

mod json;
mod xml;

use crate::domain::Post;

pub use json::{JsonFeed, JsonFeedAuthor, JsonFeedItem, json_feed};
pub use xml::{atom, rss, sitemap};

/// How many posts a feed lists.
pub const FEED_POSTS: u32 = 20;

/// What a feed entry carries (`--feed-content`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum FeedContent {
    /// The whole post as HTML.
    #[default]
    Full,
    /// Only the excerpt.
    Summary,
}

/// How feeds are written, from settings.
#[derive(Debug, Clone)]
pub struct FeedOptions {
    /// The whole body or only the excerpt.
    pub content: FeedContent,
    /// The post URL pattern with `{base}` and `{slug}`.
    pub post_url: String,
}

impl FeedOptions {
    /// A post's public URL under `base_url`.
    ///
    /// ```
    /// use quire::feeds::FeedOptions;
    /// use quire::feeds::FeedContent;
    /// let options = FeedOptions { content: FeedContent::Full, post_url: "{base}/blog/{slug}/".into() };
    /// assert_eq!(options.post_url("https://x.org", "hello"), "https://x.org/blog/hello/");
    /// ```
    pub fn post_url(&self, base_url: &str, slug: &str) -> String {
        crate::domain::post_url(&self.post_url, base_url, slug)
    }
}

/// Where posts and their images are public, under the base URL: one place for the API's
/// `url` and `featuredImage` and the feeds' links, so they always agree.
#[derive(Debug, Clone, Copy)]
pub struct PublicUrls<'a> {
    /// The site's base URL, without a trailing slash.
    pub base_url: &'a str,
    /// The post URL pattern.
    pub options: &'a FeedOptions,
}

impl PublicUrls<'_> {
    /// A post's public URL.
    pub fn post(&self, slug: &str) -> String {
        self.options.post_url(self.base_url, slug)
    }

    /// An image URL made absolute when it is a path on the site (`/images/a.png`); full URLs
    /// and relative paths are left as written.
    pub fn image(&self, url: &str) -> String {
        absolute(self.base_url, url)
    }

    /// A post's featured image URL: its file under `/media/` when the content folder has it,
    /// else as written, made absolute when it is a path on the site.
    pub fn featured_image(&self, post: &Post) -> Option<String> {
        match &post.resolved.featured {
            Some(file) => Some(file.url(self.base_url)),
            None => post
                .featured_image
                .as_deref()
                .map(|image| self.image(image)),
        }
    }
}

/// What a feed is about: the whole site or one category or tag.
#[derive(Debug, Clone)]
pub struct FeedChannel {
    /// The feed's title, e.g. `Quire` or `Quire: Estimation`.
    pub title: String,
    /// The feed's description.
    pub description: String,
    /// The site's base URL, without a trailing slash.
    pub base_url: String,
    /// The path of this feed under the base URL without the file name, e.g. `` or
    /// `/tags/estimation`.
    pub path: String,
    /// Who an Atom feed credits for posts that name no author: the site's title.
    pub author: String,
}

impl FeedChannel {
    fn url(&self, file: &str) -> String {
        format!("{}{}/{file}", self.base_url, self.path)
    }

    fn home(&self) -> String {
        format!(
            "{}{}",
            self.base_url,
            if self.path.is_empty() {
                "/"
            } else {
                &self.path
            }
        )
    }
}

/// A URL made absolute against the base URL when it is a path.
fn absolute(base_url: &str, url: &str) -> String {
    if url.starts_with('/') {
        format!("{base_url}{url}")
    } else {
        url.to_owned()
    }
}
