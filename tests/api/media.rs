//! `/media/{path}`: the files beside the posts, served from disk with their type, a strong
//! ETag of their bytes, conditional GETs, byte ranges and caching by version; and nothing
//! else of the folder (or outside it) is served.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::thread;
use std::time::{Duration, SystemTime};

use actix_web::http::header::HttpDate;
use quire::settings::ServeSettings;
use tempfile::TempDir;
use ureq::http::Method;
use xxhash_rust::xxh3::xxh3_64;

use crate::helpers::{
    GRADIENT_PNG, RED_PNG, RawResponse, TestApp, assert_problem, empty_content_dir, simple_post,
    spawn_app, spawn_app_with, wait_for, write_file,
};

/// A 3x2 mid-grey baseline JPEG: one 8x8 block whose coefficients are all zero, coded with
/// one-symbol Huffman tables.
const GREY_JPEG: &[u8] = &[
    0xff, 0xd8, // SOI
    0xff, 0xdb, 0x00, 0x43, 0x00, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, // DQT: table 0, all ones
    0xff, 0xc0, 0x00, 0x0b, 0x08, 0x00, 0x02, 0x00, 0x03, 0x01, 0x01, 0x11,
    0x00, // SOF0: 8 bits, 2 high, 3 wide, one component
    0xff, 0xc4, 0x00, 0x14, 0x00, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0x00, // DHT: DC table 0, one code of length 1 for category 0
    0xff, 0xc4, 0x00, 0x14, 0x10, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0x00, // DHT: AC table 0, one code of length 1 for end-of-block
    0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3f, 0x00, // SOS
    0x3f, // DC difference 0, end of block, padded with ones
    0xff, 0xd9, // EOI
];
/// A 10x10 SVG with a script, which the served policy must keep from running.
const SVG: &str = r#"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script><rect width="10" height="10" fill="red"/></svg>"#;

/// A content folder with the bundle `my-post/index.md` and its `diagram.png`.
fn bundle() -> TempDir {
    let dir = empty_content_dir();
    write_file(
        dir.path(),
        "my-post/index.md",
        simple_post("My post", "2025-01-01", "![diagram](./diagram.png)"),
    );
    write_file(dir.path(), "my-post/diagram.png", RED_PNG);
    dir
}

/// A content folder (`content/`, with the bundle `my-post/` and its `diagram.png`, a red PNG)
/// inside a folder that also holds `secret.png`, which must never be served: the outer folder
/// (kept alive by the caller) and the content folder's path.
fn beside_a_secret(secret: &[u8]) -> (TempDir, std::path::PathBuf) {
    let outer = empty_content_dir();
    write_file(outer.path(), "secret.png", secret);
    write_file(
        outer.path(),
        "content/my-post/index.md",
        "---\ntitle: A\n---\n",
    );
    write_file(outer.path(), "content/my-post/diagram.png", RED_PNG);
    let content = outer.path().join("content");
    (outer, content)
}

/// The strong ETag Quire must give these bytes: their xxh3-64 hash in hex, quoted.
fn etag_of(bytes: &[u8]) -> String {
    format!("\"{:016x}\"", xxh3_64(bytes))
}

/// The `?v=` of these bytes: the first 32 bits of their hash, in hex.
fn version_of(bytes: &[u8]) -> String {
    format!("{:08x}", xxh3_64(bytes) >> 32)
}

/// How many times `name` appears among a response's headers.
fn count(response: &RawResponse, name: &str) -> usize {
    response.headers.get_all(name).iter().count()
}

/// A file's modification time as an HTTP date.
fn http_date_of(path: &Path) -> String {
    let modified = std::fs::metadata(path).unwrap().modified().unwrap();
    HttpDate::from(modified).to_string()
}

