//! What a reader typed into a search box, split into words and "quoted phrases" without ever
//! failing: there is no query syntax to get wrong, so no input is an error.

/// One part of a search: a bare word or a quoted phrase, as typed (not yet analysed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// Text outside quotes; each word in it must match.
    Words(String),
    /// Text inside double quotes; its words must appear together, in order.
    Phrase(String),
}

/// A reader's search text split into parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchText {
    /// The parts in the order typed.
    pub parts: Vec<Part>,
    /// Whether the last word is still being typed (no space or quote after it), so it is also
    /// matched as a prefix.
    pub last_word_open: bool,
}

impl SearchText {
    /// Splits text on double quotes: odd stretches are phrases; an unclosed quote makes the rest
    /// a phrase. Typographic quotes (“ ”) count as quotes.
    ///
    /// ```
    /// use quire::search::{Part, SearchText};
    /// let text = SearchText::parse("story \"planning poker\" esti");
    /// assert_eq!(text.parts[1], Part::Phrase("planning poker".into()));
    /// assert!(text.last_word_open);
    /// ```
    pub fn parse(text: &str) -> SearchText {
        let mut parts = Vec::new();
        let mut current = String::new();
        let mut in_phrase = false;
        for c in text.chars() {
            if matches!(c, '"' | '“' | '”') {
                push_part(&mut parts, &mut current, in_phrase);
                in_phrase = !in_phrase;
            } else {
                current.push(c);
            }
        }
        let ends_open = !in_phrase && current.chars().last().is_some_and(|c| c.is_alphanumeric());
        push_part(&mut parts, &mut current, in_phrase);
        SearchText {
            parts,
            last_word_open: ends_open,
        }
    }
}

fn push_part(parts: &mut Vec<Part>, current: &mut String, phrase: bool) {
    let text = std::mem::take(current);
    if text.trim().is_empty() {
        return;
    }
    parts.push(if phrase {
        Part::Phrase(text.trim().to_owned())
    } else {
        Part::Words(text.trim().to_owned())
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_and_phrases_are_split_on_quotes() {
        let text = SearchText::parse("a \"b c\" d ");
        assert_eq!(
            text.parts,
            [
                Part::Words("a".into()),
                Part::Phrase("b c".into()),
                Part::Words("d".into())
            ]
        );
        assert!(!text.last_word_open);
    }

    #[test]
    fn an_unclosed_quote_makes_the_rest_a_phrase() {
        let text = SearchText::parse("x \"y z");
        assert_eq!(
            text.parts,
            [Part::Words("x".into()), Part::Phrase("y z".into())]
        );
        assert!(!text.last_word_open);
    }

    #[test]
    fn only_a_word_still_being_typed_is_open() {
        assert!(SearchText::parse("plan").last_word_open);
        assert!(!SearchText::parse("plan ").last_word_open);
        assert!(!SearchText::parse("\"plan\"").last_word_open);
        assert!(!SearchText::parse("plan?").last_word_open);
    }

    #[test]
    fn syntax_characters_are_plain_text() {
        let text = SearchText::parse("a:b (c) [d] AND -e * ~f^2 \\");
        assert_eq!(text.parts.len(), 1);
    }
}
