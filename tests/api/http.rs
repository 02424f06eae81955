//! HTTP semantics on every GET route: entity tags and 304s, Last-Modified, Cache-Control,
//! Vary, compression, CORS, request ids, metrics, readiness and limits.

use std::fs::File;
use std::io::Read;
use std::time::{Duration, SystemTime};

use quire::settings::ServeSettings;
use ureq::http::Method;

use crate::helpers::{
    assert_problem, copy_fixture_site, empty_content_dir, fixture_site, simple_post, spawn_app,
    spawn_app_with, spawn_fixture_app, write_file,
};

/// Routes of every kind, with bodies big and small.
const ROUTES: &[&str] = &[
    "/api/v1/posts",
    "/api/v1/posts?tag=meetings&limit=2",
    "/api/v1/posts?fields=title",
    "/api/v1/posts/backlog-refinement",
    "/api/v1/posts/backlog-refinement/html",
    "/api/v1/posts/backlog-refinement/markdown",
    "/api/v1/tags",
    "/api/v1/tags/meetings",
    "/api/v1/meta",
    "/api/v1/problems",
    "/api/v1/search?q=refinement",
    "/api/v1/posts?q=refinement",
    "/api/v1/posts/backlog-refinement/related",
    "/api/v1/archive",
    "/feed.xml",
    "/atom.xml",
    "/feed.json",
    "/tags/meetings/feed.xml",
    "/sitemap.xml",
    "/healthz",
    "/readyz",
];

/// A large response, compressed when the client accepts it.
const LARGE: &str = "/api/v1/posts/backlog-refinement";
/// A small response, never compressed.
const SMALL: &str = "/api/v1/tags/meetings";

fn etag_of(app: &crate::helpers::TestApp, path: &str) -> String {
    app.get(path)
        .header("etag")
        .unwrap_or_else(|| panic!("{path} has no ETag"))
        .to_owned()
}

/// Sets a file's modification time.
fn set_mtime(path: &std::path::Path, at: SystemTime) {
    File::options()
        .write(true)
        .open(path)
        .and_then(|file| file.set_modified(at))
        .unwrap_or_else(|err| panic!("cannot set the mtime of {}: {err}", path.display()));
}

fn unix(seconds: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(seconds)
}

#[test]
fn every_get_route_carries_a_strong_etag_that_stays_the_same() {
    let app = spawn_fixture_app();

    for path in ROUTES {
        let first = app.get(path);
        let second = app.get(path);

        assert_eq!(first.status, 200, "{path}");
        let etag = first
            .header("etag")
            .unwrap_or_else(|| panic!("{path} has no ETag"));
        assert!(
            etag.starts_with('"') && etag.ends_with('"') && etag.len() > 10,
            "{path}: {etag} is a strong tag"
        );
        assert_eq!(second.header("etag"), Some(etag), "{path}");
    }
}

#[test]
fn different_bodies_have_different_etags() {
    let app = spawn_fixture_app();

    let page_one = etag_of(&app, "/api/v1/posts?limit=2");
    let page_two = etag_of(&app, "/api/v1/posts?limit=2&page=2");

    assert_ne!(page_one, page_two);
}

#[test]
fn if_none_match_with_the_current_etag_answers_304_without_a_body() {
    let app = spawn_fixture_app();

    for path in ROUTES {
        let etag = etag_of(&app, path);
        let ok = app.get(path);

        let response = app.get_with(path, &[("If-None-Match", &etag)]);

        assert_eq!(response.status, 304, "{path}");
        assert!(response.body.is_empty(), "{path}: a 304 has no body");
        assert_eq!(response.header("etag"), Some(etag.as_str()), "{path}");
        for name in ["cache-control", "vary"] {
            assert_eq!(response.header(name), ok.header(name), "{path}: {name}");
        }
        // RFC 9110 section 15.4.5: no metadata the stored copy already has.
        assert_eq!(response.header("last-modified"), None, "{path}");
    }
}

