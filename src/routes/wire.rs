//! Wire types more than one route returns (post summaries, term references and counts) and
//! the pagination every list shares: the API's shapes, apart from the domain types they are
//! made from, so either can change without the other.

use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;
use utoipa::openapi::schema::{AdditionalProperties, Object, ObjectBuilder, Schema, Type};

use super::query::RawQuery;
use crate::domain::{MediaFile, Placeholders, Post, SourceFormat, Term};
use crate::feeds::PublicUrls;
use crate::search::FacetCount;
use crate::store::{PageRequest, TermCount};

/// A category, tag or author as shown on a post.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"name": "Estimation", "slug": "estimation"}))]
pub struct TermRef {
    /// The name as written.
    pub name: String,
    /// The slug to filter or look it up by.
    pub slug: String,
}

impl From<&Term> for TermRef {
    fn from(term: &Term) -> TermRef {
        TermRef {
            name: term.name.clone(),
            slug: term.slug.to_string(),
        }
    }
}

/// How a post's body is written: `markdown`, or `mdx` for `.mdx` files (Markdown with
/// `import`/`export` lines and JSX components). `/markdown` returns the source in this format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum PostFormat {
    /// Markdown (`.md`, `.markdown`).
    Markdown,
    /// MDX (`.mdx`).
    Mdx,
}

impl From<SourceFormat> for PostFormat {
    fn from(format: SourceFormat) -> PostFormat {
        match format {
            SourceFormat::Markdown => PostFormat::Markdown,
            SourceFormat::Mdx => PostFormat::Mdx,
        }
    }
}

/// A post without its body, as lists show it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({
    "slug": "planning-poker-without-the-pain",
    "url": "https://blog.example.com/posts/planning-poker-without-the-pain",
    "title": "Planning Poker Without the Pain",
    "date": "2024-05-08T00:00:00Z",
    "updated": null,
    "author": {"name": "StoryScorer Team", "slug": "storyscorer-team"},
    "authors": [{"name": "StoryScorer Team", "slug": "storyscorer-team"}],
    "excerpt": "Planning Poker is simple on paper, yet many sessions stall in debate or collapse into groupthink. These practical adjustments keep estimates honest and meetings short.",
    "category": {"name": "Estimation", "slug": "estimation"},
    "categories": [{"name": "Estimation", "slug": "estimation"}],
    "tags": [
        {"name": "estimation", "slug": "estimation"},
        {"name": "planning poker", "slug": "planning-poker"},
        {"name": "meetings", "slug": "meetings"},
        {"name": "story points", "slug": "story-points"}
    ],
    "featuredImage": "https://blog.example.com/images/blog/planning-poker-without-the-pain.png",
    "featuredImageDetails": null,
    "metaDescription": "Make Planning Poker faster and more useful: card decks, facilitation rules, handling outliers, and when to stop debating and move on.",
    "readingTime": 4,
    "wordCount": 822,
    "format": "markdown",
    "extra": {"series": "Estimation Deep Dive"}
}))]
pub struct PostSummary {
    /// The unique key of the post.
    pub slug: String,
    /// The post's public page, from `--post-url` (default `{base}/posts/{slug}`): the link
    /// the feeds and the sitemap give.
    pub url: String,
    /// The title.
    pub title: String,
    /// Publication date, RFC 3339.
    #[schema(format = DateTime)]
    pub date: String,
    /// Last revision date, RFC 3339, if the writer gave one.
    #[schema(format = DateTime, required = true)]
    pub updated: Option<String>,
    /// The main author.
    #[schema(required = true)]
    pub author: Option<TermRef>,
    /// Every author, the main one first.
    pub authors: Vec<TermRef>,
    /// A plain-text summary: front matter `excerpt`, else the text before `<!--more-->`, else
    /// the first paragraph cut near 200 characters.
    pub excerpt: String,
    /// The main category.
    #[schema(required = true)]
    pub category: Option<TermRef>,
    /// Every category, the main one first.
    pub categories: Vec<TermRef>,
    /// Tags in the writer's order.
    pub tags: Vec<TermRef>,
    /// Image URL for cards: when the front matter names a file of the content folder
    /// (`./cover.jpg` beside the post, or `/images/a.png` from the folder's root), its
    /// `/media/` URL with its version; else as written, a path on the site (`/images/a.png`)
    /// made absolute against the base URL, as in the feeds.
    #[schema(required = true)]
    pub featured_image: Option<String>,
    /// The featured image's details when it is a file of the content folder: URL, size, and
    /// a blur placeholder once made. Null for an image elsewhere or none.
    #[schema(required = true)]
    pub featured_image_details: Option<ImageDetails>,
    /// Description for search engines.
    #[schema(required = true)]
    pub meta_description: Option<String>,
    /// Minutes to read at 212 words per minute, at least 1.
    pub reading_time: u32,
    /// Words in the body.
    pub word_count: usize,
    /// How the body is written: `markdown` or `mdx`.
    pub format: PostFormat,
    /// Front matter fields Quire does not know, as written: any JSON value under any name.
    #[schema(schema_with = extra_schema)]
    pub extra: Map<String, Value>,
}

