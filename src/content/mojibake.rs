//! Repairing text garbled by a UTF-8/Windows-1252 mix-up (`donâ€™t` for `don’t`).
//!
//! Garbled text was UTF-8 that some tool read as Windows-1252 (or Latin-1) and wrote
//! back as UTF-8, so every non-ASCII character became two to four characters that
//! each stand for one Windows-1252 byte. The repair maps characters back to those
//! bytes and, only where they form a valid multi-byte UTF-8 sequence, decodes the
//! sequence; everything else is left exactly as it was.
//!
//! Valid text must never change, and valid text can look like a sequence: an accented
//! letter followed by punctuation (`«\u{a0}Café\u{a0}»`, `„Fuß“`) or a bullet between
//! letters (`T•Ø•R`). So, as ftfy does, a line is decoded only where the garbled form is
//! implausible as written and the decoded form is plausible:
//! - a sequence is a candidate only when it decodes to an assigned, printable character
//!   (a combining mark only right after a letter);
//! - a candidate is proof that the line is garbled when its garbled form contains
//!   something real text never has: a C1 control character, a symbol that never ends a
//!   word (`€`, `Ÿ`, `¸`, `¬`…), `Â` followed by anything but a separator (`Â©`), or `Ã`
//!   followed by a symbol (`Ã©`) or by a quote or dash and then a letter (`sÃ»r`);
//! - a line with no proof is left alone; in a line with proof, the other candidates
//!   (those made only of marks that may follow a word, such as `Ð²` for `в`) are
//!   decoded too when they decode to the same script as a proven one.

use std::sync::OnceLock;

use encoding_rs::WINDOWS_1252;
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};
use unicode_script::{Script, UnicodeScript};

/// Quotes, dashes and separators that real text puts right after a letter
/// (`IRMÃ”`, `CAFÉ…`, `T•Ø•R`).
const QUOTE_LIKE_MARKS: [char; 15] = [
    '’', '‘', '”', '“', '»', '«', '›', '‹', '…', '–', '—', '•', '·', '´', '\u{ad}',
];

/// Symbols that real text puts right after a word (`CAFÉ™`, `ÉTÉ²`), but never right
/// after a capital `Â` or `Ã`.
const SYMBOL_LIKE_MARKS: [char; 10] = ['\u{a0}', '™', '®', '©', '°', '²', '³', '¹', 'ª', 'º'];

/// Marks that separate letters in real text (`T•Ø•R`), so a letter after them proves nothing.
const SEPARATORS: [char; 3] = ['•', '·', '\u{ad}'];

/// Returns the repaired text when `text` contains garbled sequences that can be repaired
/// beyond reasonable doubt, or None when nothing needed repair.
pub fn repair(text: &str) -> Option<String> {
    if text.is_ascii() || !text.chars().any(is_lead_char) {
        return None;
    }
    let mut sequences = Vec::new();
    scan(text, |sequence| sequences.push(sequence));
    let proven_scripts: Vec<Script> = sequences
        .iter()
        .filter(|sequence| sequence.proves_garbling)
        .map(|sequence| sequence.decoded.script())
        .collect();
    if proven_scripts.is_empty() {
        return None;
    }
    let is_repaired = |sequence: &Sequence| {
        let script = sequence.decoded.script();
        sequence.proves_garbling
            || matches!(script, Script::Common | Script::Inherited)
            || proven_scripts.contains(&script)
    };

    let mut repaired = String::with_capacity(text.len());
    let mut copied_up_to = 0;
    for sequence in sequences.iter().filter(|sequence| is_repaired(sequence)) {
        repaired.push_str(&text[copied_up_to..sequence.start]);
        repaired.push(sequence.decoded);
        copied_up_to = sequence.end;
    }
    repaired.push_str(&text[copied_up_to..]);
    Some(repaired)
}

/// A candidate garbled sequence found in the text, with the character it stands for.
#[derive(Debug, Clone, Copy)]
struct Sequence {
    /// Byte offset of the lead character in the text.
    start: usize,
    /// Byte offset just past the last continuation character.
    end: usize,
    decoded: char,
    /// Whether this sequence alone shows the text is garbled (see the module comment).
    proves_garbling: bool,
}

