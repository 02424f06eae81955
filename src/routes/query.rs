//! Query strings as sent: repeated keys, comma lists and empty values, checked into typed values
//! with errors that name the parameter and what it accepts. Words are read through the value
//! types' serde names, so each word is written once, on its enum.

use std::collections::HashSet;

use jiff::{Timestamp, ToSpan};
use serde::de::DeserializeOwned;
use serde::de::value::{Error as ValueError, StrDeserializer};
use serde_json::Value;
use utoipa::PartialSchema;
use utoipa::openapi::{RefOr, Schema};

use crate::domain::Slug;
use crate::domain::dates;
use crate::error::ApiError;

/// The longest value Quire reads from one parameter, and the most values in one list.
const MAX_VALUE_LEN: usize = 256;
const MAX_LIST_VALUES: usize = 20;

/// The raw `key=value` pairs of a query string, in order.
#[derive(Debug, Clone, Default)]
pub struct RawQuery {
    pairs: Vec<(String, String)>,
}

impl RawQuery {
    /// Parses a query string; `+` is a space and percent escapes are decoded.
    pub fn parse(query_string: &str) -> Result<RawQuery, ApiError> {
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(query_string).map_err(|err| {
                ApiError::invalid("query", format!("the query string cannot be read: {err}"))
            })?;
        Ok(RawQuery { pairs })
    }

    /// Refuses parameters an endpoint does not know, so a typo such as `tags=` for `tag=` is
    /// reported instead of silently ignored. Names starting with `_` (cache busters) pass.
    pub fn reject_unknown<S: AsRef<str>>(&self, known: &[S]) -> Result<(), ApiError> {
        match self.pairs.iter().find(|(key, _)| {
            !key.starts_with('_') && !known.iter().any(|name| name.as_ref() == key)
        }) {
            Some((key, _)) => Err(ApiError::invalid(
                key.clone(),
                format!(
                    "unknown parameter `{key}`; this endpoint accepts {}",
                    list_words(known)
                ),
            )),
            None => Ok(()),
        }
    }

    /// A parameter given at most once; an empty value is refused, since typed parameters have
    /// no empty value (list parameters, read with `list`, may be empty).
    pub fn single(&self, name: &str) -> Result<Option<&str>, ApiError> {
        let mut values = self
            .pairs
            .iter()
            .filter(|(key, _)| key == name)
            .map(|(_, value)| value.trim());
        let first = values.next();
        if values.next().is_some() {
            return Err(ApiError::invalid(
                name,
                format!("`{name}` is given more than once; give it once"),
            ));
        }
        match first {
            Some(value) if value.chars().count() > MAX_VALUE_LEN => Err(ApiError::invalid(
                name,
                format!("`{name}` is longer than {MAX_VALUE_LEN} characters"),
            )),
            Some("") => Err(ApiError::invalid(
                name,
                format!("`{name}` is empty; give a value or leave the parameter out"),
            )),
            other => Ok(other),
        }
    }

