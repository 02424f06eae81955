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

/// The byte offset where YAML text opens its `limit + 1`th nested flow collection (`[` or `{`),
/// if it does.
///
/// libyaml's scanner spends time proportional to the open flow collections on every token, so
/// a deep `[[[[...` costs time quadratic in the file's size before any depth limit is reached.
/// This scan follows the scanner's own rules for what starts a token (quoted and block scalars,
/// plain scalars across lines by indentation, comments) in one pass, so the brackets it counts
/// are the ones the scanner would.
fn yaml_flow_too_deep(text: &str, limit: usize) -> Option<usize> {
    YamlScan::new(text).too_deep(limit)
}

/// The cursor of [`yaml_flow_too_deep`]: a byte position, its column in characters, and the
/// parts of libyaml's scanner state that decide where tokens start.
struct YamlScan<'a> {
    bytes: &'a [u8],
    at: usize,
    /// The column of `at`, in characters, as libyaml counts it.
    column: usize,
    /// Characters before `at`, for libyaml's 1024-character limit on simple keys.
    chars: usize,
    /// Open flow collections.
    depth: usize,
    /// libyaml's block indentation stack; -1 at the bottom.
    indents: Vec<isize>,
    /// Whether a simple key may start here (libyaml's `simple_key_allowed`).
    key_allowed: bool,
    /// The column and character index of a possible block-level simple key on this line.
    key: Option<(usize, usize)>,
}

