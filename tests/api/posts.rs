//! `/api/v1/posts`: listing with filters, sorting and pagination; single posts as JSON, HTML and
//! Markdown; and the 400s and 404s around them.

use serde_json::json;

use crate::helpers::{assert_problem, fixture_text, link_relations, slugs, spawn_fixture_app};

/// The fixture site's published posts, newest first. The draft (2025-08-15) and the post dated
/// 2099 are never among them.
const NEWEST_FIRST: [&str; 9] = [
    "repeated-headings",         // 2025-10-01
    "raw-html-is-sanitized",     // 2025-09-01
    "custom-fields",             // 2025-08-01
    "category-and-author-lists", // 2025-07-14
    "date-from-file-name",       // 2025-06-01, from the file name
    "toml-front-matter",         // 2025-05-05
    "planning-poker-pitfalls",   // 2025-04-20T15:30:00Z
    "planning-poker-basics",     // 2025-03-10
    "backlog-refinement",        // 2025-02-15, the seed
];

/// The published posts by title, A to Z.
const BY_TITLE: [&str; 9] = [
    "repeated-headings",         // A Runbook With Repeated Headings
    "custom-fields",             // Custom Fields for Frontends
    "category-and-author-lists", // Estimating CI Work Together
    "backlog-refinement",        // How to Run Effective Backlog Refinement Sessions
    "planning-poker-pitfalls",   // Planning Poker: Common Pitfalls
    "planning-poker-basics",     // Planning Poker: The Basics
    "raw-html-is-sanitized",     // Raw HTML Is Sanitized
    "toml-front-matter",         // Sprint Review Checklist
    "date-from-file-name",       // Velocity Without Vanity
];

fn reversed(slugs: &[&str]) -> Vec<String> {
    slugs.iter().rev().map(|s| s.to_string()).collect()
}

#[test]
fn published_posts_are_listed_newest_first_without_drafts_or_future_posts() {
    // Arrange
    let app = spawn_fixture_app();

    // Act
    let response = app.get("/api/v1/posts");

    // Assert
    assert_eq!(response.status, 200);
    assert_eq!(response.content_type(), "application/json");
    assert_eq!(slugs(&response.json()), NEWEST_FIRST);
}

#[test]
fn a_post_list_reports_its_pagination_and_total_count() {
    let app = spawn_fixture_app();

    let response = app.get("/api/v1/posts");

    assert_eq!(response.header("x-total-count"), Some("9"));
    assert_eq!(
        response.json()["meta"],
        json!({"pagination": {"page": 1, "limit": 10, "total": 9, "pages": 1, "next": null, "prev": null}})
    );
    let links = link_relations(response.header("link").expect("a Link header"));
    assert_eq!(
        links,
        [
            ("first".to_owned(), "/api/v1/posts?page=1".to_owned()),
            ("last".to_owned(), "/api/v1/posts?page=1".to_owned()),
        ]
        .into()
    );
}

#[test]
fn a_middle_page_links_to_the_first_previous_next_and_last_pages() {
    let app = spawn_fixture_app();

    let response = app.get("/api/v1/posts?limit=4&page=2");

    assert_eq!(response.status, 200);
    let body = response.json();
    assert_eq!(slugs(&body), NEWEST_FIRST[4..8]);
    assert_eq!(
        body["meta"]["pagination"],
        json!({"page": 2, "limit": 4, "total": 9, "pages": 3, "next": 3, "prev": 1})
    );
    assert_eq!(response.header("x-total-count"), Some("9"));
    let links = link_relations(response.header("link").expect("a Link header"));
    assert_eq!(
        links,
        [
            (
                "first".to_owned(),
                "/api/v1/posts?limit=4&page=1".to_owned()
            ),
            ("prev".to_owned(), "/api/v1/posts?limit=4&page=1".to_owned()),
            ("next".to_owned(), "/api/v1/posts?limit=4&page=3".to_owned()),
            ("last".to_owned(), "/api/v1/posts?limit=4&page=3".to_owned()),
        ]
        .into()
    );
}

