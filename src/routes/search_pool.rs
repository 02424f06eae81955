//! Running the search index for the routes that need it (`/posts?q=`, `/search`, related
//! posts): on actix's blocking pool, a 503 while the index is not ready, and no caching of an
//! answer from an index that is behind the store.

use std::collections::BTreeMap;
use std::sync::Arc;

use actix_web::web;
use jiff::Timestamp;
use utoipa::IntoResponses;
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder, header::HeaderBuilder};

use super::AppState;
use super::wire::TermResponse;
use crate::domain::Post;
use crate::error::{ApiError, Problem};
use crate::http::Prepared;
use crate::search::{IndexVersion, SearchIndex, SearchRequest, SearchStatus};
use crate::store::{PageRequest, PostFilter, SortOrder, Store};

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

/// What one search asks for: the text, the post list's filters and page, and the order when
/// `sort` is given (else best match first).
pub(super) struct Search<'a> {
    pub text: &'a str,
    pub filter: &'a PostFilter,
    pub sort: Option<SortOrder>,
    pub page: PageRequest,
}

/// Runs a search with the post list's filters and page; shared by `/posts?q=` and `/search`.
pub(super) async fn run(
    state: &AppState,
    store: &Arc<Store>,
    search: Search<'_>,
) -> Result<Found, ApiError> {
    let store = Arc::clone(store);
    let filter = search.filter.clone();
    let (sort, page, now) = (search.sort, search.page, state.clock.now());
    let text = search.text.to_owned();
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
            categories: results.categories.iter().map(TermResponse::from).collect(),
            tags: results.tags.iter().map(TermResponse::from).collect(),
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
pub(super) async fn on_search_pool<T: Send + 'static>(
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

/// The 503 of the routes that need the search index, as the OpenAPI document shows it; `/posts`
/// gives it only with `q`, so its description says so.
fn search_unavailable(description: &str) -> BTreeMap<String, RefOr<utoipa::openapi::Response>> {
    let response = ResponseBuilder::new()
        .description(description)
        .content(
            "application/problem+json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name(
                    <Problem as utoipa::ToSchema>::name(),
                )))
                .build(),
        )
        .header(
            "Retry-After",
            HeaderBuilder::new()
                .schema(Some(<u32 as utoipa::PartialSchema>::schema()))
                .description(Some(
                    "`1` (seconds) while the index is being built; absent when building it failed.",
                ))
                .build(),
        )
        .header(
            "Cache-Control",
            HeaderBuilder::new()
                .schema(Some(<String as utoipa::PartialSchema>::schema()))
                .description(Some("`no-store`."))
                .build(),
        )
        .build();
    BTreeMap::from([("503".to_owned(), RefOr::T(response))])
}

/// The 503 of `/search` and the related posts: the search index is not ready.
pub(super) struct SearchUnavailable;

impl IntoResponses for SearchUnavailable {
    fn responses() -> BTreeMap<String, RefOr<utoipa::openapi::Response>> {
        search_unavailable(
            "The search index is not ready: it is being built after start-up (posts are served \
             meanwhile), or building it failed.",
        )
    }
}

/// The 503 of `/posts`, which needs the search index only with `q`.
pub(super) struct SearchUnavailableWithQ;

impl IntoResponses for SearchUnavailableWithQ {
    fn responses() -> BTreeMap<String, RefOr<utoipa::openapi::Response>> {
        search_unavailable(
            "Only with `q`: the search index is not ready: it is being built after start-up \
             (posts are served meanwhile), or building it failed.",
        )
    }
}
