use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use image::codecs::gif::GifEncoder;
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::codecs::webp::WebPEncoder;
use image::{
    Delay, DynamicImage, ExtendedColorType, Frame, ImageEncoder, ImageFormat, Rgb, RgbImage, Rgba,
    RgbaImage,
};

use super::{MAX_DATA_URL_BYTES, Placeholder, PlaceholderError, make_placeholder};

const BLUE: [u8; 3] = [0x1e, 0x50, 0xc8];
const ORANGE: [u8; 3] = [0xf0, 0x8c, 0x28];

fn noisy_rgb(width: u32, height: u32) -> RgbImage {
    let mut rng = fastrand::Rng::with_seed(22);
    RgbImage::from_fn(width, height, |_, _| {
        Rgb([rng.u8(..), rng.u8(..), rng.u8(..)])
    })
}

fn noisy_rgba(width: u32, height: u32) -> RgbaImage {
    let mut rng = fastrand::Rng::with_seed(23);
    RgbaImage::from_fn(width, height, |_, _| {
        Rgba([rng.u8(..), rng.u8(..), rng.u8(..), rng.u8(..)])
    })
}

/// Two thirds blue above one third orange: the mean of the two is a colour in neither.
fn sky_over_sand(width: u32, height: u32) -> RgbImage {
    RgbImage::from_fn(width, height, |_, y| {
        Rgb(if y < height * 2 / 3 { BLUE } else { ORANGE })
    })
}

fn jpeg(image: &RgbImage) -> Vec<u8> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, 85)
        .encode_image(image)
        .expect("encode JPEG");
    out
}

fn png(buf: &[u8], width: u32, height: u32, color: ExtendedColorType) -> Vec<u8> {
    let mut out = Vec::new();
    PngEncoder::new(&mut out)
        .write_image(buf, width, height, color)
        .expect("encode PNG");
    out
}

/// The placeholder's PNG read back strictly: the data URL is exactly the prefix and padded
/// standard base64, and the PNG's checksums hold.
fn decoded(placeholder: &Placeholder) -> DynamicImage {
    let base64 = placeholder
        .data_url
        .strip_prefix("data:image/png;base64,")
        .expect("a PNG data URL");
    let bytes = STANDARD.decode(base64).expect("standard base64");
    image::load_from_memory_with_format(&bytes, ImageFormat::Png).expect("a valid PNG")
}

fn assert_well_formed(placeholder: &Placeholder) -> DynamicImage {
    assert!(
        placeholder.data_url.len() <= MAX_DATA_URL_BYTES,
        "{} bytes",
        placeholder.data_url.len()
    );
    let color = placeholder.color.as_bytes();
    assert!(
        color.len() == 7
            && color[0] == b'#'
            && color[1..]
                .iter()
                .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(c)),
        "{:?} is not #rrggbb",
        placeholder.color
    );
    let image = decoded(placeholder);
    assert!(image.width() <= 16 && image.height() <= 16);
    image
}

#[test]
fn a_photo_sized_jpeg_gets_a_small_placeholder_with_its_shape() {
    let placeholder = make_placeholder(&jpeg(&noisy_rgb(1200, 800))).expect("placeholder");
    let image = assert_well_formed(&placeholder);
    assert_eq!((image.width(), image.height()), (16, 11));
}

#[test]
fn the_dominant_colour_is_the_most_common_one_not_the_mean() {
    let image = sky_over_sand(300, 200);
    let placeholder = make_placeholder(&png(image.as_raw(), 300, 200, ExtendedColorType::Rgb8))
        .expect("placeholder");
    assert_eq!(placeholder.color, "#1e50c8");
    assert_well_formed(&placeholder);
}

#[test]
fn a_jpeg_keeps_its_dominant_colour_within_compression_error() {
    let placeholder = make_placeholder(&jpeg(&sky_over_sand(1200, 800))).expect("placeholder");
    let channel =
        |i: usize| u8::from_str_radix(&placeholder.color[1 + 2 * i..3 + 2 * i], 16).expect("hex");
    for (i, want) in BLUE.into_iter().enumerate() {
        assert!(
            channel(i).abs_diff(want) <= 4,
            "{} is not near #1e50c8",
            placeholder.color
        );
    }
}