#[test]
fn the_first_page_has_no_prev_link_and_the_last_page_no_next_link() {
    let app = spawn_fixture_app();

    let first = app.get("/api/v1/posts?limit=4");
    let last = app.get("/api/v1/posts?limit=4&page=3");

    let first_links = link_relations(first.header("link").expect("a Link header"));
    assert_eq!(
        first_links.keys().collect::<Vec<_>>(),
        ["first", "last", "next"]
    );
    assert_eq!(first.json()["meta"]["pagination"]["prev"], json!(null));
    assert_eq!(slugs(&last.json()), NEWEST_FIRST[8..]);
    let last_links = link_relations(last.header("link").expect("a Link header"));
    assert_eq!(
        last_links.keys().collect::<Vec<_>>(),
        ["first", "last", "prev"]
    );
    assert_eq!(last.json()["meta"]["pagination"]["next"], json!(null));
}

#[test]
fn pagination_links_keep_the_other_query_parameters() {
    let app = spawn_fixture_app();

    let response = app.get("/api/v1/posts?tag=estimation&limit=2");

    let links = link_relations(response.header("link").expect("a Link header"));
    assert_eq!(links["next"], "/api/v1/posts?tag=estimation&limit=2&page=2");
    assert_eq!(links["last"], "/api/v1/posts?tag=estimation&limit=2&page=2");
    assert_eq!(response.header("x-total-count"), Some("4"));
}

#[test]
fn a_page_past_the_end_is_ok_and_empty() {
    let app = spawn_fixture_app();

    let response = app.get("/api/v1/posts?limit=4&page=5");

    assert_eq!(response.status, 200);
    let body = response.json();
    assert_eq!(body["data"], json!([]));
    assert_eq!(body["meta"]["pagination"]["total"], 9);
    assert_eq!(body["meta"]["pagination"]["pages"], 3);
    assert_eq!(body["meta"]["pagination"]["next"], json!(null));
    assert_eq!(response.header("x-total-count"), Some("9"));
}

#[test]
fn posts_with_any_of_several_tags_are_listed_by_default() {
    let app = spawn_fixture_app();

    let default_mode = app.post_slugs("/api/v1/posts?tag=estimation,meetings");
    let any_mode = app.post_slugs("/api/v1/posts?tag=estimation&tag=meetings&tagMode=any");

    let expected = [
        "repeated-headings",
        "date-from-file-name",
        "toml-front-matter",
        "planning-poker-pitfalls",
        "planning-poker-basics",
        "backlog-refinement",
    ];
    assert_eq!(default_mode, expected);
    assert_eq!(any_mode, expected);
}

#[test]
fn posts_with_all_of_several_tags_are_listed_with_tag_mode_all() {
    let app = spawn_fixture_app();

    let response = app.get("/api/v1/posts?tag=estimation,meetings&tagMode=all");

    assert_eq!(
        slugs(&response.json()),
        ["planning-poker-basics", "backlog-refinement"]
    );
    assert_eq!(response.header("x-total-count"), Some("2"));
}

#[test]
fn term_filters_accept_names_as_well_as_slugs() {
    let app = spawn_fixture_app();
    let cases = [
        "/api/v1/posts?tag=planning-poker",
        "/api/v1/posts?tag=Planning%20Poker",
        "/api/v1/posts?tag=Planning+Poker",
        "/api/v1/posts?tag=planning%20poker&category=Estimation&author=Maya%20Okafor",
    ];

    for path in cases {
        assert_eq!(
            app.post_slugs(path),
            ["planning-poker-pitfalls", "planning-poker-basics"],
            "{path}"
        );
    }
}

#[test]
fn a_tag_no_post_has_matches_nothing() {
    let app = spawn_fixture_app();

    let response = app.get("/api/v1/posts?tag=no-such-tag");

    assert_eq!(response.status, 200);
    let body = response.json();
    assert_eq!(body["data"], json!([]));
    assert_eq!(body["meta"]["pagination"]["total"], 0);
    assert_eq!(response.header("x-total-count"), Some("0"));
}

