//! JSON Feed 1.1: plain serde types, with the post's image made absolute.

use std::sync::Arc;

use serde::Serialize;
use utoipa::ToSchema;

use super::{FeedChannel, FeedContent, FeedOptions, PublicUrls};
use crate::domain::Post;

/// A JSON Feed 1.1 document.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct JsonFeed {
    /// Always `https://jsonfeed.org/version/1.1`.
    pub version: &'static str,
    /// The feed's title.
    pub title: String,
    /// The site (or term page) the feed describes.
    pub home_page_url: String,
    /// This feed's own URL.
    pub feed_url: String,
    /// The feed's description.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// The newest posts first.
    pub items: Vec<JsonFeedItem>,
}

/// One post in a JSON Feed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct JsonFeedItem {
    /// The post's URL, which is also its id.
    pub id: String,
    /// The post's URL.
    pub url: String,
    /// The title.
    pub title: String,
    /// The whole body as HTML (with `--feed-content full`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_html: Option<String>,
    /// The excerpt as plain text; the content with `--feed-content summary`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_text: Option<String>,
    /// The excerpt.
    pub summary: String,
    /// The featured image, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// Publication date, RFC 3339.
    pub date_published: String,
    /// Last revision date, RFC 3339, if given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_modified: Option<String>,
    /// The authors.
    pub authors: Vec<JsonFeedAuthor>,
    /// Categories and tags by name.
    pub tags: Vec<String>,
}

/// An author in a JSON Feed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct JsonFeedAuthor {
    /// The author's name.
    pub name: String,
}

/// A JSON Feed 1.1 of `posts`.
pub fn json_feed(channel: &FeedChannel, posts: &[&Arc<Post>], options: &FeedOptions) -> JsonFeed {
    let items = posts
        .iter()
        .map(|post| {
            let url = options.post_url(&channel.base_url, post.slug.as_str());
            let (content_html, content_text) = match options.content {
                FeedContent::Full => (Some(post.body.html()), None),
                FeedContent::Summary => (None, Some(post.excerpt.clone())),
            };
            JsonFeedItem {
                id: url.clone(),
                url,
                title: post.title.clone(),
                content_html,
                content_text,
                summary: post.excerpt.clone(),
                image: PublicUrls {
                    base_url: &channel.base_url,
                    options,
                }
                .featured_image(post),
                date_published: post.date.to_string(),
                date_modified: post.updated.map(|t| t.to_string()),
                authors: post
                    .authors
                    .iter()
                    .map(|a| JsonFeedAuthor {
                        name: a.name.clone(),
                    })
                    .collect(),
                tags: post
                    .categories
                    .iter()
                    .chain(&post.tags)
                    .map(|t| t.name.clone())
                    .collect(),
            }
        })
        .collect();
    JsonFeed {
        version: "https://jsonfeed.org/version/1.1",
        title: channel.title.clone(),
        home_page_url: channel.home(),
        feed_url: channel.url("feed.json"),
        description: channel.description.clone(),
        items,
    }
}
