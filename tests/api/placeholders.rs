//! Blur placeholders: made in the background after start-up and after reloads, counted in
//! `/readyz`, and kept in `--index-dir` between runs.

use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use image::codecs::png::PngEncoder;
use image::{ExtendedColorType, ImageEncoder, ImageFormat};
use quire::settings::ServeSettings;
use serde_json::{Value, json};
use tempfile::TempDir;

use crate::helpers::{
    TestApp, empty_content_dir, simple_post, spawn_app_with, wait_for_within, write_file,
};

/// A real photo (900x562, from Hugo's documentation) and a PNG drawn here.
fn sunset() -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/placeholders/sunset.jpg");
    std::fs::read(path).expect("the fixture photo")
}

/// A content folder with the bundle `trip/`: its `index.md` as given and the sunset photo.
fn trip_with_sunset(index: impl AsRef<[u8]>) -> TempDir {
    let content = empty_content_dir();
    write_file(content.path(), "trip/index.md", index);
    write_file(content.path(), "trip/sunset.jpg", sunset());
    content
}

fn solid_png(rgb: [u8; 3]) -> Vec<u8> {
    let pixels: Vec<u8> = rgb.iter().copied().cycle().take(64 * 48 * 3).collect();
    let mut out = Vec::new();
    PngEncoder::new(&mut out)
        .write_image(&pixels, 64, 48, ExtendedColorType::Rgb8)
        .expect("encode PNG");
    out
}

/// `/readyz`'s `placeholders`, checked to be exactly `{done, total}`.
fn placeholders(app: &TestApp) -> Value {
    let readiness = app.get_ok_json("/readyz")["placeholders"].clone();
    let keys: Vec<&String> = readiness.as_object().expect("an object").keys().collect();
    assert_eq!(keys, ["done", "total"]);
    readiness
}

fn wait_for_placeholders(app: &TestApp, want: Value) {
    wait_for_within("placeholders", Duration::from_secs(30), || {
        (placeholders(app) == want).then_some(())
    });
}

/// The entries kept under `index_dir`, each read back: colour and a strictly decoded PNG.
fn kept_entries(index_dir: &Path) -> Vec<(PathBuf, String, (u32, u32))> {
    let folder = index_dir.join("placeholders/v1");
    let mut entries: Vec<_> = std::fs::read_dir(&folder)
        .expect("the cache folder")
        .map(|entry| entry.expect("an entry").path())
        .collect();
    entries.sort();
    entries
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("an entry reads");
            let lines: Vec<&str> = text.lines().collect();
            assert_eq!(lines.len(), 3, "{text}");
            let (color, url) = (lines[1].to_owned(), lines[2]);
            assert!(url.len() <= 1000, "{} bytes", url.len());
            let png = STANDARD
                .decode(
                    url.strip_prefix("data:image/png;base64,")
                        .expect("a PNG data URL"),
                )
                .expect("standard base64");
            let image =
                image::load_from_memory_with_format(&png, ImageFormat::Png).expect("a valid PNG");
            (path, color, (image.width(), image.height()))
        })
        .collect()
}

#[test]
fn readyz_counts_placeholders_until_every_decodable_image_has_one() {
    let content = trip_with_sunset(simple_post(
        "Trip",
        "2025-01-01",
        "![Sunset](sunset.jpg) ![Blue](blue.png)",
    ));
    let index_dir = empty_content_dir();
    write_file(content.path(), "trip/blue.png", solid_png([30, 80, 200]));
    write_file(
        content.path(),
        "trip/logo.svg",
        "<svg xmlns='http://www.w3.org/2000/svg'/>",
    );
    write_file(
        content.path(),
        "trip/broken.jpg",
        "\u{ff}\u{d8} not a photo",
    );
    let app = spawn_app_with(ServeSettings {
        index_dir: Some(index_dir.path().to_owned()),
        ..ServeSettings::for_content(content.path())
    });

    // The SVG gets none; the broken JPEG is done (it has none, see the log).
    wait_for_placeholders(&app, json!({"done": 3, "total": 3}));

    let kept = kept_entries(index_dir.path());
    assert_eq!(kept.len(), 2, "{kept:?}");
    let colors: Vec<&str> = kept.iter().map(|(_, color, _)| color.as_str()).collect();
    assert!(colors.contains(&"#1e50c8"), "{colors:?}");
    // The photo is 900x562: its placeholder keeps that shape within 16 pixels.
    let sizes: Vec<(u32, u32)> = kept.iter().map(|(_, _, size)| *size).collect();
    assert!(sizes.contains(&(16, 10)), "{sizes:?}");
}

#[test]
fn an_image_added_while_serving_gets_its_placeholder() {
    let content = empty_content_dir();
    let index_dir = empty_content_dir();
    write_file(
        content.path(),
        "trip/index.md",
        simple_post("Trip", "2025-01-01", "![Blue](blue.png)"),
    );
    write_file(content.path(), "trip/blue.png", solid_png([30, 80, 200]));
    let app = spawn_app_with(ServeSettings {
        index_dir: Some(index_dir.path().to_owned()),
        ..ServeSettings::for_content(content.path())
    });
    wait_for_placeholders(&app, json!({"done": 1, "total": 1}));

    write_file(content.path(), "trip/orange.png", solid_png([240, 140, 40]));

    wait_for_placeholders(&app, json!({"done": 2, "total": 2}));
    wait_for_within("the new entry", Duration::from_secs(10), || {
        (kept_entries(index_dir.path()).len() == 2).then_some(())
    });
    let colors: Vec<String> = kept_entries(index_dir.path())
        .into_iter()
        .map(|(_, color, _)| color)
        .collect();
    assert!(colors.contains(&"#f08c28".to_owned()), "{colors:?}");
}

