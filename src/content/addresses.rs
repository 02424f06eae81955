//! Addresses: which post is served at which slug when several files claim the same one.
//!
//! The answer depends only on the files as they are, never on the order they were found or
//! changed in, so a restart and every reload give each post the same address. Claims are taken
//! in one fixed order: posts that are not drafts before drafts, pages before section pages
//! (Hugo's `_index.md`, which list a folder), older posts before newer, on the same date a slug
//! the writer chose (`slug:`, `path`, `permalink`) before one made from a file name, then path
//! order. A claim whose slug is free gets it. Two chosen slugs that are the same are an error on
//! the later file, which is not served. Any other later claim is served at an address made from
//! its folders (`team/all-hands.md` at `team-all-hands`, then `blog-team-all-hands`, ...), then
//! from its date (`all-hands-2025-01-31`), then numbered (`all-hands-2`), the first no earlier
//! claim holds, with a warning. So a newer post never takes an older post's address (a new file
//! is reported, not the live post it collides with), and a draft never takes the address of a
//! post that is not one.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::Arc;

use crate::domain::{Post, Problem, ProblemKind, Severity, Slug};

/// Gives each parsed post (with its path, relative to the content folder) an address no other
/// post has. Returns the posts served, in the order given, with the slugs they are served at,
/// and a problem for every post moved or left out.
pub fn assign(candidates: Vec<(String, Arc<Post>)>) -> (Vec<Arc<Post>>, Vec<Problem>) {
    let mut order: Vec<usize> = (0..candidates.len()).collect();
    order.sort_by(|&a, &b| claim_order(&candidates[a], &candidates[b]));

    // For each slug given out, the candidate holding it.
    let mut holders: HashMap<Slug, usize> = HashMap::with_capacity(candidates.len());
    let mut served: Vec<Option<Slug>> = vec![None; candidates.len()];
    let mut problems = Vec::new();
    for index in order {
        let (path, post) = &candidates[index];
        let Some(&holder) = holders.get(&post.slug) else {
            holders.insert(post.slug.clone(), index);
            served[index] = Some(post.slug.clone());
            continue;
        };
        let (holder_path, holder_post) = &candidates[holder];
        let holder_chose_it = holder_post.slug_declared && holder_post.slug == post.slug;
        if post.slug_declared && holder_chose_it {
            problems.push(problem(
                path,
                Severity::Error,
                format!(
                    "the slug `{}` is also chosen by {holder_path}, which keeps it as the {}; \
                     give this post a different `slug:` (this file is not served)",
                    post.slug,
                    why_first(holder_post, post),
                ),
            ));
            continue;
        }
        let Some(address) =
            alternatives(path, post).find(|candidate| !holders.contains_key(candidate))
        else {
            problems.push(problem(
                path,
                Severity::Error,
                format!(
                    "the slug `{}` is taken by {holder_path} and no other address is free; add a `slug:` line",
                    post.slug
                ),
            ));
            continue;
        };
        let advice = if post.slug_declared {
            "choose another `slug:` to serve it elsewhere"
        } else {
            "add a `slug:` line to choose its address"
        };
        problems.push(problem(
            path,
            Severity::Warning,
            format!(
                "the slug `{}` is also {holder_path}'s, which keeps it as the {}; this post is served at `{address}` ({advice})",
                post.slug,
                why_first(holder_post, post),
            ),
        ));
        holders.insert(address.clone(), index);
        served[index] = Some(address);
    }

    let posts = candidates
        .into_iter()
        .zip(served)
        .filter_map(|((_, post), slug)| {
            let slug = slug?;
            if slug == post.slug {
                Some(post)
            } else {
                Some(Arc::new(Post {
                    slug,
                    ..(*post).clone()
                }))
            }
        })
        .collect();
    (posts, problems)
}

/// The order in which claims on a slug are granted; see the module documentation.
fn claim_order(a: &(String, Arc<Post>), b: &(String, Arc<Post>)) -> Ordering {
    fn key((path, post): &(String, Arc<Post>)) -> (bool, bool, jiff::Timestamp, bool, &str) {
        let section = is_section_page(path);
        (
            post.draft,
            section,
            post.date,
            !post.slug_declared,
            path.as_str(),
        )
    }
    key(a).cmp(&key(b))
}

/// Whether a file is a section page, Hugo's `_index.md`: a folder's list page, not a post.
fn is_section_page(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or(path);
    file.split_once('.')
        .is_some_and(|(stem, _)| stem == "_index")
}

