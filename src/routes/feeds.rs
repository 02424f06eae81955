//! `/feed.xml`, `/atom.xml`, `/feed.json` (site-wide and per category or tag) and
//! `/sitemap.xml`: the newest posts for feed readers and every post for search engines.

use actix_web::{get, web};

use super::AppState;
use crate::domain::Slug;
use crate::error::{ApiError, Problem};
use crate::feeds::{self, FEED_POSTS, FeedChannel, JsonFeed};
use crate::http::Prepared;
use crate::store::{PageRequest, PostFilter, SortOrder, TaxonomyKind};

/// The formats a feed is served in.
#[derive(Debug, Clone, Copy)]
enum Format {
    Rss,
    Atom,
    Json,
}

/// Builds a feed of the newest published posts, of the whole site or of one term.
fn feed(
    state: &AppState,
    term: Option<(TaxonomyKind, &str)>,
    format: Format,
) -> Result<Prepared, ApiError> {
    let store = state.store.load();
    let now = state.clock.now();
    let mut filter = PostFilter::default();
    let mut channel = FeedChannel {
        title: state.site.title.clone(),
        description: state.site.description.clone(),
        base_url: state.site.base_url.clone(),
        path: String::new(),
        author: state.site.title.clone(),
    };
    if let Some((kind, slug)) = term {
        let (noun, folder) = match kind {
            TaxonomyKind::Category => ("category", "categories"),
            TaxonomyKind::Tag => ("tag", "tags"),
            TaxonomyKind::Author => ("author", "authors"),
        };
        let not_found = || {
            ApiError::not_found(format!(
                "there is no {noun} with slug `{slug}` and a published post"
            ))
        };
        let parsed = Slug::parse(slug).map_err(|_| not_found())?;
        let found = store.find_term(kind, &parsed, now).ok_or_else(not_found)?;
        channel.title = format!("{}: {}", state.site.title, found.term.name);
        channel.path = format!("/{folder}/{parsed}");
        match kind {
            TaxonomyKind::Category => filter.categories = vec![parsed.to_string()],
            TaxonomyKind::Tag => filter.tags = vec![parsed.to_string()],
            TaxonomyKind::Author => filter.authors = vec![parsed.to_string()],
        }
    }
    let page = PageRequest {
        number: 1,
        size: FEED_POSTS,
    };
    let posts = store
        .list_posts(&filter, SortOrder::DateDesc, page, now)
        .posts;
    let prepared = match format {
        Format::Rss => Prepared::new(
            "application/rss+xml",
            feeds::rss(&channel, &posts, &state.feeds),
        ),
        Format::Atom => Prepared::new(
            "application/atom+xml",
            feeds::atom(&channel, &posts, &state.feeds),
        ),
        Format::Json => {
            let feed = feeds::json_feed(&channel, &posts, &state.feeds);
            Prepared::json(&feed)?.with_content_type("application/feed+json")
        }
    };
    Ok(prepared.modified(store.content_modified(now)))
}

/// The newest published posts as RSS 2.0.
#[utoipa::path(tag = "feeds", responses(
    (status = 200, description = "An RSS 2.0 feed of the 20 newest published posts.", body = String, content_type = "application/rss+xml"),
))]
#[get("/feed.xml")]
pub async fn rss_feed(state: web::Data<AppState>) -> Result<Prepared, ApiError> {
    feed(&state, None, Format::Rss)
}

/// The newest published posts as Atom.
#[utoipa::path(tag = "feeds", responses(
    (status = 200, description = "An Atom feed of the 20 newest published posts.", body = String, content_type = "application/atom+xml"),
))]
#[get("/atom.xml")]
pub async fn atom_feed(state: web::Data<AppState>) -> Result<Prepared, ApiError> {
    feed(&state, None, Format::Atom)
}

/// The newest published posts as JSON Feed 1.1.
#[utoipa::path(tag = "feeds", responses(
    (status = 200, description = "A JSON Feed 1.1 of the 20 newest published posts.", body = JsonFeed, content_type = "application/feed+json"),
))]
#[get("/feed.json")]
pub async fn json_feed(state: web::Data<AppState>) -> Result<Prepared, ApiError> {
    feed(&state, None, Format::Json)
}

