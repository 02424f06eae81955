//! `/api/v1/posts`: the post list with filters and pagination, whole or sparse (`fields=`),
//! and with `q` the posts matching a search.
//!
//! A whole page is assembled from each post's summary JSON, kept per content version in the
//! `SummaryCache`; it relies on a summary depending only on the post and the public URLs,
//! both fixed for one store generation, and on the assembled bytes being those of serializing a
//! `PostListResponse` (guarded by `an_assembled_list_is_the_serialized_list_response`).

use std::sync::Arc;

use actix_web::{HttpRequest, get, web};
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::openapi::schema::{AnyOfBuilder, Schema};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{PartialSchema, ToSchema};

use super::AppState;
use super::declared::Params;
use super::params::{PostFilterParams, PostListParams, SummaryField};
use super::preview::PreviewHeaders;
use super::search_pool::{self, Search, SearchUnavailableWithQ, unless_index_behind};
use super::wire::{ListMeta, Pagination, PostSummary, link_header, paginate};
use crate::domain::{Placeholders, Post};
use crate::error::{ApiError, Problem};
use crate::feeds::PublicUrls;
use crate::http::prepared::to_json;
use crate::http::{HttpContext, Prepared, SummaryCache};
use crate::store::SortOrder;

/// A post summary with only some of its fields, as `fields=` returns it: `slug` is always
/// there, the others only when named. Its schema is `PostSummary`'s with only `slug` required.
pub struct SparsePostSummary;

impl PartialSchema for SparsePostSummary {
    fn schema() -> RefOr<Schema> {
        match PostSummary::schema() {
            RefOr::T(Schema::Object(mut object)) => {
                object.required = vec!["slug".to_owned()];
                object.description = Some(
                    "A post summary with only `slug` and the fields named by `fields=`.".to_owned(),
                );
                RefOr::T(Schema::Object(object))
            }
            other => other,
        }
    }
}

impl ToSchema for SparsePostSummary {}

/// A page of posts, whole (`PostListResponse`) or, with `fields=`, sparse
/// (`SparsePostListResponse`, told apart by its `fields` member).
pub struct PostListPage;

impl PartialSchema for PostListPage {
    fn schema() -> RefOr<Schema> {
        AnyOfBuilder::new()
            .item(Ref::from_schema_name(PostListResponse::name()))
            .item(Ref::from_schema_name(SparsePostListResponse::name()))
            .description(Some(
                "A page of whole post summaries; with `fields=`, a sparse page that says which \
                 `fields` it carries.",
            ))
            .into()
    }
}

impl ToSchema for PostListPage {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((PostListResponse::name().into(), PostListResponse::schema()));
        <PostListResponse as ToSchema>::schemas(schemas);
        schemas.push((
            SparsePostListResponse::name().into(),
            SparsePostListResponse::schema(),
        ));
        <SparsePostListResponse as ToSchema>::schemas(schemas);
    }
}

/// A page of posts with every summary field.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PostListResponse {
    /// The posts on this page.
    pub data: Vec<PostSummary>,
    /// Pagination.
    pub meta: ListMeta,
}

/// A page of posts as `fields=` returns it: each item has `slug` and the named fields only.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SparsePostListResponse {
    /// The posts on this page, each with `slug` and the named fields.
    #[schema(value_type = Vec<SparsePostSummary>)]
    pub data: Vec<Map<String, Value>>,
    /// Pagination.
    pub meta: ListMeta,
    /// The fields asked for, as given to `fields=`. Only a sparse page has this member, so a
    /// client tells the two kinds of page apart by it.
    pub fields: Vec<SummaryField>,
}

