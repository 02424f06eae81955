//! Feeds and the sitemap, read as a strict client reads them: every XML document goes through
//! roxmltree, which refuses anything ill-formed (a second XML declaration, an undeclared entity),
//! and is then checked for what a feed validator checks: the required elements, absolute links,
//! valid dates and the right content type.

use quire::feeds::FeedContent;
use quire::settings::ServeSettings;
use roxmltree::{Document, Node};
use serde_json::Value;

use crate::helpers::{
    TestApp, assert_problem, empty_content_dir, fixture_site, simple_post, spawn_app_with,
    write_file,
};

const BASE: &str = "https://blog.example.com";
const ATOM: &str = "http://www.w3.org/2005/Atom";
const RSS_CONTENT: &str = "http://purl.org/rss/1.0/modules/content/";
const SITEMAP: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";

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

/// Each feed file with the content type it must be served as.
const FEEDS: [(&str, &str); 3] = [
    ("feed.xml", "application/rss+xml"),
    ("atom.xml", "application/atom+xml"),
    ("feed.json", "application/feed+json"),
];

fn settings_for(content: impl Into<std::path::PathBuf>) -> ServeSettings {
    let mut settings = ServeSettings::for_content(content);
    settings.base_url = Some(format!("{BASE}/"));
    settings
}

fn app_with(configure: impl FnOnce(&mut ServeSettings)) -> TestApp {
    let mut settings = settings_for(fixture_site());
    configure(&mut settings);
    spawn_app_with(settings)
}

fn app() -> TestApp {
    app_with(|_| {})
}

/// A feed as a reader sees it, whatever its format.
#[derive(Debug)]
struct ReadFeed {
    title: String,
    entries: Vec<ReadEntry>,
}

#[derive(Debug)]
struct ReadEntry {
    title: String,
    link: String,
    /// The full content, if the feed carries it.
    content: Option<String>,
    summary: Option<String>,
}

/// GETs `path`, checks status and content type, and checks that the body is one well-formed
/// XML document opening with exactly one declaration. Returns the body for parsing.
fn strict_xml(app: &TestApp, path: &str, content_type: &str) -> String {
    let response = app.get(path);
    assert_eq!(response.status, 200, "{path}: {}", response.body);
    assert_eq!(response.content_type(), content_type, "{path}");
    let body = response.body;
    assert!(
        body.starts_with("<?xml version=\"1.0\""),
        "{path} opens with the XML declaration: {}",
        &body[..body.len().min(120)]
    );
    assert_eq!(
        body.matches("<?xml").count(),
        1,
        "{path} has exactly one XML declaration:\n{}",
        &body[..body.len().min(200)]
    );
    if let Err(err) = Document::parse(&body) {
        panic!("{path} is not well-formed XML: {err}\n{body}");
    }
    body
}

/// Fetches a feed by its path (ending in `feed.xml`, `atom.xml` or `feed.json`), validates
/// it strictly for its format and returns what a reader would show.
fn read_feed(app: &TestApp, path: &str) -> ReadFeed {
    if path.ends_with("atom.xml") {
        let body = strict_xml(app, path, "application/atom+xml");
        validate_atom(path, &Document::parse(&body).expect("checked above"))
    } else if path.ends_with("feed.xml") {
        let body = strict_xml(app, path, "application/rss+xml");
        validate_rss(path, &Document::parse(&body).expect("checked above"))
    } else {
        let response = app.get(path);
        assert_eq!(response.status, 200, "{path}: {}", response.body);
        assert_eq!(response.content_type(), "application/feed+json", "{path}");
        validate_json_feed(path, &response.json())
    }
}

fn children<'a, 'input>(
    node: Node<'a, 'input>,
    namespace: Option<&'a str>,
    name: &'a str,
) -> impl Iterator<Item = Node<'a, 'input>> + 'a {
    node.children().filter(move |child| {
        child.is_element()
            && child.tag_name().name() == name
            && child.tag_name().namespace() == namespace
    })
}

