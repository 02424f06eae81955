//! Text kept LZ4-compressed in memory (lz4_flex): a post's Markdown, HTML and plain text are
//! most of what Quire holds, are read only when a response is prepared or the search index is
//! built, and shrink to about half.

use std::fmt;

/// A text stored compressed; [`PackedText::unpack`] gives it back.
#[derive(Clone, PartialEq, Eq)]
pub struct PackedText {
    /// The LZ4 block, prefixed with the text's length.
    bytes: Box<[u8]>,
    /// The text's length in bytes.
    len: usize,
}

impl PackedText {
    /// Compresses a text.
    pub fn new(text: &str) -> PackedText {
        PackedText {
            bytes: lz4_flex::compress_prepend_size(text.as_bytes()).into_boxed_slice(),
            len: text.len(),
        }
    }

    /// The text. It was valid UTF-8 when packed, so unpacking fails only if memory was
    /// corrupted; that is logged and gives an empty text rather than a crash.
    pub fn unpack(&self) -> String {
        lz4_flex::decompress_size_prepended(&self.bytes)
            .map_err(|err| err.to_string())
            .and_then(|bytes| String::from_utf8(bytes).map_err(|err| err.to_string()))
            .unwrap_or_else(|err| {
                log::error!("a packed text cannot be unpacked: {err}");
                String::new()
            })
    }

    /// The text's length in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the text is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The bytes it takes while packed.
    pub fn packed_len(&self) -> usize {
        self.bytes.len()
    }
}

impl From<&str> for PackedText {
    fn from(text: &str) -> PackedText {
        PackedText::new(text)
    }
}

impl fmt::Debug for PackedText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PackedText({} bytes in {})", self.len, self.bytes.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_comes_back_as_it_went_in_and_smaller() {
        let text = "Backlog refinement — keeping the backlog valuable. ".repeat(100);
        let packed = PackedText::new(&text);
        assert_eq!(packed.unpack(), text);
        assert_eq!(packed.len(), text.len());
        assert!(packed.packed_len() < text.len() / 4);
        assert_eq!(PackedText::new("").unpack(), "");
        assert!(PackedText::new("").is_empty());
    }
}
