//! The source format of a content file: plain Markdown or MDX.

use serde::Serialize;

/// How a file's body is written, decided by its extension (`.mdx`, in any case, is MDX;
/// everything else Quire reads is Markdown).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceFormat {
    /// CommonMark with Quire's extensions (`.md`, `.markdown`).
    #[default]
    Markdown,
    /// MDX: Markdown with `import`/`export` lines and JSX components (`.mdx`).
    Mdx,
}

impl SourceFormat {
    /// The format of a file, from its name.
    pub fn from_path(path: &str) -> Self {
        let extension = path.rsplit_once('.').map_or("", |(_, extension)| extension);
        if extension.eq_ignore_ascii_case("mdx") {
            Self::Mdx
        } else {
            Self::Markdown
        }
    }

    /// The name used on the wire: `markdown` or `mdx`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Markdown => "markdown",
            Self::Mdx => "mdx",
        }
    }
}
