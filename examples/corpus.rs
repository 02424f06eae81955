//! Writes synthetic posts shaped like real ones, for the shell benchmarks (`benches/load.sh`,
//! `benches/soak.sh`) and for trying Quire on a large folder:
//!
//! ```sh
//! cargo run --release --example corpus -- --posts 10000 /tmp/corpus
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

#[path = "../benches/support/corpus.rs"]
mod corpus;
use corpus::{CorpusOptions, write_corpus};

/// Write synthetic posts into a folder.
#[derive(Debug, Parser)]
#[command(name = "corpus")]
struct Settings {
    /// The folder to write the posts into (created if missing).
    dir: PathBuf,
    /// How many posts to write.
    #[arg(long, default_value_t = 10_000)]
    posts: usize,
    /// The seed; the same seed writes the same posts.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

fn main() -> ExitCode {
    let settings = Settings::parse();
    let options = CorpusOptions {
        posts: settings.posts,
        seed: settings.seed,
    };
    match write_corpus(&settings.dir, options) {
        Ok(bytes) => {
            println!(
                "wrote {} posts ({bytes} bytes) to {}",
                settings.posts,
                settings.dir.display()
            );
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: cannot write to {}: {err}", settings.dir.display());
            ExitCode::FAILURE
        }
    }
}
