//! The store's unit tests: queries, visibility, and that every way of making the next store
//! answers exactly like a fresh build.

use std::sync::Arc;

use jiff::Timestamp;

use super::indexes::Window;
use super::*;
use crate::content::{LoadOptions, Parsed, finish, parse_post};
use crate::domain::Slug;

fn post(slug: &str, date: &str, tags: &str, extra: &str) -> Parsed {
    let text = format!(
        "---\ntitle: {slug}\ndate: {date}\ntags: [{tags}]\n{extra}\n---\nBody of {slug}.\n"
    );
    parse_post(
        &format!("{slug}.md"),
        text.as_bytes(),
        LoadOptions::default(),
    )
}

fn store() -> Store {
    Store::build(files(), now())
}

/// Five posts: two tags, two categories, a draft and one scheduled after `now`.
fn files() -> Vec<Parsed> {
    vec![
        post("a", "2025-01-01", "x, y", "category: One"),
        post("b", "2025-02-01", "x", "category: Two"),
        post("c", "2025-03-01", "y", "draft: true"),
        post("d", "2025-04-01", "x, y", "category: One"),
        post("e", "2030-01-01", "x", ""),
    ]
}

fn now() -> Timestamp {
    "2026-01-01T00:00:00Z".parse().unwrap()
}

fn slugs(page: &PostPage<'_>) -> Vec<String> {
    page.posts.iter().map(|p| p.slug.to_string()).collect()
}

fn list(filter: PostFilter) -> Vec<String> {
    slugs(&store().list_posts(
        &filter,
        SortOrder::DateDesc,
        PageRequest {
            number: 1,
            size: 10,
        },
        now(),
    ))
}

fn tags(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| n.to_string()).collect()
}

#[test]
fn drafts_and_scheduled_posts_are_not_listed() {
    assert_eq!(list(PostFilter::default()), ["d", "b", "a"]);
}

#[test]
fn a_preview_lists_and_finds_unpublished_posts_with_published_neighbours() {
    let preview = PostFilter {
        preview: true,
        ..Default::default()
    };
    assert_eq!(list(preview), ["e", "d", "c", "b", "a"]);
    let store = store();
    let draft = Slug::parse("c").unwrap();
    assert!(store.find_post(&draft, now()).is_none());
    let found = store.find_post_for_preview(&draft, now()).unwrap();
    assert_eq!(found.post.slug.as_str(), "c");
    assert_eq!(found.previous.map(|p| p.slug.as_str()), Some("b"));
    assert_eq!(found.next.map(|p| p.slug.as_str()), Some("d"));
}

#[test]
fn tag_modes_combine_tags_with_or_and_and() {
    assert_eq!(
        list(PostFilter {
            tags: tags(&["x", "y"]),
            ..Default::default()
        }),
        ["d", "b", "a"]
    );
    let all = PostFilter {
        tags: tags(&["x", "y"]),
        tag_mode: TagMode::All,
        ..Default::default()
    };
    assert_eq!(list(all), ["d", "a"]);
    assert_eq!(
        list(PostFilter {
            exclude_tags: tags(&["y"]),
            ..Default::default()
        }),
        ["b"]
    );
}

#[test]
fn date_bounds_are_inclusive() {
    let from = Some("2025-02-01T00:00:00Z".parse().unwrap());
    let to = Some("2025-04-01T00:00:00Z".parse().unwrap());
    assert_eq!(
        list(PostFilter {
            from,
            to,
            ..Default::default()
        }),
        ["d", "b"]
    );
    assert!(
        list(PostFilter {
            from: to,
            to: from,
            ..Default::default()
        })
        .is_empty()
    );
}

#[test]
fn pages_cut_the_list_and_count_the_total() {
    let store = store();
    let page = store.list_posts(
        &PostFilter::default(),
        SortOrder::DateAsc,
        PageRequest { number: 2, size: 2 },
        now(),
    );
    assert_eq!((slugs(&page), page.total), (vec!["d".to_owned()], 3));
    let past_end = store.list_posts(
        &PostFilter::default(),
        SortOrder::DateAsc,
        PageRequest { number: 9, size: 2 },
        now(),
    );
    assert!(past_end.posts.is_empty());
}