#[test]
fn if_none_match_accepts_a_list_a_star_and_a_weak_tag() {
    let app = spawn_fixture_app();
    let etag = etag_of(&app, "/api/v1/posts");

    let list = format!("\"nope\", {etag}");
    let weak = format!("W/{etag}");
    for header in [list.as_str(), "*", weak.as_str()] {
        let response = app.get_with("/api/v1/posts", &[("If-None-Match", header)]);

        assert_eq!(response.status, 304, "If-None-Match: {header}");
    }
}

#[test]
fn if_none_match_with_another_etag_gets_the_whole_body() {
    let app = spawn_fixture_app();
    let body = app.get("/api/v1/tags").body;

    let response = app.get_with("/api/v1/tags", &[("If-None-Match", "\"stale\"")]);

    assert_eq!(response.status, 200);
    assert_eq!(response.text(), body);
}

#[test]
fn last_modified_is_the_post_file_time_and_for_lists_the_newest_file() {
    // Arrange: two posts with known modification times, both after their dates.
    let dir = empty_content_dir();
    write_file(
        dir.path(),
        "old.md",
        simple_post("Old", "2025-01-01", "Old."),
    );
    write_file(
        dir.path(),
        "new.md",
        simple_post("New", "2025-01-02", "New."),
    );
    set_mtime(&dir.path().join("old.md"), unix(1_740_823_200)); // 2025-03-01 10:00:00
    set_mtime(&dir.path().join("new.md"), unix(1_748_772_000)); // 2025-06-01 10:00:00
    let app = spawn_app(dir.path());

    // Act
    let post = app.get("/api/v1/posts/old/html");
    let list = app.get("/api/v1/posts");
    let tags = app.get("/api/v1/tags");

    // Assert
    assert_eq!(
        post.header("last-modified"),
        Some("Sat, 01 Mar 2025 10:00:00 GMT")
    );
    assert_eq!(
        list.header("last-modified"),
        Some("Sun, 01 Jun 2025 10:00:00 GMT")
    );
    assert_eq!(tags.header("last-modified"), list.header("last-modified"));
}

#[test]
fn if_modified_since_answers_304_unless_the_content_is_newer() {
    let app = spawn_fixture_app();
    let modified = app
        .get(LARGE)
        .header("last-modified")
        .expect("a post has Last-Modified")
        .to_owned();

    let same = app.get_with(LARGE, &[("If-Modified-Since", &modified)]);
    let long_ago = app.get_with(
        LARGE,
        &[("If-Modified-Since", "Mon, 01 Jan 2001 00:00:00 GMT")],
    );
    let etag_wins = app.get_with(
        LARGE,
        &[
            ("If-Modified-Since", &modified),
            ("If-None-Match", "\"other\""),
        ],
    );

    assert_eq!(same.status, 304);
    assert!(same.body.is_empty());
    assert_eq!(long_ago.status, 200);
    assert_eq!(etag_wins.status, 200, "If-None-Match decides when present");
}

#[test]
fn head_answers_with_the_same_headers_as_get_and_no_body() {
    let app = spawn_fixture_app();

    for path in ["/api/v1/posts?limit=2", LARGE, SMALL, "/healthz"] {
        for encoding in ["identity", "gzip"] {
            let get = app.get_with(path, &[("Accept-Encoding", encoding)]);
            let head = app.send(Method::HEAD, path, &[("Accept-Encoding", encoding)]);

            assert_eq!(head.status, 200, "{path}");
            assert!(head.body.is_empty(), "{path}: HEAD has no body");
            for name in [
                "etag",
                "last-modified",
                "cache-control",
                "vary",
                "content-type",
                "content-encoding",
                "x-total-count",
                "link",
                "x-content-type-options",
            ] {
                assert_eq!(
                    head.header(name),
                    get.header(name),
                    "{path} {encoding}: {name}"
                );
            }
        }
    }
}

