//! Parsing one post file's bytes into a post: text repaired, front matter split and checked,
//! date, slug and terms chosen, body rendered. Pure: no I/O, so tests and benches call it on
//! bytes.

use std::sync::Arc;

use jiff::Timestamp;

use super::encoding::{not_utf8, repair_encoding};
use super::slugs::{slug_from_path, slug_from_permalink};
use super::{LoadOptions, Parsed};
use crate::content::fields::{FieldError, Fields, MAX_TERMS, TermList, keys};
use crate::content::front_matter::{self, Split};
use crate::content::links::{self, is_local};
use crate::content::markdown::{self, RenderOptions, truncate_at_word};
use crate::content::problem::{Located, line_and_column};
use crate::domain::dates;
use crate::domain::{
    LocalRef, PackedBody, Post, Problem, RefKind, Resolved, Severity, Slug, SourceFormat, Term,
};

/// The most warnings about removed markup listed for one body: a generated body can lose
/// something on every line, and the problems list must stay readable. The rest are counted.
const MAX_BODY_WARNINGS: usize = 100;

/// Parses one post file's bytes; `path` is relative to the content folder and is used for the
/// slug, a date in the path, and problem reports.
pub fn parse_post(path: &str, bytes: &[u8], options: LoadOptions) -> Parsed {
    let mut warnings = Vec::new();
    let post = parse_inner(path, bytes, options, &mut warnings)
        .map(Arc::new)
        .map_err(|err| err.in_file(path, Severity::Error));
    let warnings = if post.is_ok() { warnings } else { Vec::new() };
    Parsed {
        path: path.to_owned(),
        post,
        warnings,
    }
}

fn parse_inner(
    path: &str,
    bytes: &[u8],
    options: LoadOptions,
    warnings: &mut Vec<Problem>,
) -> Result<Post, Located> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|err| not_utf8(bytes, err))?;
    let text = if text.contains('\r') {
        text.replace("\r\n", "\n")
    } else {
        text.to_owned()
    };
    let text = repair_encoding(path, text, warnings);

    let split = front_matter::split(&text)?;
    let mut fields = Fields::new(front_matter::parse(&split)?);
    let field_error = |err: FieldError| {
        Located::at_line(front_matter::key_line(&split, &[&err.key]), err.message)
    };

    let title = fields
        .text(keys::TITLE)
        .map_err(field_error)?
        .map(|(_, title)| title)
        .ok_or_else(|| {
            Located::at_line(
                1,
                "missing title: add a `title:` line to the front matter, e.g. `title: \"My post\"`",
            )
        })?;
    let date = post_date(path, &split, &mut fields, warnings)?;
    let updated = optional_date(&split, &mut fields, keys::UPDATED)?;
    let expires = optional_date(&split, &mut fields, keys::EXPIRES)?;
    let draft = match fields.flag(keys::DRAFT).map_err(field_error)? {
        Some(draft) => draft,
        None => fields
            .flag(keys::PUBLISHED)
            .map_err(field_error)?
            .is_some_and(|published| !published),
    };
    let declared = match fields.text(keys::SLUG).map_err(field_error)? {
        Some((key, value)) => Some(Slug::from_text(&value).map_err(|err| {
            Located::at_line(
                front_matter::key_line(&split, &[&key]),
                format!("`{key}: {value}` cannot be used: {err}"),
            )
        })?),
        // `path`/`permalink` are left in `extra`, so read them without taking them out.
        None => fields
            .peek_text(keys::PERMALINK)
            .as_deref()
            .and_then(slug_from_permalink),
    };
    let slug_declared = declared.is_some();
    let slug = match declared {
        Some(slug) => slug,
        None => slug_from_path(path).ok_or_else(|| {
            Located::at_line(
                1,
                "the file name has no letters or digits to make a slug from: add a `slug:` line",
            )
        })?,
    };

    let authors = terms(
        path,
        &split,
        &mut fields,
        keys::AUTHOR,
        keys::AUTHORS,
        warnings,
    )?;
    let categories = terms(
        path,
        &split,
        &mut fields,
        keys::CATEGORY,
        keys::CATEGORIES,
        warnings,
    )?;
    let tags = terms(path, &split, &mut fields, keys::TAGS, &[], warnings)?;
    let excerpt = fields
        .text(keys::EXCERPT)
        .map_err(field_error)?
        .map(|(_, text)| text);
    let featured_image = fields
        .text(keys::FEATURED_IMAGE)
        .map_err(field_error)?
        .map(|(_, text)| text);
    let meta_description = fields
        .text(keys::META_DESCRIPTION)
        .map_err(field_error)?
        .map(|(_, text)| text);

    let body = split.body.trim_start_matches('\n');
    let format = SourceFormat::from_path(path);
    // The body is the end of the text, so its lines are counted from where it starts.
    let lines_before_body = line_and_column(&text, text.len() - body.len()).0 - 1;
    let mut rendered = markdown::render(
        body,
        RenderOptions {
            trust_html: options.trust_html,
            format,
            embed_hosts: &options.embed_hosts,
        },
    )
    .map_err(|err| Located {
        line: lines_before_body + err.line,
        ..err
    })?;
    let first_unlisted = rendered
        .warnings
        .get(MAX_BODY_WARNINGS)
        .map(|removed| lines_before_body + removed.line);
    let unlisted = rendered.warnings.len().saturating_sub(MAX_BODY_WARNINGS);
    warnings.extend(
        rendered
            .warnings
            .drain(..)
            .take(MAX_BODY_WARNINGS)
            .map(|removed| {
                Located::at_line(lines_before_body + removed.line, removed.message)
                    .in_file(path, Severity::Warning)
            }),
    );
    if let Some(line) = first_unlisted {
        warnings.push(
            Located::at_line(
                line,
                format!(
                    "markup was removed from this line and {} more after it, not listed one by one: only the first {MAX_BODY_WARNINGS} lines are",
                    unlisted - 1
                ),
            )
            .in_file(path, Severity::Warning),
        );
    }
    let media = links::MediaUrls {
        files: &options.media_files,
        source: path,
        rules: &options.urls,
    };
    let found = links::find(&rendered.html, body, lines_before_body + 1, Some(media));
    let html = found.html.unwrap_or(rendered.html);
    let mut refs = found.refs;
    if let Some(image) = featured_image.as_ref().filter(|image| is_local(image)) {
        refs.push(LocalRef {
            url: image.clone(),
            kind: RefKind::Featured,
            alt: None,
            line: front_matter::key_line(&split, keys::FEATURED_IMAGE),
            written: None,
        });
    }
    let excerpt = excerpt.unwrap_or(rendered.summary);
    let excerpt = if excerpt.is_empty() {
        truncate_at_word(&title, 200)
    } else {
        excerpt
    };

    Ok(Post {
        slug,
        slug_declared,
        title,
        date,
        updated,
        expires,
        draft,
        authors,
        categories,
        tags,
        excerpt,
        featured_image,
        meta_description,
        body: PackedBody::new(body, &html, &rendered.text),
        reading_time: Post::reading_time_for(rendered.word_count),
        word_count: rendered.word_count,
        toc: rendered.toc,
        extra: fields.into_rest(),
        format,
        source_path: path.to_owned(),
        modified: None,
        refs,
        anchors: found.anchors,
        resolved: Resolved::default(),
    })
}

