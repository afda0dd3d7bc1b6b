//! The territory: a tree of units (state, municipality, …) whose leaves hold
//! the tables where votes are counted.
//!
//! Built for a million tables: ids live in one arena each for units and
//! tables, lookups go through hash tables of `u32` positions, and per-table
//! data is a few parallel vectors (no tree of owned strings).

use crate::ids::{id_problem, name_problem, StrIndex};
use serde::{Deserialize, Serialize};

/// A unit of the hierarchy (anything above the table level).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Unit {
    /// Identifier, unique among units of the election.
    pub id: String,
    /// The parent unit (one level up); `None` for top-level units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// Index into [`crate::ElectionDef::levels`].
    pub level: u32,
    /// Human-readable name.
    pub name: String,
}

/// A table (voting table, section): where one sheet per contest is counted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Table {
    /// Identifier, unique among tables (Venezuela: `CCCCCCCCC.MM`, as in the QR).
    pub id: String,
    /// The unit it belongs to, at the last level above tables.
    pub unit: String,
    /// Registered voters at this table, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registered: Option<u64>,
}

/// Totals declared for a unit by a source outside the sheets (an official
/// gazette, the authority's list of tables): what the unit's coverage and
/// the bound on its missing votes are measured against. Logged in
/// operator-signed geography entries; a later declaration for the same unit
/// replaces the earlier one (both stay in the log).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Declared {
    /// The unit id.
    pub unit: String,
    /// Voting tables in the unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tables: Option<u64>,
    /// Registered voters in the unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registered: Option<u64>,
    /// Where the figures come from (publication, date, URL).
    pub source: String,
}

/// Position of a unit in its [`Geography`]; only meaningful there.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UnitIx(pub(crate) u32);

/// Position of a table in its [`Geography`]; only meaningful there.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TableIx(pub(crate) u32);

impl UnitIx {
    /// The dense 0-based position (insertion order).
    pub fn get(self) -> usize {
        self.0 as usize
    }
}

impl TableIx {
    /// The dense 0-based position (insertion order).
    pub fn get(self) -> usize {
        self.0 as usize
    }
}

/// What is wrong with a unit or table being added.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum GeoError {
    /// An id or name is unusable.
    #[error("{what} {id:?} is not usable: {why}")]
    Invalid {
        /// "unit id", "table id", "unit name".
        what: &'static str,
        /// The offending text.
        id: String,
        /// Why.
        why: &'static str,
    },
    /// The unit id is already taken.
    #[error("unit {0:?} is defined twice: unit ids must be unique across all levels")]
    DuplicateUnit(String),
    /// The table id is already taken.
    #[error("table {0:?} is defined twice: table ids must be unique in the election")]
    DuplicateTable(String),
    /// The unit's level is not a unit level.
    #[error("unit {unit:?} has level {level}, but unit levels are 0..{max} (the last level, {table_level:?}, is for tables)")]
    BadLevel {
        /// Unit id.
        unit: String,
        /// Level given.
        level: u32,
        /// Number of unit levels.
        max: usize,
        /// Name of the table level.
        table_level: String,
    },
    /// Parent presence does not match the level.
    #[error("unit {unit:?} at level {level} {why}")]
    BadParent {
        /// Unit id.
        unit: String,
        /// Its level.
        level: u32,
        /// What is wrong.
        why: String,
    },
    /// The parent unit or the table's unit is not defined (yet).
    #[error("{child} refers to unit {unit:?}, which is not defined: define units before what they contain")]
    UnknownUnit {
        /// The referring unit or table, described.
        child: String,
        /// The missing unit id.
        unit: String,
    },
    /// A table hangs off a unit that is not at the last unit level.
    #[error(
        "table {table:?} belongs to unit {unit:?} at level {level:?}, but tables must belong to {expected:?} units"
    )]
    TableLevel {
        /// Table id.
        table: String,
        /// Unit id.
        unit: String,
        /// That unit's level name.
        level: String,
        /// The level tables must hang from.
        expected: String,
    },
    /// More than 2³²−1 units or tables.
    #[error("too many units or tables (limit 4294967294)")]
    TooMany,
    /// A declaration of totals that cannot be used.
    #[error("declared totals for unit {unit:?}: {why}")]
    BadDeclared {
        /// The unit id.
        unit: String,
        /// What is wrong.
        why: &'static str,
    },
}

