//! Open data: results per table and per unit as CSV and JSON, the published
//! tally, and `SHA256SUMS` over them, signed by the log key when the key is
//! at hand (a signed note whose first line names what it is, so it can never
//! be taken for a checkpoint).

use std::fmt::Write as _;

use serde::Serialize;
use sha2::{Digest, Sha256};
use testigo_note::{SignedNote, Signer};
use testigo_tally::report::csv_field;

use crate::model::Snapshot;

/// The files of the downloads page, with their checksums.
#[derive(Clone, Debug)]
pub struct Downloads {
    /// (file name, contents), in the order the page lists them.
    pub files: Vec<(String, Vec<u8>)>,
    /// `SHA256SUMS`: a signed note when signed, else plain `sha256sum` lines.
    pub sums: Vec<u8>,
    /// Whether `sums` carries the log key's signature.
    pub signed: bool,
}

impl Downloads {
    /// (name, size, hex SHA-256) of each file, for the page.
    pub fn listing(&self) -> Vec<(String, u64, String)> {
        self.files.iter().map(|(n, b)| (n.clone(), b.len() as u64, hex::encode(Sha256::digest(b)))).collect()
    }
}

#[derive(Serialize)]
struct TableRow<'a> {
    contest: &'a str,
    table: &'a str,
    unit: &'a str,
    state: &'static str,
    registered: Option<u64>,
    /// Log index of the sheet counted (None: missing).
    counted_sheet: Option<u64>,
    sheets: usize,
    votes: serde_json::Map<String, serde_json::Value>,
    null: Option<u64>,
    blank: Option<u64>,
}

/// The download files, in the order the page lists them.
pub const FILES: [&str; 4] = ["tables.csv", "tables.json", "units.csv", "tally.json"];

/// One download file of `snap` (one of [`FILES`]).
pub fn file(snap: &Snapshot, name: &str) -> Option<Vec<u8>> {
    match name {
        "tables.csv" => Some(tables(snap, false)),
        "tables.json" => Some(tables(snap, true)),
        "units.csv" => Some(snap.report.to_csv().into_bytes()),
        "tally.json" => {
            // Written in place: for a national election the report is hundreds of megabytes.
            let mut out = format!("{{\"log_size\":{},\"report\":", snap.log_size).into_bytes();
            serde_json::to_writer(&mut out, &snap.report).ok()?;
            out.push(b'}');
            Some(out)
        }
        _ => None,
    }
}

/// Each table and contest: as CSV (`json` false) or a JSON array.
fn tables(snap: &Snapshot, json: bool) -> Vec<u8> {
    let mut cand_ids: Vec<&str> = Vec::new();
    for c in &snap.election.contests {
        for cand in &c.candidates {
            if !cand_ids.contains(&cand.id.as_str()) {
                cand_ids.push(&cand.id);
            }
        }
    }
    let mut out = String::new();
    if json {
        out.push('[');
    } else {
        out.push_str("contest,table,unit,state,registered,counted_sheet,sheets");
        for id in &cand_ids {
            out.push_str(",votes:");
            out.push_str(&csv_field(id));
        }
        out.push_str(",null,blank\n");
    }
    let rows = snap.evidence.rows();
    let geo = &snap.geo;
    let mut first = true;
    for ct in &snap.tally.contests {
        let contest = &snap.election.contests[ct.contest];
        for t in geo.tables() {
            let chosen = ct.chosen(t).map(|r| &rows[r as usize]);
            let votes = chosen.map(|r| snap.evidence.votes(r));
            let row = TableRow {
                contest: &contest.id,
                table: geo.table_id(t),
                unit: geo.unit_id(geo.table_unit(t)),
                state: ct.state(t).as_str(),
                registered: geo.table_registered(t),
                counted_sheet: chosen.map(|r| r.index),
                sheets: ct.sheets(t).len(),
                votes: contest
                    .candidates
                    .iter()
                    .enumerate()
                    .filter_map(|(i, c)| Some((c.id.clone(), serde_json::json!(votes?.get(i)?))))
                    .collect(),
                null: chosen.map(|r| r.null),
                blank: chosen.and_then(|r| r.blank),
            };
            if json {
                if !first {
                    out.push_str(",\n");
                }
                out.push_str(&serde_json::to_string(&row).unwrap_or_default());
            } else {
                let opt = |x: Option<u64>| x.map(|v| v.to_string()).unwrap_or_default();
                let _ = write!(
                    out,
                    "{},{},{},{},{},{},{}",
                    csv_field(row.contest),
                    csv_field(row.table),
                    csv_field(row.unit),
                    row.state,
                    opt(row.registered),
                    opt(row.counted_sheet),
                    row.sheets
                );
                for id in &cand_ids {
                    out.push(',');
                    if let Some(v) = row.votes.get(*id) {
                        let _ = write!(out, "{v}");
                    }
                }
                let _ = writeln!(out, ",{},{}", opt(row.null), opt(row.blank));
            }
            first = false;
        }
    }
    if json {
        out.push_str("]\n");
    }
    out.into_bytes()
}

