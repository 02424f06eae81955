//! English stemming as tantivy's `en_stem` analyzer does it, with each word's stem remembered:
//! stemming was half of the index build's time, out of a vocabulary that repeats. It relies on
//! a word's stem not depending on its neighbours, so a remembered stem is the stem;
//! `stems_are_tantivys_en_stem_tokens_seen_or_not` below guards that the memo gives exactly
//! tantivy's `en_stem` tokens, first seen or remembered.

use std::collections::HashMap;

use foldhash::fast::RandomState;

use tantivy::tokenizer::{
    Language, LowerCaser, RawTokenizer, RemoveLongFilter, SimpleTokenizer, Stemmer, TextAnalyzer,
    TextAnalyzerBuilder, Token, TokenFilter, TokenStream, Tokenizer,
};

/// Words remembered per analyzer; the memo starts over when full.
const MEMO_WORDS: usize = 200_000;

/// The `en_stem` analyzer (simple tokenizer, words over 40 bytes dropped, lower case, English
/// stemmer) with a memo of stems, to be registered under that name.
pub(super) fn en_stem() -> TextAnalyzer {
    words().build()
}

/// A text's words as written (lower-cased) with their English stems, split, cased, dropped
/// and stemmed as [`en_stem`] does, in one pass: the document's `words` field and body pairs
/// are both made from it (see [`super::pairs`]). Its memo is kept across texts.
pub(super) struct WordStems {
    words: TextAnalyzer,
    memo: Memo,
}

impl WordStems {
    /// No words yet, and an empty memo.
    pub(super) fn new() -> WordStems {
        WordStems {
            words: TextAnalyzer::builder(SimpleTokenizer::default())
                .filter(RemoveLongFilter::limit(40))
                .filter(LowerCaser)
                .build(),
            memo: Memo::new(),
        }
    }

    /// Calls `each` with every word of `text`: its position, the word and its stem.
    pub(super) fn each(&mut self, text: &str, mut each: impl FnMut(usize, &str, &str)) {
        let mut stream = self.words.token_stream(text);
        while stream.advance() {
            let token = stream.token();
            each(token.position, &token.text, self.memo.stem_of(&token.text));
        }
    }
}

/// The words of a text as written (lower-cased), but only those whose English stem differs
/// from them, for the `words` field. A word that is its own stem is in the stemmed fields
/// already, where its typos and prefixes are matched; only the others need the field
/// (`estimatio` is a prefix of `estimation`, not of its stem `estim`). Leaving the rest out
/// keeps the field to about half the body's words, which is what it adds to the build's peak
/// memory; `tests/api/search_typing.rs` checks every kind of typo and prefix still finds its
/// word.
pub(super) fn unlike_their_stem() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(UnlikeStem)
        .build()
}

/// The filter step of [`unlike_their_stem`].
#[derive(Clone, Copy)]
struct UnlikeStem;

impl TokenFilter for UnlikeStem {
    type Tokenizer<T: Tokenizer> = UnlikeStemFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> UnlikeStemFilter<T> {
        UnlikeStemFilter {
            inner: tokenizer,
            memo: Memo::new(),
        }
    }
}

#[derive(Clone)]
struct UnlikeStemFilter<T> {
    inner: T,
    memo: Memo,
}

impl<T: Tokenizer> Tokenizer for UnlikeStemFilter<T> {
    type TokenStream<'a> = UnlikeStemStream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        UnlikeStemStream {
            words: self.inner.token_stream(text),
            memo: &mut self.memo,
        }
    }
}

struct UnlikeStemStream<'a, S> {
    words: S,
    memo: &'a mut Memo,
}

impl<S: TokenStream> TokenStream for UnlikeStemStream<'_, S> {
    fn advance(&mut self) -> bool {
        while self.words.advance() {
            if !self.memo.is_own_stem(&self.words.token().text) {
                return true;
            }
        }
        false
    }

    fn token(&self) -> &Token {
        self.words.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.words.token_mut()
    }
}

fn words() -> TextAnalyzerBuilder<impl Tokenizer> {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(MemoStemmer)
}

/// The stemming step of [`en_stem`].
#[derive(Clone, Copy)]
struct MemoStemmer;

impl TokenFilter for MemoStemmer {
    type Tokenizer<T: Tokenizer> = MemoStemFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> MemoStemFilter<T> {
        MemoStemFilter {
            inner: tokenizer,
            memo: Memo::new(),
        }
    }
}

#[derive(Clone)]
struct MemoStemFilter<T> {
    inner: T,
    memo: Memo,
}

