//! Reading every QR code in a photo of a tally sheet.
//!
//! Phone photos are large, tilted, unevenly lit, slightly blurred and
//! JPEG-compressed, and a Brazilian BU carries several codes side by side.
//! [`decode_photo`] therefore works in passes, cheapest first, and keeps
//! going only while a pass leaves codes unread:
//!
//! 1. the grayscale image, downscaled to at most [`WORK_MAX_SIDE`] pixels;
//! 2. an unsharp-masked copy (out-of-focus photos);
//! 3. the image binarised with a 2-D mean (integral image) threshold,
//!    which copes with shadows and gradients;
//! 4. a lightly blurred copy (speckle noise and JPEG blocks break finder
//!    patterns), then other scales (large codes read better smaller, small
//!    ones larger);
//! 5. rotations by 22.5°–67.5° (rqrr samples some skewed grids better at
//!    another angle).
//!
//! Each pass runs rxing (a ZXing port, which finds several codes per image)
//! and falls back to rqrr (a quirc port) when rxing reads nothing new;
//! `examples/decoderate.rs` compares them (see BENCHMARKS.md).
//!
//! A pass "leaves codes unread" when it read nothing, when rqrr located a
//! grid it could not decode, or when BU parts (`QRBU:i:n`) were read but
//! fewer than `n` of them. Decoded texts are deduplicated, in the order
//! first seen.

use std::io::Cursor;

use image::imageops::FilterType;
use image::{DynamicImage, GrayImage, ImageFormat, ImageReader, Limits};

/// Longest side, in pixels, the decoder works at: enough for codes that
/// fill a tenth of a sheet's width at 12+ megapixels, and quick to scan.
pub const WORK_MAX_SIDE: u32 = 2000;

/// Largest image accepted, in pixels per side (phone cameras reach ~8,000).
pub const MAX_SIDE: u32 = 16_384;

/// Most pixels decoded (64 megapixels: a phone's full-resolution mode;
/// sheets read well at 12). Checked from the header before decoding, so a
/// small file claiming a huge canvas costs nothing: decoding time grows with
/// pixels, not bytes.
pub const MAX_PIXELS: u64 = 64_000_000;

/// Most bytes the decoder may allocate for a decoded image, so a small
/// crafted file cannot claim gigabytes.
pub const MAX_ALLOC: u64 = 512 * 1024 * 1024;

/// The image formats recognised by their magic bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PhotoFormat {
    /// JPEG (`FF D8 FF`).
    Jpeg,
    /// PNG (`89 50 4E 47 0D 0A 1A 0A`).
    Png,
}

/// Which image format `bytes` are, by their magic bytes; `None` for anything
/// else (such as text).
pub fn sniff_image(bytes: &[u8]) -> Option<PhotoFormat> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(PhotoFormat::Jpeg)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(PhotoFormat::Png)
    } else {
        None
    }
}

/// Errors from reading a photo.
#[derive(Debug, thiserror::Error)]
pub enum PhotoError {
    /// The bytes are neither JPEG nor PNG.
    #[error("the file is not a JPEG or PNG image (unrecognised magic bytes); photograph the sheet as JPEG or PNG")]
    NotAnImage,
    /// The image has more pixels than [`MAX_PIXELS`] or a side over [`MAX_SIDE`].
    #[error("the image is {width}x{height} pixels, over the limit of {MAX_PIXELS} pixels and {MAX_SIDE} per side; send a smaller photo")]
    TooLarge {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
    },
    /// The image could not be decoded.
    #[error("the {format:?} image could not be decoded: {source}; is the file truncated or corrupt?")]
    Decode {
        /// Format announced by the magic bytes.
        format: PhotoFormat,
        /// What the image decoder said.
        source: image::ImageError,
    },
}

/// One QR code read from a photo.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct DecodedCode {
    /// The code's text.
    pub text: String,
    /// Which pass read it first (see the module documentation), for
    /// diagnostics and the benchmark.
    pub pass: &'static str,
}

/// What [`decode_photo`] found.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct PhotoScan {
    /// Width and height of the photo as given.
    pub size: (u32, u32),
    /// Distinct codes read, in the order first seen.
    pub codes: Vec<DecodedCode>,
    /// Most QR grids located in one pass that did not decode in any pass
    /// (0 when every located grid was read): a hint to retake the photo.
    pub unread_grids: usize,
}

