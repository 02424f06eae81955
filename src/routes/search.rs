//! `/api/v1/search` and `/api/v1/posts/{slug}/related`: ranked full-text search with snippets
//! and facets, and related posts with the reasons they are related.

use std::sync::Arc;

use actix_web::{HttpRequest, get, web};
use jiff::Timestamp;
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::posts::{
    Pagination, PostFilterParams, PostListQuery, PostSummary, SortParam, TermRef, link_header,
    paginate,
};
use super::query::RawQuery;
use super::terms::TermResponse;
use crate::domain::{Post, Slug};
use crate::error::{ApiError, Problem};
use crate::http::Prepared;
use crate::http::layers::content_modified;
use crate::search::{FacetCount, IndexVersion, SearchIndex, SearchRequest, SearchStatus};
use crate::store::Store;

/// A search's page of hits, owned, so that it can come back from the search pool.
pub(super) struct Found {
    /// The hits on the page.
    pub hits: Vec<FoundHit>,
    /// Hits across all pages.
    pub total: usize,
    /// Hits by category, most first.
    pub categories: Vec<TermResponse>,
    /// Hits by tag, most first.
    pub tags: Vec<TermResponse>,
    /// The index state the hits come from.
    pub indexed: IndexVersion,
    /// The instant the search decided what is published at.
    pub now: Timestamp,
}

/// One hit of [`Found`].
pub(super) struct FoundHit {
    pub post: Arc<Post>,
    pub score: f32,
    pub snippet: String,
}

/// Runs a search with the post list's filters and page; shared by `/posts?q=` and `/search`.
pub(super) async fn run(
    state: &AppState,
    store: &Arc<Store>,
    query: &PostListQuery,
    text: &str,
) -> Result<Found, ApiError> {
    let store = Arc::clone(store);
    let filter = query.filter.clone();
    let (sort, page, now) = (query.explicit_sort, query.page, state.clock.now());
    let text = text.to_owned();
    on_search_pool(state, move |index| {
        let request = SearchRequest {
            text: &text,
            filter: &filter,
            sort,
            page,
            now,
        };
        let results = index.search(&store, &request).map_err(|err| {
            log::error!("search for {text:?} failed: {err}");
            ApiError::Internal
        })?;
        Ok(Found {
            hits: results
                .hits
                .iter()
                .map(|hit| FoundHit {
                    post: Arc::clone(hit.post),
                    score: hit.score,
                    snippet: hit.snippet.clone(),
                })
                .collect(),
            total: results.total,
            categories: results.categories.iter().map(facet).collect(),
            tags: results.tags.iter().map(facet).collect(),
            indexed: results.indexed,
            now,
        })
    })
    .await
}

/// Runs `work` with the search index on actix's blocking pool, never on the request threads:
/// a search over a large site takes long enough that every other request queued on the same
/// thread (even `/healthz`) would wait for it. Answers 503 without the pool while the index is
/// not ready.
async fn on_search_pool<T: Send + 'static>(
    state: &AppState,
    work: impl FnOnce(&SearchIndex) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    index(state)?;
    let slot = Arc::clone(&state.search);
    web::block(move || {
        slot.probe();
        // The slot is filled once and never emptied, so the index checked above is still there.
        let index = slot.index().ok_or(ApiError::Internal)?;
        work(index)
    })
    .await
    .map_err(|err| {
        log::error!("a search could not run on the blocking pool: {err}");
        ApiError::Internal
    })?
}

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

fn facet(count: &FacetCount<'_>) -> TermResponse {
    TermResponse {
        name: count.term.name.clone(),
        slug: count.term.slug.to_string(),
        count: count.count,
    }
}

/// Query parameters of `/api/v1/search`: `q`, pagination and order; the post list's filters
/// are [`PostFilterParams`].
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // Documents the parameters; `PostListQuery` reads them.
pub struct SearchParams {
    /// What to search for, 1 to 256 characters. Every word must match (in the title, tags,
    /// categories, excerpt or body), as written or another form of it (`estimating` finds
    /// `estimate`), or one typo away for words of 5 or more letters; the last word also matches
    /// as a prefix while it is being typed (no space after it); `"quoted phrases"` must appear
    /// as written. Other punctuation is ignored, so no text is a syntax error.
    #[param(
        min_length = 1,
        max_length = 256,
        pattern = r"\S",
        example = "planning poker"
    )]
    q: String,
    /// Page number, from 1. A page past the end is empty.
    #[param(minimum = 1, maximum = 2147483647, default = 1)]
    page: Option<u32>,
    /// Hits per page.
    #[param(minimum = 1, maximum = 100, default = 10)]
    limit: Option<u32>,
    /// Order: best match first when absent; else newest first (`-date`), oldest first
    /// (`date`), or by title (`title`, `-title`).
    #[param(inline)]
    sort: Option<SortParam>,
}

