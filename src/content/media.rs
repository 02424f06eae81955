//! Reading the media files beside the posts: which files are media (by extension), their media
//! type, and each one's hash and, for an image, its width and height from its header alone
//! (`imagesize`; an SVG's from its root element), never a decode.

use std::cell::RefCell;
use std::fs;
use std::io::{self, Read};
use std::path::Path;

use jiff::Timestamp;
use quick_xml::events::Event;
use xxhash_rust::xxh3::Xxh3;

use crate::domain::MediaFile;

/// The extensions served under `/media` without configuration, with their media types: what
/// a page shows (images, video, audio) or links to (PDF).
pub const MEDIA_TYPES: &[(&str, &str)] = &[
    ("png", "image/png"),
    ("jpg", "image/jpeg"),
    ("jpeg", "image/jpeg"),
    ("gif", "image/gif"),
    ("webp", "image/webp"),
    ("avif", "image/avif"),
    ("svg", "image/svg+xml"),
    ("mp4", "video/mp4"),
    ("webm", "video/webm"),
    ("mp3", "audio/mpeg"),
    ("ogg", "audio/ogg"),
    ("pdf", "application/pdf"),
];

/// Which files are media: the default extensions and those added with `--media-ext`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MediaKinds {
    /// Extra extensions, lowercase, without the dot.
    pub extra: Vec<String>,
}

impl MediaKinds {
    /// The media type of a file name, when it is media: `None` for anything else.
    pub fn content_type(&self, name: &str) -> Option<&'static str> {
        let (stem, extension) = name.rsplit_once('.')?;
        if stem.is_empty() {
            return None;
        }
        let extension = extension.to_ascii_lowercase();
        if let Some((_, kind)) = MEDIA_TYPES.iter().find(|(known, _)| *known == extension) {
            return Some(kind);
        }
        self.extra
            .contains(&extension)
            .then(|| extra_content_type(&extension))
    }
}

/// The media type of an extension added with `--media-ext`: the usual type for it (mime_guess,
/// already in the tree through the Swagger UI crate), or bytes.
fn extra_content_type(extension: &str) -> &'static str {
    mime_guess::from_ext(extension)
        .first_raw()
        .unwrap_or("application/octet-stream")
}

/// Reads the media file at `path` (relative to `root`) once: its hash (the bytes go through in
/// pieces, so a large video is never held in memory), size, modification time and, for an
/// image, its dimensions from its header.
pub fn read_media(root: &Path, path: &str, content_type: &'static str) -> io::Result<MediaFile> {
    let full = root.join(path);
    let mut file = fs::File::open(&full)?;
    let metadata = file.metadata()?;
    let (hash, len, dimensions, first) = PIECE.with_borrow_mut(|piece| -> io::Result<_> {
        piece.resize(HASH_BUFFER, 0);
        let mut hasher = Xxh3::new();
        let mut len = 0u64;
        // The first piece read holds an image's header.
        let mut dimensions = None;
        let mut first = 0;
        loop {
            let read = match file.read(piece) {
                Ok(0) => break,
                Ok(read) => read,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                Err(err) => return Err(err),
            };
            if len == 0 {
                first = read as u64;
                dimensions = self::dimensions(&piece[..read], content_type);
            }
            hasher.update(&piece[..read]);
            len += read as u64;
        }
        Ok((hasher.digest(), len, dimensions, first))
    })?;
    let modified = metadata
        .modified()
        .ok()
        .and_then(|time| Timestamp::try_from(time).ok());
    // A JPEG whose header sits behind a large EXIF block is sized from the file itself.
    let dimensions = dimensions.or_else(|| {
        (content_type.starts_with("image/") && len > first)
            .then(|| imagesize::size(&full).ok())
            .flatten()
            .and_then(|size| {
                Some((
                    u32::try_from(size.width).ok()?,
                    u32::try_from(size.height).ok()?,
                ))
            })
            .filter(|(width, height)| *width > 0 && *height > 0)
    });
    Ok(MediaFile {
        path: path.to_owned(),
        hash,
        len,
        modified,
        content_type,
        dimensions,
    })
}

