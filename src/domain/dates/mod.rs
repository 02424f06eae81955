//! Parsing the dates writers put in front matter and in file paths into instants.
//!
//! Front matter dates come from many tools: plain `YYYY-MM-DD`, RFC 3339, Jekyll's
//! `2025-02-15 09:30:00 +0100`, TOML local dates and YAML timestamps. All of them are
//! read by one small hand-written parser so that each accepted form is explicit and
//! every rejection can explain itself to the writer. Values without an offset are
//! taken as UTC.

use std::fmt;

use jiff::Timestamp;
use jiff::civil::{Date, DateTime, Time};
use jiff::tz::Offset;

/// The accepted forms, as named in every error message.
const ACCEPTED_FORMS: &str =
    "use YYYY-MM-DD, RFC 3339 (2025-02-15T09:30:00Z) or \"2025-02-15 09:30:00 +0100\"";

/// How many characters of a rejected value an error message quotes.
const QUOTED_CHARS: usize = 60;

/// Why a date value could not be understood; Display is a sentence a writer understands,
/// naming the value and the accepted forms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateError {
    value: String,
    kind: ErrorKind,
}

/// What exactly was wrong with a rejected value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ErrorKind {
    /// The value was empty or only whitespace.
    Empty,
    /// The value does not have the shape of any accepted form.
    Unrecognized,
    /// The value has an accepted shape, but one of its parts is out of range.
    OutOfRange(&'static str),
}

impl DateError {
    fn new(value: &str, kind: ErrorKind) -> DateError {
        DateError {
            value: value.to_owned(),
            kind,
        }
    }
}

impl fmt::Display for DateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.kind == ErrorKind::Empty {
            return write!(f, "the date is empty; {ACCEPTED_FORMS}");
        }
        let quoted = if self.value.chars().count() > QUOTED_CHARS {
            let mut short: String = self.value.chars().take(QUOTED_CHARS - 1).collect();
            short.push('…');
            short
        } else {
            self.value.clone()
        };
        match self.kind {
            ErrorKind::OutOfRange(reason) => {
                write!(
                    f,
                    "{quoted:?} is not a real date: {reason}; {ACCEPTED_FORMS}"
                )
            }
            _ => write!(f, "{quoted:?} is not a date; {ACCEPTED_FORMS}"),
        }
    }
}

impl std::error::Error for DateError {}

/// Parses a front matter date into an instant.
///
/// Accepts `YYYY-MM-DD` (midnight UTC), RFC 3339 / ISO 8601 with `T`, `t` or spaces
/// between date and time, optional fractional seconds, and an offset written as
/// `Z`, `+01:00`, `+0100` or YAML's `-5`; a missing offset means UTC. The date may also be
/// written `YYYY/MM/DD` (as the React blog does): year first, it cannot be misread.
pub fn parse_date(value: &str) -> Result<Timestamp, DateError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(DateError::new(value, ErrorKind::Empty));
    }
    let parts =
        Parts::parse(value).ok_or_else(|| DateError::new(value, ErrorKind::Unrecognized))?;
    parts
        .to_timestamp()
        .map_err(|reason| DateError::new(value, ErrorKind::OutOfRange(reason)))
}

/// Finds a date in a path relative to the content folder: a `YYYY-MM-DD` prefix of the file name
/// (`2025-02-15-title.md`), or `YYYY/MM/DD` folders (`2025/02/15/title.md`, also `posts/2025/02/15/x/index.md`).
/// Also used on `path`/`permalink` front matter values like `/blog/2025/02/15/title/`.
///
/// A page bundle (`2025-02-15-title/index.md`) takes the date of its folder's name.
/// Impossible dates are ignored; the name's date wins over folder dates.
pub fn date_from_path(path: &str) -> Option<Timestamp> {
    let segments: Vec<&str> = path
        .split(['/', '\\'])
        .filter(|segment| !segment.is_empty())
        .collect();
    let (name, folders) = segments.split_last()?;
    if let Some(date) = name_date(name) {
        return midnight_utc(date);
    }
    if is_index_file(name)
        && let Some(date) = folders.last().and_then(|folder| name_date(folder))
    {
        return midnight_utc(date);
    }
    segments
        .windows(3)
        .find_map(|triple| folder_date(triple[0], triple[1], triple[2]))
        .and_then(midnight_utc)
}

