//! Reading typed fields out of parsed front matter, accepting the aliases real corpora use.

use serde_json::{Map, Value};

use crate::domain::Term;

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
        let Some((key, value)) = self.take(aliases) else {
            return Ok(TermList::default());
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
        let mut list = TermList {
            key: Some(key),
            ..TermList::default()
        };
        for name in names {
            let name = name.trim();
            if name.is_empty() {
                continue;
            }
            match Term::from_name(name) {
                Some(term) => list.push(term),
                None => list.unsluggable.push(name.to_owned()),
            }
        }
        Ok(list)
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
    /// The terms, without duplicate slugs, in the order written.
    pub terms: Vec<Term>,
    /// Names with no letters or digits, which cannot be found by slug.
    pub unsluggable: Vec<String>,
}

impl TermList {
    /// Adds a term unless one with the same slug is there already.
    pub fn push(&mut self, term: Term) {
        if !self.terms.iter().any(|t| t.slug == term.slug) {
            self.terms.push(term);
        }
    }

    /// Appends another list's terms after this one's, keeping the first spelling of each.
    pub fn merge(mut self, other: TermList) -> TermList {
        for term in other.terms {
            self.push(term);
        }
        self.unsluggable.extend(other.unsluggable);
        self.key = self.key.or(other.key);
        self
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
}
