//! The index's schema: its fields, the analyzers each is indexed with, and the document
//! one post becomes. What a field holds and how it is tokenized is decided here alone.

use std::collections::HashSet;

use tantivy::schema::{
    FAST, Field, IndexRecordOption, NumericOptions, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::{Index, TantivyDocument};

use super::stem::WordStems;
use super::{SearchIndex, disk, pairs, stem};
use crate::domain::Post;

/// The analyzer of titles, tags, categories, excerpts and queries: see [`stem::en_stem`].
pub(super) const STEM_TOKENIZER: &str = "en_stem";
/// The body's analyzer: `en_stem` under the name kept indexes' schema records for the body.
pub(super) const BODY_TOKENIZER: &str = "en_stem_body";
/// The analyzer of the reader's words: tantivy's own `default` (split on non-alphanumerics,
/// words over 40 bytes dropped, lower case), without stemming.
pub(super) const WORDS_TOKENIZER: &str = "default";
/// The analyzer of the `words` field: the same words, but only those whose stem differs from
/// them (see [`stem::unlike_their_stem`]).
pub(super) const WRITTEN_TOKENIZER: &str = "words_unlike_stem";

/// The fields of the schema, looked up once.
#[derive(Debug, Clone, Copy)]
pub(super) struct Fields {
    pub(super) slug: Field,
    pub(super) title: Field,
    pub(super) tags: Field,
    pub(super) category: Field,
    pub(super) excerpt: Field,
    pub(super) body: Field,
    /// The body's adjacent word pairs (see [`pairs`]), for phrases.
    pub(super) body_pairs: Field,
    /// Every word of the title, tags, categories, excerpt and body as written (lower-cased,
    /// not stemmed), for typos and prefixes.
    pub(super) words: Field,
    /// A hash of the indexed text (see [`disk::fingerprint`]), to tell changed posts.
    pub(super) fingerprint: Field,
}

/// The schema and its fields.
pub(super) fn schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(STEM_TOKENIZER)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let fields = Fields {
        slug: builder.add_text_field("slug", STRING | FAST),
        title: builder.add_text_field("title", text.clone()),
        tags: builder.add_text_field("tags", text.clone()),
        category: builder.add_text_field("category", text.clone()),
        excerpt: builder.add_text_field("excerpt", text.clone()),
        body: builder.add_text_field(
            "body",
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(BODY_TOKENIZER)
                    .set_index_option(IndexRecordOption::WithFreqsAndPositions),
            ),
        ),
        body_pairs: builder.add_text_field(
            "body_pairs",
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(pairs::PAIRS_TOKENIZER)
                    .set_index_option(IndexRecordOption::WithFreqs),
            ),
        ),
        // Only which posts have a word: a typo or prefix match counts little, so term
        // frequencies and positions would cost memory for nothing.
        words: builder.add_text_field(
            "words",
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(WRITTEN_TOKENIZER)
                    .set_index_option(IndexRecordOption::Basic),
            ),
        ),
        fingerprint: builder.add_u64_field("fingerprint", NumericOptions::default().set_fast()),
    };
    (builder.build(), fields)
}

/// Registers Quire's analyzers with `index`, under the names the schema's fields give.
pub(super) fn register_analyzers(index: &Index) {
    index.tokenizers().register(STEM_TOKENIZER, stem::en_stem());
    index.tokenizers().register(BODY_TOKENIZER, stem::en_stem());
    index
        .tokenizers()
        .register(WRITTEN_TOKENIZER, stem::unlike_their_stem());
    index
        .tokenizers()
        .register(pairs::PAIRS_TOKENIZER, pairs::StemPairs);
}

impl SearchIndex {
    /// The document of `post`; `written` finds its words and their stems, kept across a batch
    /// so its memo of stems is too.
    pub(super) fn document(&self, post: &Post, written: &mut WordStems) -> TantivyDocument {
        let f = &self.fields;
        let mut doc = TantivyDocument::new();
        doc.add_text(f.slug, post.slug.as_str());
        doc.add_u64(f.fingerprint, disk::fingerprint(post));
        doc.add_text(f.title, &post.title);
        for tag in &post.tags {
            doc.add_text(f.tags, &tag.name);
        }
        for category in &post.categories {
            doc.add_text(f.category, &category.name);
        }
        doc.add_text(f.excerpt, &post.excerpt);
        let text = post.body.text();
        // Each word once: the document waits in the writer's queue with its texts, and a
        // third copy of the body would add a fifth to what a build holds at its peak.
        let mut words: HashSet<String, foldhash::fast::RandomState> = HashSet::default();
        let mut unlike_stem = |word: &str, stem: &str| {
            if word != stem && !words.contains(word) {
                words.insert(word.to_owned());
            }
        };
        let mut stems = pairs::StemText::for_text(text.len());
        written.each(&text, |position, word, stem| {
            unlike_stem(word, stem);
            stems.push(position, stem);
        });
        let terms = post
            .tags
            .iter()
            .chain(&post.categories)
            .map(|t| t.name.as_str());
        for part in [post.title.as_str(), &post.excerpt]
            .into_iter()
            .chain(terms)
        {
            written.each(part, |_, word, stem| unlike_stem(word, stem));
        }
        doc.add_text(f.body_pairs, stems.into_text());
        doc.add_text(f.words, words.into_iter().collect::<Vec<_>>().join(" "));
        doc.add_text(f.body, text);
        doc
    }
}
