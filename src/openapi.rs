//! The OpenAPI document: general information here, paths and schemas collected from the
//! handlers registered in `routes::configure`.

use actix_web::App;
use utoipa::openapi::OpenApi as OpenApiDocument;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::AppExt;

use crate::routes;

/// Information and tags of Quire's API.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Quire",
        description = "A headless content API: a folder of Markdown posts with YAML or TOML front matter, served as JSON.\n\n\
            Lists are wrapped as `{\"data\": [...]}`; single resources are returned bare. Dates are RFC 3339. \
            Every error is an RFC 9457 `application/problem+json` body; a 400 names the offending `parameter`.",
        license(name = "MIT", identifier = "MIT"),
    ),
    tags(
        (name = "posts", description = "Published posts: lists with filters and pagination, single posts as JSON, HTML or Markdown."),
        (name = "taxonomies", description = "Categories, tags and authors with their published post counts."),
        (name = "meta", description = "The site, content problems and health."),
        (name = "events", description = "Change events: a Server-Sent Events stream of what each content reload changed."),
        (name = "search", description = "Ranked full-text search with snippets and facets."),
        (name = "media", description = "The images, video, audio and PDFs beside the posts, streamed from the content folder with ranges and strong validators."),
        (name = "feeds", description = "RSS 2.0, Atom and JSON Feed 1.1 feeds of the newest posts (site-wide, per category, per tag) and the sitemap."),
    ),
    modifiers(&PreviewTokenScheme),
)]
struct ApiDoc;

/// The name of the preview token's security scheme, as the routes that honour it cite it.
pub const PREVIEW_SCHEME: &str = "previewToken";

/// Declares the preview token as an HTTP bearer scheme, so Swagger UI offers an Authorize
/// button and the routes that honour it say so.
struct PreviewTokenScheme;

impl Modify for PreviewTokenScheme {
    fn modify(&self, document: &mut OpenApiDocument) {
        let components = document.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            PREVIEW_SCHEME,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "The preview token (`--preview-token`): with it, drafts, scheduled and \
                         expired posts are served too, marked `Cache-Control: private, no-store`. \
                         Optional: without it only published posts are served.",
                    ))
                    .build(),
            ),
        );
    }
}

/// The full OpenAPI document, as served at `/api-docs/openapi.json` and committed in
/// `openapi/openapi.json`.
pub fn document() -> OpenApiDocument {
    let (_, document) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(routes::configure)
        .split_for_parts();
    let mut document = document;
    crate::http::spec::declare_http_semantics(&mut document);
    crate::reload::webhook::declare(&mut document);
    document
}

/// The document as pretty-printed JSON with a trailing newline, the committed file's form.
pub fn document_json() -> String {
    let mut json = document().to_pretty_json().unwrap_or_default();
    json.push('\n');
    json
}
