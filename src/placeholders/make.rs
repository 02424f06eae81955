//! One image's placeholder, a pure function of its bytes: decoded within limits that refuse a
//! decompression bomb before allocating it, shrunk to a coarse grid, its dominant colour counted
//! on that grid, and the grid written as a tiny PNG data URL that fits `next/image`'s
//! `blurDataURL` (at most about 1 KB).

use std::cell::RefCell;
use std::fmt;
use std::io::Cursor;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use fast_image_resize as fir;
use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::metadata::Orientation;
use image::{
    ColorType, DynamicImage, ExtendedColorType, ImageDecoder, ImageEncoder, ImageError,
    ImageFormat, ImageReader, Limits,
};

use crate::domain::Placeholder;

/// The longest data URL made, in bytes: it is inlined into every page that shows the image.
pub const MAX_DATA_URL_BYTES: usize = 1000;

/// The start of every data URL made.
const DATA_URL_PREFIX: &str = "data:image/png;base64,";

/// The placeholder's longest side in pixels, tried in turn until its data URL fits: a blur
/// needs few pixels, and noise (which PNG cannot compress) needs fewer.
const SIDES: [u32; 5] = [16, 12, 8, 4, 1];

/// The longest side of the grid the dominant colour is counted on and the placeholder is cut
/// from: enough cells that a small region cannot win by chance.
const GRID_SIDE: u32 = 64;

/// The widest or tallest image decoded, and the most memory its pixels may take: a file of a
/// few bytes can claim 60000x60000 pixels, and that is refused from its header.
const MAX_SIDE: u32 = 16_384;
const MAX_DECODE_BYTES: u64 = 192 * 1024 * 1024;

/// Why an image has no placeholder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlaceholderError {
    /// A format Quire recognises but does not decode on purpose: SVG (a drawing, sharp at any
    /// size, nothing to blur) and AVIF (it would take a native AV1 decoder).
    NotDecoded(&'static str),
    /// Not JPEG, PNG, GIF or WebP, or a feature of one of them the decoder does not support.
    Unsupported(String),
    /// Larger than the decoder limits allow (see [`MAX_SIDE`]).
    TooLarge(String),
    /// Truncated or corrupt.
    Corrupt(String),
}

impl fmt::Display for PlaceholderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PlaceholderError::NotDecoded(format) => {
                write!(f, "{format} images are not decoded for placeholders")
            }
            PlaceholderError::Unsupported(why) => write!(f, "unsupported image: {why}"),
            PlaceholderError::TooLarge(why) => write!(f, "image too large to decode: {why}"),
            PlaceholderError::Corrupt(why) => write!(f, "corrupt image: {why}"),
        }
    }
}

impl std::error::Error for PlaceholderError {}

/// Makes the blur placeholder and dominant colour of the image in `bytes` (JPEG, PNG, WebP, or
/// a GIF's first frame; turned as its EXIF orientation says), or says why there is none: SVG
/// and AVIF are recognised but not decoded ([`PlaceholderError::NotDecoded`]), anything else is
/// unsupported, and an image over the decoder limits is refused from its header. Never panics
/// on hostile input.
///
/// ```
/// use quire::placeholders::{PlaceholderError, make_placeholder};
///
/// let svg = b"<svg xmlns='http://www.w3.org/2000/svg'/>";
/// assert_eq!(make_placeholder(svg), Err(PlaceholderError::NotDecoded("SVG")));
/// ```
pub fn make_placeholder(bytes: &[u8]) -> Result<Placeholder, PlaceholderError> {
    let grid = decode_grid(bytes, GRID_SIDE)?.without_opaque_alpha();
    let [r, g, b] = dominant_color(&grid);
    let color = format!("#{r:02x}{g:02x}{b:02x}");
    for side in SIDES {
        let data_url = data_url(&grid.shrink(side)?)?;
        if data_url.len() <= MAX_DATA_URL_BYTES {
            return Ok(Placeholder { data_url, color });
        }
    }
    // A 1x1 PNG is under 100 bytes, so this is never reached; it is an error, not a panic.
    Err(PlaceholderError::TooLarge(
        "no placeholder size fits a data URL".to_owned(),
    ))
}

/// Decoded pixels, 8 bits a channel: RGB, or RGBA when the image has alpha.
#[derive(Clone)]
struct Pixels {
    width: u32,
    height: u32,
    alpha: bool,
    buf: Vec<u8>,
}

impl Pixels {
    fn channels(&self) -> usize {
        if self.alpha { 4 } else { 3 }
    }

    /// These pixels fitted within `side` pixels a side (see [`shrink`]).
    fn shrink(&self, side: u32) -> Result<Pixels, PlaceholderError> {
        shrink(&self.buf, self.width, self.height, self.alpha, side)
    }

