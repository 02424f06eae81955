//! Loading time against file size: one post of each shape (plain prose, many tags, many
//! headings and links, nesting as deep as allowed, long lines, raw HTML the sanitizer removes)
//! is generated at 1 KB, 10 KB, 100 KB, 1 MB and 5 MB (the default file size limit) and parsed
//! with `parse_post`, and the time per MB is printed for each. Loading is linear when a row's
//! figures stay flat; the last column is the row's largest figure over its smallest.
//!
//! Run with `cargo bench --bench growth`.

use std::fmt::Write as _;
use std::hint::black_box;
use std::time::{Duration, Instant};

use quire::content::{LoadOptions, Parsed, parse_post};

/// The sizes each shape is generated at, with their column headings.
const SIZES: [(usize, &str); 5] = [
    (1_000, "1 KB"),
    (10_000, "10 KB"),
    (100_000, "100 KB"),
    (1_000_000, "1 MB"),
    (5_000_000, "5 MB"),
];

/// How long each size of each shape is parsed over and over before its time is taken.
const BUDGET: Duration = Duration::from_millis(300);

/// A kind of post, made by repeating a unit until the post reaches a size.
struct Shape {
    name: &'static str,
    /// The front matter lines after `title` and `date`.
    front_matter: fn(usize) -> String,
    /// The body.
    body: fn(usize) -> String,
}

/// `unit(0)`, `unit(1)`, ... joined until `size` bytes are reached.
fn repeat_to(size: usize, unit: impl Fn(usize) -> String) -> String {
    let mut text = String::with_capacity(size + 256);
    let mut index = 0;
    while text.len() < size {
        text.push_str(&unit(index));
        index += 1;
    }
    text
}

fn nothing(_: usize) -> String {
    String::new()
}

fn one_paragraph(_: usize) -> String {
    "A short body.\n".to_owned()
}

const WORDS: &[&str] = &[
    "the",
    "team",
    "refines",
    "its",
    "backlog",
    "every",
    "week",
    "so",
    "that",
    "stories",
    "are",
    "ready",
    "before",
    "planning",
    "and",
    "estimates",
    "stay",
    "honest",
];

fn prose(size: usize) -> String {
    repeat_to(size, |n| {
        let mut paragraph = String::new();
        for i in 0..60 {
            paragraph.push_str(WORDS[(n * 7 + i) % WORDS.len()]);
            paragraph.push(if i % 12 == 11 { '.' } else { ' ' });
        }
        paragraph.push_str("\n\n");
        paragraph
    })
}

fn many_tags(size: usize) -> String {
    format!("tags:\n{}", repeat_to(size, |n| format!("  - topic {n}\n")))
}

fn headings_and_links(size: usize) -> String {
    // One title repeated, so the ids are numbered, and a link per line.
    repeat_to(size, |n| {
        format!(
            "## Setup\n\nSee [step {n}](https://example.com/steps/{n}) and [the guide](/guide#{n}).\n\n"
        )
    })
}

/// Front matter fields nested as deep as allowed (32 levels).
fn deep_front_matter(size: usize) -> String {
    repeat_to(size, |n| {
        format!("field{n}: {}x{}\n", "[".repeat(32), "]".repeat(32))
    })
}

/// HTML blocks nested 250 deep, under the 256 limit.
fn deep_html(size: usize) -> String {
    repeat_to(size, |_| {
        format!("{}deep{}\n\n", "<div>".repeat(250), "</div>".repeat(250))
    })
}

fn long_line(size: usize) -> String {
    let mut line = repeat_to(size, |n| format!("{} ", WORDS[n % WORDS.len()]));
    line.push('\n');
    line
}

/// Raw HTML the sanitizer removes, one warning per line.
fn removed_html(size: usize) -> String {
    repeat_to(size, |n| {
        format!("Line {n} <script>alert({n})</script>\n\n")
    })
}

const SHAPES: &[Shape] = &[
    Shape {
        name: "prose",
        front_matter: nothing,
        body: prose,
    },
    Shape {
        name: "many tags",
        front_matter: many_tags,
        body: one_paragraph,
    },
    Shape {
        name: "headings + links",
        front_matter: nothing,
        body: headings_and_links,
    },
    Shape {
        name: "front matter 32 deep",
        front_matter: deep_front_matter,
        body: one_paragraph,
    },
    Shape {
        name: "HTML 250 deep",
        front_matter: nothing,
        body: deep_html,
    },
    Shape {
        name: "one long line",
        front_matter: nothing,
        body: long_line,
    },
    Shape {
        name: "removed HTML",
        front_matter: nothing,
        body: removed_html,
    },
];

fn post(shape: &Shape, size: usize) -> String {
    let front_matter = (shape.front_matter)(size);
    let body = if front_matter.is_empty() {
        (shape.body)(size)
    } else {
        (shape.body)(0)
    };
    format!("---\ntitle: Growth\ndate: 2025-01-01\n{front_matter}---\n\n{body}")
}

/// What loading made of the post, so the table shows the work was done.
fn outcome(parsed: &Parsed) -> String {
    match &parsed.post {
        Ok(post) => format!(
            "served, {} tags, {} headings, {} warnings",
            post.tags.len(),
            post.toc.len(),
            parsed.warnings.len()
        ),
        Err(problem) => format!("refused: {}", problem.message),
    }
}

/// Milliseconds per MB of parsing `text`, over at least [`BUDGET`] or one parse.
fn ms_per_mb(text: &str) -> (f64, Parsed) {
    let mut runs = 0u32;
    let started = Instant::now();
    let mut last = None;
    while runs == 0 || started.elapsed() < BUDGET {
        last = Some(black_box(parse_post(
            "growth.md",
            black_box(text.as_bytes()),
            LoadOptions::default(),
        )));
        runs += 1;
    }
    let seconds = started.elapsed().as_secs_f64() / f64::from(runs);
    let megabytes = text.len() as f64 / 1e6;
    let parsed = last.unwrap_or_else(|| parse_post("growth.md", b"", LoadOptions::default()));
    (seconds * 1e3 / megabytes, parsed)
}

fn main() {
    let mut table = String::from("| shape | ");
    for (_, heading) in SIZES {
        let _ = write!(table, "{heading} | ");
    }
    table.push_str("largest / smallest |\n|---|");
    table.push_str(&"---:|".repeat(SIZES.len() + 1));
    table.push('\n');
    let mut outcomes = String::new();
    for shape in SHAPES {
        let mut figures = Vec::new();
        let _ = write!(table, "| {} | ", shape.name);
        for (size, heading) in SIZES {
            let text = post(shape, size);
            let (figure, parsed) = ms_per_mb(&text);
            let _ = write!(table, "{figure:.0} | ");
            figures.push(figure);
            if size == SIZES[SIZES.len() - 1].0 || size == SIZES[0].0 {
                let _ = writeln!(
                    outcomes,
                    "{} at {heading} ({} bytes): {}",
                    shape.name,
                    text.len(),
                    outcome(&parsed)
                );
            }
        }
        let largest = figures.iter().copied().fold(f64::MIN, f64::max);
        let smallest = figures.iter().copied().fold(f64::MAX, f64::min);
        let _ = writeln!(table, "{:.1} |", largest / smallest);
        eprintln!("{} measured", shape.name);
    }
    println!("Milliseconds per MB of post, by post size:\n\n{table}\n{outcomes}");
}