    /// A parameter's first value exactly as sent, untrimmed, for text where a trailing space
    /// means something (search-as-you-type); check it with `single` first.
    pub fn untrimmed(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// A list parameter: comma-separated, repeatable (`tag=a,b` or `tag=a&tag=b`), blanks dropped.
    pub fn list(&self, name: &str) -> Result<Vec<&str>, ApiError> {
        let mut values = self.list_with_blanks(name)?;
        values.retain(|value| !value.is_empty());
        if values.len() > MAX_LIST_VALUES {
            return Err(ApiError::invalid(
                name,
                format!("`{name}` has more than {MAX_LIST_VALUES} values"),
            ));
        }
        Ok(values)
    }

    /// A list of words from a fixed set (`fields=title,date`); a blank or unknown word is
    /// refused with the allowed ones. Repeats are harmless and dropped, so the set bounds the
    /// list and no count limit applies.
    pub fn word_list<S: AsRef<str>>(
        &self,
        name: &str,
        allowed: &[S],
    ) -> Result<Vec<&str>, ApiError> {
        let mut values = self.list_with_blanks(name)?;
        let mut seen = HashSet::new();
        values.retain(|value| seen.insert(*value));
        match values
            .iter()
            .find(|value| !allowed.iter().any(|word| word.as_ref() == **value))
        {
            Some(unknown) => Err(ApiError::invalid(
                name,
                format!(
                    "`{name}` has `{unknown}`; use any of {}",
                    list_words(allowed)
                ),
            )),
            None => Ok(values),
        }
    }

    fn list_with_blanks(&self, name: &str) -> Result<Vec<&str>, ApiError> {
        let values: Vec<&str> = self
            .pairs
            .iter()
            .filter(|(key, _)| key == name)
            .flat_map(|(_, value)| value.split(','))
            .map(str::trim)
            .collect();
        if values
            .iter()
            .any(|value| value.chars().count() > MAX_VALUE_LEN)
        {
            return Err(ApiError::invalid(
                name,
                format!("a `{name}` value is longer than {MAX_VALUE_LEN} characters"),
            ));
        }
        Ok(values)
    }

    /// A whole number within `min..=max`, or `default` when absent.
    pub fn number(&self, name: &str, min: u32, max: u32, default: u32) -> Result<u32, ApiError> {
        let Some(value) = self.single(name)? else {
            return Ok(default);
        };
        value
            .parse::<u32>()
            .ok()
            .filter(|n| (min..=max).contains(n))
            .ok_or_else(|| {
                let range = if max >= i32::MAX as u32 {
                    format!("{min} or more")
                } else {
                    format!("from {min} to {max}")
                };
                ApiError::invalid(
                    name,
                    format!("`{name}` must be a whole number {range}, got `{value}`"),
                )
            })
    }

    /// One of a fixed set of words, or `default` when absent.
    pub fn choice<T: Copy>(
        &self,
        name: &str,
        choices: &[(&str, T)],
        default: T,
    ) -> Result<T, ApiError> {
        let Some(value) = self.single(name)? else {
            return Ok(default);
        };
        choices
            .iter()
            .find(|(word, _)| *word == value)
            .map(|(_, choice)| *choice)
            .ok_or_else(|| {
                let words: Vec<&str> = choices.iter().map(|(word, _)| *word).collect();
                ApiError::invalid(
                    name,
                    format!("`{name}` must be {}, got `{value}`", list_words(&words)),
                )
            })
    }

    /// One word of `T`, a unit enum whose serde names are the words (`sort=-date`), or `None`
    /// when absent; any other word is refused with the enum's words.
    pub fn word<T: DeserializeOwned + PartialSchema>(
        &self,
        name: &str,
    ) -> Result<Option<T>, ApiError> {
        let Some(value) = self.single(name)? else {
            return Ok(None);
        };
        read_word(value).map(Some).ok_or_else(|| {
            ApiError::invalid(
                name,
                format!(
                    "`{name}` must be {}, got `{value}`",
                    list_words(&words_of::<T>())
                ),
            )
        })
    }

    /// A list of term names or slugs as slug keys, so `Backlog Refinement` finds
    /// `backlog-refinement`; a value with no letters or digits becomes the empty key, which no
    /// term has, so it matches nothing instead of being dropped (which would widen the filter).
    pub fn term_keys(&self, name: &str) -> Result<Vec<String>, ApiError> {
        let key = |value: &str| {
            Slug::from_text(value)
                .map(|slug| slug.as_str().to_owned())
                .unwrap_or_default()
        };
        Ok(self.list(name)?.into_iter().map(key).collect())
    }

    /// A date bound: `YYYY-MM-DD` or an RFC 3339 instant. With `end_of_day`, a plain date means
    /// the last instant of that day, so `to=2025-02-15` includes posts from that day.
    pub fn date_bound(&self, name: &str, end_of_day: bool) -> Result<Option<Timestamp>, ApiError> {
        let Some(value) = self.single(name)? else {
            return Ok(None);
        };
        let instant = dates::parse_date(value)
            .map_err(|err| ApiError::invalid(name, format!("`{name}`: {err}")))?;
        let date_only = value.len() == 10 && !value.contains([':', 'T', 't']);
        if end_of_day && date_only {
            let end = instant
                .checked_add(24.hours())
                .ok()
                .and_then(|next| next.checked_sub(1.nanosecond()).ok());
            return Ok(Some(end.unwrap_or(instant)));
        }
        Ok(Some(instant))
    }

    /// The pairs with `page` replaced, as a query string for pagination links.
    pub fn with_page(&self, page: u32) -> String {
        let mut pairs: Vec<(&str, String)> = self
            .pairs
            .iter()
            .filter(|(key, _)| key != "page")
            .map(|(k, v)| (k.as_str(), v.clone()))
            .collect();
        pairs.push(("page", page.to_string()));
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    }
}

/// `value` as a word of the unit enum `T`, through its serde names.
pub(super) fn read_word<T: DeserializeOwned>(value: &str) -> Option<T> {
    T::deserialize(StrDeserializer::<ValueError>::new(value)).ok()
}

/// The words of the unit enum `T`, in declaration order, from its schema (only for messages).
fn words_of<T: PartialSchema>() -> Vec<String> {
    match T::schema() {
        RefOr::T(Schema::Object(object)) => object
            .enum_values
            .unwrap_or_default()
            .into_iter()
            .filter_map(|value| match value {
                Value::String(word) => Some(word),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// `a`, `a or b`, `a, b or c`, each in backticks.
fn list_words<S: AsRef<str>>(words: &[S]) -> String {
    let quoted: Vec<String> = words.iter().map(|w| format!("`{}`", w.as_ref())).collect();
    match quoted.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests;