/// The 503 of the routes here, which need the search index, in the OpenAPI document.
const SEARCH_UNAVAILABLE: &str = "The search index is not ready: it is being built after start-up (posts are served meanwhile), or building it failed.";

/// `/search` takes the post list's parameters except `fields`.
const SEARCH_PARAMETERS: &[&str] = &[
    "q",
    "page",
    "limit",
    "category",
    "tag",
    "tagMode",
    "excludeTag",
    "author",
    "from",
    "to",
    "sort",
];

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
        (status = 503, description = SEARCH_UNAVAILABLE, body = Problem, content_type = "application/problem+json",
            headers(
                ("Retry-After" = u32, description = "`1` (seconds) while the index is being built; absent when building it failed."),
                ("Cache-Control" = String, description = "`no-store`."),
            )),
    )
)]
#[get("/search")]
pub async fn search(
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<Prepared, ApiError> {
    let raw = RawQuery::parse(request.query_string())?;
    let query = PostListQuery::parse_known(&raw, SEARCH_PARAMETERS)?;
    let text = query
        .q
        .as_deref()
        .ok_or_else(|| ApiError::invalid("q", "`q` is required: give the text to search for"))?;
    let store = state.store.load_full();
    let results = run(&state, &store, &query, text).await?;

    let pagination = paginate(query.page, results.total);
    let link = link_header(request.path(), &raw, &pagination);
    let body = SearchResponse {
        data: results
            .hits
            .iter()
            .map(|hit| SearchHitResponse {
                summary: PostSummary::new(&hit.post, state.public_urls()),
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
        .modified(content_modified(&store, state.clock.now()));
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

/// Query parameters of the related posts.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // Documents the parameter; the handler reads it with `RawQuery`.
pub struct RelatedParams {
    /// How many related posts to return.
    #[param(minimum = 1, maximum = 20, default = 5)]
    limit: Option<u32>,
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
        (status = 503, description = SEARCH_UNAVAILABLE, body = Problem, content_type = "application/problem+json",
            headers(
                ("Retry-After" = u32, description = "`1` (seconds) while the index is being built; absent when building it failed."),
                ("Cache-Control" = String, description = "`no-store`."),
            )),
    )
)]
#[get("/posts/{slug}/related")]
pub async fn related_posts(
    request: HttpRequest,
    slug: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<Prepared, ApiError> {
    let raw = RawQuery::parse(request.query_string())?;
    raw.reject_unknown(&["limit"])?;
    let limit = raw.number("limit", 1, 20, 5)?;
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
                    summary: PostSummary::new(&post, state.public_urls()),
                    shared_tags,
                    same_category,
                    score,
                },
            )
            .collect(),
    };
    let modified = content_modified(&store, now);
    let prepared = Prepared::json(&response)?.modified(modified);
    Ok(unless_index_behind(prepared, indexed, &store, now))
}

/// The search index, or a 503 while it is being built (or when building it failed).
fn index(state: &AppState) -> Result<&SearchIndex, ApiError> {
    state
        .search
        .index()
        .ok_or_else(|| ApiError::SearchUnavailable {
            building: state.search.status() == SearchStatus::Building,
        })
}

/// A response computed from the index while it is still catching up with a reload, or with a
/// post going live or expiring, is sent but not cached, so the content version's cached answer
/// always comes from a current index. `indexed` is the index state the response was computed
/// from (read before searching, not after: an update finishing in between must not mark stale
/// hits current), `now` the instant the response's posts are published at.
pub(super) fn unless_index_behind(
    prepared: Prepared,
    indexed: IndexVersion,
    store: &Store,
    now: Timestamp,
) -> Prepared {
    if indexed.is_current(store, now) {
        prepared
    } else {
        prepared.no_store()
    }
}
