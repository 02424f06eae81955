//! Query planning: the reader's text (words and "quoted phrases", see [`SearchText`]) becomes
//! one tantivy query, every word a must and every phrase a must, each matched in any field at
//! that field's boost (see [`super::ranking`]); it also gathers the terms the snippets mark.
//! A word matches as its stem; an unknown word of [`TYPO_MIN_CHARS`] or more also within one
//! typo; the last word while it is still being typed also as a prefix, both against the stems
//! and against the words as written. A body phrase of adjacent words is looked up as its word
//! pairs (see [`super::pairs`]).

use tantivy::Searcher;
use tantivy::query::{
    BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, PhraseQuery, Query, TermQuery,
};
use tantivy::schema::IndexRecordOption;
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{Score, Term};

use super::ranking::{BODY_BOOST, FUZZY_WEIGHT, PREFIX_WEIGHT};
use super::schema::{STEM_TOKENIZER, WORDS_TOKENIZER};
use super::text::{Part, SearchText};
use super::{SearchIndex, pairs};

/// Words this long or longer tolerate one typo.
pub(super) const TYPO_MIN_CHARS: usize = 5;

/// A query and the terms its snippets should mark.
pub(super) struct Plan {
    pub(super) query: Box<dyn Query>,
    pub(super) terms: PlanTerms,
}

/// The terms a plan matched, for the snippets to mark.
#[derive(Default)]
pub(super) struct PlanTerms {
    /// Body terms matched as they are.
    pub(super) exact: Vec<String>,
    /// Body queries that expand to several terms (typos, prefixes).
    pub(super) expanded: Vec<FuzzyTermQuery>,
    /// Queries on the words as written that expand to several words (typos, prefixes).
    pub(super) expanded_words: Vec<FuzzyTermQuery>,
}

impl SearchIndex {
    /// The analyzer registered under `name` (see [`super::schema`]).
    pub(super) fn analyzer(&self, name: &str) -> Option<TextAnalyzer> {
        self.index.tokenizers().get(name)
    }

    /// Turns the reader's text into a query; `None` when it has no words at all.
    pub(super) fn plan(&self, searcher: &Searcher, text: &SearchText) -> Option<Plan> {
        let mut words_analyzer = self.analyzer(WORDS_TOKENIZER)?;
        let mut stemmer = self.analyzer(STEM_TOKENIZER)?;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let mut plan_terms = PlanTerms::default();
        let last_part = text.parts.len().saturating_sub(1);
        for (index, part) in text.parts.iter().enumerate() {
            match part {
                Part::Words(words) => {
                    let tokens = tokens(&mut words_analyzer, words);
                    let last_token = tokens.len().saturating_sub(1);
                    for (i, (_, word)) in tokens.iter().enumerate() {
                        let open = text.last_word_open && index == last_part && i == last_token;
                        let Some((_, stem)) = tokens_first(&mut stemmer, word) else {
                            continue;
                        };
                        // A word the index knows is taken as meant; only unknown ones may be typos.
                        let known = self.fields.boosted().iter().any(|&(field, _)| {
                            searcher
                                .doc_freq(&Term::from_field_text(field, &stem))
                                .is_ok_and(|n| n > 0)
                        });
                        clauses.push((
                            Occur::Must,
                            self.word_query(word, &stem, open, !known, &mut plan_terms),
                        ));
                    }
                }
                Part::Phrase(phrase) => {
                    let stems = tokens(&mut stemmer, phrase);
                    match stems.as_slice() {
                        [] => {}
                        [(_, stem)] => {
                            clauses.push((
                                Occur::Must,
                                self.word_query(stem, stem, false, false, &mut plan_terms),
                            ));
                        }
                        _ => {
                            clauses.push((Occur::Must, self.phrase_query(&stems, &mut plan_terms)))
                        }
                    }
                }
            }
        }
        if clauses.is_empty() {
            return None;
        }
        Some(Plan {
            query: Box::new(BooleanQuery::new(clauses)),
            terms: plan_terms,
        })
    }

