//! `/api/v1/posts`: the post list with filters and pagination, and single posts as JSON, HTML
//! and Markdown.

use std::sync::Arc;

use actix_web::{HttpRequest, get, web};
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::openapi::schema::{
    AdditionalProperties, AnyOfBuilder, Object, ObjectBuilder, Schema, Type,
};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{IntoParams, PartialSchema, ToSchema};

use super::AppState;
use super::preview::PreviewHeaders;
use super::query::RawQuery;
use crate::content::markdown::TocEntry;
use crate::domain::{Post, Slug, SourceFormat, Term};
use crate::error::{ApiError, Problem};
use crate::feeds::PublicUrls;
use crate::http::layers::content_modified;
use crate::http::prepared::to_json;
use crate::http::{HttpContext, Prepared, SummaryCache};
use crate::store::{PageRequest, PostFilter, SortOrder, TagMode};

/// A category, tag or author as shown on a post.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"name": "Estimation", "slug": "estimation"}))]
pub struct TermRef {
    /// The name as written.
    pub name: String,
    /// The slug to filter or look it up by.
    pub slug: String,
}

impl From<&Term> for TermRef {
    fn from(term: &Term) -> TermRef {
        TermRef {
            name: term.name.clone(),
            slug: term.slug.to_string(),
        }
    }
}

/// How a post's body is written: `markdown`, or `mdx` for `.mdx` files (Markdown with
/// `import`/`export` lines and JSX components). `/markdown` returns the source in this format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum PostFormat {
    /// Markdown (`.md`, `.markdown`).
    Markdown,
    /// MDX (`.mdx`).
    Mdx,
}

impl From<SourceFormat> for PostFormat {
    fn from(format: SourceFormat) -> PostFormat {
        match format {
            SourceFormat::Markdown => PostFormat::Markdown,
            SourceFormat::Mdx => PostFormat::Mdx,
        }
    }
}

/// A post without its body, as lists show it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({
    "slug": "planning-poker-without-the-pain",
    "url": "https://blog.example.com/posts/planning-poker-without-the-pain",
    "title": "Planning Poker Without the Pain",
    "date": "2024-05-08T00:00:00Z",
    "updated": null,
    "author": {"name": "StoryScorer Team", "slug": "storyscorer-team"},
    "authors": [{"name": "StoryScorer Team", "slug": "storyscorer-team"}],
    "excerpt": "Planning Poker is simple on paper, yet many sessions stall in debate or collapse into groupthink. These practical adjustments keep estimates honest and meetings short.",
    "category": {"name": "Estimation", "slug": "estimation"},
    "categories": [{"name": "Estimation", "slug": "estimation"}],
    "tags": [
        {"name": "estimation", "slug": "estimation"},
        {"name": "planning poker", "slug": "planning-poker"},
        {"name": "meetings", "slug": "meetings"},
        {"name": "story points", "slug": "story-points"}
    ],
    "featuredImage": "https://blog.example.com/images/blog/planning-poker-without-the-pain.png",
    "metaDescription": "Make Planning Poker faster and more useful: card decks, facilitation rules, handling outliers, and when to stop debating and move on.",
    "readingTime": 4,
    "wordCount": 822,
    "format": "markdown",
    "extra": {"series": "Estimation Deep Dive"}
}))]
pub struct PostSummary {
    /// The unique key of the post.
    pub slug: String,
    /// The post's public page, from `--post-url` (default `{base}/posts/{slug}`): the link
    /// the feeds and the sitemap give.
    pub url: String,
    /// The title.
    pub title: String,
    /// Publication date, RFC 3339.
    #[schema(format = DateTime)]
    pub date: String,
    /// Last revision date, RFC 3339, if the writer gave one.
    #[schema(format = DateTime, required = true)]
    pub updated: Option<String>,
    /// The main author.
    #[schema(required = true)]
    pub author: Option<TermRef>,
    /// Every author, the main one first.
    pub authors: Vec<TermRef>,
    /// A plain-text summary: front matter `excerpt`, else the text before `<!--more-->`, else
    /// the first paragraph cut near 200 characters.
    pub excerpt: String,
    /// The main category.
    #[schema(required = true)]
    pub category: Option<TermRef>,
    /// Every category, the main one first.
    pub categories: Vec<TermRef>,
    /// Tags in the writer's order.
    pub tags: Vec<TermRef>,
    /// Image URL for cards; a path on the site (`/images/a.png`) is made absolute against the
    /// base URL, as in the feeds.
    #[schema(required = true)]
    pub featured_image: Option<String>,
    /// Description for search engines.
    #[schema(required = true)]
    pub meta_description: Option<String>,
    /// Minutes to read at 212 words per minute, at least 1.
    pub reading_time: u32,
    /// Words in the body.
    pub word_count: usize,
    /// How the body is written: `markdown` or `mdx`.
    pub format: PostFormat,
    /// Front matter fields Quire does not know, as written: any JSON value under any name.
    #[schema(schema_with = extra_schema)]
    pub extra: Map<String, Value>,
}

