//! Writes the corpus sample of a seed to a file, to look at it:
//! `cargo run -p testigo-scan --example dumpsample -- SEED OUT`.

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(seed), Some(out)) = (args.get(1).and_then(|s| s.parse().ok()), args.get(2)) else {
        eprintln!("usage: dumpsample SEED OUT");
        std::process::exit(2);
    };
    let sample = testigo_scan::corpus::generate(seed);
    if let Err(e) = std::fs::write(out, &sample.photo) {
        eprintln!("cannot write {out}: {e}");
        std::process::exit(1);
    }
    println!("{:?} {:?}", sample.kind, sample.degradation);
    for p in &sample.payloads {
        println!("{} chars: {p}", p.len());
    }
}
