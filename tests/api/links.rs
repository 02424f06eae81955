//! Every URL in a post resolves: files beside the posts become versioned `/media/` URLs with
//! their size, links to another post's source become its public URL with the anchor kept,
//! external URLs are untouched; what is broken is a problem naming the file, the line and the
//! URL as written; backlinks list who links to a post.

use std::process::Command;

use quire::settings::ServeSettings;
use serde_json::Value;

use crate::helpers::{
    EventStream, GRADIENT_PNG, RED_PNG, TestApp, empty_content_dir, simple_post, spawn_app,
    spawn_app_with, wait_for, write_file,
};

/// The post at `slug` as JSON, which must be served.
fn post(app: &TestApp, slug: &str) -> Value {
    app.get_ok_json(&format!("/api/v1/posts/{slug}"))
}

/// The values of every `attribute` in some HTML, in order.
fn attribute_values<'a>(html: &'a str, attribute: &str) -> Vec<&'a str> {
    let needle = format!(" {attribute}=\"");
    html.match_indices(&needle)
        .map(|(at, _)| {
            let start = at + needle.len();
            let end = html[start..].find('"').expect("a closed attribute") + start;
            &html[start..end]
        })
        .collect()
}

/// The public problems about links, as `(path, line, message)`.
fn link_problems(app: &TestApp) -> Vec<(String, u64, String)> {
    app.get_ok_json("/api/v1/problems")["data"]
        .as_array()
        .expect("a list")
        .iter()
        .filter(|p| p["kind"] == "link")
        .map(|p| {
            (
                p["path"].as_str().unwrap().to_owned(),
                p["line"].as_u64().unwrap(),
                p["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn a_bundle_image_is_written_as_its_versioned_media_url_with_its_size_and_lazy_loading() {
    // Arrange
    let dir = empty_content_dir();
    write_file(
        dir.path(),
        "my-post/index.md",
        simple_post(
            "My post",
            "2025-01-01",
            "![a red square](./diagram.png)\n\n<img src=\"diagram.png\" alt=\"again\" width=\"30\">",
        ),
    );
    write_file(dir.path(), "my-post/diagram.png", RED_PNG);
    let app = spawn_app(dir.path());

    // Act
    let shown = post(&app, "my-post");

    // Assert
    let html = shown["html"].as_str().unwrap();
    let sources = attribute_values(html, "src");
    assert_eq!(sources.len(), 2, "{html}");
    let url = sources[0];
    assert!(
        url.starts_with(&format!(
            "http://{}/media/my-post/diagram.png?v=",
            app.host()
        )),
        "{html}"
    );
    assert_eq!(sources[1], url, "both forms name the same file: {html}");
    assert!(
        html.contains(r#"alt="a red square" width="3" height="2" loading="lazy" decoding="async""#),
        "{html}"
    );
    // A size the writer gave is kept; the other is not made up.
    assert!(
        html.contains(r#"width="30" loading="lazy" decoding="async""#),
        "{html}"
    );
    // The placeholder is made in the background: it may or may not be there yet.
    let mut images = shown["images"].clone();
    for image in images.as_array_mut().expect("a list") {
        let image = image.as_object_mut().expect("an object");
        let blur = image
            .remove("blurDataUrl")
            .expect("blurDataUrl is always given");
        let colour = image
            .remove("dominantColor")
            .expect("dominantColor is always given");
        assert!(blur.is_null() || blur.is_string(), "{blur}");
        assert!(colour.is_null() || colour.is_string(), "{colour}");
    }
    assert_eq!(
        images,
        serde_json::json!([{
            "url": url,
            "width": 3,
            "height": 2,
            "alt": "a red square",
            "contentType": "image/png",
        }])
    );
    // The URL serves the file, cacheable for good.
    let path = url.split_once(app.host()).unwrap().1;
    let image = app.get_with(path, &[]);
    assert_eq!(image.status, 200);
    assert_eq!(image.body, RED_PNG);
    assert_eq!(
        image.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );
}

#[test]
fn a_root_relative_path_is_media_when_the_folder_has_the_file_and_else_stays_as_written() {
    // Arrange
    let dir = empty_content_dir();
    write_file(
        dir.path(),
        "blog/post.md",
        "---\ntitle: Post\ndate: 2025-01-01\nfeaturedImage: /images/cover.png\n---\n![here](/images/cover.png) ![elsewhere](/images/blog/none.png) ![far](https://cdn.example.com/x.png)\n",
    );
    write_file(
        dir.path(),
        "other.md",
        "---\ntitle: Other\ndate: 2025-01-02\nfeaturedImage: /images/blog/none.png\n---\nText.\n",
    );
    write_file(dir.path(), "images/cover.png", GRADIENT_PNG);
    let app = spawn_app(dir.path());

    // Act
    let shown = post(&app, "post");
    let other = post(&app, "other");

    // Assert
    let html = shown["html"].as_str().unwrap();
    let sources = attribute_values(html, "src");
    let media = format!("http://{}/media/images/cover.png?v=", app.host());
    assert!(sources[0].starts_with(&media), "{html}");
    assert_eq!(sources[1], "/images/blog/none.png");
    assert_eq!(sources[2], "https://cdn.example.com/x.png");
    assert!(shown["featuredImage"].as_str().unwrap().starts_with(&media));
    assert_eq!(shown["featuredImageDetails"]["width"], 5);
    assert_eq!(shown["featuredImageDetails"]["height"], 4);
    assert_eq!(shown["featuredImageDetails"]["alt"], "Post");
    // An image that is not in the folder is left as it was served before: made absolute.
    assert_eq!(
        other["featuredImage"],
        format!("http://{}/images/blog/none.png", app.host())
    );
    assert_eq!(other["featuredImageDetails"], Value::Null);
    // Summaries in lists carry the details too.
    let list = app.get_ok_json("/api/v1/posts?fields=featuredImageDetails");
    assert_eq!(list["data"][1]["featuredImageDetails"]["width"], 5);
    // A root-relative path that is not a file is no problem: it may be a page of the site.
    assert_eq!(link_problems(&app), []);
}

#[test]
fn links_to_another_posts_source_become_its_public_url_with_the_anchor_kept() {
    // Arrange
    let dir = empty_content_dir();
    write_file(
        dir.path(),
        "guide/index.md",
        simple_post(
            "Guide",
            "2025-01-01",
            "## Install\n\nSteps.\n\n## Use it\n\nMore.",
        ),
    );
    write_file(
        dir.path(),
        "notes.md",
        "---\ntitle: Notes\ndate: 2025-01-02\nslug: my-notes\n---\nText.\n",
    );
    write_file(
        dir.path(),
        "blog/links.md",
        simple_post(
            "Links",
            "2025-01-03",
            "[a](../guide/index.md#install) [b](../guide/) [c](../guide#use-it) [d](../notes.md) \
             [e](/notes.md?ref=x) [f](https://example.com/notes.md) [g](mailto:a@b.c) [h](#top) \
             [i](../notes)\n\n## Top",
        ),
    );
    let mut settings = ServeSettings::for_content(dir.path());
    settings.base_url = Some("https://blog.example.com".to_owned());
    settings.post_url = "{base}/blog/{slug}/".to_owned();
    let app = spawn_app_with(settings);

    // Act
    let html = post(&app, "links")["html"].as_str().unwrap().to_owned();

    // Assert
    assert_eq!(
        attribute_values(&html, "href"),
        [
            "https://blog.example.com/blog/guide/#install",
            "https://blog.example.com/blog/guide/",
            "https://blog.example.com/blog/guide/#use-it",
            "https://blog.example.com/blog/my-notes/",
            "https://blog.example.com/blog/my-notes/",
            "https://example.com/notes.md",
            "mailto:a@b.c",
            "#top",
            "https://blog.example.com/blog/my-notes/",
        ]
    );
    assert_eq!(link_problems(&app), []);
}

#[test]
fn every_kind_of_link_problem_names_the_file_the_line_and_the_url_as_written() {
    // Arrange
    let dir = empty_content_dir();
    write_file(
        dir.path(),
        "other.md",
        simple_post("Other", "2025-01-01", "## Setup\n\nText."),
    );
    write_file(
        dir.path(),
        "draft.md",
        "---\ntitle: Draft\ndate: 2025-01-01\ndraft: true\n---\nSoon.\n",
    );
    write_file(dir.path(), "shown.png", RED_PNG);
    // The body starts on line 5 of the file (after four lines of front matter).
    write_file(
        dir.path(),
        "post.md",
        "---\ntitle: Post\ndate: 2025-01-02\n---\n\
         [gone](nope.md)\n\
         [anchor](other.md#install)\n\
         ![missing](./missing.png)\n\
         ![](shown.png)\n\
         [here](#nowhere)\n\
         [draft](draft.md)\n",
    );
    let app = spawn_app(dir.path());

    // Act
    let problems = link_problems(&app);

    // Assert
    let at = |line: u64, url: &str| {
        problems
            .iter()
            .find(|(path, l, message)| path == "post.md" && *l == line && message.contains(url))
            .unwrap_or_else(|| panic!("no problem on line {line} about {url}: {problems:?}"))
            .2
            .clone()
    };
    assert!(at(5, "`nope.md`").contains("post file that does not exist"));
    assert!(at(6, "`other.md#install`").contains("`#install`"));
    assert!(at(7, "`./missing.png`").contains("not in the content folder"));
    assert!(at(8, "`shown.png`").contains("no alt text"));
    assert!(at(9, "`#nowhere`").contains("this post does not have"));
    assert!(at(10, "`draft.md`").contains("draft"));
    assert_eq!(problems.len(), 6, "{problems:?}");
    // The draft's address is not given away: the link stays as written.
    let html = post(&app, "post")["html"].as_str().unwrap().to_owned();
    assert!(html.contains(r#"href="draft.md""#), "{html}");
}

#[test]
fn quire_check_reports_link_problems_and_fails_on_them_only_with_strict_links() {
    // Arrange
    let dir = empty_content_dir();
    write_file(
        dir.path(),
        "post.md",
        simple_post("Post", "2025-01-01", "[gone](nope.md)"),
    );
    let check = |strict: bool| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_quire"));
        command.arg("check").arg(dir.path());
        if strict {
            command.arg("--strict-links");
        }
        command.output().expect("quire check runs")
    };

    // Act
    let lenient = check(false);
    let strict = check(true);

    // Assert
    let report = String::from_utf8_lossy(&lenient.stdout);
    assert!(
        report.contains(
            "post.md:6: warning: the link `nope.md` points to a post file that does not exist"
        ),
        "{report}"
    );
    assert!(report.contains("1 warning (1 about links)"), "{report}");
    assert!(lenient.status.success());
    assert_eq!(strict.status.code(), Some(1));
}

#[test]
fn backlinks_list_the_published_posts_linking_to_a_post_newest_first_with_their_anchors() {
    // Arrange
    let dir = empty_content_dir();
    write_file(
        dir.path(),
        "target.md",
        simple_post("Target", "2025-01-01", "## Setup\n\n## Use"),
    );
    write_file(
        dir.path(),
        "older.md",
        simple_post(
            "Older",
            "2025-01-02",
            "[t](target.md#setup) and [again](target.md#use)",
        ),
    );
    write_file(
        dir.path(),
        "newer.md",
        simple_post("Newer", "2025-01-03", "[t](target.md)"),
    );
    write_file(
        dir.path(),
        "hidden.md",
        "---\ntitle: Hidden\ndate: 2025-01-04\ndraft: true\n---\n[t](target.md)\n",
    );
    write_file(
        dir.path(),
        "secret.md",
        "---\ntitle: Secret\ndate: 2025-01-04\ndraft: true\n---\nS.\n",
    );
    let app = spawn_app(dir.path());

    // Act
    let backlinks = app.get_ok_json("/api/v1/posts/target/backlinks");

    // Assert
    let data = backlinks["data"].as_array().unwrap();
    let found: Vec<(&str, &Value)> = data
        .iter()
        .map(|b| (b["slug"].as_str().unwrap(), &b["anchors"]))
        .collect();
    assert_eq!(
        found,
        [
            ("newer", &serde_json::json!([])),
            ("older", &serde_json::json!(["setup", "use"]))
        ]
    );
    assert!(data[0]["title"].is_string(), "each is a post summary");
    assert_eq!(app.get("/api/v1/posts/secret/backlinks").status, 404);
    assert_eq!(app.get("/api/v1/posts/nothing/backlinks").status, 404);
}

#[test]
fn a_replaced_image_updates_only_the_posts_that_show_it() {
    // Arrange
    let dir = empty_content_dir();
    write_file(
        dir.path(),
        "shows/index.md",
        simple_post("Shows", "2025-01-01", "![a square](square.png)"),
    );
    write_file(dir.path(), "shows/square.png", RED_PNG);
    write_file(
        dir.path(),
        "plain.md",
        simple_post("Plain", "2025-01-02", "[see](shows/index.md)"),
    );
    let app = spawn_app(dir.path());
    let before = post(&app, "shows")["html"].as_str().unwrap().to_owned();
    let plain = app.get("/api/v1/posts/plain");
    let mut events = EventStream::open(&app);

    // Act
    write_file(dir.path(), "shows/square.png", GRADIENT_PNG);

    // Assert
    events.wait_for("event: reload");
    events.wait_for("\n\n");
    let reports = events.reports();
    assert_eq!(reports.len(), 1, "{}", events.seen);
    assert_eq!(reports[0]["updated"], serde_json::json!(["shows"]));
    let after = wait_for("the new image in the post", || {
        let html = post(&app, "shows")["html"].as_str()?.to_owned();
        (html != before).then_some(html)
    });
    assert!(after.contains(r#"width="5" height="4""#), "{after}");
    let src = attribute_values(&after, "src")[0].to_owned();
    let path = src.split_once(app.host()).unwrap().1;
    assert_eq!(app.get_with(path, &[]).body, GRADIENT_PNG);
    // The post that only links to it is served as it was, byte for byte.
    let plain_after = app.get("/api/v1/posts/plain");
    assert_eq!(plain_after.header("etag"), plain.header("etag"));
}

#[test]
fn an_image_added_after_its_post_is_shown_and_one_removed_is_left_as_written_and_reported() {
    // Arrange: the post is read before its image exists.
    let dir = empty_content_dir();
    write_file(
        dir.path(),
        "late/index.md",
        simple_post("Late", "2025-01-01", "![a square](square.png)"),
    );
    let app = spawn_app(dir.path());
    let html = |app: &TestApp| post(app, "late")["html"].as_str().unwrap().to_owned();
    assert_eq!(attribute_values(&html(&app), "src"), ["square.png"]);

    // Act: the image arrives.
    write_file(dir.path(), "late/square.png", RED_PNG);

    // Assert: the post shows it, sized, and the missing-file warning is gone.
    let shown = wait_for("the image in the post", || {
        let html = html(&app);
        html.contains("/media/late/square.png?v=").then_some(html)
    });
    assert!(shown.contains(r#"width="3" height="2""#), "{shown}");
    assert!(link_problems(&app).is_empty(), "{:?}", link_problems(&app));

    // Act: the image goes.
    std::fs::remove_file(dir.path().join("late/square.png")).expect("remove the image");

    // Assert: the URL is as written again, and reported with its line.
    let gone = wait_for("the image URL as written", || {
        let html = html(&app);
        (!html.contains("/media/")).then_some(html)
    });
    assert_eq!(attribute_values(&gone, "src"), ["square.png"]);
    let problems = link_problems(&app);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].0, "late/index.md");
    assert!(
        problems[0]
            .2
            .contains("`square.png` is not in the content folder"),
        "{problems:?}"
    );
}

#[test]
fn a_real_hugo_bundle_shows_its_screenshots_with_their_sizes() {
    // Arrange: the Hugo docs' Codeberg page with its four screenshots, given the date Hugo's
    // undated pages lack (the rest as written).
    let bundle = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/hugo-docs/host-on-codeberg-pages");
    let dir = empty_content_dir();
    for entry in std::fs::read_dir(&bundle).expect("the fixture bundle is readable") {
        let entry = entry.expect("a fixture entry");
        let bytes = std::fs::read(entry.path()).expect("a fixture file");
        let name = entry.file_name().into_string().expect("a UTF-8 name");
        let bytes = if name == "index.md" {
            let text = String::from_utf8(bytes).expect("UTF-8");
            text.replacen("---\n", "---\ndate: 2025-01-01\n", 1)
                .into_bytes()
        } else {
            bytes
        };
        write_file(dir.path(), &format!("host-on-codeberg-pages/{name}"), bytes);
    }
    let app = spawn_app(dir.path());

    // Act
    let page = post(&app, "host-on-codeberg-pages");

    // Assert
    let sizes: Vec<(String, u64, u64)> = page["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|image| {
            let url = image["url"].as_str().unwrap();
            let name = url.rsplit('/').next().unwrap().split('?').next().unwrap();
            (
                name.to_owned(),
                image["width"].as_u64().unwrap(),
                image["height"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        sizes,
        [
            ("cb-pages-01.png".to_owned(), 716, 309),
            ("cb-pages-02.png".to_owned(), 602, 88),
            ("cb-pages-03.png".to_owned(), 584, 81),
            ("cb-pages-04.png".to_owned(), 611, 226),
        ]
    );
    let html = page["html"].as_str().unwrap();
    assert!(
        html.contains(r#"alt="screen capture" width="716" height="309" loading="lazy""#),
        "{html}"
    );
    assert!(!html.contains(r#"src="cb-pages"#), "{html}");
    assert_eq!(link_problems(&app), []);
}

#[test]
fn a_link_follows_its_target_when_the_target_moves_and_reports_an_anchor_that_went() {
    // Arrange
    let dir = empty_content_dir();
    write_file(
        dir.path(),
        "target.md",
        simple_post("Target", "2025-01-01", "## Setup\n\nText."),
    );
    write_file(
        dir.path(),
        "source.md",
        simple_post("Source", "2025-01-02", "[setup](target.md#setup)"),
    );
    let app = spawn_app(dir.path());
    let href = |app: &TestApp| {
        let html = post(app, "source")["html"].as_str().unwrap().to_owned();
        attribute_values(&html, "href")[0].to_owned()
    };
    assert_eq!(
        href(&app),
        format!("http://{}/posts/target#setup", app.host())
    );

    // Act: the target takes another address, then loses the heading linked to.
    write_file(
        dir.path(),
        "target.md",
        "---\ntitle: Target\ndate: 2025-01-01\nslug: moved\n---\n\n## Setup\n\nText.\n",
    );
    let moved = format!("http://{}/posts/moved#setup", app.host());
    wait_for("the link to follow the move", || {
        (href(&app) == moved).then_some(())
    });
    write_file(
        dir.path(),
        "target.md",
        "---\ntitle: Target\ndate: 2025-01-01\nslug: moved\n---\n\n## Install\n\nText.\n",
    );

    // Assert
    let problems = wait_for("the broken anchor to be reported", || {
        let problems = link_problems(&app);
        (!problems.is_empty()).then_some(problems)
    });
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].0, "source.md");
    assert!(problems[0].2.contains("`#setup`"), "{problems:?}");
    assert_eq!(href(&app), moved);
}