/// Calls `visit` with every candidate sequence of `text`, left to right.
fn scan(text: &str, mut visit: impl FnMut(Sequence)) {
    let mut position = 0;
    let mut previous = None;
    while let Some(c) = text.get(position..).and_then(|rest| rest.chars().next()) {
        if is_lead_char(c)
            && let Some(sequence) = sequence_at(text, position, c, previous)
        {
            visit(sequence);
            position = sequence.end;
            previous = Some(sequence.decoded);
        } else {
            position += c.len_utf8();
            previous = Some(c);
        }
    }
}

/// Whether `c` stands for a UTF-8 lead byte of a multi-byte sequence (0xC2-0xF4).
fn is_lead_char(c: char) -> bool {
    ('\u{c2}'..='\u{f4}').contains(&c)
}

/// The candidate sequence whose lead character `lead` sits at byte offset `start`, if
/// any; `previous` is the character before it.
fn sequence_at(text: &str, start: usize, lead: char, previous: Option<char>) -> Option<Sequence> {
    let lead_byte = windows_1252_byte(lead)?;
    let len = match lead_byte {
        0xc2..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf4 => 4,
        _ => return None,
    };
    let mut bytes = [lead_byte, 0, 0, 0];
    let mut continuations = ['\0'; 4];
    let mut end = start + lead.len_utf8();
    let mut following = text[end..].chars();
    for (slot, continuation) in bytes.iter_mut().zip(&mut continuations).take(len).skip(1) {
        let c = following.next()?;
        *slot = windows_1252_byte(c).filter(|b| (0x80..=0xbf).contains(b))?;
        *continuation = c;
        end += c.len_utf8();
    }
    // This also rejects overlong forms, surrogates and values past U+10FFFF.
    let decoded = std::str::from_utf8(&bytes[..len]).ok()?.chars().next()?;
    if !is_plausible(decoded, previous) {
        return None;
    }
    Some(Sequence {
        start,
        end,
        decoded,
        proves_garbling: proves_garbling(lead, &continuations[1..len], following.next()),
    })
}

/// Whether a sequence's garbled form (`lead`, then `continuations`, then `next`) is
/// something real text never contains.
fn proves_garbling(lead: char, continuations: &[char], next: Option<char>) -> bool {
    let is_word_closing = |c: &char| QUOTE_LIKE_MARKS.contains(c) || SYMBOL_LIKE_MARKS.contains(c);
    if !continuations.iter().all(is_word_closing) {
        // A C1 control character, or a symbol that never follows a letter (`â€`, `ÐŸ`).
        return true;
    }
    match (lead, continuations) {
        // A capital `Â` hardly ever ends a word, so only a separator may follow it.
        ('Â', [mark]) => !SEPARATORS.contains(mark),
        // A capital `Ã` ends Portuguese words (`IRMÃ`), but is never followed by a symbol,
        // nor by a quote or a dash glued to a following letter (`sÃ»r`).
        ('Ã', [mark]) => {
            SYMBOL_LIKE_MARKS.contains(mark)
                || (!SEPARATORS.contains(mark)
                    && next.is_some_and(|c| c.is_alphabetic() && !SYMBOL_LIKE_MARKS.contains(&c)))
        }
        _ => false,
    }
}

/// Whether a decoded character is something real text contains where it stands: an
/// assigned character that is not a control or private-use character, and a combining
/// mark only right after a letter.
fn is_plausible(decoded: char, previous: Option<char>) -> bool {
    match decoded.general_category() {
        GeneralCategory::Control
        | GeneralCategory::Surrogate
        | GeneralCategory::PrivateUse
        | GeneralCategory::Unassigned => false,
        GeneralCategory::NonspacingMark
        | GeneralCategory::SpacingMark
        | GeneralCategory::EnclosingMark => previous.is_some_and(char::is_alphabetic),
        _ => true,
    }
}

/// The Windows-1252 (or Latin-1) byte at or above 0x80 that `c` stands for, if any.
fn windows_1252_byte(c: char) -> Option<u8> {
    let code = u32::from(c);
    if code < 0x80 {
        return None;
    }
    // Latin-1: U+0080..U+00FF is the byte itself. This covers the C1 controls that
    // Latin-1 decoders produce and the five bytes Windows-1252 leaves undefined.
    if let Ok(byte) = u8::try_from(code) {
        return Some(byte);
    }
    let position = windows_1252_specials().iter().position(|&s| s == c)?;
    u8::try_from(0x80 + position).ok()
}