#[test]
fn posts_with_an_excluded_tag_are_left_out() {
    let app = spawn_fixture_app();

    let slugs = app.post_slugs("/api/v1/posts?excludeTag=ci");

    assert_eq!(
        slugs,
        [
            "raw-html-is-sanitized",
            "date-from-file-name",
            "toml-front-matter",
            "planning-poker-pitfalls",
            "planning-poker-basics",
            "backlog-refinement",
        ]
    );
}

#[test]
fn posts_are_filtered_by_category_including_secondary_categories() {
    let app = spawn_fixture_app();

    let estimation = app.post_slugs("/api/v1/posts?category=estimation");
    let either = app.post_slugs("/api/v1/posts?category=agile-rituals,engineering");

    assert_eq!(
        estimation,
        [
            "category-and-author-lists",
            "date-from-file-name",
            "planning-poker-pitfalls",
            "planning-poker-basics",
        ]
    );
    assert_eq!(
        either,
        [
            "repeated-headings",
            "raw-html-is-sanitized",
            "custom-fields",
            "category-and-author-lists",
            "toml-front-matter",
            "backlog-refinement",
        ]
    );
}

#[test]
fn posts_are_filtered_by_author_including_co_authors() {
    let app = spawn_fixture_app();

    let maya = app.post_slugs("/api/v1/posts?author=maya-okafor");
    let team = app.post_slugs("/api/v1/posts?author=StoryScorer%20Team");

    assert_eq!(
        maya,
        [
            "repeated-headings",
            "category-and-author-lists",
            "date-from-file-name",
            "planning-poker-pitfalls",
            "planning-poker-basics",
        ]
    );
    assert_eq!(team, ["backlog-refinement"]);
}

#[test]
fn filters_combine_with_each_other() {
    let app = spawn_fixture_app();

    let slugs = app.post_slugs(
        "/api/v1/posts?category=estimation&author=maya-okafor&tag=planning-poker&excludeTag=meetings",
    );

    assert_eq!(slugs, ["planning-poker-pitfalls"]);
}

#[test]
fn date_bounds_are_inclusive() {
    let app = spawn_fixture_app();

    let slugs = app.post_slugs("/api/v1/posts?from=2025-05-05&to=2025-07-14");

    assert_eq!(
        slugs,
        [
            "category-and-author-lists",
            "date-from-file-name",
            "toml-front-matter"
        ]
    );
}

#[test]
fn a_plain_to_date_includes_posts_later_that_day() {
    let app = spawn_fixture_app();

    // planning-poker-pitfalls is dated 2025-04-20T15:30:00Z.
    let up_to_the_day = app.post_slugs("/api/v1/posts?to=2025-04-20");
    let up_to_noon = app.post_slugs("/api/v1/posts?to=2025-04-20T12:00:00Z");
    let from_the_day = app.post_slugs("/api/v1/posts?from=2025-04-20&to=2025-04-20");
    let from_the_next_day = app.post_slugs("/api/v1/posts?from=2025-04-21&to=2025-05-04");

    assert_eq!(
        up_to_the_day,
        [
            "planning-poker-pitfalls",
            "planning-poker-basics",
            "backlog-refinement"
        ]
    );
    assert_eq!(up_to_noon, ["planning-poker-basics", "backlog-refinement"]);
    assert_eq!(from_the_day, ["planning-poker-pitfalls"]);
    assert!(from_the_next_day.is_empty(), "{from_the_next_day:?}");
}

#[test]
fn a_from_date_never_reveals_future_posts() {
    let app = spawn_fixture_app();

    let slugs = app.post_slugs("/api/v1/posts?from=2025-09-01");

    assert_eq!(slugs, ["repeated-headings", "raw-html-is-sanitized"]);
}

