//! Keeping the search index in a folder between runs (`--index-dir`): each document carries a
//! fingerprint of the text it was made from, so on start only the posts added, changed or
//! removed since the last run are indexed again, instead of every post.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::Path;

use jiff::Timestamp;
use tantivy::directory::MmapDirectory;
use tantivy::schema::Schema;
use tantivy::{Index, Searcher};
use xxhash_rust::xxh3::Xxh3;

use super::SearchError;
use super::schema::Fields;
use super::snapshot::for_each_slug;
use crate::domain::Post;
use crate::store::Store;

/// The folder, inside the configured one, that holds this version's index. Bump it whenever the
/// schema or an analyzer changes: an index made by another version is then built afresh.
pub(super) const FORMAT: &str = "v4";

/// The index under `dir`, as the last run left it, or a new empty one. Folders of other format
/// versions are removed; a folder of this version that tantivy cannot open is replaced.
pub(super) fn open(dir: &Path, schema: Schema) -> Result<Index, SearchError> {
    let home = dir.join(FORMAT);
    fs::create_dir_all(&home).map_err(tantivy::TantivyError::from)?;
    remove_other_formats(dir);
    match Index::open_or_create(
        MmapDirectory::open(&home).map_err(tantivy::TantivyError::from)?,
        schema.clone(),
    ) {
        Ok(index) => Ok(index),
        Err(err) => {
            log::warn!(
                "the search index in {} cannot be opened ({err}); building it afresh",
                home.display()
            );
            fs::remove_dir_all(&home).map_err(tantivy::TantivyError::from)?;
            fs::create_dir_all(&home).map_err(tantivy::TantivyError::from)?;
            Ok(Index::create_in_dir(&home, schema)?)
        }
    }
}

/// Removes `v<digits>` folders of `dir` other than [`FORMAT`]'s: indexes of other versions.
fn remove_other_formats(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let is_format = name.len() > 1
            && name.starts_with('v')
            && name[1..].bytes().all(|b| b.is_ascii_digit());
        if is_format && name != FORMAT && entry.path().is_dir() {
            match fs::remove_dir_all(entry.path()) {
                Ok(()) => log::info!("removed the old search index {}", entry.path().display()),
                Err(err) => log::warn!("cannot remove {}: {err}", entry.path().display()),
            }
        }
    }
}

/// What an index kept from an earlier run must do to match `store` at an instant: the slugs to
/// index again (new, changed or gone-live posts) and the slugs to remove (posts gone, now drafts,
/// expired or not yet live); the rest is kept.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Changes {
    /// Posts to (re-)index.
    pub upserted: Vec<String>,
    /// Documents to remove.
    pub deleted: Vec<String>,
    /// Documents already up to date.
    pub kept: usize,
}

/// Compares the documents `searcher` sees with the posts of `store` published at `now`, by
/// slug and fingerprint.
pub(super) fn changes(
    searcher: &Searcher,
    fields: &Fields,
    store: &Store,
    now: Timestamp,
) -> Changes {
    let indexed = fingerprints(searcher, fields);
    let mut changes = Changes::default();
    let mut present = HashSet::new();
    for post in store
        .all_posts()
        .iter()
        .filter(|post| post.is_published(now))
    {
        let slug = post.slug.as_str();
        present.insert(slug);
        if indexed.get(slug) == Some(&fingerprint(post)) {
            changes.kept += 1;
        } else {
            changes.upserted.push(slug.to_owned());
        }
    }
    changes.deleted = indexed
        .into_keys()
        .filter(|slug| !present.contains(slug.as_str()))
        .collect();
    changes.deleted.sort_unstable();
    changes
}

/// The slug and fingerprint of every live document.
fn fingerprints(searcher: &Searcher, fields: &Fields) -> HashMap<String, u64> {
    let schema = searcher.schema();
    let slug_name = schema.get_field_name(fields.slug);
    let fingerprint_name = schema.get_field_name(fields.fingerprint);
    let mut out = HashMap::new();
    for segment in searcher.segment_readers() {
        let Ok(prints) = segment.fast_fields().u64(fingerprint_name) else {
            continue;
        };
        for_each_slug(segment, slug_name, |doc, slug| {
            if !segment.is_deleted(doc)
                && let Some(print) = prints.first(doc)
            {
                out.insert(slug.to_owned(), print);
            }
        });
    }
    out
}

/// A hash of everything of `post` the index holds: if it is unchanged, so is the document.
pub(super) fn fingerprint(post: &Post) -> u64 {
    let mut hasher = Xxh3::new();
    // Each part ends with a byte no text contains, so moving text between parts changes it.
    let mut part = |text: &str| {
        hasher.update(text.as_bytes());
        hasher.update(&[0xff]);
    };
    part(&post.title);
    for term in post.tags.iter().chain(&post.categories) {
        part(&term.name);
    }
    part(&post.excerpt);
    hasher.update(&(post.tags.len() as u64).to_le_bytes());
    // The packed block holds the body's Markdown, HTML and text: a change to any shows.
    hasher.update(post.body.packed_bytes());
    hasher.digest()
}
