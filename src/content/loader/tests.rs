//! Unit tests of reading and parsing post files.

use super::*;
use crate::domain::Slug;

fn parse(text: &str) -> Parsed {
    parse_post("posts/sample.md", text.as_bytes(), LoadOptions::default())
}

fn error_of(text: &str) -> Problem {
    match parse(text).post {
        Ok(post) => panic!("expected an error, got post {}", post.slug),
        Err(problem) => problem,
    }
}

#[test]
fn editor_swap_and_temporary_files_are_not_posts() {
    for name in [
        ".post.md.swp",
        "post.md.swp",
        "post.md~",
        ".#post.md",
        "#post.md#",
        "~post.md",
        "4913",
        "post.md.tmp",
        ".post.md",
    ] {
        assert!(!is_post_file(name), "{name} is not a post");
    }
    for name in [
        "post.md",
        "post.markdown",
        "post.mdx",
        "POST.MD",
        "2025-01-01-post.md",
    ] {
        assert!(is_post_file(name), "{name} is a post");
    }
}

#[cfg(unix)]
#[test]
fn a_file_that_became_a_link_out_of_the_folder_after_the_listing_is_not_read() {
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("secret.md");
    fs::write(&secret, "---\ntitle: Secret\ndate: 2025-01-01\n---\n").unwrap();
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("inside.md"),
        "---\ntitle: In\ndate: 2025-01-01\n---\n",
    )
    .unwrap();
    std::os::unix::fs::symlink(&secret, dir.path().join("a.md")).unwrap();
    std::os::unix::fs::symlink("inside.md", dir.path().join("b.md")).unwrap();

    let refused = load_file(dir.path(), "a.md", LoadOptions::default());
    let followed = load_file(dir.path(), "b.md", LoadOptions::default());

    let problem = refused.post.expect_err("a link out is not read");
    assert_eq!(
        problem.message,
        format!(
            "a.md is a link to {}, a file outside the content folder; it is not read",
            secret.canonicalize().unwrap().display()
        )
    );
    assert_eq!(followed.post.expect("a link inside is read").title, "In");
}

#[test]
fn sizes_are_shown_in_decimal_units_without_a_needless_decimal() {
    assert_eq!(human_size(52_400_000), "52.4 MB");
    assert_eq!(human_size(5_000_000), "5 MB");
    assert_eq!(human_size(10_000), "10 kB");
    assert_eq!(human_size(512), "512 B");
}

#[test]
fn file_stems_become_slugs_without_date_prefixes() {
    let cases = [
        ("a/2025-02-15-my-post.md", "my-post"),
        ("Café Déjà.md", "cafe-deja"),
        ("some-post/index.md", "some-post"),
        ("2025/02/15/x/index.markdown", "x"),
        ("2025-02-15.md", "2025-02-15"),
        ("posts/2025-02-15-hello.mdx", "hello"),
        ("docs/getting-started/index.mdx", "getting-started"),
    ];
    for (path, slug) in cases {
        assert_eq!(slug_from_path(path).unwrap().as_str(), slug, "for {path}");
    }
}

#[test]
fn permalinks_name_their_last_segment_and_templates_name_nothing() {
    let cases = [
        ("/blog/2023/01/02/hello-world/", Some("hello-world")),
        ("/notes/hello-world.html", Some("hello-world")),
        ("hello-world", Some("hello-world")),
        ("/guides/setup/index.html", Some("setup")),
        ("/2023-01-02-dated-name/", Some("dated-name")),
        ("/blog/v1.2/", Some("v1-2")),
        ("index.html", None),
        ("/", None),
        ("/:categories/:year/:title/", None),
        ("/blog/{{slug}}/", None),
        ("/!!!/", None),
    ];
    for (value, slug) in cases {
        assert_eq!(
            slug_from_permalink(value).as_ref().map(Slug::as_str),
            slug,
            "for {value:?}"
        );
    }
}

#[test]
fn a_slug_or_permalink_is_declared_and_a_file_name_is_not() {
    let cases = [
        (
            "---\ntitle: T\ndate: 2025-01-01\nslug: chosen\n---\n",
            "chosen",
            true,
        ),
        (
            "---\ntitle: T\ndate: 2025-01-01\npermalink: /blog/linked/\n---\n",
            "linked",
            true,
        ),
        (
            "---\ntitle: T\ndate: 2025-01-01\npath: /a/b.html\n---\n",
            "b",
            true,
        ),
        (
            "---\ntitle: T\ndate: 2025-01-01\npermalink: /:title/\n---\n",
            "sample",
            false,
        ),
        ("---\ntitle: T\ndate: 2025-01-01\n---\n", "sample", false),
    ];
    for (text, slug, declared) in cases {
        let post = parse(text).post.unwrap();
        assert_eq!(
            (post.slug.as_str(), post.slug_declared),
            (slug, declared),
            "{text}"
        );
    }
}

