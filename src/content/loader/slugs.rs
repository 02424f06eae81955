//! The slug a post gets from its file path or its `permalink` when its front matter names none.

use super::is_post_extension;
use crate::domain::Slug;

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
