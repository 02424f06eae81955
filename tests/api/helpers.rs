//! Starting Quire on a free port over some content, and talking HTTP to it.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use jiff::Timestamp;
use quire::clock::{Clock, FixedClock};
use quire::settings::ServeSettings;
use quire::startup::{Application, ApplicationBuilder};
use serde_json::Value;
use tempfile::TempDir;
use ureq::http::{HeaderMap, Method, Request};

/// The instant every test app believes is "now": after all fixture posts but the one from 2099.
pub const NOW: &str = "2026-01-01T00:00:00Z";

/// A running Quire and an HTTP client for it.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub address: String,
    agent: ureq::Agent,
    /// Stops the server when the test is done with it, which also stops its content watcher:
    /// each watcher holds one of the user's few inotify instances.
    server: quire::startup::StopHandle,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // `stop` sends the command at once; the returned future only waits for it to finish.
        drop(self.server.stop(false));
    }
}

/// A response with its body read as text.
#[derive(Debug)]
pub struct TestResponse {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: String,
}

impl TestResponse {
    /// A header's value as text, if present.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(name)
            .map(|value| value.to_str().expect("header values are ASCII"))
    }

    /// The `Content-Type` header, or "" when absent.
    pub fn content_type(&self) -> &str {
        self.header("content-type").unwrap_or_default()
    }

    /// The body parsed as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|err| panic!("body is not JSON ({err}): {}", self.body))
    }
}

/// Starts Quire over `content_dir` with the clock fixed at [`NOW`].
pub fn spawn_app(content_dir: impl Into<PathBuf>) -> TestApp {
    spawn_app_with(ServeSettings::for_content(content_dir))
}

/// Starts Quire with the given settings (bind them to port 0) and the clock fixed at [`NOW`].
pub fn spawn_app_with(settings: ServeSettings) -> TestApp {
    spawn_app_with_clock(settings, Arc::new(FixedClock(now())))
}

/// Starts Quire with the given settings and clock (a `ManualClock` lets a test move "now"),
/// and waits until its search index, built in the background, is ready.
pub fn spawn_app_with_clock(settings: ServeSettings, clock: Arc<dyn Clock>) -> TestApp {
    spawn_built(Application::builder(settings).clock(clock))
}

/// Starts the application `builder` describes (bind it to port 0; [`app_builder`] makes one
/// with the clock fixed at [`NOW`]) and waits until its search index is ready.
pub fn spawn_built(builder: ApplicationBuilder) -> TestApp {
    let app = start_app(builder);
    app.wait_for_search();
    app
}

/// A builder of Quire with `settings` and the clock fixed at [`NOW`], for a test that sets a
/// hook as well.
pub fn app_builder(settings: ServeSettings) -> ApplicationBuilder {
    Application::builder(settings).clock(Arc::new(FixedClock(now())))
}

/// Starts Quire over `content_dir` with the search index's background build held until the
/// returned barrier is waited on (which releases it), so a test sees search while it builds.
pub fn spawn_app_with_search_held(content_dir: impl Into<PathBuf>) -> (TestApp, Arc<Barrier>) {
    let hold = Arc::new(Barrier::new(2));
    let builder =
        app_builder(ServeSettings::for_content(content_dir)).hold_search(Arc::clone(&hold));
    (start_app(builder), hold)
}

/// Starts Quire and returns as soon as it listens, before the search index may be ready.
fn start_app(builder: ApplicationBuilder) -> TestApp {
    let (port_sender, port_receiver) = mpsc::channel();
    // The server future is not `Send`, so the app is built and run on its own thread, in its
    // own actix system; only the port comes back.
    thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let app = match builder.build() {
                Ok(app) => app,
                Err(err) => {
                    port_sender
                        .send(Err(err.to_string()))
                        .expect("the test is waiting for the port");
                    return;
                }
            };
            port_sender
                .send(Ok((app.port(), app.handle())))
                .expect("the test is waiting for the port");
            app.run_until_stopped().await.expect("the server runs");
        });
    });
    let (port, server) = port_receiver
        .recv()
        .expect("the server thread sends its port")
        .unwrap_or_else(|err| panic!("the app failed to start: {err}"));
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into();
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        agent,
        server,
    }
}

/// The preview token of [`spawn_editor_app`]: what an editor sends to see every problem.
pub const EDITOR_TOKEN: &str = "editor-token-0123456789";

