//! What the layers add to every GET route, declared in the OpenAPI document in one place so
//! the spec stays truthful: validators and caching headers on 200, the 304 of a conditional
//! request, the 414 of an over-long query string, and for each error response an example of
//! its own status (the `Problem` schema's example is a 400).

use utoipa::openapi::header::Header;
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::{Content, OpenApi, Ref, RefOr};

use super::edge::MAX_QUERY_BYTES;
use crate::error::ApiError;

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
            problem_content(&ApiError::UriTooLong {
                limit: MAX_QUERY_BYTES,
            }),
        )
        .build();
    components
        .responses
        .insert("UriTooLong".to_owned(), RefOr::T(too_long));

    for (path, item) in document.paths.paths.iter_mut() {
        let Some(operation) = item.get.as_mut() else {
            continue;
        };
        let responses = &mut operation.responses.responses;
        for (status, response) in responses.iter_mut() {
            let RefOr::T(response) = response else {
                continue;
            };
            let Some(error) = example_error(status, path) else {
                continue;
            };
            if let Some(RefOr::T(content)) = response.content.get_mut("application/problem+json") {
                content.example = Some(problem_json(&error));
            }
        }
        // A route answered without the response layer (`/media`) declares its own headers
        // and 304, which stand.
        if let Some(RefOr::T(ok)) = responses.get_mut("200")
            && !ok.headers.contains_key("ETag")
        {
            add_caching_headers(ok);
        }
        responses
            .entry("304".to_owned())
            .or_insert_with(|| RefOr::Ref(Ref::from_response_name("NotModified")));
        responses.insert(
            "414".to_owned(),
            RefOr::Ref(Ref::from_response_name("UriTooLong")),
        );
    }
}

/// A typical error of `status` on `path`, for its example; `None` for a 400, which the
/// `Problem` schema's own example shows, and for statuses without a problem body.
fn example_error(status: &str, path: &str) -> Option<ApiError> {
    let slug = "no-such-slug";
    match status {
        "401" => Some(ApiError::Unauthorized {
            detail:
                "`preview=true` needs `Authorization: Bearer <preview token>` (see --preview-token)"
                    .to_owned(),
        }),
        "404" if path.starts_with("/media/") => Some(ApiError::not_found(
            "there is no media file at /media/no-such-post/diagram.png; media are the images, video, audio and PDFs in the content folder",
        )),
        "416" => Some(ApiError::RangeNotSatisfiable { length: 1024 }),
        "404" => {
            let term = ["categories", "tags", "authors"]
                .into_iter()
                .zip(["category", "tag", "author"])
                .find(|(folder, _)| {
                    path.starts_with(&format!("/{folder}/"))
                        || path.starts_with(&format!("/api/v1/{folder}/"))
                });
            Some(ApiError::not_found(match term {
                Some((_, noun)) => {
                    format!("there is no {noun} with slug `{slug}` and a published post")
                }
                None => format!("there is no published post with slug `{slug}`"),
            }))
        }
        "414" => Some(ApiError::UriTooLong {
            limit: MAX_QUERY_BYTES,
        }),
        "503" if path.ends_with("/events") => Some(ApiError::TooManyEventStreams {
            limit: super::DEFAULT_MAX_EVENT_STREAMS,
        }),
        "503" => Some(ApiError::SearchUnavailable { building: true }),
        _ => None,
    }
}

fn problem_json(error: &ApiError) -> serde_json::Value {
    serde_json::to_value(error.problem()).unwrap_or_default()
}

/// `application/problem+json` content of the `Problem` schema with `error` as its example.
fn problem_content(error: &ApiError) -> Content {
    let mut content = Content::new(Some(Ref::from_schema_name("Problem")));
    content.example = Some(problem_json(error));
    content
}

fn add_caching_headers(response: &mut Response) {
    for (name, component, _) in CACHING_HEADERS {
        response.headers.insert(
            name.to_owned(),
            RefOr::Ref(Ref::new(format!("#/components/headers/{component}"))),
        );
    }
}