    /// These pixels turned and flipped as `orientation` says.
    fn turned(self, orientation: Orientation) -> Result<Pixels, PlaceholderError> {
        if orientation == Orientation::NoTransforms {
            return Ok(self);
        }
        let Pixels {
            width,
            height,
            alpha,
            buf,
        } = self;
        let image = if alpha {
            image::RgbaImage::from_raw(width, height, buf).map(DynamicImage::ImageRgba8)
        } else {
            image::RgbImage::from_raw(width, height, buf).map(DynamicImage::ImageRgb8)
        };
        let mut image = image.ok_or_else(|| {
            PlaceholderError::Corrupt(format!("{width}x{height} pixels in a shorter buffer"))
        })?;
        image.apply_orientation(orientation);
        let (width, height) = (image.width(), image.height());
        let buf = if alpha {
            image.into_rgba8().into_raw()
        } else {
            image.into_rgb8().into_raw()
        };
        Ok(Pixels {
            width,
            height,
            alpha,
            buf,
        })
    }

    /// The same pixels without an alpha channel if every one is opaque: a smaller PNG.
    fn without_opaque_alpha(self) -> Pixels {
        if !self.alpha || self.buf.chunks_exact(4).any(|px| px[3] != u8::MAX) {
            return self;
        }
        let buf = self
            .buf
            .chunks_exact(4)
            .flat_map(|px| [px[0], px[1], px[2]])
            .collect();
        Pixels {
            alpha: false,
            buf,
            ..self
        }
    }
}

/// The pixels in `buf` (`width` by `height`, RGB or RGBA) fitted within `side` pixels a side,
/// each the average of the pixels it covers (a box filter: nothing sharper survives the blur);
/// copied unchanged if already as small.
fn shrink(
    buf: &[u8],
    width: u32,
    height: u32,
    alpha: bool,
    side: u32,
) -> Result<Pixels, PlaceholderError> {
    let pixel_type = if alpha {
        fir::PixelType::U8x4
    } else {
        fir::PixelType::U8x3
    };
    let (to_width, to_height) = fit(width, height, side);
    if (to_width, to_height) == (width, height) {
        return Ok(Pixels {
            width,
            height,
            alpha,
            buf: buf.to_vec(),
        });
    }
    let resize_failed = |err: &dyn fmt::Display| PlaceholderError::Corrupt(err.to_string());
    let src = fir::images::ImageRef::new(width, height, buf, pixel_type)
        .map_err(|err| resize_failed(&err))?;
    let mut dst = fir::images::Image::new(to_width, to_height, pixel_type);
    let box_filter =
        fir::ResizeOptions::new().resize_alg(fir::ResizeAlg::Convolution(fir::FilterType::Box));
    fir::Resizer::new()
        .resize(&src, &mut dst, &box_filter)
        .map_err(|err| resize_failed(&err))?;
    Ok(Pixels {
        width: to_width,
        height: to_height,
        alpha,
        buf: dst.into_vec(),
    })
}

/// `width` by `height` scaled to fit within `side` pixels a side, at least 1 pixel each way;
/// unchanged if it already fits.
fn fit(width: u32, height: u32, side: u32) -> (u32, u32) {
    let longest = width.max(height);
    if longest <= side {
        return (width, height);
    }
    let scale = |n: u32| {
        let scaled = (u64::from(n) * u64::from(side) + u64::from(longest) / 2) / u64::from(longest);
        u32::try_from(scaled).unwrap_or(side).max(1)
    };
    (scale(width), scale(height))
}

/// Decodes `bytes` to 8-bit RGB or RGBA fitted within `side` pixels a side and turned as its
/// EXIF orientation says, refusing anything over the limits from its header.
fn decode_grid(bytes: &[u8], side: u32) -> Result<Pixels, PlaceholderError> {
    let format = match image::guess_format(bytes) {
        Ok(
            format @ (ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::Gif | ImageFormat::WebP),
        ) => format,
        Ok(ImageFormat::Avif) => return Err(PlaceholderError::NotDecoded("AVIF")),
        _ if looks_like_svg(bytes) => return Err(PlaceholderError::NotDecoded("SVG")),
        Ok(other) => {
            return Err(PlaceholderError::Unsupported(format!(
                "{other:?} is not decoded"
            )));
        }
        Err(_) => {
            return Err(PlaceholderError::Unsupported(
                "not a JPEG, PNG, GIF or WebP file".to_owned(),
            ));
        }
    };
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(failed)?;
    let total = decoder.total_bytes();
    if total > MAX_DECODE_BYTES {
        return Err(PlaceholderError::TooLarge(format!(
            "{total} bytes of pixels, over {MAX_DECODE_BYTES}"
        )));
    }
    // Phones store photos sideways with an EXIF tag saying how to turn them, and browsers
    // turn them: so must the placeholder. A tag that cannot be read leaves the image as stored.
    // Turning commutes with the box filter, so only the small grid is turned.
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let grid = match decoder.color_type() {
        color @ (ColorType::Rgb8 | ColorType::Rgba8) => {
            let (width, height) = decoder.dimensions();
            let total = usize::try_from(total)
                .map_err(|_| PlaceholderError::TooLarge(format!("{total} bytes of pixels")))?;
            SCRATCH.with_borrow_mut(|scratch| {
                // Only grown, never cleared: the decoder writes every byte of what it is given.
                if scratch.len() < total {
                    scratch.resize(total, 0);
                }
                let result = decoder
                    .read_image(&mut scratch[..total])
                    .map_err(failed)
                    .and_then(|()| {
                        let alpha = color == ColorType::Rgba8;
                        shrink(&scratch[..total], width, height, alpha, side)
                    });
                if scratch.len() > KEEP_SCRATCH_BYTES {
                    *scratch = Vec::new();
                }
                result
            })?
        }
        // Grey, 16-bit and other layouts are rare on the web: converted whole, then shrunk.
        _ => {
            let image = DynamicImage::from_decoder(decoder).map_err(failed)?;
            let (width, height) = (image.width(), image.height());
            let alpha = image.color().has_alpha();
            let buf = if alpha {
                image.into_rgba8().into_raw()
            } else {
                image.into_rgb8().into_raw()
            };
            shrink(&buf, width, height, alpha, side)?
        }
    };
    grid.turned(orientation)
}