/// The characters Windows-1252 decodes the bytes 0x80..=0x9F to (`€`, `‚`, … `Ÿ`).
fn windows_1252_specials() -> &'static [char; 32] {
    static SPECIALS: OnceLock<[char; 32]> = OnceLock::new();
    SPECIALS.get_or_init(|| {
        let bytes: [u8; 32] = std::array::from_fn(|i| 0x80 + i as u8);
        let (decoded, _) = WINDOWS_1252.decode_without_bom_handling(&bytes);
        let mut specials: [char; 32] = std::array::from_fn(|i| char::from(0x80 + i as u8));
        for (slot, c) in specials.iter_mut().zip(decoded.chars()) {
            *slot = c;
        }
        specials
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_sentence_gets_its_em_dash_back() {
        let garbled = "Disagreements in estimates (e.g., one person votes 3, another votes 13) \
                       are valuableâ€”they reveal hidden complexity or misunderstandings.";
        let expected = "Disagreements in estimates (e.g., one person votes 3, another votes 13) \
                        are valuable—they reveal hidden complexity or misunderstandings.";
        assert_eq!(repair(garbled).as_deref(), Some(expected));
    }

    #[test]
    fn garbled_words_are_repaired() {
        let table = [
            ("valuableâ€”they", "valuable—they"),
            ("CafÃ©", "Café"),
            ("â€œquotedâ€\u{9d}", "“quoted”"),
            ("donâ€™t", "don’t"),
            ("â€¦ and more", "… and more"),
            ("Â©\u{a0}2025", "©\u{a0}2025"),
            ("25Â°C", "25°C"),
            ("priceÂ\u{a0}tag", "price\u{a0}tag"),
            ("Ã‰cole", "École"),
            ("naÃ¯ve", "naïve"),
            ("Ã…ngstrÃ¶m", "Ångström"),
            ("SÃ£o Paulo", "São Paulo"),
            ("â‚¬20", "€20"),
            ("â„¢", "™"),
            ("Å‚Ã³dÅº", "łódź"),
            ("ÐŸÑ€Ð¸Ð²ÐµÑ‚", "Привет"),
            ("Î•Î»Î»Î¬Î´Î±", "Ελλάδα"),
            ("ä¸\u{ad}æ–‡", "中文"),
            ("ï¿½", "\u{fffd}"),
        ];
        for (garbled, expected) in table {
            assert_eq!(repair(garbled).as_deref(), Some(expected), "{garbled}");
        }
    }

    #[test]
    fn latin1_controls_count_as_their_byte() {
        // U+0080 and U+0099 are what a Latin-1 decoder makes of bytes 0x80 and 0x99.
        assert_eq!(repair("â\u{80}\u{99}").as_deref(), Some("’"));
        assert_eq!(repair("â\u{80}\u{9d}").as_deref(), Some("”"));
    }

    #[test]
    fn emoji_mojibake_is_repaired() {
        assert_eq!(repair("Hi ðŸ˜€!").as_deref(), Some("Hi 😀!"));
        assert_eq!(repair("ðŸ‘\u{8d}").as_deref(), Some("👍"));
    }

    #[test]
    fn clean_text_is_left_alone() {
        let table = [
            "",
            "plain ASCII text",
            "Café déjà vu",
            "naïve",
            "Ångström",
            "São Paulo",
            "Ôle",
            "Ü",
            "½ × ¾",
            "中文的内容",
            "emoji 😀👍",
            "The letter \"Â\" is a capital A with a circumflex.",
            "Â la carte",
            "«\u{a0}Café\u{a0}»",
            "„Fuß“",
            "“¿Qué…”",
            "CAFÉ™",
            "ÉTÉ… toujours",
            "© 2025 Ørsted",
            "Привет, Ελλάδα",
            "10 °C ± 2",
        ];
        for clean in table {
            assert_eq!(repair(clean), None, "{clean}");
        }
    }

    #[test]
    fn bullets_between_letters_are_left_alone() {
        // `Ø•` would decode to an Arabic combining mark and `Ü•` to a Syriac letter.
        let table = ["(T•Ø•R•Ü•S)", "Ä•Ö•Ü", "É·É·È", "X•Ã•Y", "ÐÞ•", "Ñ·Ñ"];
        for clean in table {
            assert_eq!(repair(clean), None, "{clean}");
        }
    }

    #[test]
    fn accented_letters_before_marks_that_may_end_a_word_are_left_alone() {
        let marks: Vec<char> = QUOTE_LIKE_MARKS
            .iter()
            .chain(&SYMBOL_LIKE_MARKS)
            .copied()
            .collect();
        let mut checked = 0;
        for letter in ('\u{c2}'..='\u{f4}').filter(|c| c.is_alphabetic()) {
            // Only a separator follows a capital `Â`; a quote, dash or separator a capital `Ã`.
            let marks_after = |letter: char| -> Vec<char> {
                marks
                    .iter()
                    .copied()
                    .filter(|mark| match letter {
                        'Â' => SEPARATORS.contains(mark),
                        'Ã' => !SYMBOL_LIKE_MARKS.contains(mark),
                        _ => true,
                    })
                    .collect()
            };
            for first in marks_after(letter) {
                let mut texts = vec![
                    format!("WORD{letter}{first}"),
                    format!("word{letter}{first} and more"),
                ];
                for second in &marks {
                    texts.push(format!("word{letter}{first}{second} more"));
                    for third in &marks {
                        texts.push(format!("word{letter}{first}{second}{third}"));
                    }
                }
                for text in texts {
                    assert_eq!(repair(&text), None, "{text}");
                    checked += 1;
                }
            }
            for separator in SEPARATORS {
                let text = format!("T{separator}{letter}{separator}R");
                assert_eq!(repair(&text), None, "{text}");
            }
        }
        assert!(checked > 100_000, "only {checked} texts were checked");
    }

    #[test]
    fn garbled_capitals_and_words_of_one_letter_are_repaired() {
        let table = [
            ("sÃ»r", "sûr"),
            ("Ã–sterreich", "Österreich"),
            ("ESPAÃ‘A", "ESPAÑA"),
            ("Ã\u{a0}la", "àla"),
            ("Â« Bonjour Â»", "« Bonjour »"),
            ("ï»¿BOM", "\u{feff}BOM"),
            // `Ð²` alone could be valid; beside `ÐœÐ¾Ñ\u{81}ÐºÐ²Ðµ` it is Cyrillic too.
            ("Ð² ÐœÐ¾Ñ\u{81}ÐºÐ²Ðµ", "в Москве"),
        ];
        for (garbled, expected) in table {
            assert_eq!(repair(garbled).as_deref(), Some(expected), "{garbled}");
        }
    }

    #[test]
    fn only_the_garbled_part_of_mixed_text_changes() {
        let table = [
            ("Café and donâ€™t", "Café and don’t"),
            ("„Fuß“ — donâ€™t", "„Fuß“ — don’t"),
            ("中文 and CafÃ©", "中文 and Café"),
            ("😀 and ðŸ˜€", "😀 and 😀"),
        ];
        for (garbled, expected) in table {
            assert_eq!(repair(garbled).as_deref(), Some(expected), "{garbled}");
        }
    }

    #[test]
    fn double_garbled_text_is_repaired_once() {
        // ’ garbled twice; one pass takes it back to the once-garbled form.
        assert_eq!(repair("donÃ¢â‚¬â„¢t").as_deref(), Some("donâ€™t"));
    }

    #[test]
    fn text_ending_inside_a_garbled_sequence_is_left_as_is() {
        let table = [
            ("donâ€", None),
            ("â", None),
            ("ðŸ˜", None),
            ("CafÃ", None),
            ("CafÃ© and donâ€", Some("Café and donâ€")),
            ("CafÃ© ðŸ", Some("Café ðŸ")),
        ];
        for (garbled, expected) in table {
            assert_eq!(repair(garbled).as_deref(), expected, "{garbled}");
        }
    }

    #[test]
    fn invalid_utf8_byte_patterns_are_not_decoded() {
        // Overlong (À€ = C0 80), a surrogate (í + NBSP + € = ED A0 80)
        // and a value past U+10FFFF (ô + U+0090 + €€ = F4 90 80 80).
        let table = ["À€", "í\u{a0}€", "ô\u{90}€€"];
        for text in table {
            assert_eq!(repair(text), None, "{text}");
        }
    }

    #[test]
    fn windows_1252_specials_map_back_to_their_bytes() {
        let table = [
            ('€', 0x80),
            ('‚', 0x82),
            ('’', 0x92),
            ('—', 0x97),
            ('Ÿ', 0x9f),
        ];
        for (c, byte) in table {
            assert_eq!(windows_1252_byte(c), Some(byte), "{c}");
        }
        assert_eq!(windows_1252_byte('\u{9d}'), Some(0x9d));
        assert_eq!(windows_1252_byte('é'), Some(0xe9));
        assert_eq!(windows_1252_byte('a'), None);
        assert_eq!(windows_1252_byte('中'), None);
    }
}
