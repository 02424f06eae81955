//! Unit tests of the background worker: a real reloader over a temporary folder.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use image::codecs::png::PngEncoder;
use image::{ExtendedColorType, ImageEncoder};
use tokio::sync::broadcast::error::TryRecvError;
use xxhash_rust::xxh3::xxh3_64;

use super::{PlaceholderProgress, make_and_follow};
use crate::clock::FixedClock;
use crate::content::LoadOptions;
use crate::reload::{Library, Reloader};
use crate::store::Store;

fn solid_png(rgb: [u8; 3]) -> Vec<u8> {
    let pixels: Vec<u8> = rgb.iter().copied().cycle().take(40 * 30 * 3).collect();
    let mut out = Vec::new();
    PngEncoder::new(&mut out)
        .write_image(&pixels, 40, 30, ExtendedColorType::Rgb8)
        .expect("encode PNG");
    out
}

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
    std::fs::write(path, bytes).expect("write");
}

/// A folder with a post, two images, an SVG (never decoded) and a PNG that is not one.
fn content() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temporary folder");
    write(
        dir.path(),
        "post/index.md",
        b"---\ntitle: Post\ndate: 2025-01-01\n---\n![a](a.png) ![b](b.png)\n",
    );
    write(dir.path(), "post/a.png", &solid_png([30, 80, 200]));
    write(dir.path(), "post/b.png", &solid_png([240, 140, 40]));
    write(
        dir.path(),
        "post/c.svg",
        b"<svg xmlns='http://www.w3.org/2000/svg'/>",
    );
    write(
        dir.path(),
        "post/broken.png",
        b"\x89PNG\r\n\x1a\nnot really",
    );
    dir
}

fn reloader(dir: &Path) -> Arc<Reloader> {
    let library = Library::load(dir, LoadOptions::default()).expect("load");
    let now = "2026-01-01T00:00:00Z".parse().expect("time");
    let store = Store::build(library.finish(), now);
    Arc::new(Reloader::new(
        library,
        Arc::new(ArcSwap::from_pointee(store)),
        Arc::new(FixedClock(now)),
    ))
}

fn start(
    reloader: &Arc<Reloader>,
    root: &Path,
    index_dir: Option<&Path>,
) -> Arc<PlaceholderProgress> {
    let progress = Arc::new(PlaceholderProgress::default());
    make_and_follow(
        reloader,
        root.to_path_buf(),
        index_dir,
        2,
        Arc::clone(&progress),
    )
    .expect("start the worker");
    progress
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn color_of(reloader: &Reloader, bytes: &[u8]) -> Option<String> {
    reloader
        .store()
        .placeholder(xxh3_64(bytes))
        .map(|placeholder| placeholder.color.clone())
}

#[test]
fn every_decodable_image_gets_its_placeholder_without_a_public_change() {
    let dir = content();
    let reloader = reloader(dir.path());
    let mut announcements = reloader.announcements();
    let before = reloader.store();
    let progress = start(&reloader, dir.path(), None);
    wait_until("both placeholders", || {
        reloader.store().placeholders().len() == 2 && progress.done() == 3
    });

    assert_eq!(
        progress.total(),
        3,
        "a.png, b.png and broken.png; never the SVG"
    );
    assert_eq!(
        color_of(&reloader, &solid_png([30, 80, 200])).as_deref(),
        Some("#1e50c8")
    );
    assert_eq!(
        color_of(&reloader, &solid_png([240, 140, 40])).as_deref(),
        Some("#f08c28")
    );
    let after = reloader.store();
    assert!(
        after.generation() > before.generation(),
        "cached responses are made again"
    );
    assert_eq!(after.public_generation(), before.public_generation());
    assert_eq!(after.all_posts().len(), before.all_posts().len());
    assert!(matches!(announcements.try_recv(), Err(TryRecvError::Empty)));
}

#[test]
fn a_replaced_image_gets_a_new_placeholder_and_the_others_are_kept() {
    let dir = content();
    let reloader = reloader(dir.path());
    let progress = start(&reloader, dir.path(), None);
    wait_until("the first pass", || {
        reloader.store().placeholders().len() == 2
    });

    let green = solid_png([20, 200, 20]);
    write(dir.path(), "post/a.png", &green);
    reloader.reload(&[dir.path().join("post/a.png")]);
    wait_until("the new image's placeholder", || {
        color_of(&reloader, &green).is_some()
    });

    assert_eq!(color_of(&reloader, &green).as_deref(), Some("#14c814"));
    assert_eq!(
        color_of(&reloader, &solid_png([240, 140, 40])).as_deref(),
        Some("#f08c28")
    );
    assert_eq!(
        color_of(&reloader, &solid_png([30, 80, 200])),
        None,
        "the old image is gone"
    );
    assert_eq!(reloader.store().placeholders().len(), 2);
    wait_until("progress to follow", || progress.done() == progress.total());
}

#[test]
fn a_restart_with_an_index_dir_decodes_only_what_the_cache_lacks() {
    let dir = content();
    let index = tempfile::tempdir().expect("index folder");
    let first = reloader(dir.path());
    let progress = start(&first, dir.path(), Some(index.path()));
    wait_until("the first run", || progress.done() == 3);
    assert_eq!(progress.decoded(), 3);

    // A damaged entry is made again; the failed image is tried again (failures are not kept).
    let entry = index.path().join(format!(
        "placeholders/v1/{:016x}.txt",
        xxh3_64(&solid_png([30, 80, 200]))
    ));
    std::fs::write(
        &entry,
        "0000000000000000\n#000000\ndata:image/png;base64,\n",
    )
    .expect("damage");

    let second = reloader(dir.path());
    let progress = start(&second, dir.path(), Some(index.path()));
    wait_until("the second run", || {
        progress.done() == 3 && second.store().placeholders().len() == 2
    });
    assert_eq!(
        progress.decoded(),
        2,
        "a.png (damaged entry) and broken.png"
    );
    assert_eq!(
        color_of(&second, &solid_png([30, 80, 200])).as_deref(),
        Some("#1e50c8")
    );
    assert!(
        std::fs::read_to_string(&entry)
            .expect("entry")
            .contains("#1e50c8")
    );
}
