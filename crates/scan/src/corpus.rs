//! Synthetic photos of tally sheets carrying QR codes, for tests and the
//! decode-rate benchmark.
//!
//! Each sample is a deterministic function of its seed: a Venezuelan acta
//! (one code with 38 card counts) or a Brazilian BU strip (one to three
//! signed parts stacked vertically), drawn with text-like marks and table
//! rules around the codes, then "photographed": placed on a darker desk,
//! and degraded by one [`Degradation`] class (rotation, perspective, scale,
//! blur, noise, JPEG quality, lighting, or a mild mix of all), then encoded
//! as a phone would (JPEG, or PNG for the clean class).
//!
//! The BU parts are signed with [`corpus_signing_key`], so a test can check
//! that a code read from a photo still verifies end to end.

use ed25519_dalek::SigningKey;
use image::codecs::jpeg::JpegEncoder;
use image::{GrayImage, ImageFormat, Luma};
use qrcode::{EcLevel, QrCode};
use rand::Rng;
use testigo_formats::brazil_bu::{build_payload, BuHeader, BuRecord, BuildOptions, Entry, Office, PartyVotes};
use testigo_formats::venezuela_qr::{self, ActaQr};
use testigo_formats::VENEZUELA_2024_CARD_COUNT;

/// How a sample is degraded; the benchmark reports a decode rate per class.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Degradation {
    /// Straight, sharp, evenly lit, lossless PNG.
    Clean,
    /// Rotated by any angle in the image plane.
    Rotation,
    /// Photographed at an angle: corners moved by up to 15% of the sheet.
    Perspective,
    /// Far from the camera: codes down to ~1.3 pixels per module.
    Scale,
    /// Out of focus: Gaussian blur, sigma 0.8–2.2 pixels.
    Blur,
    /// Sensor noise: Gaussian, standard deviation 12–40 grey levels.
    Noise,
    /// Heavy JPEG compression, quality 8–35.
    Jpeg,
    /// Uneven light: a shading gradient, a shadow band, low contrast.
    Lighting,
    /// Mild amounts of all of the above at once.
    Combined,
}

impl Degradation {
    /// Every class, in the order seeds cycle through them.
    pub const ALL: [Degradation; 9] = [
        Degradation::Clean,
        Degradation::Rotation,
        Degradation::Perspective,
        Degradation::Scale,
        Degradation::Blur,
        Degradation::Noise,
        Degradation::Jpeg,
        Degradation::Lighting,
        Degradation::Combined,
    ];

    /// Lower-case name, for reports.
    pub fn name(self) -> &'static str {
        match self {
            Degradation::Clean => "clean",
            Degradation::Rotation => "rotation",
            Degradation::Perspective => "perspective",
            Degradation::Scale => "scale",
            Degradation::Blur => "blur",
            Degradation::Noise => "noise",
            Degradation::Jpeg => "jpeg",
            Degradation::Lighting => "lighting",
            Degradation::Combined => "combined",
        }
    }
}

/// Which kind of sheet a sample shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SheetKind {
    /// A Venezuelan acta: one code.
    VenezuelaActa,
    /// A Brazilian BU strip: one to three codes.
    BrazilBu,
}

/// One synthetic photo and what it carries.
#[derive(Clone, Debug)]
pub struct Sample {
    /// The seed it was generated from.
    pub seed: u64,
    /// The kind of sheet.
    pub kind: SheetKind,
    /// How the photo was degraded.
    pub degradation: Degradation,
    /// The texts of the QR codes on the sheet, top to bottom.
    pub payloads: Vec<String>,
    /// The encoded photo (JPEG, or PNG for [`Degradation::Clean`]).
    pub photo: Vec<u8>,
}

/// The key that signs the corpus's BU parts (Brazil's real keys sign only
/// the manual's example). Its slot is phase official, key version
/// [`CORPUS_KEY_VERSION`], any of the corpus's states.
pub fn corpus_signing_key() -> SigningKey {
    SigningKey::from_bytes(&[0x42; 32])
}