/// Sends `target` as written, byte for byte (no client normalizes it), and returns the
/// status code.
fn raw_status(app: &TestApp, target: &str) -> u16 {
    let mut stream = TcpStream::connect(app.host()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    write!(
        stream,
        "GET {target} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
        app.host()
    )
    .unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).unwrap();
    let answer = String::from_utf8_lossy(&answer);
    let status = answer
        .strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3))
        .unwrap_or_else(|| panic!("not an HTTP/1.1 answer to {target}: {answer}"));
    status.parse().unwrap()
}

#[test]
fn a_bundle_image_is_served_with_its_type_length_etag_and_last_modified() {
    let dir = bundle();
    let app = spawn_app(dir.path());

    let response = app.get_with("/media/my-post/diagram.png", &[]);

    assert_eq!(response.status, 200);
    assert_eq!(response.body, RED_PNG);
    assert_eq!(response.header("content-type"), Some("image/png"));
    let length = RED_PNG.len().to_string();
    assert_eq!(response.header("content-length"), Some(length.as_str()));
    assert_eq!(response.header("etag"), Some(etag_of(RED_PNG).as_str()));
    let modified = http_date_of(&dir.path().join("my-post/diagram.png"));
    assert_eq!(response.header("last-modified"), Some(modified.as_str()));
    assert_eq!(response.header("accept-ranges"), Some("bytes"));
    assert_eq!(response.header("content-encoding"), None);
    assert_eq!(count(&response, "x-content-type-options"), 1);
    assert_eq!(response.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(response.header("content-security-policy"), None);
}

#[test]
fn a_jpeg_a_pdf_and_a_name_with_spaces_and_accents_are_served_by_their_encoded_path() {
    let dir = bundle();
    write_file(dir.path(), "photos/grey sky é.jpg", GREY_JPEG);
    write_file(dir.path(), "papers/paper.PDF", b"%PDF-1.4\n%%EOF\n");
    let app = spawn_app(dir.path());

    let jpeg = app.get_with("/media/photos/grey%20sky%20%C3%A9.jpg", &[]);
    let pdf = app.get_with("/media/papers/paper.PDF", &[]);

    assert_eq!(jpeg.status, 200);
    assert_eq!(jpeg.header("content-type"), Some("image/jpeg"));
    assert_eq!(jpeg.body, GREY_JPEG);
    assert_eq!(pdf.status, 200);
    assert_eq!(pdf.header("content-type"), Some("application/pdf"));
    assert_eq!(pdf.body, b"%PDF-1.4\n%%EOF\n");
}

#[test]
fn head_gives_the_same_headers_as_get_and_no_body() {
    let dir = bundle();
    let app = spawn_app(dir.path());

    let get = app.get_with("/media/my-post/diagram.png", &[]);
    let head = app.send(Method::HEAD, "/media/my-post/diagram.png", &[]);
    // HEAD has no ranges (RFC 9110 section 14.2): the headers are the whole file's.
    let ranged_head = app.send(
        Method::HEAD,
        "/media/my-post/diagram.png",
        &[("Range", "bytes=0-3")],
    );

    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    for name in [
        "content-type",
        "content-length",
        "etag",
        "last-modified",
        "cache-control",
        "accept-ranges",
    ] {
        assert_eq!(head.header(name), get.header(name), "{name}");
        assert!(head.header(name).is_some(), "{name}");
    }
    assert_eq!(ranged_head.status, 200);
    assert_eq!(ranged_head.header("content-range"), None);
    assert_eq!(
        ranged_head.header("content-length"),
        get.header("content-length")
    );
}

#[test]
fn if_none_match_with_the_tag_in_any_form_is_304_and_another_tag_is_200() {
    let dir = bundle();
    let app = spawn_app(dir.path());
    let tag = etag_of(RED_PNG);

    for matching in [
        tag.clone(),
        format!("W/{tag}"),
        format!("\"other\", {tag}"),
        "*".to_owned(),
    ] {
        let response = app.get_with(
            "/media/my-post/diagram.png",
            &[("If-None-Match", matching.as_str())],
        );
        assert_eq!(response.status, 304, "{matching}");
        assert!(response.body.is_empty(), "{matching}");
        assert_eq!(response.header("etag"), Some(tag.as_str()), "{matching}");
        assert!(response.header("cache-control").is_some(), "{matching}");
        assert_eq!(response.header("last-modified"), None, "{matching}");
    }
    let other = app.get_with(
        "/media/my-post/diagram.png",
        &[("If-None-Match", "\"0000000000000000\"")],
    );
    assert_eq!(other.status, 200);
    assert_eq!(other.body, RED_PNG);
}

#[test]
fn if_modified_since_at_or_after_the_file_time_is_304_and_before_it_200() {
    let dir = bundle();
    let app = spawn_app(dir.path());
    let modified = http_date_of(&dir.path().join("my-post/diagram.png"));
    let earlier = HttpDate::from(SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000));

    let same = app.get_with(
        "/media/my-post/diagram.png",
        &[("If-Modified-Since", modified.as_str())],
    );
    let before = app.get_with(
        "/media/my-post/diagram.png",
        &[("If-Modified-Since", earlier.to_string().as_str())],
    );

    assert_eq!(same.status, 304);
    assert!(same.body.is_empty());
    assert_eq!(before.status, 200);
    assert_eq!(before.body, RED_PNG);
}

