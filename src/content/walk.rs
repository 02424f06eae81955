//! Listing a content folder without ever blocking or leaving it: only regular files are posts,
//! links are followed only to places inside the folder, each folder is read once, and whatever
//! is refused (a named pipe, a link out, an unreadable subfolder) becomes a problem naming it.

use std::collections::{BTreeMap, HashSet};
use std::fs::{self, FileType};
use std::io;
use std::path::{Path, PathBuf};

use super::loader::{POST_EXTENSIONS, is_post_file};
use super::problem::Located;
use crate::domain::{Problem, Severity};

/// What a content folder holds: its post files, how many files of each other kind, and what
/// was refused while listing it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Survey {
    /// The post files, relative to the root with `/` separators, sorted.
    pub posts: Vec<String>,
    /// Files that are not posts, counted by lowercase extension (`""` for none); hidden files,
    /// hidden folders and editors' backup files are left out.
    pub unread: BTreeMap<String, usize>,
    /// The regular files that are not posts (nor hidden, nor backups), relative to the root,
    /// sorted: the media served beside the posts are chosen from these.
    pub others: Vec<String>,
    /// Entries that were not read, each a problem naming the entry (root-relative) and why:
    /// an error for a post name that is not a regular file, a link leading out of the folder
    /// or a subfolder that cannot be read; a warning for a link to a folder already read,
    /// whose posts are served under their own path. Sorted by path.
    pub refused: Vec<Problem>,
    /// The folders listed (root-relative, `""` for the root), so a change to a file in one of
    /// them can be re-read without listing everything again.
    pub folders: HashSet<String>,
}

impl Survey {
    /// One line for `quire check` naming the kinds of files Quire does not read, with a count
    /// for each, or `None` when every file is a post. Media beside posts are normal, so this is
    /// information, not a warning.
    pub fn unread_summary(&self) -> Option<String> {
        if self.unread.is_empty() {
            return None;
        }
        let mut kinds: Vec<(&String, &usize)> = self.unread.iter().collect();
        // Most common first, so the line starts with what explains most files.
        kinds.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
        let kinds: Vec<String> = kinds
            .into_iter()
            .map(|(extension, count)| match extension.as_str() {
                "" => format!("{count} without an extension"),
                _ => format!("{count} .{extension}"),
            })
            .collect();
        let reads: Vec<String> = POST_EXTENSIONS.iter().map(|e| format!(".{e}")).collect();
        Some(format!(
            "info: files not read as posts (Quire reads {}): {}",
            reads.join(", "),
            kinds.join(", ")
        ))
    }
}

/// Lists the post files under `root`, recursively, skipping hidden files and folders; paths are
/// relative to `root`, use `/`, and are sorted so loading is deterministic.
pub fn discover(root: &Path) -> io::Result<Vec<String>> {
    survey(root).map(|survey| survey.posts)
}

/// Lists `root` whole: its posts, the other files by kind, and what was refused. Fails only
/// when the root itself cannot be read; an unreadable subfolder is a refusal.
pub fn survey(root: &Path) -> io::Result<Survey> {
    let canonical_root = fs::canonicalize(root)?;
    let mut walk = Walk {
        canonical_root: canonical_root.clone(),
        visited: HashSet::from([canonical_root.clone()]),
        survey: Survey::default(),
        linked: Vec::new(),
    };
    walk.folder(&Folder {
        path: root.to_path_buf(),
        relative: String::new(),
        canonical: canonical_root,
    })?;
    walk.survey.posts.sort();
    walk.survey.others.sort();
    walk.survey
        .refused
        .sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
    Ok(walk.survey)
}

/// A folder to list: where it is read from, its name in post paths, and its canonical path,
/// which tells whether it was read already.
struct Folder {
    path: PathBuf,
    relative: String,
    canonical: PathBuf,
}

/// One listing under way.
struct Walk {
    canonical_root: PathBuf,
    /// Canonical paths of the folders read or about to be, so a link back is not read again.
    visited: HashSet<PathBuf>,
    survey: Survey,
    /// Links to folders inside the root, followed once every real folder has been read, so a
    /// folder is listed under its own path and a link to it is the one refused.
    linked: Vec<Folder>,
}