/// The instant at midnight UTC that starts `date`.
fn midnight_utc(date: Date) -> Option<Timestamp> {
    Offset::UTC
        .to_timestamp(date.to_datetime(Time::midnight()))
        .ok()
}

/// Whether a file name is a bundle's `index` or `_index` page.
fn is_index_file(name: &str) -> bool {
    let stem = name.split_once('.').map_or(name, |(stem, _)| stem);
    stem == "index" || stem == "_index"
}

/// The date in a `YYYY-MM-DD` prefix of a file or folder name, when it is a real date.
fn name_date(name: &str) -> Option<Date> {
    let bytes = name.as_bytes();
    let prefix = bytes.get(..10)?;
    if prefix[4] != b'-' || prefix[7] != b'-' {
        return None;
    }
    if bytes.get(10).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    let year = fixed_digits(&prefix[..4])?;
    let month = fixed_digits(&prefix[5..7])?;
    let day = fixed_digits(&prefix[8..10])?;
    real_date(year, month, day)
}

/// The date named by three consecutive folders `YYYY/MM/DD`, when it is a real date.
fn folder_date(year: &str, month: &str, day: &str) -> Option<Date> {
    if year.len() != 4 || month.len() != 2 || day.len() != 2 {
        return None;
    }
    real_date(
        fixed_digits(year.as_bytes())?,
        fixed_digits(month.as_bytes())?,
        fixed_digits(day.as_bytes())?,
    )
}

/// The value of a string made only of ASCII digits.
fn fixed_digits(bytes: &[u8]) -> Option<u32> {
    if bytes.is_empty() || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(
        bytes
            .iter()
            .fold(0, |acc, digit| acc * 10 + u32::from(digit - b'0')),
    )
}

/// A calendar date, when the numbers name a real one.
fn real_date(year: u32, month: u32, day: u32) -> Option<Date> {
    Date::new(
        i16::try_from(year).ok()?,
        i8::try_from(month).ok()?,
        i8::try_from(day).ok()?,
    )
    .ok()
}

/// The numbers of a date value whose shape was recognized, not yet checked for range.
#[derive(Debug, Default)]
struct Parts {
    year: u32,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    nanosecond: u32,
    /// Offset east of UTC as (negative?, hours, minutes); `None` means UTC.
    offset: Option<(bool, u32, u32)>,
}

impl Parts {
    /// Reads the shape of a trimmed date value, or `None` when it is not one.
    fn parse(value: &str) -> Option<Parts> {
        let mut cursor = Cursor::new(value);
        let mut parts = Parts {
            year: cursor.digits(4, 4)?,
            ..Parts::default()
        };
        // The separator after the year is used again after the month: `2025-02/15` is no date.
        let separator = if cursor.eat(b'/') {
            b'/'
        } else {
            cursor.expect(b'-')?;
            b'-'
        };
        parts.month = cursor.digits(1, 2)?;
        cursor.expect(separator)?;
        parts.day = cursor.digits(1, 2)?;
        if cursor.is_done() {
            return Some(parts);
        }

        if !cursor.eat(b'T') && !cursor.eat(b't') && cursor.skip_spaces() == 0 {
            return None;
        }
        parts.hour = cursor.digits(1, 2)?;
        cursor.expect(b':')?;
        parts.minute = cursor.digits(2, 2)?;
        if cursor.eat(b':') {
            parts.second = cursor.digits(2, 2)?;
            if cursor.eat(b'.') || cursor.eat(b',') {
                parts.nanosecond = cursor.fraction()?;
            }
        }

        cursor.skip_spaces();
        if cursor.is_done() {
            return Some(parts);
        }
        if cursor.eat(b'Z') || cursor.eat(b'z') {
            parts.offset = Some((false, 0, 0));
        } else {
            let negative = if cursor.eat(b'-') {
                true
            } else {
                cursor.expect(b'+')?;
                false
            };
            let hours = cursor.digits(1, 2)?;
            let minutes = if cursor.eat(b':') {
                cursor.digits(2, 2)?
            } else if cursor.is_done() {
                0
            } else {
                cursor.digits(2, 2)?
            };
            parts.offset = Some((negative, hours, minutes));
        }
        cursor.is_done().then_some(parts)
    }