#[test]
fn content_is_cacheable_by_default_and_live_state_is_not() {
    let app = spawn_fixture_app();

    let post = app.get(LARGE);
    let health = app.get("/healthz");
    let metrics = app.get("/metrics");

    assert_eq!(
        post.header("cache-control"),
        Some("public, max-age=60, stale-while-revalidate=300")
    );
    assert_eq!(health.header("cache-control"), Some("no-store"));
    assert_eq!(metrics.header("cache-control"), Some("no-store"));
}

#[test]
fn cache_control_comes_from_the_settings() {
    let mut settings = ServeSettings::for_content(fixture_site());
    settings.cache_control = "public, max-age=5".to_owned();
    let app = spawn_app_with(settings);

    let response = app.get("/api/v1/posts");

    assert_eq!(response.header("cache-control"), Some("public, max-age=5"));
}

#[test]
fn max_age_is_capped_to_the_moment_a_scheduled_post_goes_live() {
    // Arrange: a post goes live 30 s after the test clock's now.
    let dir = copy_fixture_site();
    write_file(
        dir.path(),
        "soon.md",
        simple_post("Soon", "2026-01-01T00:00:30Z", "Almost here."),
    );
    let app = spawn_app(dir.path());

    // Act
    let list = app.get("/api/v1/posts");
    let tags = app.get("/api/v1/tags");

    // Assert
    for response in [&list, &tags] {
        assert_eq!(
            response.header("cache-control"),
            Some("public, max-age=30, stale-while-revalidate=300")
        );
    }
}

#[test]
fn responses_vary_by_accept_encoding_and_origin() {
    let app = spawn_fixture_app();

    for (path, encoding) in [(LARGE, "gzip"), (LARGE, "identity"), (SMALL, "br")] {
        let response = app.get_with(path, &[("Accept-Encoding", encoding)]);

        assert_eq!(
            response.header("vary"),
            Some("Accept-Encoding, Origin"),
            "{path} {encoding}"
        );
    }
}

#[test]
fn each_header_comes_once_whether_routed_cached_revalidated_compressed_or_cross_origin() {
    let app = spawn_fixture_app();
    let etag = etag_of(&app, LARGE);
    let cases: [(&str, &[(&str, &str)]); 6] = [
        (LARGE, &[]),
        (LARGE, &[("X-Request-Id", "once-1")]),
        (LARGE, &[("If-None-Match", etag.as_str())]),
        (LARGE, &[("Accept-Encoding", "gzip")]),
        (LARGE, &[("Origin", "https://example.com")]),
        ("/api/v1/posts?tag=meetings&limit=2", &[]),
    ];

    // Each twice: the first may be routed, the second is answered from the cache.
    for (path, headers) in cases.iter().chain(cases.iter()) {
        let response = app.get_with(path, headers);

        for name in [
            "etag",
            "cache-control",
            "vary",
            "last-modified",
            "content-type",
            "content-encoding",
            "x-request-id",
            "x-content-type-options",
        ] {
            let count = response.headers.get_all(name).iter().count();
            assert!(count <= 1, "{path} {headers:?}: {count} `{name}` headers");
        }
        for name in ["etag", "cache-control", "vary", "x-request-id"] {
            assert!(
                response.header(name).is_some(),
                "{path} {headers:?}: no `{name}`"
            );
        }
    }
}

#[test]
fn large_bodies_are_compressed_with_gzip_or_brotli_under_their_own_etag() {
    let app = spawn_fixture_app();
    let plain = app.get_with(LARGE, &[]);
    let etag = plain
        .header("etag")
        .expect("an ETag")
        .trim_matches('"')
        .to_owned();

    let gzip = app.get_with(LARGE, &[("Accept-Encoding", "gzip")]);
    let brotli = app.get_with(LARGE, &[("Accept-Encoding", "br")]);

    assert_eq!(gzip.header("content-encoding"), Some("gzip"));
    assert_eq!(
        gzip.header("etag"),
        Some(format!("\"{etag}-gzip\"").as_str())
    );
    let mut unzipped = Vec::new();
    flate2::read::GzDecoder::new(&gzip.body[..])
        .read_to_end(&mut unzipped)
        .expect("the body is gzip");
    assert_eq!(unzipped, plain.body);

    assert_eq!(brotli.header("content-encoding"), Some("br"));
    assert_eq!(
        brotli.header("etag"),
        Some(format!("\"{etag}-br\"").as_str())
    );
    let mut unbrotlied = Vec::new();
    brotli::Decompressor::new(&brotli.body[..], 4096)
        .read_to_end(&mut unbrotlied)
        .expect("the body is brotli");
    assert_eq!(unbrotlied, plain.body);
}

