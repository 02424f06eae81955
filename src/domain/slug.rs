//! URL slugs: lowercase ASCII words joined by `-`, the only key a post or term is found by.

use std::fmt;

/// A URL-safe identifier such as `backlog-refinement`: lowercase ASCII letters and digits in words
/// joined by single hyphens. Made only through [`Slug::parse`] or [`Slug::from_text`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Slug(String);

/// Why a string is not a slug.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SlugError {
    /// Nothing left after normalising, e.g. `"!!!"`.
    Empty,
    /// Longer than 200 bytes.
    TooLong,
    /// Contains something other than `a-z`, `0-9` and single inner hyphens.
    NotNormalised,
}

impl fmt::Display for SlugError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SlugError::Empty => f.write_str("a slug needs at least one letter or digit"),
            SlugError::TooLong => write!(f, "a slug is at most {} characters", Slug::MAX_LEN),
            SlugError::NotNormalised => f.write_str(
                "a slug is lowercase letters a-z and digits, in words joined by single hyphens",
            ),
        }
    }
}

impl std::error::Error for SlugError {}

impl Slug {
    /// The longest slug Quire accepts, in bytes; longer ones cannot name anything.
    pub const MAX_LEN: usize = 200;

    /// Accepts a string that already is a slug, exactly as written; used for slugs in URLs,
    /// so `../etc`, `Foo` or `a--b` are refused rather than silently changed.
    ///
    /// ```
    /// use quire::domain::Slug;
    /// assert_eq!(Slug::parse("backlog-refinement").unwrap().as_str(), "backlog-refinement");
    /// assert!(Slug::parse("../etc/passwd").is_err());
    /// ```
    pub fn parse(value: &str) -> Result<Slug, SlugError> {
        if value.is_empty() {
            return Err(SlugError::Empty);
        }
        if value.len() > Slug::MAX_LEN {
            return Err(SlugError::TooLong);
        }
        let well_formed = value.split('-').all(|word| {
            !word.is_empty()
                && word
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        });
        if well_formed {
            Ok(Slug(value.to_owned()))
        } else {
            Err(SlugError::NotNormalised)
        }
    }

    /// Normalises any text into a slug, transliterating accents and symbols to ASCII.
    ///
    /// ```
    /// use quire::domain::Slug;
    /// assert_eq!(Slug::from_text("Café Déjà").unwrap().as_str(), "cafe-deja");
    /// assert_eq!(Slug::from_text("backlog refinement").unwrap().as_str(), "backlog-refinement");
    /// ```
    pub fn from_text(text: &str) -> Result<Slug, SlugError> {
        let mut slug = slug::slugify(text);
        if slug.is_empty() {
            return Err(SlugError::Empty);
        }
        if slug.len() > Slug::MAX_LEN {
            slug.truncate(Slug::MAX_LEN);
            while slug.ends_with('-') {
                slug.pop();
            }
        }
        Ok(Slug(slug))
    }

    /// The slug as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Slug {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_normalised_to_lowercase_ascii_words() {
        let cases = [
            ("Backlog Refinement", "backlog-refinement"),
            ("Café Déjà", "cafe-deja"),
            ("  Hello,   World!  ", "hello-world"),
            ("C'est l'été", "c-est-l-ete"),
            ("Straße", "strasse"),
            ("2025 Q1 — plans", "2025-q1-plans"),
        ];
        for (text, expected) in cases {
            assert_eq!(
                Slug::from_text(text).unwrap().as_str(),
                expected,
                "for {text:?}"
            );
        }
    }

    #[test]
    fn text_without_letters_or_digits_has_no_slug() {
        assert_eq!(Slug::from_text("!!! ---"), Err(SlugError::Empty));
        assert_eq!(Slug::from_text(""), Err(SlugError::Empty));
    }

    #[test]
    fn very_long_text_is_cut_to_the_limit() {
        let slug = Slug::from_text(&"word ".repeat(100)).unwrap();
        assert!(slug.as_str().len() <= Slug::MAX_LEN);
        assert!(!slug.as_str().ends_with('-'));
    }

    #[test]
    fn parse_refuses_anything_that_is_not_already_a_slug() {
        for bad in [
            "", "Foo", "a--b", "-a", "a-", "../etc", "a/b", "a b", "%2e%2e", "a\0b", "é",
        ] {
            assert!(Slug::parse(bad).is_err(), "{bad:?} should be refused");
        }
        assert!(Slug::parse(&"a".repeat(201)).is_err());
    }

    #[test]
    fn parse_accepts_normalised_slugs() {
        for good in ["a", "backlog-refinement", "2025-plans", "x1-y2-z3"] {
            assert_eq!(Slug::parse(good).unwrap().as_str(), good);
        }
    }
}
