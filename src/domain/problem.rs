//! Content problems as the rest of Quire sees them: which file, which line, how bad, and what to
//! do about it. Made while loading (see `content::problem`), kept by the store and served.

use std::fmt;

/// How bad a content problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// The file was skipped; its post is not served.
    Error,
    /// The file is served, after a repair the writer should know about.
    Warning,
}

impl Severity {
    /// The lowercase name used in logs and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// What a content problem is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProblemKind {
    /// The file itself: its front matter, encoding, body or address.
    #[default]
    Content,
    /// A link or a file a post points to: a broken link, an anchor the target lacks, a missing
    /// image, an image without alt text (`quire check --strict-links` fails on these).
    Link,
}

/// One problem found while loading content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The file, relative to the content folder, with `/` separators.
    pub path: String,
    /// The 1-based line the problem is on.
    pub line: usize,
    /// The 1-based column, where the parser knows it.
    pub column: Option<usize>,
    /// Whether the file was skipped or served with a repair.
    pub severity: Severity,
    /// What is wrong and how to fix it.
    pub message: String,
    /// What it is about.
    pub kind: ProblemKind,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.path, self.line)?;
        if let Some(column) = self.column {
            write!(f, ":{column}")?;
        }
        write!(f, ": {}: {}", self.severity.as_str(), self.message)
    }
}