#[test]
fn neighbours_skip_unpublished_posts() {
    let store = store();
    let found = store.find_post(&Slug::parse("b").unwrap(), now()).unwrap();
    assert_eq!(found.previous.map(|p| p.slug.as_str()), Some("a"));
    assert_eq!(found.next.map(|p| p.slug.as_str()), Some("d"));
    assert!(store.find_post(&Slug::parse("c").unwrap(), now()).is_none());
    assert!(store.find_post(&Slug::parse("e").unwrap(), now()).is_none());
}

#[test]
fn a_scheduled_post_appears_once_its_date_passes() {
    let later = "2030-01-02T00:00:00Z".parse().unwrap();
    let store = store();
    assert!(store.find_post(&Slug::parse("e").unwrap(), later).is_some());
    assert_eq!(store.stats(later).posts, 4);
}

#[test]
fn term_counts_include_only_published_posts() {
    let store = store();
    let counts: Vec<_> = store
        .terms(TaxonomyKind::Tag, now())
        .iter()
        .map(|t| (t.term.name.clone(), t.count))
        .collect();
    assert_eq!(counts, [("x".to_owned(), 3), ("y".to_owned(), 2)]);
}

#[test]
fn visibility_epochs_change_exactly_when_a_post_goes_live() {
    let store = store();
    let live: Timestamp = "2030-01-01T00:00:00Z".parse().unwrap();
    let before = live
        .checked_sub(jiff::SignedDuration::from_secs(1))
        .unwrap();
    assert_eq!(store.next_change_after(now()), Some(live));
    assert_eq!(store.next_change_after(before), Some(live));
    assert_eq!(
        store.visibility_epoch(now()),
        store.visibility_epoch(before)
    );
    assert_eq!(
        store.visibility_epoch(live),
        store.visibility_epoch(before) + 1
    );
    assert_eq!(store.next_change_after(live), None);
    assert_eq!(store.last_change_at_or_before(live), Some(live));
    assert_eq!(
        store.last_change_at_or_before(now()),
        Some("2025-04-01T00:00:00Z".parse().unwrap())
    );
}

#[test]
fn the_epoch_is_the_count_of_changes_passed_whichever_way_time_moves() {
    let store = store();
    let changes = store.visibility_changes_for_tests().to_vec();
    assert!(changes.len() >= 3, "{changes:?}");
    // Each change, a second either side of it, and far before and after all of them.
    let mut moments: Vec<Timestamp> = vec![
        "1990-01-01T00:00:00Z".parse().unwrap(),
        "2100-01-01T00:00:00Z".parse().unwrap(),
    ];
    for &change in &changes {
        let second = jiff::SignedDuration::from_secs(1);
        moments.extend([
            change.checked_sub(second).unwrap(),
            change,
            change.checked_add(second).unwrap(),
        ]);
    }
    let forward = moments.clone();
    let mut order = moments.clone();
    order.sort();
    order.extend(forward.iter().rev());
    order.extend(forward);
    for now in order {
        let epoch = changes.partition_point(|&change| change <= now);
        assert_eq!(store.visibility_epoch(now), epoch, "at {now}");
        assert_eq!(
            store.visibility_at(now),
            (epoch, changes.get(epoch).copied())
        );
    }
}

#[test]
fn publishing_windows_agree_with_post_visibility_at_every_boundary() {
    let posts = [
        post("plain", "2025-01-01", "", ""),
        post("draft", "2025-01-01", "", "draft: true"),
        post("expiring", "2025-01-01", "", "expires: 2025-06-01"),
    ];
    let moments = [
        "2024-12-31T23:59:59Z",
        "2025-01-01T00:00:00Z",
        "2025-05-31T23:59:59Z",
        "2025-06-01T00:00:00Z",
        "2026-01-01T00:00:00Z",
    ];
    for parsed in posts {
        let post = parsed.post.unwrap();
        for moment in moments {
            let now: Timestamp = moment.parse().unwrap();
            assert_eq!(
                Window::of(&post).is_open(now),
                post.is_published(now),
                "{} at {moment}",
                post.slug
            );
        }
    }
}

#[test]
fn of_two_files_choosing_one_slug_the_newer_is_skipped_with_an_error() {
    let store = Store::build(
        vec![
            post("a", "2025-02-01", "", "slug: shared"),
            post("b", "2025-01-01", "", "slug: shared"),
        ],
        now(),
    );
    let served: Vec<_> = store.all_posts().iter().map(|p| &p.source_path).collect();
    assert_eq!(served, ["b.md"]);
    assert_eq!(store.problems().len(), 1);
    assert_eq!(store.problems()[0].path, "a.md");
    assert!(store.problems()[0].message.contains("also chosen by b.md"));
}