/// `extra`'s schema: an object whose members may have any name and any value. Declared
/// free-form (`additionalProperties: true`) so typed clients read custom fields as `unknown`
/// rather than as a type with no members.
fn extra_schema() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .additional_properties(Some(AdditionalProperties::<Schema>::FreeForm(true)))
        .description(Some(
            "Front matter fields Quire does not know, as written: any JSON value under any name.",
        ))
        .examples([serde_json::json!({"series": "Estimation Deep Dive"})])
        .build()
}

impl PostSummary {
    /// The summary of `post`, its links made public with `urls`.
    pub fn new(post: &Post, urls: PublicUrls<'_>, placeholders: &Placeholders) -> PostSummary {
        PostSummary {
            slug: post.slug.to_string(),
            url: urls.post(post.slug.as_str()),
            title: post.title.clone(),
            date: post.date.to_string(),
            updated: post.updated.map(|t| t.to_string()),
            author: post.author().map(TermRef::from),
            authors: post.authors.iter().map(TermRef::from).collect(),
            excerpt: post.excerpt.clone(),
            category: post.category().map(TermRef::from),
            categories: post.categories.iter().map(TermRef::from).collect(),
            tags: post.tags.iter().map(TermRef::from).collect(),
            featured_image: urls.featured_image(post),
            featured_image_details: post
                .resolved
                .featured
                .as_ref()
                .map(|file| ImageDetails::new(file, &post.title, urls, placeholders)),
            meta_description: post.meta_description.clone(),
            reading_time: post.reading_time,
            word_count: post.word_count,
            format: post.format.into(),
            extra: post.extra.clone(),
        }
    }
}

/// A local image as a frontend shows it: what `<img>` and `next/image` take.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({
    "url": "https://blog.example.com/media/planning-poker/deck.jpg?v=1a2b3c4d",
    "width": 1200,
    "height": 800,
    "alt": "A deck of planning poker cards",
    "contentType": "image/jpeg",
    "blurDataUrl": "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAABAAAAALCAIAAAD5gJpuAAAA",
    "dominantColor": "#3a5f7d"
}))]
pub struct ImageDetails {
    /// The image's URL under `/media/`, with its version (`?v=`): cacheable for a year, and a
    /// new URL when the file changes.
    pub url: String,
    /// Width in pixels, from the file's header; null when the header does not say.
    #[schema(required = true)]
    pub width: Option<u32>,
    /// Height in pixels, from the file's header; null when the header does not say.
    #[schema(required = true)]
    pub height: Option<u32>,
    /// The alt text as written (for a featured image, the post's title); empty when none.
    pub alt: String,
    /// The image's media type, e.g. `image/jpeg`.
    pub content_type: String,
    /// A tiny blurred version of the image as a data URL (at most about 1 KB), for
    /// `next/image`'s `blurDataURL`; null until it is made (in the background after
    /// start-up) and for formats that are not decoded (SVG, AVIF).
    #[schema(required = true)]
    pub blur_data_url: Option<String>,
    /// The image's dominant colour, `#rrggbb`, for a solid placeholder; null like
    /// `blurDataUrl`.
    #[schema(required = true)]
    pub dominant_color: Option<String>,
}

