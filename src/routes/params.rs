//! The query parameters of each endpoint that takes any, each declared once: the struct a
//! handler receives (through [`Params`](super::declared::Params)) is also its OpenAPI
//! `IntoParams`, and what the endpoint accepts (names, number bounds and defaults, words) is
//! read from that declaration. The post filters are one struct, [`PostFilterParams`], shared by
//! `/posts` and `/search`; utoipa's `IntoParams` does not flatten, so it is a field the
//! declaration skips and the routes list beside their own parameters.

use std::sync::LazyLock;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::declared::{Declared, FromQuery};
use super::query::RawQuery;
use crate::error::ApiError;
use crate::store::{PageRequest, PostFilter, SortOrder, TagMode};

/// Query parameters of `GET /api/v1/posts`. Term filters match by slug, so a name such as
/// `Backlog Refinement` works too (a value with no letters or digits matches no term); list parameters take commas or repeats (`tag=a,b`, `tag=a&tag=b`).
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PostListParams {
    /// Page number, from 1. A page past the end is empty.
    #[param(minimum = 1, maximum = 2147483647, default = 1, required = false)]
    pub page: u32,
    /// Posts per page.
    #[param(minimum = 1, maximum = 100, default = 10, required = false)]
    pub limit: u32,
    /// Order: newest first (`-date`, the default), oldest first (`date`), or by title (`title`, `-title`).
    #[param(inline)]
    pub sort: Option<SortParam>,
    /// Summary fields to return, repeated or comma-separated (`fields=title,date`); `slug` is
    /// always included.
    #[param(value_type = Option<Vec<SummaryField>>, inline)]
    pub fields: Vec<SummaryField>,
    /// `true` lists drafts, scheduled and expired posts too; it needs `Authorization: Bearer
    /// <preview token>` (see `--preview-token`), else the answer is 401.
    #[param(default = false, required = false)]
    pub preview: bool,
    /// Search text (at most 256 characters): the list becomes the matching posts, best first
    /// unless `sort` is given. See `/api/v1/search` for the syntax.
    #[param(
        max_length = 256,
        min_length = 1,
        pattern = r"\S",
        example = "estimation"
    )]
    pub q: Option<String>,
    /// The filters, declared by [`PostFilterParams`].
    #[param(ignore)]
    pub filter: PostFilterParams,
}

/// The declared parameters of an endpoint whose own parameters `T` embed the post filters.
fn with_post_filters<T: IntoParams>() -> Declared {
    Declared::new(
        T::into_params(|| None),
        PostFilterParams::into_params(|| None),
    )
}

impl FromQuery for PostListParams {
    fn declared() -> &'static Declared {
        static DECLARED: LazyLock<Declared> = LazyLock::new(with_post_filters::<PostListParams>);
        &DECLARED
    }

    fn read(query: &RawQuery, declared: &Declared) -> Result<PostListParams, ApiError> {
        let filter = PostFilterParams::read(query)?;
        let preview = query.choice("preview", &[("true", true), ("false", false)], false)?;
        let sort = query.word("sort")?;
        Ok(PostListParams {
            page: declared.number(query, "page")?,
            limit: declared.number(query, "limit")?,
            fields: declared.words(query, "fields")?,
            q: search_text(query)?,
            sort,
            preview,
            filter,
        })
    }
}

impl PostListParams {
    /// The page asked for.
    pub fn page(&self) -> PageRequest {
        PageRequest {
            number: self.page,
            size: self.limit,
        }
    }
}

