//! Decode rate of QR codes in synthetic sheet photos, per degradation class.
//!
//! `cargo run --release -p testigo-scan --example decoderate -- [COUNT] [FIRST_SEED]`
//! (default 540 images from seed 0: 60 per class). Prints a Markdown table:
//! images whose every code was read, codes read, wrong texts, and decode
//! time per image (generation excluded, JPEG/PNG decoding included).
//! `ENGINE=rqrr` or `ENGINE=rxing` restricts the decoder (default: both).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use testigo_scan::corpus::{generate, Degradation, SheetKind};
use testigo_scan::{load_photo, scan_gray_with, Effort, Engine};

#[derive(Default)]
struct Tally {
    images: usize,
    complete: usize,
    codes: usize,
    read: usize,
    wrong: usize,
    time: Duration,
    worst: Duration,
}

impl Tally {
    fn add(&mut self, other: &Tally) {
        self.images += other.images;
        self.complete += other.complete;
        self.codes += other.codes;
        self.read += other.read;
        self.wrong += other.wrong;
        self.time += other.time;
        self.worst = self.worst.max(other.worst);
    }

    fn row(&self, name: &str) -> String {
        let pct = |a: usize, b: usize| if b == 0 { 0.0 } else { 100.0 * a as f64 / b as f64 };
        format!(
            "| {name} | {} | {:.1}% ({}) | {:.1}% ({}/{}) | {} | {:.0} ms | {:.0} ms |",
            self.images,
            pct(self.complete, self.images),
            self.complete,
            pct(self.read, self.codes),
            self.read,
            self.codes,
            self.wrong,
            self.time.as_secs_f64() * 1000.0 / self.images.max(1) as f64,
            self.worst.as_secs_f64() * 1000.0,
        )
    }
}

fn main() {
    let args: Vec<u64> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let count = args.first().copied().unwrap_or(540);
    let engine = match std::env::var("ENGINE").as_deref() {
        Ok("rqrr") => Engine::Rqrr,
        Ok("rxing") => Engine::Rxing,
        _ => Engine::Both,
    };
    println!("engine: {engine:?}");
    let first = args.get(1).copied().unwrap_or(0);
    let mut by_class: BTreeMap<Degradation, Tally> = BTreeMap::new();
    let mut by_kind: BTreeMap<&str, Tally> = BTreeMap::new();
    let mut failures = Vec::new();
    let started = Instant::now();
    for seed in first..first + count {
        let sample = generate(seed);
        let t = Instant::now();
        let scan = load_photo(&sample.photo).map(|img| scan_gray_with(&img, Effort::Quick, engine));
        let elapsed = t.elapsed();
        let texts = scan.map(|s| s.texts()).unwrap_or_default();
        let read = sample.payloads.iter().filter(|p| texts.contains(p)).count();
        let wrong = texts.iter().filter(|t| !sample.payloads.contains(t)).count();
        let one = Tally {
            images: 1,
            complete: usize::from(read == sample.payloads.len()),
            codes: sample.payloads.len(),
            read,
            wrong,
            time: elapsed,
            worst: elapsed,
        };
        if read < sample.payloads.len() {
            failures.push(format!("{seed}:{}:{read}/{}", sample.degradation.name(), sample.payloads.len()));
        }
        by_class.entry(sample.degradation).or_default().add(&one);
        let kind = match sample.kind {
            SheetKind::VenezuelaActa => "Venezuelan acta (1 code)",
            SheetKind::BrazilBu => "Brazilian BU (1-3 codes)",
        };
        by_kind.entry(kind).or_default().add(&one);
    }
    println!("| class | images | images fully read | codes read | wrong texts | decode time / image | worst |");
    println!("|---|---|---|---|---|---|---|");
    let mut all = Tally::default();
    for (class, t) in &by_class {
        println!("{}", t.row(class.name()));
        all.add(t);
    }
    for (kind, t) in &by_kind {
        println!("{}", t.row(kind));
    }
    println!("{}", all.row("**all**"));
    println!();
    println!("{count} images from seed {first} in {:.1} s (with generation)", started.elapsed().as_secs_f64());
    if !failures.is_empty() {
        println!("not fully read (seed:class:read/codes): {}", failures.join(" "));
    }
}