#[test]
fn a_compressed_variants_etag_revalidates_with_the_same_coding() {
    let app = spawn_fixture_app();
    let gzip_tag = app
        .get_with(LARGE, &[("Accept-Encoding", "gzip")])
        .header("etag")
        .expect("an ETag")
        .to_owned();

    let response = app.get_with(
        LARGE,
        &[("Accept-Encoding", "gzip"), ("If-None-Match", &gzip_tag)],
    );

    assert_eq!(response.status, 304);
    assert_eq!(response.header("etag"), Some(gzip_tag.as_str()));
    assert_eq!(response.header("content-encoding"), None);
}

#[test]
fn tiny_bodies_and_errors_are_not_compressed() {
    let app = spawn_fixture_app();

    for path in [
        SMALL,
        "/healthz",
        "/api/v1/posts/nope",
        "/api/v1/posts?limit=0",
    ] {
        let response = app.get_with(path, &[("Accept-Encoding", "gzip, br")]);

        assert_eq!(response.header("content-encoding"), None, "{path}");
        assert!(!response.text().is_empty(), "{path}");
    }
}

#[test]
fn any_origin_may_read_responses_and_the_headers_a_browser_app_needs() {
    let app = spawn_fixture_app();

    let response = app.get_with("/api/v1/posts", &[("Origin", "https://blog.example")]);

    assert_eq!(response.status, 200);
    assert!(response.header("access-control-allow-origin").is_some());
    let exposed = response
        .header("access-control-expose-headers")
        .expect("exposed headers")
        .to_ascii_lowercase();
    for name in ["etag", "link", "x-total-count"] {
        assert!(exposed.contains(name), "{name} in {exposed}");
    }
}

#[test]
fn a_request_without_an_origin_gets_no_cors_headers() {
    let app = spawn_fixture_app();

    // The list twice: routed, then answered from the response cache.
    for path in [
        "/api/v1/posts",
        "/api/v1/posts",
        "/healthz",
        "/api/v1/posts/nope",
    ] {
        let response = app.get(path);

        assert_eq!(
            response.header("access-control-allow-origin"),
            None,
            "{path}"
        );
        assert_eq!(
            response.header("access-control-expose-headers"),
            None,
            "{path}"
        );
        // What a CORS request would get differs, and caches are told so.
        let vary = response.header("vary").unwrap_or_default();
        assert!(vary.contains("Origin"), "{path}: {vary}");
    }
}

#[test]
fn a_preflight_is_answered_for_read_only_methods() {
    let app = spawn_fixture_app();

    let response = app.send(
        Method::OPTIONS,
        "/api/v1/posts",
        &[
            ("Origin", "https://blog.example"),
            ("Access-Control-Request-Method", "GET"),
        ],
    );

    assert_eq!(response.status, 200);
    assert_eq!(
        response.header("access-control-allow-origin"),
        Some("https://blog.example")
    );
    let methods = response
        .header("access-control-allow-methods")
        .expect("allowed methods");
    assert!(
        methods.contains("GET") && !methods.contains("POST"),
        "{methods}"
    );
}

