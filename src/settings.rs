//! Command-line and environment settings: every flag is also a `QUIRE_*` variable.

use std::path::PathBuf;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand};

use crate::content::LoadOptions;
use crate::content::links::UrlRules;
use crate::content::media::MediaKinds;
use crate::feeds::FeedContent;
use crate::secret::Secret;

/// Quire serves a folder of Markdown posts as a documented JSON API.
#[derive(Debug, Parser)]
#[command(name = "quire", version, about, args_conflicts_with_subcommands = true)]
pub struct Cli {
    /// What to do; `serve` when omitted.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Settings for `serve` when no subcommand is given.
    #[command(flatten)]
    pub serve: ServeSettings,
}

/// Quire's subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the content folder as a JSON API (the default).
    Serve(Box<ServeSettings>),
    /// Load a content folder, print every problem, and exit non-zero if any is an error.
    Check(CheckSettings),
    /// Print the OpenAPI document as JSON.
    Openapi,
}

/// Settings for checking content without serving it.
#[derive(Debug, Clone, Args)]
pub struct CheckSettings {
    /// The content folder to check.
    #[arg(default_value = "./content", env = "QUIRE_CONTENT")]
    pub dir: PathBuf,
    /// Exit non-zero on any link problem too (a broken link, an anchor the target lacks, a
    /// missing image or file, an image without alt text), for CI.
    #[arg(long)]
    pub strict_links: bool,
    /// How posts and media are read.
    #[command(flatten)]
    pub reading: ReadingSettings,
}

/// How posts and media are read, for `serve` and `check` alike.
#[derive(Debug, Clone, Args)]
pub struct ReadingSettings {
    /// Keep raw HTML in Markdown instead of sanitizing it (only for content you trust).
    #[arg(long, env = "QUIRE_TRUST_HTML")]
    pub trust_html: bool,
    /// A host whose `<iframe>` embeds are kept (with its subdomains), besides YouTube,
    /// youtube-nocookie and Vimeo; repeat the flag (or separate with commas in the variable)
    /// for several.
    #[arg(long = "embed-host", env = "QUIRE_EMBED_HOSTS", value_delimiter = ',')]
    pub embed_hosts: Vec<String>,
    /// The largest post file read, e.g. `5MB`, `512KB` or `5000000` (bytes; `MiB`, `KiB` for
    /// binary units); a larger file is not read and is reported as a problem naming it.
    #[arg(long, default_value = "5MB", env = "QUIRE_MAX_FILE_SIZE", value_parser = parse_file_size)]
    pub max_file_size: u64,
    /// An extension (without the dot) of files served under `/media` besides images (png,
    /// jpg, jpeg, gif, webp, avif, svg), video and audio (mp4, webm, mp3, ogg) and pdf; repeat
    /// the flag (or separate with commas in the variable) for several.
    #[arg(long = "media-ext", env = "QUIRE_MEDIA_EXTS", value_delimiter = ',', value_parser = parse_media_ext)]
    pub media_ext: Vec<String>,
}

impl Default for ReadingSettings {
    fn default() -> ReadingSettings {
        ReadingSettings {
            trust_html: false,
            embed_hosts: Vec::new(),
            max_file_size: crate::content::loader::DEFAULT_MAX_FILE_SIZE,
            media_ext: Vec::new(),
        }
    }
}

impl ReadingSettings {
    /// The options content is loaded with, writing URLs into posts by `urls`.
    pub fn load_options(&self, urls: UrlRules) -> LoadOptions {
        LoadOptions {
            trust_html: self.trust_html,
            embed_hosts: self.embed_hosts.clone().into(),
            max_file_size: self.max_file_size,
            media: MediaKinds {
                extra: self.media_ext.clone(),
            },
            urls: Arc::new(urls),
            // Filled in by the library, which reads the media before the posts.
            media_files: Arc::default(),
        }
    }
}