/// Everything a request can observe of a store, in one comparable value.
fn observable(store: &Store) -> Vec<String> {
    let page = PageRequest {
        number: 1,
        size: 100,
    };
    let mut seen = Vec::new();
    for sort in [
        SortOrder::DateDesc,
        SortOrder::TitleAsc,
        SortOrder::TitleDesc,
    ] {
        for preview in [false, true] {
            let filter = PostFilter {
                preview,
                ..PostFilter::default()
            };
            let listed = store.list_posts(&filter, sort, page, now());
            seen.push(format!("{sort:?} {preview}: {:?}", slugs(&listed)));
            let titles: Vec<&str> = listed.posts.iter().map(|p| p.title.as_str()).collect();
            seen.push(format!("titles: {titles:?}"));
        }
    }
    for kind in [
        TaxonomyKind::Category,
        TaxonomyKind::Tag,
        TaxonomyKind::Author,
    ] {
        let terms: Vec<(String, String, usize)> = store
            .terms(kind, now())
            .iter()
            .map(|t| (t.term.slug.to_string(), t.term.name.clone(), t.count))
            .collect();
        seen.push(format!("{kind:?}: {terms:?}"));
    }
    for post in store.all_posts() {
        let found = store.find_post(&post.slug, now());
        seen.push(format!(
            "{}: {:?} {:?}",
            post.slug,
            found
                .as_ref()
                .and_then(|f| f.previous)
                .map(|p| p.slug.to_string()),
            found
                .as_ref()
                .and_then(|f| f.next)
                .map(|p| p.slug.to_string()),
        ));
    }
    seen.push(format!("{:?}", store.visibility_changes_for_tests()));
    seen.push(format!(
        "{:?} {:?}",
        store.newest_modified(now()),
        store.problems()
    ));
    seen
}

#[test]
fn a_rebuild_answers_exactly_like_a_fresh_build_after_any_edit() {
    let edits: Vec<(&str, Vec<Parsed>)> = vec![
        ("nothing changed", files()),
        ("a body changed", {
            let mut f = files();
            f[1] = parse_post(
                "b.md",
                b"---\ntitle: b\ndate: 2025-02-01\ntags: [x]\ncategory: Two\n---\nNew body.\n",
                LoadOptions::default(),
            );
            f
        }),
        ("a title changed", {
            let mut f = files();
            f[0] = parse_post(
                "a.md",
                b"---\ntitle: zz top\ndate: 2025-01-01\ntags: [x, y]\ncategory: One\n---\nBody.\n",
                LoadOptions::default(),
            );
            f
        }),
        ("a date changed", {
            let mut f = files();
            f[0] = post("a", "2025-05-01", "x, y", "category: One");
            f
        }),
        ("a tag was added", {
            let mut f = files();
            f[1] = post("b", "2025-02-01", "x, z", "category: Two");
            f
        }),
        ("a term was respelt", {
            let mut f = files();
            f[3] = post("d", "2025-04-01", "X, y", "category: One");
            f
        }),
        ("a draft was published", {
            let mut f = files();
            f[2] = post("c", "2025-03-01", "y", "");
            f
        }),
        ("an expiry was set", {
            let mut f = files();
            f[3] = post(
                "d",
                "2025-04-01",
                "x, y",
                "category: One\nexpires: 2025-12-01",
            );
            f
        }),
        ("a post was deleted", files().into_iter().take(4).collect()),
        ("a post was added", {
            let mut f = files();
            f.push(post("f", "2025-06-01", "y", ""));
            f
        }),
        ("a post was renamed", {
            let mut f = files();
            f[1] = post("b2", "2025-02-01", "x", "category: Two");
            f
        }),
        ("a file broke", {
            let mut f = files();
            f[1] = parse_post("b.md", b"---\ntitle: [\n---\n", LoadOptions::default());
            f
        }),
        ("a slug was duplicated", {
            let mut f = files();
            f.push(parse_post(
                "z.md",
                b"---\ntitle: Z\nslug: a\ndate: 2025-01-01\n---\nx\n",
                LoadOptions::default(),
            ));
            f
        }),
        ("an older file of the same name came in another folder", {
            let mut f = files();
            f.push(parse_post(
                "team/b.md",
                b"---\ntitle: Team b\ndate: 2024-12-01\n---\nx\n",
                LoadOptions::default(),
            ));
            f
        }),
    ];
    let old = Store::build(files(), now());
    for (edit, parsed) in edits {
        let fresh = Store::build(parsed.clone(), now());
        let rebuilt = old.next(Change::Listing(finish(parsed)), now());
        assert_eq!(observable(&rebuilt), observable(&fresh), "{edit}");
    }
}

