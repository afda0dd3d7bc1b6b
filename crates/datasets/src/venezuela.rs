//! Venezuela, 28 July 2024, presidential election.
//!
//! Identifiers follow the CNE's centre code `EEMMPPCCC` so they match the
//! table id printed in each acta's QR code:
//!
//! | level | id | example |
//! |---|---|---|
//! | state | `EE` | `01` |
//! | municipality | `EE.MM` | `01.01` |
//! | parish | `EE.MM.PP` | `01.01.13` |
//! | centre | `EEMMPPCCC` | `010113042` |
//! | table | `EEMMPPCCC.MM` | `010113042.01` |
//!
//! Candidate ids are the CSV's column codes (`NM`, `EG`, …); each candidate
//! lists its ballot cards (party lines) in the order the acta's QR prints them.

use std::collections::{BTreeMap, BTreeSet};

use sha2::{Digest, Sha256};
use testigo_election::{
    BallotCard, Candidate, Contest, Dataset, ElectionDef, GeographyChunk, Sheet, Source, Table, Unit,
    DEFAULT_MAX_TABLE_VOTERS,
};
use testigo_formats::venezuela_csv::{self, ActaRow, CANDIDATE_COLUMNS};
use testigo_formats::{venezuela_2024_candidates, venezuela_2024_cards};

/// The election id every Venezuelan sheet names.
pub const ELECTION_ID: &str = "ve-2024-presidential";
/// The contest id.
pub const CONTEST_ID: &str = "president";
/// Eligible Venezuelans in the CNE's registry for 2024 (in the country and abroad).
pub const REGISTRY: u64 = 21_392_464;
/// Voting tables the CNE declared (one machine each).
pub const TOTAL_TABLES: u64 = 30_026;
/// Hierarchy levels, top down.
pub const LEVELS: [&str; 5] = ["state", "municipality", "parish", "centre", "table"];

/// A problem reading a published CSV.
#[derive(Debug, thiserror::Error)]
pub enum DatasetError {
    /// The CSV could not be parsed.
    #[error("{name}: {source}")]
    Csv {
        /// The data set's name.
        name: String,
        /// The parser's error (it names the line).
        #[source]
        source: venezuela_csv::CsvError,
    },
}

/// One published CSV, parsed, with what identifies it.
#[derive(Clone, Debug)]
pub struct Publication {
    /// The file name as published, e.g. `RESULTADOS_2024_CSV_V1.csv`.
    pub name: String,
    /// SHA-256 of the file as published (uncompressed), lowercase hex.
    pub sha256: String,
    /// Its rows.
    pub rows: Vec<ActaRow>,
}

impl Publication {
    /// Parses a published CSV (UTF-8 with or without BOM, or latin-1; CRLF or LF).
    pub fn parse(name: &str, bytes: &[u8]) -> Result<Publication, DatasetError> {
        let rows = venezuela_csv::parse(bytes).map_err(|source| DatasetError::Csv { name: name.into(), source })?;
        Ok(Publication { name: name.into(), sha256: hex::encode(Sha256::digest(bytes)), rows })
    }
}

/// The table id of a row: `EEMMPPCCC.MM`.
pub fn table_id(row: &ActaRow) -> String {
    format!("{}.{:02}", row.centre, row.mesa)
}

