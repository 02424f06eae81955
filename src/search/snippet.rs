//! Snippets: the passage of a hit's body (else its excerpt, else its title) that holds the
//! most matched terms, HTML-escaped with `<mark>` around them. Every term the query matched is
//! marked, typo and prefix matches included, which tantivy's own snippet maker would not know.

use std::collections::BTreeMap;

use tantivy::query::FuzzyTermQuery;
use tantivy::schema::Field;
use tantivy::snippet::SnippetGenerator;
use tantivy::{Score, Searcher};

use super::plan::{Plan, tokens_first};
use super::schema::STEM_TOKENIZER;
use super::{SearchError, SearchIndex};
use crate::domain::Post;

/// The longest snippet, in characters.
pub(super) const SNIPPET_CHARS: usize = 200;

impl SearchIndex {
    /// A snippet maker that marks every term the query matched, typo and prefix matches
    /// included (tantivy's own would only know the exact terms).
    pub(super) fn snippet_generator(
        &self,
        searcher: &Searcher,
        plan: &Plan,
    ) -> Result<SnippetGenerator, SearchError> {
        let mut terms: BTreeMap<String, Score> = plan
            .terms
            .exact
            .iter()
            .map(|term| (term.clone(), 1.0))
            .collect();
        for query in &plan.terms.expanded {
            for term in expansions(searcher, self.fields.body, query)? {
                terms.insert(term, 0.5);
            }
        }
        // Words as written are marked by their stems, which is what the snippet's text is cut into.
        let mut stemmer = self
            .analyzer(STEM_TOKENIZER)
            .ok_or_else(|| tantivy::TantivyError::InternalError("no en_stem tokenizer".into()))?;
        for query in &plan.terms.expanded_words {
            for word in expansions(searcher, self.fields.words, query)? {
                if let Some((_, stem)) = tokens_first(&mut stemmer, &word) {
                    terms.entry(stem).or_insert(0.5);
                }
            }
        }
        // The body's words, without leaving them for the pair analyzer as the body's does.
        let tokenizer = self
            .analyzer(STEM_TOKENIZER)
            .ok_or_else(|| tantivy::TantivyError::InternalError("no en_stem tokenizer".into()))?;
        Ok(SnippetGenerator::new(
            terms,
            tokenizer,
            self.fields.body,
            SNIPPET_CHARS,
        ))
    }
}

/// The terms of `field` a typo or prefix query expands to, at most 50 per segment (enough to
/// mark a snippet; a short prefix can match thousands).
fn expansions(
    searcher: &Searcher,
    field: Field,
    query: &FuzzyTermQuery,
) -> Result<Vec<String>, SearchError> {
    let automaton = query.automaton()?;
    let mut found = Vec::new();
    for segment in searcher.segment_readers() {
        let inverted = segment.inverted_index(field)?;
        let mut stream = inverted
            .terms()
            .search(&automaton)
            .into_stream()
            .map_err(tantivy::TantivyError::from)?;
        let mut taken = 0;
        while taken < 50 && stream.advance() {
            if let Ok(term) = std::str::from_utf8(stream.key()) {
                found.push(term.to_owned());
            }
            taken += 1;
        }
    }
    Ok(found)
}

/// The best snippet of the body, else the excerpt, else the title; with no match anywhere
/// (a match in tags), the excerpt escaped.
pub(super) fn snippet(generator: &SnippetGenerator, post: &Post) -> String {
    let body = post.body.text();
    for text in [&body, &post.excerpt, &post.title] {
        let mut snippet = generator.snippet(text);
        if !snippet.is_empty() {
            snippet.set_snippet_prefix_postfix("<mark>", "</mark>");
            return snippet.to_html();
        }
    }
    let cut: String = post.excerpt.chars().take(SNIPPET_CHARS).collect();
    quick_xml::escape::escape(cut.as_str()).into_owned()
}
