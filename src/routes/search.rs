//! `/api/v1/search` and `/api/v1/posts/{slug}/related`: ranked full-text search with snippets
//! and facets, and related posts with the reasons they are related.

use std::sync::Arc;

use actix_web::{HttpRequest, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use super::AppState;
use super::declared::Params;
use super::params::{PostFilterParams, RelatedParams, SearchParams};
use super::search_pool::{self, Search, SearchUnavailable, on_search_pool, unless_index_behind};
use super::wire::{Pagination, PostSummary, TermRef, TermResponse, link_header, paginate};
use crate::domain::Slug;
use crate::error::{ApiError, Problem};
use crate::http::Prepared;
use crate::store::SortOrder;

/// A search hit: the post's summary with its relevance and a highlighted snippet.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SearchHitResponse {
    /// The post.
    #[serde(flatten)]
    pub summary: PostSummary,
    /// Relevance (BM25 with field boosts); higher is better, comparable within one search.
    pub score: f32,
    /// Matching text with `<mark>` around the matches; all other HTML is escaped.
    #[schema(example = "Use <mark>planning</mark> poker to <mark>estimate</mark> stories.")]
    pub snippet: String,
}

/// Facet counts over all hits (not only this page).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SearchFacets {
    /// Hits by category, most first.
    pub categories: Vec<TermResponse>,
    /// Hits by tag, most first.
    pub tags: Vec<TermResponse>,
}

/// Metadata of a search response.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SearchMeta {
    /// Where this page is among all hits.
    pub pagination: Pagination,
    /// Counts of all hits by category and tag.
    pub facets: SearchFacets,
}

/// A page of search hits.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SearchResponse {
    /// The hits on this page, best first unless `sort` is given.
    pub data: Vec<SearchHitResponse>,
    /// Pagination and facets.
    pub meta: SearchMeta,
}

/// Searches published posts: ranked hits with snippets, and facet counts.
#[utoipa::path(
    tag = "search",
    params(SearchParams, PostFilterParams),
    responses(
        (status = 200, description = "A page of hits, best first unless `sort` is given, with facet counts over all hits.", body = SearchResponse,
            headers(
                ("X-Total-Count" = u64, description = "Hits across all pages."),
                ("Link" = String, description = "RFC 8288 links to the first, prev, next and last pages."),
            )),
        (status = 400, description = "`q` is missing, empty or longer than 256 characters, or another parameter has a value Quire does not accept; `parameter` names it.",
            body = Problem, content_type = "application/problem+json"),
        SearchUnavailable,
    )
)]
#[get("/search")]
pub async fn search(
    request: HttpRequest,
    query: Params<SearchParams>,
    state: web::Data<AppState>,
) -> Result<Prepared, ApiError> {
    let Params { params, raw } = query;
    let page = params.page();
    let SearchParams {
        q, sort, filter, ..
    } = params;
    let filter = filter.into_filter(false);
    let store = state.store.load_full();
    let search = Search {
        text: &q,
        filter: &filter,
        sort: sort.map(SortOrder::from),
        page,
    };
    let results = search_pool::run(&state, &store, search).await?;

    let pagination = paginate(page, results.total);
    let link = link_header(request.path(), &raw, &pagination);
    let body = SearchResponse {
        data: results
            .hits
            .iter()
            .map(|hit| SearchHitResponse {
                summary: PostSummary::new(&hit.post, state.public_urls(), store.placeholders()),
                score: hit.score,
                snippet: hit.snippet.clone(),
            })
            .collect(),
        meta: SearchMeta {
            pagination,
            facets: SearchFacets {
                categories: results.categories,
                tags: results.tags,
            },
        },
    };
    let prepared = Prepared::json(&body)?
        .header("X-Total-Count", results.total.to_string())
        .header("Link", link)
        .modified(store.content_modified(state.clock.now()));
    Ok(unless_index_behind(
        prepared,
        results.indexed,
        &store,
        results.now,
    ))
}

/// A related post and why it is related.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RelatedPostResponse {
    /// The related post.
    #[serde(flatten)]
    pub summary: PostSummary,
    /// Tags both posts carry.
    pub shared_tags: Vec<TermRef>,
    /// Whether both posts share a category.
    pub same_category: bool,
    /// The sum of `ln(published posts / posts with the tag)` over shared tags, 1 for a shared
    /// category, and up to 1 for closeness of text; higher is more related.
    pub score: f64,
}

/// Posts related to one post, most related first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RelatedResponse {
    /// Most related first; ties go to the newer post, then by slug.
    pub data: Vec<RelatedPostResponse>,
}

/// Posts related to a published post by shared tags (rare tags count more), category and text.
#[utoipa::path(
    tag = "posts",
    params(
        ("slug" = String, Path, description = "The post's slug.", example = "planning-poker-without-the-pain"),
        RelatedParams,
    ),
    responses(
        (status = 200, description = "Related posts, most related first, each with the reasons.", body = RelatedResponse),
        (status = 400, description = "`limit` is not a whole number from 1 to 20, or an unknown parameter was given; `parameter` names it.",
            body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No published post has this slug.", body = Problem, content_type = "application/problem+json"),
        SearchUnavailable,
    )
)]
#[get("/posts/{slug}/related")]
pub async fn related_posts(
    query: Params<RelatedParams>,
    slug: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<Prepared, ApiError> {
    let limit = query.params.limit;
    let not_found =
        || ApiError::not_found(format!("there is no published post with slug `{slug}`"));
    let parsed = Slug::parse(&slug).map_err(|_| not_found())?;
    let store = state.store.load_full();
    let now = state.clock.now();
    let searched = Arc::clone(&store);
    let (indexed, related) = on_search_pool(&state, move |index| {
        // Read before the search: the index only moves forward, so the hits are at least this new.
        let indexed = index.version();
        let related = index
            .related(&searched, &parsed, limit as usize, now)
            .map_err(|err| {
                log::error!("related posts of {parsed} failed: {err}");
                ApiError::Internal
            })?;
        // The shared tags borrow from the store, which stays on this thread: own them here.
        let related = related.map(|related| {
            related
                .into_iter()
                .map(|r| {
                    let shared_tags: Vec<TermRef> =
                        r.shared_tags.iter().map(|t| TermRef::from(*t)).collect();
                    (Arc::clone(r.post), shared_tags, r.same_category, r.score)
                })
                .collect::<Vec<_>>()
        });
        Ok((indexed, related))
    })
    .await?;
    let related = related.ok_or_else(not_found)?;
    let response = RelatedResponse {
        data: related
            .into_iter()
            .map(
                |(post, shared_tags, same_category, score)| RelatedPostResponse {
                    summary: PostSummary::new(&post, state.public_urls(), store.placeholders()),
                    shared_tags,
                    same_category,
                    score,
                },
            )
            .collect(),
    };
    let modified = store.content_modified(now);
    let prepared = Prepared::json(&response)?.modified(modified);
    Ok(unless_index_behind(prepared, indexed, &store, now))
}