/// The newest published posts of a category as RSS 2.0.
#[utoipa::path(tag = "feeds",
    params(("slug" = String, Path, description = "The category's slug.", example = "estimation")),
    responses(
        (status = 200, description = "An RSS 2.0 feed of the category's 20 newest published posts.", body = String, content_type = "application/rss+xml"),
        (status = 404, description = "No category with a published post has this slug.", body = Problem, content_type = "application/problem+json"),
))]
#[get("/categories/{slug}/feed.xml")]
pub async fn category_rss_feed(
    slug: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<Prepared, ApiError> {
    feed(&state, Some((TaxonomyKind::Category, &slug)), Format::Rss)
}

/// The newest published posts of a category as Atom.
#[utoipa::path(tag = "feeds",
    params(("slug" = String, Path, description = "The category's slug.", example = "estimation")),
    responses(
        (status = 200, description = "An Atom feed of the category's 20 newest published posts.", body = String, content_type = "application/atom+xml"),
        (status = 404, description = "No category with a published post has this slug.", body = Problem, content_type = "application/problem+json"),
))]
#[get("/categories/{slug}/atom.xml")]
pub async fn category_atom_feed(
    slug: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<Prepared, ApiError> {
    feed(&state, Some((TaxonomyKind::Category, &slug)), Format::Atom)
}

/// The newest published posts of a category as JSON Feed 1.1.
#[utoipa::path(tag = "feeds",
    params(("slug" = String, Path, description = "The category's slug.", example = "estimation")),
    responses(
        (status = 200, description = "A JSON Feed 1.1 of the category's 20 newest published posts.", body = JsonFeed, content_type = "application/feed+json"),
        (status = 404, description = "No category with a published post has this slug.", body = Problem, content_type = "application/problem+json"),
))]
#[get("/categories/{slug}/feed.json")]
pub async fn category_json_feed(
    slug: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<Prepared, ApiError> {
    feed(&state, Some((TaxonomyKind::Category, &slug)), Format::Json)
}

/// The newest published posts with a tag as RSS 2.0.
#[utoipa::path(tag = "feeds",
    params(("slug" = String, Path, description = "The tag's slug.", example = "estimation")),
    responses(
        (status = 200, description = "An RSS 2.0 feed of the tag's 20 newest published posts.", body = String, content_type = "application/rss+xml"),
        (status = 404, description = "No tag with a published post has this slug.", body = Problem, content_type = "application/problem+json"),
))]
#[get("/tags/{slug}/feed.xml")]
pub async fn tag_rss_feed(
    slug: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<Prepared, ApiError> {
    feed(&state, Some((TaxonomyKind::Tag, &slug)), Format::Rss)
}

/// The newest published posts with a tag as Atom.
#[utoipa::path(tag = "feeds",
    params(("slug" = String, Path, description = "The tag's slug.", example = "estimation")),
    responses(
        (status = 200, description = "An Atom feed of the tag's 20 newest published posts.", body = String, content_type = "application/atom+xml"),
        (status = 404, description = "No tag with a published post has this slug.", body = Problem, content_type = "application/problem+json"),
))]
#[get("/tags/{slug}/atom.xml")]
pub async fn tag_atom_feed(
    slug: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<Prepared, ApiError> {
    feed(&state, Some((TaxonomyKind::Tag, &slug)), Format::Atom)
}

/// The newest published posts with a tag as JSON Feed 1.1.
#[utoipa::path(tag = "feeds",
    params(("slug" = String, Path, description = "The tag's slug.", example = "estimation")),
    responses(
        (status = 200, description = "A JSON Feed 1.1 of the tag's 20 newest published posts.", body = JsonFeed, content_type = "application/feed+json"),
        (status = 404, description = "No tag with a published post has this slug.", body = Problem, content_type = "application/problem+json"),
))]
#[get("/tags/{slug}/feed.json")]
pub async fn tag_json_feed(
    slug: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<Prepared, ApiError> {
    feed(&state, Some((TaxonomyKind::Tag, &slug)), Format::Json)
}

/// Every published post for search engines.
#[utoipa::path(tag = "feeds", responses(
    (status = 200, description = "A sitemaps.org sitemap of every published post with its last change.", body = String, content_type = "application/xml"),
))]
#[get("/sitemap.xml")]
pub async fn sitemap(state: web::Data<AppState>) -> Prepared {
    let store = state.store.load();
    let now = state.clock.now();
    let everything = PageRequest {
        number: 1,
        size: u32::MAX,
    };
    let posts = store
        .list_posts(&PostFilter::default(), SortOrder::DateDesc, everything, now)
        .posts;
    Prepared::new(
        "application/xml",
        feeds::sitemap(&state.site.base_url, &posts, &state.feeds),
    )
    .modified(store.content_modified(now))
}