    /// Checks every part for range and turns the value into an instant.
    fn to_timestamp(&self) -> Result<Timestamp, &'static str> {
        if !(1..=12).contains(&self.month) {
            return Err("the month must be 01 to 12");
        }
        let date = real_date(self.year, self.month, self.day)
            .ok_or("that day does not exist in that month")?;
        // A leap second (:60) is read as the last second of its minute.
        let second = self.second.min(59);
        let time = i8::try_from(self.hour)
            .ok()
            .zip(i8::try_from(self.minute).ok())
            .zip(i8::try_from(second).ok())
            .zip(i32::try_from(self.nanosecond).ok())
            .and_then(|(((hour, minute), second), nanosecond)| {
                Time::new(hour, minute, second, nanosecond).ok()
            })
            .ok_or("the time must be between 00:00 and 23:59:59")?;
        let offset = match self.offset {
            None => Offset::UTC,
            Some((negative, hours, minutes)) => {
                if hours > 23 || minutes > 59 {
                    return Err("the offset must be between -23:59 and +23:59");
                }
                let seconds = i32::try_from(hours * 3600 + minutes * 60)
                    .map_err(|_| "the offset must be between -23:59 and +23:59")?;
                let seconds = if negative { -seconds } else { seconds };
                Offset::from_seconds(seconds)
                    .map_err(|_| "the offset must be between -23:59 and +23:59")?
            }
        };
        offset
            .to_timestamp(DateTime::from_parts(date, time))
            .map_err(|_| "it is outside the supported years")
    }
}

/// A position in the bytes of a value being parsed.
struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn new(value: &'a str) -> Cursor<'a> {
        Cursor {
            bytes: value.as_bytes(),
            pos: 0,
        }
    }

    fn is_done(&self) -> bool {
        self.pos >= self.bytes.len()
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    /// Consumes `byte` if it comes next.
    fn eat(&mut self, byte: u8) -> bool {
        if self.peek() == Some(byte) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// Consumes `byte`, or fails.
    fn expect(&mut self, byte: u8) -> Option<()> {
        self.eat(byte).then_some(())
    }

    /// Consumes spaces and tabs, returning how many.
    fn skip_spaces(&mut self) -> usize {
        let start = self.pos;
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.pos += 1;
        }
        self.pos - start
    }

    /// Consumes between `min` and `max` digits (as many as there are) and returns their value.
    fn digits(&mut self, min: usize, max: usize) -> Option<u32> {
        let start = self.pos;
        while self.pos - start < max && self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
        }
        let found = &self.bytes[start..self.pos];
        if found.len() < min {
            return None;
        }
        fixed_digits(found)
    }

    /// Consumes the digits of a fractional second and returns it in nanoseconds;
    /// digits past the ninth are dropped.
    fn fraction(&mut self) -> Option<u32> {
        let start = self.pos;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
        }
        let found = &self.bytes[start..self.pos];
        if found.is_empty() {
            return None;
        }
        let mut nanos = 0;
        for place in 0..9 {
            let digit = found.get(place).map_or(0, |d| u32::from(d - b'0'));
            nanos = nanos * 10 + digit;
        }
        Some(nanos)
    }
}

#[cfg(test)]
mod tests;
