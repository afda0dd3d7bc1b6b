//! Reads the QR codes of every photo a `phonesized` manifest lists, from a
//! directory, exactly as `testigo serve` reads a submitted photo
//! (`inspect::photo_codes`), and prints one JSON line per photo: its file,
//! size in bytes, the codes expected and how many were read exactly.
//!
//! `cargo run --release -p testigo-documents --example photocodes -- DIR MANIFEST`

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(dir), Some(manifest)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: photocodes DIR MANIFEST");
        std::process::exit(2);
    };
    let listed: Vec<serde_json::Value> = serde_json::from_slice(&std::fs::read(manifest)?)?;
    for item in listed {
        let file = item["file"].as_str().ok_or("manifest item without file")?;
        let bytes = std::fs::read(std::path::Path::new(dir).join(file))?;
        let expected: Vec<String> = item["payloads"]
            .as_array()
            .ok_or("no payloads")?
            .iter()
            .filter_map(|p| p.as_str().map(String::from))
            .collect();
        let codes = testigo_documents::inspect::photo_codes(&bytes).unwrap_or_default();
        let read = expected.iter().filter(|p| codes.contains(p)).count();
        let wrong = codes.iter().filter(|c| !expected.contains(c)).count();
        println!(
            "{}",
            serde_json::json!({"file": file, "class": item["class"], "bytes": bytes.len(), "expected": expected.len(), "read": read, "wrong": wrong})
        );
    }
    Ok(())
}
