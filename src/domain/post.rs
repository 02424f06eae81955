//! A checked, rendered post: everything a response needs, computed once at load time.

use jiff::Timestamp;
use serde_json::{Map, Value};

use super::{LocalRef, PackedBody, Resolved, Slug, SourceFormat, Term, TocEntry};

/// Whether a post can be seen at a given moment; decided per request, so scheduled posts go live
/// on time without a reload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// Public: not a draft, dated now or earlier, not expired.
    Published,
    /// `draft: true` in its front matter.
    Draft,
    /// Dated in the future.
    Scheduled,
    /// Past its `expires` date.
    Expired,
}

/// One post, parsed, validated and rendered.
#[derive(Debug, Clone)]
pub struct Post {
    /// The unique key the post is found by.
    pub slug: Slug,
    /// Whether the writer chose the slug (`slug:`, or the last segment of `path`/`permalink`)
    /// rather than it coming from the file name; a chosen slug comes first when two posts of the
    /// same date claim one (see `content::addresses`).
    pub slug_declared: bool,
    /// The title from front matter.
    pub title: String,
    /// When the post is (or will be) published.
    pub date: Timestamp,
    /// When the post was last revised, if the writer said.
    pub updated: Option<Timestamp>,
    /// When the post stops being served, if ever.
    pub expires: Option<Timestamp>,
    /// Drafts are never listed nor served publicly.
    pub draft: bool,
    /// Authors, the main one first.
    pub authors: Vec<Term>,
    /// Categories, the main one first.
    pub categories: Vec<Term>,
    /// Tags in the writer's order, without duplicates.
    pub tags: Vec<Term>,
    /// A short plain-text summary.
    pub excerpt: String,
    /// An image URL or path for cards and social previews.
    pub featured_image: Option<String>,
    /// The description for search engines.
    pub meta_description: Option<String>,
    /// The Markdown body as written (after encoding repair) and its (sanitized) HTML, kept
    /// compressed.
    pub body: PackedBody,
    /// The nested table of contents.
    pub toc: Vec<TocEntry>,
    /// Words in the body.
    pub word_count: usize,
    /// Minutes to read at 212 words a minute, at least 1.
    pub reading_time: u32,
    /// Front matter keys Quire does not know, kept for frontends.
    pub extra: Map<String, Value>,
    /// Whether the body is Markdown or MDX; `body.markdown()` is the source in that format.
    pub format: SourceFormat,
    /// The file the post came from, relative to the content folder, with `/` separators.
    pub source_path: String,
    /// When the file was last modified, for `Last-Modified`; `None` when not read from a file.
    pub modified: Option<Timestamp>,
    /// The local URLs of the HTML as rendered, before they are resolved.
    pub refs: Vec<LocalRef>,
    /// The anchors a link can point to: every `id` in the HTML (headings, footnotes, ...).
    pub anchors: Vec<String>,
    /// The images, links and featured image the local URLs resolved to once every post's
    /// address was known (see `content::links`); empty until then.
    pub resolved: Resolved,
}

/// Words per minute used for reading time, the figure Medium popularised.
pub const WORDS_PER_MINUTE: usize = 212;

impl Post {
    /// Reading time in whole minutes for a word count: rounded up, never less than one.
    pub fn reading_time_for(word_count: usize) -> u32 {
        let minutes = word_count.div_ceil(WORDS_PER_MINUTE).max(1);
        u32::try_from(minutes).unwrap_or(u32::MAX)
    }

    /// Whether the post can be seen at `now`.
    pub fn visibility(&self, now: Timestamp) -> Visibility {
        if self.draft {
            Visibility::Draft
        } else if self.date > now {
            Visibility::Scheduled
        } else if self.expires.is_some_and(|expires| expires <= now) {
            Visibility::Expired
        } else {
            Visibility::Published
        }
    }

    /// Shorthand for `visibility(now) == Published`.
    pub fn is_published(&self, now: Timestamp) -> bool {
        self.visibility(now) == Visibility::Published
    }

    /// The main author, if any.
    pub fn author(&self) -> Option<&Term> {
        self.authors.first()
    }

    /// The main category, if any.
    pub fn category(&self) -> Option<&Term> {
        self.categories.first()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reading_time_rounds_up_and_is_at_least_one_minute() {
        let cases = [
            (0, 1),
            (1, 1),
            (212, 1),
            (213, 2),
            (424, 2),
            (425, 3),
            (2120, 10),
        ];
        for (words, minutes) in cases {
            assert_eq!(Post::reading_time_for(words), minutes, "for {words} words");
        }
    }
}
