//! testigo's own sheet-import layouts, for any source of sheets: a CSV or
//! JSON Lines file with one sheet per row, where any figure may be *not
//! reported*, and a file of Venezuelan acta QR payloads, one per line.
//!
//! The layouts are documented for users in `docs/import.md`. In short:
//!
//! - `testigo-csv`: a header naming the columns — `table` (required),
//!   `contest` (optional when the election has one contest), one column per
//!   candidate id, and optionally `valid`, `null`, `blank`, `registered`,
//!   `source_ref`, `photo_sha256`, `qr`; an empty cell means *not reported*,
//!   and so does a candidate without a column.
//! - `testigo-jsonl`: one JSON object per line with the same names as keys;
//!   a key absent or `null` means not reported.
//! - `venezuela-acta-qr`: one acta QR payload per line; the table, every
//!   candidate's votes (per-card counts summed) and the null votes are read
//!   from it, and the payload itself goes into the sheet's `qr`, so every
//!   replay checks the sheet against its code.
//!
//! A figure not reported is never compared with another sheet's
//! ([`testigo_election::SheetCounts::agrees_with`]), so a source that omits
//! null votes creates no conflict. Each sheet names the file (name and
//! SHA-256), its line and the row's `source_ref`; [`check`] compares a file
//! with what the log holds of it.

use std::collections::{BTreeMap, BTreeSet};

use sha2::{Digest, Sha256};
use testigo_documents::venezuela::VenezuelaActaQr;
use testigo_documents::DocumentFormat;
use testigo_election::{Contest, Dataset, ElectionDef, ImportManifest, Sheet, Source};

/// The layouts of [`SheetFile::parse`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// `testigo-csv`.
    TestigoCsv,
    /// `testigo-jsonl`.
    TestigoJsonl,
    /// `venezuela-acta-qr`.
    VenezuelaActaQr,
}

impl Layout {
    /// The name used on the command line and in import manifests.
    pub fn name(self) -> &'static str {
        match self {
            Layout::TestigoCsv => "testigo-csv",
            Layout::TestigoJsonl => "testigo-jsonl",
            Layout::VenezuelaActaQr => "venezuela-acta-qr",
        }
    }
}

/// Columns (CSV) or keys (JSON Lines) other than candidate ids.
pub const FIELDS: [&str; 9] =
    ["table", "contest", "valid", "null", "blank", "registered", "source_ref", "photo_sha256", "qr"];

/// One row of an import file, as read: what the sheet will say.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Row {
    /// The line in the file (a CSV's header is line 1).
    pub line: u64,
    /// The table id.
    pub table: String,
    /// The contest id.
    pub contest: String,
    /// Votes of the candidates the row reports.
    pub votes: BTreeMap<String, u64>,
    /// Candidates of the contest whose votes the row does not report, sorted.
    pub not_reported: Vec<String>,
    /// Valid votes, if reported.
    pub valid: Option<u64>,
    /// Null votes, if reported.
    pub null: Option<u64>,
    /// Blank votes, if reported.
    pub blank: Option<u64>,
    /// Registered voters as the row prints them, if reported.
    pub registered: Option<u64>,
    /// Where the row points (the scanned sheet's URL, an archive reference).
    pub source_ref: Option<String>,
    /// SHA-256 of the sheet's photo.
    pub photo_sha256: Option<String>,
    /// The sheet's QR payload.
    pub qr: Option<String>,
}

/// An import file, parsed, with what identifies it.
#[derive(Clone, Debug)]
pub struct SheetFile {
    /// The file name, as the sheets will name their data set.
    pub name: String,
    /// SHA-256 of its bytes, lowercase hex.
    pub sha256: String,
    /// The layout it was read as.
    pub layout: Layout,
    /// Its rows, in file order.
    pub rows: Vec<Row>,
}

/// A file that cannot be imported; every message names the file, and a row's
/// line and column, and says what to change.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The header, or the file as a whole.
    #[error("{name}: {why}")]
    File {
        /// The file name.
        name: String,
        /// What is wrong and what to do.
        why: String,
    },
    /// One row.
    #[error("{name} line {line}, {column}: {why}")]
    Row {
        /// The file name.
        name: String,
        /// The line.
        line: u64,
        /// The column or key (or `payload`).
        column: String,
        /// What is wrong and what to do.
        why: String,
    },
}

