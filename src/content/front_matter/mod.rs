//! Front matter: splitting a post into its YAML (`---`) or TOML (`+++`) header and Markdown body,
//! and parsing the header into one JSON-like map whatever its format.

use serde_json::{Map, Value};

use super::problem::{Located, line_and_column};
use yaml_depth::yaml_flow_too_deep;

mod yaml_depth;

/// The language a front matter block is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Between `---` lines, as Jekyll, Hugo and most blogs write it.
    Yaml,
    /// Between `+++` lines, as Hugo and Zola write it.
    Toml,
}

impl Format {
    fn fence(self) -> &'static str {
        match self {
            Format::Yaml => "---",
            Format::Toml => "+++",
        }
    }
}

/// A post's text cut into front matter and body. Expects LF line endings and no BOM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split<'a> {
    /// The front matter's language.
    pub format: Format,
    /// The text between the fences.
    pub front_matter: &'a str,
    /// The 1-based line the front matter text starts on (2: the line after the opening fence).
    pub front_matter_line: usize,
    /// The Markdown after the closing fence.
    pub body: &'a str,
}

/// Cuts `source` at its front matter fences.
pub fn split(source: &str) -> Result<Split<'_>, Located> {
    let first_line = source.lines().next().unwrap_or_default().trim_end();
    let format = match first_line {
        "---" => Format::Yaml,
        "+++" => Format::Toml,
        _ => {
            return Err(Located::at_line(
                1,
                "no front matter: a post starts with a `---` line, then `title:` and `date:` lines, then another `---` line",
            ));
        }
    };
    let after_open = source.find('\n').map_or(source.len(), |i| i + 1);
    let mut offset = after_open;
    for line in source[after_open..].split_inclusive('\n') {
        let trimmed = line.trim_end();
        let closes = trimmed == format.fence() || (format == Format::Yaml && trimmed == "...");
        if closes {
            return Ok(Split {
                format,
                front_matter: &source[after_open..offset],
                front_matter_line: 2,
                body: &source[offset + line.len()..],
            });
        }
        offset += line.len();
    }
    Err(Located::at_line(
        1,
        format!(
            "the front matter opened on line 1 is never closed: add a `{}` line after the last field",
            format.fence()
        ),
    ))
}

/// Parses the front matter text into a map of fields.
pub fn parse(split: &Split<'_>) -> Result<Map<String, Value>, Located> {
    let value = match split.format {
        Format::Yaml => parse_yaml(split.front_matter, split.front_matter_line)?,
        Format::Toml => parse_toml(split.front_matter, split.front_matter_line)?,
    };
    match value {
        Value::Object(map) => {
            if let Some((key, _)) = map.iter().find(|(_, value)| depth(value) > MAX_DEPTH) {
                return Err(Located::at_line(
                    key_line(split, &[key]),
                    too_deep(Some(key)),
                ));
            }
            Ok(map)
        }
        Value::Null => Ok(Map::new()),
        _ => Err(Located::at_line(
            split.front_matter_line,
            "front matter must be `key: value` lines, such as `title: My post`",
        )),
    }
}

fn parse_yaml(text: &str, first_line: usize) -> Result<Value, Located> {
    if let Some(offset) = yaml_flow_too_deep(text, MAX_DEPTH) {
        let (line, column) = line_and_column(text, offset);
        return Err(Located {
            line: first_line + line - 1,
            column: Some(column),
            message: too_deep(field_before(text, offset, ':')),
        });
    }
    let yaml: serde_yaml::Value = serde_yaml::from_str(text).map_err(|err| {
        let (line, column) = err
            .location()
            .map_or((0, None), |at| (at.line(), Some(at.column())));
        let message = match err.to_string() {
            // serde_yaml stops at 128 levels; the message names Quire's own limit instead.
            reason if reason.starts_with("recursion limit exceeded") => {
                let offset = err.location().map_or(0, |at| at.index());
                too_deep(field_before(text, offset, ':'))
            }
            reason => format!(
                "the front matter is not valid YAML: {}",
                without_location(&reason)
            ),
        };
        Located {
            line: first_line + line.saturating_sub(1),
            column,
            message,
        }
    })?;
    serde_json::to_value(yaml).map_err(|err| {
        Located::at_line(
            first_line,
            format!("the front matter has a field Quire cannot read: {err}"),
        )
    })
}

