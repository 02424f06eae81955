//! Unit tests of reading front matter and path dates.

use super::*;

fn ts(text: &str) -> Timestamp {
    match text.parse() {
        Ok(ts) => ts,
        Err(err) => panic!("bad test timestamp {text}: {err}"),
    }
}

fn parsed(value: &str) -> Timestamp {
    match parse_date(value) {
        Ok(ts) => ts,
        Err(err) => panic!("{value:?} should parse, got: {err}"),
    }
}

#[test]
fn a_date_alone_is_midnight_utc() {
    assert_eq!(parsed("2025-02-15"), ts("2025-02-15T00:00:00Z"));
    assert_eq!(parsed("  2025-02-15\n"), ts("2025-02-15T00:00:00Z"));
}

#[test]
fn rfc3339_values_keep_their_offset() {
    let table = [
        ("2025-02-15T09:30:00Z", "2025-02-15T09:30:00Z"),
        ("2025-02-15T09:30:00+01:00", "2025-02-15T08:30:00Z"),
        ("2025-02-15T09:30:00-05:00", "2025-02-15T14:30:00Z"),
        ("2025-02-15T09:30:00.250Z", "2025-02-15T09:30:00.25Z"),
        (
            "2025-02-15T09:30:00.123456789+00:00",
            "2025-02-15T09:30:00.123456789Z",
        ),
        ("2025-02-15t09:30:00z", "2025-02-15T09:30:00Z"),
        ("2025-02-15 09:30:00Z", "2025-02-15T09:30:00Z"),
        ("2025-02-15T09:30:00+0100", "2025-02-15T08:30:00Z"),
    ];
    for (input, expected) in table {
        assert_eq!(parsed(input), ts(expected), "{input}");
    }
}

#[test]
fn jekyll_dates_keep_their_offset() {
    let table = [
        ("2025-02-15 09:30:00 +0100", "2025-02-15T08:30:00Z"),
        ("2025-02-15 09:30:00 -05:00", "2025-02-15T14:30:00Z"),
        ("2025-02-15 09:30 +0100", "2025-02-15T08:30:00Z"),
        ("2025-02-15 09:30:00 +0000", "2025-02-15T09:30:00Z"),
    ];
    for (input, expected) in table {
        assert_eq!(parsed(input), ts(expected), "{input}");
    }
}

#[test]
fn civil_datetimes_without_offset_are_taken_as_utc() {
    let table = [
        ("2025-02-15T09:30:00", "2025-02-15T09:30:00Z"),
        ("2025-02-15 09:30:00", "2025-02-15T09:30:00Z"),
        ("2025-02-15 09:30", "2025-02-15T09:30:00Z"),
        ("2025-02-15T09:30", "2025-02-15T09:30:00Z"),
    ];
    for (input, expected) in table {
        assert_eq!(parsed(input), ts(expected), "{input}");
    }
}

#[test]
fn toml_and_yaml_timestamps_are_understood() {
    let table = [
        ("2025-02-15T09:30:00.5", "2025-02-15T09:30:00.5Z"),
        ("2001-12-14t21:59:43.10-05:00", "2001-12-15T02:59:43.1Z"),
        ("2001-12-14 21:59:43.10 -5", "2001-12-15T02:59:43.1Z"),
        ("2001-12-14 21:59:43.10 +10", "2001-12-14T11:59:43.1Z"),
        ("2001-12-15T02:59:43.1Z", "2001-12-15T02:59:43.1Z"),
        ("2001-12-14 21:59:43.10", "2001-12-14T21:59:43.1Z"),
        ("2002-12-14", "2002-12-14T00:00:00Z"),
        ("2001-12-14 1:59:43 -5", "2001-12-14T06:59:43Z"),
    ];
    for (input, expected) in table {
        assert_eq!(parsed(input), ts(expected), "{input}");
    }
}

#[test]
fn year_first_dates_with_slashes_are_understood() {
    let table = [
        ("2024/12/05", "2024-12-05T00:00:00Z"),
        ("2024/12/05 09:30", "2024-12-05T09:30:00Z"),
        ("2024/12/05 09:30:00 -0800", "2024-12-05T17:30:00Z"),
    ];
    for (input, expected) in table {
        assert_eq!(parsed(input), ts(expected), "{input}");
    }
    assert!(parse_date("2023/02/29").is_err());
}

#[test]
fn a_leap_second_is_read_as_the_last_second_of_its_minute() {
    assert_eq!(parsed("2016-12-31T23:59:60Z"), ts("2016-12-31T23:59:59Z"));
}

#[test]
fn values_that_are_not_dates_are_rejected() {
    let table = [
        "",
        "   ",
        "yesterday",
        "2025-02-15abc",
        "2025-02-15T",
        "2025-02-15T09",
        "2025-02-15T09:30:00+",
        "2025-02-15T09:30:00 UTC",
        "2025-02-15T09:30:00.Z",
        "2025/02/15/",
        "2025-02/15",
        "2025/02-15",
        "15.02.2025",
        "25-02-15",
        "2025-02-155",
        "2025-02-15T09:30:00Z junk",
    ];
    for input in table {
        assert!(parse_date(input).is_err(), "{input:?} should be rejected");
    }
}