/// Why `first` was granted a slug before `later`, in the words of the module documentation.
fn why_first(first: &Post, later: &Post) -> &'static str {
    if first.draft != later.draft {
        "post that is not a draft"
    } else if is_section_page(&first.source_path) != is_section_page(&later.source_path) {
        "page (a section's `_index` page comes after it)"
    } else if first.date != later.date {
        "older post"
    } else if first.slug_declared != later.slug_declared {
        "post that chose it (both have the same date)"
    } else {
        "first in path order (both have the same date)"
    }
}

/// The addresses a post whose slug is taken may be served at, best first: its slug prefixed
/// with its folders, nearest first (a page bundle's own folder, which gave the slug, is left
/// out), then suffixed with its date, then numbered from 2.
fn alternatives<'a>(path: &'a str, post: &'a Post) -> impl Iterator<Item = Slug> + 'a {
    let mut folders: Vec<&str> = path.split('/').collect();
    let file = folders.pop().unwrap_or_default();
    let stem = file.split_once('.').map_or(file, |(stem, _)| stem);
    if matches!(stem, "index" | "_index") && !post.slug_declared {
        folders.pop();
    }
    let slug = post.slug.as_str();
    // A suffix must survive the slug length limit, or every numbered address would be the same.
    let stem = shortened(slug, SUFFIX_ROOM);
    let by_folders = (1..=folders.len()).filter_map(move |nearest| {
        let prefix = folders[folders.len() - nearest..].join(" ");
        Slug::from_text(&format!("{prefix} {slug}")).ok()
    });
    let by_date = std::iter::once(post.date.strftime("%Y-%m-%d").to_string())
        .filter_map(move |day| Slug::from_text(&format!("{stem} {day}")).ok());
    let numbered = (2..).filter_map(move |n: u64| Slug::from_text(&format!("{stem} {n}")).ok());
    let mut seen = vec![post.slug.clone()];
    by_folders
        .chain(by_date)
        .chain(numbered)
        .filter(move |candidate| {
            // Folders without letters or digits, or a cut at the length limit, repeat an address.
            if seen.contains(candidate) {
                false
            } else {
                seen.push(candidate.clone());
                true
            }
        })
}

/// Bytes kept free at the end of a slug for a date or number suffix.
const SUFFIX_ROOM: usize = 24;

/// `slug` cut so that `room` more bytes fit within the slug length limit, at a word break.
fn shortened(slug: &str, room: usize) -> &str {
    let limit = Slug::MAX_LEN.saturating_sub(room);
    if slug.len() <= limit {
        return slug;
    }
    // Slugs are ASCII, so any byte index is a character boundary.
    slug[..limit].trim_end_matches('-')
}

