//! Turning files into posts: a pure [`parse_post`] over a file's bytes (`parse`, with its
//! helpers `encoding` and `slugs`), and here the thin I/O around it that reads the post files a
//! listing of the content folder found (see `walk`).

mod encoding;
mod parse;
mod slugs;
#[cfg(test)]
mod tests;

use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use jiff::Timestamp;
use rayon::prelude::*;
use xxhash_rust::xxh3::xxh3_128;

use super::links::UrlRules;
use super::media::MediaKinds;
use super::problem::Located;
use super::walk::{Survey, kind_of, survey};
use crate::domain::{MediaIndex, Post, Problem, Severity};

pub use parse::parse_post;
pub use slugs::{slug_from_path, slug_from_permalink};

/// The largest post file read unless told otherwise: 5 MB, far above any real post.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 5_000_000;

/// How posts are read, parsed and rendered.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// Keep raw HTML in Markdown instead of sanitizing it.
    pub trust_html: bool,
    /// Hosts whose iframes are kept, besides the default video hosts; shared, so the loading
    /// and reload threads clone the options without copying the list.
    pub embed_hosts: Arc<[String]>,
    /// The largest file read, in bytes: a larger one is refused before it is read, so one huge
    /// file cannot take the memory of the whole process.
    pub max_file_size: u64,
    /// Which files beside the posts are media, served under `/media`.
    pub media: MediaKinds,
    /// Where posts and media are public, for the URLs written into posts' HTML.
    pub urls: Arc<UrlRules>,
    /// The media files known as posts are read: a URL naming one is written as its `/media`
    /// URL as the post renders (see `links::find`).
    pub media_files: Arc<MediaIndex>,
}

impl Default for LoadOptions {
    fn default() -> LoadOptions {
        LoadOptions {
            trust_html: false,
            embed_hosts: Arc::from([]),
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            media: MediaKinds::default(),
            urls: Arc::default(),
            media_files: Arc::default(),
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
        .map(|path| load_file(root, path, options.clone()))
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
pub fn digest_of(root: &Path, path: &str, options: &LoadOptions) -> Option<Digest> {
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
