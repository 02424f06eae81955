//! Photo-like 1200x800 JPEGs for the media benchmarks (`benches/media_load.sh`): a post's
//! bundle shows one, so loading pays what a real photo costs (its bytes hashed, its header
//! read) and a placeholder worker what decoding one costs.
//!
//! Encoding 10,000 JPEGs would take minutes, so a few base photos are encoded once (soft
//! gradients, blobs of colour and grain, which a JPEG encoder compresses about as it does a
//! photo: 100-250 KB each) and each post's copy is made from one of them by changing a few
//! entries of its quantization tables and adding a comment naming the post. Both changes
//! keep the file a valid JPEG with the base's decode cost; the first changes the decoded
//! pixels a little, so no two posts share bytes or a content hash.

use std::io;

use fastrand::Rng;
use image::codecs::jpeg::JpegEncoder;
use image::{ImageEncoder, Rgb, RgbImage};

/// The photos' size, a common camera aspect ratio scaled for the web.
pub const WIDTH: u32 = 1200;
/// See [`WIDTH`].
pub const HEIGHT: u32 = 800;
/// The encoder's quality: what web exports commonly use.
const QUALITY: u8 = 82;

/// Encodes `count` different base photos; the same seed gives the same bytes.
pub fn base_photos(count: usize, seed: u64) -> io::Result<Vec<Vec<u8>>> {
    (0..count)
        .map(|index| {
            let pixels = paint(&mut Rng::with_seed(seed.wrapping_add(index as u64)));
            let mut jpeg = Vec::with_capacity(256 * 1024);
            JpegEncoder::new_with_quality(&mut jpeg, QUALITY)
                .write_image(&pixels, WIDTH, HEIGHT, image::ExtendedColorType::Rgb8)
                .map_err(io::Error::other)?;
            Ok(jpeg)
        })
        .collect()
}

/// Paints a photo-like scene: a sky-to-ground gradient, soft blobs of colour and per-pixel
/// grain. The grain is what makes the file photo-sized; without it a JPEG of smooth shapes
/// is a few tens of KB.
fn paint(rng: &mut Rng) -> RgbImage {
    let top = [rng.f32() * 120.0 + 80.0, rng.f32() * 120.0 + 100.0, 255.0];
    let bottom = [
        rng.f32() * 150.0 + 60.0,
        rng.f32() * 100.0 + 60.0,
        rng.f32() * 80.0,
    ];
    let blobs: Vec<([f32; 2], f32, [f32; 3])> = (0..24)
        .map(|_| {
            let centre = [rng.f32() * WIDTH as f32, rng.f32() * HEIGHT as f32];
            let radius = rng.f32() * 180.0 + 40.0;
            let colour = [rng.f32() * 255.0, rng.f32() * 255.0, rng.f32() * 255.0];
            (centre, radius, colour)
        })
        .collect();
    let mut pixels = RgbImage::new(WIDTH, HEIGHT);
    for (x, y, pixel) in pixels.enumerate_pixels_mut() {
        let t = y as f32 / HEIGHT as f32;
        let mut colour = [0.0f32; 3];
        for channel in 0..3 {
            colour[channel] = top[channel] * (1.0 - t) + bottom[channel] * t;
        }
        for (centre, radius, blob) in &blobs {
            let dx = x as f32 - centre[0];
            let dy = y as f32 - centre[1];
            let weight = (1.0 - (dx * dx + dy * dy).sqrt() / radius).clamp(0.0, 1.0) * 0.8;
            for channel in 0..3 {
                colour[channel] = colour[channel] * (1.0 - weight) + blob[channel] * weight;
            }
        }
        let grain = rng.f32() * 14.0 - 7.0;
        *pixel = Rgb(colour.map(|value| (value + grain).clamp(0.0, 255.0) as u8));
    }
    pixels
}

/// Post `index`'s photo: `base` with a few quantization entries changed (so the pixels, and
/// the content hash, differ from every other post's) and a comment segment naming the post
/// after the start-of-image marker. Decoding costs what decoding `base` does.
pub fn vary(base: &[u8], index: usize, rng: &mut Rng) -> Vec<u8> {
    let mut photo = Vec::with_capacity(base.len() + 64);
    photo.extend_from_slice(&base[..2]);
    let comment = format!("quire bench photo {index}");
    photo.extend_from_slice(&[0xFF, 0xFE]);
    photo.extend_from_slice(&(comment.len() as u16 + 2).to_be_bytes());
    photo.extend_from_slice(comment.as_bytes());
    photo.extend_from_slice(&base[2..]);
    // The segments before the scan: marker, two length bytes, then the payload.
    let mut at = 2;
    while at + 4 <= photo.len() && photo[at] == 0xFF {
        let marker = photo[at + 1];
        let length = u16::from_be_bytes([photo[at + 2], photo[at + 3]]) as usize;
        if marker == 0xDA {
            break;
        }
        if marker == 0xDB {
            change_quantization(&mut photo[at + 4..at + 2 + length], rng);
        }
        at += 2 + length;
    }
    photo
}

/// Nudges a few high-frequency entries of each 8-bit table in a DQT payload by one (entries
/// stay within 1..=255, as a baseline JPEG needs).
fn change_quantization(payload: &mut [u8], rng: &mut Rng) {
    let mut at = 0;
    while at + 65 <= payload.len() {
        let precision = payload[at] >> 4;
        let entries = if precision == 0 { 64 } else { 128 };
        if precision == 0 {
            for _ in 0..4 {
                // Zig-zag positions 32..64: the finer detail, where a step of one is invisible.
                let entry = &mut payload[at + 1 + rng.usize(32..64)];
                *entry = if *entry == u8::MAX {
                    u8::MAX - 1
                } else {
                    *entry + 1
                };
            }
        }
        at += 1 + entries;
    }
}

#[cfg(test)]
mod tests {
    // Run by `cargo test` through the corpus example (`test = true` in Cargo.toml).
    use super::*;

    #[test]
    fn varied_photos_decode_at_their_size_differ_in_pixels_and_weigh_like_photos() {
        let bases = base_photos(2, 7).expect("encoded");
        let mut rng = Rng::with_seed(7);
        let photos: Vec<Vec<u8>> = (0..4)
            .map(|index| vary(&bases[index % 2], index, &mut rng))
            .collect();
        for (index, photo) in photos.iter().enumerate() {
            assert!(
                (100_000..=250_000).contains(&photo.len()),
                "photo {index} is {} bytes",
                photo.len()
            );
            let decoded = image::load_from_memory_with_format(photo, image::ImageFormat::Jpeg)
                .unwrap_or_else(|err| panic!("photo {index} does not decode: {err}"));
            assert_eq!((decoded.width(), decoded.height()), (WIDTH, HEIGHT));
        }
        // Two posts from the same base: other bytes and other pixels.
        assert_ne!(photos[0], photos[2]);
        let first = image::load_from_memory(&photos[0])
            .expect("decodes")
            .to_rgb8();
        let third = image::load_from_memory(&photos[2])
            .expect("decodes")
            .to_rgb8();
        assert_ne!(first.as_raw(), third.as_raw());
    }
}