fn problem(path: &str, severity: Severity, message: String) -> Problem {
    Problem {
        path: path.to_owned(),
        line: 1,
        column: None,
        severity,
        message,
        kind: ProblemKind::Content,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::{LoadOptions, parse_post};

    fn post(path: &str, front_matter: &str) -> (String, Arc<Post>) {
        let text = format!("---\ntitle: T\n{front_matter}\n---\nBody.\n");
        let parsed = parse_post(path, text.as_bytes(), LoadOptions::default());
        (path.to_owned(), parsed.post.expect("the test post parses"))
    }

    /// Each served post's path and slug, in path order, and each problem's path and severity.
    type Outcome = (Vec<(String, String)>, Vec<(String, Severity)>);

    fn outcome(mut candidates: Vec<(String, Arc<Post>)>) -> Outcome {
        candidates.sort_by(|a, b| a.0.cmp(&b.0));
        let (posts, mut problems) = assign(candidates);
        problems.sort_by(|a, b| a.path.cmp(&b.path));
        (
            posts
                .iter()
                .map(|p| (p.source_path.clone(), p.slug.to_string()))
                .collect(),
            problems.into_iter().map(|p| (p.path, p.severity)).collect(),
        )
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect()
    }

    #[test]
    fn the_same_file_name_in_two_folders_serves_both() {
        let (served, problems) = outcome(vec![
            post("blog/all-hands.md", "date: 2024-01-01"),
            post("blog/team/all-hands.md", "date: 2024-02-01"),
        ]);
        assert_eq!(
            served,
            pairs(&[
                ("blog/all-hands.md", "all-hands"),
                ("blog/team/all-hands.md", "team-all-hands"),
            ])
        );
        assert_eq!(
            problems,
            [("blog/team/all-hands.md".to_owned(), Severity::Warning)]
        );
    }

    #[test]
    fn the_outcome_does_not_depend_on_the_order_files_come_in() {
        let files = vec![
            post("a/x.md", "date: 2024-01-03"),
            post("b/x.md", "date: 2024-01-01"),
            post("c/x/index.md", "date: 2024-01-02"),
            post("b-x.md", "date: 2024-01-04"),
            post("x.md", "date: 2024-01-01\ndraft: true"),
        ];
        let expected = outcome(files.clone());
        let mut reversed = files.clone();
        reversed.reverse();
        let (posts, _) = assign(reversed);
        let mut served: Vec<(String, String)> = posts
            .iter()
            .map(|p| (p.source_path.clone(), p.slug.to_string()))
            .collect();
        served.sort();
        assert_eq!(served, expected.0);
        assert_eq!(
            expected.0,
            pairs(&[
                ("a/x.md", "a-x"),
                ("b-x.md", "b-x"),
                ("b/x.md", "x"),
                ("c/x/index.md", "c-x"),
                ("x.md", "x-2024-01-01"),
            ])
        );
    }

    #[test]
    fn two_chosen_slugs_are_an_error_on_the_later_file_even_when_it_sorts_first() {
        let (served, problems) = outcome(vec![
            post("live.md", "date: 2024-01-01\nslug: shared"),
            post(
                "aaa-new-draft.md",
                "date: 2023-01-01\nslug: shared\ndraft: true",
            ),
            post("aab-new-post.md", "date: 2024-06-01\nslug: shared"),
        ]);
        assert_eq!(served, pairs(&[("live.md", "shared")]));
        assert_eq!(
            problems,
            [
                ("aaa-new-draft.md".to_owned(), Severity::Error),
                ("aab-new-post.md".to_owned(), Severity::Error),
            ]
        );
    }

    #[test]
    fn a_chosen_slug_wins_a_tie_but_never_takes_an_older_or_published_posts_address() {
        let (served, _) = outcome(vec![
            post("notes/launch.md", "date: 2024-01-01"),
            post("announcement.md", "date: 2024-01-01\nslug: launch"),
        ]);
        assert_eq!(
            served,
            pairs(&[
                ("announcement.md", "launch"),
                ("notes/launch.md", "notes-launch"),
            ])
        );

        let (served, problems) = outcome(vec![
            post("launch.md", "date: 2024-01-01"),
            post("announcement.md", "date: 2024-02-01\nslug: launch"),
        ]);
        assert_eq!(
            served,
            pairs(&[
                ("announcement.md", "launch-2024-02-01"),
                ("launch.md", "launch"),
            ])
        );
        assert_eq!(
            problems,
            [("announcement.md".to_owned(), Severity::Warning)]
        );

        let (served, problems) = outcome(vec![
            post("launch.md", "date: 2024-01-01"),
            post("draft.md", "date: 2023-01-01\nslug: launch\ndraft: true"),
        ]);
        assert_eq!(
            served,
            pairs(&[("draft.md", "launch-2023-01-01"), ("launch.md", "launch")])
        );
        assert_eq!(problems, [("draft.md".to_owned(), Severity::Warning)]);
    }

    #[test]
    fn a_section_page_yields_its_slug_to_a_page() {
        let (served, problems) = outcome(vec![
            post("functions/css/_index.md", "date: 2024-01-01"),
            post("functions/safe/CSS.md", "date: 2024-06-01"),
        ]);
        assert_eq!(
            served,
            pairs(&[
                ("functions/css/_index.md", "functions-css"),
                ("functions/safe/CSS.md", "css"),
            ])
        );
        assert_eq!(
            problems,
            [("functions/css/_index.md".to_owned(), Severity::Warning)]
        );
    }

    #[test]
    fn slugs_at_the_length_limit_still_get_distinct_addresses() {
        let long = "word-".repeat(40);
        // One date for all, so that two of them need numbers.
        let files: Vec<_> = (0..4)
            .map(|n| {
                let (_, post) = post(&format!("{long}.md"), "date: 2024-01-01");
                (format!("{n}.md"), post)
            })
            .collect();
        let (posts, problems) = assign(files);
        let mut slugs: Vec<&str> = posts.iter().map(|p| p.slug.as_str()).collect();
        slugs.sort_unstable();
        slugs.dedup();
        assert_eq!(slugs.len(), 4, "{slugs:?}");
        assert!(slugs.iter().all(|s| s.len() <= Slug::MAX_LEN));
        assert_eq!(problems.len(), 3);
    }

    #[test]
    fn an_address_made_from_folders_is_not_taken_from_an_older_post() {
        let (served, _) = outcome(vec![
            post("team-all-hands.md", "date: 2023-01-01"),
            post("all-hands.md", "date: 2024-01-01"),
            post("team/all-hands.md", "date: 2024-02-01"),
        ]);
        assert_eq!(
            served,
            pairs(&[
                ("all-hands.md", "all-hands"),
                ("team-all-hands.md", "team-all-hands"),
                ("team/all-hands.md", "all-hands-2024-02-01"),
            ])
        );
    }
}