/// Everything `serve` needs; a plain struct, so tests can build one.
#[derive(Debug, Clone, Args)]
pub struct ServeSettings {
    /// The folder of Markdown posts.
    #[arg(long, default_value = "./content", env = "QUIRE_CONTENT")]
    pub content: PathBuf,
    /// The address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:8080", env = "QUIRE_BIND")]
    pub bind: String,
    /// Refuse to start when any content file has an error.
    #[arg(long, env = "QUIRE_STRICT")]
    pub strict: bool,
    /// How posts and media are read.
    #[command(flatten)]
    pub reading: ReadingSettings,
    /// The site's title, shown by `/api/v1/meta`.
    #[arg(long, default_value = "Quire", env = "QUIRE_SITE_TITLE")]
    pub site_title: String,
    /// The site's description, shown by `/api/v1/meta`.
    #[arg(long, default_value = "", env = "QUIRE_SITE_DESCRIPTION")]
    pub site_description: String,
    /// The public URL the site is served at, e.g. `https://blog.example.com`; defaults to the
    /// listening address.
    #[arg(long, env = "QUIRE_BASE_URL")]
    pub base_url: Option<String>,
    /// The `Cache-Control` of content responses; `max-age` is lowered automatically before a
    /// scheduled post goes live.
    #[arg(long, default_value = crate::http::policy::DEFAULT_CACHE_CONTROL, env = "QUIRE_CACHE_CONTROL")]
    pub cache_control: String,
    /// An origin browsers may read responses from, e.g. `https://blog.example.com`; repeat the
    /// flag (or separate with commas in the variable) for several. Any origin when none is given.
    #[arg(
        long = "cors-origin",
        env = "QUIRE_CORS_ORIGINS",
        value_delimiter = ','
    )]
    pub cors_origins: Vec<String>,
    /// Serve the content as loaded at start, without watching the folder for changes.
    #[arg(long, env = "QUIRE_NO_WATCH")]
    pub no_watch: bool,
    /// A secret that lets `Authorization: Bearer <token>` requests read drafts and scheduled
    /// posts (preview); preview is off when unset.
    #[arg(long, env = "QUIRE_PREVIEW_TOKEN", hide_env_values = true)]
    pub preview_token: Option<Secret>,
    /// A URL to POST each reload's changes to, as JSON.
    #[arg(long, env = "QUIRE_WEBHOOK_URL")]
    pub webhook_url: Option<String>,
    /// The key that signs webhook bodies (`X-Quire-Signature: sha256=<HMAC>`).
    #[arg(long, env = "QUIRE_WEBHOOK_SECRET", hide_env_values = true)]
    pub webhook_secret: Option<Secret>,
    /// What feeds carry for each post: the whole HTML body (`full`) or the excerpt (`summary`).
    #[arg(long, value_enum, default_value_t = FeedContent::Full, env = "QUIRE_FEED_CONTENT")]
    pub feed_content: FeedContent,
    /// The public URL of a post: its `url` in the API and its link in feeds and the sitemap;
    /// `{base}` is the base URL and `{slug}` the post's slug.
    #[arg(long, default_value = crate::domain::DEFAULT_POST_URL, env = "QUIRE_POST_URL")]
    pub post_url: String,
    /// The most `/api/v1/events` streams open at once; past it a client gets 503 with
    /// `Retry-After`. Each stream holds a connection, and so a file descriptor, for as long as
    /// its client likes: the default stays well under a usual `ulimit -n` of 1024, so health
    /// checks and API requests still get connections. Under a lower limit it is lowered, with
    /// a warning, to half the connections the limit leaves room for. 0 turns the stream off.
    #[arg(long, default_value_t = crate::routes::DEFAULT_MAX_EVENT_STREAMS, env = "QUIRE_MAX_EVENT_STREAMS")]
    pub max_event_streams: usize,
    /// Log a line per request (target `quire::access`). Off by default, since under load it
    /// writes megabytes a second: only server errors other than 503 are logged then, at warn.
    /// `RUST_LOG=quire::access=info` turns it on as well.
    #[arg(long, env = "QUIRE_ACCESS_LOG")]
    pub access_log: bool,
    /// A folder to keep the search index in between runs (created if missing; a `v4` folder
    /// inside holds it): a restart then indexes only the posts changed since. Keep it outside
    /// the content folder. Without it, the index is built in memory at every start.
    #[arg(long, env = "QUIRE_INDEX_DIR")]
    pub index_dir: Option<PathBuf>,
}

/// Reads an extra media extension: letters and digits, without the dot, lowercased; Markdown
/// is refused, since a post's source is never served as a file.
fn parse_media_ext(value: &str) -> Result<String, String> {
    let extension = value.trim().trim_start_matches('.').to_ascii_lowercase();
    if extension.is_empty() || !extension.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(
            "not an extension: write letters and digits without the dot, such as ico or mov"
                .to_owned(),
        );
    }
    if crate::content::loader::POST_EXTENSIONS.contains(&extension.as_str()) {
        return Err(format!(
            "`{extension}` files are posts; their sources are never served as files"
        ));
    }
    Ok(extension)
}

