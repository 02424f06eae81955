//! Reload latency: with 10,000 generated posts served by the release binary, rewrite one post's
//! title 30 times and time each write until `GET /api/v1/posts/{slug}` shows the new title
//! (polled every millisecond, at most 5 s each), then report the median and p90 and whether
//! `/api/v1/meta` says the last reload parsed one file.
//!
//! Run with `cargo bench --bench reload`; `QUIRE_RELOAD_POSTS` changes the corpus size.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;

#[path = "support/corpus.rs"]
mod corpus;
use corpus::{CorpusOptions, write_corpus};

/// How many times the title is rewritten.
const ROUNDS: usize = 30;

/// How long one change may take to show before the benchmark gives up.
const PATIENCE: Duration = Duration::from_secs(5);

/// How often the API is asked whether the change shows.
const POLL_EVERY: Duration = Duration::from_millis(1);

/// Kills the server when the benchmark ends, however it ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn main() -> ExitCode {
    // `cargo bench` passes `--bench`; this benchmark takes no arguments.
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("reload benchmark failed: {err}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let posts: usize = std::env::var("QUIRE_RELOAD_POSTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(10_000);
    let folder = tempfile::tempdir()?;
    let bytes = write_corpus(folder.path(), CorpusOptions { posts, seed: 42 })?;
    println!(
        "reload benchmark: {posts} posts ({:.1} MB) in {}",
        bytes as f64 / 1e6,
        folder.path().display()
    );

    let started = Instant::now();
    let (server, address) = start_server(folder.path())?;
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let base = format!("http://{address}");
    wait_until(PATIENCE * 12, || {
        get(&agent, &format!("{base}/healthz")).is_some_and(|(status, _)| status == 200)
    })
    .ok_or("the server did not answer /healthz within 60 s")?;
    println!("server ready in {} ms", started.elapsed().as_millis());

    let (file, slug) = first_post(folder.path())?;
    let original = std::fs::read_to_string(&file)?;
    let post_url = format!("{base}/api/v1/posts/{slug}");
    let mut latencies = Vec::with_capacity(ROUNDS);
    for round in 0..ROUNDS {
        let title = format!("Reload probe {round} of {ROUNDS}");
        std::fs::write(&file, with_title(&original, &title))?;
        let written = Instant::now();
        let seen = wait_until(PATIENCE, || {
            get(&agent, &post_url).is_some_and(|(status, body)| {
                status == 200 && body["title"].as_str() == Some(title.as_str())
            })
        });
        match seen {
            Some(()) => latencies.push(written.elapsed()),
            None => {
                println!(
                    "round {}: no reload observed within {} s (is hot reload built?)",
                    round + 1,
                    PATIENCE.as_secs()
                );
                break;
            }
        }
    }
    let meta = get(&agent, &format!("{base}/api/v1/meta")).map(|(_, body)| body);
    drop(server);

    if latencies.is_empty() {
        println!("result: no reload observed within 5 s; no latency to report");
        report_last_reload(meta.as_ref());
        return Ok(());
    }
    latencies.sort();
    let percentile = |p: usize| latencies[(latencies.len() * p / 100).min(latencies.len() - 1)];
    println!(
        "result: {} of {ROUNDS} rewrites seen; median {:.1} ms, p90 {:.1} ms, max {:.1} ms (target: median under 100 ms)",
        latencies.len(),
        millis(latencies[latencies.len() / 2]),
        millis(percentile(90)),
        millis(latencies[latencies.len() - 1]),
    );
    report_last_reload(meta.as_ref());
    Ok(())
}

/// Starts the release binary on a free port; returns it and the address it logged.
fn start_server(content: &Path) -> Result<(Server, String), Box<dyn std::error::Error>> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_quire"))
        .args(["serve", "--bind", "127.0.0.1:0", "--content"])
        .arg(content)
        .env(
            "RUST_LOG",
            "info,quire::reload=debug,actix_web::middleware::logger=warn",
        )
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()?;
    let stderr = child.stderr.take().ok_or("no stderr from the server")?;
    let server = Server(child);
    let (sender, receiver) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(rest) = line.split("serving on http://").nth(1) {
                let address = rest.split_whitespace().next().unwrap_or_default();
                let _ = sender.send(address.to_owned());
            }
            if line.contains("reload") {
                println!("  server: {line}");
            }
        }
    });
    let address = receiver
        .recv_timeout(Duration::from_secs(120))
        .map_err(|_| "the server did not log its address within 120 s")?;
    Ok((server, address))
}

/// The first post file in name order and the slug it is served under (its file stem).
fn first_post(folder: &Path) -> Result<(std::path::PathBuf, String), Box<dyn std::error::Error>> {
    let mut names: Vec<String> = std::fs::read_dir(folder)?
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| name.ends_with(".md"))
        .collect();
    names.sort();
    let name = names.first().ok_or("the corpus is empty")?;
    let slug = name.trim_end_matches(".md").to_owned();
    Ok((folder.join(name), slug))
}

/// The post's text with its `title:` line replaced.
fn with_title(text: &str, title: &str) -> String {
    text.lines()
        .map(|line| {
            if line.starts_with("title:") {
                format!("title: \"{title}\"\n")
            } else {
                format!("{line}\n")
            }
        })
        .collect()
}

fn get(agent: &ureq::Agent, url: &str) -> Option<(u16, Value)> {
    let response = agent.get(url).call().ok()?;
    let status = response.status().as_u16();
    let body = response
        .into_body()
        .with_config()
        .limit(16 * 1024 * 1024)
        .read_json::<Value>()
        .unwrap_or(Value::Null);
    Some((status, body))
}

/// Calls `check` every millisecond until it holds or `limit` has passed.
fn wait_until(limit: Duration, mut check: impl FnMut() -> bool) -> Option<()> {
    let deadline = Instant::now() + limit;
    loop {
        if check() {
            return Some(());
        }
        if Instant::now() >= deadline {
            return None;
        }
        thread::sleep(POLL_EVERY);
    }
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// Prints what `/api/v1/meta` said about the last reload, checking that it parsed one file.
fn report_last_reload(meta: Option<&Value>) {
    let files_parsed = meta.and_then(|meta| meta.pointer("/lastReload/filesParsed"));
    match files_parsed {
        None => println!("/api/v1/meta has no lastReload.filesParsed field: not checked"),
        Some(count) if count.as_u64() == Some(1) => {
            println!("lastReload.filesParsed = 1: only the changed file was re-parsed (met)")
        }
        Some(count) => println!(
            "lastReload.filesParsed = {count}: expected 1, so more than the changed file was re-parsed (NOT met)"
        ),
    }
}
