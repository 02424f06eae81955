//! Synthetic posts shaped like the seed post, for benchmarks and load tests: deterministic for a
//! seed, about 7 KB each, with tags, categories and authors drawn from skewed distributions as
//! in a real blog (a few terms are on many posts, most on few).
//!
//! A bench tool, not part of the library: the benches include it with `#[path]`, the shell
//! benches run it as `cargo run --release --example corpus -- --posts N DIR`, and the
//! sanitizer bypass's test checks that its posts take the bypass.

use std::fmt::Write as _;
use std::fs;
use std::io;
use std::path::Path;

use fastrand::Rng;

/// Categories, most used first.
const CATEGORIES: &[&str] = &[
    "Agile Rituals",
    "Estimation",
    "Engineering Practices",
    "Product Management",
    "Team Health",
    "Delivery",
    "Leadership",
    "Tooling",
];

/// Tags, most used first.
const TAGS: &[&str] = &[
    "meetings",
    "estimation",
    "backlog refinement",
    "sprint planning",
    "user stories",
    "retrospectives",
    "story points",
    "planning poker",
    "technical debt",
    "continuous integration",
    "forecasting",
    "kanban",
    "scrum",
    "definition of done",
    "definition of ready",
    "facilitation",
    "remote teams",
    "metrics",
    "velocity",
    "code review",
    "testing",
    "roadmaps",
    "stakeholders",
    "onboarding",
    "pair programming",
    "incident response",
    "release management",
    "okrs",
    "psychological safety",
    "product discovery",
    "documentation",
    "refactoring",
    "monte carlo",
    "cycle time",
    "wip limits",
    "daily standup",
    "acceptance criteria",
    "spikes",
    "dependencies",
    "capacity planning",
];

/// Authors, most prolific first.
const AUTHORS: &[&str] = &[
    "StoryScorer Team",
    "Maya Okafor",
    "Daniel Brandt",
    "Priya Raman",
    "Léa Dubois",
    "Tomás Herrera",
    "Aiko Tanaka",
    "Sam Whitfield",
];

/// Words that make up titles and prose, most frequent first.
const WORDS: &[&str] = &[
    "team",
    "sprint",
    "backlog",
    "story",
    "estimate",
    "meeting",
    "work",
    "product",
    "owner",
    "refinement",
    "planning",
    "review",
    "goal",
    "value",
    "risk",
    "scope",
    "feedback",
    "customer",
    "release",
    "quality",
    "process",
    "velocity",
    "forecast",
    "capacity",
    "dependency",
    "timebox",
    "facilitator",
    "agenda",
    "decision",
    "outcome",
    "increment",
    "criteria",
    "acceptance",
    "developer",
    "tester",
    "designer",
    "stakeholder",
    "roadmap",
    "priority",
    "commitment",
    "retrospective",
    "standup",
    "kanban",
    "board",
    "column",
    "flow",
    "cycle",
    "throughput",
    "bottleneck",
    "experiment",
    "hypothesis",
    "metric",
    "dashboard",
    "incident",
    "deployment",
    "pipeline",
    "integration",
    "refactoring",
    "debt",
    "architecture",
    "interface",
    "contract",
    "documentation",
    "onboarding",
    "mentoring",
    "pairing",
    "ownership",
    "alignment",
    "trust",
    "conflict",
    "consensus",
    "uncertainty",
    "complexity",
    "effort",
    "points",
    "hours",
    "deadline",
    "milestone",
    "epic",
    "spike",
    "prototype",
    "discovery",
    "research",
    "interview",
    "persona",
    "journey",
    "assumption",
    "constraint",
    "tradeoff",
    "budget",
    "estimate",
    "variance",
    "probability",
    "simulation",
    "histogram",
    "percentile",
    "confidence",
    "sample",
    "baseline",
];

/// Glue words that make the prose read like sentences.
const GLUE: &[&str] = &[
    "the", "a", "and", "of", "to", "in", "for", "with", "on", "when", "every", "your", "our",
    "before", "after", "without", "because", "so", "that", "is", "keeps", "makes", "needs",
    "helps", "turns", "shows", "during", "around", "across", "through",
];

/// How a corpus is shaped.
#[derive(Debug, Clone, Copy)]
pub struct CorpusOptions {
    /// How many posts to write.
    pub posts: usize,
    /// The seed: the same seed writes the same files.
    pub seed: u64,
}

/// Writes `options.posts` post files into `dir` (created if missing), named
/// `post-000001-some-title.md`; returns the bytes written.
pub fn write_corpus(dir: &Path, options: CorpusOptions) -> io::Result<u64> {
    fs::create_dir_all(dir)?;
    let mut rng = Rng::with_seed(options.seed);
    let mut written = 0;
    for index in 0..options.posts {
        let (name, text) = generate_post(&mut rng, index);
        fs::write(dir.join(name), &text)?;
        written += text.len() as u64;
    }
    Ok(written)
}