#[test]
fn only_configured_origins_are_allowed_when_some_are_given() {
    let mut settings = ServeSettings::for_content(fixture_site());
    settings.cors_origins = vec!["https://blog.example".to_owned()];
    let app = spawn_app_with(settings);
    let preflight = |origin: &str| {
        app.send(
            Method::OPTIONS,
            "/api/v1/posts",
            &[("Origin", origin), ("Access-Control-Request-Method", "GET")],
        )
    };

    let allowed = app.get_with("/api/v1/posts", &[("Origin", "https://blog.example")]);
    let refused = app.get_with("/api/v1/posts", &[("Origin", "https://evil.example")]);
    let allowed_preflight = preflight("https://blog.example");
    let refused_preflight = preflight("https://evil.example");

    assert_eq!(
        allowed.header("access-control-allow-origin"),
        Some("https://blog.example")
    );
    assert_eq!(refused.header("access-control-allow-origin"), None);
    assert_eq!(allowed_preflight.status, 200);
    assert_eq!(
        refused_preflight.header("access-control-allow-origin"),
        None
    );
    assert!(
        refused_preflight.status >= 400,
        "{}",
        refused_preflight.status
    );
}

#[test]
fn a_refused_preflight_answers_problem_json_naming_what_was_refused() {
    let mut settings = ServeSettings::for_content(fixture_site());
    settings.cors_origins = vec!["https://blog.example".to_owned()];
    let app = spawn_app_with(settings);

    for (origin, method, named) in [
        ("https://evil.example", "GET", "`https://evil.example`"),
        ("https://blog.example", "DELETE", "DELETE"),
    ] {
        let response = app
            .send(
                Method::OPTIONS,
                "/api/v1/posts",
                &[
                    ("Origin", origin),
                    ("Access-Control-Request-Method", method),
                ],
            )
            .into_text();

        let problem = assert_problem(&response, 403, &format!("{origin} {method}"));
        let detail = problem["detail"].as_str().unwrap_or_default();
        assert!(detail.contains(named), "{detail}");
        assert_eq!(response.header("access-control-allow-origin"), None);
        assert_eq!(response.header("x-content-type-options"), Some("nosniff"));
    }
}

#[test]
fn every_response_forbids_content_sniffing() {
    let app = spawn_fixture_app();

    for (path, status) in [
        ("/api/v1/posts", 200),
        ("/api/v1/posts/nope", 404),
        ("/api/v1/posts?limit=0", 400),
        ("/nowhere", 404),
    ] {
        let response = app.get(path);

        assert_eq!(response.status, status, "{path}");
        assert_eq!(
            response.header("x-content-type-options"),
            Some("nosniff"),
            "{path}"
        );
    }
}

#[test]
fn a_sane_request_id_is_echoed_and_otherwise_one_is_made() {
    let app = spawn_fixture_app();
    let too_long = "x".repeat(129);

    let echoed = app.get_with("/healthz", &[("X-Request-Id", "abc-123_DEF")]);
    let absent = app.get_with("/healthz", &[]);
    let other = app.get_with("/healthz", &[]);
    let long = app.get_with("/healthz", &[("X-Request-Id", &too_long)]);
    let spaced = app.get_with("/healthz", &[("X-Request-Id", "a b")]);

    assert_eq!(echoed.header("x-request-id"), Some("abc-123_DEF"));
    let made = absent.header("x-request-id").expect("a request id is made");
    assert!(!made.is_empty() && made.len() <= 128, "{made}");
    let uuid = uuid::Uuid::try_parse(made).expect("a made id is a UUID");
    assert_eq!(
        (
            made.len(),
            uuid.get_version_num(),
            made.to_ascii_lowercase()
        ),
        (32, 4, made.to_owned()),
        "a made id is a random UUID in 32 lowercase hex digits"
    );
    assert_ne!(other.header("x-request-id"), Some(made), "ids are unique");
    for response in [&long, &spaced] {
        let id = response.header("x-request-id").expect("a request id");
        assert!(id != too_long && id != "a b", "{id} is not echoed");
    }
}