#[test]
fn posts_are_sorted_by_date_or_title_in_either_direction() {
    let app = spawn_fixture_app();
    let cases: [(&str, Vec<String>); 4] = [
        ("sort=-date", NEWEST_FIRST.map(String::from).to_vec()),
        ("sort=date", reversed(&NEWEST_FIRST)),
        ("sort=title", BY_TITLE.map(String::from).to_vec()),
        ("sort=-title", reversed(&BY_TITLE)),
    ];

    for (query, expected) in cases {
        assert_eq!(
            app.post_slugs(&format!("/api/v1/posts?{query}")),
            expected,
            "{query}"
        );
    }
}

#[test]
fn sorting_applies_before_the_list_is_cut_into_pages() {
    let app = spawn_fixture_app();

    let second_page = app.post_slugs("/api/v1/posts?sort=title&limit=2&page=2");

    assert_eq!(second_page, BY_TITLE[2..4]);
}

#[test]
fn fields_returns_only_the_slug_and_the_named_fields() {
    let app = spawn_fixture_app();

    let titles = app.get_ok_json("/api/v1/posts?fields=title&limit=2");
    let several = app.get_ok_json("/api/v1/posts?fields=date,tags&fields=readingTime&limit=1");

    assert_eq!(
        titles["data"],
        json!([
            {"slug": "repeated-headings", "title": "A Runbook With Repeated Headings"},
            {"slug": "raw-html-is-sanitized", "title": "Raw HTML Is Sanitized"},
        ])
    );
    assert_eq!(titles["meta"]["pagination"]["total"], 9);
    assert_eq!(titles["fields"], json!(["title"]), "a sparse page says so");
    assert_eq!(several["fields"], json!(["date", "tags", "readingTime"]));
    let whole = app.get_ok_json("/api/v1/posts?limit=1");
    assert_eq!(whole.get("fields"), None, "a whole page has no `fields`");
    let item = &several["data"][0];
    let mut keys: Vec<&str> = item
        .as_object()
        .expect("an item is an object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(keys, ["date", "readingTime", "slug", "tags"]);
    assert_eq!(item["date"], "2025-10-01T00:00:00Z");
}

#[test]
fn a_post_summary_has_every_field() {
    let app = spawn_fixture_app();

    let body = app.get_ok_json("/api/v1/posts?tag=backlog-refinement");

    let summary = &body["data"][0];
    let mut keys: Vec<&str> = summary
        .as_object()
        .expect("a summary is an object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "author",
            "authors",
            "categories",
            "category",
            "date",
            "excerpt",
            "extra",
            "featuredImage",
            "featuredImageDetails",
            "format",
            "metaDescription",
            "readingTime",
            "slug",
            "tags",
            "title",
            "updated",
            "url",
            "wordCount",
        ]
    );
    assert_eq!(summary["format"], "markdown");
    assert_eq!(summary["slug"], "backlog-refinement");
    assert_eq!(
        summary["title"],
        "How to Run Effective Backlog Refinement Sessions"
    );
    assert_eq!(summary["date"], "2025-02-15T00:00:00Z");
    assert_eq!(summary["updated"], json!(null));
    assert_eq!(
        summary["author"],
        json!({"name": "StoryScorer Team", "slug": "storyscorer-team"})
    );
    assert_eq!(
        summary["category"],
        json!({"name": "Agile Rituals", "slug": "agile-rituals"})
    );
    assert_eq!(
        summary["tags"],
        json!([
            {"name": "backlog refinement", "slug": "backlog-refinement"},
            {"name": "grooming", "slug": "grooming"},
            {"name": "meetings", "slug": "meetings"},
            {"name": "estimation", "slug": "estimation"},
        ])
    );
    assert_eq!(
        summary["excerpt"],
        "Backlog refinement (or grooming) is critical for sprint success. Learn practical tips to keep your sessions focused, productive, and engaging."
    );
    assert_eq!(
        summary["featuredImage"],
        format!("{}/images/blog/backlog-refinement.png", app.address)
    );
    assert_eq!(
        summary["url"],
        format!("{}/posts/backlog-refinement", app.address)
    );
    assert!(
        summary["metaDescription"]
            .as_str()
            .is_some_and(|d| d.starts_with("Guide to running effective backlog refinement")),
        "{}",
        summary["metaDescription"]
    );
    let words = summary["wordCount"]
        .as_u64()
        .expect("wordCount is a number");
    assert!(words > 200, "the seed has a few hundred words, got {words}");
    assert_eq!(summary["readingTime"], words.div_ceil(212).max(1));
    assert_eq!(summary["extra"], json!({}));
}

