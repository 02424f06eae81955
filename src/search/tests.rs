//! Unit tests of the index: building, ranking basics and incremental updates.

use jiff::Timestamp;
use tantivy::Term;

use super::lifecycle::{DOCS_PER_COMMIT, MAX_KEPT_SEGMENTS};
use super::schema::schema;
use super::*;
use crate::content::{LoadOptions, Parsed, parse_post};
use crate::store::{PageRequest, PostFilter, Store};

fn post(slug: &str, title: &str, body: &str) -> Parsed {
    let text = format!("---\ntitle: {title}\ndate: 2025-01-01\ntags: [misc]\n---\n{body}\n");
    parse_post(
        &format!("{slug}.md"),
        text.as_bytes(),
        LoadOptions::default(),
    )
}

fn now() -> Timestamp {
    "2026-01-01T00:00:00Z".parse().unwrap()
}

fn store(posts: Vec<Parsed>, generation: u64) -> Store {
    Store::build(posts, now()).with_generation(generation)
}

/// The first page of hits for `text`, without filters.
fn search<'s>(index: &SearchIndex, store: &'s Store, text: &str) -> SearchResults<'s> {
    let filter = PostFilter::default();
    let request = SearchRequest {
        text,
        filter: &filter,
        sort: None,
        page: PageRequest {
            number: 1,
            size: 10,
        },
        now: now(),
    };
    index.search(store, &request).unwrap()
}

fn found(index: &SearchIndex, store: &Store, text: &str) -> Vec<String> {
    search(index, store, text)
        .hits
        .iter()
        .map(|hit| hit.post.slug.to_string())
        .collect()
}

#[test]
fn apply_reindexes_an_edited_post_and_forgets_a_deleted_one() {
    let first = store(
        vec![
            post("a", "Alpha", "The walrus sings."),
            post("b", "Beta", "The pelican dances."),
        ],
        1,
    );
    let index = SearchIndex::build(&first, now()).unwrap();
    assert_eq!(found(&index, &first, "walrus"), ["a"]);
    assert_eq!(found(&index, &first, "pelican"), ["b"]);

    let second = store(vec![post("a", "Alpha", "The narwhal sings.")], 2);
    index
        .apply(&second, &["a".to_owned()], &["b".to_owned()], now())
        .unwrap();

    assert!(found(&index, &second, "walrus").is_empty());
    assert_eq!(found(&index, &second, "narwhal"), ["a"]);
    assert!(found(&index, &second, "pelican").is_empty());
}

#[test]
fn a_stale_index_still_maps_hits_to_the_new_store() {
    let first = store(
        vec![post("a", "Alpha", "walrus"), post("b", "Beta", "walrus")],
        1,
    );
    let index = SearchIndex::build(&first, now()).unwrap();
    // A reload removed `a` but the index has not been told yet.
    let second = store(vec![post("b", "Beta", "walrus")], 2);
    assert_eq!(found(&index, &second, "walrus"), ["b"]);
}

#[test]
fn text_without_words_finds_nothing_instead_of_failing() {
    let store = store(vec![post("a", "Alpha", "walrus")], 1);
    let index = SearchIndex::build(&store, now()).unwrap();
    for text in ["!!!", "\"\"", "*", "(", "AND", "title:", "~2"] {
        let _ = found(&index, &store, text);
    }
    assert!(found(&index, &store, "!!!").is_empty());
}

#[test]
fn phrases_in_the_body_match_only_words_in_order_and_side_by_side() {
    let store = store(
        vec![
            post("exact", "One", "We played planning poker cards all night."),
            post("pairs", "Two", "Poker cards came out. Planning poker won."),
            post("apart", "Three", "Cards for poker need planning."),
            post("gap", "Four", "Planning the poker cards."),
        ],
        1,
    );
    let index = SearchIndex::build(&store, now()).unwrap();
    let sorted = |text| {
        let mut slugs = found(&index, &store, text);
        slugs.sort();
        slugs
    };

    assert_eq!(sorted("\"planning poker\""), ["exact", "pairs"]);
    assert_eq!(sorted("\"poker cards\""), ["exact", "gap", "pairs"]);
    // "pairs" has each pair of the phrase, but not the three words in a row.
    assert_eq!(sorted("\"planning poker cards\""), ["exact"]);
    // Stemmed, like every search.
    assert_eq!(sorted("\"plan poker card\""), ["exact"]);
    assert_eq!(sorted("\"cards for poker\""), ["apart"]);
}