impl PhotoScan {
    /// The texts of the codes read.
    pub fn texts(&self) -> Vec<String> {
        self.codes.iter().map(|c| c.text.clone()).collect()
    }
}

/// Decodes a JPEG or PNG photo and reads every QR code in it.
pub fn decode_photo(bytes: &[u8], effort: Effort) -> Result<PhotoScan, PhotoError> {
    Ok(scan_gray(&load_photo(bytes)?, effort))
}

/// Decodes a JPEG or PNG photo to grayscale, refusing images larger than
/// [`MAX_SIDE`] or needing more than [`MAX_ALLOC`] bytes.
pub fn load_photo(bytes: &[u8]) -> Result<GrayImage, PhotoError> {
    let (format, _, _) = photo_dimensions(bytes)?;
    let mut reader = reader_for(bytes, format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_ALLOC);
    reader.limits(limits);
    let image = reader.decode().map_err(|source| PhotoError::Decode { format, source })?;
    Ok(image.to_luma8())
}

fn reader_for(bytes: &[u8], format: PhotoFormat) -> ImageReader<Cursor<&[u8]>> {
    ImageReader::with_format(
        Cursor::new(bytes),
        match format {
            PhotoFormat::Jpeg => ImageFormat::Jpeg,
            PhotoFormat::Png => ImageFormat::Png,
        },
    )
}

/// A photo's format and dimensions, read from its header alone (no pixel is
/// decoded); refuses images over [`MAX_PIXELS`] or [`MAX_SIDE`] per side.
pub fn photo_dimensions(bytes: &[u8]) -> Result<(PhotoFormat, u32, u32), PhotoError> {
    let format = sniff_image(bytes).ok_or(PhotoError::NotAnImage)?;
    let (width, height) =
        reader_for(bytes, format).into_dimensions().map_err(|source| PhotoError::Decode { format, source })?;
    if width > MAX_SIDE || height > MAX_SIDE || u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(PhotoError::TooLarge { width, height });
    }
    Ok((format, width, height))
}

/// How hard [`scan_gray`] looks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Effort {
    /// Stop after the first pass that read codes and left no located grid
    /// unread (the default: most photos take one pass).
    #[default]
    Quick,
    /// Run every pass: for when the caller knows codes are missing (such as
    /// a BU whose `QRBU:i:n` headers name parts not read).
    Exhaustive,
}

/// Which QR decoder library a pass uses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Engine {
    /// rqrr (a port of quirc): misses many large (BU-sized) codes.
    Rqrr,
    /// rxing (a port of ZXing): reads large and degraded codes, and finds
    /// several codes per image.
    Rxing,
    /// rxing, then rqrr on the same image if rxing read nothing new.
    #[default]
    Both,
}

/// Reads every QR code in a grayscale image (see the module documentation
/// for the passes) with the default [`Engine`].
pub fn scan_gray(image: &GrayImage, effort: Effort) -> PhotoScan {
    scan_gray_with(image, effort, Engine::default())
}

/// Reads a sheet's codes: a quick pass, then every pass if `wants_more`
/// says the quick pass's code texts are not enough (for `testigo-documents`:
/// no code of one known format, or a document's parts missing). This crate
/// knows no document format; the caller's predicate does.
pub fn scan_sheet(image: &GrayImage, wants_more: impl FnOnce(&[String]) -> bool) -> PhotoScan {
    let quick = scan_gray(image, Effort::Quick);
    if wants_more(&quick.texts()) {
        scan_gray(image, Effort::Exhaustive)
    } else {
        quick
    }
}