thread_local! {
    /// Each loading thread's buffer for reading media files, kept between files: ten thousand
    /// photos would otherwise each zero a fresh one.
    static PIECE: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// The length of a JPEG's header (its segments up to and including the start of the scan,
/// after which the compressed image data runs) and whether it has an EXIF segment; `None`
/// when the markers cannot be followed.
fn jpeg_header(bytes: &[u8]) -> Option<(usize, bool)> {
    let mut at = 2;
    let mut exif = false;
    loop {
        let (&0xFF, &marker) = (bytes.get(at)?, bytes.get(at + 1)?) else {
            return None;
        };
        let len = usize::from(u16::from_be_bytes([
            *bytes.get(at + 2)?,
            *bytes.get(at + 3)?,
        ]));
        exif |= marker == 0xE1 && bytes.get(at + 4..at + 10) == Some(b"Exif\0\0");
        at += 2 + len;
        if marker == 0xDA {
            return Some((at.min(bytes.len()), exif));
        }
    }
}

/// How much of a media file is read at a time while hashing it: the first piece is also
/// where an image's header is looked for.
const HASH_BUFFER: usize = 256 * 1024;

/// An image's width and height from its header, without decoding it.
pub fn dimensions(bytes: &[u8], content_type: &str) -> Option<(u32, u32)> {
    if content_type == "image/svg+xml" {
        return svg_dimensions(bytes);
    }
    if !content_type.starts_with("image/") {
        return None;
    }
    let size = imagesize::blob_size(bytes).ok()?;
    let width = u32::try_from(size.width).ok()?;
    let height = u32::try_from(size.height).ok()?;
    if width == 0 || height == 0 {
        return None;
    }
    // Phones store photos sideways with an EXIF tag saying how to turn them, and browsers
    // show them turned: the size a page lays out is the turned one.
    if content_type == "image/jpeg" && turned_sideways(bytes) {
        return Some((height, width));
    }
    Some((width, height))
}

/// Whether a JPEG's EXIF orientation turns it a quarter (so its width and height swap), read
/// from its header; a header that cannot be read says no.
fn turned_sideways(bytes: &[u8]) -> bool {
    use image::ImageDecoder;
    use image::metadata::Orientation;
    // Without an EXIF segment there is no orientation to read, and building a decoder (its
    // Huffman tables) costs more than reading the whole header.
    let header = match jpeg_header(bytes) {
        Some((_, false)) => return false,
        // The decoder copies what it is given: only the header segments, not the image data.
        Some((len, true)) => &bytes[..len],
        None => bytes,
    };
    let Ok(mut decoder) = image::codecs::jpeg::JpegDecoder::new(std::io::Cursor::new(header))
    else {
        return false;
    };
    matches!(
        decoder.orientation(),
        Ok(Orientation::Rotate90
            | Orientation::Rotate270
            | Orientation::Rotate90FlipH
            | Orientation::Rotate270FlipH)
    )
}

/// An SVG's size as a browser lays it out by default: its root's `width` and `height` when
/// both are plain pixel lengths, else its `viewBox`'s.
fn svg_dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    let mut reader = quick_xml::Reader::from_reader(bytes);
    let mut buffer = Vec::new();
    loop {
        match reader.read_event_into(&mut buffer).ok()? {
            Event::Start(element) | Event::Empty(element) => {
                if element.local_name().into_inner() != "svg" {
                    return None;
                }
                let attribute = |name: &str| {
                    element
                        .attributes()
                        .flatten()
                        .find(|a| a.key.local_name().into_inner() == name)
                        .map(|a| a.value.into_owned())
                };
                let pixels = |value: Option<String>| {
                    let value = value?;
                    let number = value.trim().trim_end_matches("px");
                    number.parse::<f64>().ok().filter(|n| *n > 0.0)
                };
                let (width, height) =
                    match (pixels(attribute("width")), pixels(attribute("height"))) {
                        (Some(width), Some(height)) => (width, height),
                        _ => {
                            let view_box = attribute("viewBox")?;
                            let numbers: Vec<f64> = view_box
                                .split(|c: char| c == ',' || c.is_whitespace())
                                .filter(|part| !part.is_empty())
                                .map(|part| part.parse().ok())
                                .collect::<Option<_>>()?;
                            match numbers[..] {
                                [_, _, width, height] if width > 0.0 && height > 0.0 => {
                                    (width, height)
                                }
                                _ => return None,
                            }
                        }
                    };
                let round = |n: f64| {
                    (n.round() >= 1.0 && n < f64::from(u32::MAX)).then(|| n.round() as u32)
                };
                return Some((round(width)?, round(height)?));
            }
            Event::Eof => return None,
            _ => buffer.clear(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_is_known_by_extension_in_any_case_and_extra_extensions_are_added() {
        let kinds = MediaKinds {
            extra: vec!["ico".to_owned()],
        };
        assert_eq!(kinds.content_type("a/photo.JPG"), Some("image/jpeg"));
        assert_eq!(kinds.content_type("icon.svg"), Some("image/svg+xml"));
        assert_eq!(kinds.content_type("favicon.ico"), Some("image/x-icon"));
        assert_eq!(kinds.content_type("post.md"), None);
        assert_eq!(kinds.content_type("archive.tar"), None);
        assert_eq!(kinds.content_type(".png"), None);
        assert_eq!(MediaKinds::default().content_type("favicon.ico"), None);
    }

    #[test]
    fn a_jpeg_stored_sideways_is_sized_as_it_is_shown() {
        let stored = image::RgbImage::from_pixel(120, 60, image::Rgb([200, 100, 50]));
        let mut plain = Vec::new();
        image::codecs::jpeg::JpegEncoder::new(&mut plain)
            .encode_image(&stored)
            .unwrap();
        // An APP1 EXIF segment whose orientation (tag 0x0112) is 6: turn 90 degrees clockwise.
        let exif: &[u8] =
            b"Exif\0\0MM\0\x2a\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01\0\x06\0\0\0\0\0\0";
        let mut tagged = plain[..2].to_vec();
        tagged.extend_from_slice(&[0xFF, 0xE1]);
        tagged.extend_from_slice(&u16::try_from(exif.len() + 2).unwrap().to_be_bytes());
        tagged.extend_from_slice(exif);
        tagged.extend_from_slice(&plain[2..]);
        assert_eq!(dimensions(&plain, "image/jpeg"), Some((120, 60)));
        assert_eq!(dimensions(&tagged, "image/jpeg"), Some((60, 120)));
    }

    #[test]
    fn an_svg_is_sized_by_its_pixel_width_and_height_else_its_view_box() {
        let sized = br#"<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="120px" height="80"></svg>"#;
        assert_eq!(svg_dimensions(sized), Some((120, 80)));
        let boxed = br#"<svg viewBox="0 0 64.4 32" width="100%"><rect/></svg>"#;
        assert_eq!(svg_dimensions(boxed), Some((64, 32)));
        assert_eq!(svg_dimensions(b"<html></html>"), None);
        assert_eq!(svg_dimensions(b"not xml at all <"), None);
    }

    #[test]
    fn a_png_header_gives_its_size_and_a_truncated_one_none() {
        // The 24 bytes a PNG's size is read from: signature, IHDR length and type, width, height.
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        png.extend_from_slice(&1200u32.to_be_bytes());
        png.extend_from_slice(&800u32.to_be_bytes());
        png.extend_from_slice(&[8, 2, 0, 0, 0]);
        assert_eq!(dimensions(&png, "image/png"), Some((1200, 800)));
        assert_eq!(dimensions(&png[..12], "image/png"), None);
        assert_eq!(dimensions(&png, "application/pdf"), None);
    }
}
