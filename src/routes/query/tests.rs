//! Unit tests of reading query strings.

use super::*;

fn query(text: &str) -> RawQuery {
    RawQuery::parse(text).unwrap()
}

#[test]
fn lists_accept_commas_and_repeats_and_drop_blanks() {
    assert_eq!(
        query("tag=a,b&tag=c&tag=").list("tag").unwrap(),
        ["a", "b", "c"]
    );
}

#[test]
fn numbers_outside_their_range_name_the_parameter() {
    for bad in ["limit=0", "limit=101", "limit=abc", "limit=-1", "limit=1.5"] {
        let err = query(bad).number("limit", 1, 100, 10).unwrap_err();
        assert!(
            matches!(err, ApiError::InvalidParameter { ref parameter, .. } if parameter == "limit"),
            "{bad}"
        );
    }
    assert!(query("limit=").number("limit", 1, 100, 10).is_err());
    assert_eq!(query("").number("limit", 1, 100, 10).unwrap(), 10);
}

#[test]
fn word_lists_refuse_blank_and_unknown_words() {
    let allowed = ["title", "date"];
    assert_eq!(
        query("f=title,date").word_list("f", &allowed).unwrap(),
        ["title", "date"]
    );
    assert!(query("f=").word_list("f", &allowed).is_err());
    assert!(query("f=title,size").word_list("f", &allowed).is_err());
    assert!(query("").word_list("f", &allowed).unwrap().is_empty());
    let repeated = "f=title&".repeat(30) + "f=date";
    assert_eq!(
        query(&repeated).word_list("f", &allowed).unwrap(),
        ["title", "date"],
        "repeats of allowed words are no error"
    );
    let many_tags = (0..21)
        .map(|i| format!("t{i}"))
        .collect::<Vec<_>>()
        .join(",");
    assert!(query(&format!("tag={many_tags}")).list("tag").is_err());
}

#[test]
fn a_repeated_single_parameter_is_refused() {
    assert!(query("page=1&page=2").single("page").is_err());
}

#[test]
fn plain_end_dates_cover_the_whole_day() {
    let end = query("to=2025-02-15")
        .date_bound("to", true)
        .unwrap()
        .unwrap();
    assert_eq!(end.to_string(), "2025-02-15T23:59:59.999999999Z");
    let exact = query("to=2025-02-15T10:00:00Z")
        .date_bound("to", true)
        .unwrap()
        .unwrap();
    assert_eq!(exact.to_string(), "2025-02-15T10:00:00Z");
}

#[test]
fn unknown_parameters_are_named() {
    let err = query("tags=x&_=1")
        .reject_unknown(&["tag", "page"])
        .unwrap_err();
    assert!(
        err.to_string().contains("unknown parameter `tags`"),
        "{err}"
    );
}

#[test]
fn page_links_keep_other_parameters() {
    assert_eq!(
        query("tag=a b&page=2&limit=5").with_page(3),
        "tag=a+b&limit=5&page=3"
    );
}
