//! Adjacent word pairs for phrase search: the body is also indexed as its pairs of stemmed
//! words ("sprint review"), so a two-word phrase is one term to look up instead of every
//! document with both words to check word by word.
//!
//! The pairs come from the body's words as its analyzer gave them: the body's analyzer
//! ([`Remember`] at its end) leaves each text's words on its thread, and the indexer goes
//! through a document's body right before its pairs, so the text is not split and stemmed a
//! second time. Any other text is analysed afresh.

use std::cell::RefCell;

use tantivy::tokenizer::{TextAnalyzer, Token, TokenFilter, TokenStream, Tokenizer};

/// The name the pair analyzer is registered under.
pub(super) const PAIRS_TOKENIZER: &str = "en_stem_pairs";

thread_local! {
    /// The words of the last text the body's analyzer went through on this thread.
    static LAST_BODY: RefCell<Words> = RefCell::new(Words::default());
}

/// The words of one text.
#[derive(Clone, Default)]
struct Words {
    /// The text they are the words of.
    text: String,
    /// Every word's text, one after another.
    texts: String,
    words: Vec<Word>,
    /// Whether the analyzer went to the end of `text`, so every word is in.
    complete: bool,
}

/// A word: where its text is in [`Words::texts`], its position and its offsets in the text.
#[derive(Clone, Copy)]
struct Word {
    start: usize,
    end: usize,
    position: usize,
    offset_from: usize,
    offset_to: usize,
}

impl Words {
    /// Forgets the words, to take those of `text`.
    fn start(&mut self, text: &str) {
        self.text.clear();
        self.text.push_str(text);
        self.texts.clear();
        self.words.clear();
        self.complete = false;
    }

    fn push(&mut self, token: &Token) {
        let start = self.texts.len();
        self.texts.push_str(&token.text);
        self.words.push(Word {
            start,
            end: self.texts.len(),
            position: token.position,
            offset_from: token.offset_from,
            offset_to: token.offset_to,
        });
    }

    /// The words `analyzer` finds in `text`.
    fn analyse(&mut self, analyzer: &mut TextAnalyzer, text: &str) {
        self.start(text);
        let mut stream = analyzer.token_stream(text);
        while stream.advance() {
            self.push(stream.token());
        }
        self.complete = true;
    }

    fn text_of(&self, word: &Word) -> &str {
        &self.texts[word.start..word.end]
    }
}

/// The last step of the body's analyzer: leaves the words of each text it analyses for
/// [`Pairs`] on the same thread.
#[derive(Clone, Copy)]
pub(super) struct Remember;

impl TokenFilter for Remember {
    type Tokenizer<T: Tokenizer> = RememberFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> RememberFilter<T> {
        RememberFilter(tokenizer)
    }
}

/// [`Remember`] over another tokenizer.
#[derive(Clone)]
pub(super) struct RememberFilter<T>(T);

impl<T: Tokenizer> Tokenizer for RememberFilter<T> {
    type TokenStream<'a> = RememberStream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        LAST_BODY.with_borrow_mut(|last| last.start(text));
        RememberStream(self.0.token_stream(text))
    }
}

/// The words of one text, each also left in [`LAST_BODY`].
pub(super) struct RememberStream<S>(S);

impl<S: TokenStream> TokenStream for RememberStream<S> {
    fn advance(&mut self) -> bool {
        let more = self.0.advance();
        LAST_BODY.with_borrow_mut(|last| {
            if more {
                last.push(self.0.token());
            } else {
                last.complete = true;
            }
        });
        more
    }

    fn token(&self) -> &Token {
        self.0.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.0.token_mut()
    }
}

/// A tokenizer giving each pair of adjacent words of another analyzer as one token.
#[derive(Clone)]
pub(super) struct Pairs {
    /// Finds the words of a text the body's analyzer has not just gone through.
    words: TextAnalyzer,
    /// The words of the text being tokenized; kept to be reused for the next.
    found: Words,
}

