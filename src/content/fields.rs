//! Reading typed fields out of parsed front matter, accepting the aliases real corpora use.

use std::collections::HashSet;

use serde_json::{Map, Value};

use crate::domain::{Slug, Term};

/// The most terms one post keeps in each list (its tags, its categories, its authors): a post
/// is one page, and a list past this size is a generated or pasted mistake that would swell
/// every term listing. The rest of the list is left out with a warning.
pub const MAX_TERMS: usize = 1_000;

/// How many of a list's unsluggable names a warning quotes; the rest are counted.
const UNSLUGGABLE_QUOTED: usize = 3;

/// Front matter keys and the aliases accepted for each, the canonical name first.
pub mod keys {
    /// The post's title.
    pub const TITLE: &[&str] = &["title"];
    /// The publication date.
    pub const DATE: &[&str] = &[
        "date",
        "publishDate",
        "pubDate",
        "publish_date",
        "pub_date",
        // Next.js starters (Vercel's portfolio blog) write `publishedAt`.
        "publishedAt",
        "published_at",
    ];
    /// The last revision date.
    pub const UPDATED: &[&str] = &[
        "updated",
        "lastmod",
        "lastModified",
        "last_modified",
        "modified",
    ];
    /// When the post stops being served.
    pub const EXPIRES: &[&str] = &["expires", "expiryDate", "expiry_date", "expirationDate"];
    /// The draft flag.
    pub const DRAFT: &[&str] = &["draft"];
    /// Jekyll's inverse draft flag.
    pub const PUBLISHED: &[&str] = &["published"];
    /// The main author.
    pub const AUTHOR: &[&str] = &["author"];
    /// All authors.
    pub const AUTHORS: &[&str] = &["authors"];
    /// The main category.
    pub const CATEGORY: &[&str] = &["category"];
    /// All categories.
    pub const CATEGORIES: &[&str] = &["categories"];
    /// Tags.
    pub const TAGS: &[&str] = &["tags"];
    /// A hand-written summary.
    pub const EXCERPT: &[&str] = &["excerpt", "summary"];
    /// The card image.
    pub const FEATURED_IMAGE: &[&str] = &["featuredImage", "featured_image", "image", "cover"];
    /// The search engine description.
    pub const META_DESCRIPTION: &[&str] = &["metaDescription", "meta_description", "description"];
    /// An explicit slug.
    pub const SLUG: &[&str] = &["slug"];
    /// URL values a date may be read from when `date` is absent.
    pub const PERMALINK: &[&str] = &["path", "permalink"];
}

/// A field whose value has the wrong shape; the loader adds the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The key as written in the file.
    pub key: String,
    /// What is wrong.
    pub message: String,
}

impl FieldError {
    fn new(key: &str, message: impl Into<String>) -> FieldError {
        FieldError {
            key: key.to_owned(),
            message: message.into(),
        }
    }
}

/// Front matter fields with the known ones taken out as they are read; what remains is `extra`.
#[derive(Debug, Default)]
pub struct Fields {
    map: Map<String, Value>,
}

impl Fields {
    /// Wraps a parsed front matter map.
    pub fn new(map: Map<String, Value>) -> Fields {
        Fields { map }
    }

    /// Removes the first present alias, returning the key as written and its value; null counts
    /// as absent (`image:` with nothing after it).
    fn take(&mut self, aliases: &[&str]) -> Option<(String, Value)> {
        let mut found = None;
        for alias in aliases {
            if let Some(value) = self.map.remove(*alias)
                && found.is_none()
                && !value.is_null()
            {
                found = Some(((*alias).to_owned(), value));
            }
        }
        found
    }

    /// A text field: strings, and numbers or booleans written without quotes.
    pub fn text(&mut self, aliases: &[&str]) -> Result<Option<(String, String)>, FieldError> {
        let Some((key, value)) = self.take(aliases) else {
            return Ok(None);
        };
        let text = match value {
            Value::String(s) => s,
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            // Hugo themes write `cover: {image: ...}`.
            Value::Object(ref object) if object.get("image").is_some_and(Value::is_string) => {
                object
                    .get("image")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned()
            }
            _ => return Err(FieldError::new(&key, format!("`{key}` must be text"))),
        };
        let text = text.trim().to_owned();
        Ok((!text.is_empty()).then_some((key, text)))
    }

