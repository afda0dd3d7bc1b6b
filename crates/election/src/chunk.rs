//! Geography entries: the units and tables of an election, split into
//! chunks that each fit comfortably in one log entry.

use crate::geography::{Declared, Geography, Table, Unit};
use serde::{Deserialize, Serialize};

/// Largest canonical JSON a chunk is allowed to grow to, leaving room under
/// the 65,535-byte entry limit for the format line and the signature.
pub const CHUNK_JSON_BUDGET: usize = 60_000;

/// One geography entry: units (parents before children) then tables. Units
/// and tables may refer to units of this or any earlier chunk.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GeographyChunk {
    /// Units, each after its parent.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub units: Vec<Unit>,
    /// Tables, each after its unit.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tables: Vec<Table>,
    /// Totals declared for units of this or an earlier chunk (each unit at
    /// most once per chunk), after its units and tables.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub declared: Vec<Declared>,
}

fn json_len<T: Serialize>(v: &T) -> usize {
    // Items are plain structs; if serialisation ever failed, over-estimating
    // keeps the chunk small rather than panicking.
    serde_json::to_vec(v).map(|b| b.len()).unwrap_or(CHUNK_JSON_BUDGET)
}

/// Splits a geography into chunks whose canonical JSON stays within
/// [`CHUNK_JSON_BUDGET`]: all units first (in insertion order, so parents
/// precede children), then all tables, then the declared totals. Applying the chunks in order to an
/// empty geography with the same levels rebuilds it exactly.
pub fn geography_chunks(geo: &Geography) -> Vec<GeographyChunk> {
    // `{"units":[` + `],"tables":[` + `]}` framing.
    const FRAME: usize = 32;
    let mut chunks = Vec::new();
    let mut cur = GeographyChunk::default();
    let mut size = FRAME;
    let mut push = |cur: &mut GeographyChunk, size: &mut usize, len: usize| {
        if *size + len + 1 > CHUNK_JSON_BUDGET && !cur.is_empty() {
            chunks.push(std::mem::take(cur));
            *size = FRAME;
        }
        *size += len + 1;
    };
    for u in geo.units() {
        let unit = geo.unit(u);
        push(&mut cur, &mut size, json_len(&unit));
        cur.units.push(unit);
    }
    for t in geo.tables() {
        let table = geo.table(t);
        push(&mut cur, &mut size, json_len(&table));
        cur.tables.push(table);
    }
    for d in geo.declarations() {
        push(&mut cur, &mut size, json_len(d));
        cur.declared.push(d.clone());
    }
    if !cur.is_empty() {
        chunks.push(cur);
    }
    chunks
}

impl GeographyChunk {
    /// Whether it adds nothing.
    pub fn is_empty(&self) -> bool {
        self.units.is_empty() && self.tables.is_empty() && self.declared.is_empty()
    }
}
