//! The query parameters of each endpoint that takes any, each declared once: the struct a
//! handler receives is also its OpenAPI `IntoParams`.

use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

use super::query::RawQuery;
use crate::error::ApiError;
use crate::store::{PageRequest, PostFilter, SortOrder, TagMode};

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
pub enum TagModeParam {
    Any,
    All,
}

/// Values of `sort`.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[allow(dead_code)]
pub enum SortParam {
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
    pub(super) sort: SortOrder,
    pub(super) page: PageRequest,
    pub(super) fields: Option<Vec<String>>,
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

    pub(super) fn parse(query: &RawQuery) -> Result<PostListQuery, ApiError> {
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

/// `/search` takes the post list's parameters except `fields`.
pub(super) const SEARCH_PARAMETERS: &[&str] = &[
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

/// Query parameters of the related posts.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // Documents the parameter; the handler reads it with `RawQuery`.
pub struct RelatedParams {
    /// How many related posts to return.
    #[param(minimum = 1, maximum = 20, default = 5)]
    limit: Option<u32>,
}
