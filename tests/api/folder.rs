//! The content folder itself: named pipes, links in and out of the folder, unreadable
//! subfolders and oversized files never hang, blind or flood Quire; each is refused with a
//! problem naming it, and the rest is served, at start-up, on reload and by `quire check`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use quire::settings::ServeSettings;
use serde_json::Value;

use crate::helpers::{
    EDITOR_TOKEN, TestApp, empty_content_dir, simple_post, spawn_app_with, wait_for, write_file,
};
use crate::spawned::Process;

/// How long start-up or `quire check` may take before the test calls it hung: far more than
/// a few small files need, even in a loaded debug build.
const PATIENCE: Duration = Duration::from_secs(20);

/// Starts Quire with preview on (so every problem can be read), failing the test instead of
/// hanging when start-up does not finish in time.
fn start_within_patience(settings: ServeSettings) -> TestApp {
    let (sender, receiver) = mpsc::channel();
    let settings = ServeSettings {
        preview_token: Some(EDITOR_TOKEN.to_owned().into()),
        ..settings
    };
    thread::spawn(move || {
        let _ = sender.send(spawn_app_with(settings));
    });
    receiver
        .recv_timeout(PATIENCE)
        .unwrap_or_else(|_| panic!("start-up did not finish within {PATIENCE:?}: it hangs"))
}

fn start_editor_app(dir: &Path) -> TestApp {
    start_within_patience(ServeSettings::for_content(dir))
}

/// Runs `command` to its end, killing it and failing the test if it takes longer than
/// [`PATIENCE`].
fn run_within_patience(mut command: Command) -> Output {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the command starts");
    let deadline = Instant::now() + PATIENCE;
    while child
        .try_wait()
        .expect("the child can be waited on")
        .is_none()
    {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{command:?} did not finish within {PATIENCE:?}: it hangs");
        }
        thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("the output can be read")
}

/// `quire check DIR` with more arguments, run to its end: its exit success and its stdout.
fn quire_check(dir: &Path, more: &[&str]) -> (bool, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_quire"));
    command.arg("check").arg(dir).args(more);
    let output = run_within_patience(command);
    (
        output.status.success(),
        String::from_utf8(output.stdout).expect("check prints UTF-8"),
    )
}

/// The problems `/api/v1/problems` lists for `path`, as an editor reads them.
fn problems_of(app: &TestApp, path: &str) -> Vec<Value> {
    problems_for(&app.all_problems(), path)
}

fn problems_for(body: &Value, path: &str) -> Vec<Value> {
    body["data"]
        .as_array()
        .unwrap_or_else(|| panic!("problems are a list: {body}"))
        .iter()
        .filter(|problem| problem["path"] == path)
        .cloned()
        .collect()
}

/// The one problem listed for `path`, checked to be on line 1 with `severity`; its message.
fn only_problem(body: &Value, path: &str, severity: &str) -> String {
    let problems = problems_for(body, path);
    assert_eq!(problems.len(), 1, "one problem for {path}: {body}");
    let problem = &problems[0];
    assert_eq!(problem["line"], 1, "{problem}");
    assert_eq!(problem["severity"], severity, "{problem}");
    problem["message"]
        .as_str()
        .unwrap_or_else(|| panic!("a message: {problem}"))
        .to_owned()
}

/// The paths `/api/v1/problems` names, in its order.
fn problem_paths(app: &TestApp) -> Vec<String> {
    app.all_problems()["data"]
        .as_array()
        .expect("problems are a list")
        .iter()
        .map(|problem| problem["path"].as_str().expect("a path").to_owned())
        .collect()
}

/// Every slug `/api/v1/posts` lists, sorted, drafts aside.
fn served_slugs(app: &TestApp) -> Vec<String> {
    let mut slugs = app.post_slugs("/api/v1/posts?limit=100");
    slugs.sort();
    slugs
}

fn post(title: &str) -> String {
    simple_post(title, "2025-01-01", &format!("The body of {title}."))
}

#[cfg(unix)]
fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs");
    assert!(status.success(), "mkfifo {}", path.display());
}

