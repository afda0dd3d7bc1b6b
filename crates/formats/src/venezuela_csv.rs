//! The opposition's per-table results of Venezuela's 2024 presidential
//! election (`RESULTADOS_2024_CSV_V1.csv` and `_V2.csv` from
//! resultadosconvzla.com; see `data/venezuela-2024/README.md`).
//!
//! Each row is one acta (tally sheet of one voting table). The two published
//! versions differ in encoding (V1 UTF-8 with BOM and CRLF, V2 latin-1 with
//! LF) and V2 lacks the `RE` (registered voters) column, so columns are found
//! by name and the bytes are decoded by [`crate::decode_text`].
//!
//! The parser rejects only what cannot be read: a missing or unknown column,
//! a row of the wrong length, a count that is not a number, and a table that
//! appears twice. Rows whose numbers do not add up are returned as they are;
//! flagging them is the election layer's job.

use std::collections::HashMap;

use crate::text::{decode_text, TextError};

/// CSV column codes of the 10 candidates, in ballot order (the order of
/// [`crate::venezuela_2024_candidates`] and of [`ActaRow::candidate_votes`]).
pub const CANDIDATE_COLUMNS: [&str; 10] = ["NM", "LM", "JABE", "JOBR", "AE", "CF", "DC", "EG", "EM", "BERA"];

/// Registered voters: present in V1 only.
const REGISTERED_COLUMN: &str = "RE";

/// Columns every version has (besides the candidates).
const REQUIRED_COLUMNS: [&str; 11] =
    ["COD_EDO", "EDO", "COD_MUN", "MUN", "COD_PAR", "PAR", "CENTRO", "MESA", "VOTOS_VALIDOS", "VOTOS_NULOS", "URL"];

/// Length of a CNE voting-centre code (EEMMPPCCC).
pub const CENTRE_DIGITS: usize = 9;

/// An administrative area (state, municipality or parish): CNE code and name.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Area {
    /// CNE code. Parish codes are numbered nationally (up to 1,142), not
    /// within their municipality.
    pub code: u16,
    /// Name as published, for example `EDO. ZULIA`.
    pub name: String,
}

/// One row of the CSV: the candidate totals of one voting table's acta.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActaRow {
    /// Line of the row in the file (the header is line 1), for messages.
    pub line: u64,
    /// State (`COD_EDO`, `EDO`).
    pub state: Area,
    /// Municipality (`COD_MUN`, `MUN`).
    pub municipality: Area,
    /// Parish (`COD_PAR`, `PAR`).
    pub parish: Area,
    /// Voting-centre code, 9 digits zero-padded (`CENTRO`; the CSV drops the
    /// leading zero of states 1–9).
    pub centre: String,
    /// Table number within the centre (`MESA`).
    pub mesa: u16,
    /// Registered voters of the table (`RE`); `None` when the file has no
    /// such column (V2).
    pub registered: Option<u32>,
    /// Valid votes (`VOTOS_VALIDOS`). Not checked against the candidates.
    pub valid_votes: u32,
    /// Null votes (`VOTOS_NULOS`).
    pub null_votes: u32,
    /// Votes per candidate in the order of [`CANDIDATE_COLUMNS`].
    pub candidate_votes: [u32; 10],
    /// URL of the scanned acta image.
    pub url: String,
}

impl ActaRow {
    /// Votes of the candidate with CSV column code `code`, if it is one.
    pub fn votes_of(&self, code: &str) -> Option<u32> {
        CANDIDATE_COLUMNS.iter().position(|c| *c == code).map(|i| self.candidate_votes[i])
    }

    /// Sum of the candidate columns, which a well-formed acta has equal to
    /// [`Self::valid_votes`].
    pub fn candidate_sum(&self) -> u64 {
        self.candidate_votes.iter().map(|&v| u64::from(v)).sum()
    }
}