/// `extra`'s schema: an object whose members may have any name and any value. Declared
/// free-form (`additionalProperties: true`) so typed clients read custom fields as `unknown`
/// rather than as a type with no members.
fn extra_schema() -> Object {
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .additional_properties(Some(AdditionalProperties::<Schema>::FreeForm(true)))
        .description(Some(
            "Front matter fields Quire does not know, as written: any JSON value under any name.",
        ))
        .examples([serde_json::json!({"series": "Estimation Deep Dive"})])
        .build()
}

impl PostSummary {
    /// The summary of `post`, its links made public with `urls`.
    pub fn new(post: &Post, urls: PublicUrls<'_>) -> PostSummary {
        PostSummary {
            slug: post.slug.to_string(),
            url: urls.post(post.slug.as_str()),
            title: post.title.clone(),
            date: post.date.to_string(),
            updated: post.updated.map(|t| t.to_string()),
            author: post.author().map(TermRef::from),
            authors: post.authors.iter().map(TermRef::from).collect(),
            excerpt: post.excerpt.clone(),
            category: post.category().map(TermRef::from),
            categories: post.categories.iter().map(TermRef::from).collect(),
            tags: post.tags.iter().map(TermRef::from).collect(),
            featured_image: post
                .featured_image
                .as_deref()
                .map(|image| urls.image(image)),
            meta_description: post.meta_description.clone(),
            reading_time: post.reading_time,
            word_count: post.word_count,
            format: post.format.into(),
            extra: post.extra.clone(),
        }
    }
}

/// The fields `fields=` may name.
const SUMMARY_FIELDS: &[&str] = &[
    "slug",
    "url",
    "title",
    "date",
    "updated",
    "author",
    "authors",
    "excerpt",
    "category",
    "categories",
    "tags",
    "featuredImage",
    "metaDescription",
    "readingTime",
    "wordCount",
    "format",
    "extra",
];

/// One entry of a table of contents.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(no_recursion)]
pub struct TocItem {
    /// Heading level, 1 to 6.
    pub level: u8,
    /// The heading's `id` in `html`, for `#` links.
    pub id: String,
    /// The heading's text.
    pub text: String,
    /// Headings nested under this one.
    pub children: Vec<TocItem>,
}

impl From<&TocEntry> for TocItem {
    fn from(entry: &TocEntry) -> TocItem {
        TocItem {
            level: entry.level,
            id: entry.id.clone(),
            text: entry.text.clone(),
            children: entry.children.iter().map(TocItem::from).collect(),
        }
    }
}

/// A neighbouring post, for previous/next links.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PostLink {
    /// The post's slug.
    pub slug: String,
    /// The post's title.
    pub title: String,
    /// Publication date, RFC 3339.
    #[schema(format = DateTime)]
    pub date: String,
}

impl From<&Post> for PostLink {
    fn from(post: &Post) -> PostLink {
        PostLink {
            slug: post.slug.to_string(),
            title: post.title.clone(),
            date: post.date.to_string(),
        }
    }
}