/// One cell as read, before it is given a meaning.
enum Cell<'a> {
    /// Empty (CSV), `null` or absent (JSON): not reported.
    Empty,
    /// Text (a CSV cell, a JSON string).
    Text(&'a str),
    /// A JSON number (or anything else JSON has), as written.
    Json(&'a serde_json::Value),
}

/// The contests a row may name and the candidate columns they own.
struct Ballot<'e> {
    election: &'e ElectionDef,
    default_contest: Option<&'e Contest>,
}

impl<'e> Ballot<'e> {
    fn new(election: &'e ElectionDef, contest: Option<&str>, name: &str) -> Result<Self, ImportError> {
        let default_contest = match contest {
            Some(id) => Some(election.contest(id).map(|(_, c)| c).ok_or_else(|| ImportError::File {
                name: name.into(),
                why: format!(
                    "the election has no contest {id:?}: use one of {}",
                    election.contests.iter().map(|c| c.id.as_str()).collect::<Vec<_>>().join(", ")
                ),
            })?),
            None if election.contests.len() == 1 => election.contests.first(),
            None => None,
        };
        for c in &election.contests {
            for cand in &c.candidates {
                if FIELDS.contains(&cand.id.as_str()) {
                    return Err(ImportError::File {
                        name: name.into(),
                        why: format!(
                            "candidate id {:?} of contest {} is also a column name of the layout; the layout \
                             cannot tell them apart (rename the candidate in the election file before init)",
                            cand.id, c.id
                        ),
                    });
                }
            }
        }
        Ok(Ballot { election, default_contest })
    }

    fn is_candidate(&self, id: &str) -> bool {
        self.election.contests.iter().any(|c| c.candidate_position(id).is_some())
    }
}

fn count(cell: &Cell<'_>) -> Result<Option<u64>, String> {
    match cell {
        Cell::Empty => Ok(None),
        Cell::Text(t) => {
            let t = t.trim();
            if t.is_empty() {
                Ok(None)
            } else if !t.bytes().all(|b| b.is_ascii_digit()) {
                Err(format!("{t:?} is not a count: write digits only, or leave the cell empty if not reported"))
            } else {
                t.parse().map(Some).map_err(|_| format!("{t} is too large for a count"))
            }
        }
        Cell::Json(v) => v.as_u64().map(Some).ok_or_else(|| {
            format!("{v} is not a count: write a non-negative integer, or null (or leave the key out) if not reported")
        }),
    }
}

fn text(cell: &Cell<'_>) -> Result<Option<String>, String> {
    match cell {
        Cell::Empty => Ok(None),
        Cell::Text(t) if t.trim().is_empty() => Ok(None),
        Cell::Text(t) => Ok(Some(t.trim().to_string())),
        Cell::Json(v) => Err(format!("{v} must be a string")),
    }
}

/// Builds a [`Row`] from its named cells.
fn build_row(ballot: &Ballot<'_>, line: u64, cells: &[(&str, Cell<'_>)]) -> Result<Row, (String, String)> {
    let mut row = Row { line, ..Row::default() };
    let mut contest_id = None;
    let mut candidate_cells: Vec<(&str, Option<u64>)> = Vec::new();
    for (name, cell) in cells {
        let at = |why: String| (name.to_string(), why);
        match *name {
            "table" => row.table = text(cell).map_err(at)?.unwrap_or_default(),
            "contest" => contest_id = text(cell).map_err(at)?,
            "valid" => row.valid = count(cell).map_err(at)?,
            "null" => row.null = count(cell).map_err(at)?,
            "blank" => row.blank = count(cell).map_err(at)?,
            "registered" => row.registered = count(cell).map_err(at)?,
            "source_ref" => row.source_ref = text(cell).map_err(at)?,
            "photo_sha256" => row.photo_sha256 = text(cell).map_err(at)?.map(|h| h.to_ascii_lowercase()),
            "qr" => {
                // A QR payload is kept exactly as read: no trimming.
                row.qr = match cell {
                    Cell::Text(t) if !t.is_empty() => Some(t.to_string()),
                    Cell::Empty | Cell::Text(_) => None,
                    Cell::Json(v) => return Err(at(format!("{v} must be a string"))),
                }
            }
            candidate => candidate_cells.push((candidate, count(cell).map_err(at)?)),
        }
    }
    if row.table.is_empty() {
        return Err(("table".into(), "the table id is empty: every row names its table".into()));
    }
    let contest = match contest_id {
        Some(id) => ballot
            .election
            .contest(&id)
            .map(|(_, c)| c)
            .ok_or_else(|| ("contest".to_string(), format!("the election has no contest {id:?}")))?,
        None => ballot.default_contest.ok_or_else(|| {
            (
                "contest".to_string(),
                "the election has several contests: add a contest column, or pass --contest".to_string(),
            )
        })?,
    };
    row.contest = contest.id.clone();
    for (id, votes) in candidate_cells {
        match (contest.candidate_position(id), votes) {
            (Some(_), Some(v)) => {
                row.votes.insert(id.to_string(), v);
            }
            (Some(_), None) => {}
            (None, None) => {}
            (None, Some(_)) => {
                return Err((
                    id.to_string(),
                    format!("{id} is not a candidate of contest {}: leave the cell empty in its rows", contest.id),
                ))
            }
        }
    }
    row.not_reported =
        contest.candidates.iter().filter(|c| !row.votes.contains_key(&c.id)).map(|c| c.id.clone()).collect();
    row.not_reported.sort();
    Ok(row)
}

