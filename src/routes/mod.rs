//! HTTP handlers, one file per resource, with their wire types beside them. Handlers extract,
//! make one store call, and map the result to a response.

mod archive;
mod backlinks;
mod declared;
mod events;
mod feeds;
mod media;
mod meta;
mod ops;
mod params;
mod post;
mod posts;
pub mod preview;
mod query;
mod search;
mod search_pool;
mod terms;
mod wire;

use std::path::Path;
use std::sync::Arc;

use actix_web::dev::ResourceDef;
use actix_web::{HttpRequest, HttpResponse};
use arc_swap::ArcSwap;
use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::clock::Clock;
use crate::error::ApiError;
use crate::feeds::{FeedOptions, PublicUrls};
use crate::placeholders::PlaceholderProgress;
use crate::reload::Reloader;
use crate::search::SearchSlot;
use crate::store::Store;

pub use events::{DEFAULT_MAX_EVENT_STREAMS, EventStreams, STREAMS_RETRY_AFTER};
pub use meta::{HealthResponse, MetaResponse};
pub use ops::ReadyResponse;
pub use post::PostDetail;
pub use posts::PostListResponse;
pub use wire::PostSummary;

/// The site's own description, from configuration.
#[derive(Debug, Clone)]
pub struct Site {
    /// The site's title.
    pub title: String,
    /// The site's description.
    pub description: String,
    /// The public base URL, without a trailing slash.
    pub base_url: String,
}

/// What every handler can reach: the current store (swapped whole on reload), the site and
/// the clock.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The current content; `load()` never blocks.
    pub store: Arc<ArcSwap<Store>>,
    /// Site settings.
    pub site: Site,
    /// The source of "now" for scheduling.
    pub clock: Arc<dyn Clock>,
    /// Reload numbers and subscriptions to reload reports.
    pub reloader: Arc<Reloader>,
    /// The preview token, if preview is on.
    pub preview: preview::PreviewToken,
    /// The full-text index of the store's posts, once the background build has made it; it
    /// follows reloads through `SearchIndex::apply`.
    pub search: Arc<SearchSlot>,
    /// How far the background worker has got making the images' blur placeholders.
    pub placeholders: Arc<PlaceholderProgress>,
    /// How feeds and the sitemap are written.
    pub feeds: FeedOptions,
    /// The content folder, which `/media` reads the indexed files from.
    pub content: Arc<Path>,
}

impl AppState {
    /// Where posts and images are public, for `url` and `featuredImage`.
    pub fn public_urls(&self) -> PublicUrls<'_> {
        PublicUrls {
            base_url: &self.site.base_url,
            options: &self.feeds,
        }
    }
}

/// Registers every API handler; used both to serve and to generate the OpenAPI document.
pub fn configure(config: &mut ServiceConfig<'_>) {
    config.service(meta::healthz).service(
        scope::scope("/api/v1")
            .service(posts::list_posts)
            .service(post::get_post)
            .service(post::get_post_html)
            .service(post::get_post_markdown)
            .service(backlinks::get_backlinks)
            .service(terms::list_categories)
            .service(terms::get_category)
            .service(terms::list_tags)
            .service(terms::get_tag)
            .service(terms::list_authors)
            .service(terms::get_author)
            .service(meta::get_meta)
            .service(meta::list_problems)
            .service(events::stream_events)
            .service(search::search)
            .service(search::related_posts)
            .service(archive::get_archive),
    );
    config.service(ops::readyz).service(ops::metrics);
    config.service(media::get_media);
    config
        .service(feeds::rss_feed)
        .service(feeds::atom_feed)
        .service(feeds::json_feed)
        .service(feeds::category_rss_feed)
        .service(feeds::category_atom_feed)
        .service(feeds::category_json_feed)
        .service(feeds::tag_rss_feed)
        .service(feeds::tag_atom_feed)
        .service(feeds::tag_json_feed)
        .service(feeds::sitemap);
}

/// The paths Quire serves, to tell a wrong method (405) from an unknown path (404).
#[derive(Debug, Clone)]
pub struct KnownPaths(Arc<Vec<ResourceDef>>);

impl KnownPaths {
    /// Builds the matcher from the OpenAPI document's paths, which use the same `{name}` syntax.
    pub fn from_openapi(openapi: &utoipa::openapi::OpenApi) -> KnownPaths {
        let mut defs: Vec<ResourceDef> = openapi
            .paths
            .paths
            .keys()
            .map(|path| ResourceDef::new(path.as_str()))
            .collect();
        defs.push(ResourceDef::new("/swagger-ui/{_:.*}"));
        // The spec's `/media/{path}` stands for any depth of folders.
        defs.push(ResourceDef::new("/media/{_:.*}"));
        KnownPaths(Arc::new(defs))
    }

    fn contains(&self, path: &str) -> bool {
        self.0.iter().any(|def| def.is_match(path))
    }
}

/// The fallback for every request no route took: 405 when the path exists, else 404.
pub async fn fallback(
    request: HttpRequest,
    known: actix_web::web::Data<KnownPaths>,
) -> Result<HttpResponse, ApiError> {
    Err(if known.contains(request.path()) {
        ApiError::MethodNotAllowed { allow: "GET, HEAD" }
    } else {
        ApiError::not_found(format!(
            "there is nothing at {}; see /swagger-ui/ for the API",
            request.path()
        ))
    })
}
