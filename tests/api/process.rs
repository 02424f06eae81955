//! The `quire` binary as a process of its own: the access log line of each request, the
//! graceful stop on SIGTERM, which ends open event streams cleanly rather than waiting on
//! them, and a debug log that prints no post's text.

use std::ffi::OsStr;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use crate::helpers::{content_length, empty_content_dir, fixture_site, read_until, write_file};
use crate::spawned::{PATIENCE, Process};

impl Process {
    /// Starts the binary over the fixture site and waits until it says where it listens.
    fn start() -> Process {
        Process::start_with(&fixture_site(), "info")
    }

    /// Starts the binary over `content` with `RUST_LOG` set to `rust_log`, and waits until it
    /// says where it listens.
    fn start_with(content: &Path, rust_log: &str) -> Process {
        Process::start_with_args(content, rust_log, &[])
    }

    /// [`Process::start_with`] with more arguments to `quire serve`.
    fn start_with_args(content: &Path, rust_log: &str, more: &[&OsStr]) -> Process {
        Process::start_command(
            Command::new(env!("CARGO_BIN_EXE_quire")),
            content,
            rust_log,
            more,
        )
    }

    /// Starts the binary over `content` allowed only `files` open file descriptors
    /// (`ulimit -n`), logging at info.
    fn start_with_file_limit(content: &Path, files: u32) -> Process {
        let mut shell = Command::new("sh");
        shell.args([
            "-c",
            &format!("ulimit -n {files} && exec \"$0\" \"$@\""),
            env!("CARGO_BIN_EXE_quire"),
        ]);
        Process::start_command(shell, content, "info", &[])
    }

    /// Runs `command` (the binary, or what execs it) with `serve` over `content`.
    fn start_command(
        mut command: Command,
        content: &Path,
        rust_log: &str,
        more: &[&OsStr],
    ) -> Process {
        command
            .args(["serve", "--bind", "127.0.0.1:0", "--no-watch", "--content"])
            .arg(content)
            .args(more)
            .env("RUST_LOG", rust_log);
        Process::spawn(command)
    }
}

/// Sends `request` on `stream` and reads one response: its head, then a body of the
/// `Content-Length` it announces.
fn exchange(stream: &mut TcpStream, request: &str) -> String {
    stream
        .write_all(request.as_bytes())
        .expect("the request is sent");
    read_response(stream)
}

fn read_response(stream: &mut TcpStream) -> String {
    let mut data = Vec::new();
    let mut byte = [0u8; 1];
    while !data.ends_with(b"\r\n\r\n") {
        stream
            .read_exact(&mut byte)
            .expect("the response head arrives");
        data.push(byte[0]);
    }
    let head = String::from_utf8(data).expect("the head is text");
    let mut body = vec![0u8; content_length(&head)];
    stream.read_exact(&mut body).expect("the body arrives");
    head + &String::from_utf8_lossy(&body)
}

fn connect(address: &str) -> TcpStream {
    let stream = TcpStream::connect(address).expect("quire accepts a connection");
    stream
        .set_read_timeout(Some(PATIENCE))
        .expect("a read timeout can be set");
    stream
}