/// The filters `GET /api/v1/posts` and `GET /api/v1/search` share. Term filters match by slug,
/// so a name such as `Backlog Refinement` works too (a value with no letters or digits matches
/// no term); list parameters take commas or repeats (`tag=a,b`, `tag=a&tag=b`).
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PostFilterParams {
    /// Only posts in any of these categories (comma-separated names or slugs).
    #[param(value_type = Option<String>, example = "estimation")]
    pub category: Vec<String>,
    /// Only posts with these tags (comma-separated names or slugs); see `tagMode`.
    #[param(value_type = Option<String>, example = "estimation,meetings")]
    pub tag: Vec<String>,
    /// `any` (the default): posts with at least one of the tags; `all`: posts with every one.
    #[param(rename = "tagMode", inline)]
    pub tag_mode: Option<TagModeParam>,
    /// Leave out posts with any of these tags (comma-separated).
    #[param(rename = "excludeTag", value_type = Option<String>)]
    pub exclude_tag: Vec<String>,
    /// Only posts by any of these authors (comma-separated names or slugs).
    #[param(value_type = Option<String>)]
    pub author: Vec<String>,
    /// Only posts dated on or after this date. An RFC 3339 instant such as
    /// `2025-01-01T12:00:00Z` is accepted too.
    #[param(value_type = Option<String>, format = Date, example = "2024-01-01")]
    pub from: Option<Timestamp>,
    /// Only posts dated on or before this date; a plain date includes the whole day. An RFC 3339
    /// instant is accepted too.
    #[param(value_type = Option<String>, format = Date, example = "2025-12-31")]
    pub to: Option<Timestamp>,
}

impl PostFilterParams {
    /// Reads the filters; term filters become slug keys.
    fn read(query: &RawQuery) -> Result<PostFilterParams, ApiError> {
        // `from` after `to` is a valid, empty range, not an error.
        let from = query.date_bound("from", false)?;
        let to = query.date_bound("to", true)?;
        Ok(PostFilterParams {
            category: query.term_keys("category")?,
            tag: query.term_keys("tag")?,
            tag_mode: query.word("tagMode")?,
            exclude_tag: query.term_keys("excludeTag")?,
            author: query.term_keys("author")?,
            from,
            to,
        })
    }

    /// The store's filter, with `preview` (only `/posts` takes it).
    pub fn into_filter(self, preview: bool) -> PostFilter {
        PostFilter {
            categories: self.category,
            tags: self.tag,
            tag_mode: match self.tag_mode {
                Some(TagModeParam::All) => TagMode::All,
                Some(TagModeParam::Any) | None => TagMode::Any,
            },
            exclude_tags: self.exclude_tag,
            authors: self.author,
            from: self.from,
            to: self.to,
            preview,
        }
    }
}

/// `q` as sent, untrimmed (a trailing space means the last word is complete), once checked.
fn search_text(query: &RawQuery) -> Result<Option<String>, ApiError> {
    Ok(query
        .single("q")?
        .and(query.untrimmed("q"))
        .map(str::to_owned))
}

/// Names `fields=` accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
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
    FeaturedImageDetails,
    MetaDescription,
    ReadingTime,
    WordCount,
    Format,
    Extra,
}

/// Values of `tagMode`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum TagModeParam {
    Any,
    All,
}

/// Values of `sort`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
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

impl From<SortParam> for SortOrder {
    fn from(sort: SortParam) -> SortOrder {
        match sort {
            SortParam::DateDesc => SortOrder::DateDesc,
            SortParam::DateAsc => SortOrder::DateAsc,
            SortParam::TitleAsc => SortOrder::TitleAsc,
            SortParam::TitleDesc => SortOrder::TitleDesc,
        }
    }
}

/// Query parameters of `/api/v1/search`: `q`, pagination and order; the post list's filters
/// are [`PostFilterParams`].
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
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
    pub q: String,
    /// Page number, from 1. A page past the end is empty.
    #[param(minimum = 1, maximum = 2147483647, default = 1, required = false)]
    pub page: u32,
    /// Hits per page.
    #[param(minimum = 1, maximum = 100, default = 10, required = false)]
    pub limit: u32,
    /// Order: best match first when absent; else newest first (`-date`), oldest first
    /// (`date`), or by title (`title`, `-title`).
    #[param(inline)]
    pub sort: Option<SortParam>,
    /// The filters, declared by [`PostFilterParams`].
    #[param(ignore)]
    pub filter: PostFilterParams,
}