#[test]
fn noisy_large_tall_and_wide_images_stay_under_the_data_url_limit() {
    let cases = [
        (
            "noisy RGB",
            noisy_rgb(1500, 1000).into_raw(),
            1500,
            1000,
            ExtendedColorType::Rgb8,
        ),
        (
            "noisy RGBA",
            noisy_rgba(1500, 1000).into_raw(),
            1500,
            1000,
            ExtendedColorType::Rgba8,
        ),
        (
            "tall",
            noisy_rgb(3, 4000).into_raw(),
            3,
            4000,
            ExtendedColorType::Rgb8,
        ),
        (
            "wide",
            noisy_rgba(4000, 3).into_raw(),
            4000,
            3,
            ExtendedColorType::Rgba8,
        ),
        (
            "tiny",
            noisy_rgba(15, 15).into_raw(),
            15,
            15,
            ExtendedColorType::Rgba8,
        ),
        ("one pixel", vec![9, 8, 7], 1, 1, ExtendedColorType::Rgb8),
    ];
    for (name, buf, width, height, color) in cases {
        let placeholder = make_placeholder(&png(&buf, width, height, color))
            .unwrap_or_else(|err| panic!("{name}: {err}"));
        let image = assert_well_formed(&placeholder);
        assert!(image.width() >= 1 && image.height() >= 1, "{name}");
    }
}

#[test]
fn noise_with_alpha_falls_back_to_a_smaller_placeholder() {
    // Noise only survives shrinking when there is nothing to shrink: 16x16 noisy RGBA is about
    // 1.4 KB as a data URL.
    let image = noisy_rgba(16, 16);
    let placeholder = make_placeholder(&png(image.as_raw(), 16, 16, ExtendedColorType::Rgba8))
        .expect("placeholder");
    let small = assert_well_formed(&placeholder);
    assert!(small.width() < 16, "{}", small.width());
    assert!(small.color().has_alpha());
}

#[test]
fn a_gif_placeholder_is_its_first_frame() {
    let mut out = Vec::new();
    {
        let mut encoder = GifEncoder::new(&mut out);
        for color in [[200, 20, 20, 255], [20, 200, 20, 255]] {
            let frame = Frame::from_parts(
                RgbaImage::from_pixel(40, 30, Rgba(color)),
                0,
                0,
                Delay::from_numer_denom_ms(100, 1),
            );
            encoder.encode_frame(frame).expect("encode GIF frame");
        }
    }
    let placeholder = make_placeholder(&out).expect("placeholder");
    assert_eq!(placeholder.color, "#c81414");
    assert_well_formed(&placeholder);
}

#[test]
fn a_webp_gets_a_placeholder() {
    let image = sky_over_sand(60, 30);
    let mut out = Vec::new();
    WebPEncoder::new_lossless(&mut out)
        .encode(image.as_raw(), 60, 30, ExtendedColorType::Rgb8)
        .expect("encode WebP");
    let placeholder = make_placeholder(&out).expect("placeholder");
    assert_eq!(placeholder.color, "#1e50c8");
    assert_well_formed(&placeholder);
}

#[test]
fn transparent_pixels_do_not_decide_the_colour() {
    // Three quarters fully transparent black, one quarter opaque orange.
    let image = RgbaImage::from_fn(80, 80, |x, y| {
        if x < 40 && y < 40 {
            Rgba([ORANGE[0], ORANGE[1], ORANGE[2], 255])
        } else {
            Rgba([0, 0, 0, 0])
        }
    });
    let placeholder = make_placeholder(&png(image.as_raw(), 80, 80, ExtendedColorType::Rgba8))
        .expect("placeholder");
    assert_eq!(placeholder.color, "#f08c28");
}