#[test]
fn impossible_dates_and_times_are_rejected() {
    let table = [
        "2025-02-30",
        "2025-13-01",
        "2025-00-10",
        "2025-02-00",
        "2023-02-29",
        "2025-02-15T24:00:00Z",
        "2025-02-15T09:60:00Z",
        "2025-02-15T09:30:00+25:00",
        "2025-02-15T09:30:00+01:75",
    ];
    for input in table {
        assert!(parse_date(input).is_err(), "{input:?} should be rejected");
    }
    assert_eq!(parsed("2024-02-29"), ts("2024-02-29T00:00:00Z"));
}

#[test]
fn errors_name_the_value_and_the_accepted_forms() {
    let table = [
        (
            "yesterday",
            "\"yesterday\" is not a date; use YYYY-MM-DD, RFC 3339 (2025-02-15T09:30:00Z) \
             or \"2025-02-15 09:30:00 +0100\"",
        ),
        (
            "",
            "the date is empty; use YYYY-MM-DD, RFC 3339 (2025-02-15T09:30:00Z) \
             or \"2025-02-15 09:30:00 +0100\"",
        ),
        (
            "2025-02-30",
            "\"2025-02-30\" is not a real date: that day does not exist in that month; \
             use YYYY-MM-DD, RFC 3339 (2025-02-15T09:30:00Z) or \"2025-02-15 09:30:00 +0100\"",
        ),
        (
            "2025-13-01",
            "\"2025-13-01\" is not a real date: the month must be 01 to 12; \
             use YYYY-MM-DD, RFC 3339 (2025-02-15T09:30:00Z) or \"2025-02-15 09:30:00 +0100\"",
        ),
    ];
    for (input, expected) in table {
        match parse_date(input) {
            Ok(ts) => panic!("{input:?} should be rejected, got {ts}"),
            Err(err) => assert_eq!(err.to_string(), expected),
        }
    }
}

#[test]
fn long_rejected_values_are_shortened_in_the_message() {
    let long = "x".repeat(500);
    match parse_date(&long) {
        Ok(ts) => panic!("should be rejected, got {ts}"),
        Err(err) => {
            let message = err.to_string();
            assert!(message.len() < 200, "{message}");
            assert!(message.contains('…'), "{message}");
        }
    }
}

#[test]
fn dates_are_found_in_file_names_and_folders() {
    let table = [
        ("2025-02-15-title.md", "2025-02-15T00:00:00Z"),
        ("posts/2025-02-15-title.md", "2025-02-15T00:00:00Z"),
        ("2025-02-15.md", "2025-02-15T00:00:00Z"),
        ("2025/02/15/title.md", "2025-02-15T00:00:00Z"),
        ("posts/2025/02/15/x/index.md", "2025-02-15T00:00:00Z"),
        ("/blog/2025/02/15/title/", "2025-02-15T00:00:00Z"),
        ("/blog/2025/02/15/", "2025-02-15T00:00:00Z"),
        ("posts\\2025\\02\\15\\title.md", "2025-02-15T00:00:00Z"),
        ("posts\\2025-02-15-title.md", "2025-02-15T00:00:00Z"),
        ("posts/2025-02-15-trip/index.md", "2025-02-15T00:00:00Z"),
        ("posts/2025-02-15-trip/_index.md", "2025-02-15T00:00:00Z"),
    ];
    for (input, expected) in table {
        assert_eq!(date_from_path(input), Some(ts(expected)), "{input}");
    }
}

#[test]
fn the_file_name_date_wins_over_folder_dates() {
    assert_eq!(
        date_from_path("2024/01/02/2025-02-15-title.md"),
        Some(ts("2025-02-15T00:00:00Z"))
    );
}

#[test]
fn impossible_dates_in_names_fall_back_to_folders() {
    assert_eq!(
        date_from_path("2024/01/02/2025-13-45-x.md"),
        Some(ts("2024-01-02T00:00:00Z"))
    );
}

#[test]
fn paths_without_a_full_real_date_have_none() {
    let table = [
        "",
        "/",
        "about.md",
        "posts/title.md",
        "2025-13-45-x.md",
        "2025/02/title.md",
        "2025/02/",
        "2025/13/45/x.md",
        "2025/2/15/x.md",
        "25/02/15/x.md",
        "2025/02/15.md",
        "2025-02-1-x.md",
        "2025-02-155-x.md",
        "2025_02_15-x.md",
        "notes/index.md",
        "2025/02/x/15/y.md",
    ];
    for input in table {
        assert_eq!(date_from_path(input), None, "{input:?}");
    }
}