    /// One word in any field: its stem, a typo away for long words (when `typos`), a prefix
    /// while typed (when `open`).
    fn word_query(
        &self,
        word: &str,
        stem: &str,
        open: bool,
        typos: bool,
        plan_terms: &mut PlanTerms,
    ) -> Box<dyn Query> {
        let mut options: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let chars: Vec<char> = word.chars().collect();
        plan_terms.exact.push(stem.to_owned());
        for (field, boost) in self.fields.boosted() {
            let exact = TermQuery::new(
                Term::from_field_text(field, stem),
                IndexRecordOption::WithFreqs,
            );
            options.push((
                Occur::Should,
                Box::new(BoostQuery::new(Box::new(exact), boost)),
            ));
            if typos && chars.len() >= TYPO_MIN_CHARS {
                let fuzzy = FuzzyTermQuery::new(Term::from_field_text(field, stem), 1, true);
                if field == self.fields.body {
                    plan_terms.expanded.push(fuzzy.clone());
                }
                options.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(Box::new(fuzzy), boost * FUZZY_WEIGHT)),
                ));
            }
            if open {
                let prefix =
                    FuzzyTermQuery::new_prefix(Term::from_field_text(field, word), 0, true);
                if field == self.fields.body {
                    plan_terms.expanded.push(prefix.clone());
                }
                options.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(Box::new(prefix), boost * PREFIX_WEIGHT)),
                ));
                // A half-typed word may already be longer than its stem (`estima` for `estim`).
                for len in chars.len().saturating_sub(3).max(4)..chars.len() {
                    let shorter: String = chars[..len].iter().collect();
                    if field == self.fields.body {
                        plan_terms.exact.push(shorter.clone());
                    }
                    let query = TermQuery::new(
                        Term::from_field_text(field, &shorter),
                        IndexRecordOption::WithFreqs,
                    );
                    options.push((
                        Occur::Should,
                        Box::new(BoostQuery::new(Box::new(query), boost * PREFIX_WEIGHT)),
                    ));
                }
            }
        }
        // The same typo and prefix against the words as written, where the stem cannot tell.
        let written = |query: FuzzyTermQuery, weight: Score, terms: &mut PlanTerms| {
            terms.expanded_words.push(query.clone());
            (
                Occur::Should,
                Box::new(BoostQuery::new(Box::new(query), BODY_BOOST * weight)) as Box<dyn Query>,
            )
        };
        let term = Term::from_field_text(self.fields.words, word);
        if typos && chars.len() >= TYPO_MIN_CHARS {
            let fuzzy = FuzzyTermQuery::new(term.clone(), 1, true);
            options.push(written(fuzzy, FUZZY_WEIGHT, plan_terms));
        }
        if open {
            let prefix = FuzzyTermQuery::new_prefix(term.clone(), 0, true);
            options.push(written(prefix, PREFIX_WEIGHT, plan_terms));
            if typos && chars.len() >= TYPO_MIN_CHARS {
                // A typo in a word still being typed (`estimatoin` for `estimation`).
                let fuzzy_prefix = FuzzyTermQuery::new_prefix(term, 1, true);
                options.push(written(fuzzy_prefix, FUZZY_WEIGHT, plan_terms));
            }
        }
        Box::new(BooleanQuery::new(options))
    }

    /// A phrase in any field that keeps positions.
    fn phrase_query(
        &self,
        stems: &[(usize, String)],
        plan_terms: &mut PlanTerms,
    ) -> Box<dyn Query> {
        plan_terms
            .exact
            .extend(stems.iter().map(|(_, stem)| stem.clone()));
        let options: Vec<(Occur, Box<dyn Query>)> = self
            .fields
            .boosted()
            .into_iter()
            .map(|(field, boost)| {
                let terms = stems
                    .iter()
                    .map(|(position, stem)| (*position, Term::from_field_text(field, stem)))
                    .collect();
                let mut phrase: Box<dyn Query> = Box::new(PhraseQuery::new_with_offset(terms));
                if field == self.fields.body {
                    phrase = self.body_phrase(stems, phrase);
                }
                (
                    Occur::Should,
                    Box::new(BoostQuery::new(phrase, boost)) as Box<dyn Query>,
                )
            })
            .collect();
        Box::new(BooleanQuery::new(options))
    }

    /// A phrase in the body through its word pairs: two adjacent words are one pair term; a
    /// longer phrase needs each of its pairs, and is then checked word by word (`phrase`) only
    /// in the documents that have them all. Words the analyzer left gaps between keep `phrase`.
    fn body_phrase(&self, stems: &[(usize, String)], phrase: Box<dyn Query>) -> Box<dyn Query> {
        let adjacent = stems.windows(2).all(|w| w[0].0 + 1 == w[1].0);
        if !adjacent {
            return phrase;
        }
        let pair_query = |w: &[(usize, String)]| {
            let pair = pairs::pair(&w[0].1, &w[1].1);
            let term = Term::from_field_text(self.fields.body_pairs, &pair);
            Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs))
        };
        if stems.len() == 2 {
            return pair_query(stems);
        }
        // The pairs only narrow the documents down; the phrase alone scores them.
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = stems
            .windows(2)
            .map(|w| {
                let filter = BoostQuery::new(pair_query(w), 0.0);
                (Occur::Must, Box::new(filter) as Box<dyn Query>)
            })
            .collect();
        clauses.push((Occur::Must, phrase));
        Box::new(BooleanQuery::new(clauses))
    }
}

/// Tokens of `text` as (position, text).
pub(super) fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut stream = analyzer.token_stream(text);
    while stream.advance() {
        let token = stream.token();
        out.push((token.position, token.text.clone()));
    }
    out
}

/// The first token of `text`, as (position, text).
pub(super) fn tokens_first(analyzer: &mut TextAnalyzer, text: &str) -> Option<(usize, String)> {
    tokens(analyzer, text).into_iter().next()
}