/// A card id from a party name: lowercase, spaces as `-`, accents dropped.
fn card_id(party: &str) -> String {
    party
        .chars()
        .map(|c| match c {
            'Á' | 'á' => 'a',
            'É' | 'é' => 'e',
            'Í' | 'í' => 'i',
            'Ó' | 'ó' => 'o',
            'Ú' | 'ú' => 'u',
            ' ' => '-',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

/// The election definition: one contest, ten candidates with their 38 ballot
/// cards, the CNE's registry and table count. `operator` is the operator's
/// verifier key line.
pub fn election(operator: &str) -> ElectionDef {
    let cards = venezuela_2024_cards();
    let candidates = venezuela_2024_candidates()
        .iter()
        .enumerate()
        .map(|(i, c)| Candidate {
            id: c.code.to_string(),
            name: c.name.to_string(),
            cards: cards
                .iter()
                .filter(|card| card.candidate == i)
                .map(|card| BallotCard { id: card_id(card.party), name: card.party.to_string() })
                .collect(),
        })
        .collect();
    ElectionDef {
        id: ELECTION_ID.into(),
        name: "Elección presidencial de Venezuela 2024".into(),
        date: "2024-07-28".into(),
        levels: LEVELS.iter().map(|s| s.to_string()).collect(),
        contests: vec![Contest { id: CONTEST_ID.into(), name: "Presidente de la República".into(), candidates }],
        total_tables: Some(TOTAL_TABLES),
        registry: Some(REGISTRY),
        max_table_voters: DEFAULT_MAX_TABLE_VOTERS,
        operator: operator.into(),
    }
}

/// The geography seen in the publications: every state, municipality, parish,
/// centre and table any of them names, in sorted order; a table's registered
/// voters come from the first publication that prints them (V1's `RE`).
/// Returned as one chunk; split it with [`testigo_election::geography_chunks`]
/// after loading, or with [`split_chunk`].
pub fn geography(publications: &[&Publication]) -> GeographyChunk {
    let mut units: BTreeMap<String, (Option<String>, u32, String)> = BTreeMap::new();
    let mut tables: BTreeMap<String, (String, Option<u64>)> = BTreeMap::new();
    for p in publications {
        for r in &p.rows {
            let c = &r.centre;
            let state = c[..2].to_string();
            let mun = format!("{}.{}", &c[..2], &c[2..4]);
            let par = format!("{}.{}.{}", &c[..2], &c[2..4], &c[4..6]);
            units.entry(state.clone()).or_insert((None, 0, r.state.name.clone()));
            units.entry(mun.clone()).or_insert((Some(state), 1, r.municipality.name.clone()));
            units.entry(par.clone()).or_insert((Some(mun), 2, r.parish.name.clone()));
            units.entry(c.clone()).or_insert((Some(par), 3, format!("Centro {c}")));
            let t = tables.entry(table_id(r)).or_insert((c.clone(), None));
            if t.1.is_none() {
                t.1 = r.registered.map(u64::from);
            }
        }
    }
    // Parents before children: by level, then id.
    let mut units: Vec<Unit> =
        units.into_iter().map(|(id, (parent, level, name))| Unit { id, parent, level, name }).collect();
    units.sort_by(|a, b| (a.level, &a.id).cmp(&(b.level, &b.id)));
    let tables = tables.into_iter().map(|(id, (unit, registered))| Table { id, unit, registered }).collect();
    GeographyChunk { declared: Vec::new(), units, tables }
}

/// Splits a geography into chunks of at most `max_items` units or tables
/// each (parents stay before children because the order is kept).
pub fn split_chunk(chunk: GeographyChunk, max_items: usize) -> Vec<GeographyChunk> {
    let max_items = max_items.max(1);
    let mut out = Vec::new();
    for units in chunk.units.chunks(max_items) {
        out.push(GeographyChunk { declared: Vec::new(), units: units.to_vec(), tables: Vec::new() });
    }
    for tables in chunk.tables.chunks(max_items) {
        out.push(GeographyChunk { declared: Vec::new(), units: Vec::new(), tables: tables.to_vec() });
    }
    out
}

/// The sheet one row of a publication records: a bulk import naming the
/// data set and row, signed at `signed_at` (unix seconds).
pub fn sheet(publication: &Publication, row: &ActaRow, signed_at: u64) -> Sheet {
    let votes =
        CANDIDATE_COLUMNS.iter().zip(row.candidate_votes).map(|(code, v)| (code.to_string(), u64::from(v))).collect();
    Sheet {
        not_reported: Vec::new(),
        election: ELECTION_ID.into(),
        table: table_id(row),
        contest: CONTEST_ID.into(),
        source: Source::BulkImport,
        votes,
        valid: Some(u64::from(row.valid_votes)),
        null: Some(u64::from(row.null_votes)),
        blank: None,
        voters: None,
        registered: row.registered.map(u64::from),
        photo_sha256: None,
        qr: None,
        dataset: Some(Dataset {
            name: publication.name.clone(),
            sha256: publication.sha256.clone(),
            row: row.line,
            // The scanned acta the row was read from: two sources' rows for
            // one table can then be traced to the images each looked at.
            reference: Some(row.url.clone()).filter(|u| !u.is_empty()),
        }),
        supersedes: None,
        signed_at,
    }
}

/// Distinct states seen in the publications (for summaries).
pub fn states(publications: &[&Publication]) -> BTreeSet<String> {
    publications.iter().flat_map(|p| p.rows.iter().map(|r| r.centre[..2].to_string())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn card_ids_are_usable() {
        assert_eq!(card_id("ALIANZA DEL LÁPIZ"), "alianza-del-lapiz");
        assert_eq!(card_id("EL CAMBIO"), "el-cambio");
    }
}