#[test]
fn every_bad_query_value_is_a_400_naming_the_parameter() {
    let app = spawn_fixture_app();
    // (query, the parameter named, a word of what is allowed)
    let cases = [
        ("limit=0", "limit", "100"),
        ("limit=101", "limit", "100"),
        ("limit=-1", "limit", "100"),
        ("limit=abc", "limit", "100"),
        ("page=0", "page", "1"),
        ("page=abc", "page", "1"),
        ("page=1.5", "page", "1"),
        ("tagMode=some", "tagMode", "all"),
        ("from=yesterday", "from", "YYYY-MM-DD"),
        ("to=2025-13-01", "to", "YYYY-MM-DD"),
        ("from=2025-02-30", "from", "YYYY-MM-DD"),
        ("sort=size", "sort", "-title"),
        ("fields=bogus", "fields", "title"),
        ("fields=title,bogus", "fields", "title"),
        ("tags=x", "tags", "tag"),
        ("page=1&page=2", "page", "once"),
    ];

    for (query, parameter, allowed) in cases {
        let response = app.get(&format!("/api/v1/posts?{query}"));

        let body = assert_problem(&response, 400, query);
        assert_eq!(body["parameter"], parameter, "{query}: {body}");
        let detail = body["detail"].as_str().unwrap_or_default();
        assert!(
            detail.contains(allowed),
            "{query}: the detail should say what is allowed ({allowed:?}): {detail}"
        );
    }
}

#[test]
fn a_from_date_after_the_to_date_is_an_empty_range() {
    let app = spawn_fixture_app();

    let response = app.get("/api/v1/posts?from=2025-06-01&to=2025-01-01");

    assert_eq!(response.status, 200, "{}", response.body);
    let body = response.json();
    assert_eq!(body["data"].as_array().map(Vec::len), Some(0), "{body}");
    assert_eq!(body["meta"]["pagination"]["total"], 0, "{body}");
}

#[test]
fn a_post_has_html_with_heading_ids_and_a_nested_table_of_contents() {
    let app = spawn_fixture_app();

    let post = app.get_ok_json("/api/v1/posts/repeated-headings");

    assert_eq!(post["slug"], "repeated-headings");
    assert_eq!(post["title"], "A Runbook With Repeated Headings");
    let html = post["html"].as_str().expect("html is text");
    for heading in [
        r#"<h1 id="runbook">Runbook</h1>"#,
        r#"<h2 id="setup">Setup</h2>"#,
        r#"<h3 id="steps">Steps</h3>"#,
        r#"<h2 id="setup-1">Setup</h2>"#,
        r#"<h3 id="steps-1">Steps</h3>"#,
    ] {
        assert!(html.contains(heading), "{heading} not in {html}");
    }
    assert!(html.contains("<p>Run the configurator.</p>"), "{html}");
    let entry = |level: u8, id: &str, text: &str, children: serde_json::Value| json!({"level": level, "id": id, "text": text, "children": children});
    assert_eq!(
        post["toc"],
        json!([entry(
            1,
            "runbook",
            "Runbook",
            json!([
                entry(
                    2,
                    "setup",
                    "Setup",
                    json!([entry(3, "steps", "Steps", json!([]))])
                ),
                entry(
                    2,
                    "setup-1",
                    "Setup",
                    json!([entry(3, "steps-1", "Steps", json!([]))])
                ),
            ])
        )])
    );
}