#[test]
fn metrics_count_requests_by_route_and_status_and_report_the_content() {
    let app = spawn_fixture_app();
    let first = app.get("/api/v1/tags/meetings");
    // The second is answered from the response cache, without routing: still counted.
    app.get("/api/v1/tags/meetings");
    let etag = first.header("etag").expect("an ETag");
    for _ in 0..3 {
        app.get_with("/api/v1/tags/meetings", &[("If-None-Match", etag)]);
    }
    app.get("/api/v1/tags/nope");

    let response = app.get("/metrics");

    assert_eq!(response.status, 200);
    assert!(
        response
            .content_type()
            .starts_with("application/openmetrics-text")
    );
    for line in [
        "quire_http_requests_total{route=\"/api/v1/tags/{slug}\",status=\"200\"} 2",
        "quire_http_requests_total{route=\"/api/v1/tags/{slug}\",status=\"304\"} 3",
        "quire_http_requests_total{route=\"/api/v1/tags/{slug}\",status=\"404\"} 1",
        "quire_http_request_duration_seconds_count",
        "quire_posts{state=\"published\"} 9",
        "quire_content_generation 1",
        "quire_content_reloads 0",
        "quire_content_problems{severity=\"warning\"}",
    ] {
        assert!(response.body.contains(line), "{line} in\n{}", response.body);
    }
    assert!(
        !response.body.contains("state=\"total\""),
        "drafts and scheduled posts are not counted in public: {}",
        response.body
    );
}

#[test]
fn readyz_says_the_content_is_loaded() {
    let app = spawn_fixture_app();

    let body = app.get_ok_json("/readyz");

    assert_eq!(body["status"], "ready");
    assert_eq!(body["generation"], 1);
    // The fixture site has 11 posts, of which a draft and a scheduled one are not published.
    assert_eq!(body["posts"], 9);
}

#[test]
fn a_query_string_over_2048_bytes_is_414() {
    let app = spawn_fixture_app();
    let long = format!("/api/v1/posts?_={}", "a".repeat(2048));
    let fits = format!("/api/v1/posts?_={}", "a".repeat(2040));

    let response = app.get(&long);

    assert_problem(&response, 414, "an over-long query");
    assert_eq!(app.get(&fits).status, 200);
}

#[test]
fn more_than_20_tags_is_a_400_naming_tag() {
    let app = spawn_fixture_app();
    let tags = |n: usize| {
        (0..n)
            .map(|i| format!("t{i}"))
            .collect::<Vec<_>>()
            .join(",")
    };

    let too_many = app.get(&format!("/api/v1/posts?tag={}", tags(21)));
    let twenty = app.get(&format!("/api/v1/posts?tag={}", tags(20)));

    let body = assert_problem(&too_many, 400, "21 tags");
    assert_eq!(body["parameter"], "tag");
    assert_eq!(twenty.status, 200);
}

#[test]
fn cached_responses_are_the_same_bytes_as_fresh_ones() {
    let app = spawn_fixture_app();

    for path in ROUTES.iter().filter(|path| !path.ends_with("z")) {
        let miss = app.get_with(path, &[]);
        let hit = app.get_with(path, &[]);

        assert_eq!(miss.body, hit.body, "{path}");
        assert_eq!(miss.header("etag"), hit.header("etag"), "{path}");
        assert_eq!(miss.header("link"), hit.header("link"), "{path}");
    }
}

#[test]
fn a_list_page_assembled_from_cached_summaries_is_the_full_json() {
    let app = spawn_fixture_app();

    let page = app.get_ok_json("/api/v1/posts?limit=3");
    let post = app.get_ok_json("/api/v1/posts/backlog-refinement");

    assert_eq!(page["data"].as_array().map(Vec::len), Some(3));
    assert_eq!(page["meta"]["pagination"]["limit"], 3);
    let listed = app.get_ok_json("/api/v1/posts?tag=backlog-refinement");
    let summary = &listed["data"][0];
    for (key, value) in summary.as_object().expect("a summary is an object") {
        assert_eq!(&post[key], value, "{key}");
    }
}

#[test]
fn requests_with_authorization_are_private() {
    let app = spawn_fixture_app();

    let response = app.get_with("/api/v1/posts", &[("Authorization", "Bearer x")]);

    assert_eq!(response.header("cache-control"), Some("private, no-store"));
}

