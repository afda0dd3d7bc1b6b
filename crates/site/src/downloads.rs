//! Open data: results per table and per unit as CSV and JSON, the published
//! tally, and `SHA256SUMS` over them, signed by the log key when the key is
//! at hand (a signed note whose first line names what it is, so it can never
//! be taken for a checkpoint).

use std::fmt::Write as _;
use std::io::Write;

use serde::Serialize;
use sha2::{Digest, Sha256};
use testigo_note::{SignedNote, Signer};
use testigo_tally::report::csv_field;

use crate::model::Snapshot;

/// The files of the downloads page in memory, with their listing.
#[derive(Clone, Debug)]
pub struct Downloads {
    /// (file name, contents), in [`FILES`] order.
    pub files: Vec<(String, Vec<u8>)>,
    /// Their sizes and checksums, and `SHA256SUMS`.
    pub listing: Listing,
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

/// One download file of `snap` (one of [`FILES`]), in memory.
pub fn file(snap: &Snapshot, name: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    write_file(snap, name, &mut out).ok()?.then_some(out)
}

/// Writes download `name` to `w` as it is generated (a national election's
/// tally is hundreds of megabytes: it never sits in memory whole). `false`
/// if there is no such file.
pub fn write_file(snap: &Snapshot, name: &str, w: &mut dyn Write) -> std::io::Result<bool> {
    match name {
        "tables.csv" => tables(snap, false, w)?,
        "tables.json" => tables(snap, true, w)?,
        "units.csv" => w.write_all(snap.report.to_csv().as_bytes())?,
        "tally.json" => {
            write!(w, "{{\"log_size\":{},\"report\":", snap.log_size)?;
            serde_json::to_writer(&mut *w, &snap.report)?;
            w.write_all(b"}")?;
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// Each table and contest: as CSV (`json` false) or a JSON array, row by row.
fn tables(snap: &Snapshot, json: bool, w: &mut dyn Write) -> std::io::Result<()> {
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
    w.write_all(out.as_bytes())?;
    let rows = snap.evidence.rows();
    let geo = &snap.geo;
    let mut first = true;
    for ct in &snap.tally.contests {
        let contest = &snap.election.contests[ct.contest];
        for t in geo.tables() {
            out.clear();
            let chosen = ct.chosen(t).map(|r| &rows[r as usize]);
            let counted = ct.counted(&snap.evidence, t);
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
                    .filter_map(|(i, c)| {
                        let v = counted.as_ref()?;
                        // A figure no sheet reports is `null`, never a 0 nobody wrote.
                        let reported = !v.not_reported.contains(&(i as u16));
                        Some((
                            c.id.clone(),
                            if reported { serde_json::json!(v.votes.get(i)?) } else { serde_json::Value::Null },
                        ))
                    })
                    .collect(),
                null: counted.as_ref().and_then(|v| v.null),
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
                    // Not reported: an empty cell, as in the import layout.
                    if let Some(v) = row.votes.get(*id).filter(|v| !v.is_null()) {
                        let _ = write!(out, "{v}");
                    }
                }
                let _ = writeln!(out, ",{},{}", opt(row.null), opt(row.blank));
            }
            first = false;
            w.write_all(out.as_bytes())?;
        }
    }
    if json {
        w.write_all(b"]\n")?;
    }
    Ok(())
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

/// Streams each file to its writer (`stream("downloads/<name>", write)`),
/// hashing it on the way, then puts `downloads/SHA256SUMS`: no file is ever
/// whole in memory.
pub fn write_all<E>(
    snap: &Snapshot,
    log_key: Option<&Signer>,
    put: &mut crate::Put<'_, E>,
    stream: &mut crate::Stream<'_, E>,
) -> Result<Listing, E> {
    let mut files = Vec::new();
    for name in FILES {
        let mut hashed = Hashed { sha: Sha256::new(), bytes: 0 };
        stream(&format!("downloads/{name}"), &mut |w: &mut dyn Write| {
            let mut tee = Tee { inner: w, hashed: &mut hashed };
            write_file(snap, name, &mut tee).map(|_| ())
        })?;
        files.push((name.to_string(), hashed.bytes, hex::encode(hashed.sha.finalize())));
    }
    let listing = listing(snap, log_key, files);
    put("downloads/SHA256SUMS", &listing.sums)?;
    Ok(listing)
}

struct Hashed {
    sha: Sha256,
    bytes: u64,
}

/// A writer that hashes what passes through it.
struct Tee<'a> {
    inner: &'a mut dyn Write,
    hashed: &'a mut Hashed,
}

impl Write for Tee<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hashed.sha.update(&buf[..n]);
        self.hashed.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
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
    Downloads { listing: listing(snap, log_key, hashed), files }
}

/// `SHA256SUMS` as a signed note: a header line, then `sha256sum` lines.
fn sign_sums(key: &Signer, origin: &str, log_size: u64, lines: &str) -> Result<Vec<u8>, testigo_note::NoteError> {
    let mut note = SignedNote::new(format!("testigo downloads of {origin} at log size {log_size}\n{lines}"))?;
    note.sign(key)?;
    Ok(note.to_bytes())
}