#[cfg(unix)]
fn symlink(target: impl AsRef<Path>, link: &Path) {
    std::os::unix::fs::symlink(target.as_ref(), link).unwrap_or_else(|err| {
        panic!(
            "cannot link {} to {}: {err}",
            link.display(),
            target.as_ref().display()
        )
    });
}

#[cfg(unix)]
#[test]
fn a_named_pipe_named_like_a_post_does_not_hang_start_up_and_is_named_as_a_problem() {
    let dir = empty_content_dir();
    write_file(dir.path(), "a.md", post("A"));
    mkfifo(&dir.path().join("x.md"));

    let app = start_editor_app(dir.path());

    assert_eq!(served_slugs(&app), ["a"]);
    let message = only_problem(&app.all_problems(), "x.md", "error");
    assert_eq!(
        message,
        "x.md is a named pipe (FIFO), not a regular file; it is not read"
    );
}

#[cfg(unix)]
#[test]
fn quire_check_finishes_on_a_folder_with_a_named_pipe_and_prints_the_problem() {
    let dir = empty_content_dir();
    write_file(dir.path(), "a.md", post("A"));
    mkfifo(&dir.path().join("x.md"));

    let (success, stdout) = quire_check(dir.path(), &[]);

    assert!(!success, "a refused file is an error: {stdout}");
    assert!(
        stdout.contains(
            "x.md:1: error: x.md is a named pipe (FIFO), not a regular file; it is not read\n"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("1 post loaded, 1 error"), "{stdout}");
}

#[cfg(unix)]
#[test]
fn a_named_pipe_created_while_serving_does_not_stop_later_changes_from_being_served() {
    let dir = empty_content_dir();
    write_file(dir.path(), "a.md", post("A"));
    let app = start_editor_app(dir.path());

    mkfifo(&dir.path().join("x.md"));
    wait_for("a problem naming x.md", || {
        (!problems_of(&app, "x.md").is_empty()).then_some(())
    });
    write_file(dir.path(), "b.md", post("B"));
    write_file(dir.path(), "a.md", post("A again"));

    wait_for("b.md to be served", || {
        (served_slugs(&app) == ["a", "b"]).then_some(())
    });
    wait_for("a.md's edit to be served", || {
        (app.get_ok_json("/api/v1/posts/a")["title"] == "A again").then_some(())
    });
    std::fs::remove_file(dir.path().join("x.md")).expect("the pipe can be removed");
    wait_for("the pipe's problem to clear", || {
        problems_of(&app, "x.md").is_empty().then_some(())
    });
}

/// A folder outside the content folder holding a post file and a folder of posts.
#[cfg(unix)]
fn outside_folder() -> (tempfile::TempDir, PathBuf) {
    let outside = empty_content_dir();
    write_file(outside.path(), "secret.md", post("Secret"));
    write_file(outside.path(), "posts/private.md", post("Private"));
    let canonical = outside
        .path()
        .canonicalize()
        .expect("the folder has a canonical path");
    (outside, canonical)
}

#[cfg(unix)]
#[test]
fn links_to_files_and_folders_outside_the_content_folder_are_refused_with_their_target() {
    let (outside, canonical) = outside_folder();
    let dir = empty_content_dir();
    write_file(dir.path(), "a.md", post("A"));
    symlink(
        outside.path().join("secret.md"),
        &dir.path().join("notes.md"),
    );
    symlink(outside.path().join("posts"), &dir.path().join("more"));

    let app = start_editor_app(dir.path());

    assert_eq!(served_slugs(&app), ["a"]);
    let problems = app.all_problems();
    assert_eq!(
        only_problem(&problems, "notes.md", "error"),
        format!(
            "notes.md is a link to {}, a file outside the content folder; it is not read",
            canonical.join("secret.md").display()
        )
    );
    assert_eq!(
        only_problem(&problems, "more", "error"),
        format!(
            "more is a link to {}, a folder outside the content folder; it is not read",
            canonical.join("posts").display()
        )
    );
}

#[cfg(unix)]
#[test]
fn a_link_out_of_the_folder_made_while_serving_is_refused_on_reload() {
    let (outside, canonical) = outside_folder();
    let dir = empty_content_dir();
    write_file(dir.path(), "a.md", post("A"));
    let app = start_editor_app(dir.path());

    symlink(
        outside.path().join("secret.md"),
        &dir.path().join("notes.md"),
    );
    symlink(outside.path().join("posts"), &dir.path().join("more"));
    write_file(dir.path(), "b.md", post("B"));

    wait_for("b.md to be served", || {
        (served_slugs(&app) == ["a", "b"]).then_some(())
    });
    wait_for("both links to be named as problems", || {
        (problem_paths(&app) == ["more", "notes.md"]).then_some(())
    });
    let message = only_problem(&app.all_problems(), "notes.md", "error");
    assert!(
        message.contains(&canonical.join("secret.md").display().to_string()),
        "{message}"
    );
    // An edit through the link, which a watcher following links may report, is not read.
    write_file(outside.path(), "secret.md", post("Secret edited"));
    write_file(dir.path(), "c.md", post("C"));
    wait_for("c.md to be served", || {
        (served_slugs(&app) == ["a", "b", "c"]).then_some(())
    });
}

#[cfg(unix)]
#[test]
fn a_link_back_into_the_folder_reads_each_post_once_and_is_named() {
    let dir = empty_content_dir();
    write_file(dir.path(), "a.md", post("A"));
    write_file(dir.path(), "sub/b.md", post("B"));
    symlink(".", &dir.path().join("loop"));
    symlink("..", &dir.path().join("sub/up"));

    let app = start_editor_app(dir.path());

    assert_eq!(served_slugs(&app), ["a", "b"]);
    assert_eq!(
        problem_paths(&app),
        ["loop", "sub/up"],
        "no post is read twice, so no two posts claim one address"
    );
    let problems = app.all_problems();
    assert_eq!(
        only_problem(&problems, "loop", "warning"),
        "loop is a link to a folder already read (.); it is not read again"
    );
    let (_, stdout) = quire_check(dir.path(), &[]);
    assert!(
        stdout.contains("2 posts loaded, 0 errors, 2 warnings"),
        "{stdout}"
    );
}

#[cfg(unix)]
#[test]
fn links_inside_the_content_folder_keep_working() {
    let site = empty_content_dir();
    let dir = site.path().join("releases/42");
    write_file(&dir, "texts/welcome.txt", post("Welcome"));
    write_file(&dir, ".library/guides/setup.md", post("Setup"));
    write_file(&dir, "a.md", post("A"));
    symlink("texts/welcome.txt", &dir.join("welcome.md"));
    symlink(".library/guides", &dir.join("guides"));
    // Deploys often point a stable name at the current release.
    let current = site.path().join("current");
    symlink("releases/42", &current);

    let app = start_editor_app(&current);

    assert_eq!(served_slugs(&app), ["a", "setup", "welcome"]);
    assert_eq!(
        app.get_ok_json("/api/v1/posts/setup")["title"],
        "Setup",
        "a post in a linked folder is served"
    );
    assert_eq!(problem_paths(&app), Vec::<String>::new());
}

#[cfg(unix)]
#[test]
fn quire_check_with_a_link_to_the_filesystem_root_finishes_and_names_the_link() {
    let dir = empty_content_dir();
    write_file(dir.path(), "a.md", post("A"));
    symlink("/", &dir.path().join("root"));

    let started = Instant::now();
    let (success, stdout) = quire_check(dir.path(), &[]);

    assert!(
        started.elapsed() < Duration::from_secs(5),
        "check took {:?}: it walked outside the folder",
        started.elapsed()
    );
    assert!(!success);
    assert!(
        stdout.contains(
            "root:1: error: root is a link to /, a folder outside the content folder; it is not read\n"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("1 post loaded, 1 error"), "{stdout}");
}

/// A limit small enough that a test file can pass it: 10 kB.
const SMALL_LIMIT: u64 = 10_000;

/// A valid post of about `bytes` bytes.
fn post_of_size(title: &str, bytes: usize) -> String {
    let words = "lorem ipsum dolor sit amet ".repeat(bytes / 27 + 1);
    simple_post(title, "2025-01-01", &words[..bytes])
}

fn small_limit_settings(dir: &Path) -> ServeSettings {
    let mut settings = ServeSettings::for_content(dir);
    settings.reading.max_file_size = SMALL_LIMIT;
    settings
}

#[test]
fn a_file_over_the_size_limit_is_refused_and_named_and_one_under_it_is_served() {
    let dir = empty_content_dir();
    write_file(dir.path(), "big.md", post_of_size("Big", 20_000));
    write_file(dir.path(), "small.md", post_of_size("Small", 9_000));

    let app = start_within_patience(small_limit_settings(dir.path()));

    assert_eq!(served_slugs(&app), ["small"]);
    let message = only_problem(&app.all_problems(), "big.md", "error");
    assert_eq!(
        message,
        "big.md is 20 kB, over the 10 kB limit (--max-file-size); it is not read"
    );
}

#[test]
fn a_served_post_grown_past_the_size_limit_keeps_its_last_good_version_with_the_problem() {
    let dir = empty_content_dir();
    write_file(dir.path(), "a.md", post_of_size("A", 1_000));
    let app = start_within_patience(small_limit_settings(dir.path()));

    write_file(dir.path(), "a.md", post_of_size("A grown", 30_000));

    let message = wait_for("a problem naming a.md", || {
        problems_of(&app, "a.md")
            .first()
            .and_then(|problem| problem["message"].as_str().map(str::to_owned))
    });
    assert!(
        message.starts_with("a.md is 30 kB, over the 10 kB limit (--max-file-size)")
            && message.contains("last good version"),
        "{message}"
    );
    assert_eq!(app.get_ok_json("/api/v1/posts/a")["title"], "A");

    write_file(dir.path(), "a.md", post_of_size("A trimmed", 2_000));
    wait_for("the trimmed post to be served", || {
        (app.get_ok_json("/api/v1/posts/a")["title"] == "A trimmed").then_some(())
    });
    assert!(problems_of(&app, "a.md").is_empty());
}

#[test]
fn quire_check_applies_the_size_limit_from_its_flag_and_variable() {
    let dir = empty_content_dir();
    write_file(dir.path(), "big.md", post_of_size("Big", 20_000));

    let (success, stdout) = quire_check(dir.path(), &[]);
    assert!(success, "20 kB is under the default limit: {stdout}");

    let (success, stdout) = quire_check(dir.path(), &["--max-file-size", "10KB"]);
    assert!(!success);
    assert!(
        stdout.contains(
            "big.md:1: error: big.md is 20 kB, over the 10 kB limit (--max-file-size); it is not read\n"
        ),
        "{stdout}"
    );

    let mut command = Command::new(env!("CARGO_BIN_EXE_quire"));
    command
        .arg("check")
        .arg(dir.path())
        .env("QUIRE_MAX_FILE_SIZE", "10000");
    let output = run_within_patience(command);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stdout).contains("over the 10 kB limit"));
}

