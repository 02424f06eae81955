//! The OpenAPI document and Swagger UI: served, browsable offline, and in step with the
//! committed `openapi/openapi.json`.

use std::io::Read;
use std::path::Path;

use serde_json::Value;

use crate::helpers::{spawn_app, spawn_fixture_app};

#[test]
fn swagger_ui_is_served_as_html() {
    // Arrange
    let app = spawn_fixture_app();

    // Act
    let response = app.get("/swagger-ui/");

    // Assert
    assert_eq!(response.status, 200);
    assert!(
        response.content_type().starts_with("text/html"),
        "content type {:?}",
        response.content_type()
    );
    assert!(
        response.body.contains(r#"id="swagger-ui""#),
        "{}",
        response.body
    );
}

#[test]
fn swagger_ui_javascript_is_served_from_the_binary() {
    let app = spawn_fixture_app();

    let bundle = app.get("/swagger-ui/swagger-ui-bundle.js");
    let initializer = app.get("/swagger-ui/swagger-initializer.js");

    assert_eq!(bundle.status, 200);
    assert!(
        bundle.content_type().contains("javascript"),
        "content type {:?}",
        bundle.content_type()
    );
    assert!(
        bundle.body.len() > 100_000,
        "the bundle is only {} bytes",
        bundle.body.len()
    );
    assert_eq!(initializer.status, 200);
    assert!(
        initializer.body.contains("/api-docs/openapi.json"),
        "the UI points at the spec: {}",
        initializer.body
    );
}

/// The Swagger UI bundle decoded from `coding`.
fn decoded(body: &[u8], coding: &str) -> Vec<u8> {
    let mut decoded = Vec::new();
    match coding {
        "br" => brotli::Decompressor::new(body, 4096)
            .read_to_end(&mut decoded)
            .expect("the body is brotli"),
        "gzip" => flate2::read::GzDecoder::new(body)
            .read_to_end(&mut decoded)
            .expect("the body is gzip"),
        other => panic!("unexpected coding {other}"),
    };
    decoded
}

#[test]
fn the_swagger_ui_bundle_comes_compressed_with_validators_and_revalidates_to_304() {
    // Arrange
    let app = spawn_fixture_app();
    let plain = app.get_with("/swagger-ui/swagger-ui-bundle.js", &[]);
    let tag = plain.header("etag").expect("an ETag").trim_matches('"');

    for coding in ["br", "gzip"] {
        // Act
        let response = app.get_with(
            "/swagger-ui/swagger-ui-bundle.js",
            &[("Accept-Encoding", coding)],
        );
        let etag = response.header("etag").expect("an ETag").to_owned();
        let revalidated = app.get_with(
            "/swagger-ui/swagger-ui-bundle.js",
            &[("Accept-Encoding", coding), ("If-None-Match", &etag)],
        );

        // Assert
        assert_eq!(response.status, 200, "{coding}");
        assert_eq!(response.header("content-encoding"), Some(coding));
        assert_eq!(etag, format!("\"{tag}-{coding}\""));
        assert_eq!(
            response.header("cache-control"),
            Some("public, max-age=60, stale-while-revalidate=300")
        );
        assert_eq!(response.header("vary"), Some("Accept-Encoding, Origin"));
        assert!(response.body.len() < plain.body.len() / 2, "{coding}");
        assert_eq!(decoded(&response.body, coding), plain.body, "{coding}");
        assert_eq!(revalidated.status, 304, "{coding}");
        assert!(revalidated.body.is_empty(), "{coding}");
        assert_eq!(revalidated.header("etag"), Some(etag.as_str()));
    }
}

#[test]
fn the_swagger_ui_bundle_is_compressed_once_and_then_sent_as_kept() {
    let app = spawn_fixture_app();
    let brotli = [("Accept-Encoding", "br")];

    let first = app.get_with("/swagger-ui/swagger-ui-bundle.js", &brotli);
    let second = app.get_with("/swagger-ui/swagger-ui-bundle.js", &brotli);

    // A whole body of known length, not a stream compressed on the way out, and the same
    // bytes under the same tag the second time.
    let length = first.header("content-length").expect("a Content-Length");
    assert_eq!(length, first.body.len().to_string());
    assert_eq!(first.header("content-encoding"), Some("br"));
    assert_eq!(second.header("etag"), first.header("etag"));
    assert_eq!(second.body, first.body);
}

#[test]
fn the_served_spec_comes_compressed_and_revalidates_to_304() {
    let app = spawn_fixture_app();

    let response = app.get_with("/api-docs/openapi.json", &[("Accept-Encoding", "gzip")]);
    let etag = response.header("etag").expect("an ETag");
    let revalidated = app.get_with("/api-docs/openapi.json", &[("If-None-Match", etag)]);

    assert_eq!(response.header("content-encoding"), Some("gzip"));
    let document: Value =
        serde_json::from_slice(&decoded(&response.body, "gzip")).expect("the spec is JSON");
    assert_eq!(
        document,
        serde_json::to_value(quire::openapi::document()).expect("the document serializes")
    );
    assert_eq!(revalidated.status, 304);
}

#[test]
fn swagger_ui_without_a_trailing_slash_redirects_to_it() {
    let app = spawn_fixture_app();

    let response = app.get("/swagger-ui");

    assert!(
        [301, 302, 303, 307, 308].contains(&response.status),
        "status {}",
        response.status
    );
    assert_eq!(response.header("location"), Some("/swagger-ui/"));
}

#[test]
fn the_served_spec_is_the_generated_document() {
    let app = spawn_fixture_app();

    let response = app.get("/api-docs/openapi.json");

    assert_eq!(response.status, 200);
    assert!(
        response.content_type().starts_with("application/json"),
        "content type {:?}",
        response.content_type()
    );
    let expected =
        serde_json::to_value(quire::openapi::document()).expect("the document serializes to JSON");
    assert_eq!(response.json(), expected);
}

#[test]
fn the_spec_describes_every_endpoint() {
    let document =
        serde_json::to_value(quire::openapi::document()).expect("the document serializes to JSON");

    let mut paths: Vec<&str> = document["paths"]
        .as_object()
        .expect("`paths` is an object")
        .keys()
        .map(String::as_str)
        .collect();
    paths.sort_unstable();

    assert_eq!(
        paths,
        [
            "/api/v1/archive",
            "/api/v1/authors",
            "/api/v1/authors/{slug}",
            "/api/v1/categories",
            "/api/v1/categories/{slug}",
            "/api/v1/events",
            "/api/v1/meta",
            "/api/v1/posts",
            "/api/v1/posts/{slug}",
            "/api/v1/posts/{slug}/backlinks",
            "/api/v1/posts/{slug}/html",
            "/api/v1/posts/{slug}/markdown",
            "/api/v1/posts/{slug}/related",
            "/api/v1/problems",
            "/api/v1/search",
            "/api/v1/tags",
            "/api/v1/tags/{slug}",
            "/atom.xml",
            "/categories/{slug}/atom.xml",
            "/categories/{slug}/feed.json",
            "/categories/{slug}/feed.xml",
            "/feed.json",
            "/feed.xml",
            "/healthz",
            "/media/{path}",
            "/metrics",
            "/readyz",
            "/sitemap.xml",
            "/tags/{slug}/atom.xml",
            "/tags/{slug}/feed.json",
            "/tags/{slug}/feed.xml",
        ]
    );
    let list = &document["paths"]["/api/v1/posts"]["get"]["responses"];
    assert!(list.get("400").is_some(), "the post list declares its 400");
    for path in ["/api/v1/posts/{slug}", "/api/v1/tags/{slug}"] {
        let responses = &document["paths"][path]["get"]["responses"];
        assert!(responses.get("404").is_some(), "{path} declares its 404");
    }
}

#[test]
fn the_committed_spec_matches_the_generated_one() {
    let committed_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi/openapi.json");
    let committed = std::fs::read_to_string(&committed_path)
        .unwrap_or_else(|err| panic!("cannot read {}: {err}", committed_path.display()));

    let generated = quire::openapi::document_json();

    assert!(
        committed == generated,
        "openapi/openapi.json is out of date with the code; \
         run `cargo run -- openapi > openapi/openapi.json` and commit the result"
    );
}

/// A query value percent-encoded the way a browser form would send it.
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b',' => {
                (byte as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// The value Swagger UI's Try-it-out puts in a parameter's field: its example, else its
/// schema's example or default.
fn prefilled(parameter: &Value) -> Option<String> {
    let schema = &parameter["schema"];
    let value = [
        &parameter["example"],
        &schema["example"],
        &schema["default"],
    ]
    .into_iter()
    .find(|value| !value.is_null())?;
    Some(match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    })
}

#[test]
fn every_operation_tried_out_with_its_prefilled_examples_returns_data_on_the_sample_content() {
    let app = spawn_app(Path::new(env!("CARGO_MANIFEST_DIR")).join("content"));
    let document = serde_json::to_value(quire::openapi::document()).expect("serializes");

    for (path, item) in document["paths"].as_object().expect("paths") {
        // An endless event stream; tests/api/reload.rs reads it over a raw socket.
        if path == "/api/v1/events" {
            continue;
        }
        let operation = &item["get"];
        let parameters = operation["parameters"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let mut url = path.clone();
        let mut query = Vec::new();
        let mut has_examples = false;
        for parameter in &parameters {
            has_examples |= !parameter["example"].is_null();
            let name = parameter["name"].as_str().expect("a parameter has a name");
            let Some(value) = prefilled(parameter) else {
                continue;
            };
            match parameter["in"].as_str() {
                Some("path") => url = url.replace(&format!("{{{name}}}"), &encode(&value)),
                Some("query") => query.push(format!("{name}={}", encode(&value))),
                _ => {}
            }
        }
        if !query.is_empty() {
            url = format!("{url}?{}", query.join("&"));
        }

        // Raw bytes: `/media` answers with an image.
        let response = app.get_with(&url, &[]);

        assert_eq!(
            response.status,
            200,
            "{url}: {}",
            String::from_utf8_lossy(&response.body)
        );
        let content_type = response.header("content-type").unwrap_or_default();
        if has_examples && content_type.contains("json") {
            let body = response.into_text().json();
            let data = body.get("data").or_else(|| body.get("items"));
            if let Some(data) = data {
                assert!(
                    data.as_array().is_some_and(|items| !items.is_empty()),
                    "{url} returns nothing on the sample content: {body}"
                );
            }
        }
    }
}

/// The document as JSON, and a `$ref` inside it resolved.
fn spec() -> Value {
    serde_json::to_value(quire::openapi::document()).expect("the document serializes to JSON")
}

fn resolve<'a>(document: &'a Value, node: &'a Value) -> &'a Value {
    match node["$ref"].as_str() {
        Some(reference) => {
            let pointer = reference.trim_start_matches('#');
            document
                .pointer(pointer)
                .unwrap_or_else(|| panic!("{reference} resolves"))
        }
        None => node,
    }
}

#[test]
fn each_error_response_shows_an_example_of_its_own_status() {
    let document = spec();
    let mut checked = 0;

    for (path, item) in document["paths"].as_object().expect("paths") {
        let responses = item["get"]["responses"].as_object().expect("responses");
        for (status, response) in responses {
            let response = resolve(&document, response);
            let Some(content) = response["content"].get("application/problem+json") else {
                continue;
            };
            let example = match content.get("example") {
                Some(example) => example,
                None => &resolve(&document, &content["schema"])["example"],
            };

            assert_eq!(
                example["status"].to_string(),
                *status,
                "{path} {status} shows the example {example}"
            );
            assert!(example["title"].is_string(), "{path} {status}");
            checked += 1;
        }
    }
    assert!(checked > 40, "{checked} error responses checked");
}

#[test]
fn custom_fields_are_declared_open_and_a_whole_list_item_requires_its_fields() {
    let document = spec();
    let schemas = &document["components"]["schemas"];

    let extra = &schemas["PostSummary"]["properties"]["extra"];
    assert_eq!(extra["type"], "object");
    assert_eq!(extra["additionalProperties"], true, "{extra}");
    let whole = resolve(
        &document,
        &schemas["PostListResponse"]["properties"]["data"]["items"],
    );
    let required = whole["required"].as_array().expect("required fields");
    for field in [
        "slug",
        "title",
        "date",
        "tags",
        "excerpt",
        "readingTime",
        "extra",
    ] {
        assert!(
            required.iter().any(|r| r == field),
            "{field} in {required:?}"
        );
    }
    let sparse = resolve(
        &document,
        &schemas["SparsePostListResponse"]["properties"]["data"]["items"],
    );
    assert_eq!(sparse["required"], serde_json::json!(["slug"]));
    assert!(
        schemas["SparsePostListResponse"]["required"]
            .as_array()
            .is_some_and(|required| required.iter().any(|r| r == "fields")),
        "a sparse page is told apart by `fields`"
    );
}

#[test]
fn the_routes_that_honour_the_preview_token_declare_it_as_optional_bearer_security() {
    let document = spec();

    let scheme = &document["components"]["securitySchemes"]["previewToken"];
    assert_eq!(scheme["type"], "http");
    assert_eq!(scheme["scheme"], "bearer");
    for (path, item) in document["paths"].as_object().expect("paths") {
        let operation = &item["get"];
        let honours = [
            "/api/v1/posts",
            "/api/v1/posts/{slug}",
            "/api/v1/posts/{slug}/html",
            "/api/v1/posts/{slug}/markdown",
        ]
        .contains(&path.as_str());
        let security = &operation["security"];
        if honours {
            assert_eq!(
                *security,
                serde_json::json!([{}, {"previewToken": []}]),
                "{path}: the token is optional"
            );
            let header = operation["parameters"]
                .as_array()
                .and_then(|parameters| {
                    parameters
                        .iter()
                        .find(|p| p["in"] == "header" && p["name"] == "Authorization")
                })
                .unwrap_or_else(|| panic!("{path} types the Authorization header"));
            assert_eq!(header["required"], false, "{path}");
        } else {
            assert!(security.is_null(), "{path} does not read the token");
        }
    }
}

#[test]
fn the_fields_parameter_lists_every_field_a_post_summary_has() {
    // Arrange
    let app = spawn_fixture_app();
    let document = spec();
    let declared: Vec<&str> = document["paths"]["/api/v1/posts"]["get"]["parameters"]
        .as_array()
        .expect("/posts has parameters")
        .iter()
        .find(|parameter| parameter["name"] == "fields")
        .expect("/posts declares `fields`")["schema"]["items"]["enum"]
        .as_array()
        .expect("`fields` lists its words")
        .iter()
        .map(|word| word.as_str().expect("each word is a string"))
        .collect();

    // Act
    let (status, body) = app.get_json("/api/v1/posts?limit=1");

    // Assert
    assert_eq!(status, 200);
    let summary = body["data"][0].as_object().expect("a post summary");
    let mut keys: Vec<&str> = summary.keys().map(String::as_str).collect();
    let mut words = declared.clone();
    keys.sort_unstable();
    words.sort_unstable();
    assert_eq!(
        words, keys,
        "`fields` should accept exactly a summary's fields"
    );
    for word in declared {
        let (status, body) = app.get_json(&format!("/api/v1/posts?limit=1&fields={word}"));
        assert_eq!(status, 200, "fields={word}: {body}");
        assert!(body["data"][0].get(word).is_some(), "fields={word}: {body}");
    }
}
