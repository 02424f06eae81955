//! A guard before the YAML parser: finding, in one pass, a flow collection (`[` or `{`) nested
//! deeper than the limit, so such front matter is refused before libyaml's scanner spends time
//! quadratic in its size on it. It follows the scanner's own rules for where tokens start, so
//! it counts the brackets the scanner would. The front matter tests
//! `brackets_in_text_comments_and_block_scalars_are_not_nesting` and
//! `nesting_after_a_quote_inside_plain_text_is_still_counted` guard that it agrees with the
//! parser, and `nesting_up_to_the_limit_is_read_and_one_more_is_refused` its limit.

/// The byte offset where YAML text opens its `limit + 1`th nested flow collection (`[` or `{`),
/// if it does.
///
/// libyaml's scanner spends time proportional to the open flow collections on every token, so
/// a deep `[[[[...` costs time quadratic in the file's size before any depth limit is reached.
/// This scan follows the scanner's own rules for what starts a token (quoted and block scalars,
/// plain scalars across lines by indentation, comments) in one pass, so the brackets it counts
/// are the ones the scanner would.
pub(super) fn yaml_flow_too_deep(text: &str, limit: usize) -> Option<usize> {
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