/// [`scan_gray`] with a chosen engine (the benchmark compares them).
pub fn scan_gray_with(image: &GrayImage, effort: Effort, engine: Engine) -> PhotoScan {
    let mut found = Found { engine, ..Found::default() };
    let work = fit(image, WORK_MAX_SIDE);
    let mut passes: Vec<(&'static str, Pass<'_>)> = vec![
        ("plain", Box::new(|| work.clone())),
        ("sharpen", Box::new(|| image::imageops::unsharpen(&work, 2.0, 0))),
        ("mean-threshold", Box::new(|| mean_threshold(&work))),
        ("blur", Box::new(|| image::imageops::blur(&work, 1.2))),
        ("half", Box::new(|| scale(&work, 0.5))),
        ("blur-threshold", Box::new(|| mean_threshold(&image::imageops::blur(&work, 1.5)))),
    ];
    if work.width().max(work.height()) < 1200 {
        passes.push(("double", Box::new(|| scale(&work, 2.0))));
    } else {
        passes.push(("three-quarters", Box::new(|| scale(&work, 0.75))));
    }
    let work = &work;
    for degrees in [45.0, 22.5, 67.5] {
        passes.push(("rotated", Box::new(move || rotate(work, degrees))));
    }
    for (name, make) in &passes {
        let unread = found.pass(name, &make());
        if effort == Effort::Quick && !found.codes.is_empty() && unread == 0 && !bu_parts_missing(&found.codes) {
            // Every grid this pass located was read: nothing is left to look
            // for, unless a code's finder patterns were not even located,
            // which only an exhaustive scan can catch.
            break;
        }
    }
    PhotoScan { size: image.dimensions(), codes: found.codes, unread_grids: found.unread.unwrap_or(0) }
}

/// True if the codes include Brazilian BU parts (`QRBU:i:n …`) and fewer
/// than `n` distinct parts were read: the photo shows more codes than were
/// found, so a quick scan keeps looking.
fn bu_parts_missing(codes: &[DecodedCode]) -> bool {
    let mut parts: Vec<(u32, u32)> = codes
        .iter()
        .filter_map(|c| {
            let header = c.text.strip_prefix("QRBU:")?.split(' ').next()?;
            let (i, n) = header.split_once(':')?;
            Some((i.parse().ok()?, n.parse().ok()?))
        })
        .collect();
    parts.sort_unstable();
    parts.dedup();
    parts.iter().any(|&(_, n)| parts.iter().filter(|p| p.1 == n).count() < n as usize)
}

/// Makes the image one pass scans (lazily: most photos need one pass).
type Pass<'a> = Box<dyn Fn() -> GrayImage + 'a>;

/// Codes read so far.
#[derive(Default)]
struct Found {
    engine: Engine,
    codes: Vec<DecodedCode>,
    /// Fewest unread grids in a pass that located any grid.
    unread: Option<usize>,
}

impl Found {
    /// Runs rqrr on `image`; returns how many grids it located but could
    /// not decode.
    fn pass(&mut self, name: &'static str, image: &GrayImage) -> usize {
        match self.engine {
            Engine::Rqrr => self.pass_rqrr(name, image),
            Engine::Rxing => self.pass_rxing(name, image),
            Engine::Both => {
                let before = self.codes.len();
                let unread = self.pass_rxing(name, image);
                if self.codes.len() > before {
                    return unread;
                }
                self.pass_rqrr(name, image)
            }
        }
    }

    /// Records a decoded text unless already seen.
    fn add(&mut self, text: String, pass: &'static str) {
        if !self.codes.iter().any(|c| c.text == text) {
            self.codes.push(DecodedCode { text, pass });
        }
    }

    /// rxing's multiple-code reader. It does not report codes it located
    /// but could not decode, so "unread" is 1 when it found nothing.
    fn pass_rxing(&mut self, name: &'static str, image: &GrayImage) -> usize {
        let mut hints = rxing::DecodeHints {
            PossibleFormats: Some(std::collections::HashSet::from([rxing::BarcodeFormat::QR_CODE])),
            TryHarder: Some(true),
            ..rxing::DecodeHints::default()
        };
        let results = rxing::helpers::detect_multiple_in_luma_with_hints(
            image.as_raw().clone(),
            image.width(),
            image.height(),
            &mut hints,
        )
        .unwrap_or_default();
        let n = results.len();
        for r in results {
            self.add(r.getText().to_string(), name);
        }
        usize::from(n == 0)
    }

    fn pass_rqrr(&mut self, name: &'static str, image: &GrayImage) -> usize {
        let mut prepared = rqrr::PreparedImage::prepare(image.clone());
        let grids = prepared.detect_grids();
        let located = grids.len();
        let mut unread = 0;
        for grid in grids {
            match grid.decode() {
                Ok((_, text)) => self.add(text, name),
                Err(_) => unread += 1,
            }
        }
        if located > 0 {
            self.unread = Some(self.unread.map_or(unread, |u| u.min(unread)));
        }
        unread
    }
}

/// Scales `image` down so its longest side is at most `max_side`.
fn fit(image: &GrayImage, max_side: u32) -> GrayImage {
    let side = image.width().max(image.height());
    if side <= max_side {
        return image.clone();
    }
    scale(image, f64::from(max_side) / f64::from(side))
}