/// Runs the quire binary with `args` as an unprivileged user: under `setpriv` as uid and gid
/// 65534 when the tests run as root (whom permissions do not stop), as is otherwise.
#[cfg(unix)]
fn unprivileged_quire(args: &[&std::ffi::OsStr]) -> Command {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .map(|output| String::from_utf8_lossy(&output.stdout).trim() == "0")
        .expect("id runs");
    let mut command = if root {
        let found = Command::new("setpriv")
            .arg("--version")
            .output()
            .is_ok_and(|output| output.status.success());
        assert!(
            found,
            "the tests run as root, and this test needs `setpriv` (util-linux) to run Quire \
             as an unprivileged user: install util-linux or run the tests as another user"
        );
        let mut command = Command::new("setpriv");
        command
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(env!("CARGO_BIN_EXE_quire"));
        command
    } else {
        Command::new(env!("CARGO_BIN_EXE_quire"))
    };
    command.args(args);
    command
}

/// A content folder the unprivileged user can read, but for `lost+found` (mode 000).
#[cfg(unix)]
fn folder_with_an_unreadable_subfolder() -> tempfile::TempDir {
    use std::os::unix::fs::PermissionsExt;
    let dir = empty_content_dir();
    write_file(dir.path(), "a.md", post("A"));
    write_file(dir.path(), "sub/b.md", post("B"));
    write_file(dir.path(), "lost+found/c.md", post("C"));
    let mode = |path: &Path, mode: u32| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
            .unwrap_or_else(|err| panic!("chmod {}: {err}", path.display()));
    };
    mode(dir.path(), 0o755);
    mode(&dir.path().join("sub"), 0o755);
    mode(&dir.path().join("lost+found"), 0o000);
    dir
}