/// The post's date: the front matter's, else one in the file's path or its `path`/`permalink`.
/// A front matter date that cannot be read falls back to the path's with a warning, as Jekyll
/// publishes such posts by their file name; with no date in the path it is an error.
fn post_date(
    path: &str,
    split: &Split<'_>,
    fields: &mut Fields,
    warnings: &mut Vec<Problem>,
) -> Result<Timestamp, Located> {
    // `path`/`permalink` are left in `extra`, so read them without taking them out.
    let permalink = fields.peek_text(keys::PERMALINK);
    let from_path = || {
        dates::date_from_path(path).or_else(|| permalink.as_deref().and_then(dates::date_from_path))
    };
    match optional_date(split, fields, keys::DATE) {
        Ok(Some(date)) => Ok(date),
        Ok(None) => from_path().ok_or_else(|| {
            Located::at_line(
                1,
                "missing date: add a `date:` line to the front matter, e.g. `date: 2025-02-15`",
            )
        }),
        Err(unreadable) => {
            let date = from_path().ok_or_else(|| unreadable.clone())?;
            let day = date.strftime("%Y-%m-%d");
            warnings.push(
                Located {
                    message: format!(
                        "{}; the post is served with the date in its path, {day}",
                        unreadable.message
                    ),
                    ..unreadable
                }
                .in_file(path, Severity::Warning),
            );
            Ok(date)
        }
    }
}

fn optional_date(
    split: &Split<'_>,
    fields: &mut Fields,
    aliases: &[&str],
) -> Result<Option<Timestamp>, Located> {
    let line_of = |key: &str| front_matter::key_line(split, &[key]);
    let Some((key, value)) = fields
        .text(aliases)
        .map_err(|err| Located::at_line(line_of(&err.key), err.message))?
    else {
        return Ok(None);
    };
    dates::parse_date(&value)
        .map(Some)
        .map_err(|err| Located::at_line(line_of(&key), format!("`{key}`: {err}")))
}

fn terms(
    path: &str,
    split: &Split<'_>,
    fields: &mut Fields,
    single: &[&str],
    plural: &[&str],
    warnings: &mut Vec<Problem>,
) -> Result<Vec<Term>, Located> {
    let line_of = |key: &str| front_matter::key_line(split, &[key]);
    let read = |fields: &mut Fields, aliases: &[&str], list: &mut TermList| {
        fields
            .terms_into(aliases, list)
            .map_err(|err| Located::at_line(line_of(&err.key), err.message))
    };
    let mut list = TermList::default();
    read(fields, single, &mut list)?;
    read(fields, plural, &mut list)?;
    let key = list.key.as_deref().unwrap_or_default();
    // One warning per list, however many names it concerns: a generated list must not flood
    // the problems with one line per entry.
    if let Some(first) = list.unsluggable.first() {
        let message = if list.unsluggable_count == 1 {
            format!("`{first}` in `{key}` has no letters or digits and was left out")
        } else {
            let mut names = list
                .unsluggable
                .iter()
                .map(|name| format!("`{name}`"))
                .collect::<Vec<_>>()
                .join(", ");
            let more = list.unsluggable_count - list.unsluggable.len();
            if more > 0 {
                names.push_str(&format!(" and {more} more"));
            }
            format!("{names} in `{key}` have no letters or digits and were left out")
        };
        warnings.push(Located::at_line(line_of(key), message).in_file(path, Severity::Warning));
    }
    if list.over_limit > 0 {
        warnings.push(
            Located::at_line(
                line_of(key),
                format!(
                    "`{key}` lists {} different terms; only the first {MAX_TERMS} are served (the limit per post) and the other {} were left out",
                    list.terms.len() + list.over_limit,
                    list.over_limit
                ),
            )
            .in_file(path, Severity::Warning),
        );
    }
    Ok(list.terms)
}