#[test]
fn each_range_form_is_answered_with_206_and_the_bytes_asked_for() {
    let dir = bundle();
    let app = spawn_app(dir.path());
    let len = RED_PNG.len();
    let cases = [
        ("bytes=0-3", 0, 3),
        ("bytes=8-15", 8, 15),
        ("bytes=60-", 60, len - 1),
        ("bytes=-5", len - 5, len - 1),
        // A last byte past the end is the end (RFC 9110 section 14.1.2).
        ("bytes=70-1000", 70, len - 1),
        ("bytes=-1000", 0, len - 1),
    ];

    for (range, first, last) in cases {
        let response = app.get_with("/media/my-post/diagram.png", &[("Range", range)]);

        assert_eq!(response.status, 206, "{range}");
        assert_eq!(response.body, &RED_PNG[first..=last], "{range}");
        let content_range = format!("bytes {first}-{last}/{len}");
        assert_eq!(
            response.header("content-range"),
            Some(content_range.as_str()),
            "{range}"
        );
        let length = (last - first + 1).to_string();
        assert_eq!(
            response.header("content-length"),
            Some(length.as_str()),
            "{range}"
        );
        assert_eq!(
            response.header("etag"),
            Some(etag_of(RED_PNG).as_str()),
            "{range}"
        );
        assert_eq!(
            response.header("content-type"),
            Some("image/png"),
            "{range}"
        );
    }
}

#[test]
fn a_range_past_the_end_is_416_naming_the_length() {
    let dir = bundle();
    let app = spawn_app(dir.path());

    for range in ["bytes=73-", "bytes=100-200", "bytes=500-600, 700-"] {
        let response = app
            .get_with("/media/my-post/diagram.png", &[("Range", range)])
            .into_text();

        assert_problem(&response, 416, range);
        assert_eq!(
            response.header("content-range"),
            Some("bytes */73"),
            "{range}"
        );
    }
}

#[test]
fn several_ranges_and_ranges_quire_does_not_read_get_the_whole_file() {
    let dir = bundle();
    let app = spawn_app(dir.path());

    for range in [
        "bytes=0-3, 10-12",
        "bytes=0-3,-5",
        "items=0-3",
        "bytes=abc",
        "bytes=5-2",
        "bytes=",
    ] {
        let response = app.get_with("/media/my-post/diagram.png", &[("Range", range)]);

        assert_eq!(response.status, 200, "{range}");
        assert_eq!(response.body, RED_PNG, "{range}");
        assert_eq!(response.header("content-range"), None, "{range}");
    }
}

