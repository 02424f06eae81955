//! Conditional requests (RFC 9110 section 13): whether `If-None-Match` or `If-Modified-Since`
//! lets Quire answer 304, and the entity tag of each content coding.
//!
//! A strong tag names one exact byte sequence, so a compressed body gets its own tag: the
//! body's hash with the coding appended (`"…-br"`, `"…-gzip"`). `If-None-Match` compares
//! weakly, as RFC 9110 requires, and a tag of any coding of the same body matches.

use std::time::{Duration, SystemTime};

use actix_web::http::header::{self, HeaderMap, HttpDate};
use jiff::Timestamp;

/// The `ETag` header value for a body hash sent with a content coding (`None` or `identity`
/// for the bytes as prepared).
pub fn etag_value(hash: &str, coding: Option<&str>) -> String {
    match coding {
        Some(coding) if !coding.eq_ignore_ascii_case("identity") => {
            format!("\"{hash}-{}\"", coding.to_ascii_lowercase())
        }
        _ => format!("\"{hash}\""),
    }
}

/// Whether the request's preconditions say the client's copy is current, so a 304 answers:
/// `If-None-Match` decides when present; otherwise `If-Modified-Since` against
/// `last_modified` (to the second).
pub fn is_not_modified(headers: &HeaderMap, hash: &str, last_modified: Option<Timestamp>) -> bool {
    let mut if_none_match = false;
    for list in headers.get_all(header::IF_NONE_MATCH) {
        if matches_any(list.as_bytes(), hash.as_bytes()) {
            return true;
        }
        if_none_match = true;
    }
    if if_none_match {
        return false;
    }
    let (Some(since), Some(modified)) = (headers.get(header::IF_MODIFIED_SINCE), last_modified)
    else {
        return false;
    };
    let Some(since) = since
        .to_str()
        .ok()
        .and_then(|text| text.parse::<HttpDate>().ok())
        .and_then(|date| Timestamp::try_from(SystemTime::from(date)).ok())
    else {
        return false;
    };
    modified.as_second() <= since.as_second()
}

/// Whether an `If-None-Match` list names this body: `*`, or any tag (weak or strong, of any
/// coding) whose hash is `hash`. Compared as bytes: tags are ASCII, and a value that is not
/// text simply names nothing.
fn matches_any(list: &[u8], hash: &[u8]) -> bool {
    // What a client revalidating its copy sends: exactly the tag it was given.
    if let [b'"', opaque @ .., b'"'] = list
        && opaque == hash
    {
        return true;
    }
    if list.trim_ascii() == b"*" {
        return true;
    }
    list.split(|&b| b == b',').any(|tag| {
        let tag = tag.trim_ascii();
        let tag = tag.strip_prefix(b"W/").unwrap_or(tag);
        let Some(opaque) = tag.strip_prefix(b"\"").and_then(|t| t.strip_suffix(b"\"")) else {
            return false;
        };
        let base = opaque
            .iter()
            .position(|&b| b == b'-')
            .map_or(opaque, |dash| &opaque[..dash]);
        base == hash
    })
}

/// `Last-Modified`'s value for an instant.
pub fn http_date(at: Timestamp) -> String {
    let seconds = u64::try_from(at.as_second()).unwrap_or(0);
    HttpDate::from(SystemTime::UNIX_EPOCH + Duration::from_secs(seconds)).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::HeaderValue;

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(name.clone(), HeaderValue::from_str(value).unwrap());
        }
        map
    }

    fn at(text: &str) -> Option<Timestamp> {
        Some(text.parse().unwrap())
    }

    #[test]
    fn if_none_match_accepts_lists_stars_weak_tags_and_codings() {
        let hash = "0123abcd";
        for matching in [
            "\"0123abcd\"",
            "W/\"0123abcd\"",
            "\"x\", \"0123abcd\"",
            "*",
            "\"0123abcd-br\"",
            "\"0123abcd-gzip\"",
        ] {
            let map = headers(&[(header::IF_NONE_MATCH, matching)]);
            assert!(is_not_modified(&map, hash, None), "{matching}");
        }
        for other in ["\"0123abce\"", "0123abcd", "\"\"", ""] {
            let map = headers(&[(header::IF_NONE_MATCH, other)]);
            assert!(!is_not_modified(&map, hash, None), "{other}");
        }
    }

    #[test]
    fn if_modified_since_compares_to_the_second_unless_if_none_match_is_sent() {
        let modified = at("2025-03-01T10:00:00.5Z");
        let same = headers(&[(header::IF_MODIFIED_SINCE, "Sat, 01 Mar 2025 10:00:00 GMT")]);
        let earlier = headers(&[(header::IF_MODIFIED_SINCE, "Sat, 01 Mar 2025 09:59:59 GMT")]);
        assert!(is_not_modified(&same, "h", modified));
        assert!(!is_not_modified(&earlier, "h", modified));
        assert!(!is_not_modified(&same, "h", None));
        let both = headers(&[
            (header::IF_NONE_MATCH, "\"other\""),
            (header::IF_MODIFIED_SINCE, "Sat, 01 Mar 2025 10:00:00 GMT"),
        ]);
        assert!(!is_not_modified(&both, "h", modified));
        let garbage = headers(&[(header::IF_MODIFIED_SINCE, "yesterday")]);
        assert!(!is_not_modified(&garbage, "h", modified));
    }

    #[test]
    fn each_coding_has_its_own_tag() {
        assert_eq!(etag_value("ab", None), "\"ab\"");
        assert_eq!(etag_value("ab", Some("identity")), "\"ab\"");
        assert_eq!(etag_value("ab", Some("br")), "\"ab-br\"");
    }

    #[test]
    fn http_dates_are_imf_fixdate() {
        assert_eq!(
            http_date("2025-03-01T10:00:00.5Z".parse().unwrap()),
            "Sat, 01 Mar 2025 10:00:00 GMT"
        );
    }
}
