//! Placeholder benchmarks: criterion times one placeholder of a 1200x800 photo (decode,
//! shrink, dominant colour, PNG data URL); then the background worker makes the placeholders of
//! `QUIRE_BENCH_IMAGES` posts (1,000 unless set), each with its own 1200x800 JPEG, on every
//! core, and the time until all are done is printed with what 10,000 would take at that rate.
//!
//! ```sh
//! cargo bench --bench placeholders
//! QUIRE_BENCH_IMAGES=10000 cargo bench --bench placeholders -- --skip one_photo
//! ```

use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use criterion::{Criterion, criterion_group, criterion_main};
use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use quire::clock::FixedClock;
use quire::content::LoadOptions;
use quire::placeholders::{PlaceholderProgress, make_and_follow, make_placeholder};
use quire::reload::{Library, Reloader};
use quire::store::Store;

/// A 1200x800 JPEG at quality 85 made from the real photo in the test fixtures, about 100 KB
/// as a camera's photo saved for the web would be.
fn photo() -> Vec<u8> {
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/placeholders/sunset.jpg");
    let source = image::open(fixture).expect("the fixture photo");
    let resized = source
        .resize_exact(1200, 800, FilterType::Triangle)
        .to_rgb8();
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, 85)
        .encode_image(&resized)
        .expect("encode JPEG");
    out
}

/// `photo` with a JPEG comment naming `n` after its start marker: the same pixels, another hash.
fn numbered(photo: &[u8], n: usize) -> Vec<u8> {
    let comment = format!("photo {n}");
    let mut out = photo[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xFE]);
    out.extend_from_slice(
        &u16::try_from(comment.len() + 2)
            .expect("short")
            .to_be_bytes(),
    );
    out.extend_from_slice(comment.as_bytes());
    out.extend_from_slice(&photo[2..]);
    out
}

fn one_photo(c: &mut Criterion) {
    let photo = photo();
    let placeholder = make_placeholder(&photo).expect("a placeholder");
    println!(
        "a {} KB 1200x800 JPEG: data URL of {} bytes, colour {}",
        photo.len() / 1024,
        placeholder.data_url.len(),
        placeholder.color
    );
    c.bench_function("one_photo_1200x800_jpeg", |b| {
        b.iter(|| make_placeholder(black_box(&photo)))
    });
}

fn worker(_: &mut Criterion) {
    let images: usize = std::env::var("QUIRE_BENCH_IMAGES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000);
    let dir = tempfile::TempDir::new().expect("a temporary folder");
    let photo = photo();
    for n in 0..images {
        let post = dir.path().join(format!("post-{n}"));
        std::fs::create_dir_all(&post).expect("a post folder");
        std::fs::write(
            post.join("index.md"),
            format!("---\ntitle: Post {n}\ndate: 2025-01-01\n---\n![Photo {n}](photo.jpg)\n"),
        )
        .expect("write the post");
        std::fs::write(post.join("photo.jpg"), numbered(&photo, n)).expect("write the photo");
    }
    let library = Library::load(dir.path(), LoadOptions::default()).expect("load");
    let now = "2026-01-01T00:00:00Z".parse().expect("a time");
    let store = Store::build(library.finish(), now);
    let reloader = Arc::new(Reloader::new(
        library,
        Arc::new(ArcSwap::from_pointee(store)),
        Arc::new(FixedClock(now)),
    ));
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let progress = Arc::new(PlaceholderProgress::default());
    let started = Instant::now();
    make_and_follow(
        &reloader,
        dir.path().to_path_buf(),
        None,
        cores,
        Arc::clone(&progress),
    )
    .expect("start the worker");
    while progress.total() == 0 || progress.done() < progress.total() {
        std::thread::sleep(Duration::from_millis(10));
    }
    let took = started.elapsed();
    let per_image = took / u32::try_from(images).expect("a count");
    println!(
        "worker: {images} posts with a 1200x800 JPEG each, on {cores} cores: all placeholders in {:.2} s, {:.2} ms an image; 10,000 at that rate: {:.1} s",
        took.as_secs_f64(),
        per_image.as_secs_f64() * 1000.0,
        per_image.as_secs_f64() * 10_000.0
    );
}

criterion_group!(benches, one_photo, worker);
criterion_main!(benches);