/// Reads a size limit: a number of bytes with an optional unit (`5MB`, `512KB`, `1.5 MiB`,
/// `5000000`); zero is refused, since it would refuse every file.
fn parse_file_size(value: &str) -> Result<u64, String> {
    let size: bytesize::ByteSize = value.trim().parse().map_err(|_| {
        "not a size: write a number of bytes with an optional unit, such as 5MB, 512KB or 5000000"
            .to_owned()
    })?;
    match size.as_u64() {
        0 => Err("the limit must be more than 0 bytes".to_owned()),
        bytes => Ok(bytes),
    }
}

impl ServeSettings {
    /// Settings for serving `content` on a free local port, as tests want them.
    pub fn for_content(content: impl Into<PathBuf>) -> ServeSettings {
        ServeSettings {
            content: content.into(),
            bind: "127.0.0.1:0".to_owned(),
            strict: false,
            reading: ReadingSettings::default(),
            site_title: "Quire".to_owned(),
            site_description: String::new(),
            base_url: None,
            cache_control: crate::http::policy::DEFAULT_CACHE_CONTROL.to_owned(),
            cors_origins: Vec::new(),
            no_watch: false,
            preview_token: None,
            webhook_url: None,
            webhook_secret: None,
            feed_content: FeedContent::Full,
            post_url: crate::domain::DEFAULT_POST_URL.to_owned(),
            index_dir: None,
            max_event_streams: crate::routes::DEFAULT_MAX_EVENT_STREAMS,
            access_log: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_parses_with_and_without_a_subcommand() {
        let cli = Cli::try_parse_from(["quire", "--content", "posts", "--strict"]).unwrap();
        assert!(cli.command.is_none());
        assert_eq!(cli.serve.content, PathBuf::from("posts"));
        assert!(cli.serve.strict);
        let cli = Cli::try_parse_from(["quire", "check", "dir"]).unwrap();
        assert!(
            matches!(cli.command, Some(Command::Check(CheckSettings { ref dir, .. })) if dir == &PathBuf::from("dir"))
        );
        let cli = Cli::try_parse_from(["quire", "serve", "--bind", "0.0.0.0:9000"]).unwrap();
        assert!(
            matches!(cli.command, Some(Command::Serve(ref settings)) if settings.bind == "0.0.0.0:9000")
        );
    }

    #[test]
    fn embed_hosts_repeat_or_split_on_commas_for_serve_and_check() {
        let cli = Cli::try_parse_from([
            "quire",
            "--embed-host",
            "videos.example.org",
            "--embed-host",
            "a.example,b.example",
        ])
        .unwrap();
        assert_eq!(
            cli.serve.reading.embed_hosts,
            ["videos.example.org", "a.example", "b.example"]
        );
        let cli =
            Cli::try_parse_from(["quire", "check", "dir", "--embed-host", "c.example"]).unwrap();
        assert!(
            matches!(cli.command, Some(Command::Check(CheckSettings { ref reading, .. })) if reading.embed_hosts == ["c.example"])
        );
    }

    #[test]
    fn the_file_size_limit_takes_units_and_refuses_nonsense() {
        for (value, bytes) in [
            ("5MB", 5_000_000),
            ("512KB", 512_000),
            ("5000000", 5_000_000),
            ("1 MiB", 1_048_576),
        ] {
            let cli = Cli::try_parse_from(["quire", "--max-file-size", value]).unwrap();
            assert_eq!(cli.serve.reading.max_file_size, bytes, "{value}");
        }
        let cli =
            Cli::try_parse_from(["quire", "check", "dir", "--max-file-size", "10KB"]).unwrap();
        assert!(matches!(
            cli.command,
            Some(Command::Check(CheckSettings { ref reading, .. })) if reading.max_file_size == 10_000
        ));
        assert_eq!(
            Cli::try_parse_from(["quire"])
                .unwrap()
                .serve
                .reading
                .max_file_size,
            5_000_000
        );
        for bad in ["lots", "5 parsecs", "0", "-1MB"] {
            let flag = format!("--max-file-size={bad}");
            let err = Cli::try_parse_from(["quire", flag.as_str()]).unwrap_err();
            let text = err.to_string();
            assert!(
                text.contains("--max-file-size") && text.contains(bad),
                "{bad}: {text}"
            );
        }
    }

    #[test]
    fn cors_origins_repeat_or_split_on_commas_and_cache_control_has_a_default() {
        let cli = Cli::try_parse_from([
            "quire",
            "--cors-origin",
            "https://a.example",
            "--cors-origin",
            "https://b.example,https://c.example",
        ])
        .unwrap();
        assert_eq!(
            cli.serve.cors_origins,
            [
                "https://a.example",
                "https://b.example",
                "https://c.example"
            ]
        );
        assert_eq!(
            cli.serve.cache_control,
            crate::http::policy::DEFAULT_CACHE_CONTROL
        );
    }
}