/// Errors from [`parse`]. Every row-level error names the file line.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CsvError {
    /// The bytes could not be decoded as text.
    #[error(transparent)]
    Text(#[from] TextError),
    /// There is no header line.
    #[error("the input is empty: expected a header line starting with COD_EDO,EDO,…")]
    Empty,
    /// A column the parser needs is absent from the header.
    #[error("line 1: missing column {column}; is this a RESULTADOS_2024_CSV file?")]
    MissingColumn {
        /// Name of the missing column.
        column: &'static str,
    },
    /// A header names a column this parser does not know.
    #[error("line 1: unknown column {column:?}; this parser knows the columns of RESULTADOS_2024_CSV V1 and V2")]
    UnknownColumn {
        /// Name as found in the header.
        column: String,
    },
    /// A header names the same column twice.
    #[error("line 1: column {column} appears twice")]
    DuplicateColumn {
        /// The repeated name.
        column: String,
    },
    /// A row does not have as many fields as the header (often a truncated
    /// last line).
    #[error("line {line}: {found} fields, but the header has {expected}; the row is truncated or has stray commas")]
    FieldCount {
        /// File line of the row.
        line: u64,
        /// Fields found.
        found: usize,
        /// Fields in the header.
        expected: usize,
    },
    /// A count or code is not a decimal number.
    #[error("line {line}: column {column} is {value:?}, expected digits only")]
    NotNumeric {
        /// File line of the row.
        line: u64,
        /// Column name.
        column: &'static str,
        /// The field as found.
        value: String,
    },
    /// A number is too large for its column.
    #[error("line {line}: column {column} is {value}, more than the maximum {max}")]
    OutOfRange {
        /// File line of the row.
        line: u64,
        /// Column name.
        column: &'static str,
        /// The field as found.
        value: String,
        /// Largest accepted value.
        max: u64,
    },
    /// A centre code has more than 9 digits.
    #[error("line {line}: column CENTRO is {value:?}, expected at most 9 digits (EEMMPPCCC)")]
    BadCentre {
        /// File line of the row.
        line: u64,
        /// The field as found.
        value: String,
    },
    /// The same (centre, table) appears on two rows.
    #[error("line {line}: centre {centre} table {mesa} already appeared on line {first_line}; remove one of the rows")]
    DuplicateTable {
        /// Zero-padded centre code.
        centre: String,
        /// Table number.
        mesa: u16,
        /// Line of the first occurrence.
        first_line: u64,
        /// Line of the repetition.
        line: u64,
    },
    /// The CSV syntax itself is broken (for example an unclosed quote).
    #[error("line {line}: malformed CSV: {message}")]
    Malformed {
        /// File line where the reader stopped (0 if unknown).
        line: u64,
        /// The CSV reader's description.
        message: String,
    },
}

/// Where each needed column sits in a row.
struct Columns {
    width: usize,
    state_code: usize,
    state: usize,
    municipality_code: usize,
    municipality: usize,
    parish_code: usize,
    parish: usize,
    centre: usize,
    mesa: usize,
    registered: Option<usize>,
    valid: usize,
    null: usize,
    candidates: [usize; 10],
    url: usize,
}

impl Columns {
    fn from_header(header: &csv::StringRecord) -> Result<Self, CsvError> {
        if header.iter().all(str::is_empty) {
            return Err(CsvError::Empty);
        }
        let known = |name: &str| {
            REQUIRED_COLUMNS.contains(&name) || CANDIDATE_COLUMNS.contains(&name) || name == REGISTERED_COLUMN
        };
        let mut index: HashMap<&str, usize> = HashMap::new();
        for (i, name) in header.iter().enumerate() {
            if !known(name) {
                return Err(CsvError::UnknownColumn { column: name.to_string() });
            }
            if index.insert(name, i).is_some() {
                return Err(CsvError::DuplicateColumn { column: name.to_string() });
            }
        }
        let get = |column: &'static str| index.get(column).copied().ok_or(CsvError::MissingColumn { column });
        let mut candidates = [0; 10];
        for (slot, column) in candidates.iter_mut().zip(CANDIDATE_COLUMNS) {
            *slot = get(column)?;
        }
        Ok(Columns {
            width: header.len(),
            state_code: get("COD_EDO")?,
            state: get("EDO")?,
            municipality_code: get("COD_MUN")?,
            municipality: get("MUN")?,
            parish_code: get("COD_PAR")?,
            parish: get("PAR")?,
            centre: get("CENTRO")?,
            mesa: get("MESA")?,
            registered: index.get(REGISTERED_COLUMN).copied(),
            valid: get("VOTOS_VALIDOS")?,
            null: get("VOTOS_NULOS")?,
            candidates,
            url: get("URL")?,
        })
    }
}

/// One row being read: the record and its line, to build errors.
struct Row<'r> {
    record: &'r csv::StringRecord,
    line: u64,
}

impl Row<'_> {
    fn text(&self, idx: usize) -> &str {
        // The field count was checked against the header, so `get` succeeds.
        self.record.get(idx).unwrap_or("")
    }

    fn number<T: TryFrom<u64> + Bounded>(&self, idx: usize, column: &'static str) -> Result<T, CsvError> {
        let value = self.text(idx);
        if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CsvError::NotNumeric { line: self.line, column, value: value.to_string() });
        }
        let out_of_range = || CsvError::OutOfRange { line: self.line, column, value: value.to_string(), max: T::MAX };
        let n: u64 = value.parse().map_err(|_| out_of_range())?;
        T::try_from(n).map_err(|_| out_of_range())
    }

    fn area(&self, code: usize, code_column: &'static str, name: usize) -> Result<Area, CsvError> {
        Ok(Area { code: self.number(code, code_column)?, name: self.text(name).to_string() })
    }
}