#[test]
fn a_rebuild_after_a_body_edit_shares_the_old_indexes() {
    let old = Store::build(files(), now());
    let mut edited = files();
    edited[1] = parse_post(
        "b.md",
        b"---\ntitle: b\ndate: 2025-02-01\ntags: [x]\ncategory: Two\n---\nNew body.\n",
        LoadOptions::default(),
    );
    let rebuilt = old.next(Change::Listing(finish(edited)), now());
    assert!(Arc::ptr_eq(&old.order, &rebuilt.order));
    assert!(Arc::ptr_eq(&old.titles, &rebuilt.titles));
    let body = |store: &Store| store.post_by_slug("b").map(|p| p.body.markdown());
    assert_eq!(body(&rebuilt).as_deref(), Some("New body.\n"));
    assert_ne!(body(&old), body(&rebuilt));

    let mut moved = files();
    moved[1] = post("b", "2025-02-02", "x", "category: Two");
    assert!(!Arc::ptr_eq(
        &old.order,
        &old.next(Change::Listing(finish(moved)), now()).order
    ));
}

/// The edit of the file behind a post `old` serves into `parsed`.
fn edit(old: &Store, parsed: &Parsed) -> Edit {
    let after = parsed.post.clone().unwrap();
    Edit {
        path: parsed.path.clone(),
        before: Arc::clone(old.post_by_slug(after.slug.as_str()).unwrap()),
        after,
        warnings: parsed.warnings.clone(),
    }
}

#[test]
fn an_edit_in_place_answers_exactly_like_a_fresh_build() {
    let title = parse_post(
        "a.md",
        b"---\ntitle: zz top\ndate: 2025-01-01\ntags: [x, y]\ncategory: One\n---\nBody.\n",
        LoadOptions::default(),
    );
    let body = parse_post(
        "b.md",
        b"---\ntitle: b\ndate: 2025-02-01\ntags: [x]\ncategory: Two\n---\nNew body.\n",
        LoadOptions::default(),
    );
    let warned = parse_post(
        "d.md",
        b"---\ntitle: D\ndate: 2025-04-01\ntags: [x, y]\ncategory: One\n---\nvaluable\xc3\xa2\xe2\x82\xac\xe2\x80\x9dthey\n",
        LoadOptions::default(),
    );
    assert!(
        !warned.warnings.is_empty() && warned.post.is_ok(),
        "{warned:?}"
    );
    let cases: Vec<(&str, Vec<(usize, Parsed)>)> = vec![
        ("a title", vec![(0, title.clone())]),
        ("a body", vec![(1, body.clone())]),
        ("two files", vec![(0, title), (1, body)]),
    ];
    let cases = cases
        .into_iter()
        .chain([("a warning", vec![(3, warned.clone())])]);
    let old = Store::build(files(), now());
    for (what, changes) in cases {
        let mut parsed = files();
        let mut edits = Vec::new();
        for (index, file) in changes {
            edits.push(edit(&old, &file));
            parsed[index] = file;
        }
        let edited = old
            .saved(&edits, now())
            .unwrap_or_else(|| panic!("{what}: an edit in place"));
        assert_eq!(
            observable(&edited),
            observable(&Store::build(parsed, now())),
            "{what}"
        );
    }
}

#[test]
fn an_edit_that_moves_a_post_or_touches_an_unserved_one_needs_a_rebuild() {
    let old = Store::build(files(), now());
    let moved = post("a", "2025-05-01", "x, y", "category: One");
    assert!(old.saved(&[edit(&old, &moved)], now()).is_none());
    let retagged = post("b", "2025-02-01", "x, z", "category: Two");
    assert!(old.saved(&[edit(&old, &retagged)], now()).is_none());
    let mut unchanged = post("b", "2025-02-01", "x", "category: Two");
    unchanged.path = "b.md".to_owned();
    assert!(old.saved(&[edit(&old, &unchanged)], now()).is_some());
    // A post that is not the one served under its slug (say, a duplicate that lost).
    let stranger = Edit {
        path: "z.md".to_owned(),
        before: post("a", "2025-01-01", "x, y", "category: One")
            .post
            .unwrap(),
        after: post("a", "2025-01-01", "x, y", "category: One")
            .post
            .unwrap(),
        warnings: Vec::new(),
    };
    assert!(old.saved(&[stranger], now()).is_none());
}