/// Stems by word, and tantivy's stemmer for words not seen yet.
#[derive(Clone)]
struct Memo {
    /// Each word seen and where its stem is in `stems`: an index, not the stem itself, so a
    /// stem can be lent out after a single look-up. Hashed with foldhash: SipHash, the
    /// standard one, was a tenth of the build's time.
    known: HashMap<String, u32, RandomState>,
    stems: Vec<String>,
    stemmer: TextAnalyzer,
}

impl Memo {
    fn new() -> Memo {
        Memo {
            known: HashMap::default(),
            stems: Vec::new(),
            stemmer: TextAnalyzer::builder(RawTokenizer::default())
                .filter(Stemmer::new(Language::English))
                .build(),
        }
    }

    /// Whether `word` is its own stem.
    fn is_own_stem(&mut self, word: &str) -> bool {
        self.stem_of(word) == word
    }

    /// The stem of `word`, from the memo (stemmed and remembered first if new).
    fn stem_of(&mut self, word: &str) -> &str {
        let at = match self.known.get(word) {
            Some(&at) => at,
            None => self.remember(word.to_owned()),
        };
        &self.stems[at as usize]
    }

    /// Replaces `word` with its stem.
    fn stem(&mut self, word: &mut String) {
        let at = match self.known.get(word.as_str()) {
            Some(&at) => at,
            None => self.remember(std::mem::take(word)),
        };
        word.clone_from(&self.stems[at as usize]);
    }

    /// Stems `word` and remembers its stem, returning where it is.
    fn remember(&mut self, word: String) -> u32 {
        let stem = {
            let mut stream = self.stemmer.token_stream(&word);
            if stream.advance() {
                stream.token().text.clone()
            } else {
                word.clone()
            }
        };
        if self.known.len() >= MEMO_WORDS {
            self.known.clear();
            self.stems.clear();
        }
        let at = self.stems.len() as u32;
        self.stems.push(stem);
        self.known.insert(word, at);
        at
    }
}

impl<T: Tokenizer> Tokenizer for MemoStemFilter<T> {
    type TokenStream<'a> = MemoStemStream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        MemoStemStream {
            words: self.inner.token_stream(text),
            memo: &mut self.memo,
        }
    }
}

struct MemoStemStream<'a, S> {
    words: S,
    memo: &'a mut Memo,
}

impl<S: TokenStream> TokenStream for MemoStemStream<'_, S> {
    fn advance(&mut self) -> bool {
        if !self.words.advance() {
            return false;
        }
        self.memo.stem(&mut self.words.token_mut().text);
        true
    }

    fn token(&self) -> &Token {
        self.words.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.words.token_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::tokenizer::TokenizerManager;

    fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<(usize, usize, usize, String)> {
        let mut stream = analyzer.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            let t = stream.token();
            out.push((t.position, t.offset_from, t.offset_to, t.text.clone()));
        }
        out
    }

    fn tantivys_en_stem() -> TextAnalyzer {
        TokenizerManager::default()
            .get("en_stem")
            .expect("tantivy has en_stem")
    }

    #[test]
    fn stems_are_tantivys_en_stem_tokens_seen_or_not() {
        let mut tantivys = tantivys_en_stem();
        let mut ours = en_stem();
        let long = "y".repeat(45);
        let text = format!(
            "Running runners ran; the Teams ESTIMATED stories, {long} estimating cafés and naïve \
             generalizations. Running again: runners, teams, stories!"
        );
        let expected = tokens(&mut tantivys, &text);
        assert!(expected.iter().any(|t| t.3 == "run"), "{expected:?}");
        assert_eq!(tokens(&mut ours, &text), expected);
        // Again, now from the memo.
        assert_eq!(tokens(&mut ours, &text), expected);
    }

    #[test]
    fn words_are_split_cased_and_dropped_as_tantivy_does() {
        let mut tantivys = tantivys_en_stem();
        let mut ours = en_stem();
        let texts = [
            String::new(),
            "   ...!".to_owned(),
            "—Leading dash, don’t stop: x86_64 h2o 2026-11-25 ÉCOLE Straße ΣΊΣΥΦΟΣ 日本語 ok"
                .to_owned(),
            format!("{} {} end", "a".repeat(39), "b".repeat(40)),
            format!("{}é tail", "c".repeat(38)),
            "valuableâ€”they planning™ Ünïcödé".to_owned(),
        ];
        for text in &texts {
            assert_eq!(
                tokens(&mut ours, text),
                tokens(&mut tantivys, text),
                "{text:?}"
            );
        }
    }
}