/// Largest value of a count type, for [`CsvError::OutOfRange`].
trait Bounded {
    const MAX: u64;
}
impl Bounded for u16 {
    const MAX: u64 = u16::MAX as u64;
}
impl Bounded for u32 {
    const MAX: u64 = u32::MAX as u64;
}

/// Parses a RESULTADOS_2024_CSV file (V1 or V2) from its raw bytes, in
/// whichever encoding it was published.
pub fn parse(bytes: &[u8]) -> Result<Vec<ActaRow>, CsvError> {
    let (text, _) = decode_text(bytes)?;
    parse_str(&text)
}

/// Parses a RESULTADOS_2024_CSV file that is already decoded text.
pub fn parse_str(text: &str) -> Result<Vec<ActaRow>, CsvError> {
    let mut lines = LineCounter { text: text.as_bytes(), pos: 0, line: 1 };
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    let malformed =
        |e: csv::Error| CsvError::Malformed { line: e.position().map_or(0, |p| p.line()), message: e.to_string() };
    let mut record = csv::StringRecord::new();
    if !reader.read_record(&mut record).map_err(malformed)? {
        return Err(CsvError::Empty);
    }
    let cols = Columns::from_header(&record)?;
    let mut rows = Vec::new();
    let mut seen: HashMap<(String, u16), u64> = HashMap::new();
    while reader.read_record(&mut record).map_err(malformed)? {
        let line = lines.line_at(record.position().map_or(0, |p| p.byte()));
        let row = parse_row(&Row { record: &record, line }, &cols)?;
        if let Some(&first_line) = seen.get(&(row.centre.clone(), row.mesa)) {
            return Err(CsvError::DuplicateTable { centre: row.centre, mesa: row.mesa, first_line, line });
        }
        seen.insert((row.centre.clone(), row.mesa), line);
        rows.push(row);
    }
    Ok(rows)
}

/// Finds the file line of a record from its byte offset.
///
/// The csv crate's own line numbers are one short after a CRLF line ending
/// (it counts the `\n` only when it reads the next record), and V1 uses CRLF.
struct LineCounter<'t> {
    text: &'t [u8],
    /// Offset up to which newlines have been counted.
    pos: usize,
    /// Line number at `pos`.
    line: u64,
}

impl LineCounter<'_> {
    /// Line of the record the reader says starts at `byte`. Offsets must not
    /// decrease between calls.
    fn line_at(&mut self, byte: u64) -> u64 {
        let mut start = usize::try_from(byte).unwrap_or(usize::MAX).min(self.text.len());
        // The reported start may sit on the tail of the previous line ending
        // or on skipped blank lines; the record begins after them.
        while matches!(self.text.get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        if start > self.pos {
            self.line += self.text[self.pos..start].iter().filter(|&&b| b == b'\n').count() as u64;
            self.pos = start;
        }
        self.line
    }
}

fn parse_row(row: &Row<'_>, cols: &Columns) -> Result<ActaRow, CsvError> {
    if row.record.len() != cols.width {
        return Err(CsvError::FieldCount { line: row.line, found: row.record.len(), expected: cols.width });
    }
    let centre_raw = row.text(cols.centre);
    if centre_raw.is_empty() || !centre_raw.bytes().all(|b| b.is_ascii_digit()) {
        return Err(CsvError::NotNumeric { line: row.line, column: "CENTRO", value: centre_raw.to_string() });
    }
    if centre_raw.len() > CENTRE_DIGITS {
        return Err(CsvError::BadCentre { line: row.line, value: centre_raw.to_string() });
    }
    let mut candidate_votes = [0u32; 10];
    for ((votes, &idx), column) in candidate_votes.iter_mut().zip(&cols.candidates).zip(CANDIDATE_COLUMNS) {
        *votes = row.number(idx, column)?;
    }
    Ok(ActaRow {
        line: row.line,
        state: row.area(cols.state_code, "COD_EDO", cols.state)?,
        municipality: row.area(cols.municipality_code, "COD_MUN", cols.municipality)?,
        parish: row.area(cols.parish_code, "COD_PAR", cols.parish)?,
        centre: format!("{centre_raw:0>width$}", width = CENTRE_DIGITS),
        mesa: row.number(cols.mesa, "MESA")?,
        registered: cols.registered.map(|idx| row.number(idx, REGISTERED_COLUMN)).transpose()?,
        valid_votes: row.number(cols.valid, "VOTOS_VALIDOS")?,
        null_votes: row.number(cols.null, "VOTOS_NULOS")?,
        candidate_votes,
        url: row.text(cols.url).to_string(),
    })
}