impl SheetFile {
    /// Parses `bytes` (the file called `name`) in `layout` for `election`;
    /// `contest` is the contest of rows that name none (needed when the
    /// election has several). Refuses the whole file at the first row that
    /// cannot be read, naming its line and column.
    pub fn parse(
        layout: Layout,
        name: &str,
        bytes: &[u8],
        election: &ElectionDef,
        contest: Option<&str>,
    ) -> Result<SheetFile, ImportError> {
        let ballot = Ballot::new(election, contest, name)?;
        let sha256 = hex::encode(Sha256::digest(bytes));
        let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let rows = match layout {
            Layout::TestigoCsv => parse_csv(&ballot, name, body)?,
            Layout::TestigoJsonl => parse_jsonl(&ballot, name, body)?,
            Layout::VenezuelaActaQr => parse_acta_qr(&ballot, name, body)?,
        };
        if rows.is_empty() {
            return Err(ImportError::File { name: name.into(), why: "the file has no rows to import".into() });
        }
        Ok(SheetFile { name: name.into(), sha256, layout, rows })
    }

    /// The `bulk_import` sheet a row records, signed at `signed_at`.
    pub fn sheet(&self, election: &ElectionDef, row: &Row, signed_at: u64) -> Sheet {
        Sheet {
            election: election.id.clone(),
            table: row.table.clone(),
            contest: row.contest.clone(),
            source: Source::BulkImport,
            votes: row.votes.clone(),
            not_reported: row.not_reported.clone(),
            valid: row.valid,
            null: row.null,
            blank: row.blank,
            voters: None,
            registered: row.registered,
            photo_sha256: row.photo_sha256.clone(),
            qr: row.qr.clone(),
            dataset: Some(Dataset {
                name: self.name.clone(),
                sha256: self.sha256.clone(),
                row: row.line,
                reference: row.source_ref.clone(),
            }),
            supersedes: None,
            signed_at,
        }
    }

    /// The manifest an importer logs after the file's sheets.
    pub fn manifest(&self, election: &ElectionDef, sheets: u64, signed_at: u64) -> ImportManifest {
        manifest(&election.id, &self.name, &self.sha256, self.layout.name(), self.rows.len() as u64, sheets, signed_at)
    }
}

/// The manifest of an import of `rows` rows from the file `name` (SHA-256
/// `sha256`, read as `format`) of which `sheets` were logged.
pub fn manifest(
    election_id: &str,
    name: &str,
    sha256: &str,
    format: &str,
    rows: u64,
    sheets: u64,
    signed_at: u64,
) -> ImportManifest {
    ImportManifest {
        election: election_id.into(),
        name: name.into(),
        sha256: sha256.into(),
        format: format.into(),
        rows,
        sheets,
        signed_at,
    }
}

fn parse_csv(ballot: &Ballot<'_>, name: &str, body: &[u8]) -> Result<Vec<Row>, ImportError> {
    let file_error = |why: String| ImportError::File { name: name.into(), why };
    let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(body);
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| file_error(format!("cannot read the header: {e}")))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let mut seen = BTreeSet::new();
    for h in &header {
        if !FIELDS.contains(&h.as_str()) && !ballot.is_candidate(h) {
            return Err(file_error(format!(
                "column {h:?} is neither a candidate id of the election nor one of {}: rename or remove it \
                 (docs/import.md)",
                FIELDS.join(", ")
            )));
        }
        if !seen.insert(h.as_str()) {
            return Err(file_error(format!("column {h:?} appears twice in the header")));
        }
    }
    if !seen.contains("table") {
        return Err(file_error("the header has no `table` column: every row names its table".into()));
    }
    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                return Err(ImportError::Row { name: name.into(), line, column: "row".into(), why: e.to_string() });
            }
        }
        let line = record.position().map_or(0, |p| p.line());
        let cells: Vec<(&str, Cell<'_>)> = header
            .iter()
            .zip(record.iter())
            .map(|(h, v)| (h.as_str(), if v.is_empty() { Cell::Empty } else { Cell::Text(v) }))
            .collect();
        let row = build_row(ballot, line, &cells).map_err(|(column, why)| ImportError::Row {
            name: name.into(),
            line,
            column,
            why,
        })?;
        rows.push(row);
    }
    Ok(rows)
}

