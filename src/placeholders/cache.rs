//! Placeholders kept between runs under `--index-dir`, one small file per image named by the
//! hash of its bytes, so a restart decodes only images it has not seen. Files are written to a
//! temporary name and renamed into place, so a crash never leaves half an entry; an entry that
//! does not read back whole (edited, damaged, or from another format) is ignored and made again.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use xxhash_rust::xxh3::xxh3_64;

use super::{MAX_DATA_URL_BYTES, Placeholder};

/// The folder, inside `--index-dir`, that holds this format's entries. Bump it whenever
/// placeholders are made differently: entries of another version are then made again.
const FORMAT: &str = "placeholders/v1";

/// Placeholders kept in a folder, by the xxh3-64 hash of each image's bytes.
#[derive(Debug, Clone)]
pub struct PlaceholderCache {
    dir: PathBuf,
}

impl PlaceholderCache {
    /// The cache under `index_dir` (created if missing).
    pub fn open(index_dir: &Path) -> io::Result<PlaceholderCache> {
        let dir = index_dir.join(FORMAT);
        fs::create_dir_all(&dir)?;
        Ok(PlaceholderCache { dir })
    }

    fn entry(&self, hash: u64) -> PathBuf {
        self.dir.join(format!("{hash:016x}.txt"))
    }

    /// The placeholder kept for the image whose bytes hash to `hash`, if a whole, valid entry
    /// is there.
    pub fn get(&self, hash: u64) -> Option<Placeholder> {
        let text = fs::read_to_string(self.entry(hash)).ok()?;
        let parsed = parse_entry(&text);
        if parsed.is_none() {
            log::debug!(
                "placeholder cache: {} does not read back; making it again",
                self.entry(hash).display()
            );
        }
        parsed
    }

    /// Keeps `placeholder` for the image whose bytes hash to `hash`, replacing any entry
    /// there in one rename.
    pub fn put(&self, hash: u64, placeholder: &Placeholder) -> io::Result<()> {
        let entry = self.entry(hash);
        // The process id keeps two servers sharing the folder from writing one temporary file.
        let temporary = self
            .dir
            .join(format!("{hash:016x}.{}.tmp", std::process::id()));
        fs::write(&temporary, format_entry(placeholder))?;
        fs::rename(&temporary, &entry).inspect_err(|_| {
            let _ = fs::remove_file(&temporary);
        })
    }

    /// Removes the entries of images not in `keep` (by hash), and temporary files a stopped
    /// run left, so the folder does not grow with every replaced image; returns how many went.
    pub fn retain(&self, keep: impl Fn(u64) -> bool) -> usize {
        let Ok(entries) = fs::read_dir(&self.dir) else {
            return 0;
        };
        let mut removed = 0;
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            let kept = name
                .strip_suffix(".txt")
                .and_then(|hex| u64::from_str_radix(hex, 16).ok())
                .is_some_and(&keep);
            if !kept && fs::remove_file(entry.path()).is_ok() {
                removed += 1;
            }
        }
        removed
    }
}

/// An entry: a checksum of the rest, the colour and the data URL, one a line.
fn format_entry(placeholder: &Placeholder) -> String {
    let body = format!("{}\n{}\n", placeholder.color, placeholder.data_url);
    format!("{:016x}\n{body}", xxh3_64(body.as_bytes()))
}

/// The placeholder in an entry, if its checksum holds and both values have their shapes.
fn parse_entry(text: &str) -> Option<Placeholder> {
    let (checksum, body) = text.split_once('\n')?;
    if u64::from_str_radix(checksum, 16).ok()? != xxh3_64(body.as_bytes()) {
        return None;
    }
    let mut lines = body.strip_suffix('\n')?.split('\n');
    let (color, data_url) = (lines.next()?, lines.next()?);
    let color_ok = color.len() == 7
        && color.starts_with('#')
        && color[1..]
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    let url_ok =
        data_url.starts_with("data:image/png;base64,") && data_url.len() <= MAX_DATA_URL_BYTES;
    (lines.next().is_none() && color_ok && url_ok).then(|| Placeholder {
        data_url: data_url.to_owned(),
        color: color.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Placeholder {
        Placeholder {
            data_url: "data:image/png;base64,iVBORw0KGgo=".to_owned(),
            color: "#1e50c8".to_owned(),
        }
    }

    #[test]
    fn a_kept_placeholder_reads_back_from_a_new_cache_on_the_same_folder() {
        let dir = tempfile::tempdir().expect("temporary folder");
        PlaceholderCache::open(dir.path())
            .expect("open")
            .put(7, &sample())
            .expect("put");
        let reopened = PlaceholderCache::open(dir.path()).expect("reopen");
        assert_eq!(reopened.get(7), Some(sample()));
        assert_eq!(reopened.get(8), None);
        assert!(
            dir.path()
                .join("placeholders/v1/0000000000000007.txt")
                .is_file()
        );
    }

    #[test]
    fn a_damaged_entry_is_ignored_and_replaced_by_the_next_put() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let cache = PlaceholderCache::open(dir.path()).expect("open");
        cache.put(1, &sample()).expect("put");
        let path = cache.entry(1);
        let whole = fs::read_to_string(&path).expect("read");
        let damaged = [
            String::new(),
            whole[..whole.len() / 2].to_owned(),
            whole.replace("#1e50c8", "#1e50c9"),
            whole.replacen('0', "1", 1),
            "garbage\n#1e50c8\ndata:image/png;base64,AAAA\n".to_owned(),
        ];
        for text in damaged {
            fs::write(&path, &text).expect("damage");
            assert_eq!(cache.get(1), None, "{text:?}");
        }
        cache.put(1, &sample()).expect("put again");
        assert_eq!(cache.get(1), Some(sample()));
    }

    #[test]
    fn an_entry_with_a_valid_checksum_but_a_bad_shape_is_ignored() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let cache = PlaceholderCache::open(dir.path()).expect("open");
        for (color, url) in [
            ("red", "data:image/png;base64,AAAA"),
            ("#1E50C8", "data:image/png;base64,AAAA"),
            ("#1e50c8", "javascript:alert(1)"),
        ] {
            let body = format!("{color}\n{url}\n");
            let text = format!("{:016x}\n{body}", xxh3_64(body.as_bytes()));
            fs::write(cache.entry(2), text).expect("write");
            assert_eq!(cache.get(2), None, "{color} {url}");
        }
    }

    #[test]
    fn retain_removes_entries_of_images_gone_and_stray_temporary_files() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let cache = PlaceholderCache::open(dir.path()).expect("open");
        for hash in [1, 2, 3] {
            cache.put(hash, &sample()).expect("put");
        }
        fs::write(cache.dir.join("0000000000000004.99.tmp"), "half").expect("write");
        assert_eq!(cache.retain(|hash| hash != 2), 2);
        assert_eq!(cache.get(1), Some(sample()));
        assert_eq!(cache.get(2), None);
        assert_eq!(cache.get(3), Some(sample()));
        assert_eq!(fs::read_dir(&cache.dir).expect("list").count(), 2);
    }
}
