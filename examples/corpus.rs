//! Writes synthetic posts shaped like real ones, for the shell benchmarks (`benches/load.sh`,
//! `benches/soak.sh`, `benches/media_load.sh`) and for trying Quire on a large folder:
//!
//! ```sh
//! cargo run --release --example corpus -- --posts 10000 /tmp/corpus
//! cargo run --release --example corpus -- --posts 10000 --images /tmp/corpus-photos
//! ```
//!
//! With `--images` each post is a bundle, `post-000001-some-title/index.md`, beside a
//! 1200x800 JPEG of its own (`photo.jpg`, 100-250 KB) that its body shows; `--bundles` writes
//! the same bundles without the photos.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;

#[path = "../benches/support/corpus.rs"]
mod corpus;
#[path = "../benches/support/photos.rs"]
mod photos;
use corpus::{CorpusOptions, generate_post, write_corpus};

/// How many base photos the posts' photos are varied from: enough that sizes differ, few
/// enough that encoding them takes about a second.
const BASE_PHOTOS: usize = 8;

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
    /// Write each post as a bundle with its own 1200x800 JPEG, shown in its body.
    #[arg(long)]
    images: bool,
    /// Write each post as a bundle without a photo: the layout of `--images`, the same text
    /// without the image, nothing beside the post.
    #[arg(long, conflicts_with = "images")]
    bundles: bool,
}

fn main() -> ExitCode {
    let settings = Settings::parse();
    let options = CorpusOptions {
        posts: settings.posts,
        seed: settings.seed,
    };
    let written = if settings.images || settings.bundles {
        write_bundles(&settings.dir, options, settings.images)
    } else {
        write_corpus(&settings.dir, options)
    };
    match written {
        Ok(bytes) => {
            println!(
                "wrote {} posts ({bytes} bytes{}) to {}",
                settings.posts,
                if settings.images { " with photos" } else { "" },
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

/// Writes the posts `write_corpus` would (the same text for the same seed) as bundles, each
/// with a photo shown after its first paragraph when `photos` is set; returns the bytes
/// written, photos included.
fn write_bundles(dir: &Path, options: CorpusOptions, photos: bool) -> io::Result<u64> {
    fs::create_dir_all(dir)?;
    let bases = if photos {
        photos::base_photos(BASE_PHOTOS, options.seed)?
    } else {
        Vec::new()
    };
    let mut rng = fastrand::Rng::with_seed(options.seed);
    let mut photo_rng = fastrand::Rng::with_seed(options.seed ^ 0x9e37_79b9);
    let mut written = 0;
    for index in 0..options.posts {
        let (name, mut text) = generate_post(&mut rng, index);
        let bundle = dir.join(name.trim_end_matches(".md"));
        fs::create_dir_all(&bundle)?;
        if !photos {
            fs::write(bundle.join("index.md"), &text)?;
            written += text.len() as u64;
            continue;
        }
        let image = "![A photo from the team's sprint review](./photo.jpg)\n\n";
        let after_first_paragraph = text.find("\n## ").map_or(text.len(), |at| at + 1);
        text.insert_str(after_first_paragraph, image);
        let photo = photos::vary(&bases[index % bases.len()], index, &mut photo_rng);
        fs::write(bundle.join("index.md"), &text)?;
        fs::write(bundle.join("photo.jpg"), &photo)?;
        written += (text.len() + photo.len()) as u64;
    }
    Ok(written)
}