fn parse_jsonl(ballot: &Ballot<'_>, name: &str, body: &[u8]) -> Result<Vec<Row>, ImportError> {
    let text = std::str::from_utf8(body)
        .map_err(|e| ImportError::File { name: name.into(), why: format!("is not UTF-8: {e}") })?;
    let mut rows = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i as u64 + 1;
        let row_error =
            |column: &str, why: String| ImportError::Row { name: name.into(), line, column: column.into(), why };
        if raw.trim().is_empty() {
            continue;
        }
        let value: serde_json::Value =
            serde_json::from_str(raw).map_err(|e| row_error("line", format!("is not JSON: {e}")))?;
        let object = value.as_object().ok_or_else(|| row_error("line", "must be a JSON object".into()))?;
        let mut cells: Vec<(&str, Cell<'_>)> = Vec::with_capacity(object.len());
        for (k, v) in object {
            if !FIELDS.contains(&k.as_str()) && !ballot.is_candidate(k) {
                return Err(row_error(
                    k,
                    format!("is neither a candidate id of the election nor one of {}", FIELDS.join(", ")),
                ));
            }
            let cell = match v {
                serde_json::Value::Null => Cell::Empty,
                serde_json::Value::String(s) => Cell::Text(s),
                other => Cell::Json(other),
            };
            cells.push((k.as_str(), cell));
        }
        let row = build_row(ballot, line, &cells).map_err(|(column, why)| row_error(&column, why))?;
        rows.push(row);
    }
    Ok(rows)
}

fn parse_acta_qr(ballot: &Ballot<'_>, name: &str, body: &[u8]) -> Result<Vec<Row>, ImportError> {
    let text = std::str::from_utf8(body)
        .map_err(|e| ImportError::File { name: name.into(), why: format!("is not UTF-8: {e}") })?;
    let contest = ballot.default_contest.ok_or_else(|| ImportError::File {
        name: name.into(),
        why: "the election has several contests: pass --contest to say which the actas are for".into(),
    })?;
    let format = VenezuelaActaQr::for_contest(contest);
    let mut rows = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i as u64 + 1;
        let payload = raw.trim_end_matches('\r');
        if payload.trim().is_empty() {
            continue;
        }
        let row_error = |why: String| ImportError::Row { name: name.into(), line, column: "payload".into(), why };
        let counts = format.read(ballot.election, contest, payload).counts.map_err(row_error)?;
        let table = counts.table.ok_or_else(|| row_error("the payload names no table".into()))?;
        let mut votes = BTreeMap::new();
        for c in &contest.candidates {
            votes.insert(c.id.clone(), counts.votes.get(&c.id).copied().unwrap_or(0));
        }
        rows.push(Row {
            line,
            table,
            contest: contest.id.clone(),
            votes,
            null: counts.null,
            qr: Some(payload.to_string()),
            ..Row::default()
        });
    }
    Ok(rows)
}

/// One row whose logged sheet differs from the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowDifference {
    /// The line in the file.
    pub line: u64,
    /// The logged sheet's log index.
    pub index: u64,
    /// What differs, in words (`null: 12 in the file, 13 in the log`).
    pub what: Vec<String>,
}

/// What [`check`] found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CheckReport {
    /// Manifests in the log for a file of this name or this SHA-256: (log index, manifest).
    pub manifests: Vec<(u64, ImportManifest)>,
    /// The log index of the manifest whose SHA-256 is the file's, if any.
    pub manifest_of_file: Option<u64>,
    /// Rows in the file.
    pub rows: u64,
    /// Logged sheets compared (those naming this file's name).
    pub logged: u64,
    /// Rows whose logged sheet says exactly what the row says.
    pub matching: u64,
    /// Rows whose logged sheet says something else.
    pub differing: Vec<RowDifference>,
    /// Lines with no logged sheet (refused at import, or never imported).
    pub not_logged: Vec<u64>,
    /// Logged sheets naming a line the file does not have.
    pub not_in_file: Vec<u64>,
}