/// The `VRCH` of the corpus's BU parts.
pub const CORPUS_KEY_VERSION: &str = "20241006";

/// States the corpus's BUs come from.
pub const CORPUS_STATES: [&str; 4] = ["AC", "SP", "RJ", "MG"];

/// The sample for `seed`: sheet kind and degradation cycle with the seed so
/// that any run of consecutive seeds covers every class evenly.
pub fn generate(seed: u64) -> Sample {
    let degradation = Degradation::ALL[(seed % Degradation::ALL.len() as u64) as usize];
    generate_with(seed, degradation)
}

/// The kind of sheet seed `seed` draws: every third block of nine seeds is a
/// Venezuelan acta, so kinds and degradation classes mix evenly.
pub fn kind_for(seed: u64) -> SheetKind {
    if (seed / 9).is_multiple_of(3) {
        SheetKind::VenezuelaActa
    } else {
        SheetKind::BrazilBu
    }
}

/// The sample for `seed` with a chosen degradation.
pub fn generate_with(seed: u64, degradation: Degradation) -> Sample {
    let mut rng = testigo_rng::seeded(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0x07E5_7160);
    let kind = kind_for(seed);
    let payloads = match kind {
        SheetKind::VenezuelaActa => vec![venezuela_payload(&mut rng)],
        SheetKind::BrazilBu => brazil_payloads(&mut rng),
    };
    let sheet = draw_sheet(&mut rng, kind, &payloads);
    let photo = photograph(&mut rng, &sheet, degradation);
    Sample { seed, kind, degradation, payloads, photo }
}

/// A photo of a sheet of `kind` carrying exactly `payloads` (for example a
/// test's own acta code), drawn and degraded as [`generate_with`] does.
pub fn photo_of(seed: u64, kind: SheetKind, payloads: &[String], degradation: Degradation) -> Vec<u8> {
    let mut rng = testigo_rng::seeded(seed);
    let sheet = draw_sheet(&mut rng, kind, payloads);
    photograph(&mut rng, &sheet, degradation)
}

/// A random acta QR payload for the 2024 ballot.
pub fn venezuela_payload(rng: &mut impl Rng) -> String {
    let qr = ActaQr {
        centre: format!("{:09}", rng.gen_range(10_101_001u32..240_000_000)),
        mesa: rng.gen_range(1..=15),
        header_rest: ["1".into(), "0001".into()],
        card_votes: (0..VENEZUELA_2024_CARD_COUNT)
            .map(|_| if rng.gen_bool(0.4) { 0 } else { rng.gen_range(0..300) })
            .collect(),
        null_votes: rng.gen_range(0..20),
        last: 0,
    };
    venezuela_qr::format(&qr)
}

/// The signed parts of a random BU (1–3 parts of at most 1,100 characters).
pub fn brazil_payloads(rng: &mut impl Rng) -> Vec<String> {
    let state = CORPUS_STATES[rng.gen_range(0..CORPUS_STATES.len())];
    let header = BuHeader {
        origin: Some("VOTA".into()),
        round: Some(1),
        phase: Some("O".into()),
        state: Some(state.into()),
        municipality: Some(rng.gen_range(1000..99_999)),
        zone: Some(rng.gen_range(1..400)),
        section: Some(rng.gen_range(1..900)),
        machine_id: Some(format!("{}", rng.gen_range(2_000_000..2_999_999))),
        eligible: Some(400),
        present: Some(310),
        absent: Some(90),
        other: vec![Entry::new("VERS", "9.20.0.0"), Entry::new("DTPL", "20241006")],
    };
    // Mayor (majoritarian) plus councillors (proportional, many candidates:
    // this is what makes a BU long).
    let mayor = Office {
        office: 11,
        kind: Some(0),
        candidate_votes: (0..rng.gen_range(2..6)).map(|i| (10 + 5 * i, rng.gen_range(1..150))).collect(),
        blank: Some(rng.gen_range(0..20)),
        null: Some(rng.gen_range(0..20)),
        ..Office::default()
    };
    let parties = (0..rng.gen_range(1..8))
        .map(|p| {
            let party = 10 + p * 5;
            PartyVotes {
                party,
                candidate_votes: (0..rng.gen_range(3..25))
                    .map(|c| (party * 1000 + c * 3 + 1, rng.gen_range(1..40)))
                    .collect(),
                list_votes: Some(rng.gen_range(0..10)),
                total: Some(rng.gen_range(10..200)),
            }
        })
        .collect();
    let councillors = Office { office: 13, kind: Some(1), parties, ..Office::default() };
    let record = BuRecord { header, offices: vec![mayor, councillors] };
    let options = BuildOptions::signed(CORPUS_KEY_VERSION, corpus_signing_key());
    // The record is built from valid keys and values, so building cannot
    // fail; an empty list would only make the sample codeless.
    build_payload(&record.to_content(), &options).unwrap_or_default()
}

