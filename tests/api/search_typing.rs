//! Search as a reader types: one typo in any word, and every prefix of the word being typed,
//! whatever the word's stem looks like. The fixture has one short post per word, each word of
//! a different shape: its stem shorter than the word (`estimation` is `estim`, `velocity` is
//! `veloc`), a plural, -ing, -tion and -ness.

use std::path::Path;

use crate::helpers::{TestApp, encode, slugs, spawn_app};

/// Each fixture word, which is also the slug of the one post that contains it.
const WORDS: [&str; 8] = [
    "estimation",
    "velocity",
    "meetings",
    "integration",
    "refinement",
    "stories",
    "planning",
    "happiness",
];

fn app() -> TestApp {
    spawn_app(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/search-words"))
}

fn found(app: &TestApp, q: &str) -> Vec<String> {
    slugs(&app.get_ok_json(&format!("/api/v1/search?q={}", encode(q))))
}

/// Makes one typo in a word at a letter's index.
type Typo = fn(&str, usize) -> String;

/// A letter left out at `at`.
fn missing(word: &str, at: usize) -> String {
    let mut chars: Vec<char> = word.chars().collect();
    chars.remove(at);
    chars.into_iter().collect()
}

/// The letter at `at` typed twice.
fn extra(word: &str, at: usize) -> String {
    let mut chars: Vec<char> = word.chars().collect();
    chars.insert(at, chars[at]);
    chars.into_iter().collect()
}

/// The letter at `at` replaced by another.
fn wrong(word: &str, at: usize) -> String {
    let mut chars: Vec<char> = word.chars().collect();
    chars[at] = if chars[at] == 'x' { 'q' } else { 'x' };
    chars.into_iter().collect()
}

/// The letter at `at` swapped with the one before it.
fn swapped(word: &str, at: usize) -> String {
    let mut chars: Vec<char> = word.chars().collect();
    chars.swap(at - 1, at);
    chars.into_iter().collect()
}

#[test]
fn the_typos_of_the_issue_find_their_word() {
    let app = app();

    for (typo, slug) in [
        ("estimaton", "estimation"),
        ("estimatoin", "estimation"),
        ("estimationn", "estimation"),
        ("velcoity", "velocity"),
        ("meetigns", "meetings"),
    ] {
        assert_eq!(found(&app, &format!("{typo} ")), [slug], "for `{typo}`");
    }
}

#[test]
fn one_typo_of_any_kind_anywhere_in_a_word_finds_it() {
    let app = app();
    let kinds: [(&str, Typo); 4] = [
        ("missing", missing),
        ("extra", extra),
        ("wrong", wrong),
        ("swapped", swapped),
    ];
    let mut failures = Vec::new();

    for word in WORDS {
        let last = word.chars().count() - 1;
        for (kind, make) in kinds {
            for at in [1, last / 2, last] {
                let typo = make(word, at);
                // The finished word (a space after it), so only the typo can match.
                let hits = found(&app, &format!("{typo} "));
                if hits != [word] {
                    failures.push(format!("{kind} letter: `{typo}` found {hits:?}"));
                }
            }
        }
    }

    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn every_prefix_of_a_word_being_typed_finds_it() {
    let app = app();
    let mut failures = Vec::new();

    for word in [
        "estimation",
        "integration",
        "refinement",
        "velocity",
        "meetings",
    ] {
        let chars: Vec<char> = word.chars().collect();
        for len in 1..=chars.len() {
            let prefix: String = chars[..len].iter().collect();

            let hits = found(&app, &prefix);

            // A short prefix may start other words too; five letters name one word here.
            let ok = if len >= 5 {
                hits == [word]
            } else {
                hits.iter().any(|slug| slug == word)
            };
            if !ok {
                failures.push(format!("`{prefix}` found {hits:?}"));
            }
        }
    }

    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn a_typo_in_a_word_being_typed_still_finds_it() {
    let app = app();

    assert_eq!(found(&app, "estimatoin"), ["estimation"]);
    assert_eq!(found(&app, "team velcoity"), ["velocity"]);
}

#[test]
fn two_typos_and_unrelated_words_find_nothing() {
    let app = app();

    for q in ["estmiaton ", "veclotiy ", "zebra ", "meetingsxx "] {
        assert!(found(&app, q).is_empty(), "`{q}` found something");
    }
}

#[test]
fn snippets_mark_the_word_a_typo_or_prefix_matched() {
    let app = app();

    for (q, marked) in [
        ("velcoity ", "<mark>velocity</mark>"),
        ("meetigns ", "<mark>meetings</mark>"),
        ("estimatio", "<mark>estimation</mark>"),
    ] {
        let body = app.get_ok_json(&format!("/api/v1/search?q={}", encode(q)));
        let snippet = body["data"][0]["snippet"].as_str().unwrap_or_default();
        assert!(snippet.contains(marked), "`{q}`: {snippet}");
    }
}