impl FromQuery for SearchParams {
    fn declared() -> &'static Declared {
        static DECLARED: LazyLock<Declared> = LazyLock::new(with_post_filters::<SearchParams>);
        &DECLARED
    }

    fn read(query: &RawQuery, declared: &Declared) -> Result<SearchParams, ApiError> {
        let filter = PostFilterParams::read(query)?;
        let sort = query.word("sort")?;
        let page = declared.number(query, "page")?;
        let limit = declared.number(query, "limit")?;
        let q = search_text(query)?.ok_or_else(|| {
            ApiError::invalid("q", "`q` is required: give the text to search for")
        })?;
        Ok(SearchParams {
            q,
            page,
            limit,
            sort,
            filter,
        })
    }
}

impl SearchParams {
    /// The page asked for.
    pub fn page(&self) -> PageRequest {
        PageRequest {
            number: self.page,
            size: self.limit,
        }
    }
}

/// Query parameters of the related posts.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RelatedParams {
    /// How many related posts to return.
    #[param(minimum = 1, maximum = 20, default = 5, required = false)]
    pub limit: u32,
}

impl FromQuery for RelatedParams {
    fn declared() -> &'static Declared {
        static DECLARED: LazyLock<Declared> =
            LazyLock::new(|| Declared::new(RelatedParams::into_params(|| None), Vec::new()));
        &DECLARED
    }

    fn read(query: &RawQuery, declared: &Declared) -> Result<RelatedParams, ApiError> {
        Ok(RelatedParams {
            limit: declared.number(query, "limit")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routes::declared::Params;

    fn refusal<T: FromQuery + std::fmt::Debug>(query: &str) -> String {
        Params::<T>::parse(query).unwrap_err().to_string()
    }

    #[test]
    fn unknown_parameters_are_refused_with_the_names_each_endpoint_always_listed() {
        assert!(
            refusal::<PostListParams>("tags=x").contains(
                "unknown parameter `tags`; this endpoint accepts `page`, `limit`, `category`, \
                 `tag`, `tagMode`, `excludeTag`, `author`, `from`, `to`, `sort`, `fields`, \
                 `preview` or `q`"
            ),
            "{}",
            refusal::<PostListParams>("tags=x")
        );
        assert!(
            refusal::<SearchParams>("q=a&fields=title").contains(
                "unknown parameter `fields`; this endpoint accepts `q`, `page`, `limit`, \
                 `category`, `tag`, `tagMode`, `excludeTag`, `author`, `from`, `to` or `sort`"
            ),
            "{}",
            refusal::<SearchParams>("q=a&fields=title")
        );
        assert!(
            refusal::<RelatedParams>("page=2")
                .contains("unknown parameter `page`; this endpoint accepts `limit`")
        );
    }

    #[test]
    fn declared_bounds_and_defaults_are_the_ones_read() {
        let list = Params::<PostListParams>::parse("").unwrap().params;
        assert_eq!((list.page, list.limit, list.preview), (1, 10, false));
        assert_eq!(Params::<RelatedParams>::parse("").unwrap().params.limit, 5);
        assert!(refusal::<PostListParams>("limit=101").contains("from 1 to 100, got `101`"));
        assert!(refusal::<RelatedParams>("limit=21").contains("from 1 to 20, got `21`"));
        assert!(refusal::<SearchParams>("q=a&page=0").contains("1 or more, got `0`"));
        assert!(refusal::<SearchParams>("q=a&limit=101").contains("from 1 to 100, got `101`"));
        let search = Params::<SearchParams>::parse("q=a").unwrap().params;
        assert_eq!((search.page, search.limit), (1, 10));
    }

    #[test]
    fn words_are_read_by_their_serde_names() {
        let list =
            Params::<PostListParams>::parse("sort=-title&fields=format,wordCount&tagMode=all")
                .unwrap()
                .params;
        assert!(matches!(list.sort, Some(SortParam::TitleDesc)));
        assert_eq!(list.fields, [SummaryField::Format, SummaryField::WordCount]);
        assert!(matches!(list.filter.tag_mode, Some(TagModeParam::All)));
        assert!(
            refusal::<PostListParams>("sort=size")
                .contains("`sort` must be `-date`, `date`, `title` or `-title`, got `size`")
        );
    }
}