impl CheckReport {
    /// Whether the log holds exactly this file: a manifest with its SHA-256
    /// and row count, every logged sheet equal to its row, and as many
    /// sheets as the manifest says were logged.
    pub fn faithful(&self) -> bool {
        let Some(m) = self.manifest_of_file.and_then(|i| self.manifests.iter().find(|(j, _)| *j == i)) else {
            return false;
        };
        m.1.rows == self.rows
            && self.differing.is_empty()
            && self.not_in_file.is_empty()
            && self.matching == m.1.sheets
            && self.logged == m.1.sheets
    }
}

/// Compares a file with what the log holds of it: `manifests` are the log's
/// import manifests and `logged` its `bulk_import` sheets (log index,
/// sheet) naming a data set of the file's name or digest, in log order. Rows are
/// matched by line; for each, the sheet the row gives (with the logged
/// sheet's signing time and digest) must equal the logged one.
pub fn check(
    file: &SheetFile,
    election: &ElectionDef,
    manifests: &[(u64, ImportManifest)],
    logged: &[(u64, &Sheet)],
) -> CheckReport {
    let mut report = CheckReport {
        manifests: manifests.iter().filter(|(_, m)| m.name == file.name || m.sha256 == file.sha256).cloned().collect(),
        rows: file.rows.len() as u64,
        ..CheckReport::default()
    };
    report.manifest_of_file = report.manifests.iter().rev().find(|(_, m)| m.sha256 == file.sha256).map(|(i, _)| *i);
    // The import being checked: the file's own digest if logged, else the
    // latest import of a file of this name.
    let digest = match report.manifest_of_file {
        Some(_) => Some(file.sha256.clone()),
        None => report.manifests.iter().rev().find(|(_, m)| m.name == file.name).map(|(_, m)| m.sha256.clone()),
    };
    // The sheets of that import: by digest when known (the same bytes under
    // any name are the same file), else by name.
    let mut by_line: BTreeMap<u64, (u64, &Sheet)> = BTreeMap::new();
    for (index, sheet) in logged {
        if let Some(d) = &sheet.dataset {
            let ours = match &digest {
                Some(h) => *h == d.sha256,
                None => d.name == file.name,
            };
            if ours {
                by_line.insert(d.row, (*index, sheet));
            }
        }
    }
    report.logged = by_line.len() as u64;
    let lines: BTreeSet<u64> = file.rows.iter().map(|r| r.line).collect();
    report.not_in_file = by_line.keys().filter(|l| !lines.contains(l)).copied().collect();
    for row in &file.rows {
        let Some((index, sheet)) = by_line.get(&row.line) else {
            report.not_logged.push(row.line);
            continue;
        };
        let mut expected = file.sheet(election, row, sheet.signed_at);
        if let (Some(e), Some(l)) = (expected.dataset.as_mut(), sheet.dataset.as_ref()) {
            e.sha256 = l.sha256.clone();
        }
        let what = differences(&expected, sheet);
        if what.is_empty() {
            report.matching += 1;
        } else {
            report.differing.push(RowDifference { line: row.line, index: *index, what });
        }
    }
    report
}

/// What differs between the sheet a row gives and the logged one, in words.
fn differences(file: &Sheet, log: &Sheet) -> Vec<String> {
    let mut out = Vec::new();
    let show = |v: Option<u64>| v.map_or("not reported".to_string(), |v| v.to_string());
    let mut field = |name: &str, a: String, b: String| {
        if a != b {
            out.push(format!("{name}: {a} in the file, {b} in the log"));
        }
    };
    field("table", file.table.clone(), log.table.clone());
    field("contest", file.contest.clone(), log.contest.clone());
    let candidates: BTreeSet<&String> =
        file.votes.keys().chain(log.votes.keys()).chain(&file.not_reported).chain(&log.not_reported).collect();
    for c in candidates {
        let get =
            |s: &Sheet| if s.not_reported.contains(c) { None } else { Some(s.votes.get(c).copied().unwrap_or(0)) };
        field(c, show(get(file)), show(get(log)));
    }
    field("valid", show(file.valid), show(log.valid));
    field("null", show(file.null), show(log.null));
    field("blank", show(file.blank), show(log.blank));
    field("registered", show(file.registered), show(log.registered));
    let text = |v: &Option<String>| v.clone().unwrap_or_else(|| "none".into());
    field("photo_sha256", text(&file.photo_sha256), text(&log.photo_sha256));
    field("qr", text(&file.qr), text(&log.qr));
    let reference = |s: &Sheet| text(&s.dataset.as_ref().and_then(|d| d.reference.clone()));
    field("source_ref", reference(file), reference(log));
    out
}
