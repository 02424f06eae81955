//! Content problems: what is wrong with which file, on which line, in words a writer understands.
//! The `Problem` the store keeps is a domain value; this module holds what
//! loading needs to make one: a position before the file is known, and line counting.

use crate::domain::{Problem, ProblemKind, Severity};

/// A problem inside one file whose path is not known yet: the parsing functions are pure and
/// work on text, and the loader adds the path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    /// The 1-based line.
    pub line: usize,
    /// The 1-based column, if known.
    pub column: Option<usize>,
    /// What is wrong.
    pub message: String,
}

impl Located {
    /// A problem on a whole line.
    pub fn at_line(line: usize, message: impl Into<String>) -> Located {
        Located {
            line,
            column: None,
            message: message.into(),
        }
    }

    /// Attaches the file path and severity.
    pub fn in_file(self, path: &str, severity: Severity) -> Problem {
        Problem {
            path: path.to_owned(),
            line: self.line,
            column: self.column,
            severity,
            message: self.message,
            kind: ProblemKind::Content,
        }
    }
}

/// The 1-based line and column of a byte offset in `text`.
pub fn line_and_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.as_bytes().get(..offset).unwrap_or_default();
    let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let column = 1 + String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count();
    (line, column)
}

/// `count` and `noun`, the noun in the plural unless the count is one: `1 error`, `2 errors`.
///
/// ```
/// use quire::content::problem::counted;
/// assert_eq!(counted(1, "error"), "1 error");
/// assert_eq!(counted(0, "warning"), "0 warnings");
/// ```
pub fn counted(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_map_to_one_based_lines_and_columns() {
        let text = "ab\ncdé\nf";
        assert_eq!(line_and_column(text, 0), (1, 1));
        assert_eq!(line_and_column(text, 3), (2, 1));
        assert_eq!(line_and_column(text, 7), (2, 4));
        assert_eq!(line_and_column(text, 8), (3, 1));
        assert_eq!(line_and_column(text, 999), (3, 2));
    }

    #[test]
    fn a_problem_prints_like_a_compiler_message() {
        let problem = Located {
            line: 3,
            column: Some(7),
            message: "bad".into(),
        }
        .in_file("posts/a.md", Severity::Error);
        assert_eq!(problem.to_string(), "posts/a.md:3:7: error: bad");
    }
}
