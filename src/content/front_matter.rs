//! Front matter: splitting a post into its YAML (`---`) or TOML (`+++`) header and Markdown body,
//! and parsing the header into one JSON-like map whatever its format.

use serde_json::{Map, Value};

use super::problem::{Located, line_and_column};

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
        Value::Object(map) => Ok(map),
        Value::Null => Ok(Map::new()),
        _ => Err(Located::at_line(
            split.front_matter_line,
            "front matter must be `key: value` lines, such as `title: My post`",
        )),
    }
}

fn parse_yaml(text: &str, first_line: usize) -> Result<Value, Located> {
    let yaml: serde_yaml::Value = serde_yaml::from_str(text).map_err(|err| {
        let (line, column) = err
            .location()
            .map_or((0, None), |at| (at.line(), Some(at.column())));
        Located {
            line: first_line + line.saturating_sub(1),
            column,
            message: format!(
                "the front matter is not valid YAML: {}",
                without_location(&err.to_string())
            ),
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
        Located {
            line: first_line + line - 1,
            column: Some(column),
            message: format!("the front matter is not valid TOML: {}", err.message()),
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
mod tests {
    use super::*;

    #[test]
    fn yaml_front_matter_is_split_from_the_body() {
        let split = split("---\ntitle: Hi\n---\n\nBody\n").unwrap();
        assert_eq!(split.format, Format::Yaml);
        assert_eq!(split.front_matter, "title: Hi\n");
        assert_eq!(split.body, "\nBody\n");
    }

    #[test]
    fn toml_front_matter_is_split_and_parsed() {
        let split = split("+++\ntitle = \"Hi\"\ndate = 2025-02-15\n+++\nBody").unwrap();
        assert_eq!(split.format, Format::Toml);
        let map = parse(&split).unwrap();
        assert_eq!(map["title"], "Hi");
        assert_eq!(map["date"], "2025-02-15");
        assert_eq!(split.body, "Body");
    }

    #[test]
    fn a_file_without_front_matter_is_refused_on_line_one() {
        let err = split("# Just markdown\n").unwrap_err();
        assert_eq!(err.line, 1);
        assert!(err.message.contains("no front matter"));
    }

    #[test]
    fn unclosed_front_matter_is_refused() {
        let err = split("---\ntitle: Hi\n\nBody").unwrap_err();
        assert!(err.message.contains("never closed"), "{}", err.message);
    }

    #[test]
    fn yaml_errors_point_at_the_line_in_the_file() {
        let source = "---\ntitle: Hi\ndate: 2025-01-01\ntags: [a, b\n---\nBody";
        let err = parse(&split(source).unwrap()).unwrap_err();
        assert!(
            err.line >= 4,
            "line {} should be at or after the broken tags line",
            err.line
        );
        assert!(
            err.message
                .starts_with("the front matter is not valid YAML"),
            "{}",
            err.message
        );
        assert!(!err.message.contains(" at line "), "{}", err.message);
    }

    #[test]
    fn toml_errors_point_at_the_line_in_the_file() {
        let source = "+++\ntitle = \"Hi\"\ndate = \n+++\n";
        let err = parse(&split(source).unwrap()).unwrap_err();
        assert_eq!(err.line, 3);
        assert!(err.column.is_some());
    }

    #[test]
    fn front_matter_that_is_not_a_mapping_is_refused() {
        let err = parse(&split("---\n- a\n- b\n---\n").unwrap()).unwrap_err();
        assert!(err.message.contains("key: value"));
    }

    #[test]
    fn key_lines_are_found_for_yaml_and_toml() {
        let yaml = split("---\ntitle: Hi\ndate: x\n---\n").unwrap();
        assert_eq!(key_line(&yaml, &["date"]), 3);
        let toml = split("+++\ntitle = \"Hi\"\n\"date\" = 1\n+++\n").unwrap();
        assert_eq!(key_line(&toml, &["date"]), 3);
        assert_eq!(key_line(&yaml, &["missing"]), 1);
    }
}