impl Walk {
    /// Lists the root's tree of real folders, then each linked folder not read yet.
    fn folder(&mut self, root: &Folder) -> io::Result<()> {
        let mut folders = Vec::new();
        // The root's own listing failing is the caller's error; a subfolder's is a problem.
        self.list(root, &mut folders)?;
        loop {
            while let Some(folder) = folders.pop() {
                if let Err(err) = self.list(&folder, &mut folders) {
                    self.refuse(
                        &folder.relative,
                        format!(
                            "the folder {} cannot be read ({err}); the files in it are not served",
                            folder.relative
                        ),
                    );
                }
            }
            let Some(link) = self.linked.pop() else {
                return Ok(());
            };
            if self.visited.insert(link.canonical.clone()) {
                folders.push(link);
            } else {
                let target = self.inside(&link.canonical);
                // A warning: nothing is lost, the folder's posts are served under its own path.
                self.note(
                    &link.relative,
                    Severity::Warning,
                    format!(
                        "{} is a link to a folder already read ({target}); it is not read again",
                        link.relative
                    ),
                );
            }
        }
    }

    /// Lists one folder's entries, pushing its real subfolders onto `folders`.
    fn list(&mut self, folder: &Folder, folders: &mut Vec<Folder>) -> io::Result<()> {
        for entry in fs::read_dir(&folder.path)? {
            let entry = entry?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            if name.starts_with('.') {
                continue;
            }
            // From the directory listing itself on most file systems: no extra call.
            let Ok(file_type) = entry.file_type() else {
                continue;
            };
            let relative = if folder.relative.is_empty() {
                name.to_owned()
            } else {
                format!("{}/{name}", folder.relative)
            };
            if file_type.is_dir() {
                let canonical = folder.canonical.join(name);
                self.visited.insert(canonical.clone());
                folders.push(Folder {
                    path: entry.path(),
                    relative,
                    canonical,
                });
            } else if file_type.is_symlink() {
                self.link(entry.path(), relative, name);
            } else if !is_post_file(name) {
                self.other(name, file_type.is_file().then_some(relative));
            } else if file_type.is_file() {
                self.survey.posts.push(relative);
            } else {
                let kind = kind_of(file_type);
                self.refuse(
                    &relative,
                    format!("{relative} is {kind}, not a regular file; it is not read"),
                );
            }
        }
        // Only a folder listed whole lets a later change in it skip the listing.
        self.survey.folders.insert(folder.relative.clone());
        Ok(())
    }

    /// Follows a link only where its canonical target is inside the root: a folder is queued,
    /// a post file listed under the link's name; anything else is refused or counted.
    fn link(&mut self, path: PathBuf, relative: String, name: &str) {
        let target = match fs::canonicalize(&path) {
            Ok(target) => target,
            Err(err) => {
                if is_post_file(name) {
                    let to = fs::read_link(&path)
                        .map_or_else(|_| "?".to_owned(), |to| to.display().to_string());
                    let why = if err.kind() == io::ErrorKind::NotFound {
                        "which does not exist".to_owned()
                    } else {
                        format!("which cannot be followed: {err}")
                    };
                    self.refuse(
                        &relative,
                        format!("{relative} is a link to {to}, {why}; it is not read"),
                    );
                } else {
                    self.other(name, None);
                }
                return;
            }
        };
        // `metadata` follows the link; a target that vanished since is skipped like a dangling link.
        let Ok(metadata) = fs::metadata(&target) else {
            return;
        };
        let is_dir = metadata.is_dir();
        if !target.starts_with(&self.canonical_root) {
            if is_dir || is_post_file(name) {
                let what = if is_dir { "folder" } else { "file" };
                self.refuse(
                    &relative,
                    format!(
                        "{relative} is a link to {}, a {what} outside the content folder; it is not read",
                        target.display()
                    ),
                );
            } else {
                self.other(name, None);
            }
            return;
        }
        if is_dir {
            self.linked.push(Folder {
                path,
                relative,
                canonical: target,
            });
        } else if !is_post_file(name) {
            self.other(name, metadata.is_file().then_some(relative));
        } else if metadata.is_file() {
            self.survey.posts.push(relative);
        } else {
            let kind = kind_of(metadata.file_type());
            let target = self.inside(&target);
            self.refuse(
                &relative,
                format!("{relative} is a link to {target}, which is {kind}, not a regular file; it is not read"),
            );
        }
    }