/// What the downloads page lists: each file's name, size and SHA-256, and
/// the `SHA256SUMS` file over them.
#[derive(Clone, Debug)]
pub struct Listing {
    /// (name, bytes, hex SHA-256) per file, in [`FILES`] order.
    pub files: Vec<(String, u64, String)>,
    /// `SHA256SUMS`: a signed note when signed, else plain `sha256sum` lines.
    pub sums: Vec<u8>,
    /// Whether `sums` carries the log key's signature.
    pub signed: bool,
}

/// Generates each file in turn, hands it to `put` (`downloads/<name>`) and
/// drops it, then `downloads/SHA256SUMS`: one file in memory at a time.
pub fn write_all<E>(snap: &Snapshot, log_key: Option<&Signer>, put: &mut crate::Put<'_, E>) -> Result<Listing, E> {
    let mut files = Vec::new();
    for name in FILES {
        let bytes = file(snap, name).unwrap_or_default();
        put(&format!("downloads/{name}"), &bytes)?;
        files.push((name.to_string(), bytes.len() as u64, hex::encode(Sha256::digest(&bytes))));
    }
    let listing = listing(snap, log_key, files);
    put("downloads/SHA256SUMS", &listing.sums)?;
    Ok(listing)
}

fn listing(snap: &Snapshot, log_key: Option<&Signer>, files: Vec<(String, u64, String)>) -> Listing {
    let mut lines = String::new();
    for (name, _, sha) in &files {
        let _ = writeln!(lines, "{sha}  {name}");
    }
    let origin = snap.config.log_vkey.split('+').next().unwrap_or("").trim().to_string();
    let (sums, signed) = match log_key.map(|k| sign_sums(k, &origin, snap.log_size, &lines)) {
        Some(Ok(note)) => (note, true),
        _ => (lines.into_bytes(), false),
    };
    Listing { files, sums, signed }
}

/// Builds every download of `snap` in memory (a server serving them);
/// signs `SHA256SUMS` with `log_key` when given.
pub fn build(snap: &Snapshot, log_key: Option<&Signer>) -> Downloads {
    let files: Vec<(String, Vec<u8>)> =
        FILES.iter().map(|name| (name.to_string(), file(snap, name).unwrap_or_default())).collect();
    let hashed = files.iter().map(|(n, b)| (n.clone(), b.len() as u64, hex::encode(Sha256::digest(b)))).collect();
    let Listing { sums, signed, .. } = listing(snap, log_key, hashed);
    Downloads { files, sums, signed }
}

/// `SHA256SUMS` as a signed note: a header line, then `sha256sum` lines.
fn sign_sums(key: &Signer, origin: &str, log_size: u64, lines: &str) -> Result<Vec<u8>, testigo_note::NoteError> {
    let mut note = SignedNote::new(format!("testigo downloads of {origin} at log size {log_size}\n{lines}"))?;
    note.sign(key)?;
    Ok(note.to_bytes())
}