/// The hierarchy of units and tables of one election, with indexes for lookup
/// by id, ancestors of a table and children of a unit.
#[derive(Clone, Debug, Default)]
pub struct Geography {
    levels: Vec<String>,
    unit_ids: StrIndex,
    unit_names: Vec<Box<str>>,
    unit_parent: Vec<Option<u32>>,
    unit_level: Vec<u8>,
    unit_children: Vec<Vec<u32>>,
    unit_tables: Vec<Vec<u32>>,
    table_ids: StrIndex,
    table_unit: Vec<u32>,
    table_registered: Vec<Option<u64>>,
    /// Declared totals by unit position (few units have them).
    unit_declared: std::collections::HashMap<u32, Declared>,
}

impl Geography {
    /// An empty geography for these levels (the last is the table level).
    pub fn new(levels: Vec<String>) -> Self {
        Geography { levels, ..Default::default() }
    }

    /// The level names, top down, the last being tables.
    pub fn levels(&self) -> &[String] {
        &self.levels
    }

    /// Number of unit levels (all but the table level).
    pub fn unit_levels(&self) -> usize {
        self.levels.len().saturating_sub(1)
    }

    /// Number of units.
    pub fn unit_count(&self) -> usize {
        self.unit_ids.len()
    }

    /// Number of tables.
    pub fn table_count(&self) -> usize {
        self.table_ids.len()
    }

    /// Makes room for about `tables` more tables with ids of about
    /// `id_bytes` bytes, so loading a large file does not repeatedly regrow.
    pub fn reserve_tables(&mut self, tables: usize, id_bytes: usize) {
        self.table_ids.reserve(tables, id_bytes);
        self.table_unit.reserve(tables);
        self.table_registered.reserve(tables);
    }

    /// Adds a unit; its parent must already be present, one level up.
    pub fn add_unit(&mut self, unit: &Unit) -> Result<UnitIx, GeoError> {
        let parent = self.check_unit(unit, |id| self.find_unit(id).map(|u| self.unit_level[u.get()] as u32))?;
        let parent = parent.and_then(|p| self.find_unit(p)).map(|p| p.0);
        let idx = self.unit_ids.insert(&unit.id).map_err(|e| match e {
            u32::MAX => GeoError::TooMany,
            _ => GeoError::DuplicateUnit(unit.id.clone()),
        })?;
        self.unit_names.push(unit.name.as_str().into());
        self.unit_parent.push(parent);
        // check_unit bounded the level by MAX_LEVELS-sized `levels`.
        self.unit_level.push(unit.level as u8);
        self.unit_children.push(Vec::new());
        self.unit_tables.push(Vec::new());
        if let Some(p) = parent {
            self.unit_children[p as usize].push(idx);
        }
        Ok(UnitIx(idx))
    }