fn parse_toml(text: &str, first_line: usize) -> Result<Value, Located> {
    let table: toml::Table = text.parse().map_err(|err: toml::de::Error| {
        let (line, column) = err
            .span()
            .map_or((1, 1), |span| line_and_column(text, span.start));
        let message = if err.message().contains("recurs") {
            too_deep(
                err.span()
                    .and_then(|span| field_before(text, span.start, '=')),
            )
        } else {
            format!("the front matter is not valid TOML: {}", err.message())
        };
        Located {
            line: first_line + line - 1,
            column: Some(column),
            message,
        }
    })?;
    Ok(toml_to_json(toml::Value::Table(table)))
}

/// TOML dates become strings, the same as the YAML timestamps serde_yaml hands over.
fn toml_to_json(value: toml::Value) -> Value {
    match value {
        toml::Value::String(s) => Value::String(s),
        toml::Value::Integer(i) => Value::from(i),
        toml::Value::Float(f) => Value::from(f),
        toml::Value::Boolean(b) => Value::Bool(b),
        toml::Value::Datetime(dt) => Value::String(dt.to_string()),
        toml::Value::Array(items) => Value::Array(items.into_iter().map(toml_to_json).collect()),
        toml::Value::Table(table) => Value::Object(
            table
                .into_iter()
                .map(|(k, v)| (k, toml_to_json(v)))
                .collect(),
        ),
    }
}

/// The deepest nesting of lists and maps a front matter field may have: deeper is a generated
/// or hostile file, and refused before the YAML parser spends time on it.
pub const MAX_DEPTH: usize = 32;

/// How many lists and maps are nested in `value`: 0 for text, 1 for `[a, b]`.
fn depth(value: &Value) -> usize {
    match value {
        Value::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
        Value::Object(map) => 1 + map.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

/// The problem for a value nested past [`MAX_DEPTH`], naming its field when known.
fn too_deep(field: Option<&str>) -> String {
    let what = field.map_or_else(
        || "a front matter value".to_owned(),
        |key| format!("`{key}`"),
    );
    format!(
        "{what} nests lists or maps more than {MAX_DEPTH} levels deep, the limit for front matter; flatten it"
    )
}

/// The top-level key whose value holds `offset`: the last line before it that starts with a
/// key (ending at `separator`), as written at the left margin.
fn field_before(text: &str, offset: usize, separator: char) -> Option<&str> {
    let before = text.get(..offset)?;
    before
        .rsplit('\n')
        .filter(|line| !line.starts_with([' ', '\t', '-', '#', '[', '{']))
        .find_map(|line| {
            let end = line.find(separator)?;
            let key = line[..end].trim().trim_matches(['"', '\'']);
            (!key.is_empty()).then_some(key)
        })
}

/// serde_yaml ends its messages with a position relative to the front matter; Quire reports
/// positions relative to the file instead.
fn without_location(message: &str) -> &str {
    message.find(" at line ").map_or(message, |i| &message[..i])
}

/// The 1-based file line of a top-level `key` in the front matter, for pointing at a bad field.
pub fn key_line(split: &Split<'_>, keys: &[&str]) -> usize {
    split
        .front_matter
        .lines()
        .position(|line| {
            keys.iter().any(|key| {
                let rest = line.strip_prefix(key).map(str::trim_start);
                let rest = rest.or_else(|| {
                    // Quoted keys: "date": ... or 'date' = ...
                    line.strip_prefix(['"', '\''])
                        .and_then(|l| l.strip_prefix(key))
                        .and_then(|l| l.strip_prefix(['"', '\'']))
                        .map(str::trim_start)
                });
                rest.is_some_and(|rest| rest.starts_with(':') || rest.starts_with('='))
            })
        })
        .map_or(split.front_matter_line - 1, |i| split.front_matter_line + i)
}

#[cfg(test)]
mod tests;