impl<'a> YamlScan<'a> {
    fn new(text: &'a str) -> YamlScan<'a> {
        YamlScan {
            bytes: text.as_bytes(),
            at: 0,
            column: 0,
            chars: 0,
            depth: 0,
            indents: vec![-1],
            key_allowed: true,
            key: None,
        }
    }

    fn peek(&self, ahead: usize) -> Option<u8> {
        self.bytes.get(self.at + ahead).copied()
    }

    /// The length of a line break at `at + ahead` (LF, CR, CRLF, NEL, LS, PS), or 0.
    fn break_len(&self, ahead: usize) -> usize {
        match &self.bytes[(self.at + ahead).min(self.bytes.len())..] {
            [b'\r', b'\n', ..] => 2,
            [b'\r' | b'\n', ..] => 1,
            [0xC2, 0x85, ..] => 2,
            [0xE2, 0x80, 0xA8 | 0xA9, ..] => 3,
            _ => 0,
        }
    }

    fn is_blank(&self, ahead: usize) -> bool {
        matches!(self.peek(ahead), Some(b' ' | b'\t'))
    }

    /// Blank, a line break, or the end of the text.
    fn is_blankz(&self, ahead: usize) -> bool {
        self.peek(ahead).is_none() || self.is_blank(ahead) || self.break_len(ahead) > 0
    }

    fn at_end(&self) -> bool {
        self.at >= self.bytes.len()
    }

    /// Moves past one character or line break.
    fn bump(&mut self) {
        let line_break = self.break_len(0);
        if line_break > 0 {
            self.at += line_break;
            self.column = 0;
            self.chars += 1;
            return;
        }
        self.at += 1;
        while self.peek(0).is_some_and(|b| b & 0xC0 == 0x80) {
            self.at += 1;
        }
        self.column += 1;
        self.chars += 1;
    }

    fn indent(&self) -> isize {
        self.indents.last().copied().unwrap_or(-1)
    }

    fn roll_indent(&mut self, column: usize) {
        if self.depth == 0 && self.indent() < column as isize {
            self.indents.push(column as isize);
        }
    }

    fn unroll_indent(&mut self, column: isize) {
        if self.depth == 0 {
            while self.indent() > column {
                self.indents.pop();
            }
        }
    }

    /// Notes a possible simple key starting here, as libyaml does for scalars and collections.
    fn save_key(&mut self) {
        if self.depth == 0 && self.key_allowed {
            self.key = Some((self.column, self.chars));
        }
    }

    fn too_deep(mut self, limit: usize) -> Option<usize> {
        loop {
            self.skip_to_token();
            if self.at_end() {
                return None;
            }
            if self.depth == 0 {
                self.unroll_indent(self.column as isize);
            }
            let is_document_marker = self.column == 0
                && (self.bytes[self.at..].starts_with(b"---")
                    || self.bytes[self.at..].starts_with(b"..."))
                && self.is_blankz(3);
            let start = self.at;
            match self.peek(0).unwrap_or_default() {
                _ if is_document_marker => {
                    self.unroll_indent(-1);
                    self.key = None;
                    self.key_allowed = false;
                    (0..3).for_each(|_| self.bump());
                }
                b'[' | b'{' => {
                    self.save_key();
                    self.depth += 1;
                    if self.depth > limit {
                        return Some(start);
                    }
                    self.key_allowed = true;
                    self.bump();
                }
                b']' | b'}' => {
                    self.depth = self.depth.saturating_sub(1);
                    self.key_allowed = false;
                    self.bump();
                }
                b',' => {
                    self.key_allowed = true;
                    self.bump();
                }
                b'-' if self.is_blankz(1) => {
                    self.roll_indent(self.column);
                    self.key = None;
                    self.key_allowed = true;
                    self.bump();
                }
                b'?' if self.depth > 0 || self.is_blankz(1) => {
                    self.roll_indent(self.column);
                    self.key = None;
                    self.key_allowed = self.depth == 0;
                    self.bump();
                }
                b':' if self.depth > 0 || self.is_blankz(1) => {
                    match self.key.take() {
                        Some((column, chars)) if chars + 1024 >= self.chars => {
                            self.roll_indent(column);
                            self.key_allowed = false;
                        }
                        _ => {
                            self.roll_indent(self.column);
                            self.key_allowed = self.depth == 0;
                        }
                    }
                    self.bump();
                }
                b'*' | b'&' | b'!' => {
                    self.save_key();
                    self.key_allowed = false;
                    self.bump();
                    while !self.at_end()
                        && !self.is_blankz(0)
                        && !matches!(self.peek(0), Some(b',' | b'[' | b']' | b'{' | b'}'))
                    {
                        self.bump();
                    }
                }
                b'|' | b'>' if self.depth == 0 => {
                    self.skip_block_scalar();
                    self.key = None;
                    self.key_allowed = true;
                }
                quote @ (b'\'' | b'"') => {
                    self.save_key();
                    self.skip_quoted(quote);
                    self.key_allowed = false;
                }
                _ => {
                    self.save_key();
                    let multiline = self.skip_plain();
                    self.key_allowed = multiline;
                }
            }
        }
    }

    /// Skips blanks, comments and line breaks, as libyaml does between tokens.
    fn skip_to_token(&mut self) {
        while !self.at_end() {
            if self.is_blank(0) {
                self.bump();
            } else if self.peek(0) == Some(b'#') {
                while !self.at_end() && self.break_len(0) == 0 {
                    self.bump();
                }
            } else if self.break_len(0) > 0 {
                self.bump();
                self.key = None;
                if self.depth == 0 {
                    self.key_allowed = true;
                }
            } else {
                return;
            }
        }
    }

    fn skip_quoted(&mut self, quote: u8) {
        self.bump();
        while let Some(b) = self.peek(0) {
            if quote == b'\'' && b == b'\'' && self.peek(1) == Some(b'\'') {
                self.bump();
                self.bump();
            } else if quote == b'"' && b == b'\\' {
                self.bump();
                if !self.at_end() {
                    self.bump();
                }
            } else if b == quote {
                self.bump();
                return;
            } else {
                self.bump();
            }
        }
    }

    /// Skips a plain scalar by libyaml's rules; returns whether it ended after a line break.
    fn skip_plain(&mut self) -> bool {
        let continuation = self.indent() + 1;
        let mut after_break = false;
        loop {
            let is_document_marker = self.column == 0
                && (self.bytes[self.at..].starts_with(b"---")
                    || self.bytes[self.at..].starts_with(b"..."))
                && self.is_blankz(3);
            if self.at_end() || is_document_marker || self.peek(0) == Some(b'#') {
                return after_break;
            }
            while !self.is_blankz(0) {
                let flow_indicator =
                    |b: Option<u8>| matches!(b, Some(b',' | b'[' | b']' | b'{' | b'}'));
                if (self.peek(0) == Some(b':') && self.is_blankz(1))
                    || (self.depth > 0
                        && (flow_indicator(self.peek(0))
                            || (self.peek(0) == Some(b':')
                                && (flow_indicator(self.peek(1)) || self.peek(1) == Some(b'?')))))
                {
                    return after_break;
                }
                self.bump();
                after_break = false;
            }
            while !self.at_end() && (self.is_blank(0) || self.break_len(0) > 0) {
                if self.break_len(0) > 0 {
                    after_break = true;
                    self.key = None;
                }
                self.bump();
            }
            if self.depth == 0 && (self.column as isize) < continuation {
                return after_break;
            }
        }
    }

    /// Skips a `|` or `>` scalar: its header line, then every line indented at least as far as
    /// its content, which libyaml takes from an indentation indicator or the first line.
    fn skip_block_scalar(&mut self) {
        self.bump();
        let mut increment = 0;
        for _ in 0..2 {
            match self.peek(0) {
                Some(b'+' | b'-') => self.bump(),
                Some(digit @ b'1'..=b'9') => {
                    increment = isize::from(digit - b'0');
                    self.bump();
                }
                _ => {}
            }
        }
        while !self.at_end() && self.break_len(0) == 0 {
            self.bump();
        }
        if self.at_end() {
            return;
        }
        self.bump();
        let parent = self.indent();
        let mut indent = if increment > 0 {
            if parent >= 0 {
                parent + increment
            } else {
                increment
            }
        } else {
            0
        };
        // Leading blank lines, and the first content line's indentation when none is given.
        let mut widest = 0;
        loop {
            while (indent == 0 || (self.column as isize) < indent) && self.peek(0) == Some(b' ') {
                self.bump();
            }
            widest = widest.max(self.column as isize);
            if self.break_len(0) == 0 {
                break;
            }
            self.bump();
        }
        if indent == 0 {
            indent = widest.max(parent + 1).max(1);
        }
        while self.column as isize == indent && !self.at_end() {
            while !self.at_end() && self.break_len(0) == 0 {
                self.bump();
            }
            if self.at_end() {
                return;
            }
            self.bump();
            loop {
                while (self.column as isize) < indent && self.peek(0) == Some(b' ') {
                    self.bump();
                }
                if self.break_len(0) == 0 {
                    break;
                }
                self.bump();
            }
        }
    }
}

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

