//! `/api/v1/meta`, `/api/v1/problems` and `/healthz`: what is served, what is wrong with the
//! content, and whether Quire is up.

use actix_web::{HttpRequest, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use super::AppState;
use crate::domain::{Problem as ContentProblem, ProblemKind, Severity};
use crate::error::ApiError;
use crate::http::Prepared;

/// How many published things there are.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Counts {
    /// Published posts.
    pub posts: usize,
    /// Categories with a published post.
    pub categories: usize,
    /// Tags with a published post.
    pub tags: usize,
    /// Authors with a published post.
    pub authors: usize,
}

/// The site and the content Quire serves.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MetaResponse {
    /// The site's title (`--site-title`).
    pub title: String,
    /// The site's description (`--site-description`).
    pub description: String,
    /// The site's public URL (`--base-url`).
    pub base_url: String,
    /// Published content counts.
    pub counts: Counts,
    /// The newest published post's date, RFC 3339; null when nothing is published.
    #[schema(format = DateTime, required = true)]
    pub newest_post_date: Option<String>,
    /// When the published content was loaded (the start, or the latest reload that changed
    /// it), RFC 3339.
    #[schema(format = DateTime)]
    pub content_loaded_at: String,
    /// The Quire version serving.
    #[schema(example = "0.1.0")]
    pub version: String,
    /// The content generation: 1 at start, one more for each reload that changed a published
    /// post (or its problems); saving a draft or a scheduled post does not count.
    #[schema(example = 1)]
    pub generation: u64,
    /// When the published content last changed (the start, or the latest reload that changed
    /// it), RFC 3339.
    #[schema(format = DateTime)]
    pub last_changed_at: String,
    /// The numbers of the latest reload that changed published content; null until then.
    #[schema(required = true)]
    pub last_reload: Option<LastReload>,
}

/// What the latest reload did and how long it took.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"filesParsed": 1, "tookMs": 3.2}))]
pub struct LastReload {
    /// Files read and parsed (new or changed ones only).
    pub files_parsed: usize,
    /// Milliseconds from listing the folder to serving the new content.
    pub took_ms: f64,
}

/// A problem found in a content file.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "path": "drafts/broken.md", "line": 4, "column": 7, "severity": "error",
    "message": "the front matter is not valid YAML: did not find expected ',' or ']'",
    "kind": "content"
}))]
pub struct ProblemResponse {
    /// The file, relative to the content folder.
    pub path: String,
    /// The 1-based line.
    pub line: usize,
    /// The 1-based column, where known.
    #[schema(required = true)]
    pub column: Option<usize>,
    /// `error`: the file is skipped; `warning`: it is served after a repair.
    pub severity: SeverityResponse,
    /// What is wrong and how to fix it.
    pub message: String,
    /// `content`: the file itself (front matter, encoding, body, address); `link`: a link or
    /// file a post points to (a broken link, a missing anchor or file, an image without alt
    /// text).
    pub kind: ProblemKindResponse,
}

/// What a content problem is about.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ProblemKindResponse {
    /// The file itself.
    Content,
    /// A link or a file the post points to.
    Link,
}

/// How bad a content problem is.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SeverityResponse {
    /// The file was skipped.
    Error,
    /// The file is served after a repair.
    Warning,
}

impl From<&ContentProblem> for ProblemResponse {
    fn from(problem: &ContentProblem) -> ProblemResponse {
        ProblemResponse {
            path: problem.path.clone(),
            line: problem.line,
            column: problem.column,
            severity: match problem.severity {
                Severity::Error => SeverityResponse::Error,
                Severity::Warning => SeverityResponse::Warning,
            },
            message: problem.message.clone(),
            kind: match problem.kind {
                ProblemKind::Content => ProblemKindResponse::Content,
                ProblemKind::Link => ProblemKindResponse::Link,
            },
        }
    }
}

/// Every content problem, by file and line.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProblemListResponse {
    /// The problems; empty when all content loaded cleanly.
    pub data: Vec<ProblemResponse>,
}

/// Liveness.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HealthResponse {
    /// Always `ok` when Quire answers.
    #[schema(example = "ok")]
    pub status: &'static str,
}

/// The site's settings and counts of what is published.
#[utoipa::path(tag = "meta", responses((status = 200, description = "Site and content metadata.", body = MetaResponse)))]
#[get("/meta")]
pub async fn get_meta(state: web::Data<AppState>) -> Result<Prepared, ApiError> {
    let store = state.store.load();
    let now = state.clock.now();
    let stats = store.stats(now);
    let modified = store
        .content_modified(now)
        .max(Some(store.public_changed_at()));
    Ok(Prepared::json(&MetaResponse {
        title: state.site.title.clone(),
        description: state.site.description.clone(),
        base_url: state.site.base_url.clone(),
        counts: Counts {
            posts: stats.posts,
            categories: stats.categories,
            tags: stats.tags,
            authors: stats.authors,
        },
        newest_post_date: stats.newest.map(|date| date.to_string()),
        content_loaded_at: store.public_changed_at().to_string(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        generation: store.public_generation(),
        last_changed_at: store.public_changed_at().to_string(),
        last_reload: state.reloader.last_reload().map(|last| LastReload {
            files_parsed: last.files_parsed,
            took_ms: last.took.as_secs_f64() * 1000.0,
        }),
    })?
    .modified(modified))
}

/// Problems found in content files: skipped files (errors) and repaired ones (warnings).
///
/// Without the preview token, only the problems of published posts' files are listed, since
/// any other names a draft, a scheduled or expired post, or a file that serves nothing. With
/// `Authorization: Bearer <preview token>` (`--preview-token`), every problem is listed,
/// marked `Cache-Control: private, no-store`.
#[utoipa::path(tag = "meta", responses((status = 200, description = "The content problems, by file and line: of published posts only, or all of them with the preview token.", body = ProblemListResponse)))]
#[get("/problems")]
pub async fn list_problems(
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<Prepared, ApiError> {
    let store = state.store.load();
    let data = if state.preview.admits(&request) {
        store.problems().iter().map(ProblemResponse::from).collect()
    } else {
        let now = state.clock.now();
        store
            .public_problems(now)
            .into_iter()
            .map(ProblemResponse::from)
            .collect()
    };
    Ok(Prepared::json(&ProblemListResponse { data })?.modified(Some(store.public_changed_at())))
}

/// Answers 200 while Quire is serving.
#[utoipa::path(tag = "meta", responses((status = 200, description = "Quire is serving.", body = HealthResponse)))]
#[get("/healthz")]
pub async fn healthz() -> Result<Prepared, ApiError> {
    Ok(Prepared::json(&HealthResponse { status: "ok" })?.no_store())
}