#[cfg(unix)]
#[test]
fn quire_check_skips_an_unreadable_subfolder_and_names_it() {
    let dir = folder_with_an_unreadable_subfolder();

    let output = run_within_patience(unprivileged_quire(&[
        "check".as_ref(),
        dir.path().as_os_str(),
    ]));

    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stdout.contains(
            "lost+found:1: error: the folder lost+found cannot be read (Permission denied (os error 13)); the files in it are not served\n"
        ),
        "stdout: {stdout}\nstderr: {stderr}"
    );
    assert!(
        stdout.contains("2 posts loaded, 1 error"),
        "{stdout}\n{stderr}"
    );
}

#[cfg(unix)]
#[test]
fn an_unreadable_content_root_fails_with_a_message_naming_the_root() {
    use std::os::unix::fs::PermissionsExt;
    let parent = empty_content_dir();
    std::fs::set_permissions(parent.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let root = parent.path().join("content");
    write_file(&root, "a.md", post("A"));
    std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o000)).expect("chmod");

    let check = run_within_patience(unprivileged_quire(&["check".as_ref(), root.as_os_str()]));
    let serve = run_within_patience(unprivileged_quire(&[
        "serve".as_ref(),
        "--bind".as_ref(),
        "127.0.0.1:0".as_ref(),
        "--no-watch".as_ref(),
        "--content".as_ref(),
        root.as_os_str(),
    ]));

    for (what, output) in [("check", check), ("serve", serve)] {
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{what} fails: {stderr}");
        assert!(
            stderr.contains(&root.display().to_string()) && stderr.contains("Permission denied"),
            "{what} names the root: {stderr}"
        );
    }
}

