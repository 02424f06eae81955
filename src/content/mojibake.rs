//! Repairing text garbled by a UTF-8/Windows-1252 mix-up (`donâ€™t` for `don’t`).
//!
//! Garbled text was UTF-8 that some tool read as Windows-1252 (or Latin-1) and wrote
//! back as UTF-8, so every non-ASCII character became two to four characters that
//! each stand for one Windows-1252 byte. The repair maps characters back to those
//! bytes and, only where they form a valid multi-byte UTF-8 sequence, decodes the
//! sequence; everything else is left exactly as it was.
//!
//! Legitimate text must never change, so a sequence is only repaired when it looks
//! like mojibake rather than an accented letter that happens to be followed by
//! punctuation (French `«\u{a0}Café\u{a0}»`, German `„Fuß“`), and the text as a whole
//! is only touched when it contains at least one sequence with a typical mojibake
//! lead such as `Ã`, `Â`, `â` or `ð`, or a three- or four-byte sequence.

use std::sync::OnceLock;

use encoding_rs::WINDOWS_1252;

/// Lead characters whose sequences are repaired whatever follows them: `Â`/`Ã`
/// (Latin-1 characters), `â` (punctuation and symbols) and `ð` (emoji).
const CLASSIC_LEADS: [char; 4] = ['Â', 'Ã', 'â', 'ð'];

/// Leads of two-byte sequences that are typical of mojibake: Latin-1, Latin
/// Extended-A (Polish, Czech, Turkish…), Greek, Cyrillic, Hebrew and Arabic.
const TYPICAL_TWO_BYTE_LEADS: [char; 11] = ['Â', 'Ã', 'Ä', 'Å', 'Î', 'Ï', 'Ð', 'Ñ', '×', 'Ø', 'Ù'];

/// Marks that legitimately follow the last letter of a word. A sequence with an
/// untypical lead made only of these is taken to be real text, not mojibake.
const WORD_CLOSING_MARKS: [char; 15] = [
    '\u{a0}', '…', '’', '‘', '”', '“', '»', '™', '®', '©', '°', '–', '—', '²', '³',
];

/// Returns the repaired text when `text` contains garbled sequences that can be repaired
/// unambiguously, or None when nothing needed repair.
pub fn repair(text: &str) -> Option<String> {
    if text.is_ascii() || !text.chars().any(is_lead_char) {
        return None;
    }
    // First look, without allocating, for a sequence that shows the text is garbled.
    let mut found_typical = false;
    scan(text, |sequence| {
        found_typical = sequence.is_typical();
        !found_typical
    });
    if !found_typical {
        return None;
    }

    let mut repaired = String::with_capacity(text.len());
    let mut copied_up_to = 0;
    scan(text, |sequence| {
        repaired.push_str(&text[copied_up_to..sequence.start]);
        repaired.push(sequence.decoded);
        copied_up_to = sequence.end;
        true
    });
    repaired.push_str(&text[copied_up_to..]);
    Some(repaired)
}

/// A garbled sequence found in the text, with the character it stands for.
#[derive(Debug, Clone, Copy)]
struct Sequence {
    /// Byte offset of the lead character in the text.
    start: usize,
    /// Byte offset just past the last continuation character.
    end: usize,
    lead: char,
    /// How many UTF-8 bytes (so how many garbled characters) the sequence has.
    len: usize,
    decoded: char,
}

impl Sequence {
    /// Whether this sequence alone makes the text recognisably garbled.
    fn is_typical(&self) -> bool {
        self.len >= 3 || TYPICAL_TWO_BYTE_LEADS.contains(&self.lead)
    }
}

/// Calls `visit` with every repairable sequence of `text`, left to right, until it returns false.
fn scan(text: &str, mut visit: impl FnMut(Sequence) -> bool) {
    let mut position = 0;
    while let Some(c) = text.get(position..).and_then(|rest| rest.chars().next()) {
        if is_lead_char(c)
            && let Some(sequence) = sequence_at(text, position, c)
        {
            if !visit(sequence) {
                return;
            }
            position = sequence.end;
        } else {
            position += c.len_utf8();
        }
    }
}

/// Whether `c` stands for a UTF-8 lead byte of a multi-byte sequence (0xC2-0xF4).
fn is_lead_char(c: char) -> bool {
    ('\u{c2}'..='\u{f4}').contains(&c)
}

/// The repairable sequence whose lead character `lead` sits at byte offset `start`, if any.
fn sequence_at(text: &str, start: usize, lead: char) -> Option<Sequence> {
    let lead_byte = windows_1252_byte(lead)?;
    let len = match lead_byte {
        0xc2..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf4 => 4,
        _ => return None,
    };
    let mut bytes = [lead_byte, 0, 0, 0];
    let mut all_closing_marks = true;
    let mut end = start + lead.len_utf8();
    let mut following = text[end..].chars();
    for slot in bytes.iter_mut().take(len).skip(1) {
        let c = following.next()?;
        let byte = windows_1252_byte(c).filter(|b| (0x80..=0xbf).contains(b))?;
        *slot = byte;
        all_closing_marks &= WORD_CLOSING_MARKS.contains(&c);
        end += c.len_utf8();
    }
    // This also rejects overlong forms, surrogates and values past U+10FFFF.
    let decoded = std::str::from_utf8(&bytes[..len]).ok()?.chars().next()?;
    if !is_plausible(decoded) {
        return None;
    }
    let sequence = Sequence {
        start,
        end,
        lead,
        len,
        decoded,
    };
    let trusted = CLASSIC_LEADS.contains(&lead)
        || (len == 2 && TYPICAL_TWO_BYTE_LEADS.contains(&lead))
        || !all_closing_marks;
    trusted.then_some(sequence)
}

/// Whether a decoded character is something real text contains: not a C1 control
/// character and not a Unicode noncharacter.
fn is_plausible(c: char) -> bool {
    let code = u32::from(c);
    !(0x80..=0x9f).contains(&code) && !(0xfdd0..=0xfdef).contains(&code) && code & 0xfffe != 0xfffe
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
