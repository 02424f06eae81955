//! A property test of "nothing unpublished is named in public": random sites of published,
//! draft, `published: false`, scheduled and expired posts (the hidden ones carrying marker
//! words in every field) are served beside a twin holding only their published posts. Every
//! public answer must be the twin's, byte for byte with its `ETag` and `Last-Modified`, so no
//! marker and no count of a hidden post can show; and saving hidden posts while serving must
//! change no public answer and announce nothing.

use std::collections::BTreeSet;
use std::fs::File;
use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, SystemTime};

use quire::settings::ServeSettings;

use crate::helpers::{
    EDITOR_TOKEN, EventStream, TestApp, empty_content_dir, encode, spawn_app_with, wait_for_within,
    webhook_receiver, write_file,
};

/// How long a step that follows a reload may take when the whole suite runs in parallel (the
/// search index follows on a thread of its own).
const PATIENCE: Duration = Duration::from_secs(30);

/// How many random sites are tried; each costs two apps and one reload.
const CASES: u64 = 3;

/// Both sites' public URL, so that their absolute links agree.
const BASE_URL: &str = "https://blog.example.org";

/// Words published posts use for their tags, categories, authors and text.
const PUBLIC_WORDS: [&str; 5] = ["alder", "birch", "cedar", "hazel", "maple"];

/// The ways a post is hidden at `NOW` (2026-01-01).
const HIDDEN_KINDS: [&str; 4] = ["draft", "unpublished", "scheduled", "expired"];