    fn nested(depth: usize) -> String {
        format!("{}\"a\"{}", "[".repeat(depth), "]".repeat(depth))
    }

    #[test]
    fn flow_nesting_past_the_limit_is_refused_naming_the_field_line_and_limit() {
        let source = format!("---\ntitle: Hi\nmatrix: {}\n---\n", nested(100_000));
        let err = parse(&split(&source).unwrap()).unwrap_err();
        assert_eq!((err.line, err.column), (3, Some(9 + MAX_DEPTH)));
        assert!(err.message.starts_with("`matrix` nests"), "{}", err.message);
        assert!(err.message.contains("32 levels"), "{}", err.message);
    }

    #[test]
    fn nesting_up_to_the_limit_is_read_and_one_more_is_refused() {
        for (format, value) in [
            ("---\nx: ", nested(MAX_DEPTH)),
            ("+++\nx = ", nested(MAX_DEPTH)),
        ] {
            let fence = &format[..3];
            let at_limit = format!("{format}{value}\n{fence}\n");
            assert!(parse(&split(&at_limit).unwrap()).is_ok(), "{at_limit}");
            let past = format!("{format}[{value}]\n{fence}\n");
            let err = parse(&split(&past).unwrap()).unwrap_err();
            assert!(err.message.starts_with("`x` nests"), "{}", err.message);
        }
        let block = |depth: usize| {
            let mut text = String::from("---\nx:\n");
            for level in 0..depth {
                text.push_str(&"  ".repeat(level));
                text.push_str("- \n");
            }
            text.pop();
            text.push_str("a\n---\n");
            text
        };
        assert!(parse(&split(&block(MAX_DEPTH)).unwrap()).is_ok());
        let err = parse(&split(&block(MAX_DEPTH + 1)).unwrap()).unwrap_err();
        assert_eq!(err.line, 2);
        assert!(err.message.starts_with("`x` nests"), "{}", err.message);
        let err = parse(&split(&block(500)).unwrap()).unwrap_err();
        assert!(err.message.starts_with("`x` nests"), "{}", err.message);
    }

    #[test]
    fn brackets_in_text_comments_and_block_scalars_are_not_nesting() {
        let deep = "[".repeat(MAX_DEPTH + 8);
        let source = format!(
            "---\ntitle: \"{deep}\"\nnote: '{deep}'\nplain: a{deep}\n# {deep}\ncode: |\n  {deep}\n    {deep}\nfolded: >-\n  {deep}\nafter: [x]\nlist:\n- k: |\n    {deep}\n  j: b\n---\n"
        );
        let map = parse(&split(&source).unwrap()).unwrap();
        assert_eq!(map["code"], format!("{deep}\n  {deep}\n"));
        assert_eq!(map["after"][0], "x");
        assert_eq!(map["list"][0]["j"], "b");
    }

    #[test]
    fn nesting_after_a_quote_inside_plain_text_is_still_counted() {
        // The quote continues a plain scalar, so the YAML scanner reads the brackets after it.
        let source = format!(
            "---\na: plain\n  \"x\nb: {}\n\"\n---\n",
            nested(MAX_DEPTH + 1)
        );
        let err = parse(&split(&source).unwrap()).unwrap_err();
        assert!(err.message.starts_with("`b` nests"), "{}", err.message);
        // A block scalar ends at a line indented less than its content.
        let source = format!(
            "---\nlist:\n- k: |\n    text\n  x: {}\n---\n",
            nested(MAX_DEPTH + 1)
        );
        let err = parse(&split(&source).unwrap()).unwrap_err();
        assert_eq!(err.line, 5);
    }
}