    /// A canonical path inside the root as the writer knows it: root-relative, `.` for the root.
    fn inside(&self, canonical: &Path) -> String {
        let relative = canonical
            .strip_prefix(&self.canonical_root)
            .unwrap_or(canonical);
        let parts: Vec<_> = relative.iter().filter_map(|p| p.to_str()).collect();
        if parts.is_empty() {
            ".".to_owned()
        } else {
            parts.join("/")
        }
    }

    /// Counts a file that is not a post by its extension, unless it is an editor's backup, and
    /// lists it when it is a regular file inside the root (`relative`).
    fn other(&mut self, name: &str, relative: Option<String>) {
        if !is_backup_file(name) {
            self.survey.others.extend(relative);
            let extension = name
                .rsplit_once('.')
                .map_or(String::new(), |(_, extension)| extension.to_lowercase());
            *self.survey.unread.entry(extension).or_default() += 1;
        }
    }

    /// Records an entry that is not read: an error, since what it holds is not served.
    fn refuse(&mut self, relative: &str, message: String) {
        self.note(relative, Severity::Error, message);
    }

    fn note(&mut self, relative: &str, severity: Severity, message: String) {
        // The root itself is never refused, so a path is always there to name.
        debug_assert!(!relative.is_empty(), "refusing the root: {message}");
        self.survey
            .refused
            .push(Located::at_line(1, message).in_file(relative, severity));
    }
}

/// What a file that is not regular is, in words: `a named pipe (FIFO)`, `a socket`, ...
pub fn kind_of(file_type: FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if file_type.is_socket() {
            return "a socket";
        }
        if file_type.is_block_device() {
            return "a block device";
        }
        if file_type.is_char_device() {
            return "a character device";
        }
    }
    if file_type.is_dir() {
        "a folder"
    } else {
        "not a regular file"
    }
}

/// Whether a file name is an editor's backup or lock file (`x.md~`, `#x.md#`, `~x.md`), which
/// is not content of any kind.
fn is_backup_file(name: &str) -> bool {
    name.ends_with('~') || name.starts_with('#') || name.starts_with('~')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_that_are_not_posts_are_counted_by_kind_in_one_line() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "a.md",
            "b.MDX",
            "c.mdx",
            "img/one.png",
            "img/two.PNG",
            "notes.txt",
            "Makefile",
            "a.md~",
            ".hidden.png",
            ".git/config",
        ] {
            let path = dir.path().join(name);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, "x").unwrap();
        }
        let survey = survey(dir.path()).unwrap();
        assert_eq!(survey.posts, ["a.md", "b.MDX", "c.mdx"]);
        let unread: Vec<(&str, usize)> = survey
            .unread
            .iter()
            .map(|(kind, count)| (kind.as_str(), *count))
            .collect();
        assert_eq!(unread, [("", 1), ("png", 2), ("txt", 1)]);
        assert_eq!(
            survey.unread_summary().as_deref(),
            Some(
                "info: files not read as posts (Quire reads .md, .markdown, .mdx): \
                 2 .png, 1 without an extension, 1 .txt"
            )
        );
        assert_eq!(Survey::default().unread_summary(), None);
    }

    #[cfg(unix)]
    #[test]
    fn a_folder_is_listed_under_its_own_path_and_a_link_to_it_is_named_once() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["zeta/a.md", "zeta/deep/b.md"] {
            let path = dir.path().join(name);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, "x").unwrap();
        }
        // `alpha` is listed before `zeta`, yet `zeta` keeps its posts.
        std::os::unix::fs::symlink("zeta", dir.path().join("alpha")).unwrap();
        std::os::unix::fs::symlink("..", dir.path().join("zeta/deep/up")).unwrap();

        let survey = survey(dir.path()).unwrap();

        assert_eq!(survey.posts, ["zeta/a.md", "zeta/deep/b.md"]);
        let refused: Vec<(&str, Severity, &str)> = survey
            .refused
            .iter()
            .map(|p| (p.path.as_str(), p.severity, p.message.as_str()))
            .collect();
        assert_eq!(
            refused,
            [
                (
                    "alpha",
                    Severity::Warning,
                    "alpha is a link to a folder already read (zeta); it is not read again"
                ),
                (
                    "zeta/deep/up",
                    Severity::Warning,
                    "zeta/deep/up is a link to a folder already read (zeta); it is not read again"
                ),
            ]
        );
        let mut folders: Vec<&str> = survey.folders.iter().map(String::as_str).collect();
        folders.sort();
        assert_eq!(folders, ["", "zeta", "zeta/deep"]);
    }
}