/// One post's file name and text; `index` makes names and slugs unique.
pub fn generate_post(rng: &mut Rng, index: usize) -> (String, String) {
    let count = rng.usize(4..9);
    let title = title_case(&words(rng, count));
    let slug_words: Vec<String> = title
        .split_whitespace()
        .take(5)
        .map(str::to_lowercase)
        .collect();
    let name = format!("post-{index:06}-{}.md", slug_words.join("-"));
    // Dates spread over about eight years, oldest first by index, with some jitter.
    let day = (index as i64 * 7 / 3) % 2900 + rng.i64(0..3);
    let date = jiff::civil::date(2018, 1, 1)
        .checked_add(jiff::Span::new().days(day))
        .unwrap_or(jiff::civil::date(2018, 1, 1));
    let category = pick(rng, CATEGORIES);
    let author = pick(rng, AUTHORS);
    let mut tags: Vec<&str> = (0..rng.usize(2..6)).map(|_| pick(rng, TAGS)).collect();
    tags.sort_unstable();
    tags.dedup();
    let excerpt = sentence(rng, 18..28);

    let mut text = String::with_capacity(8 * 1024);
    let _ = writeln!(text, "---");
    let _ = writeln!(text, "title: \"{title}\"");
    let _ = writeln!(text, "date: \"{date}\"");
    let _ = writeln!(text, "author: \"{author}\"");
    let _ = writeln!(text, "excerpt: \"{excerpt}\"");
    let _ = writeln!(text, "category: \"{category}\"");
    let quoted: Vec<String> = tags.iter().map(|t| format!("\"{t}\"")).collect();
    let _ = writeln!(text, "tags: [{}]", quoted.join(", "));
    let _ = writeln!(
        text,
        "featuredImage: \"/images/blog/{}.png\"",
        slug_words.join("-")
    );
    let _ = writeln!(text, "metaDescription: \"{}\"", sentence(rng, 15..22));
    let _ = writeln!(text, "---\n");
    let _ = writeln!(text, "{}\n", paragraph(rng));
    while text.len() < 6800 {
        let count = rng.usize(2..5);
        let _ = writeln!(text, "## {}\n", title_case(&words(rng, count)));
        for _ in 0..rng.usize(1..3) {
            let _ = writeln!(text, "{}\n", paragraph(rng));
        }
        match rng.usize(0..6) {
            0 => {
                for n in 1..=rng.usize(3..6) {
                    let _ = writeln!(text, "{n}. **{}**: {}", word(rng), sentence(rng, 6..12));
                }
                text.push('\n');
            }
            1 => {
                let _ = writeln!(text, "| Practice | Effect |\n|---|---|");
                for _ in 0..rng.usize(2..5) {
                    let _ = writeln!(text, "| {} | {} |", word(rng), sentence(rng, 3..6));
                }
                text.push('\n');
            }
            2 => {
                let _ = writeln!(
                    text,
                    "```yaml\nsprint: {}\ncapacity: {}\nfocus: {}\n```\n",
                    rng.u32(1..60),
                    rng.u32(10..80),
                    word(rng)
                );
            }
            _ => {}
        }
    }
    (name, text)
}

/// A term from a list, skewed towards the front (roughly Zipf-like).
fn pick<'a>(rng: &mut Rng, items: &[&'a str]) -> &'a str {
    let a = rng.usize(0..items.len());
    let b = rng.usize(0..items.len());
    items[a.min(b).min(rng.usize(0..items.len()))]
}

fn word(rng: &mut Rng) -> &'static str {
    pick(rng, WORDS)
}

fn words(rng: &mut Rng, count: usize) -> Vec<&'static str> {
    (0..count).map(|_| word(rng)).collect()
}

fn sentence(rng: &mut Rng, length: std::ops::Range<usize>) -> String {
    let count = rng.usize(length);
    let mut out = String::new();
    for i in 0..count {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(if i % 3 == 1 {
            pick(rng, GLUE)
        } else {
            word(rng)
        });
    }
    let mut chars = out.chars();
    match chars.next() {
        Some(first) => format!("{}{}.", first.to_uppercase(), chars.as_str()),
        None => out,
    }
}

fn paragraph(rng: &mut Rng) -> String {
    let sentences: Vec<String> = (0..rng.usize(3..7)).map(|_| sentence(rng, 8..20)).collect();
    sentences.join(" ")
}

fn title_case(words: &[&str]) -> String {
    let capitalised: Vec<String> = words
        .iter()
        .map(|w| {
            let mut chars = w.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_uppercase().collect::<String>() + chars.as_str()
            })
        })
        .collect();
    capitalised.join(" ")
}

#[cfg(test)]
mod tests {
    // Written without imports or `crate::` paths: this file is compiled into the library's
    // tests, the benches (where `#[test]` functions are left out) and an example. That
    // generated posts parse is checked where the parser is, in the sanitizer bypass's tests.

    #[test]
    fn the_same_seed_writes_the_same_posts() {
        let first = super::generate_post(&mut fastrand::Rng::with_seed(3), 5);
        let second = super::generate_post(&mut fastrand::Rng::with_seed(3), 5);
        assert_eq!(first, second);
    }

    #[test]
    fn a_corpus_is_the_generated_posts_and_its_size_is_their_bytes() {
        let folder = tempfile::tempdir().expect("a temporary folder");
        let options = super::CorpusOptions { posts: 3, seed: 3 };
        let written = super::write_corpus(folder.path(), options).expect("the corpus is written");
        let mut rng = fastrand::Rng::with_seed(3);
        let mut bytes = 0;
        for index in 0..3 {
            let (name, text) = super::generate_post(&mut rng, index);
            let on_disk =
                std::fs::read_to_string(folder.path().join(&name)).expect("the post exists");
            assert_eq!(on_disk, text, "{name}");
            bytes += text.len() as u64;
        }
        assert_eq!(written, bytes);
        let files = std::fs::read_dir(folder.path()).expect("a folder").count();
        assert_eq!(files, 3);
    }
}