/// Starts Quire over `content_dir` with preview on, its token [`EDITOR_TOKEN`].
pub fn spawn_editor_app(content_dir: impl Into<PathBuf>) -> TestApp {
    let mut settings = ServeSettings::for_content(content_dir);
    settings.preview_token = Some(EDITOR_TOKEN.to_owned().into());
    spawn_app_with(settings)
}

/// Starts Quire over the shared fixture site, in place.
pub fn spawn_fixture_app() -> TestApp {
    spawn_app(fixture_site())
}

/// [`NOW`] as an instant.
pub fn now() -> Timestamp {
    NOW.parse().expect("NOW is an RFC 3339 instant")
}

/// `tests/fixtures/site`, the sample content most tests are served.
pub fn fixture_site() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/site")
}

/// A fixture file's text.
pub fn fixture_text(name: &str) -> String {
    let path = fixture_site().join(name);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()))
}

/// A copy of the fixture site in a temporary folder, for tests that add files beside it.
pub fn copy_fixture_site() -> TempDir {
    let dir = TempDir::new().expect("a temporary folder can be made");
    for entry in std::fs::read_dir(fixture_site()).expect("the fixture site is readable") {
        let entry = entry.expect("a fixture entry is readable");
        std::fs::copy(entry.path(), dir.path().join(entry.file_name()))
            .expect("a fixture file can be copied");
    }
    dir
}

/// A 3x2 red PNG.
pub const RED_PNG: &[u8] = b"\x89\x50\x4e\x47\x0d\x0a\x1a\x0a\x00\x00\x00\x0d\x49\x48\x44\x52\x00\x00\x00\x03\x00\x00\x00\x02\x08\x02\x00\x00\x00\x12\x16\xf1\x4d\x00\x00\x00\x10\x49\x44\x41\x54\x78\xda\x63\xf8\xcf\xc0\x00\x41\x0c\x70\x16\x00\x41\xd2\x05\xfb\x6f\xf1\x16\xc7\x00\x00\x00\x00\x49\x45\x4e\x44\xae\x42\x60\x82";
/// A 5x4 PNG of another size in bytes than [`RED_PNG`].
pub const GRADIENT_PNG: &[u8] = b"\x89\x50\x4e\x47\x0d\x0a\x1a\x0a\x00\x00\x00\x0d\x49\x48\x44\x52\x00\x00\x00\x05\x00\x00\x00\x04\x08\x02\x00\x00\x00\xc9\x51\x62\x17\x00\x00\x00\x34\x49\x44\x41\x54\x78\xda\x0d\xc7\x41\x01\x00\x30\x0c\x02\x31\x34\xf5\x8d\x9c\x8a\x40\x49\x95\x20\xe2\x64\x6d\xf9\x45\x12\x23\x56\x9c\x40\x48\x66\xcc\x9a\x33\xf8\x3f\x4c\xd8\x70\x81\xfc\x97\x29\x5b\xae\x50\x1e\x52\x6d\x1e\x79\xe4\xce\x16\xd4\x00\x00\x00\x00\x49\x45\x4e\x44\xae\x42\x60\x82";

/// An empty temporary content folder.
pub fn empty_content_dir() -> TempDir {
    TempDir::new().expect("a temporary folder can be made")
}

/// Writes `bytes` to `relative` (folders are made as needed) inside `dir`.
pub fn write_file(dir: &Path, relative: &str, bytes: impl AsRef<[u8]>) {
    let path = dir.join(relative);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("folders can be made in the temporary folder");
    }
    std::fs::write(&path, bytes)
        .unwrap_or_else(|err| panic!("cannot write {}: {err}", path.display()));
}

/// A minimal valid post: front matter with `title` and `date`, then `body`.
pub fn simple_post(title: &str, date: &str, body: &str) -> String {
    format!("---\ntitle: \"{title}\"\ndate: {date}\n---\n\n{body}\n")
}

impl TestApp {
    /// Stops the server gracefully, as SIGTERM does, and waits until it has stopped.
    pub fn stop_gracefully(&self) {
        actix_web::rt::System::new().block_on(self.server.stop(true));
    }

    /// Sends a request with no body to `path` (which starts with `/` and may carry a query).
    pub fn request(&self, method: Method, path: &str) -> TestResponse {
        self.send(method, path, &[]).into_text()
    }

    pub fn get(&self, path: &str) -> TestResponse {
        self.request(Method::GET, path)
    }

