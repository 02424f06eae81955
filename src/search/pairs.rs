//! Adjacent word pairs for phrase search: the body is also indexed as its pairs of stemmed
//! words ("sprint review"), so a two-word phrase is one term to look up instead of every
//! document with both words to check word by word.
//!
//! The pairs are made from the words found when the document is built, in the same pass over
//! the body that finds the `words` field's words (see [`super::schema`]): [`StemText`] keeps
//! the body's stems in order, a space between neighbours and a line end where the analyzer
//! dropped a word between them, and the pair field's analyzer ([`StemPairs`]) gives each two
//! neighbours as one token. So the body is split and stemmed once for its pairs, whatever
//! order tantivy indexes fields in, and the stems' text is no longer than the body.
//!
//! The invariant left: the words the pairs are made of ([`super::stem::WordStems`]) are the
//! words the body's analyzer (`en_stem`) gives, with the same positions, so a pair the query
//! side makes from two stems ([`pair`]) is the term the index holds. Stems are letters and
//! digits only, so none holds a space or a line end. `the_pairs_are_those_of_adjacent_en_stem_tokens`
//! below and the phrase tests (`tests.rs`, `tests/api/search*.rs`) guard it.

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

/// The name the pair analyzer is registered under (the one kept indexes' schema records).
pub(super) const PAIRS_TOKENIZER: &str = "en_stem_pairs";

/// Between two stems that are neighbours in the text.
const NEXT: char = ' ';
/// Between two stems the analyzer dropped a word between: no pair across it.
const GAP: char = '\n';

/// The term the index holds for two adjacent stems.
pub(super) fn pair(first: &str, second: &str) -> String {
    format!("{first} {second}")
}

/// The stems of one text in order, for [`StemPairs`].
#[derive(Debug, Default)]
pub(super) struct StemText {
    text: String,
    /// The last word's position.
    last: Option<usize>,
}

impl StemText {
    /// Room for the stems of a text of `len` bytes, which they hardly ever outgrow: one
    /// separator stands for at least one character between two words, and a stem is seldom
    /// longer than its word.
    pub(super) fn for_text(len: usize) -> StemText {
        StemText {
            text: String::with_capacity(len),
            last: None,
        }
    }

    /// Takes the next word, its position and stem.
    pub(super) fn push(&mut self, position: usize, stem: &str) {
        if let Some(last) = self.last {
            self.text
                .push(if last + 1 == position { NEXT } else { GAP });
        }
        self.text.push_str(stem);
        self.last = Some(position);
    }

    /// The stems, for the pair field.
    pub(super) fn into_text(self) -> String {
        self.text
    }
}

/// The pair field's analyzer: each two neighbouring stems of a [`StemText`] as one token.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct StemPairs;

impl Tokenizer for StemPairs {
    type TokenStream<'a> = PairStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> PairStream<'a> {
        PairStream {
            text,
            next: 0,
            previous: None,
            token: Token::default(),
            pairs: 0,
        }
    }
}

/// The pairs of one [`StemText`].
pub(super) struct PairStream<'a> {
    text: &'a str,
    /// Where the next stem starts.
    next: usize,
    /// Where the last stem is, if the next one is its neighbour.
    previous: Option<(usize, usize)>,
    token: Token,
    /// Pairs given so far.
    pairs: usize,
}

impl TokenStream for PairStream<'_> {
    fn advance(&mut self) -> bool {
        while self.next < self.text.len() {
            let start = self.next;
            let end = self.text.as_bytes()[start..]
                .iter()
                .position(|&b| b == NEXT as u8 || b == GAP as u8)
                .map_or(self.text.len(), |at| start + at);
            let after = self.text[end..].chars().next();
            self.next = end + after.map_or(0, char::len_utf8);
            let first = self.previous.take();
            if after != Some(GAP) {
                self.previous = Some((start, end));
            }
            let Some((first_start, first_end)) = first else {
                continue;
            };
            self.token.text.clear();
            self.token.text.push_str(&self.text[first_start..first_end]);
            self.token.text.push(' ');
            self.token.text.push_str(&self.text[start..end]);
            self.token.position = self.pairs;
            self.token.offset_from = first_start;
            self.token.offset_to = end;
            self.pairs += 1;
            return true;
        }
        false
    }

    fn token(&self) -> &Token {
        &self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::stem::WordStems;
    use tantivy::tokenizer::{TextAnalyzer, TokenizerManager};

    /// The pair terms of `text` as the index holds them.
    fn pairs_of(text: &str) -> Vec<String> {
        let mut stems = StemText::default();
        WordStems::new().each(text, |position, _, stem| stems.push(position, stem));
        let stems = stems.into_text();
        let mut pairs = TextAnalyzer::from(StemPairs);
        let mut stream = pairs.token_stream(&stems);
        let mut out = Vec::new();
        while stream.advance() {
            out.push(stream.token().text.clone());
        }
        out
    }

    #[test]
    fn each_pair_of_adjacent_stemmed_words_is_one_token() {
        assert_eq!(
            pairs_of("Sprint reviews, weekly!"),
            [pair("sprint", "review"), pair("review", "week")]
        );
        assert!(pairs_of("alone").is_empty());
        assert!(pairs_of("").is_empty());
    }

    #[test]
    fn words_the_analyzer_drops_break_the_pairs() {
        // A word over 40 bytes is removed, leaving a gap in the positions.
        let long = "x".repeat(50);
        assert_eq!(
            pairs_of(&format!("sprint {long} review team")),
            [pair("review", "team")]
        );
    }

    #[test]
    fn the_pairs_are_those_of_adjacent_en_stem_tokens() {
        let mut en_stem = TokenizerManager::default()
            .get("en_stem")
            .expect("tantivy has an English stemmer");
        let long = "y".repeat(45);
        let text = format!(
            "Sprint reviews, weekly! The team reviews the sprint backlog. {long} x86_64 \
             h2o 2026-11-25 ÉCOLE Straße ΣΊΣΥΦΟΣ 日本語 naïve cafés — don’t stop\n\nnext line"
        );
        let mut tokens = Vec::new();
        let mut stream = en_stem.token_stream(&text);
        while stream.advance() {
            tokens.push((stream.token().position, stream.token().text.clone()));
        }
        let expected: Vec<String> = tokens
            .windows(2)
            .filter(|w| w[0].0 + 1 == w[1].0)
            .map(|w| pair(&w[0].1, &w[1].1))
            .collect();
        assert!(expected.len() > 20, "{expected:?}");
        assert_eq!(pairs_of(&text), expected);
        assert!(expected.iter().all(|p| !p.contains(GAP)));
    }
}
