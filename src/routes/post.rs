//! `/api/v1/posts/{slug}` and its `/html` and `/markdown` forms: one post, found by slug, as
//! JSON with its neighbours, or its body alone.

use actix_web::{HttpRequest, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use super::AppState;
use super::preview::PreviewHeaders;
use super::wire::{ImageDetails, PostSummary};
use crate::domain::TocEntry;
use crate::domain::{Post, Slug};
use crate::error::{ApiError, Problem};
use crate::http::Prepared;
use crate::store::{PostInContext, Store};

/// One entry of a table of contents.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(no_recursion)]
pub struct TocItem {
    /// Heading level, 1 to 6.
    pub level: u8,
    /// The heading's `id` in `html`, for `#` links.
    pub id: String,
    /// The heading's text.
    pub text: String,
    /// Headings nested under this one.
    pub children: Vec<TocItem>,
}

impl From<&TocEntry> for TocItem {
    fn from(entry: &TocEntry) -> TocItem {
        TocItem {
            level: entry.level,
            id: entry.id.clone(),
            text: entry.text.clone(),
            children: entry.children.iter().map(TocItem::from).collect(),
        }
    }
}

/// A neighbouring post, for previous/next links.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PostLink {
    /// The post's slug.
    pub slug: String,
    /// The post's title.
    pub title: String,
    /// Publication date, RFC 3339.
    #[schema(format = DateTime)]
    pub date: String,
}

impl From<&Post> for PostLink {
    fn from(post: &Post) -> PostLink {
        PostLink {
            slug: post.slug.to_string(),
            title: post.title.clone(),
            date: post.date.to_string(),
        }
    }
}

/// A whole post: the summary plus its rendered body and neighbours.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PostDetail {
    /// Everything a list shows.
    #[serde(flatten)]
    pub summary: PostSummary,
    /// The body as HTML, sanitized unless Quire runs with `--trust-html`.
    pub html: String,
    /// The nested table of contents; each heading's `id` is set in `html`.
    pub toc: Vec<TocItem>,
    /// Each image of the content folder the body shows, once, in the order of `html`, with
    /// its size, alt text and placeholder: what `next/image` needs for each.
    pub images: Vec<ImageDetails>,
    /// The next older published post.
    #[schema(required = true)]
    pub prev: Option<PostLink>,
    /// The next newer published post.
    #[schema(required = true)]
    pub next: Option<PostLink>,
}

/// Looks up a published post, or any post for a request with the preview token; a malformed
/// slug is a 404 like any unknown one, and never reaches the file system. Without the token a
/// draft or scheduled post is the same 404 as an unknown slug.
fn find<'a>(
    state: &AppState,
    request: &HttpRequest,
    slug: &str,
    store: &'a Store,
) -> Result<PostInContext<'a>, ApiError> {
    let not_found =
        || ApiError::not_found(format!("there is no published post with slug `{slug}`"));
    let slug = Slug::parse(slug).map_err(|_| not_found())?;
    let now = state.clock.now();
    if state.preview.admits(request) {
        store.find_post_for_preview(&slug, now)
    } else {
        store.find_post(&slug, now)
    }
    .ok_or_else(not_found)
}

/// One published post with its HTML body, table of contents and neighbours.
///
/// With `Authorization: Bearer <preview token>` (`--preview-token`), drafts and scheduled posts
/// are served too, marked `Cache-Control: private, no-store`; without it they are 404.
#[utoipa::path(
    tag = "posts",
    params(("slug" = String, Path, description = "The post's slug.", example = "planning-poker-without-the-pain"), PreviewHeaders),
    security((), ("previewToken" = [])),
    responses(
        (status = 200, description = "The post.", body = PostDetail),
        (status = 404, description = "No published post has this slug.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/posts/{slug}")]
pub async fn get_post(
    slug: web::Path<String>,
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<Prepared, ApiError> {
    let store = state.store.load();
    let found = find(&state, &request, &slug, &store)?;
    // The neighbours are part of the body, so their files and the last visibility change
    // count towards Last-Modified.
    let modified = [Some(found.post), found.previous, found.next]
        .into_iter()
        .flatten()
        .filter_map(|post| post.modified)
        .chain(store.last_change_at_or_before(state.clock.now()))
        .max();
    Ok(Prepared::json(&PostDetail {
        summary: PostSummary::new(found.post, state.public_urls(), store.placeholders()),
        html: found.post.body.html(),
        toc: found.post.toc.iter().map(TocItem::from).collect(),
        images: found
            .post
            .resolved
            .images
            .iter()
            .map(|image| {
                ImageDetails::new(
                    &image.file,
                    &image.alt,
                    state.public_urls(),
                    store.placeholders(),
                )
            })
            .collect(),
        prev: found.previous.map(|p| PostLink::from(p.as_ref())),
        next: found.next.map(|p| PostLink::from(p.as_ref())),
    })?
    .modified(modified))
}

/// A published post's rendered body as an HTML fragment.
///
/// With `Authorization: Bearer <preview token>` (`--preview-token`), drafts and scheduled posts
/// are served too, marked `Cache-Control: private, no-store`; without it they are 404.
#[utoipa::path(
    tag = "posts",
    params(("slug" = String, Path, description = "The post's slug.", example = "planning-poker-without-the-pain"), PreviewHeaders),
    security((), ("previewToken" = [])),
    responses(
        (status = 200, description = "The body as an HTML fragment.", body = String, content_type = "text/html; charset=utf-8"),
        (status = 404, description = "No published post has this slug.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/posts/{slug}/html")]
pub async fn get_post_html(
    slug: web::Path<String>,
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<Prepared, ApiError> {
    body(&state, &request, &slug, BodyForm::Html)
}

/// A published post's body as written, without front matter.
///
/// Markdown, or for an `.mdx` post its MDX source (`import`/`export` lines and components
/// kept), as MDX compilers take it; the post's `format` says which.
/// With `Authorization: Bearer <preview token>` (`--preview-token`), drafts and scheduled posts
/// are served too, marked `Cache-Control: private, no-store`; without it they are 404.
#[utoipa::path(
    tag = "posts",
    params(("slug" = String, Path, description = "The post's slug.", example = "planning-poker-without-the-pain"), PreviewHeaders),
    security((), ("previewToken" = [])),
    responses(
        (status = 200, description = "The body as written: Markdown, or MDX when the post's `format` is `mdx`.", body = String, content_type = "text/markdown; charset=utf-8"),
        (status = 404, description = "No published post has this slug.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/posts/{slug}/markdown")]
pub async fn get_post_markdown(
    slug: web::Path<String>,
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<Prepared, ApiError> {
    body(&state, &request, &slug, BodyForm::Markdown)
}

/// The two forms a post's body is served in alone.
#[derive(Debug, Clone, Copy)]
enum BodyForm {
    /// The rendered HTML fragment.
    Html,
    /// The source as written (Markdown or MDX).
    Markdown,
}

/// A post's body alone, in `form`, dated by the post's own file.
fn body(
    state: &AppState,
    request: &HttpRequest,
    slug: &str,
    form: BodyForm,
) -> Result<Prepared, ApiError> {
    let store = state.store.load();
    let found = find(state, request, slug, &store)?;
    let (content_type, text) = match form {
        BodyForm::Html => ("text/html; charset=utf-8", found.post.body.html()),
        BodyForm::Markdown => ("text/markdown; charset=utf-8", found.post.body.markdown()),
    };
    Ok(Prepared::new(content_type, text).modified(found.post.modified))
}
