//! Turning files into posts: a pure `parse_post` over a file's bytes, and thin I/O around it
//! that reads the post files a listing of the content folder found (see `walk`).

use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use jiff::Timestamp;
use rayon::prelude::*;
use xxhash_rust::xxh3::xxh3_128;

use super::fields::{FieldError, Fields, MAX_TERMS, TermList, keys};
use super::front_matter::{self, Split};
use super::markdown::{self, RenderOptions, truncate_at_word};
use super::problem::{Located, Problem, Severity, line_and_column};
use super::walk::{Survey, kind_of, survey};
use super::{dates, mojibake};
use crate::domain::{PackedBody, Post, Slug, SourceFormat, Term};

/// The largest post file read unless told otherwise: 5 MB, far above any real post.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 5_000_000;

/// How posts are read, parsed and rendered.
#[derive(Debug, Clone, Copy)]
pub struct LoadOptions {
    /// Keep raw HTML in Markdown instead of sanitizing it.
    pub trust_html: bool,
    /// Hosts whose iframes are kept, besides the default video hosts. `'static` so the options
    /// stay `Copy` for the loading and reload threads: the list is made once, at start-up.
    pub embed_hosts: &'static [String],
    /// The largest file read, in bytes: a larger one is refused before it is read, so one huge
    /// file cannot take the memory of the whole process.
    pub max_file_size: u64,
}

impl Default for LoadOptions {
    fn default() -> LoadOptions {
        LoadOptions {
            trust_html: false,
            embed_hosts: &[],
            max_file_size: DEFAULT_MAX_FILE_SIZE,
        }
    }
}

/// The outcome of parsing one file: a post, or the error that made Quire skip it, plus any
/// warnings about repairs.
#[derive(Debug, Clone)]
pub struct Parsed {
    /// The file, relative to the content folder, with `/` separators.
    pub path: String,
    /// The post, or why the file was skipped; shared, so a reload reuses unchanged posts.
    pub post: Result<Arc<Post>, Problem>,
    /// Repairs made while loading a served post.
    pub warnings: Vec<Problem>,
}

/// The most warnings about removed markup listed for one body: a generated body can lose
/// something on every line, and the problems list must stay readable. The rest are counted.
const MAX_BODY_WARNINGS: usize = 100;

/// The extensions of the files Quire reads as posts: Markdown and MDX.
pub const POST_EXTENSIONS: &[&str] = &["md", "markdown", "mdx"];

/// Whether an extension (without the dot, in any case: `MD` too) is one Quire reads.
fn is_post_extension(extension: &str) -> bool {
    POST_EXTENSIONS
        .iter()
        .any(|known| known.eq_ignore_ascii_case(extension))
}

/// Whether a file name is a post: Markdown or MDX, and not hidden or an editor's temporary file
/// (`.x.md.swp`, `x.md~`, `.#x.md`, `#x.md#`, `x.md.tmp` and Vim's `4913` all fail the suffix
/// or prefix test).
pub fn is_post_file(name: &str) -> bool {
    let post = name
        .rsplit_once('.')
        .is_some_and(|(_, extension)| is_post_extension(extension));
    post && !name.starts_with('.') && !name.starts_with('~') && !name.starts_with("#")
}

/// Reads and parses every post file under `root`, on all cores, returning them in path order,
/// followed by what the listing refused (each an error). Fails only when the folder cannot be
/// read; a file that cannot be read or parsed becomes an error in its `Parsed`.
pub fn load_dir(root: &Path, options: LoadOptions) -> io::Result<Vec<Parsed>> {
    Ok(load_surveyed(root, &survey(root)?, options))
}

/// Reads and parses the posts a [`survey`] of `root` listed, as [`load_dir`] does.
pub fn load_surveyed(root: &Path, survey: &Survey, options: LoadOptions) -> Vec<Parsed> {
    // An indexed parallel iterator collects in input order, so loading stays deterministic.
    let mut parsed: Vec<Parsed> = survey
        .posts
        .par_iter()
        .map(|path| load_file(root, path, options))
        .collect();
    parsed.extend(survey.refused.iter().map(|problem| Parsed {
        path: problem.path.clone(),
        post: Err(problem.clone()),
        warnings: Vec::new(),
    }));
    parsed
}

/// Reads and parses one file given by its path relative to `root`. Only a regular file no
/// larger than the limit is read; anything else is an error naming the file.
pub fn load_file(root: &Path, path: &str, options: LoadOptions) -> Parsed {
    load_file_with_digest(root, path, options).0
}