/// Resizes by `factor`, at least 1×1.
fn scale(image: &GrayImage, factor: f64) -> GrayImage {
    let w = ((f64::from(image.width()) * factor).round() as u32).max(1);
    let h = ((f64::from(image.height()) * factor).round() as u32).max(1);
    // Triangle (bilinear) averages when shrinking, which keeps thin module
    // edges; nearest-neighbour would alias them away.
    DynamicImage::ImageLuma8(image.clone()).resize_exact(w, h, FilterType::Triangle).to_luma8()
}

/// Binarises with the mean of a square window around each pixel (computed
/// from an integral image): a pixel is black when it is darker than 95% of
/// its neighbourhood's mean.
pub fn mean_threshold(image: &GrayImage) -> GrayImage {
    let (w, h) = (image.width() as usize, image.height() as usize);
    if w == 0 || h == 0 {
        return image.clone();
    }
    // Window ~1/16 of the longer side: larger than a module, smaller than a
    // shadow's gradient.
    let r = (w.max(h) / 32).max(4);
    let mut integral = vec![0u64; (w + 1) * (h + 1)];
    for y in 0..h {
        let mut row = 0u64;
        for x in 0..w {
            row += u64::from(image.as_raw()[y * w + x]);
            integral[(y + 1) * (w + 1) + x + 1] = integral[y * (w + 1) + x + 1] + row;
        }
    }
    let mut out = GrayImage::new(image.width(), image.height());
    for y in 0..h {
        let (y0, y1) = (y.saturating_sub(r), (y + r + 1).min(h));
        for x in 0..w {
            let (x0, x1) = (x.saturating_sub(r), (x + r + 1).min(w));
            let sum = integral[y1 * (w + 1) + x1] + integral[y0 * (w + 1) + x0]
                - integral[y0 * (w + 1) + x1]
                - integral[y1 * (w + 1) + x0];
            let n = ((y1 - y0) * (x1 - x0)) as u64;
            let v = u64::from(image.as_raw()[y * w + x]);
            out.as_mut()[y * w + x] = if v * 100 * n < sum * 95 { 0 } else { 255 };
        }
    }
    out
}

/// Rotates about the centre by `degrees`, enlarging the canvas so nothing is
/// cut off; new area is white (paper).
fn rotate(image: &GrayImage, degrees: f64) -> GrayImage {
    let (s, c) = degrees.to_radians().sin_cos();
    let (w, h) = (f64::from(image.width()), f64::from(image.height()));
    let nw = (w * c.abs() + h * s.abs()).ceil();
    let nh = (w * s.abs() + h * c.abs()).ceil();
    let mut out = GrayImage::from_pixel(nw as u32, nh as u32, image::Luma([255]));
    let (cx, cy, ncx, ncy) = (w / 2.0, h / 2.0, nw / 2.0, nh / 2.0);
    for (x, y, px) in out.enumerate_pixels_mut() {
        let (dx, dy) = (f64::from(x) + 0.5 - ncx, f64::from(y) + 0.5 - ncy);
        // Inverse rotation: where this output pixel comes from.
        let sx = c * dx + s * dy + cx;
        let sy = -s * dx + c * dy + cy;
        if sx >= 0.0 && sy >= 0.0 && sx < w && sy < h {
            *px = *image.get_pixel(sx as u32, sy as u32);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffing() {
        assert_eq!(sniff_image(b"\xFF\xD8\xFF\xE0rest"), Some(PhotoFormat::Jpeg));
        assert_eq!(sniff_image(b"\x89PNG\r\n\x1a\nrest"), Some(PhotoFormat::Png));
        assert_eq!(sniff_image(b"QRBU:1:1"), None);
        assert!(matches!(decode_photo(b"hello", Effort::Quick), Err(PhotoError::NotAnImage)));
        assert!(matches!(decode_photo(b"\x89PNG\r\n\x1a\ntruncated", Effort::Quick), Err(PhotoError::Decode { .. })));
    }

    #[test]
    fn blank_image_has_no_codes() {
        let scan = scan_gray(&GrayImage::from_pixel(300, 200, image::Luma([255])), Effort::Exhaustive);
        assert!(scan.codes.is_empty());
        assert_eq!(scan.unread_grids, 0);
    }
}