/// What a decoder's error means for a placeholder.
fn failed(err: ImageError) -> PlaceholderError {
    match err {
        ImageError::Limits(_) => PlaceholderError::TooLarge(err.to_string()),
        ImageError::Unsupported(_) => PlaceholderError::Unsupported(err.to_string()),
        _ => PlaceholderError::Corrupt(err.to_string()),
    }
}

/// The largest decoding buffer a thread keeps between images: a photo for the web fits, and
/// one huge image does not leave its pixels' worth of memory behind.
const KEEP_SCRATCH_BYTES: usize = 32 * 1024 * 1024;

thread_local! {
    /// Each decoding thread's buffer for full-size pixels, kept between images: a fresh one
    /// per photo costs more in page faults and zeroing than the decode itself.
    static SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Whether `bytes` start like an SVG document (after a BOM, space, an XML declaration or
/// comments): an `<svg` tag within the first kilobyte of text that starts with `<`.
fn looks_like_svg(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(1024)];
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let start = head.iter().position(|b| !b.is_ascii_whitespace());
    start.is_some_and(|start| head[start] == b'<')
        && head.windows(4).any(|w| w.eq_ignore_ascii_case(b"<svg"))
}

/// The colour that covers the most of the image: the mean of the cells in the fullest bucket
/// of a coarse histogram (8 levels a channel). Not the mean of all cells: blue sky over orange
/// sand averages to a grey that appears nowhere in the photo, while the most common colour is
/// the one a reader sees before the image arrives; averaging within the bucket keeps its
/// exact shade. Cells less than half opaque are skipped, unless all are.
fn dominant_color(grid: &Pixels) -> [u8; 3] {
    let channels = grid.channels();
    let any_opaque = !grid.alpha || grid.buf.chunks_exact(4).any(|px| px[3] >= 128);
    let mut buckets = vec![(0u64, [0u64; 3]); 512];
    for px in grid.buf.chunks_exact(channels) {
        if grid.alpha && any_opaque && px[3] < 128 {
            continue;
        }
        let bucket =
            usize::from(px[0] >> 5) << 6 | usize::from(px[1] >> 5) << 3 | usize::from(px[2] >> 5);
        let (count, sums) = &mut buckets[bucket];
        *count += 1;
        for (sum, &value) in sums.iter_mut().zip(px) {
            *sum += u64::from(value);
        }
    }
    // The first fullest bucket, so ties always go the same way.
    let (count, sums) =
        buckets.iter().fold(
            (0, [0; 3]),
            |best, &bucket| if bucket.0 > best.0 { bucket } else { best },
        );
    if count == 0 {
        return [0; 3];
    }
    sums.map(|sum| u8::try_from((sum + count / 2) / count).unwrap_or(u8::MAX))
}

/// `pixels` as a PNG data URL.
fn data_url(pixels: &Pixels) -> Result<String, PlaceholderError> {
    let mut png = Vec::new();
    let color_type = if pixels.alpha {
        ExtendedColorType::Rgba8
    } else {
        ExtendedColorType::Rgb8
    };
    PngEncoder::new_with_quality(&mut png, CompressionType::Best, FilterType::Adaptive)
        .write_image(&pixels.buf, pixels.width, pixels.height, color_type)
        .map_err(|err| PlaceholderError::Corrupt(format!("writing the placeholder: {err}")))?;
    let mut url = String::with_capacity(DATA_URL_PREFIX.len() + png.len().div_ceil(3) * 4);
    url.push_str(DATA_URL_PREFIX);
    STANDARD.encode_string(&png, &mut url);
    Ok(url)
}
