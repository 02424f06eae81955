//! `/api/v1/categories`, `/tags` and `/authors`: taxonomy terms with their post counts.

use actix_web::{get, web};
use serde::Serialize;
use utoipa::ToSchema;

use super::AppState;
use super::wire::TermResponse;
use crate::domain::Slug;
use crate::error::{ApiError, Problem};
use crate::http::Prepared;
use crate::store::TaxonomyKind;

/// All terms of a taxonomy, most posts first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TermListResponse {
    /// The terms; only those with at least one published post.
    pub data: Vec<TermResponse>,
}

fn list(state: &AppState, kind: TaxonomyKind) -> Result<Prepared, ApiError> {
    let store = state.store.load();
    let now = state.clock.now();
    let data = store
        .terms(kind, now)
        .iter()
        .map(TermResponse::from)
        .collect();
    Ok(Prepared::json(&TermListResponse { data })?.modified(store.content_modified(now)))
}

fn find(state: &AppState, kind: TaxonomyKind, slug: &str) -> Result<Prepared, ApiError> {
    let noun = match kind {
        TaxonomyKind::Category => "category",
        TaxonomyKind::Tag => "tag",
        TaxonomyKind::Author => "author",
    };
    let not_found = || {
        ApiError::not_found(format!(
            "there is no {noun} with slug `{slug}` and a published post"
        ))
    };
    let slug = Slug::parse(slug).map_err(|_| not_found())?;
    let store = state.store.load();
    let now = state.clock.now();
    let term = store.find_term(kind, &slug, now).ok_or_else(not_found)?;
    Ok(Prepared::json(&TermResponse::from(&term))?.modified(store.content_modified(now)))
}

/// Lists categories with their published post counts.
#[utoipa::path(tag = "taxonomies", responses((status = 200, description = "Every category with a published post.", body = TermListResponse)))]
#[get("/categories")]
pub async fn list_categories(state: web::Data<AppState>) -> Result<Prepared, ApiError> {
    list(&state, TaxonomyKind::Category)
}

/// One category by slug.
#[utoipa::path(
    tag = "taxonomies",
    params(("slug" = String, Path, description = "The category's slug.", example = "estimation")),
    responses(
        (status = 200, description = "The category.", body = TermResponse),
        (status = 404, description = "No category with a published post has this slug.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/categories/{slug}")]
pub async fn get_category(
    slug: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<Prepared, ApiError> {
    find(&state, TaxonomyKind::Category, &slug)
}

/// Lists tags with their published post counts.
#[utoipa::path(tag = "taxonomies", responses((status = 200, description = "Every tag with a published post.", body = TermListResponse)))]
#[get("/tags")]
pub async fn list_tags(state: web::Data<AppState>) -> Result<Prepared, ApiError> {
    list(&state, TaxonomyKind::Tag)
}

/// One tag by slug.
#[utoipa::path(
    tag = "taxonomies",
    params(("slug" = String, Path, description = "The tag's slug.", example = "estimation")),
    responses(
        (status = 200, description = "The tag.", body = TermResponse),
        (status = 404, description = "No tag with a published post has this slug.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/tags/{slug}")]
pub async fn get_tag(
    slug: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<Prepared, ApiError> {
    find(&state, TaxonomyKind::Tag, &slug)
}

/// Lists authors with their published post counts.
#[utoipa::path(tag = "taxonomies", responses((status = 200, description = "Every author with a published post.", body = TermListResponse)))]
#[get("/authors")]
pub async fn list_authors(state: web::Data<AppState>) -> Result<Prepared, ApiError> {
    list(&state, TaxonomyKind::Author)
}

/// One author by slug.
#[utoipa::path(
    tag = "taxonomies",
    params(("slug" = String, Path, description = "The author's slug.", example = "storyscorer-team")),
    responses(
        (status = 200, description = "The author.", body = TermResponse),
        (status = 404, description = "No author with a published post has this slug.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/authors/{slug}")]
pub async fn get_author(
    slug: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<Prepared, ApiError> {
    find(&state, TaxonomyKind::Author, &slug)
}