/// The text of the one `name` child of `node`; panics when there is none or several.
fn only_text(path: &str, node: Node, namespace: Option<&str>, name: &str) -> String {
    let found: Vec<_> = children(node, namespace, name).collect();
    assert_eq!(
        found.len(),
        1,
        "{path}: <{}> has exactly one <{name}>",
        node.tag_name().name()
    );
    found[0].text().unwrap_or_default().to_owned()
}

fn optional_text(node: Node, namespace: Option<&str>, name: &str) -> Option<String> {
    children(node, namespace, name)
        .next()
        .map(|found| found.text().unwrap_or_default().to_owned())
}

fn assert_absolute(path: &str, what: &str, url: &str) {
    assert!(
        url.starts_with(&format!("{BASE}/")),
        "{path}: {what} is an absolute URL under the base URL: `{url}`"
    );
}

fn assert_rfc3339(path: &str, what: &str, date: &str) {
    assert!(
        date.contains('T') && date.parse::<jiff::Timestamp>().is_ok(),
        "{path}: {what} is an RFC 3339 date-time: `{date}`"
    );
}

fn assert_rfc2822(path: &str, what: &str, date: &str) {
    assert!(
        jiff::fmt::rfc2822::parse(date).is_ok(),
        "{path}: {what} is an RFC 2822 date: `{date}`"
    );
}

/// RSS 2.0 (rssboard.org): `rss version="2.0"` with one channel that has a title, link,
/// description and an `atom:link` to itself (as the RSS Best Practices and feed validators
/// ask); items with a title, an absolute link and permalink guid, RFC 2822 dates.
fn validate_rss(path: &str, document: &Document) -> ReadFeed {
    let rss = document.root_element();
    assert_eq!(rss.tag_name().name(), "rss", "{path}: the root");
    assert_eq!(rss.attribute("version"), Some("2.0"), "{path}: version");
    let channels: Vec<_> = children(rss, None, "channel").collect();
    assert_eq!(channels.len(), 1, "{path}: one <channel>");
    let channel = channels[0];
    let title = only_text(path, channel, None, "title");
    assert!(!title.is_empty(), "{path}: the channel has a title");
    assert_absolute(
        path,
        "the channel link",
        &only_text(path, channel, None, "link"),
    );
    assert!(
        !only_text(path, channel, None, "description").is_empty(),
        "{path}: the channel has a description"
    );
    if let Some(date) = optional_text(channel, None, "lastBuildDate") {
        assert_rfc2822(path, "lastBuildDate", &date);
    }
    let self_link = children(channel, Some(ATOM), "link")
        .find(|link| link.attribute("rel") == Some("self"))
        .unwrap_or_else(|| panic!("{path}: the channel has an atom:link to itself"));
    assert_eq!(
        self_link.attribute("href"),
        Some(format!("{BASE}{path}").as_str()),
        "{path}: the self link is the feed's own absolute URL"
    );
    assert_eq!(self_link.attribute("type"), Some("application/rss+xml"));
    let entries = children(channel, None, "item")
        .map(|item| {
            let title = only_text(path, item, None, "title");
            let link = only_text(path, item, None, "link");
            assert_absolute(path, "an item's link", &link);
            let guid = children(item, None, "guid")
                .next()
                .unwrap_or_else(|| panic!("{path}: {link} has a guid"));
            assert_ne!(guid.attribute("isPermaLink"), Some("false"), "{path}");
            assert_absolute(path, "a permalink guid", guid.text().unwrap_or_default());
            assert_rfc2822(path, "pubDate", &only_text(path, item, None, "pubDate"));
            ReadEntry {
                title,
                link,
                content: optional_text(item, Some(RSS_CONTENT), "encoded"),
                summary: optional_text(item, None, "description"),
            }
        })
        .collect();
    ReadFeed { title, entries }
}