/// `files()` with `changed` in place of the file of its name, and every other file giving the
/// very post `old` serves (as a reload shares the posts of unchanged files).
fn files_with(old: &Store, changed: Parsed) -> Vec<Parsed> {
    files()
        .into_iter()
        .map(|file| {
            if file.path == changed.path {
                return changed.clone();
            }
            let slug = file.path.trim_end_matches(".md");
            let served = Arc::clone(old.post_by_slug(slug).unwrap());
            Parsed {
                post: Ok(served),
                ..file
            }
        })
        .collect()
}

#[test]
fn the_next_store_is_one_version_on_and_one_public_version_on_only_if_the_public_sees_a_change() {
    let old = Store::build(files(), now());
    let later: Timestamp = "2026-01-02T00:00:00Z".parse().unwrap();
    let draft = post(
        "c",
        "2025-03-01",
        "y",
        "draft: true\nsummary: still a draft",
    );
    let quiet = old.next(Change::Listing(finish(files_with(&old, draft))), later);
    assert_eq!(
        (quiet.generation(), quiet.public_generation()),
        (old.generation() + 1, old.public_generation())
    );
    assert_eq!(quiet.public_changed_at(), old.public_changed_at());

    let published = post("b", "2025-02-01", "x", "category: Two\nsummary: news");
    let news = quiet.next(
        Change::Listing(finish(files_with(&quiet, published))),
        later,
    );
    assert_eq!(
        (news.generation(), news.public_generation()),
        (old.generation() + 2, old.public_generation() + 1)
    );
    assert_eq!(news.public_changed_at(), later);
}

/// The store `edits` make from `old` when the folder now lists `parsed`, and the store a fresh
/// build of `parsed` makes, to compare.
fn saved_and_rebuilt(old: &Store, edits: &[Edit], parsed: &[Parsed]) -> (Store, Store) {
    let listing = || finish(parsed.to_vec());
    let next = old.next(
        Change::Saved {
            edits,
            listing: &listing,
        },
        now(),
    );
    (next, Store::build(parsed.to_vec(), now()))
}

#[test]
fn a_save_that_moves_its_post_is_answered_from_the_full_listing() {
    let old = Store::build(files(), now());
    let mut parsed = files();
    parsed[0] = post("a", "2025-05-01", "x, y", "category: One");
    let edits = [edit(&old, &parsed[0])];
    let (next, rebuilt) = saved_and_rebuilt(&old, &edits, &parsed);
    assert_eq!(observable(&next), observable(&rebuilt));

    // A save that keeps its place never asks for the listing.
    let body = post("b", "2025-02-01", "x", "category: Two\nsummary: new");
    let edits = [edit(&old, &body)];
    let next = old.next(
        Change::Saved {
            edits: &edits,
            listing: &|| panic!("a save in place listed the folder"),
        },
        now(),
    );
    assert!(Arc::ptr_eq(&old.order, &next.order));
}

#[test]
fn a_save_of_a_post_served_at_another_address_is_answered_from_the_full_listing() {
    let moved_here = |body: &str| {
        let text = format!("---\ntitle: Team a\ndate: 2025-06-01\n---\n{body}\n");
        parse_post("team/a.md", text.as_bytes(), LoadOptions::default())
    };
    let mut parsed = files();
    parsed.push(moved_here("First."));
    let old = Store::build(parsed.clone(), now());
    assert_eq!(
        old.post_by_slug("team-a").map(|p| p.source_path.as_str()),
        Some("team/a.md")
    );

    let saved = moved_here("Second.");
    let edits = [Edit {
        path: "team/a.md".to_owned(),
        before: parsed[5].post.clone().unwrap(),
        after: saved.post.clone().unwrap(),
        warnings: Vec::new(),
    }];
    assert!(old.saved(&edits, now()).is_none());
    parsed[5] = saved;
    let (next, rebuilt) = saved_and_rebuilt(&old, &edits, &parsed);
    assert_eq!(observable(&next), observable(&rebuilt));
    let body = next.post_by_slug("team-a").map(|p| p.body.markdown());
    assert_eq!(body.as_deref(), Some("Second.\n"));
}