#[test]
fn if_range_with_the_current_validator_gives_the_part_and_a_stale_one_the_whole_file() {
    let dir = bundle();
    let app = spawn_app(dir.path());
    let tag = etag_of(RED_PNG);
    let modified = http_date_of(&dir.path().join("my-post/diagram.png"));
    let long_ago = HttpDate::from(SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000));

    for (if_range, status) in [
        (tag.clone(), 206),
        (modified.clone(), 206),
        (etag_of(GRADIENT_PNG), 200),
        // A weak tag never validates a range (RFC 9110 section 13.1.5).
        (format!("W/{tag}"), 200),
        (long_ago.to_string(), 200),
        ("not a validator".to_owned(), 200),
    ] {
        let response = app.get_with(
            "/media/my-post/diagram.png",
            &[("Range", "bytes=0-3"), ("If-Range", if_range.as_str())],
        );

        assert_eq!(response.status, status, "If-Range: {if_range}");
        let body: &[u8] = if status == 206 {
            &RED_PNG[..4]
        } else {
            RED_PNG
        };
        assert_eq!(response.body, body, "If-Range: {if_range}");
    }
}

#[test]
fn an_svg_is_served_with_a_policy_that_keeps_its_scripts_from_running() {
    let dir = bundle();
    write_file(dir.path(), "my-post/icon.svg", SVG);
    let app = spawn_app(dir.path());

    let response = app.get_with("/media/my-post/icon.svg", &[]);
    let ranged = app.get_with("/media/my-post/icon.svg", &[("Range", "bytes=0-9")]);

    assert_eq!(response.status, 200);
    assert_eq!(response.body, SVG.as_bytes());
    assert_eq!(response.header("content-type"), Some("image/svg+xml"));
    assert_eq!(
        response.header("content-security-policy"),
        Some("default-src 'none'; style-src 'unsafe-inline'")
    );
    assert_eq!(count(&response, "content-security-policy"), 1);
    assert_eq!(count(&response, "x-content-type-options"), 1);
    assert_eq!(response.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(ranged.status, 206);
    assert_eq!(
        ranged.header("content-security-policy"),
        Some("default-src 'none'; style-src 'unsafe-inline'")
    );
}

#[test]
fn only_the_current_version_in_the_url_makes_the_answer_immutable() {
    let dir = bundle();
    let app = spawn_app(dir.path());
    let current = format!("/media/my-post/diagram.png?v={}", version_of(RED_PNG));
    let stale = format!("/media/my-post/diagram.png?v={}", version_of(GRADIENT_PNG));

    let versioned = app.get_with(&current, &[]);
    let old = app.get_with(&stale, &[]);
    let plain = app.get_with("/media/my-post/diagram.png", &[]);

    assert_eq!(versioned.status, 200);
    assert_eq!(
        versioned.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    let revalidated = "public, max-age=60, stale-while-revalidate=300";
    for response in [&old, &plain] {
        assert_eq!(response.status, 200);
        assert_eq!(response.body, RED_PNG);
        assert_eq!(response.header("cache-control"), Some(revalidated));
    }
}

#[test]
fn unversioned_media_follow_the_configured_cache_control() {
    let dir = bundle();
    let mut settings = ServeSettings::for_content(dir.path());
    settings.cache_control = "public, max-age=5, must-revalidate".to_owned();
    let app = spawn_app_with(settings);

    let response = app.get_with("/media/my-post/diagram.png", &[]);

    assert_eq!(
        response.header("cache-control"),
        Some("public, max-age=5, must-revalidate")
    );
}

#[test]
fn sources_hidden_files_temporaries_and_other_kinds_of_files_are_404() {
    let dir = bundle();
    for (path, bytes) in [
        ("my-post/.secret.png", RED_PNG),
        (".secret.png", RED_PNG),
        (".git/x.png", RED_PNG),
        ("my-post/.cache/x.png", RED_PNG),
        ("my-post/diagram.png~", RED_PNG),
        ("my-post/#diagram.png#", RED_PNG),
        ("my-post/~diagram.png", RED_PNG),
        ("my-post/notes.txt", b"notes"),
        ("my-post/data.tar", b"tar"),
        ("my-post/favicon.ico", b"ico"),
        ("other.markdown", b"---\ntitle: x\n---\n"),
    ] {
        write_file(dir.path(), path, bytes);
    }
    let app = spawn_app(dir.path());

    for path in [
        "my-post/index.md",
        "other.markdown",
        "my-post/.secret.png",
        ".secret.png",
        ".git/x.png",
        "my-post/.cache/x.png",
        "my-post/diagram.png~",
        "my-post/%23diagram.png%23",
        "my-post/~diagram.png",
        "my-post/notes.txt",
        "my-post/data.tar",
        "my-post/favicon.ico",
        "my-post",
        "my-post/",
        "",
        "no-such-post/diagram.png",
        "my-post/DIAGRAM.png",
    ] {
        let response = app.get(&format!("/media/{path}"));
        assert_problem(&response, 404, path);
        let head = app.head(&format!("/media/{path}"));
        assert_eq!(head.status, 404, "HEAD {path}");
    }
    let post = app.request(Method::POST, "/media/my-post/diagram.png");
    assert_eq!(post.status, 405);
    assert_eq!(post.header("allow"), Some("GET, HEAD"));
}

#[test]
fn traversal_attempts_and_links_out_of_the_folder_are_404() {
    // The content folder sits beside files it must never serve.
    let (outer, content) = beside_a_secret(RED_PNG);
    #[cfg(unix)]
    std::os::unix::fs::symlink(
        outer.path().join("secret.png"),
        content.join("my-post/link.png"),
    )
    .unwrap();
    let app = spawn_app(&content);
    let absolute = outer.path().join("secret.png");
    let absolute = absolute.to_str().unwrap();

    assert_eq!(raw_status(&app, "/media/my-post/diagram.png"), 200);
    for target in [
        "/media/../secret.png".to_owned(),
        "/media/my-post/../../secret.png".to_owned(),
        "/media/%2e%2e/secret.png".to_owned(),
        "/media/%2E%2E%2Fsecret.png".to_owned(),
        "/media/..%2fsecret.png".to_owned(),
        "/media/my-post/..%2f..%2fsecret.png".to_owned(),
        "/media/my-post/%2e%2e/diagram.png".to_owned(),
        "/media/./my-post/diagram.png".to_owned(),
        "/media/my-post//diagram.png".to_owned(),
        "/media/my-post%5Cdiagram.png".to_owned(),
        format!("/media/{absolute}"),
        format!("/media/{}", absolute.replace('/', "%2F")),
        "/media/%2Fetc%2Fpasswd".to_owned(),
        "/media//etc/passwd".to_owned(),
        "/media/my-post/diagram.png%00.md".to_owned(),
        "/media/%ff%fe.png".to_owned(),
        "/media/my-post/link.png".to_owned(),
    ] {
        assert_eq!(raw_status(&app, &target), 404, "{target}");
    }
}

#[test]
fn media_ext_adds_a_kind_of_file_with_its_type() {
    let dir = bundle();
    write_file(dir.path(), "favicon.ico", b"\x00\x00\x01\x00");
    let mut settings = ServeSettings::for_content(dir.path());
    settings.reading.media_ext = vec!["ico".to_owned()];
    let with_ico = spawn_app_with(settings);
    let without = spawn_app(dir.path());

    let served = with_ico.get_with("/media/favicon.ico", &[]);

    assert_eq!(served.status, 200);
    assert_eq!(served.header("content-type"), Some("image/x-icon"));
    assert_eq!(served.body, b"\x00\x00\x01\x00");
    assert_eq!(without.get("/media/favicon.ico").status, 404);
}

#[test]
fn a_replaced_image_is_served_with_its_new_bytes_and_etag_after_the_reload() {
    let dir = bundle();
    let app = spawn_app(dir.path());
    let before = app.get_with("/media/my-post/diagram.png", &[]);
    assert_eq!(before.header("etag"), Some(etag_of(RED_PNG).as_str()));

    write_file(dir.path(), "my-post/diagram.png", GRADIENT_PNG);

    let after = wait_for("the new image", || {
        let response = app.get_with("/media/my-post/diagram.png", &[]);
        (response.header("etag") == Some(etag_of(GRADIENT_PNG).as_str())).then_some(response)
    });
    assert_eq!(after.body, GRADIENT_PNG);
    let length = GRADIENT_PNG.len().to_string();
    assert_eq!(after.header("content-length"), Some(length.as_str()));
    let versioned = format!("/media/my-post/diagram.png?v={}", version_of(GRADIENT_PNG));
    assert_eq!(
        app.get_with(&versioned, &[]).header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    let revalidated = app.get_with(
        "/media/my-post/diagram.png",
        &[("If-None-Match", etag_of(RED_PNG).as_str())],
    );
    assert_eq!(revalidated.status, 200);
    assert_eq!(revalidated.body, GRADIENT_PNG);
}

#[test]
fn a_file_changed_before_the_reload_is_never_served_under_its_old_etag() {
    let dir = bundle();
    let mut settings = ServeSettings::for_content(dir.path());
    settings.no_watch = true;
    let app = spawn_app_with(settings);
    let old_tag = etag_of(RED_PNG);
    let old_version = format!("/media/my-post/diagram.png?v={}", version_of(RED_PNG));

    // Without the watcher the index keeps the red image's hash.
    write_file(dir.path(), "my-post/diagram.png", GRADIENT_PNG);
    thread::sleep(Duration::from_millis(50));

    for (path, headers) in [
        ("/media/my-post/diagram.png", vec![]),
        (
            "/media/my-post/diagram.png",
            vec![("If-None-Match", old_tag.as_str())],
        ),
        ("/media/my-post/diagram.png", vec![("Range", "bytes=0-3")]),
        (old_version.as_str(), vec![]),
    ] {
        let response = app.get_with(path, &headers);

        assert_eq!(response.status, 200, "{path} {headers:?}");
        assert_eq!(response.body, GRADIENT_PNG, "{path} {headers:?}");
        assert_eq!(response.header("etag"), None, "{path} {headers:?}");
        assert_eq!(
            response.header("cache-control"),
            Some("no-store"),
            "{path} {headers:?}"
        );
        let length = GRADIENT_PNG.len().to_string();
        assert_eq!(response.header("content-length"), Some(length.as_str()));
    }
}

#[test]
fn a_file_deleted_before_the_reload_is_404() {
    let dir = bundle();
    let mut settings = ServeSettings::for_content(dir.path());
    settings.no_watch = true;
    let app = spawn_app_with(settings);

    std::fs::remove_file(dir.path().join("my-post/diagram.png")).unwrap();

    assert_problem(&app.get("/media/my-post/diagram.png"), 404, "deleted");
}

#[cfg(unix)]
#[test]
fn a_file_replaced_by_a_link_out_of_the_folder_before_the_reload_is_404() {
    let (outer, content) = beside_a_secret(GRADIENT_PNG);
    let mut settings = ServeSettings::for_content(&content);
    settings.no_watch = true;
    let app = spawn_app_with(settings);

    std::fs::remove_file(content.join("my-post/diagram.png")).unwrap();
    std::os::unix::fs::symlink(
        outer.path().join("secret.png"),
        content.join("my-post/diagram.png"),
    )
    .unwrap();

    assert_eq!(raw_status(&app, "/media/my-post/diagram.png"), 404);
}

#[cfg(unix)]
#[test]
fn a_named_pipe_put_in_place_of_a_file_is_404_at_once() {
    let dir = bundle();
    let mut settings = ServeSettings::for_content(dir.path());
    settings.no_watch = true;
    let app = spawn_app_with(settings);
    let path = dir.path().join("my-post/diagram.png");
    std::fs::remove_file(&path).unwrap();
    let status = std::process::Command::new("mkfifo")
        .arg(&path)
        .status()
        .unwrap();
    assert!(status.success());

    // Opening a pipe for reading waits for a writer: the answer would never come.
    assert_eq!(raw_status(&app, "/media/my-post/diagram.png"), 404);
    assert_eq!(app.get("/healthz").status, 200);
}