/// Atom (RFC 4287): a `feed` in the Atom namespace with an absolute id, a title, an RFC 3339
/// `updated`, a `self` link, and an author unless every entry names one; entries with an
/// absolute id, a title, `updated`, and an absolute alternate link.
fn validate_atom(path: &str, document: &Document) -> ReadFeed {
    let feed = document.root_element();
    assert_eq!(feed.tag_name().name(), "feed", "{path}: the root");
    assert_eq!(feed.tag_name().namespace(), Some(ATOM), "{path}: namespace");
    let atom = Some(ATOM);
    assert_absolute(path, "the feed id", &only_text(path, feed, atom, "id"));
    let title = only_text(path, feed, atom, "title");
    assert_rfc3339(
        path,
        "the feed's updated",
        &only_text(path, feed, atom, "updated"),
    );
    let self_link = children(feed, atom, "link")
        .find(|link| link.attribute("rel") == Some("self"))
        .unwrap_or_else(|| panic!("{path}: the feed has a self link"));
    assert_eq!(
        self_link.attribute("href"),
        Some(format!("{BASE}{path}").as_str()),
        "{path}: the self link is the feed's own absolute URL"
    );
    let feed_has_author = children(feed, atom, "author").next().is_some();
    for author in children(feed, atom, "author") {
        assert!(!only_text(path, author, atom, "name").is_empty(), "{path}");
    }
    let entries = children(feed, atom, "entry")
        .map(|entry| {
            assert_absolute(path, "an entry id", &only_text(path, entry, atom, "id"));
            let title = only_text(path, entry, atom, "title");
            assert_rfc3339(path, "updated", &only_text(path, entry, atom, "updated"));
            if let Some(published) = optional_text(entry, atom, "published") {
                assert_rfc3339(path, "published", &published);
            }
            let authors: Vec<_> = children(entry, atom, "author").collect();
            assert!(
                feed_has_author || !authors.is_empty(),
                "{path}: `{title}` has an author, or the feed has one (RFC 4287 4.1.1)"
            );
            for author in authors {
                assert!(!only_text(path, author, atom, "name").is_empty(), "{path}");
            }
            let link = children(entry, atom, "link")
                .find(|link| link.attribute("rel").unwrap_or("alternate") == "alternate")
                .and_then(|link| link.attribute("href"))
                .unwrap_or_else(|| panic!("{path}: `{title}` has an alternate link"))
                .to_owned();
            assert_absolute(path, "an entry's link", &link);
            let content = children(entry, atom, "content").next().map(|content| {
                assert_eq!(content.attribute("type"), Some("html"), "{path}");
                content.text().unwrap_or_default().to_owned()
            });
            ReadEntry {
                title,
                link,
                content,
                summary: optional_text(entry, atom, "summary"),
            }
        })
        .collect();
    ReadFeed { title, entries }
}

/// JSON Feed 1.1 (jsonfeed.org): the version URL, a title, absolute home and feed URLs; items
/// with an id, an absolute URL, `content_html` or `content_text`, and RFC 3339 dates.
fn validate_json_feed(path: &str, feed: &Value) -> ReadFeed {
    assert_eq!(
        feed["version"], "https://jsonfeed.org/version/1.1",
        "{path}"
    );
    assert_absolute(
        path,
        "home_page_url",
        feed["home_page_url"].as_str().unwrap_or(""),
    );
    assert_eq!(
        feed["feed_url"].as_str(),
        Some(format!("{BASE}{path}").as_str()),
        "{path}: feed_url is the feed's own absolute URL"
    );
    let text = |item: &Value, key: &str| item[key].as_str().map(str::to_owned);
    let entries = feed["items"]
        .as_array()
        .unwrap_or_else(|| panic!("{path}: items is a list"))
        .iter()
        .map(|item| {
            let link = text(item, "url").unwrap_or_default();
            assert_absolute(path, "an item's url", &link);
            assert!(text(item, "id").is_some(), "{path}: {link} has an id");
            assert_rfc3339(
                path,
                "date_published",
                &text(item, "date_published").unwrap_or_default(),
            );
            if let Some(image) = text(item, "image") {
                assert_absolute(path, "an item's image", &image);
            }
            let content_text = text(item, "content_text");
            let content = text(item, "content_html");
            assert!(
                content.is_some() || content_text.is_some(),
                "{path}: {link} has content_html or content_text"
            );
            ReadEntry {
                title: text(item, "title").unwrap_or_default(),
                link,
                content,
                summary: text(item, "summary").or(content_text),
            }
        })
        .collect();
    ReadFeed {
        title: feed["title"].as_str().unwrap_or_default().to_owned(),
        entries,
    }
}

