//! The input model (units with their counts) and its reading from any CSV
//! through column expressions: a header name, a 1-based column number
//! (`#4`), or a sum of those (`#10+#11`, `Ballots+Spoiled`).

use std::borrow::Cow;

use crate::Error;

/// One counting unit (a polling station or table) and its figures.
#[derive(Clone, Debug, PartialEq)]
pub struct Unit {
    /// The unit's identifier, as the source names it.
    pub id: String,
    /// The group it belongs to (prefecture, state…), if any.
    pub group: Option<String>,
    /// Registered voters, if known.
    pub registered: Option<u64>,
    /// Voters (ballots cast).
    pub voters: u64,
    /// Valid votes, if known.
    pub valid: Option<u64>,
    /// Votes per candidate, in [`Dataset::candidates`] order.
    pub votes: Vec<u64>,
}

/// The units of one contest, with the candidate the leader-share tests follow.
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    /// Candidate names, in the order of each unit's `votes`.
    pub candidates: Vec<String>,
    /// Index of the designated leader in `candidates`.
    pub leader: usize,
    /// The units.
    pub units: Vec<Unit>,
}

impl Dataset {
    /// The leader's votes in a unit (0 if the unit lists fewer candidates).
    pub fn leader_votes(&self, u: &Unit) -> u64 {
        u.votes.get(self.leader).copied().unwrap_or(0)
    }

    /// The index of the candidate with the most votes overall (the default leader).
    pub fn top_candidate(candidates: usize, units: &[Unit]) -> usize {
        let mut totals = vec![0u64; candidates];
        for u in units {
            for (t, v) in totals.iter_mut().zip(&u.votes) {
                *t += v;
            }
        }
        // First of the largest, so ties resolve the same way every run.
        let mut best = 0;
        for (i, &t) in totals.iter().enumerate() {
            if t > totals[best] {
                best = i;
            }
        }
        best
    }
}

/// Which columns of a CSV hold which figure: each is a column expression.
#[derive(Clone, Debug, Default)]
pub struct CsvColumns {
    /// The unit identifier (default: the row number).
    pub unit: Option<String>,
    /// The group (optional).
    pub group: Option<String>,
    /// Registered voters (optional).
    pub registered: Option<String>,
    /// Voters (ballots cast): required.
    pub voters: String,
    /// Valid votes (optional).
    pub valid: Option<String>,
    /// Candidates as (name, expression); an expression of `None` means the column named like the candidate.
    pub candidates: Vec<(String, Option<String>)>,
    /// The leader's name (default: the candidate with most votes).
    pub leader: Option<String>,
}

/// Decodes a file's bytes: UTF-8 (a byte-order mark dropped), or latin-1 if
/// the bytes are not valid UTF-8 (every byte is a latin-1 character, so this
/// never fails; official CSVs in Spanish and Portuguese often come this way).
pub fn decode_text(bytes: &[u8]) -> Cow<'_, str> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => Cow::Owned(bytes.iter().map(|&b| char::from(b)).collect()),
    }
}

/// A parsed column expression: the 0-based columns to add.
#[derive(Clone, Debug, PartialEq)]
struct Expr {
    text: String,
    columns: Vec<usize>,
}

fn parse_expr(text: &str, header: &[String]) -> Result<Expr, Error> {
    let mut columns = Vec::new();
    for term in text.split('+') {
        let term = term.trim();
        let col = if let Some(num) = term.strip_prefix('#') {
            let n: usize = num.parse().map_err(|_| Error::Column {
                expr: text.into(),
                why: format!("{term:?} is not a column number like #4"),
            })?;
            if n == 0 || n > header.len() {
                return Err(Error::Column {
                    expr: text.into(),
                    why: format!(
                        "column {term} does not exist: the file has {} columns (#1 to #{})",
                        header.len(),
                        header.len()
                    ),
                });
            }
            n - 1
        } else {
            header.iter().position(|h| h.trim() == term).ok_or_else(|| Error::Column {
                expr: text.into(),
                why: format!(
                    "no column is named {term:?}; the header has: {} (or give a number like #4)",
                    header.iter().map(|h| format!("{:?}", h.trim())).collect::<Vec<_>>().join(", ")
                ),
            })?
        };
        columns.push(col);
    }
    Ok(Expr { text: text.into(), columns })
}

fn parse_count(field: &str) -> Option<u64> {
    let f = field.trim();
    if f.is_empty() {
        return Some(0);
    }
    // Some sources write integers as "123.0"; anything else fractional is refused.
    f.parse::<u64>().ok().or_else(|| f.strip_suffix(".0").and_then(|g| g.parse().ok()))
}

impl Expr {
    fn eval(&self, record: &csv::StringRecord, line: u64) -> Result<u64, Error> {
        let mut sum = 0u64;
        for &c in &self.columns {
            let field = record.get(c).unwrap_or("");
            let v = parse_count(field).ok_or_else(|| Error::Value {
                line,
                expr: self.text.clone(),
                value: field.into(),
            })?;
            sum = sum.saturating_add(v);
        }
        Ok(sum)
    }

    fn text_of(&self, record: &csv::StringRecord) -> String {
        self.columns.iter().map(|&c| record.get(c).unwrap_or("").trim()).collect::<Vec<_>>().join(" ")
    }
}

/// Reads units from CSV bytes (header in the first row; comma-separated).
pub fn read_csv(bytes: &[u8], cols: &CsvColumns) -> Result<Dataset, Error> {
    let text = decode_text(bytes);
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
    let header: Vec<String> =
        reader.headers().map_err(|e| Error::Csv(e.to_string()))?.iter().map(String::from).collect();
    if cols.candidates.is_empty() {
        return Err(Error::NoCandidates);
    }
    let opt = |e: &Option<String>| e.as_deref().map(|t| parse_expr(t, &header)).transpose();
    let unit = opt(&cols.unit)?;
    let group = opt(&cols.group)?;
    let registered = opt(&cols.registered)?;
    let valid = opt(&cols.valid)?;
    let voters = parse_expr(&cols.voters, &header)?;
    let candidates = cols
        .candidates
        .iter()
        .map(|(name, e)| parse_expr(e.as_deref().unwrap_or(name), &header))
        .collect::<Result<Vec<_>, _>>()?;
    let names: Vec<String> = cols.candidates.iter().map(|(n, _)| n.clone()).collect();
    let mut units = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        let rec = rec.map_err(|e| Error::Csv(e.to_string()))?;
        let line = i as u64 + 2;
        if rec.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        units.push(Unit {
            id: unit.as_ref().map_or_else(|| (i + 1).to_string(), |e| e.text_of(&rec)),
            group: group.as_ref().map(|e| e.text_of(&rec)),
            registered: registered.as_ref().map(|e| e.eval(&rec, line)).transpose()?,
            voters: voters.eval(&rec, line)?,
            valid: valid.as_ref().map(|e| e.eval(&rec, line)).transpose()?,
            votes: candidates.iter().map(|e| e.eval(&rec, line)).collect::<Result<_, _>>()?,
        });
    }
    let leader = match &cols.leader {
        Some(l) => names
            .iter()
            .position(|n| n == l)
            .ok_or_else(|| Error::Leader { leader: l.clone(), candidates: names.clone() })?,
        None => Dataset::top_candidate(names.len(), &units),
    };
    Ok(Dataset { candidates: names, leader, units })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin1_bytes_decode() {
        assert_eq!(decode_text(b"Pe\xF1a"), "Peña");
        assert_eq!(decode_text("Peña".as_bytes()), "Peña");
    }
}
