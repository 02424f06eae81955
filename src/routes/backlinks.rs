//! `/api/v1/posts/{slug}/backlinks`: the published posts that link to one post, for a
//! "mentioned in" list.

use actix_web::{get, web};
use serde::Serialize;
use utoipa::ToSchema;

use super::AppState;
use super::wire::PostSummary;
use crate::domain::Slug;
use crate::error::{ApiError, Problem};
use crate::http::Prepared;

/// A post that links to another, with the anchors it links to.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BacklinkResponse {
    /// The post that links.
    #[serde(flatten)]
    pub summary: PostSummary,
    /// The anchors of the linked post it points to (`install` for `other.md#install`), in the
    /// order written; empty when it links only to the post itself.
    pub anchors: Vec<String>,
}

/// The published posts that link to a post.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BacklinksResponse {
    /// Newest first.
    pub data: Vec<BacklinkResponse>,
}

/// The published posts whose body links to this post (to its source file, as
/// `[see](../other.md#setup)`), newest first, each with the anchors it links to.
#[utoipa::path(
    tag = "posts",
    params(("slug" = String, Path, description = "The post's slug.", example = "planning-poker-without-the-pain")),
    responses(
        (status = 200, description = "The posts linking to this one, newest first.", body = BacklinksResponse),
        (status = 404, description = "No published post has this slug.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/posts/{slug}/backlinks")]
pub async fn get_backlinks(
    slug: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<Prepared, ApiError> {
    let not_found =
        || ApiError::not_found(format!("there is no published post with slug `{slug}`"));
    let parsed = Slug::parse(&slug).map_err(|_| not_found())?;
    let store = state.store.load();
    let now = state.clock.now();
    store.find_post(&parsed, now).ok_or_else(not_found)?;
    let response = BacklinksResponse {
        data: store
            .backlinks(&parsed, now)
            .into_iter()
            .map(|backlink| BacklinkResponse {
                summary: PostSummary::new(backlink.post, state.public_urls(), store.placeholders()),
                anchors: backlink.anchors.iter().flatten().cloned().collect(),
            })
            .collect(),
    };
    Ok(Prepared::json(&response)?.modified(store.content_modified(now)))
}