#[test]
fn a_post_carries_its_summary_fields_too() {
    let app = spawn_fixture_app();

    let post = app.get_ok_json("/api/v1/posts/planning-poker-basics");

    let listed = app.get_ok_json("/api/v1/posts?tag=planning-poker&sort=date&limit=1");
    let summary = listed["data"][0].as_object().expect("a summary");
    for (key, value) in summary {
        assert_eq!(&post[key], value, "`{key}` differs between list and detail");
    }
}

#[test]
fn prev_and_next_skip_drafts_and_future_posts() {
    let app = spawn_fixture_app();

    // The draft is dated between custom-fields and raw-html-is-sanitized; the 2099 post is
    // newer than repeated-headings.
    let middle = app.get_ok_json("/api/v1/posts/raw-html-is-sanitized");
    let newest = app.get_ok_json("/api/v1/posts/repeated-headings");

    assert_eq!(
        middle["prev"],
        json!({"slug": "custom-fields", "title": "Custom Fields for Frontends", "date": "2025-08-01T00:00:00Z"})
    );
    assert_eq!(
        middle["next"],
        json!({"slug": "repeated-headings", "title": "A Runbook With Repeated Headings", "date": "2025-10-01T00:00:00Z"})
    );
    assert_eq!(newest["next"], json!(null));
    assert_eq!(newest["prev"]["slug"], "raw-html-is-sanitized");
}

#[test]
fn the_oldest_post_has_no_prev() {
    let app = spawn_fixture_app();

    let oldest = app.get_ok_json("/api/v1/posts/backlog-refinement");

    assert_eq!(oldest["prev"], json!(null));
    assert_eq!(oldest["next"]["slug"], "planning-poker-basics");
}

#[test]
fn a_post_body_is_served_as_html_with_a_charset() {
    let app = spawn_fixture_app();

    let response = app.get("/api/v1/posts/repeated-headings/html");

    assert_eq!(response.status, 200);
    assert_eq!(response.content_type(), "text/html; charset=utf-8");
    let post = app.get_ok_json("/api/v1/posts/repeated-headings");
    assert_eq!(response.body, post["html"].as_str().expect("html is text"));
}

#[test]
fn a_post_body_is_served_as_markdown_without_front_matter() {
    let app = spawn_fixture_app();
    let cases = [
        (
            "planning-poker-basics",
            "planning-poker-basics.md",
            "\n---\n",
        ),
        ("toml-front-matter", "toml-front-matter.md", "\n+++\n"),
    ];

    for (slug, file, fence) in cases {
        let response = app.get(&format!("/api/v1/posts/{slug}/markdown"));

        assert_eq!(response.status, 200, "{slug}");
        assert_eq!(
            response.content_type(),
            "text/markdown; charset=utf-8",
            "{slug}"
        );
        let text = fixture_text(file);
        let (_, body) = text
            .split_once(fence)
            .expect("the fixture has a closing fence");
        assert_eq!(response.body, body.trim_start_matches('\n'), "{slug}");
    }
}

#[test]
fn drafts_and_future_posts_are_not_found_on_any_post_route() {
    let app = spawn_fixture_app();

    for slug in ["draft", "far-future"] {
        for suffix in ["", "/html", "/markdown"] {
            let path = format!("/api/v1/posts/{slug}{suffix}");

            let response = app.get(&path);

            assert_problem(&response, 404, &path);
        }
    }
}

#[test]
fn unknown_and_malformed_slugs_are_not_found_on_every_post_route() {
    let app = spawn_fixture_app();
    let slugs = [
        "no-such-post",
        "..",
        "%2e%2e",
        "..%2F..%2Fetc%2Fpasswd",
        "a%00b",
        "UPPER",
        "Backlog-Refinement",
        "backlog-refinement%2F..",
        "backlog--refinement",
        "-backlog-refinement",
    ];

    for slug in slugs {
        for suffix in ["", "/html", "/markdown"] {
            let path = format!("/api/v1/posts/{slug}{suffix}");

            let response = app.get(&path);

            assert_problem(&response, 404, &path);
        }
    }
}
