//! Criterion benches for the two paths that must stay fast: the store's queries (run per
//! request) over about 10,000 generated posts held in memory, and the load path (parsing a
//! seed-shaped post, loading a folder of 1,000 files). Run with `cargo bench --bench store`.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use fastrand::Rng;
use jiff::Timestamp;
use quire::content::{LoadOptions, Parsed, finish, load_dir, parse_post};
use quire::domain::Slug;
use quire::store::{Change, PageRequest, PostFilter, SortOrder, Store, TagMode, TaxonomyKind};

#[path = "support/corpus.rs"]
mod corpus;
use corpus::{CorpusOptions, generate_post, write_corpus};

/// Posts in the in-memory store the query benches run over.
const STORE_POSTS: usize = 10_000;

/// Files in the folder the `load_dir` bench reads.
const FOLDER_POSTS: usize = 1_000;

/// The seed post as it was received, the shape every generated post imitates.
const SEED_POST: &[u8] = include_bytes!("../tests/fixtures/site/backlog-refinement.md");

fn generated(posts: usize) -> Vec<Parsed> {
    let mut rng = Rng::with_seed(1);
    (0..posts)
        .map(|index| {
            let (name, text) = generate_post(&mut rng, index);
            parse_post(&name, text.as_bytes(), LoadOptions::default())
        })
        .collect()
}

fn now() -> Timestamp {
    // After every generated date, so all posts are published.
    Timestamp::from_second(1_900_000_000).unwrap_or(Timestamp::MAX)
}

fn tags(names: &[&str]) -> Vec<String> {
    names.iter().map(|name| (*name).to_owned()).collect()
}

fn query_path(c: &mut Criterion) {
    let store = Store::build(generated(STORE_POSTS), now());
    let first_page = PageRequest {
        number: 1,
        size: 10,
    };
    let mut group = c.benchmark_group("store");

    group.bench_function("list newest 10", |b| {
        b.iter(|| {
            store
                .list_posts(
                    black_box(&PostFilter::default()),
                    SortOrder::DateDesc,
                    first_page,
                    now(),
                )
                .total
        })
    });
    let one_tag = PostFilter {
        tags: tags(&["estimation"]),
        ..PostFilter::default()
    };
    group.bench_function("list tag=estimation limit 10", |b| {
        b.iter(|| {
            store
                .list_posts(black_box(&one_tag), SortOrder::DateDesc, first_page, now())
                .total
        })
    });
    let all_tags = PostFilter {
        tags: tags(&["meetings", "estimation"]),
        tag_mode: TagMode::All,
        ..PostFilter::default()
    };
    group.bench_function("list tag all, page 50", |b| {
        let page = PageRequest {
            number: 50,
            size: 10,
        };
        b.iter(|| {
            store
                .list_posts(black_box(&all_tags), SortOrder::DateDesc, page, now())
                .total
        })
    });
    let mixed = PostFilter {
        categories: tags(&["estimation", "delivery"]),
        exclude_tags: tags(&["kanban"]),
        from: "2020-01-01T00:00:00Z".parse().ok(),
        ..PostFilter::default()
    };
    group.bench_function("list categories, excludeTag, from, by title", |b| {
        b.iter(|| {
            store
                .list_posts(black_box(&mixed), SortOrder::TitleAsc, first_page, now())
                .total
        })
    });
    let middle = store.all_posts()[STORE_POSTS / 2].slug.clone();
    group.bench_function("find_post", |b| {
        b.iter(|| store.find_post(black_box(&middle), now()).is_some())
    });
    let unknown = Slug::parse("no-such-post").ok();
    group.bench_function("find_post unknown", |b| {
        b.iter(|| {
            unknown
                .as_ref()
                .and_then(|slug| store.find_post(black_box(slug), now()))
                .is_some()
        })
    });
    group.bench_function("terms tags", |b| {
        b.iter(|| store.terms(black_box(TaxonomyKind::Tag), now()).len())
    });
    group.finish();
}

fn load_path(c: &mut Criterion) {
    let mut group = c.benchmark_group("load");
    group.bench_function("parse_post seed", |b| {
        b.iter(|| {
            parse_post(
                "backlog-refinement.md",
                black_box(SEED_POST),
                LoadOptions::default(),
            )
        })
    });
    let (name, text) = generate_post(&mut Rng::with_seed(2), 0);
    group.bench_function("parse_post generated", |b| {
        b.iter(|| parse_post(&name, black_box(text.as_bytes()), LoadOptions::default()))
    });
    // Each sample builds or loads 1,000 posts: ten samples keep a run short.
    group.sample_size(10);
    group.bench_function("Store::build 1,000 posts", |b| {
        b.iter_batched(
            || generated(FOLDER_POSTS),
            |parsed| Store::build(parsed, now()),
            BatchSize::LargeInput,
        )
    });

    // A reload after one post's title was edited: the previous store's indexes are reused.
    let files = generated(FOLDER_POSTS);
    let before = Store::build(files.clone(), now());
    group.bench_function("Store::next 1,000 posts listed, one title edited", |b| {
        b.iter_batched(
            || {
                let mut edited = files.clone();
                if let Some(Ok(post)) = edited.get_mut(FOLDER_POSTS / 2).map(|f| &mut f.post) {
                    let mut changed = (**post).clone();
                    changed.title.push_str(" (edited)");
                    *post = Arc::new(changed);
                }
                edited
            },
            |parsed| before.next(Change::Listing(finish(parsed)), now()),
            BatchSize::LargeInput,
        )
    });

    let folder = tempfile::tempdir().unwrap_or_else(|err| panic!("no temporary folder: {err}"));
    let options = CorpusOptions {
        posts: FOLDER_POSTS,
        seed: 3,
    };
    write_corpus(folder.path(), options)
        .unwrap_or_else(|err| panic!("cannot write the corpus: {err}"));
    group.bench_function("load_dir 1,000 files", |b| {
        b.iter(|| load_dir(black_box(folder.path()), LoadOptions::default()).map(|p| p.len()))
    });
    group.finish();
}

criterion_group!(benches, query_path, load_path);
criterion_main!(benches);