fn titles(feed: &ReadFeed) -> Vec<&str> {
    feed.entries.iter().map(|e| e.title.as_str()).collect()
}

#[test]
fn each_feed_lists_the_published_posts_newest_first_with_absolute_links() {
    let app = app();

    for (file, _) in FEEDS {
        let feed = read_feed(&app, &format!("/{file}"));

        assert_eq!(feed.title, "Quire", "{file}");
        assert_eq!(titles(&feed), TITLES, "{file}");
        for entry in &feed.entries {
            assert!(
                entry.link.starts_with(&format!("{BASE}/posts/")),
                "{file}: {}",
                entry.link
            );
        }
        assert_eq!(
            feed.entries[8].link,
            format!("{BASE}/posts/backlog-refinement"),
            "{file}"
        );
    }
}

#[test]
fn xml_feeds_open_with_exactly_one_declaration() {
    let app = app();

    for path in [
        "/feed.xml",
        "/atom.xml",
        "/tags/estimation/feed.xml",
        "/categories/estimation/atom.xml",
    ] {
        let body = app.get(path).body;

        assert_eq!(body.matches("<?xml").count(), 1, "{path}:\n{body}");
        Document::parse(&body).unwrap_or_else(|err| panic!("{path}: {err}"));
    }
}

#[test]
fn every_feed_of_every_category_and_tag_passes_the_strict_checks() {
    let app = app();
    let mut checked = 0;

    for folder in ["categories", "tags"] {
        let terms = app.get_ok_json(&format!("/api/v1/{folder}"));
        let terms = terms["data"].as_array().expect("a list of terms");
        assert!(!terms.is_empty(), "{folder}");
        for term in terms {
            let slug = term["slug"].as_str().expect("a term has a slug");
            let count = term["count"].as_u64().expect("a term has a count") as usize;
            for (file, _) in FEEDS {
                let path = format!("/{folder}/{slug}/{file}");

                let feed = read_feed(&app, &path);

                assert_eq!(feed.entries.len(), count.min(20), "{path}");
                assert_eq!(
                    feed.title,
                    format!("Quire: {}", term["name"].as_str().unwrap())
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 20, "{checked} feeds checked");
}

#[test]
fn an_atom_feed_names_an_author_when_a_post_names_none() {
    let content = empty_content_dir();
    write_file(
        content.path(),
        "anonymous.md",
        simple_post("Nobody Wrote This", "2025-01-02", "Text."),
    );
    let app = spawn_app_with(settings_for(content.path()));

    let body = strict_xml(&app, "/atom.xml", "application/atom+xml");
    let feed = validate_atom("/atom.xml", &Document::parse(&body).expect("well-formed"));

    assert_eq!(titles(&feed), ["Nobody Wrote This"]);
    assert!(
        body.contains("<author><name>Quire</name></author>"),
        "{body}"
    );
}

#[test]
fn feeds_carry_the_full_html_by_default_and_only_the_excerpt_when_set() {
    let full = app();
    let summary = app_with(|s| s.feed_content = FeedContent::Summary);

    for (file, _) in FEEDS {
        let path = format!("/{file}");
        let with_body = read_feed(&full, &path);
        let without = read_feed(&summary, &path);

        let body = with_body.entries[8].content.clone().unwrap_or_default();
        assert!(body.contains("<h2"), "{file}: full content is HTML: {body}");
        assert_eq!(without.entries[8].content, None, "{file}: summary only");
        let excerpt = without.entries[8].summary.clone().unwrap_or_default();
        assert!(!excerpt.is_empty(), "{file}: the excerpt is there");
        assert!(!excerpt.contains("<h2"), "{file}: {excerpt}");
    }
}

#[test]
fn the_post_url_pattern_shapes_every_link() {
    let app = app_with(|s| s.post_url = "{base}/blog/{slug}.html".to_owned());

    for (file, _) in FEEDS {
        let feed = read_feed(&app, &format!("/{file}"));

        assert_eq!(
            feed.entries[0].link,
            format!("{BASE}/blog/repeated-headings.html"),
            "{file}"
        );
    }
}

#[test]
fn category_and_tag_feeds_list_only_their_posts() {
    let app = app();

    for (file, _) in FEEDS {
        let category = read_feed(&app, &format!("/categories/estimation/{file}"));
        let tag = read_feed(&app, &format!("/tags/planning-poker/{file}"));

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
        assert_eq!(category.title, "Quire: Estimation", "{file}");
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
fn the_sitemap_lists_every_published_post_with_an_absolute_url_and_a_valid_lastmod() {
    let app = app();

    let body = strict_xml(&app, "/sitemap.xml", "application/xml");

    let document = Document::parse(&body).expect("checked above");
    let urlset = document.root_element();
    assert_eq!(urlset.tag_name().name(), "urlset");
    assert_eq!(urlset.tag_name().namespace(), Some(SITEMAP));
    let sitemap = Some(SITEMAP);
    let mut locs = Vec::new();
    for url in children(urlset, sitemap, "url") {
        let loc = only_text("/sitemap.xml", url, sitemap, "loc");
        assert_absolute("/sitemap.xml", "loc", &loc);
        assert!(loc.len() < 2048, "{loc}");
        let lastmod = only_text("/sitemap.xml", url, sitemap, "lastmod");
        assert_rfc3339("/sitemap.xml", "lastmod", &lastmod);
        locs.push(loc);
    }
    assert_eq!(locs.len(), 9, "{locs:?}");
    assert!(
        locs.iter()
            .all(|loc| loc.starts_with(&format!("{BASE}/posts/")))
    );
    assert!(locs.contains(&format!("{BASE}/posts/backlog-refinement")));
}

#[test]
fn every_route_gives_a_post_the_url_and_absolute_image_its_feeds_give() {
    let app = app_with(|s| s.post_url = "{base}/blog/{slug}/".to_owned());
    let feed = app.get_ok_json("/feed.json");
    let item = feed["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|item| item["title"] == "How to Run Effective Backlog Refinement Sessions")
        .expect("the post is in the feed")
        .clone();
    let url = format!("{BASE}/blog/backlog-refinement/");
    let image = format!("{BASE}/images/blog/backlog-refinement.png");
    assert_eq!(item["url"], url.as_str());
    assert_eq!(item["image"], image.as_str());

    let detail = app.get_ok_json("/api/v1/posts/backlog-refinement");
    let list = app.get_ok_json("/api/v1/posts?tag=backlog-refinement");
    let sparse = app.get_ok_json("/api/v1/posts?tag=backlog-refinement&fields=url,featuredImage");
    let search = app.get_ok_json("/api/v1/search?q=refinement");
    let related = app.get_ok_json("/api/v1/posts/planning-poker-basics/related");

    let from_search = search["data"]
        .as_array()
        .and_then(|hits| hits.iter().find(|hit| hit["slug"] == "backlog-refinement"))
        .expect("search finds the post");
    let from_related = related["data"]
        .as_array()
        .and_then(|posts| {
            posts
                .iter()
                .find(|post| post["slug"] == "backlog-refinement")
        })
        .expect("the post is related");
    for (route, summary) in [
        ("detail", &detail),
        ("list", &list["data"][0]),
        ("sparse list", &sparse["data"][0]),
        ("search", from_search),
        ("related", from_related),
    ] {
        assert_eq!(summary["url"], url.as_str(), "{route}");
        assert_eq!(summary["featuredImage"], image.as_str(), "{route}");
    }
}

#[test]
fn feeds_stay_well_formed_when_a_post_holds_characters_xml_forbids() {
    let content = empty_content_dir();
    write_file(
        content.path(),
        "pasted-from-a-terminal.md",
        "---\ntitle: Pasted From a Terminal\ndate: 2025-01-02\nauthor: A\n---\n\n\
         Build output \u{1b}[32mgreen\u{1b}[0m, a form feed \u{c} and a vertical tab \u{b} end here.\n",
    );
    let app = spawn_app_with(settings_for(content.path()));

    for path in ["/feed.xml", "/atom.xml"] {
        let feed = read_feed(&app, path);

        let entry = &feed.entries[0];
        let text = entry.content.clone().unwrap_or_default();
        assert!(text.contains("green"), "{path}: the text is kept: {text}");
        assert!(text.contains("end here"), "{path}: {text}");
    }
}