#[test]
fn snippets_come_from_the_posts_plain_text() {
    let store = store(
        vec![post(
            "a",
            "Alpha",
            "First paragraph.\n\nThe <b>walrus</b> sings & dances.",
        )],
        1,
    );
    let index = SearchIndex::build(&store, now()).unwrap();
    let results = search(&index, &store, "walrus");
    let snippet = &results.hits[0].snippet;
    assert!(snippet.contains("<mark>walrus</mark>"), "{snippet}");
    assert!(snippet.contains("&amp;"), "{snippet}");
}

#[test]
fn an_index_kept_on_disk_indexes_again_only_what_changed_since_the_last_run() {
    let dir = tempfile::tempdir().unwrap();
    let first = store(
        vec![
            post("a", "Alpha", "The walrus sings."),
            post("b", "Beta", "The pelican dances."),
            post("c", "Gamma", "The heron waits."),
        ],
        1,
    );
    let index = SearchIndex::open(&first, dir.path(), now()).unwrap();
    assert_eq!(found(&index, &first, "walrus"), ["a"]);
    drop(index);

    // The next run: `a` was edited, `b` deleted, `c` left alone and `d` added.
    let second = store(
        vec![
            post("a", "Alpha", "The narwhal sings."),
            post("c", "Gamma", "The heron waits."),
            post("d", "Delta", "The walrus returns."),
        ],
        2,
    );
    let (schema, fields) = schema();
    let kept = Index::open_in_dir(dir.path().join(disk::FORMAT)).unwrap();
    assert_eq!(kept.schema(), schema);
    let searcher = kept.reader().unwrap().searcher();
    assert_eq!(
        disk::changes(&searcher, &fields, &second, now()),
        disk::Changes {
            upserted: vec!["a".to_owned(), "d".to_owned()],
            deleted: vec!["b".to_owned()],
            kept: 1,
        }
    );
    drop((searcher, kept));

    let index = SearchIndex::open(&second, dir.path(), now()).unwrap();
    assert_eq!(found(&index, &second, "walrus"), ["d"]);
    assert_eq!(found(&index, &second, "narwhal"), ["a"]);
    assert_eq!(found(&index, &second, "heron"), ["c"]);
    assert!(found(&index, &second, "pelican").is_empty());
    assert_eq!(index.reader.searcher().num_docs(), 3);
}

/// A post with its own front matter lines (dates, expiry).
fn timed_post(slug: &str, front: &str, body: &str) -> Parsed {
    let text = format!("---\ntitle: {slug}\n{front}\n---\n{body}\n");
    parse_post(
        &format!("{slug}.md"),
        text.as_bytes(),
        LoadOptions::default(),
    )
}

/// How many live documents hold `word` in the body, and how many documents in all (deleted
/// ones included, as BM25 counts them).
fn body_counts(index: &SearchIndex, word: &str) -> (u64, u64) {
    let searcher = index.reader.searcher();
    let term = Term::from_field_text(index.fields.body, word);
    (searcher.num_docs(), searcher.doc_freq(&term).unwrap())
}

#[test]
fn a_kept_index_adds_posts_gone_live_and_drops_posts_expired_since_the_last_run() {
    let dir = tempfile::tempdir().unwrap();
    let site = store(
        vec![
            post("a", "Alpha", "The walrus sings."),
            timed_post("soon", "date: 2026-06-01", "A zeppelin."),
            timed_post(
                "fading",
                "date: 2025-01-01\nexpires: 2026-03-01",
                "A dirigible.",
            ),
        ],
        1,
    );
    let index = SearchIndex::open(&site, dir.path(), now()).unwrap();
    assert_eq!(body_counts(&index, "zeppelin"), (2, 0));
    assert_eq!(body_counts(&index, "dirig"), (2, 1));
    drop(index);

    let later: Timestamp = "2026-07-01T00:00:00Z".parse().unwrap();
    let index = SearchIndex::open(&site, dir.path(), later).unwrap();

    assert_eq!(body_counts(&index, "zeppelin"), (2, 1));
    // The expired post's words are gone from the counts too, not only from the hits.
    assert_eq!(body_counts(&index, "dirig"), (2, 0));
}

#[test]
fn catching_up_follows_the_clock_and_the_store_and_does_nothing_twice() {
    let site = store(
        vec![
            post("a", "Alpha", "The walrus sings."),
            timed_post("soon", "date: 2026-06-01", "A zeppelin."),
            timed_post(
                "fading",
                "date: 2025-01-01\nexpires: 2026-03-01",
                "A dirigible.",
            ),
        ],
        1,
    );
    let index = SearchIndex::build(&site, now()).unwrap();
    assert_eq!(body_counts(&index, "zeppelin"), (2, 0));

    let later: Timestamp = "2026-07-01T00:00:00Z".parse().unwrap();
    index.catch_up(&site, later).unwrap();
    assert_eq!(body_counts(&index, "zeppelin"), (2, 1));
    assert_eq!(body_counts(&index, "dirig"), (2, 0));
    assert!(index.version().is_current(&site, later));
    let segments = index.segments();

    // Nothing changed since: nothing is indexed or removed again.
    index.catch_up(&site, later).unwrap();
    assert_eq!(index.segments(), segments);
    assert_eq!(body_counts(&index, "zeppelin"), (2, 1));

    // A reload that makes the live post a draft removes it.
    let reloaded = store(
        vec![
            post("a", "Alpha", "The walrus sings."),
            timed_post("soon", "date: 2026-06-01\ndraft: true", "A zeppelin."),
        ],
        2,
    );
    index.catch_up(&reloaded, later).unwrap();
    assert_eq!(body_counts(&index, "zeppelin"), (1, 0));
    assert!(index.version().is_current(&reloaded, later));
}