impl ImageDetails {
    /// The details of a local image file shown with `alt`, with its placeholder once made.
    pub fn new(
        file: &MediaFile,
        alt: &str,
        urls: PublicUrls<'_>,
        placeholders: &Placeholders,
    ) -> ImageDetails {
        let placeholder = placeholders.get(&file.hash);
        ImageDetails {
            url: file.url(urls.base_url),
            width: file.dimensions.map(|(width, _)| width),
            height: file.dimensions.map(|(_, height)| height),
            alt: alt.to_owned(),
            content_type: file.content_type.to_owned(),
            blur_data_url: placeholder.map(|p| p.data_url.clone()),
            dominant_color: placeholder.map(|p| p.color.clone()),
        }
    }
}

/// Pagination of a list response.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Pagination {
    /// This page, from 1.
    pub page: u32,
    /// Posts per page.
    pub limit: u32,
    /// Matching posts across all pages.
    pub total: usize,
    /// Number of pages (at least 1).
    pub pages: u32,
    /// The next page, or null on the last one.
    #[schema(required = true)]
    pub next: Option<u32>,
    /// The previous page, or null on the first one.
    #[schema(required = true)]
    pub prev: Option<u32>,
}

/// Metadata of a list response.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ListMeta {
    /// Where this page is in the whole list.
    pub pagination: Pagination,
}

/// The pagination of page `page` of a list of `total` items.
pub fn paginate(page: PageRequest, total: usize) -> Pagination {
    let pages = u32::try_from(total.div_ceil(page.size as usize))
        .unwrap_or(u32::MAX)
        .max(1);
    Pagination {
        page: page.number,
        limit: page.size,
        total,
        pages,
        next: (page.number < pages).then(|| page.number + 1),
        prev: (page.number > 1).then(|| (page.number - 1).min(pages)),
    }
}

/// The RFC 8288 `Link` header of a list page: first, prev, next and last, each keeping the
/// other parameters as sent.
pub fn link_header(path: &str, query: &RawQuery, pagination: &Pagination) -> String {
    let link = |page: u32, rel: &str| format!("<{path}?{}>; rel=\"{rel}\"", query.with_page(page));
    let mut links = vec![link(1, "first")];
    links.extend(pagination.prev.map(|page| link(page, "prev")));
    links.extend(pagination.next.map(|page| link(page, "next")));
    links.push(link(pagination.pages, "last"));
    links.join(", ")
}

/// A category, tag or author with the number of published posts under it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"name": "Estimation", "slug": "estimation", "count": 3}))]
pub struct TermResponse {
    /// The name as written (the newest post's spelling).
    pub name: String,
    /// The slug to filter posts by.
    pub slug: String,
    /// Published posts carrying the term.
    pub count: usize,
}

impl From<&TermCount<'_>> for TermResponse {
    fn from(term: &TermCount<'_>) -> TermResponse {
        TermResponse {
            name: term.term.name.clone(),
            slug: term.term.slug.to_string(),
            count: term.count,
        }
    }
}

impl From<&FacetCount<'_>> for TermResponse {
    fn from(count: &FacetCount<'_>) -> TermResponse {
        TermResponse {
            name: count.term.name.clone(),
            slug: count.term.slug.to_string(),
            count: count.count,
        }
    }
}
