//! What the layers add to every GET route, declared in the OpenAPI document in one place so
//! the spec stays truthful: validators and caching headers on 200, the 304 of a conditional
//! request, and the 414 of an over-long query string.

use utoipa::openapi::header::Header;
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::{Content, OpenApi, Ref, RefOr};

use super::layers::MAX_QUERY_BYTES;

/// The headers sent with every 200 of a GET route, and but for `Last-Modified` with every 304:
/// (name, component name, description).
const CACHING_HEADERS: [(&str, &str, &str); 4] = [
    (
        "ETag",
        "ETag",
        "A strong tag of the body; a compressed body's tag ends in its coding (`-br`, `-gzip`). Send it back in `If-None-Match`.",
    ),
    (
        "Last-Modified",
        "LastModified",
        "When the content last changed: the post's file, or for lists the newest file or the last time a post went live.",
    ),
    (
        "Cache-Control",
        "CacheControl",
        "`--cache-control` (default `public, max-age=60, stale-while-revalidate=300`), with `max-age` lowered before a scheduled post goes live; `no-store` for health and metrics; `private, no-store` with `Authorization`.",
    ),
    ("Vary", "Vary", "`Accept-Encoding, Origin`."),
];

/// Adds the conditional-request and caching declarations to every GET operation, as
/// references to shared components so the document stays readable.
pub fn declare_http_semantics(document: &mut OpenApi) {
    let components = document.components.get_or_insert_with(Default::default);
    for (_, component, description) in CACHING_HEADERS {
        let mut header = Header::default();
        header.description = Some(description.to_owned());
        components
            .headers
            .insert(component.to_owned(), RefOr::T(header));
    }
    let mut not_modified = ResponseBuilder::new()
        .description(
            "Not Modified: the `If-None-Match` tag matches the current representation (or, \
             without `If-None-Match`, it has not changed since `If-Modified-Since`). No body.",
        )
        .build();
    add_caching_headers(&mut not_modified);
    // RFC 9110 section 15.4.5: the client's stored copy already has it.
    not_modified.headers.remove("Last-Modified");
    components
        .responses
        .insert("NotModified".to_owned(), RefOr::T(not_modified));
    let too_long = ResponseBuilder::new()
        .description(format!(
            "The query string is longer than {MAX_QUERY_BYTES} bytes."
        ))
        .content(
            "application/problem+json",
            Content::new(Some(Ref::from_schema_name("Problem"))),
        )
        .build();
    components
        .responses
        .insert("UriTooLong".to_owned(), RefOr::T(too_long));

    for item in document.paths.paths.values_mut() {
        let Some(operation) = item.get.as_mut() else {
            continue;
        };
        let responses = &mut operation.responses.responses;
        if let Some(RefOr::T(ok)) = responses.get_mut("200") {
            add_caching_headers(ok);
        }
        responses.insert(
            "304".to_owned(),
            RefOr::Ref(Ref::from_response_name("NotModified")),
        );
        responses.insert(
            "414".to_owned(),
            RefOr::Ref(Ref::from_response_name("UriTooLong")),
        );
    }
}

fn add_caching_headers(response: &mut Response) {
    for (name, component, _) in CACHING_HEADERS {
        response.headers.insert(
            name.to_owned(),
            RefOr::Ref(Ref::new(format!("#/components/headers/{component}"))),
        );
    }
}