    /// A GET with extra request headers, e.g. `Authorization`, its body read as text.
    pub fn get_text_with(&self, path: &str, headers: &[(&str, &str)]) -> TestResponse {
        self.get_with(path, headers).into_text()
    }

    /// The `host:port` the app listens on.
    pub fn host(&self) -> &str {
        self.address.trim_start_matches("http://")
    }

    pub fn head(&self, path: &str) -> TestResponse {
        self.request(Method::HEAD, path)
    }

    /// The status and JSON body of a GET.
    pub fn get_json(&self, path: &str) -> (u16, Value) {
        let response = self.get(path);
        (response.status, response.json())
    }

    /// The JSON body of a GET that must succeed.
    pub fn get_ok_json(&self, path: &str) -> Value {
        let response = self.get(path);
        assert_eq!(
            response.status, 200,
            "GET {path} should be 200; body: {}",
            response.body
        );
        response.json()
    }

    /// `/readyz`'s `search` field: `building`, `ready` or `failed`.
    pub fn search_readiness(&self) -> String {
        self.get_ok_json("/readyz")["search"]
            .as_str()
            .unwrap_or_else(|| panic!("/readyz has no `search` field"))
            .to_owned()
    }

    /// Waits (bounded) until `/readyz` says the search index is ready.
    pub fn wait_for_search(&self) {
        wait_for("the search index to be ready", || {
            (self.search_readiness() == "ready").then_some(())
        });
    }

    /// `/api/v1/problems` as an editor with [`EDITOR_TOKEN`] reads it: every problem, drafts'
    /// and broken files' included.
    pub fn all_problems(&self) -> Value {
        let response = self.get_text_with(
            "/api/v1/problems",
            &[("Authorization", &format!("Bearer {EDITOR_TOKEN}"))],
        );
        assert_eq!(response.status, 200, "problems: {}", response.body);
        response.json()
    }

    /// The slugs of a post list, in order.
    pub fn post_slugs(&self, path: &str) -> Vec<String> {
        slugs(&self.get_ok_json(path))
    }
}

/// The `slug` of each item of a `{"data": [...]}` body, in order.
pub fn slugs(body: &Value) -> Vec<String> {
    body["data"]
        .as_array()
        .unwrap_or_else(|| panic!("`data` is not a list: {body}"))
        .iter()
        .map(|item| {
            item["slug"]
                .as_str()
                .unwrap_or_else(|| panic!("an item has no slug: {item}"))
                .to_owned()
        })
        .collect()
}

/// Asserts an RFC 9457 problem response with `status`, returning its body.
pub fn assert_problem(response: &TestResponse, status: u16, what: &str) -> Value {
    assert_eq!(
        response.status, status,
        "{what}: status; body: {}",
        response.body
    );
    assert_eq!(
        response.content_type(),
        "application/problem+json",
        "{what}: content type"
    );
    let body = response.json();
    assert_eq!(body["status"], status, "{what}: `status` in the body");
    assert!(
        body["title"].is_string() && body["detail"].is_string(),
        "{what}: a problem has a title and a detail: {body}"
    );
    body
}

/// The targets of an RFC 8288 `Link` header by relation, e.g. `next` -> `/api/v1/posts?page=2`.
pub fn link_relations(header: &str) -> BTreeMap<String, String> {
    header
        .split(',')
        .map(|link| {
            let (target, params) = link
                .split_once(';')
                .unwrap_or_else(|| panic!("a link has no parameters: {link:?}"));
            let target = target
                .trim()
                .strip_prefix('<')
                .and_then(|t| t.strip_suffix('>'))
                .unwrap_or_else(|| panic!("a link target is not in <>: {link:?}"));
            let rel = params
                .trim()
                .strip_prefix("rel=")
                .unwrap_or_else(|| panic!("a link has no rel: {link:?}"))
                .trim_matches('"');
            (rel.to_owned(), target.to_owned())
        })
        .collect()
}

/// A response with its headers and its body as raw bytes (which may be compressed).
#[derive(Debug)]
pub struct RawResponse {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl RawResponse {
    /// A header's value as text, if present.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(name)
            .map(|value| value.to_str().expect("header values are ASCII"))
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8(self.body.clone()).expect("the body is UTF-8")
    }

    /// The response with its body read as text.
    pub fn into_text(self) -> TestResponse {
        TestResponse {
            status: self.status,
            body: String::from_utf8(self.body).expect("the body is UTF-8"),
            headers: self.headers,
        }
    }
}

