//! A post's Markdown and HTML kept together in one LZ4 block in memory (lz4_flex). They are
//! most of what Quire holds and are read only when a response is prepared or the search index
//! is built. Packed as one block, the HTML compresses mostly to references into the Markdown
//! it was rendered from: both shrink to about 30% of their size, and faster than packed apart.

use std::fmt;

/// A post body's Markdown and HTML, stored compressed; see [`PackedBody::markdown`] and
/// [`PackedBody::html`].
#[derive(Clone, PartialEq, Eq)]
pub struct PackedBody {
    /// One LZ4 block of the Markdown followed by the HTML.
    bytes: Box<[u8]>,
    /// The Markdown's length in bytes.
    markdown_len: usize,
    /// The HTML's length in bytes.
    html_len: usize,
}

impl PackedBody {
    /// Compresses a body's Markdown and HTML.
    pub fn new(markdown: &str, html: &str) -> PackedBody {
        let mut both = Vec::with_capacity(markdown.len() + html.len());
        both.extend_from_slice(markdown.as_bytes());
        both.extend_from_slice(html.as_bytes());
        PackedBody {
            bytes: lz4_flex::compress(&both).into_boxed_slice(),
            markdown_len: markdown.len(),
            html_len: html.len(),
        }
    }

    /// The Markdown as written (after encoding repair).
    pub fn markdown(&self) -> String {
        let mut both = self.unpack();
        both.truncate(self.markdown_len);
        text_of(both)
    }

    /// The HTML the Markdown was rendered to.
    pub fn html(&self) -> String {
        let both = self.unpack();
        text_of(both.get(self.markdown_len..).unwrap_or_default().to_vec())
    }

    /// The Markdown's length in bytes.
    pub fn markdown_len(&self) -> usize {
        self.markdown_len
    }

    /// The bytes it takes while packed.
    pub fn packed_len(&self) -> usize {
        self.bytes.len()
    }

    /// Both texts' bytes. They were valid UTF-8 when packed, so this fails only if memory was
    /// corrupted; that is logged and gives nothing rather than a crash.
    fn unpack(&self) -> Vec<u8> {
        lz4_flex::decompress(&self.bytes, self.markdown_len + self.html_len).unwrap_or_else(|err| {
            log::error!("a packed post body cannot be unpacked: {err}");
            Vec::new()
        })
    }
}

/// Bytes that were a `str` when packed, as a `String` (empty, logged, if they are not).
fn text_of(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|err| {
        log::error!("a packed post body is not UTF-8: {err}");
        String::new()
    })
}

impl fmt::Debug for PackedBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "PackedBody({} + {} bytes in {})",
            self.markdown_len,
            self.html_len,
            self.bytes.len()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_texts_come_back_as_they_went_in_and_smaller() {
        let markdown = "Backlog refinement — keeping the *backlog* valuable.\n\n".repeat(100);
        let html =
            "<p>Backlog refinement — keeping the <em>backlog</em> valuable.</p>\n".repeat(100);
        let packed = PackedBody::new(&markdown, &html);
        assert_eq!(packed.markdown(), markdown);
        assert_eq!(packed.html(), html);
        assert_eq!(packed.markdown_len(), markdown.len());
        assert!(packed.packed_len() < (markdown.len() + html.len()) / 4);
    }

    #[test]
    fn empty_texts_come_back_empty() {
        let packed = PackedBody::new("", "");
        assert_eq!(packed.markdown(), "");
        assert_eq!(packed.html(), "");
        let packed = PackedBody::new("", "<p>x</p>");
        assert_eq!(
            (packed.markdown(), packed.html()),
            (String::new(), "<p>x</p>".to_owned())
        );
    }
}