#[test]
fn a_client_that_never_finishes_its_headers_is_cut_off() {
    use std::io::Write;
    use std::net::TcpStream;
    use std::time::Instant;

    let app = spawn_fixture_app();
    let address = app.address.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).expect("the server accepts connections");
    stream
        .set_read_timeout(Some(Duration::from_secs(15)))
        .expect("a read timeout can be set");
    let started = Instant::now();

    stream
        .write_all(b"GET /api/v1/posts HTTP/1.1\r\nHost: quire\r\n")
        .expect("half a request can be sent");
    let mut answer = Vec::new();
    let read = stream.read_to_end(&mut answer);

    assert!(read.is_ok(), "the server closes the connection: {read:?}");
    assert!(
        started.elapsed() < Duration::from_secs(12),
        "cut off after {:?}",
        started.elapsed()
    );
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
        "{answer}"
    );
}

/// Every header but the ones that differ per response by design.
fn lasting_headers(response: &crate::helpers::RawResponse) -> Vec<(String, String)> {
    let mut headers: Vec<(String, String)> = response
        .headers
        .iter()
        .filter(|(name, _)| !matches!(name.as_str(), "date" | "x-request-id"))
        .map(|(name, value)| {
            let value = value.to_str().expect("header values are ASCII");
            (name.as_str().to_owned(), value.to_owned())
        })
        .collect();
    headers.sort();
    headers
}

#[test]
fn an_answer_from_the_response_cache_is_the_answer_routing_gives() {
    let app = spawn_fixture_app();
    let codings: &[&[(&str, &str)]] = &[
        &[],
        &[("Accept-Encoding", "gzip")],
        &[("Accept-Encoding", "br;q=1, gzip;q=0.5")],
        &[("Accept-Encoding", "deflate")],
    ];
    for path in ROUTES {
        for headers in codings {
            // The first request is routed and prepares the response; the next come from the
            // cache. Both kinds must be indistinguishable.
            let routed = app.get_with(path, headers);
            let cached = app.get_with(path, headers);
            assert_eq!(cached.status, routed.status, "{path} {headers:?}");
            assert_eq!(
                lasting_headers(&cached),
                lasting_headers(&routed),
                "{path} {headers:?}"
            );
            assert_eq!(cached.body, routed.body, "{path} {headers:?}");
            assert_eq!(cached.header("x-content-type-options"), Some("nosniff"));
            assert!(cached.header("x-request-id").is_some(), "{path}");

            if let Some(etag) = routed.header("etag") {
                let mut conditional = headers.to_vec();
                conditional.push(("If-None-Match", etag));
                let first = app.get_with(path, &conditional);
                let again = app.get_with(path, &conditional);
                assert_eq!(first.status, 304, "{path} {headers:?}");
                assert_eq!(lasting_headers(&again), lasting_headers(&first), "{path}");
            }
        }
    }
}

#[test]
fn a_request_with_an_origin_still_gets_cors_headers_once_its_answer_is_cached() {
    let app = spawn_fixture_app();
    app.get(LARGE);
    app.get(LARGE);

    let response = app.get_with(LARGE, &[("Origin", "https://blog.example")]);

    assert_eq!(response.status, 200);
    assert_eq!(
        response.header("access-control-allow-origin"),
        Some("https://blog.example")
    );
    assert_eq!(
        response.header("access-control-expose-headers"),
        Some("ETag, Link, X-Total-Count")
    );
}

#[test]
fn a_cross_origin_error_or_swagger_file_exposes_the_same_headers_spelled_one_way() {
    let app = spawn_fixture_app();
    let origin = [("Origin", "https://blog.example")];

    for path in [
        "/api/v1/posts/nope",
        "/api/v1/posts?limit=0",
        "/swagger-ui/swagger-initializer.js",
    ] {
        let response = app.get_with(path, &origin);

        assert_eq!(
            response.header("access-control-allow-origin"),
            Some("https://blog.example"),
            "{path}"
        );
        assert_eq!(
            response.header("access-control-expose-headers"),
            Some("ETag, Link, X-Total-Count"),
            "{path}"
        );
    }
}
