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

/// Builds every download of `snap`; signs `SHA256SUMS` with `log_key` when given.
pub fn build(snap: &Snapshot, log_key: Option<&Signer>) -> Downloads {
    let mut cand_ids: Vec<&str> = Vec::new();
    for c in &snap.election.contests {
        for cand in &c.candidates {
            if !cand_ids.contains(&cand.id.as_str()) {
                cand_ids.push(&cand.id);
            }
        }
    }
    let mut csv = String::from("contest,table,unit,state,registered,counted_sheet,sheets");
    for id in &cand_ids {
        csv.push_str(",votes:");
        csv.push_str(&csv_field(id));
    }
    csv.push_str(",null,blank\n");
    let mut json = String::from("[");
    let rows = snap.evidence.rows();
    let geo = &snap.geo;
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
            let opt = |x: Option<u64>| x.map(|v| v.to_string()).unwrap_or_default();
            let _ = write!(
                csv,
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
                csv.push(',');
                if let Some(v) = row.votes.get(*id) {
                    let _ = write!(csv, "{v}");
                }
            }
            let _ = writeln!(csv, ",{},{}", opt(row.null), opt(row.blank));
            if json.len() > 1 {
                json.push_str(",\n");
            }
            json.push_str(&serde_json::to_string(&row).unwrap_or_default());
        }
    }
    json.push_str("]\n");
    let tally = format!("{{\"log_size\":{},\"report\":{}}}", snap.log_size, snap.report.to_json_compact());
    let files = vec![
        ("tables.csv".to_string(), csv.into_bytes()),
        ("tables.json".to_string(), json.into_bytes()),
        ("units.csv".to_string(), snap.report.to_csv().into_bytes()),
        ("tally.json".to_string(), tally.into_bytes()),
    ];
    let mut lines = String::new();
    for (name, bytes) in &files {
        let _ = writeln!(lines, "{}  {name}", hex::encode(Sha256::digest(bytes)));
    }
    let origin = snap.config.log_vkey.split('+').next().unwrap_or("").trim().to_string();
    let (sums, signed) = match log_key.map(|k| sign_sums(k, &origin, snap.log_size, &lines)) {
        Some(Ok(note)) => (note, true),
        _ => (lines.into_bytes(), false),
    };
    Downloads { files, sums, signed }
}

/// `SHA256SUMS` as a signed note: a header line, then `sha256sum` lines.
fn sign_sums(key: &Signer, origin: &str, log_size: u64, lines: &str) -> Result<Vec<u8>, testigo_note::NoteError> {
    let mut note = SignedNote::new(format!("testigo downloads of {origin} at log size {log_size}\n{lines}"))?;
    note.sign(key)?;
    Ok(note.to_bytes())
}