/// Paper white and ink black, slightly off the extremes as printed.
const PAPER: u8 = 245;
const INK: u8 = 20;

/// Renders a QR code with a 4-module quiet zone, `module` pixels a module.
/// Payloads longer than a QR code can hold yield `None`.
fn render_qr(text: &str, module: u32) -> Option<GrayImage> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).ok()?;
    let n = code.width() as u32;
    let side = (n + 8) * module;
    let mut img = GrayImage::from_pixel(side, side, Luma([PAPER]));
    for (i, c) in code.to_colors().iter().enumerate() {
        if *c == qrcode::Color::Dark {
            let (mx, my) = (i as u32 % n + 4, i as u32 / n + 4);
            for y in my * module..(my + 1) * module {
                for x in mx * module..(mx + 1) * module {
                    img.put_pixel(x, y, Luma([INK]));
                }
            }
        }
    }
    Some(img)
}

/// Fills a rectangle, clipped to the image.
fn fill(img: &mut GrayImage, x: u32, y: u32, w: u32, h: u32, v: u8) {
    for yy in y..(y + h).min(img.height()) {
        for xx in x..(x + w).min(img.width()) {
            img.put_pixel(xx, yy, Luma([v]));
        }
    }
}

/// Draws lines of word-like marks in a region (print the QR codes after).
fn draw_text(rng: &mut impl Rng, img: &mut GrayImage, x0: u32, y0: u32, x1: u32, y1: u32) {
    let mut y = y0;
    while y + 14 < y1 {
        let h = rng.gen_range(7..12);
        let mut x = x0 + rng.gen_range(0..20);
        let line_end = x1.saturating_sub(rng.gen_range(0..(x1 - x0) / 3 + 1));
        while x + 10 < line_end {
            let w = rng.gen_range(6..60).min(line_end - x);
            // Letters: vertical strokes with gaps, so it looks like text
            // rather than bars.
            let mut sx = x;
            while sx + 2 < x + w {
                let sw = rng.gen_range(1..4);
                let sh = rng.gen_range(h / 2..=h);
                fill(img, sx, y + h - sh, sw, sh, INK + rng.gen_range(0..40));
                sx += sw + rng.gen_range(1..4);
            }
            x += w + rng.gen_range(6..14);
        }
        if rng.gen_bool(0.15) {
            // A table rule.
            fill(img, x0, y + h + 3, x1 - x0, 2, INK);
        }
        y += h + rng.gen_range(8..16);
    }
}