impl TestApp {
    /// Sends a request with the given headers and no body; the body comes back as bytes.
    pub fn send(&self, method: Method, path: &str, headers: &[(&str, &str)]) -> RawResponse {
        let url = format!("{}{path}", self.address);
        let mut builder = Request::builder().method(method.clone()).uri(&url);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        let request = builder
            .body(())
            .unwrap_or_else(|err| panic!("{method} {url} is not a valid request: {err}"));
        let response = self
            .agent
            .run(request)
            .unwrap_or_else(|err| panic!("{method} {url} failed: {err}"));
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response
            .into_body()
            .with_config()
            .limit(20 * 1024 * 1024)
            .read_to_vec()
            .unwrap_or_else(|err| panic!("the body of {method} {url} cannot be read: {err}"));
        RawResponse {
            status,
            headers,
            body,
        }
    }

    /// A GET with the given headers.
    pub fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> RawResponse {
        self.send(Method::GET, path, headers)
    }
}

/// Polls `check` every 20 ms until it returns `Some`, for at most 5 seconds; for changes that
/// reach the API through the file watcher. Panics with `what` when time runs out.
pub fn wait_for<T>(what: &str, check: impl FnMut() -> Option<T>) -> T {
    wait_for_within(what, std::time::Duration::from_secs(5), check)
}

/// [`wait_for`] with another bound, for steps that follow a reload on another thread (the
/// search index), which a fully parallel debug-build test run can hold up for seconds.
pub fn wait_for_within<T>(
    what: &str,
    limit: std::time::Duration,
    mut check: impl FnMut() -> Option<T>,
) -> T {
    let deadline = std::time::Instant::now() + limit;
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "gave up after {limit:?} waiting for {what}"
        );
        thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// `tests/fixtures/search`, posts written for search and related-posts tests.
pub fn search_fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/search")
}

/// Percent-encodes a query value (spaces, quotes, `&`, `#` and everything not alphanumeric).
pub fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The `Content-Length` an HTTP message head announces; 0 when it announces none.
pub fn content_length(head: &str) -> usize {
    head.lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0)
}

/// Reads from `stream` until `needle` has been seen, or fails after 5 seconds.
pub fn read_until(stream: &mut TcpStream, seen: &mut String, needle: &str) {
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut buffer = [0u8; 4096];
    while !seen.contains(needle) {
        assert!(
            Instant::now() < deadline,
            "no {needle:?} in the stream: {seen}"
        );
        match stream.read(&mut buffer) {
            Ok(0) => panic!("the stream ended before {needle:?}: {seen}"),
            Ok(n) => seen.push_str(&String::from_utf8_lossy(&buffer[..n])),
            Err(err) if err.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(err) if err.kind() == std::io::ErrorKind::TimedOut => {}
            Err(err) => panic!("reading the stream failed: {err}"),
        }
    }
}

/// One request a webhook receiver got: its headers (names in lowercase) and body.
pub struct Delivery {
    pub headers: BTreeMap<String, String>,
    pub body: String,
}

impl Delivery {
    /// A header's value; panics naming the headers when it is missing.
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .map(String::as_str)
            .unwrap_or_else(|| panic!("the delivery has `{name}`: {:?}", self.headers))
    }

    /// The body parsed as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).expect("a webhook body is JSON")
    }
}

/// A webhook receiver on a free local port that answers 500 to its first `failures` requests
/// and 200 after, and hands every request, the refused ones included, to the test.
pub fn webhook_receiver(failures: usize) -> (String, mpsc::Receiver<Delivery>) {
    receive_webhooks(failures, Duration::ZERO)
}

/// A webhook receiver that takes `delay` to answer each request (200), one at a time, as a
/// busy or far-away receiver does.
pub fn slow_webhook_receiver(delay: Duration) -> (String, mpsc::Receiver<Delivery>) {
    receive_webhooks(0, delay)
}