#[test]
fn a_restart_reads_placeholders_back_from_the_index_dir() {
    let content = trip_with_sunset(simple_post("Trip", "2025-01-01", "![Sunset](sunset.jpg)"));
    let index_dir = empty_content_dir();
    let settings = ServeSettings {
        index_dir: Some(index_dir.path().to_owned()),
        ..ServeSettings::for_content(content.path())
    };
    let first = spawn_app_with(settings.clone());
    wait_for_placeholders(&first, json!({"done": 1, "total": 1}));
    first.stop_gracefully();
    // An entry the next run can only have read, not made: a colour no decode gives this photo.
    let (entry, _, _) = kept_entries(index_dir.path()).remove(0);
    let text = std::fs::read_to_string(&entry).expect("the entry");
    let body = text.split_once('\n').expect("a checksum line").1.replacen(
        &text.lines().nth(1).expect("a colour").to_owned(),
        "#123456",
        1,
    );
    let checksum = xxhash_rust::xxh3::xxh3_64(body.as_bytes());
    std::fs::write(&entry, format!("{checksum:016x}\n{body}")).expect("rewrite the entry");

    let second = spawn_app_with(settings);
    wait_for_placeholders(&second, json!({"done": 1, "total": 1}));

    // Not made again: the entry is as the test left it.
    assert_eq!(kept_entries(index_dir.path())[0].1, "#123456");
}

#[test]
fn posts_give_each_local_image_its_placeholder_and_colour_once_ready() {
    // Arrange
    let content = trip_with_sunset(
        "---\ntitle: Trip\ndate: 2025-01-01\nfeaturedImage: blue.png\n---\n![Sunset over the sea](sunset.jpg) ![A logo](logo.svg)\n",
    );
    write_file(content.path(), "trip/blue.png", solid_png([30, 80, 200]));
    write_file(
        content.path(),
        "trip/logo.svg",
        "<svg xmlns='http://www.w3.org/2000/svg' width='8' height='8'/>",
    );
    let app = spawn_app_with(ServeSettings::for_content(content.path()));

    // Act
    wait_for_placeholders(&app, json!({"done": 2, "total": 2}));
    let post = app.get_ok_json("/api/v1/posts/trip");

    // Assert
    let images = post["images"].as_array().expect("a list");
    assert_eq!(images.len(), 2);
    let (photo, logo) = (&images[0], &images[1]);
    assert_eq!(
        (&photo["width"], &photo["height"]),
        (&json!(900), &json!(562))
    );
    let url = photo["blurDataUrl"]
        .as_str()
        .expect("a data URL once ready");
    let png = STANDARD
        .decode(
            url.strip_prefix("data:image/png;base64,")
                .expect("a PNG data URL"),
        )
        .expect("standard base64");
    let decoded = image::load_from_memory_with_format(&png, ImageFormat::Png).expect("a valid PNG");
    assert_eq!((decoded.width(), decoded.height()), (16, 10));
    let colour = photo["dominantColor"].as_str().expect("a colour");
    assert!(
        colour.len() == 7
            && colour.starts_with('#')
            && colour[1..].chars().all(|c| c.is_ascii_hexdigit()),
        "{colour}"
    );
    // An SVG is not decoded: it has no placeholder, but its size from its root element.
    assert_eq!(logo["blurDataUrl"], Value::Null);
    assert_eq!((&logo["width"], &logo["height"]), (&json!(8), &json!(8)));
    // The featured image and the list's summary carry theirs too.
    assert_eq!(post["featuredImageDetails"]["dominantColor"], "#1e50c8");
    let list = app.get_ok_json("/api/v1/posts");
    assert_eq!(
        list["data"][0]["featuredImageDetails"]["dominantColor"],
        "#1e50c8"
    );
}

#[test]
fn search_follows_the_store_that_placeholders_are_published_into() {
    // Arrange
    let content = trip_with_sunset(simple_post(
        "Trip",
        "2025-01-01",
        "A zeppelin at sunset. ![Sunset](sunset.jpg)",
    ));
    let app = spawn_app_with(ServeSettings::for_content(content.path()));

    // Act
    wait_for_placeholders(&app, json!({"done": 1, "total": 1}));
    app.wait_for_search();

    // Assert: once the index has caught up with the amended store, its answers are cacheable
    // again (an index behind the served store marks them `no-store`).
    let cache_control = wait_for_within("search to catch up", Duration::from_secs(10), || {
        let response = app.get("/api/v1/search?q=zeppelin");
        let cache_control = response.header("cache-control")?.to_owned();
        (response.status == 200 && !cache_control.contains("no-store")).then_some(cache_control)
    });
    assert!(cache_control.starts_with("public"), "{cache_control}");
    let hits = app.get_ok_json("/api/v1/search?q=zeppelin");
    assert_eq!(hits["data"][0]["featuredImageDetails"], Value::Null);
    assert_eq!(hits["data"][0]["slug"], "trip");
}