/// `quire serve` run by [`unprivileged_quire`], watching its folder, with preview on.
#[cfg(unix)]
struct Served {
    process: Process,
    agent: ureq::Agent,
}

#[cfg(unix)]
impl Served {
    fn start(content: &Path) -> Served {
        let mut command = unprivileged_quire(&[
            "serve".as_ref(),
            "--bind".as_ref(),
            "127.0.0.1:0".as_ref(),
            "--preview-token".as_ref(),
            EDITOR_TOKEN.as_ref(),
            "--content".as_ref(),
            content.as_os_str(),
        ]);
        command.env("RUST_LOG", "info");
        let process = Process::spawn(command);
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        Served { process, agent }
    }

    fn get(&self, path: &str) -> Value {
        let mut response = self
            .agent
            .get(&format!("http://{}{path}", self.process.address))
            .header("Authorization", &format!("Bearer {EDITOR_TOKEN}"))
            .call()
            .expect("the server answers");
        assert_eq!(response.status(), 200, "GET {path}");
        let body = response.body_mut().read_to_string().expect("a body");
        serde_json::from_str(&body).unwrap_or_else(|err| panic!("{path} is not JSON ({err})"))
    }

    fn slugs(&self) -> Vec<String> {
        let mut slugs = crate::helpers::slugs(&self.get("/api/v1/posts"));
        slugs.sort();
        slugs
    }
}

#[cfg(unix)]
#[test]
fn quire_serve_skips_an_unreadable_subfolder_and_names_it_at_start_and_on_reload() {
    use std::os::unix::fs::PermissionsExt;
    let dir = folder_with_an_unreadable_subfolder();

    let served = Served::start(dir.path());

    assert_eq!(served.slugs(), ["a", "b"]);
    let problems = served.get("/api/v1/problems");
    assert!(
        only_problem(&problems, "lost+found", "error")
            .starts_with("the folder lost+found cannot be read"),
        "{problems}"
    );

    // A folder that becomes unreadable while serving is named too, and the rest stays served.
    std::fs::set_permissions(
        dir.path().join("sub"),
        std::fs::Permissions::from_mode(0o000),
    )
    .expect("chmod");
    write_file(dir.path(), "d.md", post("D"));
    wait_for("sub to be named and d.md served", || {
        let named = !problems_for(&served.get("/api/v1/problems"), "sub").is_empty();
        (named && served.slugs() == ["a", "d"]).then_some(())
    });
}