#[test]
fn a_kept_index_that_cannot_be_opened_or_is_of_another_version_is_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join(disk::FORMAT);
    std::fs::create_dir_all(&home).unwrap();
    std::fs::write(home.join("meta.json"), "{ not tantivy's").unwrap();
    std::fs::create_dir_all(dir.path().join("v0")).unwrap();
    std::fs::create_dir_all(dir.path().join("notes")).unwrap();
    let store = store(vec![post("a", "Alpha", "The walrus sings.")], 1);

    let index = SearchIndex::open(&store, dir.path(), now()).unwrap();

    assert_eq!(found(&index, &store, "walrus"), ["a"]);
    assert!(!dir.path().join("v0").exists());
    // Only folders named like index versions are Quire's to remove.
    assert!(dir.path().join("notes").exists());
}

#[test]
fn a_second_server_cannot_write_to_the_same_kept_index() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(vec![post("a", "Alpha", "The walrus sings.")], 1);
    let _first = SearchIndex::open(&store, dir.path(), now()).unwrap();
    // The caller then indexes in memory instead (see `follow`).
    assert!(SearchIndex::open(&store, dir.path(), now()).is_err());
}

#[test]
fn a_build_is_searchable_in_its_segments_and_finds_the_same_once_compacted() {
    // More posts than one commit takes, so the build leaves several segments.
    let posts = (0..DOCS_PER_COMMIT + 100)
        .map(|i| {
            let animal = if i % 1000 == 7 { "walrus" } else { "pelican" };
            post(
                &format!("p{i}"),
                &format!("Post {i}"),
                &format!("A {animal} sings."),
            )
        })
        .collect();
    let store = store(posts, 1);

    let index = SearchIndex::build_searchable(&store, now()).unwrap();
    let segments = index.segments();
    let mut before = found(&index, &store, "walrus");
    index.compact(&store, now()).unwrap();
    let mut after = found(&index, &store, "walrus");

    assert!(segments > 1, "{segments} segments");
    assert_eq!(index.segments(), 1);
    before.sort();
    after.sort();
    assert_eq!(before, ["p1007", "p2007", "p7"]);
    assert_eq!(after, before);
    assert_eq!(index.generation(), 1);
    // Compacting again (nothing was built since) changes nothing.
    index.compact(&store, now()).unwrap();
    assert_eq!(found(&index, &store, "walrus").len(), 3);
}

#[test]
fn a_kept_index_whose_build_was_never_merged_is_merged_at_the_next_start() {
    let dir = tempfile::tempdir().unwrap();
    let others: Vec<String> = (0..=MAX_KEPT_SEGMENTS).map(|i| format!("p{i}")).collect();
    let posts = |sound: &str| {
        let mut posts = vec![
            post("a", "Alpha", &format!("The walrus {sound}.")),
            post("b", "Beta", "The pelican dances."),
        ];
        posts.extend(
            others
                .iter()
                .map(|slug| post(slug, "Other", "The heron waits.")),
        );
        store(posts, 1)
    };
    let first = posts("sings");
    // A run that stopped before `compact`: its build and each later update left a segment.
    let index = SearchIndex::open_searchable(&first, dir.path(), now()).unwrap();
    for slug in &others {
        index
            .apply(&first, std::slice::from_ref(slug), &[], now())
            .unwrap();
    }
    assert!(index.segments() > MAX_KEPT_SEGMENTS, "{}", index.segments());
    drop(index);

    let second = posts("hums");
    let index = SearchIndex::open_searchable(&second, dir.path(), now()).unwrap();
    assert_eq!(found(&index, &second, "hums"), ["a"]);
    index.compact(&second, now()).unwrap();

    assert_eq!(index.segments(), 1);
    assert_eq!(found(&index, &second, "hums"), ["a"]);
    assert_eq!(found(&index, &second, "pelican"), ["b"]);
    assert_eq!(found(&index, &second, "heron").len(), others.len());
    assert!(found(&index, &second, "sings").is_empty());
}