/// Draws the sheet: text, rules and the codes.
fn draw_sheet(rng: &mut impl Rng, kind: SheetKind, payloads: &[String]) -> GrayImage {
    match kind {
        SheetKind::VenezuelaActa => {
            // Landscape-ish acta, the code in a corner.
            let module = rng.gen_range(4..7);
            let codes: Vec<GrayImage> = payloads.iter().filter_map(|p| render_qr(p, module)).collect();
            let (w, h) = (1400, 1000);
            let mut sheet = GrayImage::from_pixel(w, h, Luma([PAPER]));
            draw_text(rng, &mut sheet, 40, 40, w - 40, h - 40);
            for code in &codes {
                let x = w - code.width() - rng.gen_range(30..120);
                let y = h - code.height() - rng.gen_range(30..120);
                image::imageops::replace(&mut sheet, code, i64::from(x), i64::from(y));
            }
            sheet
        }
        SheetKind::BrazilBu => {
            // A thermal-paper strip: text, then the codes stacked with text
            // between them.
            let module = rng.gen_range(3..5);
            let codes: Vec<GrayImage> = payloads.iter().filter_map(|p| render_qr(p, module)).collect();
            let w = codes.iter().map(GrayImage::width).max().unwrap_or(300) + 160;
            let gap = 60;
            let h = 300 + codes.iter().map(|c| c.height() + gap).sum::<u32>() + 100;
            let mut sheet = GrayImage::from_pixel(w, h, Luma([PAPER]));
            draw_text(rng, &mut sheet, 30, 30, w - 30, 280);
            let mut y = 300;
            for code in &codes {
                let x = (w - code.width()) / 2 + rng.gen_range(0..20);
                image::imageops::replace(&mut sheet, code, i64::from(x.min(w - code.width())), i64::from(y));
                draw_text(rng, &mut sheet, 30, y + code.height() + 8, w - 30, y + code.height() + gap - 4);
                y += code.height() + gap;
            }
            draw_text(rng, &mut sheet, 30, y, w - 30, h - 20);
            sheet
        }
    }
}

/// A point in pixels.
type Pt = (f64, f64);

/// The homography mapping `from[i]` to `to[i]` (3×3, row-major, h33 = 1),
/// by solving the 8×8 linear system; `None` if the points are degenerate.
fn homography(from: [Pt; 4], to: [Pt; 4]) -> Option<[f64; 9]> {
    let mut a = [[0f64; 9]; 8];
    for i in 0..4 {
        let ((x, y), (u, v)) = (from[i], to[i]);
        a[2 * i] = [x, y, 1.0, 0.0, 0.0, 0.0, -u * x, -u * y, u];
        a[2 * i + 1] = [0.0, 0.0, 0.0, x, y, 1.0, -v * x, -v * y, v];
    }
    // Gaussian elimination with partial pivoting.
    #[allow(clippy::needless_range_loop)] // row operations read one row while writing another
    for col in 0..8 {
        let pivot = (col..8).max_by(|&r, &s| a[r][col].abs().total_cmp(&a[s][col].abs()))?;
        if a[pivot][col].abs() < 1e-12 {
            return None;
        }
        a.swap(col, pivot);
        for r in 0..8 {
            if r != col {
                let f = a[r][col] / a[col][col];
                for c in col..9 {
                    a[r][c] -= f * a[col][c];
                }
            }
        }
    }
    let mut h = [0f64; 9];
    for i in 0..8 {
        h[i] = a[i][8] / a[i][i];
    }
    h[8] = 1.0;
    Some(h)
}

/// Renders `sheet` so that its corners land on `quad` (top-left, top-right,
/// bottom-right, bottom-left) of a `w`×`h` canvas filled with `background`,
/// sampling bilinearly.
fn warp(sheet: &GrayImage, quad: [Pt; 4], w: u32, h: u32, background: u8) -> GrayImage {
    let (sw, sh) = (f64::from(sheet.width()), f64::from(sheet.height()));
    let corners = [(0.0, 0.0), (sw, 0.0), (sw, sh), (0.0, sh)];
    let mut out = GrayImage::from_pixel(w, h, Luma([background]));
    // Map output pixels back into the sheet.
    let Some(m) = homography(quad, corners) else { return out };
    let px = |x: i64, y: i64| -> f64 {
        if x < 0 || y < 0 || x >= i64::from(sheet.width()) || y >= i64::from(sheet.height()) {
            f64::from(background)
        } else {
            f64::from(sheet.get_pixel(x as u32, y as u32).0[0])
        }
    };
    for (x, y, p) in out.enumerate_pixels_mut() {
        let (fx, fy) = (f64::from(x) + 0.5, f64::from(y) + 0.5);
        let d = m[6] * fx + m[7] * fy + m[8];
        let sx = (m[0] * fx + m[1] * fy + m[2]) / d - 0.5;
        let sy = (m[3] * fx + m[4] * fy + m[5]) / d - 0.5;
        if sx < -1.0 || sy < -1.0 || sx > sw || sy > sh {
            continue;
        }
        let (x0, y0) = (sx.floor(), sy.floor());
        let (tx, ty) = (sx - x0, sy - y0);
        let (x0, y0) = (x0 as i64, y0 as i64);
        let v = px(x0, y0) * (1.0 - tx) * (1.0 - ty)
            + px(x0 + 1, y0) * tx * (1.0 - ty)
            + px(x0, y0 + 1) * (1.0 - tx) * ty
            + px(x0 + 1, y0 + 1) * tx * ty;
        *p = Luma([v.round().clamp(0.0, 255.0) as u8]);
    }
    out
}