fn receive_webhooks(failures: usize, delay: Duration) -> (String, mpsc::Receiver<Delivery>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a local port can be bound");
    let url = format!(
        "http://{}/hook",
        listener
            .local_addr()
            .expect("a bound listener has an address")
    );
    let (sender, deliveries) = mpsc::channel();
    thread::spawn(move || {
        for (index, connection) in listener.incoming().enumerate() {
            let Ok(mut connection) = connection else {
                continue;
            };
            let mut raw = Vec::new();
            let mut buffer = [0u8; 4096];
            let request = loop {
                let n = connection.read(&mut buffer).unwrap_or(0);
                if n == 0 {
                    break None;
                }
                raw.extend_from_slice(&buffer[..n]);
                let text = String::from_utf8_lossy(&raw).into_owned();
                if let Some((head, body)) = text.split_once("\r\n\r\n")
                    && body.len() >= content_length(head)
                {
                    break Some((head.to_owned(), body.to_owned()));
                }
            };
            thread::sleep(delay);
            let status = if index < failures {
                "500 Internal Server Error"
            } else {
                "200 OK"
            };
            let _ = write!(
                connection,
                "HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
            let Some((head, body)) = request else {
                continue;
            };
            let headers = head
                .lines()
                .skip(1)
                .filter_map(|line| {
                    let (name, value) = line.split_once(':')?;
                    Some((name.trim().to_ascii_lowercase(), value.trim().to_owned()))
                })
                .collect();
            if sender.send(Delivery { headers, body }).is_err() {
                break;
            }
        }
    });
    (url, deliveries)
}

/// An open `/api/v1/events` stream and everything read from it so far.
pub struct EventStream {
    stream: TcpStream,
    /// The stream's text so far.
    pub seen: String,
}

impl EventStream {
    /// Subscribes and waits for the opening comment.
    pub fn open(app: &TestApp) -> EventStream {
        let mut stream = TcpStream::connect(app.host()).expect("the server accepts connections");
        stream
            .set_read_timeout(Some(Duration::from_millis(100)))
            .expect("a read timeout can be set");
        write!(
            stream,
            "GET /api/v1/events HTTP/1.1\r\nHost: {}\r\nAccept: text/event-stream\r\n\r\n",
            app.host()
        )
        .expect("the request can be sent");
        let mut events = EventStream {
            stream,
            seen: String::new(),
        };
        events.wait_for(": connected");
        events
    }

    /// Reads until `needle` has been seen.
    pub fn wait_for(&mut self, needle: &str) {
        read_until(&mut self.stream, &mut self.seen, needle);
    }

    /// Reads whatever the stream has sent, without waiting for more.
    pub fn read_available(&mut self) {
        let mut buffer = [0u8; 4096];
        while let Ok(n) = self.stream.read(&mut buffer) {
            if n == 0 {
                break;
            }
            self.seen.push_str(&String::from_utf8_lossy(&buffer[..n]));
        }
    }

    /// Reads until the server closes the stream, or fails after 5 seconds.
    pub fn wait_for_end(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut buffer = [0u8; 4096];
        loop {
            assert!(
                Instant::now() < deadline,
                "the stream is still open: {}",
                self.seen
            );
            match self.stream.read(&mut buffer) {
                Ok(0) => return,
                Ok(n) => self.seen.push_str(&String::from_utf8_lossy(&buffer[..n])),
                Err(err)
                    if matches!(
                        err.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) => {}
                Err(err) => panic!("reading the stream failed: {err}; read: {}", self.seen),
            }
        }
    }

    /// The `data` of every `reload` event read so far, parsed.
    pub fn reports(&self) -> Vec<Value> {
        self.seen
            .split("\n\n")
            .filter(|event| event.contains("event: reload"))
            .filter_map(|event| event.lines().find_map(|line| line.strip_prefix("data: ")))
            .map(|data| serde_json::from_str(data).expect("event data is JSON"))
            .collect()
    }
}

/// The title `GET /api/v1/posts/{slug}` serves, or `None` while it is 404.
pub fn title_of(app: &TestApp, slug: &str) -> Option<String> {
    let response = app.get(&format!("/api/v1/posts/{slug}"));
    match response.status {
        200 => Some(response.json()["title"].as_str()?.to_owned()),
        404 => None,
        other => panic!(
            "GET /api/v1/posts/{slug} answered {other}: {}",
            response.body
        ),
    }
}

/// Waits until `slug` is served with `title`.
pub fn wait_for_title(app: &TestApp, slug: &str, title: &str) {
    wait_for(&format!("`{slug}` to be titled {title:?}"), || {
        (title_of(app, slug).as_deref() == Some(title)).then_some(())
    });
}

/// Waits until `slug` answers 404.
pub fn wait_for_gone(app: &TestApp, slug: &str) {
    wait_for(&format!("`{slug}` to be gone"), || {
        title_of(app, slug).is_none().then_some(())
    });
}