/// Lists published posts, newest first, filtered and paginated; with `q`, the posts matching
/// the search, best first.
#[utoipa::path(
    tag = "posts",
    params(PostListParams, PostFilterParams, PreviewHeaders),
    security((), ("previewToken" = [])),
    responses(
        (status = 200, description = "A page of published posts: whole summaries, or with `fields=` a sparse page.", body = PostListPage,
            headers(
                ("X-Total-Count" = u64, description = "Matching posts across all pages."),
                ("Link" = String, description = "RFC 8288 links to the first, prev, next and last pages."),
            )),
        (status = 400, description = "A parameter has a value Quire does not accept; `parameter` names it.",
            body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "`preview=true` without `Authorization: Bearer <preview token>`, or preview is off.",
            body = Problem, content_type = "application/problem+json",
            headers(("WWW-Authenticate" = String, description = "`Bearer`: send the preview token as a bearer token."))),
        SearchUnavailableWithQ,
    )
)]
#[get("/posts")]
pub async fn list_posts(
    request: HttpRequest,
    query: Params<PostListParams>,
    state: web::Data<AppState>,
    http: web::Data<HttpContext>,
) -> Result<Prepared, ApiError> {
    let Params { params, raw } = query;
    let page = params.page();
    let PostListParams {
        sort,
        fields,
        preview,
        q,
        filter,
        ..
    } = params;
    let filter = filter.into_filter(preview);
    if preview && !state.preview.admits(&request) {
        return Err(ApiError::Unauthorized {
            detail:
                "`preview=true` needs `Authorization: Bearer <preview token>` (see --preview-token)"
                    .to_owned(),
        });
    }
    let store = state.store.load_full();
    let now = state.clock.now();
    let found;
    // With `q`, the index state the hits come from.
    let (posts, total, indexed) = match &q {
        Some(text) => {
            let search = Search {
                text,
                filter: &filter,
                sort: sort.map(SortOrder::from),
                page,
            };
            found = search_pool::run(&state, &store, search).await?;
            let posts: Vec<&Arc<Post>> = found.hits.iter().map(|hit| &hit.post).collect();
            (posts, found.total, Some(found.indexed))
        }
        None => {
            let sort = sort.map_or(SortOrder::DateDesc, SortOrder::from);
            let page = store.list_posts(&filter, sort, page, now);
            (page.posts, page.total, None)
        }
    };
    let pagination = paginate(page, total);
    let link = link_header(request.path(), &raw, &pagination);
    let body = match fields.is_empty() {
        true => assemble_list(
            &http.summaries,
            store.generation(),
            &posts,
            pagination,
            state.public_urls(),
            store.placeholders(),
        )?,
        false => {
            let data = posts
                .iter()
                .map(|post| PostSummary::new(post, state.public_urls(), store.placeholders()))
                .collect();
            to_json(&sparse_list(data, fields, pagination).map_err(|err| {
                log::error!("serializing a post list failed: {err}");
                ApiError::Internal
            })?)?
        }
    };
    let prepared = Prepared::json_bytes(body)
        .header("X-Total-Count", total.to_string())
        .header("Link", link)
        .modified(store.content_modified(now));
    Ok(match indexed {
        Some(indexed) => unless_index_behind(prepared, indexed, &store, now),
        None => prepared,
    })
}

/// A whole list page, `{"data": [...], "meta": ...}`, assembled from each post's summary JSON,
/// serialized once per content version; the same bytes as serializing a `PostListResponse`.
fn assemble_list(
    summaries: &SummaryCache,
    generation: u64,
    posts: &[&Arc<Post>],
    pagination: Pagination,
    urls: PublicUrls<'_>,
    placeholders: &Placeholders,
) -> Result<Vec<u8>, ApiError> {
    let mut body = Vec::with_capacity(64 + posts.len() * 1024);
    body.extend_from_slice(b"{\"data\":[");
    for (index, post) in posts.iter().enumerate() {
        if index > 0 {
            body.push(b',');
        }
        let summary = summaries.get_or_insert(generation, post.slug.as_str(), || {
            to_json(&PostSummary::new(post, urls, placeholders))
        })?;
        body.extend_from_slice(&summary);
    }
    body.extend_from_slice(b"],\"meta\":");
    body.extend_from_slice(&to_json(&ListMeta { pagination })?);
    body.push(b'}');
    Ok(body)
}

/// Keeps `slug` and the named fields of each summary.
fn sparse_list(
    data: Vec<PostSummary>,
    fields: Vec<SummaryField>,
    pagination: Pagination,
) -> serde_json::Result<SparsePostListResponse> {
    // The names as the summaries' keys are spelled: the fields' serde names.
    let Value::Array(names) = serde_json::to_value(&fields)? else {
        return Err(serde::ser::Error::custom("the fields are not a list"));
    };
    let mut items = Vec::with_capacity(data.len());
    for summary in data {
        let Value::Object(mut object) = serde_json::to_value(summary)? else {
            continue;
        };
        object.retain(|key, _| key == "slug" || names.iter().any(|name| name == key.as_str()));
        items.push(object);
    }
    Ok(SparsePostListResponse {
        data: items,
        meta: ListMeta { pagination },
        fields,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::{LoadOptions, parse_post};
    use crate::store::PageRequest;

    #[test]
    fn an_assembled_list_is_the_serialized_list_response() {
        let text = b"---\ntitle: A\ndate: 2025-01-01\ntags: [x]\nseries: S\n---\nBody.\n";
        let parsed = parse_post("a.md", text, LoadOptions::default());
        let post = parsed.post.expect("the post parses");
        let pagination = paginate(
            PageRequest {
                number: 1,
                size: 10,
            },
            1,
        );

        let options = crate::feeds::FeedOptions {
            content: crate::feeds::FeedContent::Full,
            post_url: "{base}/posts/{slug}".to_owned(),
        };
        let urls = PublicUrls {
            base_url: "https://x.org",
            options: &options,
        };

        let summaries = SummaryCache::default();
        let placeholders = Placeholders::default();
        let assembled = assemble_list(
            &summaries,
            1,
            &[&post, &post],
            pagination.clone(),
            urls,
            &placeholders,
        );

        let expected = serde_json::to_vec(&PostListResponse {
            data: vec![PostSummary::new(&post, urls, &placeholders); 2],
            meta: ListMeta { pagination },
        })
        .unwrap();
        assert_eq!(assembled.unwrap(), expected);
    }
}