#[test]
fn each_request_is_logged_with_its_line_status_size_and_request_id() {
    let process = Process::start_with_args(&fixture_site(), "info", &[OsStr::new("--access-log")]);
    let mut stream = connect(&process.address);
    // The second answer comes from the response cache, past the routing: logged all the same.
    for id in ["trace-1", "trace-2"] {
        let response = exchange(
            &mut stream,
            &format!("GET /api/v1/posts?limit=1 HTTP/1.1\r\nHost: x\r\nX-Request-Id: {id}\r\n\r\n"),
        );
        assert!(response.starts_with("HTTP/1.1 200"), "{response}");
        let line = process.wait_for_line(|line| line.contains("quire::access"));
        assert!(
            line.contains(r#" "GET /api/v1/posts?limit=1 HTTP/1.1" 200 "#),
            "{line}"
        );
        assert!(line.ends_with(&format!("ms id={id}")), "{line}");
    }
    exchange(&mut stream, "GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n");
    let line = process.wait_for_line(|line| line.contains("quire::access"));
    assert!(line.contains(r#""GET /nowhere HTTP/1.1" 404 "#), "{line}");
    let id = line.rsplit("id=").next().unwrap_or_default();
    assert!(
        id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()),
        "a made id: {line}"
    );
}

/// Sends `count` requests on one connection, each answered before the next is sent.
fn burst(address: &str, count: usize) {
    let mut stream = connect(address);
    for n in 0..count {
        let response = exchange(
            &mut stream,
            &format!(
                "GET /api/v1/posts?limit={} HTTP/1.1\r\nHost: x\r\n\r\n",
                1 + n % 10
            ),
        );
        assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    }
}

#[test]
fn a_burst_of_requests_writes_no_access_lines_by_default_and_one_each_with_access_log() {
    let access_lines = |logged: &[String]| {
        logged
            .iter()
            .filter(|line| line.contains("quire::access"))
            .count()
    };
    let cases: [(&str, &[&OsStr], usize); 3] = [
        // The default filter, as an operator runs it.
        ("info", &[], 0),
        ("info", &[OsStr::new("--access-log")], 40),
        ("info,quire::access=info", &[], 40),
    ];
    for (rust_log, args, expected) in cases {
        // Arrange
        let process = Process::start_with_args(&fixture_site(), rust_log, args);

        // Act
        burst(&process.address, 40);
        let logged = process.stop_and_read_log();

        // Assert
        assert_eq!(
            access_lines(&logged),
            expected,
            "with {args:?}: {logged:#?}"
        );
    }
}

#[test]
fn with_few_file_descriptors_streams_are_capped_lower_and_healthz_still_answers() {
    // Arrange: 256 descriptors leave room for 192 connections, so at most 96 streams.
    let process = Process::start_with_file_limit(&fixture_site(), 256);
    let warning = process.logged_or_next(|line| line.contains("--max-event-streams"));
    assert!(
        warning.contains("lowered to 96") && warning.contains("limit (ulimit -n) is 256"),
        "{warning}"
    );

    // Act: more clients ask for a stream than there are descriptors.
    let mut held = Vec::new();
    let mut refused = 0;
    for _ in 0..300 {
        let mut stream = connect(&process.address);
        stream
            .write_all(b"GET /api/v1/events HTTP/1.1\r\nHost: x\r\n\r\n")
            .expect("the request is sent");
        let mut head = String::new();
        read_until(&mut stream, &mut head, "\r\n\r\n");
        match head.split(' ').nth(1) {
            Some("200") => held.push(stream),
            Some("503") => refused += 1,
            _ => panic!("{head}"),
        }
    }
    let health = exchange(
        &mut connect(&process.address),
        "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
    );

    // Assert
    assert_eq!((held.len(), refused), (96, 204));
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
}

#[test]
fn sigterm_ends_an_open_event_stream_cleanly_then_exits_promptly() {
    let mut process = Process::start();
    // An event stream is a response that is never done on its own.
    let mut events = connect(&process.address);
    events
        .write_all(b"GET /api/v1/events HTTP/1.1\r\nHost: x\r\n\r\n")
        .expect("the request is sent");
    let mut seen = String::new();
    read_until(&mut events, &mut seen, "connected at generation");

    let started = Instant::now();
    let pid = process.child.id().to_string();
    let sent = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill runs");
    assert!(sent.success());

    // The stream says why it ends and ends its chunked body properly: it is not cut...
    read_until(&mut events, &mut seen, "0\r\n\r\n");
    assert!(seen.contains(": the server is stopping"), "{seen}");
    // ...and the graceful stop does not wait the 10 s shutdown timeout for it.
    let status = process.wait_for_exit();
    assert!(status.success(), "{status}");
    let took = started.elapsed();
    assert!(took < Duration::from_secs(5), "the stop took {took:?}");
}

#[test]
fn debug_logging_prints_no_text_of_a_post() {
    // Raw HTML goes through the sanitizer's HTML parser, which logs what it reads at debug.
    let dir = empty_content_dir();
    write_file(
        dir.path(),
        "draft.md",
        "---\ntitle: Zephyr title\ndate: 2025-01-01\ndraft: true\n---\n\
         Zephyr <b>zephyrbold</b> text.\n\n<div class=\"x\">zephyrdiv <img src=\"a.png\"></div>\n",
    );

    let process = Process::start_with(dir.path(), "debug");
    // The posts are parsed before Quire serves; the search index is built after, maybe.
    let indexed = |line: &str| line.contains("search index of");
    if !process.logged.borrow().iter().any(|line| indexed(line)) {
        process.wait_for_line(indexed);
    }

    let logged = process.logged.borrow();
    assert!(
        logged.iter().any(|line| line.contains(" DEBUG ")),
        "debug logging is on: {logged:#?}"
    );
    let leaks: Vec<&String> = logged
        .iter()
        .filter(|line| line.to_lowercase().contains("zephyr"))
        .collect();
    assert!(leaks.is_empty(), "post text in the log: {leaks:#?}");
}

#[test]
fn quire_check_counts_in_the_singular_when_there_is_one() {
    let content = crate::helpers::empty_content_dir();
    crate::helpers::write_file(
        content.path(),
        "fine.md",
        crate::helpers::simple_post("Fine", "2025-01-02", "Text."),
    );
    crate::helpers::write_file(
        content.path(),
        "broken.md",
        "---\ntitle: [unclosed\ndate: 2025-01-02\n---\nText.\n",
    );

    let output = Command::new(env!("CARGO_BIN_EXE_quire"))
        .arg("check")
        .arg(content.path())
        .output()
        .expect("quire check runs");

    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(!output.status.success(), "an error fails the check");
    assert_eq!(
        stdout.lines().last(),
        Some("1 post loaded, 1 error, 0 warnings"),
        "{stdout}"
    );
}

#[test]
fn a_kept_index_adds_a_post_gone_live_and_drops_one_expired_between_two_runs() {
    // Arrange: in a few seconds one post goes live and another expires.
    let content = empty_content_dir();
    let index_dir = empty_content_dir();
    // Far enough ahead that the first run, slowed by a busy machine, is over before it.
    let switch = jiff::Timestamp::now().as_second() + 12;
    let switch = jiff::Timestamp::from_second(switch).expect("a near instant");
    write_file(
        content.path(),
        "steady.md",
        "---\ntitle: Steady\ndate: 2025-01-01\n---\nA river.\n",
    );
    write_file(
        content.path(),
        "soon.md",
        format!("---\ntitle: Soon\ndate: {switch}\n---\nA zeppelin over the river.\n"),
    );
    write_file(
        content.path(),
        "fading.md",
        format!(
            "---\ntitle: Fading\ndate: 2025-01-01\nexpires: {switch}\n---\nA dirigible by the river.\n"
        ),
    );
    let args = [OsStr::new("--index-dir"), index_dir.path().as_os_str()];
    let kept = |line: &str| line.contains("search index in");
    let ready = |line: &str| line.contains("search index of");

    let mut first = Process::start_with_args(content.path(), "info", &args);
    assert!(first.logged_or_next(kept).contains("built afresh"));
    first.logged_or_next(ready);
    // A served request shows the server is running, with its SIGTERM handler in place: the
    // index can be ready before that on so small a site.
    let answer = exchange(
        &mut connect(&first.address),
        "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
    );
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    first.stop();
    let wait = switch.duration_since(jiff::Timestamp::now()) + jiff::SignedDuration::from_secs(1);
    thread::sleep(Duration::try_from(wait).unwrap_or_default());

    // Act
    let second = Process::start_with_args(content.path(), "info", &args);

    // Assert
    let line = second.logged_or_next(kept);
    assert!(
        line.contains("1 posts unchanged, 1 indexed again, 1 removed"),
        "{line}"
    );
    second.logged_or_next(ready);
    let mut stream = connect(&second.address);
    for (word, found) in [("zeppelin", "\"soon\""), ("dirigible", "\"data\":[]")] {
        let response = exchange(
            &mut stream,
            &format!("GET /api/v1/search?q={word} HTTP/1.1\r\nHost: x\r\n\r\n"),
        );
        assert!(response.contains(found), "{word}: {response}");
    }
}

#[test]
fn quire_check_and_openapi_stop_quietly_when_their_reader_stops_early() {
    // Arrange: enough problems that the report outgrows a pipe's buffer.
    let dir = empty_content_dir();
    for n in 0..2_000 {
        write_file(
            dir.path(),
            &format!("p{n}.md"),
            "---\ntitle: T\ndate: not a date\n---\nBody.\n",
        );
    }
    for args in [
        vec![OsStr::new("check"), dir.path().as_os_str()],
        vec![OsStr::new("openapi")],
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_quire"))
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("quire starts");

        // Act: `| head -c 1` reads a byte and goes away.
        let mut stdout = child.stdout.take().expect("stdout is piped");
        let mut first = [0u8; 1];
        stdout.read_exact(&mut first).expect("quire writes");
        drop(stdout);
        let output = child.wait_with_output().expect("quire ends");

        // Assert
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            !stderr.contains("panicked") && !stderr.contains("Broken pipe"),
            "with {args:?}: {stderr}"
        );
        assert_ne!(output.status.code(), Some(101), "with {args:?}: {stderr}");
    }
}
