//! Feeds and the sitemap: each parsed with a real parser and checked for titles, absolute links,
//! counts, content settings and content types.

use feed_rs::model::{Feed, FeedType};
use quick_xml::Reader;
use quick_xml::events::Event;
use quire::settings::{FeedContent, ServeSettings};

use crate::helpers::{TestApp, assert_problem, fixture_site, spawn_app_with};

const BASE: &str = "https://blog.example.com";

/// The fixture site's published posts' titles, newest first.
const TITLES: [&str; 9] = [
    "A Runbook With Repeated Headings",
    "Raw HTML Is Sanitized",
    "Custom Fields for Frontends",
    "Estimating CI Work Together",
    "Velocity Without Vanity",
    "Sprint Review Checklist",
    "Planning Poker: Common Pitfalls",
    "Planning Poker: The Basics",
    "How to Run Effective Backlog Refinement Sessions",
];

fn app_with(configure: impl FnOnce(&mut ServeSettings)) -> TestApp {
    let mut settings = ServeSettings::for_content(fixture_site());
    settings.base_url = Some(format!("{BASE}/"));
    configure(&mut settings);
    spawn_app_with(settings)
}

fn app() -> TestApp {
    app_with(|_| {})
}

fn parse_feed(app: &TestApp, path: &str, content_type: &str) -> Feed {
    let response = app.get(path);
    assert_eq!(response.status, 200, "{path}: {}", response.body);
    assert_eq!(response.content_type(), content_type, "{path}");
    feed_rs::parser::parse(response.body.as_bytes())
        .unwrap_or_else(|err| panic!("{path} does not parse: {err}\n{}", response.body))
}

fn titles(feed: &Feed) -> Vec<String> {
    feed.entries
        .iter()
        .map(|e| {
            e.title
                .as_ref()
                .map(|t| t.content.clone())
                .unwrap_or_default()
        })
        .collect()
}

const FEEDS: [(&str, &str, FeedType); 3] = [
    ("feed.xml", "application/rss+xml", FeedType::RSS2),
    ("atom.xml", "application/atom+xml", FeedType::Atom),
    ("feed.json", "application/feed+json", FeedType::JSON),
];

#[test]
fn each_feed_lists_the_published_posts_newest_first_with_absolute_links() {
    let app = app();

    for (file, content_type, feed_type) in FEEDS {
        let feed = parse_feed(&app, &format!("/{file}"), content_type);

        assert_eq!(feed.feed_type, feed_type, "{file}");
        assert_eq!(feed.title.as_ref().unwrap().content, "Quire", "{file}");
        assert_eq!(titles(&feed), TITLES, "{file}");
        for entry in &feed.entries {
            let link = &entry.links[0].href;
            assert!(
                link.starts_with(&format!("{BASE}/posts/")),
                "{file}: {link}"
            );
            assert!(entry.published.is_some(), "{file}: {link} has a date");
        }
        assert_eq!(
            feed.entries[8].links[0].href,
            format!("{BASE}/posts/backlog-refinement"),
            "{file}"
        );
    }
}

#[test]
fn feeds_carry_the_full_html_by_default_and_only_the_excerpt_when_set() {
    let full = app();
    let summary = app_with(|s| s.feed_content = FeedContent::Summary);

    for (file, content_type, _) in FEEDS {
        let path = format!("/{file}");
        let with_body = parse_feed(&full, &path, content_type);
        let without = parse_feed(&summary, &path, content_type);

        let body = with_body.entries[8]
            .content
            .as_ref()
            .and_then(|c| c.body.clone())
            .unwrap_or_default();
        assert!(body.contains("<h2"), "{file}: full content is HTML: {body}");
        let short = without.entries[8]
            .content
            .as_ref()
            .and_then(|c| c.body.clone())
            .unwrap_or_default();
        assert!(!short.contains("<h2"), "{file}: summary only: {short}");
        assert!(
            without.entries[8].summary.is_some() || !short.is_empty(),
            "{file}: the excerpt is there"
        );
    }
}

#[test]
fn the_post_url_pattern_shapes_every_link() {
    let app = app_with(|s| s.post_url = "{base}/blog/{slug}.html".to_owned());

    let feed = parse_feed(&app, "/atom.xml", "application/atom+xml");

    assert_eq!(
        feed.entries[0].links[0].href,
        format!("{BASE}/blog/repeated-headings.html")
    );
}

#[test]
fn category_and_tag_feeds_list_only_their_posts() {
    let app = app();

    for (file, content_type, _) in FEEDS {
        let category = parse_feed(
            &app,
            &format!("/categories/estimation/{file}"),
            content_type,
        );
        let tag = parse_feed(&app, &format!("/tags/planning-poker/{file}"), content_type);

        assert_eq!(
            titles(&category),
            [
                "Estimating CI Work Together",
                "Velocity Without Vanity",
                "Planning Poker: Common Pitfalls",
                "Planning Poker: The Basics",
            ],
            "{file}"
        );
        assert_eq!(
            category.title.as_ref().unwrap().content,
            "Quire: Estimation",
            "{file}"
        );
        assert_eq!(
            titles(&tag),
            [
                "Planning Poker: Common Pitfalls",
                "Planning Poker: The Basics"
            ],
            "{file}"
        );
    }
}

#[test]
fn feeds_of_unknown_or_unpublished_terms_are_404s() {
    let app = app();

    for path in [
        "/categories/nope/feed.xml",
        "/tags/nope/atom.xml",
        "/tags/draft-only/feed.json",
        "/categories/secret-plans/feed.xml",
        "/tags/Bad_Slug/feed.xml",
    ] {
        assert_problem(&app.get(path), 404, path);
    }
}

#[test]
fn the_sitemap_lists_every_published_post_with_an_absolute_url() {
    let app = app();

    let response = app.get("/sitemap.xml");

    assert_eq!(response.status, 200);
    assert_eq!(response.content_type(), "application/xml");
    let mut reader = Reader::from_str(&response.body);
    let mut locs = Vec::new();
    let mut lastmods = 0;
    let mut current = String::new();
    loop {
        match reader.read_event() {
            Ok(Event::Start(tag)) => current = tag.name().as_ref().to_owned(),
            Ok(Event::Text(text)) if current == "loc" => {
                locs.push(text.xml10_content().into_owned())
            }
            Ok(Event::Text(_)) if current == "lastmod" => lastmods += 1,
            Ok(Event::End(_)) => current.clear(),
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(err) => panic!("the sitemap is not XML: {err}\n{}", response.body),
        }
    }
    assert_eq!(locs.len(), 9, "{locs:?}");
    assert_eq!(lastmods, 9);
    assert!(
        locs.iter()
            .all(|loc| loc.starts_with(&format!("{BASE}/posts/")))
    );
    assert!(locs.contains(&format!("{BASE}/posts/backlog-refinement")));
    assert!(
        response
            .body
            .contains("xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\"")
    );
}
