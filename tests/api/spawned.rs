//! A `quire` process of its own, started by a test: its address, its log lines as they come,
//! and a clean stop.

use std::cell::RefCell;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// How long a test waits for a log line or for the process to exit.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// A `quire serve` process on a free port, its log lines arriving on a channel; killed when
/// dropped.
pub struct Process {
    /// The process.
    pub child: Child,
    /// Where it listens, `127.0.0.1:PORT`.
    pub address: String,
    lines: mpsc::Receiver<String>,
    /// Every line received so far, in order.
    pub logged: RefCell<Vec<String>>,
}

impl Process {
    /// Starts `command` (a `quire serve` on port 0, or what execs one) with its log on a
    /// channel, and waits until it says where it listens.
    pub fn spawn(mut command: Command) -> Process {
        let mut child = command
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("quire starts");
        let stderr = child.stderr.take().expect("stderr is piped");
        let (sender, lines) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        let mut process = Process {
            child,
            address: String::new(),
            lines,
            logged: RefCell::new(Vec::new()),
        };
        let serving = process.wait_for_line(|line| line.contains("serving on http://"));
        process.address = serving
            .split("serving on http://")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .expect("the line names the address")
            .to_owned();
        process
    }

    /// The next log line `wanted` accepts, skipping others.
    pub fn wait_for_line(&self, wanted: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = self
                .lines
                .recv_timeout(left)
                .expect("the awaited line is logged in time");
            self.logged.borrow_mut().push(line.clone());
            if wanted(&line) {
                return line;
            }
        }
    }

    /// The first log line `wanted` accepts, among those already seen or the next ones.
    pub fn logged_or_next(&self, wanted: impl Fn(&str) -> bool) -> String {
        let seen = self
            .logged
            .borrow()
            .iter()
            .find(|line| wanted(line))
            .cloned();
        seen.unwrap_or_else(|| self.wait_for_line(wanted))
    }

    /// Sends SIGTERM and waits for a clean exit.
    pub fn stop(&mut self) {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill runs");
        assert!(sent.success());
        let status = self.wait_for_exit();
        assert!(status.success(), "{status}");
    }

    /// Sends SIGTERM, waits for a clean exit, and returns every line the process logged.
    pub fn stop_and_read_log(mut self) -> Vec<String> {
        self.stop();
        let mut logged = self.logged.take();
        // The reader thread ends at the end of the closed pipe, and the channel with it.
        while let Ok(line) = self.lines.recv_timeout(PATIENCE) {
            logged.push(line);
        }
        logged
    }

    /// Waits for the process to exit.
    pub fn wait_for_exit(&mut self) -> ExitStatus {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(status) = self.child.try_wait().expect("the process can be waited on") {
                return status;
            }
            assert!(Instant::now() < deadline, "quire did not exit in time");
            thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