/// A 128-bit hash of a file's bytes: tells a file read again from the one read before when
/// its size and modification time cannot (see [`digest_of`]).
pub type Digest = u128;

/// The digest of the bytes [`load_file`] would read at `path`, or `None` when it would read
/// none (the file is gone, refused or unreadable).
pub fn digest_of(root: &Path, path: &str, options: LoadOptions) -> Option<Digest> {
    read_post_file(root, path, options.max_file_size)
        .ok()
        .map(|(bytes, _)| xxh3_128(&bytes))
}

/// Reads and parses one file as [`load_file`] does, with the digest of the bytes it read.
pub fn load_file_with_digest(
    root: &Path,
    path: &str,
    options: LoadOptions,
) -> (Parsed, Option<Digest>) {
    let limit = options.max_file_size;
    let refused = |message: String| Parsed {
        path: path.to_owned(),
        post: Err(Located::at_line(1, message).in_file(path, Severity::Error)),
        warnings: Vec::new(),
    };
    let unreadable = match read_post_file(root, path, limit) {
        Ok((bytes, modified)) => {
            let mut parsed = parse_post(path, &bytes, options);
            // The post was just made, so nothing else holds it yet.
            if let Ok(post) = &mut parsed.post
                && let Some(post) = Arc::get_mut(post)
            {
                post.modified = modified;
            }
            return (parsed, Some(xxh3_128(&bytes)));
        }
        Err(unreadable) => unreadable,
    };
    let parsed = match unreadable {
        Unreadable::Io(err) => refused(format!("the file could not be read: {err}")),
        Unreadable::NotRegular(kind) => refused(format!(
            "{path} is {kind}, not a regular file; it is not read"
        )),
        Unreadable::Outside(target) => refused(format!(
            "{path} is a link to {}, a file outside the content folder; it is not read",
            target.display()
        )),
        Unreadable::TooLarge(size) => refused(format!(
            "{path} is {}, over the {} limit (--max-file-size); it is not read",
            human_size(size),
            human_size(limit)
        )),
    };
    (parsed, None)
}

/// A byte count as people write it, in decimal units: `52.4 MB`, `5 MB`, `10 kB`.
pub fn human_size(bytes: u64) -> String {
    let shown = bytesize::ByteSize::b(bytes).display().si().to_string();
    // `5.0 MB` reads better as `5 MB`, the way the limit is usually given.
    shown.replacen(".0 ", " ", 1)
}

/// Why a post file was not read.
#[derive(Debug)]
enum Unreadable {
    /// Opening or reading failed.
    Io(io::Error),
    /// The path is a named pipe, socket or device, which may block or never end.
    NotRegular(&'static str),
    /// The file is larger than the limit: its size, as far as it was seen.
    TooLarge(u64),
    /// The file is a link to this canonical path, outside the content folder.
    Outside(PathBuf),
}

/// Opens a post file for reading without blocking and without leaving the content folder. On
/// unix the file is opened non-blocking, so a named pipe swapped in after the listing returns at
/// once, and without following a link: a file that is a link (or became one since the listing)
/// is opened at its canonical target only if that is inside the root.
fn open_inside(root: &Path, path: &str) -> Result<fs::File, Unreadable> {
    let full = root.join(path);
    let mut open = fs::OpenOptions::new();
    open.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        open.custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW);
        match open.open(&full) {
            // `O_NOFOLLOW` refuses a link with `ELOOP`: only links pay for the extra checks.
            Err(err) if err.raw_os_error() == Some(libc::ELOOP) => {
                let target = fs::canonicalize(&full).map_err(Unreadable::Io)?;
                let root = fs::canonicalize(root).map_err(Unreadable::Io)?;
                if !target.starts_with(&root) {
                    return Err(Unreadable::Outside(target));
                }
                open.open(&target).map_err(Unreadable::Io)
            }
            opened => opened.map_err(Unreadable::Io),
        }
    }
    #[cfg(not(unix))]
    {
        open.open(&full).map_err(Unreadable::Io)
    }
}