/// A whole post: the summary plus its rendered body and neighbours.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PostDetail {
    /// Everything a list shows.
    #[serde(flatten)]
    pub summary: PostSummary,
    /// The body as HTML, sanitized unless Quire runs with `--trust-html`.
    pub html: String,
    /// The nested table of contents; each heading's `id` is set in `html`.
    pub toc: Vec<TocItem>,
    /// The next older published post.
    #[schema(required = true)]
    pub prev: Option<PostLink>,
    /// The next newer published post.
    #[schema(required = true)]
    pub next: Option<PostLink>,
}

/// Pagination of a list response.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Pagination {
    /// This page, from 1.
    pub page: u32,
    /// Posts per page.
    pub limit: u32,
    /// Matching posts across all pages.
    pub total: usize,
    /// Number of pages (at least 1).
    pub pages: u32,
    /// The next page, or null on the last one.
    #[schema(required = true)]
    pub next: Option<u32>,
    /// The previous page, or null on the first one.
    #[schema(required = true)]
    pub prev: Option<u32>,
}

/// Metadata of a list response.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ListMeta {
    /// Where this page is in the whole list.
    pub pagination: Pagination,
}

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
    #[schema(value_type = Vec<SummaryField>)]
    pub fields: Vec<String>,
}

/// Query parameters of `GET /api/v1/posts`. Term filters match by slug, so a name such as
/// `Backlog Refinement` works too (a value with no letters or digits matches no term); list parameters take commas or repeats (`tag=a,b`, `tag=a&tag=b`).
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // Documents the parameters; `PostListQuery::parse` reads them.
pub struct PostListParams {
    /// Page number, from 1. A page past the end is empty.
    #[param(minimum = 1, maximum = 2147483647, default = 1)]
    page: Option<u32>,
    /// Posts per page.
    #[param(minimum = 1, maximum = 100, default = 10)]
    limit: Option<u32>,
    /// Order: newest first (`-date`, the default), oldest first (`date`), or by title (`title`, `-title`).
    #[param(inline)]
    sort: Option<SortParam>,
    /// Summary fields to return, repeated or comma-separated (`fields=title,date`); `slug` is
    /// always included.
    #[param(value_type = Option<Vec<SummaryField>>, inline)]
    fields: Option<String>,
    /// `true` lists drafts, scheduled and expired posts too; it needs `Authorization: Bearer
    /// <preview token>` (see `--preview-token`), else the answer is 401.
    #[param(default = false)]
    preview: Option<bool>,
    /// Search text (at most 256 characters): the list becomes the matching posts, best first
    /// unless `sort` is given. See `/api/v1/search` for the syntax.
    #[param(
        max_length = 256,
        min_length = 1,
        pattern = r"\S",
        example = "estimation"
    )]
    q: Option<String>,
}

/// The filters `GET /api/v1/posts` and `GET /api/v1/search` share. Term filters match by slug,
/// so a name such as `Backlog Refinement` works too (a value with no letters or digits matches
/// no term); list parameters take commas or repeats (`tag=a,b`, `tag=a&tag=b`).
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // Documents the parameters; `PostListQuery::parse` reads them.
pub struct PostFilterParams {
    /// Only posts in any of these categories (comma-separated names or slugs).
    #[param(example = "estimation")]
    category: Option<String>,
    /// Only posts with these tags (comma-separated names or slugs); see `tagMode`.
    #[param(example = "estimation,meetings")]
    tag: Option<String>,
    /// `any` (the default): posts with at least one of the tags; `all`: posts with every one.
    #[param(rename = "tagMode", inline)]
    tag_mode: Option<TagModeParam>,
    /// Leave out posts with any of these tags (comma-separated).
    #[param(rename = "excludeTag")]
    exclude_tag: Option<String>,
    /// Only posts by any of these authors (comma-separated names or slugs).
    author: Option<String>,
    /// Only posts dated on or after this date. An RFC 3339 instant such as
    /// `2025-01-01T12:00:00Z` is accepted too.
    #[param(format = Date, example = "2024-01-01")]
    from: Option<String>,
    /// Only posts dated on or before this date; a plain date includes the whole day. An RFC 3339
    /// instant is accepted too.
    #[param(format = Date, example = "2025-12-31")]
    to: Option<String>,
}