impl Pairs {
    /// Pairs of the words `words` gives, which must be the words the body's analyzer gives.
    pub(super) fn new(words: TextAnalyzer) -> Pairs {
        Pairs {
            words,
            found: Words::default(),
        }
    }
}

impl Tokenizer for Pairs {
    type TokenStream<'a> = PairStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> PairStream<'a> {
        let found = &mut self.found;
        let remembered = LAST_BODY.with_borrow_mut(|last| {
            let usable = last.complete && last.text == text;
            if usable {
                // Swapped, not copied: the buffers go back and forth.
                std::mem::swap(last, found);
                last.complete = false;
            }
            usable
        });
        if !remembered {
            found.analyse(&mut self.words, text);
        }
        PairStream {
            words: found,
            next: 1,
            token: Token::default(),
        }
    }
}

/// The pairs of one text.
pub(super) struct PairStream<'a> {
    words: &'a Words,
    /// The index of the second word of the next pair to try.
    next: usize,
    token: Token,
}

impl TokenStream for PairStream<'_> {
    fn advance(&mut self) -> bool {
        while let Some(second) = self.words.words.get(self.next) {
            let first = &self.words.words[self.next - 1];
            self.next += 1;
            // A word the analyzer dropped between them leaves a gap: no pair.
            if first.position + 1 != second.position {
                continue;
            }
            self.token.text.clear();
            self.token.text.push_str(self.words.text_of(first));
            self.token.text.push(' ');
            self.token.text.push_str(self.words.text_of(second));
            self.token.position = first.position;
            self.token.offset_from = first.offset_from;
            self.token.offset_to = second.offset_to;
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

/// The term the index holds for two adjacent stems.
pub(super) fn pair(first: &str, second: &str) -> String {
    format!("{first} {second}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::tokenizer::TokenizerManager;

    /// The pairs of `text`, with tantivy's `en_stem` finding the words.
    fn pairs_of(text: &str) -> Vec<(usize, String)> {
        let stem = TokenizerManager::default()
            .get("en_stem")
            .expect("tantivy has an English stemmer");
        pairs_with(stem, text)
    }

    /// The pairs of `text`, with `words` finding the words unless the body's analyzer has.
    fn pairs_with(words: TextAnalyzer, text: &str) -> Vec<(usize, String)> {
        let mut pairs = TextAnalyzer::from(Pairs::new(words));
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

    /// Runs the body's analyzer over `text`, reading its first `words` words (all if `None`).
    fn analyse_body(body: &mut TextAnalyzer, text: &str, words: Option<usize>) {
        let mut stream = body.token_stream(text);
        let mut read = 0;
        while words.is_none_or(|n| read < n) && stream.advance() {
            read += 1;
        }
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

    #[test]
    fn the_body_analyzers_words_give_the_same_pairs_as_finding_them_again() {
        let text = "Sprint reviews, weekly! The team reviews the sprint backlog.";
        let mut body = crate::search::stem::en_stem_body();
        analyse_body(&mut body, text, None);
        // Remembered from the body's analysis (the analyzer given here would give none).
        let empty = TextAnalyzer::from(tantivy::tokenizer::RawTokenizer::default());
        let from_body = pairs_with(empty, text);
        assert_eq!(from_body, pairs_of(text));
        assert_eq!(from_body.len(), 8, "{from_body:?}");
    }

    #[test]
    fn words_of_another_text_or_of_an_unfinished_analysis_are_not_used() {
        let mut body = crate::search::stem::en_stem_body();
        analyse_body(&mut body, "planning poker estimates", None);
        assert_eq!(
            pairs_of("team velocity"),
            [(0, "team veloc".to_owned())],
            "another text is analysed afresh"
        );

        analyse_body(&mut body, "sprint review demo", Some(1));
        assert_eq!(
            pairs_of("sprint review demo"),
            [
                (0, "sprint review".to_owned()),
                (1, "review demo".to_owned())
            ],
            "an analysis stopped halfway is not used"
        );
    }
}