/// A regular file's bytes and its modification time (if the file system keeps one), from one
/// open that cannot block (see [`open_inside`]); the opened file's own metadata must say it is
/// a regular file within `limit` bytes before anything is read. At most `limit + 1` bytes are
/// read, so a file that grows while it is read stays bounded too.
fn read_post_file(
    root: &Path,
    path: &str,
    limit: u64,
) -> Result<(Vec<u8>, Option<Timestamp>), Unreadable> {
    let file = open_inside(root, path)?;
    let metadata = file.metadata().map_err(Unreadable::Io)?;
    if !metadata.is_file() {
        return Err(Unreadable::NotRegular(kind_of(metadata.file_type())));
    }
    if metadata.len() > limit {
        return Err(Unreadable::TooLarge(metadata.len()));
    }
    let modified = metadata
        .modified()
        .ok()
        .and_then(|time| Timestamp::try_from(time).ok());
    let mut bytes = Vec::with_capacity(usize::try_from(metadata.len()).unwrap_or(0));
    let mut bounded = file.take(limit.saturating_add(1));
    bounded.read_to_end(&mut bytes).map_err(Unreadable::Io)?;
    if bytes.len() as u64 > limit {
        // It grew while being read: report the size it has now, at least what was seen.
        let file = bounded.into_inner();
        let size = file
            .metadata()
            .map_or(0, |m| m.len())
            .max(bytes.len() as u64);
        return Err(Unreadable::TooLarge(size));
    }
    Ok((bytes, modified))
}

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
            embed_hosts: options.embed_hosts,
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
        body: PackedBody::new(body, &rendered.html, &rendered.text),
        reading_time: Post::reading_time_for(rendered.word_count),
        word_count: rendered.word_count,
        toc: rendered.toc,
        extra: fields.into_rest(),
        format,
        source_path: path.to_owned(),
        modified: None,
    })
}

fn not_utf8(bytes: &[u8], err: std::str::Utf8Error) -> Located {
    let offset = err.valid_up_to();
    let valid = std::str::from_utf8(&bytes[..offset]).unwrap_or_default();
    let (line, column) = line_and_column(valid, offset);
    let byte = bytes.get(offset).copied().unwrap_or_default();
    Located {
        line,
        column: Some(column),
        message: format!(
            "the file is not UTF-8 text (byte 0x{byte:02X} cannot start a character); save it with UTF-8 encoding"
        ),
    }
}

/// Repairs text garbled by a UTF-8/Windows-1252 mix-up line by line, warning with the first
/// repaired line so the writer can fix the file.
fn repair_encoding(path: &str, text: String, warnings: &mut Vec<Problem>) -> String {
    let mut repaired_lines = Vec::new();
    let mut first_example = None;
    // The repaired text is only built once a line needs repair: most files need none.
    let mut out: Option<String> = None;
    let mut offset = 0;
    for (index, line) in text.split_inclusive('\n').enumerate() {
        match mojibake::repair(line) {
            Some(fixed) => {
                if first_example.is_none() {
                    first_example = Some(garbled_example(line, &fixed));
                }
                repaired_lines.push(index + 1);
                out.get_or_insert_with(|| {
                    let mut out = String::with_capacity(text.len());
                    out.push_str(&text[..offset]);
                    out
                })
                .push_str(&fixed);
            }
            None => {
                if let Some(out) = out.as_mut() {
                    out.push_str(line);
                }
            }
        }
        offset += line.len();
    }
    let (Some(first_line), Some(out)) = (repaired_lines.first().copied(), out) else {
        return text;
    };
    let (before, after) = first_example.unwrap_or_default();
    let others = match repaired_lines.len() {
        1 => String::new(),
        n => format!(
            " (and on {} more line{})",
            n - 1,
            if n == 2 { "" } else { "s" }
        ),
    };
    warnings.push(
        Located::at_line(
            first_line,
            format!(
                "repaired text garbled by a wrong encoding: `{before}` is served as `{after}`{others}; save the file as UTF-8 to fix it"
            ),
        )
        .in_file(path, Severity::Warning),
    );
    out
}

