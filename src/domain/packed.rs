//! A post's Markdown, HTML and plain text kept together in one LZ4 block in memory (lz4_flex).
//! They are most of what Quire holds and are read only when a response is prepared, the search
//! index is built or a snippet is cut. Packed as one block, the HTML and the text compress
//! mostly to references into the Markdown they come from: all three shrink to about a quarter
//! of their size, and faster than packed apart.

use std::fmt;
use std::sync::Arc;

/// A post body's Markdown, HTML and plain text, stored compressed; see [`PackedBody::markdown`],
/// [`PackedBody::html`] and [`PackedBody::text`].
#[derive(Clone, PartialEq, Eq)]
pub struct PackedBody {
    /// One LZ4 block of the Markdown, the HTML and the text, in that order. Shared: a post served with its links resolved but its HTML as rendered keeps the
    /// parsed post's block rather than a copy.
    bytes: Arc<[u8]>,
    /// The Markdown's length in bytes.
    markdown_len: usize,
    /// The HTML's length in bytes.
    html_len: usize,
    /// The plain text's length in bytes.
    text_len: usize,
}

impl PackedBody {
    /// Compresses a body's Markdown, HTML and plain text.
    pub fn new(markdown: &str, html: &str, text: &str) -> PackedBody {
        let mut all = Vec::with_capacity(markdown.len() + html.len() + text.len());
        all.extend_from_slice(markdown.as_bytes());
        all.extend_from_slice(html.as_bytes());
        all.extend_from_slice(text.as_bytes());
        PackedBody {
            bytes: Arc::from(lz4_flex::compress(&all)),
            markdown_len: markdown.len(),
            html_len: html.len(),
            text_len: text.len(),
        }
    }

    /// The Markdown as written (after encoding repair).
    pub fn markdown(&self) -> String {
        self.part(0, self.markdown_len)
    }

    /// The HTML the Markdown was rendered to.
    pub fn html(&self) -> String {
        self.part(self.markdown_len, self.html_len)
    }

    /// The body as plain text, for search.
    pub fn text(&self) -> String {
        self.part(self.markdown_len + self.html_len, self.text_len)
    }

    /// The same body with its HTML replaced (its links resolved), unpacked once and packed
    /// again.
    pub fn with_html(&self, html: &str) -> PackedBody {
        let all = self.unpack();
        let text_start = self.markdown_len + self.html_len;
        let (Ok(markdown), Ok(text)) = (
            std::str::from_utf8(&all[..self.markdown_len.min(all.len())]),
            std::str::from_utf8(&all[text_start.min(all.len())..]),
        ) else {
            log::error!("a packed post body is not UTF-8");
            return PackedBody::new("", html, "");
        };
        PackedBody::new(markdown, html, text)
    }

    /// The compressed block itself: equal blocks hold equal bodies.
    pub fn packed_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The Markdown's length in bytes.
    pub fn markdown_len(&self) -> usize {
        self.markdown_len
    }

    /// The plain text's length in bytes.
    pub fn text_len(&self) -> usize {
        self.text_len
    }

    /// The bytes it takes while packed.
    pub fn packed_len(&self) -> usize {
        self.bytes.len()
    }

    /// The `len` bytes from `start` of the unpacked block, as text.
    fn part(&self, start: usize, len: usize) -> String {
        let mut all = self.unpack();
        all.truncate(start + len);
        let part = all.split_off(start.min(all.len()));
        String::from_utf8(part).unwrap_or_else(|err| {
            log::error!("a packed post body is not UTF-8: {err}");
            String::new()
        })
    }

    /// All three texts' bytes. They were valid UTF-8 when packed, so this fails only if memory
    /// was corrupted; that is logged and gives nothing rather than a crash.
    fn unpack(&self) -> Vec<u8> {
        let len = self.markdown_len + self.html_len + self.text_len;
        lz4_flex::decompress(&self.bytes, len).unwrap_or_else(|err| {
            log::error!("a packed post body cannot be unpacked: {err}");
            Vec::new()
        })
    }
}

impl fmt::Debug for PackedBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "PackedBody({} + {} + {} bytes in {})",
            self.markdown_len,
            self.html_len,
            self.text_len,
            self.bytes.len()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_text_comes_back_as_it_went_in_and_smaller() {
        let markdown = "Backlog refinement — keeping the *backlog* valuable.\n\n".repeat(100);
        let html =
            "<p>Backlog refinement — keeping the <em>backlog</em> valuable.</p>\n".repeat(100);
        let text = "Backlog refinement — keeping the backlog valuable.\n".repeat(100);
        let packed = PackedBody::new(&markdown, &html, &text);
        assert_eq!(packed.markdown(), markdown);
        assert_eq!(packed.html(), html);
        assert_eq!(packed.text(), text);
        assert_eq!(packed.markdown_len(), markdown.len());
        assert_eq!(packed.text_len(), text.len());
        assert!(packed.packed_len() < (markdown.len() + html.len() + text.len()) / 4);
        let rewritten = packed.with_html("<p>resolved</p>");
        assert_eq!(
            (rewritten.markdown(), rewritten.html(), rewritten.text()),
            (markdown, "<p>resolved</p>".to_owned(), text)
        );
    }

    #[test]
    fn empty_texts_come_back_empty() {
        let packed = PackedBody::new("", "", "");
        assert_eq!(
            (packed.markdown(), packed.html(), packed.text()),
            Default::default()
        );
        let packed = PackedBody::new("", "<p>x</p>", "x");
        assert_eq!(
            (packed.markdown(), packed.html(), packed.text()),
            (String::new(), "<p>x</p>".to_owned(), "x".to_owned())
        );
    }
}