/// A standard normal deviate (Box–Muller).
fn gaussian(rng: &mut impl Rng) -> f64 {
    let u1: f64 = rng.gen_range(f64::EPSILON..1.0);
    let u2: f64 = rng.gen();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// Amounts of each effect applied to a sample.
#[derive(Default)]
struct Effects {
    rotation_deg: f64,
    perspective: f64,
    scale: f64,
    blur_sigma: f32,
    noise_sd: f64,
    jpeg_quality: Option<u8>,
    lighting: f64,
}

fn effects(rng: &mut impl Rng, degradation: Degradation) -> Effects {
    let mut e = Effects { scale: 1.0, jpeg_quality: Some(88), ..Effects::default() };
    match degradation {
        Degradation::Clean => e.jpeg_quality = None,
        Degradation::Rotation => e.rotation_deg = rng.gen_range(0.0..360.0),
        Degradation::Perspective => {
            e.perspective = rng.gen_range(0.05..0.15);
            e.rotation_deg = rng.gen_range(-8.0..8.0);
        }
        Degradation::Scale => e.scale = rng.gen_range(0.4..0.75),
        Degradation::Blur => e.blur_sigma = rng.gen_range(0.8..2.2),
        Degradation::Noise => e.noise_sd = rng.gen_range(12.0..40.0),
        Degradation::Jpeg => e.jpeg_quality = Some(rng.gen_range(8..35)),
        Degradation::Lighting => e.lighting = rng.gen_range(0.4..0.8),
        Degradation::Combined => {
            e.rotation_deg = rng.gen_range(-25.0..25.0);
            e.perspective = rng.gen_range(0.0..0.06);
            e.scale = rng.gen_range(0.7..1.0);
            e.blur_sigma = rng.gen_range(0.4..1.0);
            e.noise_sd = rng.gen_range(4.0..10.0);
            e.jpeg_quality = Some(rng.gen_range(50..80));
            e.lighting = rng.gen_range(0.1..0.4);
        }
    }
    e
}

/// Places the sheet on a desk, applies the degradation and encodes.
fn photograph(rng: &mut impl Rng, sheet: &GrayImage, degradation: Degradation) -> Vec<u8> {
    let e = effects(rng, degradation);
    let (sw, sh) = (f64::from(sheet.width()) * e.scale, f64::from(sheet.height()) * e.scale);
    // Rotate the scaled sheet's corners about its centre, then jitter them.
    let (s, c) = e.rotation_deg.to_radians().sin_cos();
    let jitter = e.perspective * sw.max(sh);
    let mut quad = [(-sw / 2.0, -sh / 2.0), (sw / 2.0, -sh / 2.0), (sw / 2.0, sh / 2.0), (-sw / 2.0, sh / 2.0)];
    for p in &mut quad {
        let (x, y) = (p.0 * c - p.1 * s, p.0 * s + p.1 * c);
        *p = (x + rng.gen_range(-1.0..=1.0) * jitter, y + rng.gen_range(-1.0..=1.0) * jitter);
    }
    // Canvas: the bounding box plus a desk margin.
    let margin = 0.06 * sw.max(sh);
    let min_x = quad.iter().map(|p| p.0).fold(f64::INFINITY, f64::min) - margin;
    let min_y = quad.iter().map(|p| p.1).fold(f64::INFINITY, f64::min) - margin;
    let max_x = quad.iter().map(|p| p.0).fold(f64::NEG_INFINITY, f64::max) + margin;
    let max_y = quad.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max) + margin;
    for p in &mut quad {
        *p = (p.0 - min_x, p.1 - min_y);
    }
    let desk = rng.gen_range(60..140);
    let mut img = warp(sheet, quad, (max_x - min_x).ceil() as u32, (max_y - min_y).ceil() as u32, desk);

    if e.lighting > 0.0 {
        // A linear gradient from one side, a soft shadow band, and the
        // contrast squeezed towards grey.
        let (w, h) = (f64::from(img.width()), f64::from(img.height()));
        let angle: f64 = rng.gen_range(0.0..std::f64::consts::TAU);
        let (gx, gy) = (angle.cos(), angle.sin());
        let band_at = rng.gen_range(0.2..0.8);
        let band_width = rng.gen_range(0.05..0.2);
        for (x, y, p) in img.enumerate_pixels_mut() {
            let t = ((f64::from(x) / w - 0.5) * gx + (f64::from(y) / h - 0.5) * gy) + 0.5;
            let shade = 1.0 - e.lighting * 0.6 * t.clamp(0.0, 1.0);
            let band = if (f64::from(x) / w - band_at).abs() < band_width { 1.0 - 0.35 * e.lighting } else { 1.0 };
            let v = f64::from(p.0[0]);
            let squeezed = 128.0 + (v - 128.0) * (1.0 - 0.5 * e.lighting);
            *p = Luma([(squeezed * shade * band).clamp(0.0, 255.0) as u8]);
        }
    }
    if e.blur_sigma > 0.0 {
        img = image::imageops::blur(&img, e.blur_sigma);
    }
    if e.noise_sd > 0.0 {
        for p in img.pixels_mut() {
            let v = f64::from(p.0[0]) + gaussian(rng) * e.noise_sd;
            *p = Luma([v.round().clamp(0.0, 255.0) as u8]);
        }
    }
    let mut out = Vec::new();
    let encoded = match e.jpeg_quality {
        Some(q) => JpegEncoder::new_with_quality(&mut out, q).encode_image(&img),
        None => img.write_to(&mut std::io::Cursor::new(&mut out), ImageFormat::Png),
    };
    // Encoding an in-memory grayscale image into a Vec cannot fail; a
    // failure would leave an empty photo, which the decoder rejects.
    if encoded.is_err() {
        out.clear();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_varied() {
        let a = generate(5);
        let b = generate(5);
        assert_eq!(a.photo, b.photo);
        assert_eq!(a.payloads, b.payloads);
        assert_ne!(generate(6).photo, a.photo);
        assert_eq!(a.kind, kind_for(5));
        let kinds: Vec<SheetKind> = (0..27).map(kind_for).collect();
        assert!(kinds.contains(&SheetKind::VenezuelaActa) && kinds.contains(&SheetKind::BrazilBu));
    }

    #[test]
    fn homography_maps_corners() {
        let from = [(0.0, 0.0), (10.0, 0.0), (10.0, 5.0), (0.0, 5.0)];
        let to = [(1.0, 2.0), (12.0, 1.0), (13.0, 9.0), (0.0, 7.0)];
        let h = homography(from, to).unwrap();
        for (f, t) in from.iter().zip(&to) {
            let d = h[6] * f.0 + h[7] * f.1 + h[8];
            let x = (h[0] * f.0 + h[1] * f.1 + h[2]) / d;
            let y = (h[3] * f.0 + h[4] * f.1 + h[5]) / d;
            assert!((x - t.0).abs() < 1e-9 && (y - t.1).abs() < 1e-9, "{x},{y} vs {t:?}");
        }
    }
}