/// The word around the first difference between a garbled line and its repair.
fn garbled_example(garbled: &str, fixed: &str) -> (String, String) {
    let word_at = |line: &str, byte: usize| -> String {
        let start = line[..byte].rfind(char::is_whitespace).map_or(0, |i| i + 1);
        let end = line[byte..]
            .find(char::is_whitespace)
            .map_or(line.len(), |i| byte + i);
        line[start..end].to_owned()
    };
    let first_difference = garbled
        .char_indices()
        .zip(fixed.chars())
        .find(|((_, a), b)| a != b)
        .map_or(0, |((i, _), _)| i);
    // The same prefix length in bytes is shared by both lines.
    (
        word_at(garbled, first_difference),
        word_at(fixed, first_difference),
    )
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

/// The slug a file gets when its front matter has none: the file stem without a leading
/// `YYYY-MM-DD-`, or the folder's name for a page bundle's `index.md`.
pub fn slug_from_path(path: &str) -> Option<Slug> {
    let mut parts = path.rsplit('/');
    let file = parts.next()?;
    let stem = file
        .rsplit_once('.')
        .filter(|(_, extension)| is_post_extension(extension))
        .map_or(file, |(stem, _)| stem);
    let stem = match stem {
        "index" | "_index" => parts.next().unwrap_or(stem),
        _ => stem,
    };
    Slug::from_text(strip_date_prefix(stem)).ok()
}

/// The slug a `path` or `permalink` value names: its last segment, without an extension or a
/// date prefix (`/blog/2023/01/02/hello-world/` and `/notes/hello-world.html` name
/// `hello-world`). `None` when the value names no post of its own: a template such as Jekyll's
/// `/:categories/:title/`, a bare `index.html`, or no letters or digits.
pub fn slug_from_permalink(value: &str) -> Option<Slug> {
    if value.contains([':', '{', '}', '%']) {
        return None;
    }
    // A value ending in `/` names a folder, whose name keeps any dots (`/v1.2/`).
    let names_file = !value.ends_with(['/', '\\']);
    let mut segments = value
        .split(['/', '\\'])
        .filter(|segment| !segment.is_empty());
    let mut last = segments.next_back()?;
    if names_file {
        last = last
            .rsplit_once('.')
            .filter(|(stem, extension)| {
                !stem.is_empty() && extension.bytes().all(|b| b.is_ascii_alphabetic())
            })
            .map_or(last, |(stem, _)| stem);
        if last == "index" {
            last = segments.next_back()?;
        }
    }
    Slug::from_text(strip_date_prefix(last)).ok()
}

fn strip_date_prefix(stem: &str) -> &str {
    let bytes = stem.as_bytes();
    let dated = bytes.len() > 11
        && bytes[..10].iter().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                *b == b'-'
            } else {
                b.is_ascii_digit()
            }
        })
        && bytes[10] == b'-';
    if dated { &stem[11..] } else { stem }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Parsed {
        parse_post("posts/sample.md", text.as_bytes(), LoadOptions::default())
    }

    fn error_of(text: &str) -> Problem {
        match parse(text).post {
            Ok(post) => panic!("expected an error, got post {}", post.slug),
            Err(problem) => problem,
        }
    }

    #[test]
    fn editor_swap_and_temporary_files_are_not_posts() {
        for name in [
            ".post.md.swp",
            "post.md.swp",
            "post.md~",
            ".#post.md",
            "#post.md#",
            "~post.md",
            "4913",
            "post.md.tmp",
            ".post.md",
        ] {
            assert!(!is_post_file(name), "{name} is not a post");
        }
        for name in [
            "post.md",
            "post.markdown",
            "post.mdx",
            "POST.MD",
            "2025-01-01-post.md",
        ] {
            assert!(is_post_file(name), "{name} is a post");
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_file_that_became_a_link_out_of_the_folder_after_the_listing_is_not_read() {
        let outside = tempfile::tempdir().unwrap();
        let secret = outside.path().join("secret.md");
        fs::write(&secret, "---\ntitle: Secret\ndate: 2025-01-01\n---\n").unwrap();
        let dir = tempfile::tempdir().unwrap();
        fs::write(
            dir.path().join("inside.md"),
            "---\ntitle: In\ndate: 2025-01-01\n---\n",
        )
        .unwrap();
        std::os::unix::fs::symlink(&secret, dir.path().join("a.md")).unwrap();
        std::os::unix::fs::symlink("inside.md", dir.path().join("b.md")).unwrap();

        let refused = load_file(dir.path(), "a.md", LoadOptions::default());
        let followed = load_file(dir.path(), "b.md", LoadOptions::default());

        let problem = refused.post.expect_err("a link out is not read");
        assert_eq!(
            problem.message,
            format!(
                "a.md is a link to {}, a file outside the content folder; it is not read",
                secret.canonicalize().unwrap().display()
            )
        );
        assert_eq!(followed.post.expect("a link inside is read").title, "In");
    }

    #[test]
    fn sizes_are_shown_in_decimal_units_without_a_needless_decimal() {
        assert_eq!(human_size(52_400_000), "52.4 MB");
        assert_eq!(human_size(5_000_000), "5 MB");
        assert_eq!(human_size(10_000), "10 kB");
        assert_eq!(human_size(512), "512 B");
    }

    #[test]
    fn file_stems_become_slugs_without_date_prefixes() {
        let cases = [
            ("a/2025-02-15-my-post.md", "my-post"),
            ("Café Déjà.md", "cafe-deja"),
            ("some-post/index.md", "some-post"),
            ("2025/02/15/x/index.markdown", "x"),
            ("2025-02-15.md", "2025-02-15"),
            ("posts/2025-02-15-hello.mdx", "hello"),
            ("docs/getting-started/index.mdx", "getting-started"),
        ];
        for (path, slug) in cases {
            assert_eq!(slug_from_path(path).unwrap().as_str(), slug, "for {path}");
        }
    }

    #[test]
    fn permalinks_name_their_last_segment_and_templates_name_nothing() {
        let cases = [
            ("/blog/2023/01/02/hello-world/", Some("hello-world")),
            ("/notes/hello-world.html", Some("hello-world")),
            ("hello-world", Some("hello-world")),
            ("/guides/setup/index.html", Some("setup")),
            ("/2023-01-02-dated-name/", Some("dated-name")),
            ("/blog/v1.2/", Some("v1-2")),
            ("index.html", None),
            ("/", None),
            ("/:categories/:year/:title/", None),
            ("/blog/{{slug}}/", None),
            ("/!!!/", None),
        ];
        for (value, slug) in cases {
            assert_eq!(
                slug_from_permalink(value).as_ref().map(Slug::as_str),
                slug,
                "for {value:?}"
            );
        }
    }

    #[test]
    fn a_slug_or_permalink_is_declared_and_a_file_name_is_not() {
        let cases = [
            (
                "---\ntitle: T\ndate: 2025-01-01\nslug: chosen\n---\n",
                "chosen",
                true,
            ),
            (
                "---\ntitle: T\ndate: 2025-01-01\npermalink: /blog/linked/\n---\n",
                "linked",
                true,
            ),
            (
                "---\ntitle: T\ndate: 2025-01-01\npath: /a/b.html\n---\n",
                "b",
                true,
            ),
            (
                "---\ntitle: T\ndate: 2025-01-01\npermalink: /:title/\n---\n",
                "sample",
                false,
            ),
            ("---\ntitle: T\ndate: 2025-01-01\n---\n", "sample", false),
        ];
        for (text, slug, declared) in cases {
            let post = parse(text).post.unwrap();
            assert_eq!(
                (post.slug.as_str(), post.slug_declared),
                (slug, declared),
                "{text}"
            );
        }
    }

    #[test]
    fn a_complete_post_is_parsed_with_aliases() {
        let parsed = parse(
            "\u{feff}---\r\ntitle: Hello\r\npubDate: 2025-02-15\r\nauthors: [Ann, Bob]\r\ncategories: [X, Y]\r\n\
             tags: a, b\r\nsummary: Short\r\nimage: /i.png\r\ndescription: Meta\r\nseries: S\r\n---\r\n\r\n# Hi\r\n\r\nText here.\r\n",
        );
        let post = parsed.post.unwrap();
        assert_eq!(post.title, "Hello");
        assert_eq!(post.date.to_string(), "2025-02-15T00:00:00Z");
        assert_eq!(post.author().unwrap().name, "Ann");
        assert_eq!(post.categories.len(), 2);
        assert_eq!(
            post.tags
                .iter()
                .map(|t| t.slug.as_str())
                .collect::<Vec<_>>(),
            ["a", "b"]
        );
        assert_eq!(post.excerpt, "Short");
        assert_eq!(post.featured_image.as_deref(), Some("/i.png"));
        assert_eq!(post.meta_description.as_deref(), Some("Meta"));
        assert_eq!(post.extra["series"], "S");
        assert!(!post.body.markdown().contains('\r'));
    }

    #[test]
    fn bad_files_are_reported_with_their_line() {
        let cases = [
            ("---\ndate: 2025-01-01\n---\nBody", 1, "missing title"),
            ("---\ntitle: T\n---\nBody", 1, "missing date"),
            (
                "---\ntitle: T\nauthor: A\ndate: yesterday\n---\nBody",
                4,
                "`date`",
            ),
            (
                "---\ntitle: T\ndate: 2025-01-01\ntags: [a\n---\nBody",
                5,
                "not valid YAML",
            ),
            (
                "---\ntitle: [T]\ndate: 2025-01-01\n---\n",
                2,
                "`title` must be text",
            ),
            (
                "---\ntitle: T\ndate: 2025-01-01\ndraft: maybe\n---\n",
                4,
                "`draft` must be true or false",
            ),
        ];
        for (text, line, message) in cases {
            let problem = error_of(text);
            assert_eq!(problem.line, line, "line for {text:?}: {}", problem.message);
            assert!(
                problem.message.contains(message),
                "{:?} should mention {message:?}",
                problem.message
            );
            assert_eq!(problem.severity, Severity::Error);
            assert_eq!(problem.path, "posts/sample.md");
        }
    }

    #[test]
    fn non_utf8_bytes_are_reported_with_line_and_column() {
        let parsed = parse_post(
            "x.md",
            b"---\ntitle: Caf\xe9\n---\n",
            LoadOptions::default(),
        );
        let problem = parsed.post.unwrap_err();
        assert_eq!((problem.line, problem.column), (2, Some(11)));
        assert!(problem.message.contains("UTF-8"));
    }

    #[test]
    fn a_date_in_the_path_is_used_when_front_matter_has_none() {
        let parsed = parse_post(
            "2024/05/06/post/index.md",
            b"---\ntitle: T\n---\nBody",
            LoadOptions::default(),
        );
        assert_eq!(
            parsed.post.unwrap().date.to_string(),
            "2024-05-06T00:00:00Z"
        );
        let parsed = parse_post(
            "x.md",
            b"---\ntitle: T\npermalink: /blog/2023/01/02/x/\n---\n",
            LoadOptions::default(),
        );
        let post = parsed.post.unwrap();
        assert_eq!(post.date.to_string(), "2023-01-02T00:00:00Z");
        assert_eq!(post.extra["permalink"], "/blog/2023/01/02/x/");
    }

    #[test]
    fn an_unreadable_date_falls_back_to_the_file_name_with_a_warning() {
        let parsed = parse_post(
            "_posts/2023-01-29-jekyll-3-9-3-released.markdown",
            b"---\ntitle: T\ndate: 2023-01-29 18:30:22 2023 -0800\n---\nBody",
            LoadOptions::default(),
        );
        let post = parsed.post.expect("served with the file name's date");
        assert_eq!(post.date.to_string(), "2023-01-29T00:00:00Z");
        assert_eq!(parsed.warnings.len(), 1);
        let warning = &parsed.warnings[0];
        assert_eq!((warning.line, warning.severity), (3, Severity::Warning));
        assert!(
            warning.message.contains("2023-01-29 18:30:22 2023 -0800")
                && warning.message.contains("date in its path, 2023-01-29"),
            "{}",
            warning.message
        );

        // Without a date in the path, an unreadable date is still an error.
        let problem = error_of("---\ntitle: T\ndate: 2023-01-29 18:30:22 2023 -0800\n---\n");
        assert_eq!(problem.line, 3);
    }

    #[test]
    fn garbled_text_is_repaired_with_a_warning_naming_the_line() {
        let parsed = parse(
            "---\ntitle: T\ndate: 2025-01-01\n---\n\nThey are valuableâ€”they reveal things.\n",
        );
        let post = parsed.post.unwrap();
        assert!(post.body.markdown().contains("valuable—they"));
        assert_eq!(parsed.warnings.len(), 1);
        let warning = &parsed.warnings[0];
        assert_eq!((warning.line, warning.severity), (6, Severity::Warning));
        assert!(
            warning
                .message
                .contains("`valuableâ€”they` is served as `valuable—they`"),
            "{}",
            warning.message
        );
    }

    #[test]
    fn published_false_makes_a_draft_and_explicit_slugs_are_normalised() {
        let post = parse("---\ntitle: T\ndate: 2025-01-01\npublished: false\nslug: My Slug\n---\n")
            .post
            .unwrap();
        assert!(post.draft);
        assert_eq!(post.slug.as_str(), "my-slug");
    }

    #[test]
    fn the_excerpt_falls_back_to_the_first_paragraph() {
        let post = parse(
            "---\ntitle: T\ndate: 2025-01-01\n---\n\n## Heading\n\nFirst paragraph.\n\nSecond.\n",
        )
        .post
        .unwrap();
        assert_eq!(post.excerpt, "First paragraph.");
    }
}
