//! Search benchmarks: writes a synthetic corpus (`QUIRE_BENCH_POSTS` posts, 10,000 unless set)
//! into a temporary folder, loads it, times the index build, then measures query latency for
//! typical searches with criterion and prints each query's median and p99 over repeated runs.
//!
//! ```sh
//! QUIRE_BENCH_POSTS=100000 cargo bench --bench search
//! QUIRE_BENCH_DIR=/tmp/corpus cargo bench --bench search   # reuse `examples/corpus` output
//! ```

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use jiff::Timestamp;
use quire::content::{LoadOptions, load_dir};
use quire::search::{SearchIndex, SearchRequest};
use quire::store::{PageRequest, PostFilter, Store};

#[path = "support/corpus.rs"]
mod corpus;
use corpus::{CorpusOptions, write_corpus};

/// Realistic searches: one word, two words, a phrase, a prefix being typed, a typo.
const QUERIES: [(&str, &str); 6] = [
    ("one word", "retrospective "),
    ("two words", "backlog refinement "),
    ("phrase", "\"sprint review\" "),
    ("prefix", "stakeho"),
    ("typo", "standpu "),
    ("filtered", "velocity forecast "),
];

/// The corpus: `QUIRE_BENCH_DIR` if set (a folder written by `examples/corpus`), else a fresh one.
fn corpus() -> (tempfile::TempDir, Store) {
    let posts = std::env::var("QUIRE_BENCH_POSTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(10_000);
    let dir = tempfile::TempDir::new().expect("a temporary folder");
    let path = match std::env::var_os("QUIRE_BENCH_DIR") {
        Some(existing) => std::path::PathBuf::from(existing),
        None => {
            write_corpus(dir.path(), CorpusOptions { posts, seed: 1 })
                .expect("the corpus is written");
            dir.path().to_owned()
        }
    };
    let started = Instant::now();
    let parsed = load_dir(&path, LoadOptions::default()).expect("the corpus loads");
    let store = Store::build(parsed, Timestamp::now());
    eprintln!(
        "loaded {} posts in {:.2} s",
        store.all_posts().len(),
        started.elapsed().as_secs_f64()
    );
    (dir, store)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

fn bench_search(c: &mut Criterion) {
    let (_dir, store) = corpus();
    let started = Instant::now();
    let index = SearchIndex::build(&store, Timestamp::now()).expect("the index builds");
    eprintln!(
        "indexed {} posts in {:.2} s",
        store.all_posts().len(),
        started.elapsed().as_secs_f64()
    );
    let now = Timestamp::now();
    let everything = PostFilter::default();
    let filtered = PostFilter {
        categories: vec!["estimation".to_owned()],
        ..PostFilter::default()
    };
    let page = PageRequest {
        number: 1,
        size: 10,
    };

    let mut group = c.benchmark_group("search");
    for (name, text) in QUERIES {
        let request = SearchRequest {
            text,
            filter: if name == "filtered" {
                &filtered
            } else {
                &everything
            },
            sort: None,
            page,
            now,
        };
        let mut times: Vec<Duration> = (0..200)
            .map(|_| {
                let started = Instant::now();
                let results = index.search(&store, &request).expect("the search runs");
                black_box(results.total);
                started.elapsed()
            })
            .collect();
        times.sort_unstable();
        let total = index.search(&store, &request).map(|r| r.total).unwrap_or(0);
        eprintln!(
            "{name:>10} {text:?}: {total} hits, median {:.2} ms, p99 {:.2} ms",
            percentile(&times, 0.5).as_secs_f64() * 1000.0,
            percentile(&times, 0.99).as_secs_f64() * 1000.0
        );
        group.bench_function(name, |b| {
            b.iter(|| black_box(index.search(&store, &request).map(|r| r.total)))
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(Duration::from_secs(3));
    targets = bench_search
}
criterion_main!(benches);