#[test]
fn a_complete_post_is_parsed_with_aliases() {
    let parsed = parse(
        "\u{feff}---\r\ntitle: Hello\r\npubDate: 2025-02-15\r\nauthors: [Ann, Bob]\r\ncategories: [X, Y]\r\n\
         tags: a, b\r\nsummary: Short\r\nimage: /i.png\r\ndescription: Meta\r\nseries: S\r\n---\r\n\r\n# Hi\r\n\r\nText here.\r\n",
    );
    let post = parsed.post.unwrap();
    assert_eq!(post.title, "Hello");
    assert_eq!(post.date.to_string(), "2025-02-15T00:00:00Z");
    assert_eq!(post.author().unwrap().name, "Ann");
    assert_eq!(post.categories.len(), 2);
    assert_eq!(
        post.tags
            .iter()
            .map(|t| t.slug.as_str())
            .collect::<Vec<_>>(),
        ["a", "b"]
    );
    assert_eq!(post.excerpt, "Short");
    assert_eq!(post.featured_image.as_deref(), Some("/i.png"));
    assert_eq!(post.meta_description.as_deref(), Some("Meta"));
    assert_eq!(post.extra["series"], "S");
    assert!(!post.body.markdown().contains('\r'));
}

#[test]
fn bad_files_are_reported_with_their_line() {
    let cases = [
        ("---\ndate: 2025-01-01\n---\nBody", 1, "missing title"),
        ("---\ntitle: T\n---\nBody", 1, "missing date"),
        (
            "---\ntitle: T\nauthor: A\ndate: yesterday\n---\nBody",
            4,
            "`date`",
        ),
        (
            "---\ntitle: T\ndate: 2025-01-01\ntags: [a\n---\nBody",
            5,
            "not valid YAML",
        ),
        (
            "---\ntitle: [T]\ndate: 2025-01-01\n---\n",
            2,
            "`title` must be text",
        ),
        (
            "---\ntitle: T\ndate: 2025-01-01\ndraft: maybe\n---\n",
            4,
            "`draft` must be true or false",
        ),
    ];
    for (text, line, message) in cases {
        let problem = error_of(text);
        assert_eq!(problem.line, line, "line for {text:?}: {}", problem.message);
        assert!(
            problem.message.contains(message),
            "{:?} should mention {message:?}",
            problem.message
        );
        assert_eq!(problem.severity, Severity::Error);
        assert_eq!(problem.path, "posts/sample.md");
    }
}

#[test]
fn non_utf8_bytes_are_reported_with_line_and_column() {
    let parsed = parse_post(
        "x.md",
        b"---\ntitle: Caf\xe9\n---\n",
        LoadOptions::default(),
    );
    let problem = parsed.post.unwrap_err();
    assert_eq!((problem.line, problem.column), (2, Some(11)));
    assert!(problem.message.contains("UTF-8"));
}

#[test]
fn a_date_in_the_path_is_used_when_front_matter_has_none() {
    let parsed = parse_post(
        "2024/05/06/post/index.md",
        b"---\ntitle: T\n---\nBody",
        LoadOptions::default(),
    );
    assert_eq!(
        parsed.post.unwrap().date.to_string(),
        "2024-05-06T00:00:00Z"
    );
    let parsed = parse_post(
        "x.md",
        b"---\ntitle: T\npermalink: /blog/2023/01/02/x/\n---\n",
        LoadOptions::default(),
    );
    let post = parsed.post.unwrap();
    assert_eq!(post.date.to_string(), "2023-01-02T00:00:00Z");
    assert_eq!(post.extra["permalink"], "/blog/2023/01/02/x/");
}

#[test]
fn an_unreadable_date_falls_back_to_the_file_name_with_a_warning() {
    let parsed = parse_post(
        "_posts/2023-01-29-jekyll-3-9-3-released.markdown",
        b"---\ntitle: T\ndate: 2023-01-29 18:30:22 2023 -0800\n---\nBody",
        LoadOptions::default(),
    );
    let post = parsed.post.expect("served with the file name's date");
    assert_eq!(post.date.to_string(), "2023-01-29T00:00:00Z");
    assert_eq!(parsed.warnings.len(), 1);
    let warning = &parsed.warnings[0];
    assert_eq!((warning.line, warning.severity), (3, Severity::Warning));
    assert!(
        warning.message.contains("2023-01-29 18:30:22 2023 -0800")
            && warning.message.contains("date in its path, 2023-01-29"),
        "{}",
        warning.message
    );

    // Without a date in the path, an unreadable date is still an error.
    let problem = error_of("---\ntitle: T\ndate: 2023-01-29 18:30:22 2023 -0800\n---\n");
    assert_eq!(problem.line, 3);
}

#[test]
fn garbled_text_is_repaired_with_a_warning_naming_the_line() {
    let parsed =
        parse("---\ntitle: T\ndate: 2025-01-01\n---\n\nThey are valuableâ€”they reveal things.\n");
    let post = parsed.post.unwrap();
    assert!(post.body.markdown().contains("valuable—they"));
    assert_eq!(parsed.warnings.len(), 1);
    let warning = &parsed.warnings[0];
    assert_eq!((warning.line, warning.severity), (6, Severity::Warning));
    assert!(
        warning
            .message
            .contains("`valuableâ€”they` is served as `valuable—they`"),
        "{}",
        warning.message
    );
}

#[test]
fn published_false_makes_a_draft_and_explicit_slugs_are_normalised() {
    let post = parse("---\ntitle: T\ndate: 2025-01-01\npublished: false\nslug: My Slug\n---\n")
        .post
        .unwrap();
    assert!(post.draft);
    assert_eq!(post.slug.as_str(), "my-slug");
}

#[test]
fn the_excerpt_falls_back_to_the_first_paragraph() {
    let post = parse(
        "---\ntitle: T\ndate: 2025-01-01\n---\n\n## Heading\n\nFirst paragraph.\n\nSecond.\n",
    )
    .post
    .unwrap();
    assert_eq!(post.excerpt, "First paragraph.");
}
