//! Synthetic sheet photos at a phone camera's size, for the witness app's
//! downscaling benchmark (`benches/photo-downscale.mjs`): each corpus
//! sample's photo enlarged so its long side is 4,032 px (a 12-megapixel
//! phone) and saved as JPEG quality 92, as a phone writes it, with a
//! `manifest.json` of the QR texts each photo carries.
//!
//! `cargo run --release -p testigo-scan --example phonesized -- OUT_DIR [COUNT] [FIRST_SEED]`

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;

/// Long side of a 12-megapixel phone photo (4032 × 3024).
const PHONE_SIDE: u32 = 4032;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let Some(out) = args.get(1) else {
        eprintln!("usage: phonesized OUT_DIR [COUNT] [FIRST_SEED]");
        std::process::exit(2);
    };
    let count: u64 = args.get(2).map(|s| s.parse()).transpose()?.unwrap_or(90);
    let first: u64 = args.get(3).map(|s| s.parse()).transpose()?.unwrap_or(0);
    std::fs::create_dir_all(out)?;
    let mut manifest = Vec::new();
    for seed in first..first + count {
        let sample = testigo_scan::corpus::generate(seed);
        let img = image::load_from_memory(&sample.photo)?.to_rgb8();
        let scale = PHONE_SIDE as f64 / img.width().max(img.height()) as f64;
        let (w, h) = ((img.width() as f64 * scale).round() as u32, (img.height() as f64 * scale).round() as u32);
        let big = image::imageops::resize(&img, w, h, FilterType::CatmullRom);
        let mut jpeg = Cursor::new(Vec::new());
        JpegEncoder::new_with_quality(&mut jpeg, 92).encode_image(&big)?;
        let file = format!("{seed:04}.jpg");
        std::fs::write(std::path::Path::new(out).join(&file), jpeg.get_ref())?;
        manifest.push(serde_json::json!({
            "file": file,
            "seed": seed,
            "class": sample.degradation.name(),
            "kind": format!("{:?}", sample.kind),
            "payloads": sample.payloads,
            "corpus_bytes": sample.photo.len(),
            "bytes": jpeg.get_ref().len(),
        }));
    }
    std::fs::write(std::path::Path::new(out).join("manifest.json"), serde_json::to_vec_pretty(&manifest)?)?;
    eprintln!("{count} phone-sized photos in {out}");
    Ok(())
}
