//! Adjacent word pairs for phrase search: the body is also indexed as its pairs of stemmed
//! words ("sprint review"), so a two-word phrase is one term to look up instead of every
//! document with both words to check word by word.

use tantivy::tokenizer::{BoxTokenStream, TextAnalyzer, Token, TokenStream, Tokenizer};

/// The name the pair analyzer is registered under.
pub(super) const PAIRS_TOKENIZER: &str = "en_stem_pairs";

/// A tokenizer giving each pair of adjacent words of another analyzer as one token.
#[derive(Clone)]
pub(super) struct Pairs(pub(super) TextAnalyzer);

impl Tokenizer for Pairs {
    type TokenStream<'a> = PairStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> PairStream<'a> {
        PairStream {
            words: self.0.token_stream(text),
            previous: None,
            previous_text: String::new(),
            token: Token::default(),
        }
    }
}

/// The pairs of one text.
pub(super) struct PairStream<'a> {
    words: BoxTokenStream<'a>,
    /// The previous word's position and starting offset.
    previous: Option<(usize, usize)>,
    previous_text: String,
    token: Token,
}

impl TokenStream for PairStream<'_> {
    fn advance(&mut self) -> bool {
        while self.words.advance() {
            let word = self.words.token();
            let pair_from = self
                .previous
                .filter(|&(position, _)| position + 1 == word.position)
                .map(|(position, from)| {
                    self.token.text.clear();
                    self.token.text.push_str(&self.previous_text);
                    self.token.text.push(' ');
                    self.token.text.push_str(&word.text);
                    self.token.position = position;
                    self.token.offset_from = from;
                    self.token.offset_to = word.offset_to;
                });
            self.previous = Some((word.position, word.offset_from));
            self.previous_text.clear();
            self.previous_text.push_str(&word.text);
            if pair_from.is_some() {
                return true;
            }
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

/// The term the index holds for two adjacent stems.
pub(super) fn pair(first: &str, second: &str) -> String {
    format!("{first} {second}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::tokenizer::TokenizerManager;

    fn pairs_of(text: &str) -> Vec<(usize, String)> {
        let stem = TokenizerManager::default()
            .get("en_stem")
            .expect("tantivy has an English stemmer");
        let mut pairs = TextAnalyzer::from(Pairs(stem));
        let mut stream = pairs.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            let token = stream.token();
            assert_eq!(&token.text, &{
                let (a, b) = token.text.split_once(' ').unwrap_or_default();
                pair(a, b)
            });
            out.push((token.position, token.text.clone()));
        }
        out
    }

    #[test]
    fn each_pair_of_adjacent_stemmed_words_is_one_token() {
        assert_eq!(
            pairs_of("Sprint reviews, weekly!"),
            [
                (0, "sprint review".to_owned()),
                (1, "review week".to_owned())
            ]
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
            [(2, "review team".to_owned())]
        );
    }
}