    /// A text field read without taking it out, so it stays in `extra`.
    pub fn peek_text(&self, aliases: &[&str]) -> Option<String> {
        aliases
            .iter()
            .find_map(|alias| self.map.get(*alias).and_then(Value::as_str))
            .map(str::to_owned)
    }

    /// A yes/no field; accepts `true`/`false` also as text.
    pub fn flag(&mut self, aliases: &[&str]) -> Result<Option<bool>, FieldError> {
        let Some((key, value)) = self.take(aliases) else {
            return Ok(None);
        };
        match value {
            Value::Bool(b) => Ok(Some(b)),
            Value::String(s) if s.eq_ignore_ascii_case("true") || s.eq_ignore_ascii_case("yes") => {
                Ok(Some(true))
            }
            Value::String(s) if s.eq_ignore_ascii_case("false") || s.eq_ignore_ascii_case("no") => {
                Ok(Some(false))
            }
            _ => Err(FieldError::new(
                &key,
                format!("`{key}` must be true or false"),
            )),
        }
    }

    /// A list of terms: a YAML/TOML list, or one comma-separated string. Entries may also be
    /// objects with a `name` (as some author lists are written). Returns names without slugs
    /// separately so the loader can warn about them.
    pub fn terms(&mut self, aliases: &[&str]) -> Result<TermList, FieldError> {
        let mut list = TermList::default();
        self.terms_into(aliases, &mut list)?;
        Ok(list)
    }

    /// Reads a list of terms as [`Fields::terms`] does, after the terms `list` holds already
    /// (`category` then `categories`), keeping the first spelling of each.
    pub fn terms_into(&mut self, aliases: &[&str], list: &mut TermList) -> Result<(), FieldError> {
        let Some((key, value)) = self.take(aliases) else {
            return Ok(());
        };
        let names: Vec<String> = match value {
            Value::String(s) => s.split(',').map(str::to_owned).collect(),
            Value::Array(items) => {
                let mut names = Vec::with_capacity(items.len());
                for item in items {
                    match item {
                        Value::String(s) => names.push(s),
                        Value::Number(n) => names.push(n.to_string()),
                        Value::Object(object) => match object.get("name").and_then(Value::as_str) {
                            Some(name) => names.push(name.to_owned()),
                            None => {
                                return Err(FieldError::new(
                                    &key,
                                    format!("each entry of `{key}` must be text or have a `name`"),
                                ));
                            }
                        },
                        Value::Null => {}
                        _ => {
                            return Err(FieldError::new(
                                &key,
                                format!("each entry of `{key}` must be text"),
                            ));
                        }
                    }
                }
                names
            }
            Value::Object(object) => match object.get("name").and_then(Value::as_str) {
                Some(name) => vec![name.to_owned()],
                None => {
                    return Err(FieldError::new(
                        &key,
                        format!("`{key}` must be text, a list, or have a `name`"),
                    ));
                }
            },
            _ => {
                return Err(FieldError::new(
                    &key,
                    format!("`{key}` must be text or a list of text"),
                ));
            }
        };
        list.key.get_or_insert(key);
        for name in names {
            let name = name.trim();
            if name.is_empty() {
                continue;
            }
            match Term::from_name(name) {
                Some(term) => list.push(term),
                None => list.push_unsluggable(name),
            }
        }
        Ok(())
    }

    /// Everything not taken, for `extra`.
    pub fn into_rest(self) -> Map<String, Value> {
        self.map
    }
}

/// Terms read from one field.
#[derive(Debug, Default)]
pub struct TermList {
    /// The key the terms were read from, if present.
    pub key: Option<String>,
    /// The terms, without duplicate slugs, in the order written; at most [`MAX_TERMS`].
    pub terms: Vec<Term>,
    /// How many more distinct terms the field lists past [`MAX_TERMS`], left out.
    pub over_limit: usize,
    /// The first few different names with no letters or digits, which cannot be found by slug.
    pub unsluggable: Vec<String>,
    /// How many entries had no letters or digits, quoted in `unsluggable` or not.
    pub unsluggable_count: usize,
    /// Every slug met so far, kept and left out alike, so each duplicate check is one lookup.
    seen: HashSet<Slug>,
}

impl TermList {
    /// Adds a term unless one with the same slug is there already or the list is full.
    pub fn push(&mut self, term: Term) {
        if !self.seen.insert(term.slug.clone()) {
            return;
        }
        if self.terms.len() < MAX_TERMS {
            self.terms.push(term);
        } else {
            self.over_limit += 1;
        }
    }