    /// Checks a unit against the level rules, resolving the parent's level with
    /// `parent_level`; returns the parent id. Shared by [`Self::add_unit`] and
    /// [`Self::check_chunk`] so both enforce the same rules.
    fn check_unit<'u>(
        &self,
        unit: &'u Unit,
        parent_level: impl Fn(&str) -> Option<u32>,
    ) -> Result<Option<&'u str>, GeoError> {
        if let Some(why) = id_problem(&unit.id) {
            return Err(GeoError::Invalid { what: "unit id", id: unit.id.clone(), why });
        }
        if let Some(why) = name_problem(&unit.name) {
            return Err(GeoError::Invalid { what: "unit name", id: unit.name.clone(), why });
        }
        if (unit.level as usize) >= self.unit_levels() || unit.level > u8::MAX as u32 {
            return Err(GeoError::BadLevel {
                unit: unit.id.clone(),
                level: unit.level,
                max: self.unit_levels(),
                table_level: self.levels.last().cloned().unwrap_or_default(),
            });
        }
        match (&unit.parent, unit.level) {
            (None, 0) => Ok(None),
            (Some(_), 0) => Err(GeoError::BadParent {
                unit: unit.id.clone(),
                level: 0,
                why: "is top-level and must not have a parent".into(),
            }),
            (None, level) => {
                Err(GeoError::BadParent { unit: unit.id.clone(), level, why: "needs a parent one level up".into() })
            }
            (Some(p), level) => match parent_level(p) {
                None => Err(GeoError::UnknownUnit { child: format!("unit {:?}", unit.id), unit: p.clone() }),
                Some(pl) if pl + 1 != level => Err(GeoError::BadParent {
                    unit: unit.id.clone(),
                    level,
                    why: format!("has parent {p:?} at level {pl}; the parent must be at level {}", level - 1),
                }),
                Some(_) => Ok(Some(p.as_str())),
            },
        }
    }

    /// Adds a table under `unit`, which must be at the last unit level.
    pub fn add_table(&mut self, id: &str, unit: UnitIx, registered: Option<u64>) -> Result<TableIx, GeoError> {
        if let Some(why) = id_problem(id) {
            return Err(GeoError::Invalid { what: "table id", id: id.to_string(), why });
        }
        self.check_table_unit(id, unit)?;
        let idx = self.table_ids.insert(id).map_err(|e| match e {
            u32::MAX => GeoError::TooMany,
            _ => GeoError::DuplicateTable(id.to_string()),
        })?;
        self.table_unit.push(unit.0);
        self.table_registered.push(registered);
        self.unit_tables[unit.get()].push(idx);
        Ok(TableIx(idx))
    }

    fn check_table_unit(&self, table: &str, unit: UnitIx) -> Result<(), GeoError> {
        let level = self.unit_level[unit.get()] as usize;
        if level + 1 != self.unit_levels() {
            return Err(GeoError::TableLevel {
                table: table.to_string(),
                unit: self.unit_id(unit).to_string(),
                level: self.levels[level].clone(),
                expected: self.levels[self.unit_levels() - 1].clone(),
            });
        }
        Ok(())
    }

    /// Adds a table given in its serialised form (unit by id).
    pub fn insert_table(&mut self, table: &Table) -> Result<TableIx, GeoError> {
        let unit = self.find_unit(&table.unit).ok_or_else(|| GeoError::UnknownUnit {
            child: format!("table {:?}", table.id),
            unit: table.unit.clone(),
        })?;
        self.add_table(&table.id, unit, table.registered)
    }

    /// Checks that a batch of units then tables could be added, in order,
    /// without changing anything; [`Self::add_chunk`] then cannot fail.
    pub fn check_chunk(&self, units: &[Unit], tables: &[Table]) -> Result<(), GeoError> {
        let mut new_units: std::collections::HashMap<&str, u32> = std::collections::HashMap::new();
        for unit in units {
            self.check_unit(unit, |id| {
                self.find_unit(id).map(|u| self.unit_level[u.get()] as u32).or_else(|| new_units.get(id).copied())
            })?;
            if self.find_unit(&unit.id).is_some() || new_units.insert(&unit.id, unit.level).is_some() {
                return Err(GeoError::DuplicateUnit(unit.id.clone()));
            }
        }
        if self.unit_count() + new_units.len() >= u32::MAX as usize {
            return Err(GeoError::TooMany);
        }
        let mut new_tables: std::collections::HashSet<&str> = std::collections::HashSet::new();
        for table in tables {
            if let Some(why) = id_problem(&table.id) {
                return Err(GeoError::Invalid { what: "table id", id: table.id.clone(), why });
            }
            let level = match self.find_unit(&table.unit) {
                Some(u) => self.unit_level[u.get()] as u32,
                None => *new_units.get(table.unit.as_str()).ok_or_else(|| GeoError::UnknownUnit {
                    child: format!("table {:?}", table.id),
                    unit: table.unit.clone(),
                })?,
            };
            if level as usize + 1 != self.unit_levels() {
                return Err(GeoError::TableLevel {
                    table: table.id.clone(),
                    unit: table.unit.clone(),
                    level: self.levels[level as usize].clone(),
                    expected: self.levels[self.unit_levels() - 1].clone(),
                });
            }
            if self.find_table(&table.id).is_some() || !new_tables.insert(&table.id) {
                return Err(GeoError::DuplicateTable(table.id.clone()));
            }
        }
        if self.table_count() + new_tables.len() >= u32::MAX as usize {
            return Err(GeoError::TooMany);
        }
        Ok(())
    }

    /// Checks then adds a batch of units then tables; on error nothing changes.
    pub fn add_chunk(&mut self, units: &[Unit], tables: &[Table]) -> Result<(), GeoError> {
        self.check_chunk(units, tables)?;
        for u in units {
            self.add_unit(u)?;
        }
        for t in tables {
            self.insert_table(t)?;
        }
        Ok(())
    }

    /// Checks declarations of totals, for units already present or among
    /// `new_units` (the units of the same entry): each names a unit, declares
    /// at least one total, and names its source.
    pub fn check_declared(&self, declared: &[Declared], new_units: &[Unit]) -> Result<(), GeoError> {
        let mut seen = std::collections::HashSet::new();
        for d in declared {
            let bad = |why| GeoError::BadDeclared { unit: d.unit.clone(), why };
            if self.find_unit(&d.unit).is_none() && !new_units.iter().any(|u| u.id == d.unit) {
                return Err(bad("no such unit: add it first (or in the same entry)"));
            }
            if d.tables.is_none() && d.registered.is_none() {
                return Err(bad("declares neither tables nor registered voters"));
            }
            if name_problem(&d.source).is_some() {
                return Err(bad("its source must be named (non-empty, no control characters)"));
            }
            if !seen.insert(d.unit.as_str()) {
                return Err(bad("declared twice in one entry"));
            }
        }
        Ok(())
    }

    /// Records declarations checked by [`Self::check_declared`] (units must
    /// be present by now); a unit's later declaration replaces its earlier one.
    pub fn set_declared(&mut self, declared: &[Declared]) {
        for d in declared {
            if let Some(u) = self.find_unit(&d.unit) {
                self.unit_declared.insert(u.0, d.clone());
            }
        }
    }

    /// The totals declared for a unit, if any.
    pub fn declared(&self, u: UnitIx) -> Option<&Declared> {
        self.unit_declared.get(&u.0)
    }

    /// Every declaration in force, in unit order.
    pub fn declarations(&self) -> Vec<&Declared> {
        let mut out: Vec<(&u32, &Declared)> = self.unit_declared.iter().collect();
        out.sort_by_key(|(u, _)| **u);
        out.into_iter().map(|(_, d)| d).collect()
    }

    /// The unit at dense position `i` (as [`UnitIx::get`] gives), if there is one.
    pub fn unit_at(&self, i: usize) -> Option<UnitIx> {
        (i < self.unit_count()).then_some(UnitIx(i as u32))
    }

    /// The table at dense position `i` (as [`TableIx::get`] gives), if there is one.
    pub fn table_at(&self, i: usize) -> Option<TableIx> {
        (i < self.table_count()).then_some(TableIx(i as u32))
    }

    /// Looks a unit up by id.
    pub fn find_unit(&self, id: &str) -> Option<UnitIx> {
        self.unit_ids.find(id).map(UnitIx)
    }

    /// Looks a table up by id.
    pub fn find_table(&self, id: &str) -> Option<TableIx> {
        self.table_ids.find(id).map(TableIx)
    }

    /// A unit's id.
    pub fn unit_id(&self, u: UnitIx) -> &str {
        self.unit_ids.get(u.0)
    }

    /// A unit's name.
    pub fn unit_name(&self, u: UnitIx) -> &str {
        &self.unit_names[u.get()]
    }

    /// A unit's level index.
    pub fn unit_level(&self, u: UnitIx) -> usize {
        self.unit_level[u.get()] as usize
    }

    /// A unit's parent.
    pub fn unit_parent(&self, u: UnitIx) -> Option<UnitIx> {
        self.unit_parent[u.get()].map(UnitIx)
    }

    /// The units directly below a unit.
    pub fn unit_children(&self, u: UnitIx) -> impl ExactSizeIterator<Item = UnitIx> + '_ {
        self.unit_children[u.get()].iter().map(|&i| UnitIx(i))
    }

    /// The tables directly below a unit (only units at the last unit level have any).
    pub fn unit_tables(&self, u: UnitIx) -> impl ExactSizeIterator<Item = TableIx> + '_ {
        self.unit_tables[u.get()].iter().map(|&i| TableIx(i))
    }

    /// A table's id.
    pub fn table_id(&self, t: TableIx) -> &str {
        self.table_ids.get(t.0)
    }

    /// The unit a table belongs to.
    pub fn table_unit(&self, t: TableIx) -> UnitIx {
        UnitIx(self.table_unit[t.get()])
    }

    /// A table's registered voters, when known.
    pub fn table_registered(&self, t: TableIx) -> Option<u64> {
        self.table_registered[t.get()]
    }

    /// The units above a table, from its own unit up to the top level.
    pub fn ancestors(&self, t: TableIx) -> impl Iterator<Item = UnitIx> + '_ {
        std::iter::successors(Some(self.table_unit(t)), |&u| self.unit_parent(u))
    }

    /// Whether the table lies anywhere under unit `u`.
    pub fn is_under(&self, t: TableIx, u: UnitIx) -> bool {
        self.ancestors(t).any(|a| a == u)
    }

    /// All units, parents before children.
    pub fn units(&self) -> impl ExactSizeIterator<Item = UnitIx> {
        (0..self.unit_count() as u32).map(UnitIx)
    }

    /// All tables, in insertion order.
    pub fn tables(&self) -> impl ExactSizeIterator<Item = TableIx> {
        (0..self.table_count() as u32).map(TableIx)
    }

    /// A unit in its serialised form.
    pub fn unit(&self, u: UnitIx) -> Unit {
        Unit {
            id: self.unit_id(u).to_string(),
            parent: self.unit_parent(u).map(|p| self.unit_id(p).to_string()),
            level: self.unit_level[u.get()] as u32,
            name: self.unit_name(u).to_string(),
        }
    }

    /// A table in its serialised form.
    pub fn table(&self, t: TableIx) -> Table {
        Table {
            id: self.table_id(t).to_string(),
            unit: self.unit_id(self.table_unit(t)).to_string(),
            registered: self.table_registered(t),
        }
    }

    /// Sum of the registered voters of the tables that declare it.
    pub fn registered_total(&self) -> u64 {
        self.table_registered.iter().flatten().fold(0u64, |a, &r| a.saturating_add(r))
    }

    /// Approximate heap bytes used, for capacity planning.
    pub fn heap_bytes(&self) -> usize {
        self.unit_ids.heap_bytes()
            + self.table_ids.heap_bytes()
            + self.table_unit.capacity() * 4
            + self.table_registered.capacity() * std::mem::size_of::<Option<u64>>()
            + self.unit_tables.iter().map(|v| v.capacity() * 4 + 24).sum::<usize>()
            + self.unit_children.iter().map(|v| v.capacity() * 4 + 24).sum::<usize>()
            + self.unit_names.iter().map(|n| n.len() + 16).sum::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(id: &str, parent: Option<&str>, level: u32) -> Unit {
        Unit { id: id.into(), parent: parent.map(Into::into), level, name: format!("Unit {id}") }
    }

    fn geo() -> Geography {
        Geography::new(vec!["state".into(), "municipality".into(), "table".into()])
    }

    #[test]
    fn builds_and_navigates() {
        let mut g = geo();
        let s = g.add_unit(&unit("01", None, 0)).unwrap();
        let m = g.add_unit(&unit("01.01", Some("01"), 1)).unwrap();
        let t = g.add_table("T1", m, Some(300)).unwrap();
        assert_eq!(g.find_table("T1"), Some(t));
        assert_eq!(g.ancestors(t).collect::<Vec<_>>(), vec![m, s]);
        assert!(g.is_under(t, s));
        assert_eq!(g.unit_children(s).collect::<Vec<_>>(), vec![m]);
        assert_eq!(g.unit_tables(m).collect::<Vec<_>>(), vec![t]);
        assert_eq!(g.table(t), Table { id: "T1".into(), unit: "01.01".into(), registered: Some(300) });
        assert_eq!(g.registered_total(), 300);
    }

    #[test]
    fn rejects_bad_structure() {
        let mut g = geo();
        let s = g.add_unit(&unit("01", None, 0)).unwrap();
        assert!(matches!(g.add_unit(&unit("01", None, 0)), Err(GeoError::DuplicateUnit(_))));
        assert!(matches!(g.add_unit(&unit("x", None, 1)), Err(GeoError::BadParent { .. })));
        assert!(matches!(g.add_unit(&unit("x", Some("01"), 0)), Err(GeoError::BadParent { .. })));
        assert!(matches!(g.add_unit(&unit("x", Some("nope"), 1)), Err(GeoError::UnknownUnit { .. })));
        assert!(matches!(g.add_unit(&unit("x", None, 2)), Err(GeoError::BadLevel { .. })));
        assert!(matches!(g.add_table("T", s, None), Err(GeoError::TableLevel { .. })));
        let m = g.add_unit(&unit("m", Some("01"), 1)).unwrap();
        assert!(matches!(g.add_unit(&unit("y", Some("m"), 1)), Err(GeoError::BadParent { .. })));
        g.add_table("T", m, None).unwrap();
        assert!(matches!(g.add_table("T", m, None), Err(GeoError::DuplicateTable(_))));
        assert!(matches!(g.add_table("T x", m, None), Err(GeoError::Invalid { .. })));
    }

    #[test]
    fn chunk_is_all_or_nothing() {
        let mut g = geo();
        let units = vec![unit("01", None, 0), unit("01.01", Some("01"), 1)];
        let tables = vec![
            Table { id: "A".into(), unit: "01.01".into(), registered: None },
            Table { id: "A".into(), unit: "01.01".into(), registered: None },
        ];
        assert!(matches!(g.add_chunk(&units, &tables), Err(GeoError::DuplicateTable(_))));
        assert_eq!((g.unit_count(), g.table_count()), (0, 0));
        g.add_chunk(&units, &tables[..1]).unwrap();
        assert_eq!((g.unit_count(), g.table_count()), (2, 1));
    }
}
