//! `/api/v1/archive`: counts by year and month, newest first, with links to the posts.

use crate::helpers::spawn_fixture_app;

#[test]
fn published_posts_are_counted_by_year_and_month_newest_first() {
    let app = spawn_fixture_app();

    let body = app.get_ok_json("/api/v1/archive");

    let years = body["data"].as_array().unwrap();
    assert_eq!(years.len(), 1, "{body}");
    assert_eq!(years[0]["year"], 2025);
    assert_eq!(
        years[0]["count"], 9,
        "drafts and scheduled posts are not counted"
    );
    let months: Vec<i64> = years[0]["months"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["month"].as_i64().unwrap())
        .collect();
    assert_eq!(months, [10, 9, 8, 7, 6, 5, 4, 3, 2]);
}

#[test]
fn each_month_links_to_its_posts() {
    let app = spawn_fixture_app();

    let body = app.get_ok_json("/api/v1/archive");

    for month in body["data"][0]["months"].as_array().unwrap() {
        let link = month["posts"].as_str().unwrap();
        let listed = app.get(link);
        assert_eq!(listed.status, 200, "{link}");
        assert_eq!(
            listed.header("x-total-count"),
            Some(month["count"].to_string().as_str()),
            "{link}"
        );
    }
    assert_eq!(
        body["data"][0]["months"][8]["posts"],
        "/api/v1/posts?from=2025-02-01&to=2025-02-28"
    );
}