/// Names `fields=` accepts.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
pub enum SummaryField {
    Slug,
    Url,
    Title,
    Date,
    Updated,
    Author,
    Authors,
    Excerpt,
    Category,
    Categories,
    Tags,
    FeaturedImage,
    MetaDescription,
    ReadingTime,
    WordCount,
    Extra,
}

/// Values of `tagMode`.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
pub(super) enum TagModeParam {
    Any,
    All,
}

/// Values of `sort`.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[allow(dead_code)]
pub(super) enum SortParam {
    #[serde(rename = "-date")]
    DateDesc,
    #[serde(rename = "date")]
    DateAsc,
    #[serde(rename = "title")]
    TitleAsc,
    #[serde(rename = "-title")]
    TitleDesc,
}

/// The checked query of a post list.
#[derive(Debug)]
pub(super) struct PostListQuery {
    pub(super) filter: PostFilter,
    sort: SortOrder,
    pub(super) page: PageRequest,
    fields: Option<Vec<String>>,
    /// Search text: with it, the list is search hits, best first unless `sort` is given.
    pub(super) q: Option<String>,
    /// The order when `sort` is given.
    pub(super) explicit_sort: Option<SortOrder>,
}

impl PostListQuery {
    const PARAMETERS: &[&str] = &[
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
        "fields",
        "preview",
        "q",
    ];

    fn parse(query: &RawQuery) -> Result<PostListQuery, ApiError> {
        Self::parse_known(query, Self::PARAMETERS)
    }