    /// Notes a name that has no letters or digits.
    fn push_unsluggable(&mut self, name: &str) {
        if self.unsluggable.len() < UNSLUGGABLE_QUOTED
            && !self.unsluggable.iter().any(|n| n == name)
        {
            self.unsluggable.push(name.to_owned());
        }
        self.unsluggable_count += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(value: Value) -> Fields {
        match value {
            Value::Object(map) => Fields::new(map),
            _ => Fields::default(),
        }
    }

    #[test]
    fn tags_are_read_from_lists_and_comma_separated_text() {
        let mut f = fields(json!({"tags": ["Agile", "agile", " Scrum "], "categories": "a, b,,"}));
        let tags = f.terms(keys::TAGS).unwrap();
        let names: Vec<_> = tags.terms.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["Agile", "Scrum"]);
        let categories = f.terms(keys::CATEGORIES).unwrap();
        assert_eq!(categories.terms.len(), 2);
    }

    #[test]
    fn aliases_are_taken_and_the_rest_is_kept() {
        let mut f = fields(json!({"summary": "S", "series": "X", "description": "D"}));
        assert_eq!(
            f.text(keys::EXCERPT).unwrap(),
            Some(("summary".into(), "S".into()))
        );
        assert_eq!(
            f.text(keys::META_DESCRIPTION).unwrap().map(|(_, v)| v),
            Some("D".into())
        );
        assert_eq!(
            f.into_rest(),
            json!({"series": "X"}).as_object().cloned().unwrap()
        );
    }

    #[test]
    fn wrong_shapes_name_the_key() {
        let mut f = fields(json!({"title": ["a"], "draft": "maybe", "tags": 3}));
        assert_eq!(f.text(keys::TITLE).unwrap_err().key, "title");
        assert_eq!(f.flag(keys::DRAFT).unwrap_err().key, "draft");
        assert_eq!(f.terms(keys::TAGS).unwrap_err().key, "tags");
    }

    #[test]
    fn author_objects_with_a_name_are_accepted() {
        let mut f = fields(json!({"authors": [{"name": "Maya Okafor", "url": "x"}]}));
        assert_eq!(
            f.terms(keys::AUTHORS).unwrap().terms[0].slug.as_str(),
            "maya-okafor"
        );
    }

    #[test]
    fn a_list_past_the_limit_keeps_its_first_terms_and_counts_the_rest() {
        let names: Vec<String> = (0..MAX_TERMS + 5).map(|i| format!("t{i}")).collect();
        let mut with_duplicates = names.clone();
        with_duplicates.extend(names.iter().cloned());
        let mut f = fields(json!({ "tags": with_duplicates }));
        let tags = f.terms(keys::TAGS).unwrap();
        assert_eq!(tags.terms.len(), MAX_TERMS);
        assert_eq!(
            tags.terms[MAX_TERMS - 1].name,
            format!("t{}", MAX_TERMS - 1)
        );
        assert_eq!(
            tags.over_limit, 5,
            "duplicates past the limit are not counted"
        );
    }

    #[test]
    fn a_list_of_exactly_the_limit_leaves_nothing_out() {
        let names: Vec<String> = (0..MAX_TERMS).map(|i| format!("t{i}")).collect();
        let tags = fields(json!({ "tags": names })).terms(keys::TAGS).unwrap();
        assert_eq!((tags.terms.len(), tags.over_limit), (MAX_TERMS, 0));
    }

    #[test]
    fn unsluggable_names_are_counted_and_a_few_different_ones_kept() {
        let mut f = fields(json!({"tags": ["!!", "!!", "??", "a", "--", "..", "%%"]}));
        let tags = f.terms(keys::TAGS).unwrap();
        assert_eq!(tags.unsluggable, ["!!", "??", "--"]);
        assert_eq!(tags.unsluggable_count, 6);
        assert_eq!(tags.terms.len(), 1);
    }

    #[test]
    fn a_second_alias_adds_to_the_first_list_without_duplicates() {
        let mut f = fields(json!({"category": "One", "categories": ["one", "Two"]}));
        let mut list = TermList::default();
        f.terms_into(keys::CATEGORY, &mut list).unwrap();
        f.terms_into(keys::CATEGORIES, &mut list).unwrap();
        let names: Vec<_> = list.terms.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["One", "Two"]);
        assert_eq!(list.key.as_deref(), Some("category"));
    }
}