#[test]
fn svg_and_avif_are_not_decoded() {
    let cases: [(&[u8], &str); 3] = [
        (b"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"/>", "SVG"),
        (
            b"\xEF\xBB\xBF<?xml version=\"1.0\"?>\n<!-- drawn by hand -->\n<svg viewBox=\"0 0 1 1\"></svg>",
            "SVG",
        ),
        (b"\0\0\0\x20ftypavif\0\0\0\0avifmif1miaf", "AVIF"),
    ];
    for (bytes, format) in cases {
        assert_eq!(
            make_placeholder(bytes),
            Err(PlaceholderError::NotDecoded(format))
        );
    }
}

#[test]
fn other_files_are_unsupported() {
    for bytes in [&b""[..], b"hello, world", b"%PDF-1.7\n", b"BM\x36\0\0\0"] {
        assert!(
            matches!(
                make_placeholder(bytes),
                Err(PlaceholderError::Unsupported(_))
            ),
            "{bytes:?}"
        );
    }
}

#[test]
fn a_truncated_image_is_an_error_or_a_placeholder_never_a_panic() {
    let files = [
        jpeg(&noisy_rgb(64, 48)),
        png(noisy_rgb(64, 48).as_raw(), 64, 48, ExtendedColorType::Rgb8),
    ];
    for file in &files {
        for len in (0..file.len()).step_by(37) {
            if let Ok(placeholder) = make_placeholder(&file[..len]) {
                assert_well_formed(&placeholder);
            }
        }
    }
    // Cut inside the header, no decoder can make an image of it.
    assert!(matches!(
        make_placeholder(&files[0][..100]),
        Err(PlaceholderError::Corrupt(_))
    ));
    assert!(matches!(
        make_placeholder(&files[1][..40]),
        Err(PlaceholderError::Corrupt(_))
    ));
}

#[test]
fn a_huge_size_in_a_small_file_is_refused_from_its_header() {
    // A JPEG whose frame header claims 60000x60000 pixels (about 10 GB decoded).
    let mut bomb = jpeg(&noisy_rgb(16, 16));
    let sof = bomb
        .windows(2)
        .position(|w| w == [0xFF, 0xC0])
        .expect("a baseline frame header");
    bomb[sof + 5..sof + 9].copy_from_slice(&[0xEA, 0x60, 0xEA, 0x60]);
    assert!(
        matches!(make_placeholder(&bomb), Err(PlaceholderError::TooLarge(_))),
        "{:?}",
        make_placeholder(&bomb)
    );

    // The same in PNG headers, their checksums made right so only the size is wrong: sides
    // over the limit, and sides within it whose pixels would take 768 MB.
    for side in [60_000u32, 16_000] {
        let mut bomb = png(&[0, 0, 0], 1, 1, ExtendedColorType::Rgb8);
        bomb[16..20].copy_from_slice(&side.to_be_bytes());
        bomb[20..24].copy_from_slice(&side.to_be_bytes());
        let crc = crc32fast::hash(&bomb[12..29]);
        bomb[29..33].copy_from_slice(&crc.to_be_bytes());
        assert!(
            matches!(make_placeholder(&bomb), Err(PlaceholderError::TooLarge(_))),
            "{side}: {:?}",
            make_placeholder(&bomb)
        );
    }
}

#[test]
fn the_data_url_is_read_back_by_a_strict_decoder_with_the_image_s_colours() {
    let image = RgbImage::from_pixel(32, 32, Rgb(ORANGE));
    let placeholder = make_placeholder(&png(image.as_raw(), 32, 32, ExtendedColorType::Rgb8))
        .expect("placeholder");
    let small = assert_well_formed(&placeholder).into_rgb8();
    assert!(small.pixels().all(|px| px.0 == ORANGE));
    assert_eq!(placeholder.color, "#f08c28");
}

#[test]
fn a_photo_stored_sideways_is_turned_as_its_exif_orientation_says() {
    // Stored 120 wide and 60 tall, blue on the left; the tag says "turn 90 degrees clockwise",
    // as a phone held upright writes it, so it shows 60 wide and 120 tall, blue on top.
    let stored = RgbImage::from_fn(120, 60, |x, _| Rgb(if x < 60 { BLUE } else { ORANGE }));
    let plain = jpeg(&stored);
    let exif: &[u8] = b"Exif\0\0MM\0\x2a\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01\0\x06\0\0\0\0\0\0";
    let mut tagged = plain[..2].to_vec();
    tagged.extend_from_slice(&[0xFF, 0xE1]);
    tagged.extend_from_slice(&u16::try_from(exif.len() + 2).expect("short").to_be_bytes());
    tagged.extend_from_slice(exif);
    tagged.extend_from_slice(&plain[2..]);

    let upright = assert_well_formed(&make_placeholder(&tagged).expect("placeholder")).into_rgb8();
    assert_eq!(upright.dimensions(), (8, 16));
    let top = upright.get_pixel(4, 1).0;
    let bottom = upright.get_pixel(4, 14).0;
    assert!(
        top[2] > top[0] && bottom[0] > bottom[2],
        "top {top:?}, bottom {bottom:?}"
    );

    let as_stored = assert_well_formed(&make_placeholder(&plain).expect("placeholder"));
    assert_eq!((as_stored.width(), as_stored.height()), (16, 8));
}
