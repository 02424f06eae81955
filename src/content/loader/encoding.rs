//! A file's text as Quire reads it: bytes that are not UTF-8 reported by line and column, and
//! text garbled by a UTF-8/Windows-1252 mix-up repaired with a warning (see `mojibake`).

use crate::content::mojibake;
use crate::content::problem::{Located, line_and_column};
use crate::domain::{Problem, Severity};

/// The problem of bytes that are not UTF-8, placed at the line and column of the first bad byte.
pub(super) fn not_utf8(bytes: &[u8], err: std::str::Utf8Error) -> Located {
    let offset = err.valid_up_to();
    let valid = std::str::from_utf8(&bytes[..offset]).unwrap_or_default();
    let (line, column) = line_and_column(valid, offset);
    let byte = bytes.get(offset).copied().unwrap_or_default();
    Located {
        line,
        column: Some(column),
        message: format!(
            "the file is not UTF-8 text (byte 0x{byte:02X} cannot start a character); save it with UTF-8 encoding"
        ),
    }
}

/// Repairs text garbled by a UTF-8/Windows-1252 mix-up line by line, warning with the first
/// repaired line so the writer can fix the file.
pub(super) fn repair_encoding(path: &str, text: String, warnings: &mut Vec<Problem>) -> String {
    let mut repaired_lines = Vec::new();
    let mut first_example = None;
    // The repaired text is only built once a line needs repair: most files need none.
    let mut out: Option<String> = None;
    let mut offset = 0;
    for (index, line) in text.split_inclusive('\n').enumerate() {
        match mojibake::repair(line) {
            Some(fixed) => {
                if first_example.is_none() {
                    first_example = Some(garbled_example(line, &fixed));
                }
                repaired_lines.push(index + 1);
                out.get_or_insert_with(|| {
                    let mut out = String::with_capacity(text.len());
                    out.push_str(&text[..offset]);
                    out
                })
                .push_str(&fixed);
            }
            None => {
                if let Some(out) = out.as_mut() {
                    out.push_str(line);
                }
            }
        }
        offset += line.len();
    }
    let (Some(first_line), Some(out)) = (repaired_lines.first().copied(), out) else {
        return text;
    };
    let (before, after) = first_example.unwrap_or_default();
    let others = match repaired_lines.len() {
        1 => String::new(),
        n => format!(
            " (and on {} more line{})",
            n - 1,
            if n == 2 { "" } else { "s" }
        ),
    };
    warnings.push(
        Located::at_line(
            first_line,
            format!(
                "repaired text garbled by a wrong encoding: `{before}` is served as `{after}`{others}; save the file as UTF-8 to fix it"
            ),
        )
        .in_file(path, Severity::Warning),
    );
    out
}

/// The word around the first difference between a garbled line and its repair.
fn garbled_example(garbled: &str, fixed: &str) -> (String, String) {
    let word_at = |line: &str, byte: usize| -> String {
        let start = line[..byte].rfind(char::is_whitespace).map_or(0, |i| i + 1);
        let end = line[byte..]
            .find(char::is_whitespace)
            .map_or(line.len(), |i| byte + i);
        line[start..end].to_owned()
    };
    let first_difference = garbled
        .char_indices()
        .zip(fixed.chars())
        .find(|((_, a), b)| a != b)
        .map_or(0, |((i, _), _)| i);
    // The same prefix length in bytes is shared by both lines.
    (
        word_at(garbled, first_difference),
        word_at(fixed, first_difference),
    )
}