/// One generated post file.
struct GeneratedPost {
    file: String,
    slug: String,
    text: String,
    hidden: bool,
    /// Tags, category and author as written.
    terms: Vec<(&'static str, String)>,
}

/// A random post: public ones draw from [`PUBLIC_WORDS`]; hidden ones put their `marker` in
/// the slug, title, body, a tag, the category or the author (beside public words, so a count
/// of a public term would move if they were counted).
fn generate_post(
    rng: &mut fastrand::Rng,
    index: usize,
    hidden: Option<(&str, &str)>,
) -> GeneratedPost {
    let word = |rng: &mut fastrand::Rng| PUBLIC_WORDS[rng.usize(..PUBLIC_WORDS.len())];
    let day = 1 + rng.usize(..27);
    let month = 1 + rng.usize(..11);
    let mut front = Vec::new();
    let (slug, title, body, tags, category, author);
    match hidden {
        None => {
            slug = format!("{}-{index}", word(rng));
            title = format!("{} and {}", word(rng), word(rng));
            body = format!("About {} and {}.", word(rng), word(rng));
            tags = vec![word(rng).to_owned(), word(rng).to_owned()];
            category = word(rng).to_owned();
            author = word(rng).to_owned();
            front.push(format!("date: 2025-{month:02}-{day:02}"));
        }
        Some((kind, marker)) => {
            slug = format!("{marker}-{index}");
            title = format!("{marker} {}", word(rng));
            body = format!("Secret {marker} about {}.", word(rng));
            tags = vec![word(rng).to_owned(), marker.to_owned()];
            category = if rng.bool() {
                marker.to_owned()
            } else {
                word(rng).to_owned()
            };
            author = if rng.bool() {
                marker.to_owned()
            } else {
                word(rng).to_owned()
            };
            match kind {
                "draft" => front.extend([
                    format!("date: 2025-{month:02}-{day:02}"),
                    "draft: true".into(),
                ]),
                "unpublished" => front.extend([
                    format!("date: 2025-{month:02}-{day:02}"),
                    "published: false".into(),
                ]),
                "scheduled" => front.push(format!(
                    "date: 20{}-{month:02}-{day:02}",
                    27 + rng.usize(..70)
                )),
                // Expired before any published post's date: the instant a post expires is
                // rightly a public `Last-Modified` (lists changed then), which the twin
                // cannot have; before the newest post's date, it cannot show.
                _ => front.extend([
                    format!("date: 2023-{month:02}-{day:02}"),
                    format!("expires: 2024-{month:02}-{day:02}"),
                ]),
            }
        }
    }
    let text = format!(
        "---\ntitle: \"{title}\"\n{}\ntags: [{}]\ncategory: \"{category}\"\nauthor: \"{author}\"\n---\n\n{body}\n",
        front.join("\n"),
        tags.join(", "),
    );
    let mut terms: Vec<(&'static str, String)> =
        tags.into_iter().map(|tag| ("tags", tag)).collect();
    terms.push(("categories", category));
    terms.push(("authors", author));
    GeneratedPost {
        file: format!("{slug}.md"),
        slug,
        text,
        hidden: hidden.is_some(),
        terms,
    }
}

fn generate_site(seed: u64) -> Vec<GeneratedPost> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut posts = Vec::new();
    for index in 0..2 + rng.usize(..4) {
        posts.push(generate_post(&mut rng, index, None));
    }
    for (offset, kind) in HIDDEN_KINDS.iter().enumerate() {
        for copy in 0..1 + rng.usize(..2) {
            let marker = format!("zq{seed}x{offset}{copy}");
            let index = posts.len();
            posts.push(generate_post(&mut rng, index, Some((kind, &marker))));
        }
    }
    posts
}

/// A fixed modification time, so the two sites' published files agree to the second.
fn set_mtime(path: &Path, at: SystemTime) {
    File::options()
        .write(true)
        .open(path)
        .and_then(|file| file.set_modified(at))
        .unwrap_or_else(|err| panic!("cannot set the mtime of {}: {err}", path.display()));
}

/// Every public GET worth asking about the site: lists and filters, each post in every form,
/// terms, feeds, search, archive, sitemap, meta, problems and readiness; for hidden slugs,
/// terms and markers too (they must be the twin's 404s and empty results).
fn public_paths(posts: &[GeneratedPost]) -> Vec<String> {
    let mut paths: Vec<String> = [
        "/api/v1/posts",
        "/api/v1/posts?sort=title",
        "/api/v1/posts?limit=2&page=2",
        "/api/v1/posts?fields=title,tags",
        "/api/v1/tags",
        "/api/v1/categories",
        "/api/v1/authors",
        "/api/v1/archive",
        "/api/v1/meta",
        "/api/v1/problems",
        "/feed.xml",
        "/atom.xml",
        "/feed.json",
        "/sitemap.xml",
        "/readyz",
    ]
    .map(String::from)
    .into();
    for post in posts {
        for suffix in ["", "/html", "/markdown", "/related"] {
            paths.push(format!("/api/v1/posts/{}{suffix}", post.slug));
        }
    }
    let terms: BTreeSet<&(&str, String)> = posts.iter().flat_map(|post| &post.terms).collect();
    for (kind, name) in terms {
        let slug = name.to_lowercase().replace(' ', "-");
        let filter = match *kind {
            "tags" => "tag",
            "categories" => "category",
            _ => "author",
        };
        paths.push(format!("/api/v1/{kind}/{slug}"));
        paths.push(format!("/api/v1/posts?{filter}={slug}"));
        if *kind != "authors" {
            for feed in ["feed.xml", "atom.xml", "feed.json"] {
                paths.push(format!("/{kind}/{slug}/{feed}"));
            }
        }
    }
    let words = PUBLIC_WORDS.iter().map(|word| word.to_string()).chain(
        posts
            .iter()
            .filter(|post| post.hidden)
            .map(|post| post.slug.clone()),
    );
    for word in words {
        paths.push(format!("/api/v1/search?q={}", encode(&word)));
        paths.push(format!("/api/v1/posts?q={}", encode(&word)));
    }
    paths
}

/// What a public answer shows: status, body, `ETag`, `Last-Modified` and `Cache-Control`;
/// search and related answers with their scores and order, which the search index keeps free
/// of hidden posts (BM25 weighs a word by how many indexed posts carry it).
fn answer(app: &TestApp, path: &str) -> String {
    let response = app.get(path);
    format!(
        "{} etag={:?} last-modified={:?} cache-control={:?}\n{}",
        response.status,
        response.header("etag"),
        response.header("last-modified"),
        response.header("cache-control"),
        response.body,
    )
}

/// The content lines of `/metrics`, sorted (request counters differ with the requests made,
/// and the series of a family come in no fixed order).
fn content_metrics(app: &TestApp) -> BTreeSet<String> {
    app.get("/metrics")
        .body
        .lines()
        .filter(|line| line.starts_with("quire_posts") || line.starts_with("quire_content"))
        .map(String::from)
        .collect()
}

fn assert_no_marker(text: &str, what: &str) {
    assert!(
        !text.contains("zq"),
        "{what} shows a hidden post's marker:\n{text}"
    );
}

#[test]
fn a_site_with_hidden_posts_answers_every_public_request_like_the_same_site_without_them() {
    let published_at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_740_000_000);
    for seed in 1..=CASES {
        // Arrange: the site, and its twin with only the published posts.
        let posts = generate_site(seed);
        let site = empty_content_dir();
        let twin = empty_content_dir();
        for post in &posts {
            write_file(site.path(), &post.file, &post.text);
            if !post.hidden {
                write_file(twin.path(), &post.file, &post.text);
                set_mtime(&site.path().join(&post.file), published_at);
                set_mtime(&twin.path().join(&post.file), published_at);
            }
        }
        let (url, deliveries) = webhook_receiver(0);
        let mut settings = ServeSettings::for_content(site.path());
        settings.webhook_url = Some(url);
        settings.preview_token = Some(EDITOR_TOKEN.to_owned().into());
        settings.base_url = Some(BASE_URL.to_owned());
        let app = spawn_app_with(settings);
        let mut twin_settings = ServeSettings::for_content(twin.path());
        twin_settings.base_url = Some(BASE_URL.to_owned());
        let twin_app = spawn_app_with(twin_settings);
        let paths = public_paths(&posts);

        // Act and assert: every public answer is the twin's.
        let mut before = Vec::new();
        for path in &paths {
            let (ours, theirs) = (answer(&app, path), answer(&twin_app, path));
            assert_eq!(ours, theirs, "seed {seed}: GET {path}");
            // An answer about a hidden slug or marker may echo what was asked; the twin's
            // answer, which cannot know the post, is the check there.
            if !path.contains("zq") {
                assert_no_marker(&ours, path);
            }
            before.push(ours);
        }
        assert_eq!(
            content_metrics(&app),
            content_metrics(&twin_app),
            "seed {seed}"
        );

        // Saving every hidden post while serving changes no public answer and says nothing.
        let mut events = EventStream::open(&app);
        // Saved now, so newer than every published file (whose time is fixed in 2025): were
        // they counted, `Last-Modified` would move. A second later than the first writes, as
        // the polling watcher (used when inotify runs out) sees whole-second changes only.
        std::thread::sleep(Duration::from_millis(1100));
        for post in posts.iter().filter(|post| post.hidden) {
            let saved = post.text.replace("Secret", "Saved secret");
            write_file(site.path(), &post.file, saved);
        }
        let auth = format!("Bearer {EDITOR_TOKEN}");
        wait_for_within(
            "the saved hidden posts to be served to the editor",
            PATIENCE,
            || {
                posts
                    .iter()
                    .filter(|post| post.hidden)
                    .all(|post| {
                        let path = format!("/api/v1/posts/{}/markdown", post.slug);
                        let response = app.get_text_with(&path, &[("Authorization", &auth)]);
                        response.body.contains("Saved secret")
                    })
                    .then_some(())
            },
        );
        // Search answers `no-store` until its index has followed the reload (briefly).
        wait_for_within("the search index to follow the reload", PATIENCE, || {
            let response = app.get("/api/v1/search?q=alder");
            (response.header("cache-control") != Some("no-store")).then_some(())
        });
        for (path, earlier) in paths.iter().zip(&before) {
            assert_eq!(
                &answer(&app, path),
                earlier,
                "seed {seed}: GET {path} after saving drafts"
            );
        }
        assert_eq!(
            content_metrics(&app),
            content_metrics(&twin_app),
            "seed {seed}"
        );
        std::thread::sleep(Duration::from_millis(200));
        events.read_available();
        assert!(
            !events.seen.contains("event: reload"),
            "seed {seed}: hidden saves were announced: {}",
            events.seen
        );
        assert!(
            matches!(deliveries.try_recv(), Err(mpsc::TryRecvError::Empty)),
            "seed {seed}: hidden saves reached the webhook"
        );
    }
}