    /// Parses the post list's parameters, accepting only `known` ones.
    pub(super) fn parse_known(query: &RawQuery, known: &[&str]) -> Result<PostListQuery, ApiError> {
        query.reject_unknown(known)?;
        // `from` after `to` is a valid, empty range, not an error.
        let from = query.date_bound("from", false)?;
        let to = query.date_bound("to", true)?;
        let filter = PostFilter {
            categories: query.term_keys("category")?,
            tags: query.term_keys("tag")?,
            tag_mode: query.choice(
                "tagMode",
                &[("any", TagMode::Any), ("all", TagMode::All)],
                TagMode::Any,
            )?,
            exclude_tags: query.term_keys("excludeTag")?,
            authors: query.term_keys("author")?,
            from,
            to,
            preview: query.choice("preview", &[("true", true), ("false", false)], false)?,
        };
        let sort = query.choice(
            "sort",
            &[
                ("-date", SortOrder::DateDesc),
                ("date", SortOrder::DateAsc),
                ("title", SortOrder::TitleAsc),
                ("-title", SortOrder::TitleDesc),
            ],
            SortOrder::DateDesc,
        )?;
        let page = PageRequest {
            number: query.number("page", 1, i32::MAX as u32, 1)?,
            size: query.number("limit", 1, 100, 10)?,
        };
        let fields = match query.word_list("fields", SUMMARY_FIELDS)? {
            names if names.is_empty() => None,
            names => Some(names.into_iter().map(str::to_owned).collect()),
        };
        Ok(PostListQuery {
            filter,
            sort,
            page,
            fields,
            q: query
                .single("q")?
                .and(query.untrimmed("q"))
                .map(str::to_owned),
            explicit_sort: query.single("sort")?.map(|_| sort),
        })
    }
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
        (status = 503, description = "Only with `q`: the search index is not ready: it is being built after start-up (posts are served meanwhile), or building it failed.",
            body = Problem, content_type = "application/problem+json",
            headers(
                ("Retry-After" = u32, description = "`1` (seconds) while the index is being built; absent when building it failed."),
                ("Cache-Control" = String, description = "`no-store`."),
            )),
    )
)]
#[get("/posts")]
pub async fn list_posts(
    request: HttpRequest,
    state: web::Data<AppState>,
    http: web::Data<HttpContext>,
) -> Result<Prepared, ApiError> {
    let raw = RawQuery::parse(request.query_string())?;
    let query = PostListQuery::parse(&raw)?;
    if query.filter.preview && !state.preview.admits(&request) {
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
    let (posts, total, indexed) = match &query.q {
        Some(text) => {
            found = super::search::run(&state, &store, &query, text).await?;
            let posts: Vec<&Arc<Post>> = found.hits.iter().map(|hit| &hit.post).collect();
            (posts, found.total, Some(found.indexed))
        }
        None => {
            let page = store.list_posts(&query.filter, query.sort, query.page, now);
            (page.posts, page.total, None)
        }
    };
    let pagination = paginate(query.page, total);
    let link = link_header(request.path(), &raw, &pagination);
    let body = match &query.fields {
        None => assemble_list(
            &http.summaries,
            store.generation(),
            &posts,
            pagination,
            state.public_urls(),
        )?,
        Some(fields) => {
            let data = posts
                .iter()
                .map(|post| PostSummary::new(post, state.public_urls()))
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
        .modified(content_modified(&store, now));
    Ok(match indexed {
        Some(indexed) => super::search::unless_index_behind(prepared, indexed, &store, now),
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
) -> Result<Vec<u8>, ApiError> {
    let mut body = Vec::with_capacity(64 + posts.len() * 1024);
    body.extend_from_slice(b"{\"data\":[");
    for (index, post) in posts.iter().enumerate() {
        if index > 0 {
            body.push(b',');
        }
        let summary = summaries.get_or_insert(generation, post.slug.as_str(), || {
            to_json(&PostSummary::new(post, urls))
        })?;
        body.extend_from_slice(&summary);
    }
    body.extend_from_slice(b"],\"meta\":");
    body.extend_from_slice(&to_json(&ListMeta { pagination })?);
    body.push(b'}');
    Ok(body)
}

pub(super) fn paginate(page: PageRequest, total: usize) -> Pagination {
    let pages = u32::try_from(total.div_ceil(page.size as usize))
        .unwrap_or(u32::MAX)
        .max(1);
    Pagination {
        page: page.number,
        limit: page.size,
        total,
        pages,
        next: (page.number < pages).then(|| page.number + 1),
        prev: (page.number > 1).then(|| (page.number - 1).min(pages)),
    }
}

pub(super) fn link_header(path: &str, query: &RawQuery, pagination: &Pagination) -> String {
    let link = |page: u32, rel: &str| format!("<{path}?{}>; rel=\"{rel}\"", query.with_page(page));
    let mut links = vec![link(1, "first")];
    links.extend(pagination.prev.map(|page| link(page, "prev")));
    links.extend(pagination.next.map(|page| link(page, "next")));
    links.push(link(pagination.pages, "last"));
    links.join(", ")
}

/// Keeps `slug` and the named fields of each summary.
fn sparse_list(
    data: Vec<PostSummary>,
    fields: &[String],
    pagination: Pagination,
) -> serde_json::Result<SparsePostListResponse> {
    let mut items = Vec::with_capacity(data.len());
    for summary in data {
        let Value::Object(mut object) = serde_json::to_value(summary)? else {
            continue;
        };
        object.retain(|key, _| key == "slug" || fields.iter().any(|f| f == key));
        items.push(object);
    }
    Ok(SparsePostListResponse {
        data: items,
        meta: ListMeta { pagination },
        fields: fields.to_vec(),
    })
}

/// Looks up a published post, or any post for a request with the preview token; a malformed
/// slug is a 404 like any unknown one, and never reaches the file system. Without the token a
/// draft or scheduled post is the same 404 as an unknown slug.
fn find<'a>(
    state: &AppState,
    request: &HttpRequest,
    slug: &str,
    store: &'a crate::store::Store,
) -> Result<crate::store::PostInContext<'a>, ApiError> {
    let not_found =
        || ApiError::not_found(format!("there is no published post with slug `{slug}`"));
    let slug = Slug::parse(slug).map_err(|_| not_found())?;
    let now = state.clock.now();
    if state.preview.admits(request) {
        store.find_post_for_preview(&slug, now)
    } else {
        store.find_post(&slug, now)
    }
    .ok_or_else(not_found)
}

/// One published post with its HTML body, table of contents and neighbours.
///
/// With `Authorization: Bearer <preview token>` (`--preview-token`), drafts and scheduled posts
/// are served too, marked `Cache-Control: private, no-store`; without it they are 404.
#[utoipa::path(
    tag = "posts",
    params(("slug" = String, Path, description = "The post's slug.", example = "planning-poker-without-the-pain"), PreviewHeaders),
    security((), ("previewToken" = [])),
    responses(
        (status = 200, description = "The post.", body = PostDetail),
        (status = 404, description = "No published post has this slug.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/posts/{slug}")]
pub async fn get_post(
    slug: web::Path<String>,
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<Prepared, ApiError> {
    let store = state.store.load();
    let found = find(&state, &request, &slug, &store)?;
    // The neighbours are part of the body, so their files and the last visibility change
    // count towards Last-Modified.
    let modified = [Some(found.post), found.previous, found.next]
        .into_iter()
        .flatten()
        .filter_map(|post| post.modified)
        .chain(store.last_change_at_or_before(state.clock.now()))
        .max();
    Ok(Prepared::json(&PostDetail {
        summary: PostSummary::new(found.post, state.public_urls()),
        html: found.post.body.html(),
        toc: found.post.toc.iter().map(TocItem::from).collect(),
        prev: found.previous.map(|p| PostLink::from(p.as_ref())),
        next: found.next.map(|p| PostLink::from(p.as_ref())),
    })?
    .modified(modified))
}

/// A published post's rendered body as an HTML fragment.
///
/// With `Authorization: Bearer <preview token>` (`--preview-token`), drafts and scheduled posts
/// are served too, marked `Cache-Control: private, no-store`; without it they are 404.
#[utoipa::path(
    tag = "posts",
    params(("slug" = String, Path, description = "The post's slug.", example = "planning-poker-without-the-pain"), PreviewHeaders),
    security((), ("previewToken" = [])),
    responses(
        (status = 200, description = "The body as an HTML fragment.", body = String, content_type = "text/html; charset=utf-8"),
        (status = 404, description = "No published post has this slug.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/posts/{slug}/html")]
pub async fn get_post_html(
    slug: web::Path<String>,
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<Prepared, ApiError> {
    let store = state.store.load();
    let found = find(&state, &request, &slug, &store)?;
    Ok(
        Prepared::new("text/html; charset=utf-8", found.post.body.html())
            .modified(found.post.modified),
    )
}

/// A published post's body as written, without front matter.
///
/// Markdown, or for an `.mdx` post its MDX source (`import`/`export` lines and components
/// kept), as MDX compilers take it; the post's `format` says which.
/// With `Authorization: Bearer <preview token>` (`--preview-token`), drafts and scheduled posts
/// are served too, marked `Cache-Control: private, no-store`; without it they are 404.
#[utoipa::path(
    tag = "posts",
    params(("slug" = String, Path, description = "The post's slug.", example = "planning-poker-without-the-pain"), PreviewHeaders),
    security((), ("previewToken" = [])),
    responses(
        (status = 200, description = "The body as written: Markdown, or MDX when the post's `format` is `mdx`.", body = String, content_type = "text/markdown; charset=utf-8"),
        (status = 404, description = "No published post has this slug.", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/posts/{slug}/markdown")]
pub async fn get_post_markdown(
    slug: web::Path<String>,
    state: web::Data<AppState>,
    request: HttpRequest,
) -> Result<Prepared, ApiError> {
    let store = state.store.load();
    let found = find(&state, &request, &slug, &store)?;
    Ok(
        Prepared::new("text/markdown; charset=utf-8", found.post.body.markdown())
            .modified(found.post.modified),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::{LoadOptions, parse_post};

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
            content: crate::settings::FeedContent::Full,
            post_url: "{base}/posts/{slug}".to_owned(),
        };
        let urls = PublicUrls {
            base_url: "https://x.org",
            options: &options,
        };

        let summaries = SummaryCache::default();
        let assembled = assemble_list(&summaries, 1, &[&post, &post], pagination.clone(), urls);

        let expected = serde_json::to_vec(&PostListResponse {
            data: vec![PostSummary::new(&post, urls); 2],
            meta: ListMeta { pagination },
        })
        .unwrap();
        assert_eq!(assembled.unwrap(), expected);
    }
}
