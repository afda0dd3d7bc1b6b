//! Growing an election's geography after `init`: units and tables found
//! later (a source that names tables the first list missed), and totals
//! declared per unit by an outside source (an official gazette's count of
//! tables and registered voters), which give coverage a real denominator.
//!
//! Both become operator-signed `geography` entries; this module only works
//! out what to log.

use testigo_election::{Declared, Geography, GeographyChunk};

/// What a `tables.csv` (the layout `init` reads) adds to `current`: the
/// units and tables it lists that `current` lacks, as entries to log.
/// Units and tables already present must be listed as they are (same
/// parent, level and name; same unit and registered voters): a geography
/// entry adds, it never changes what is logged.
pub fn additions(current: &Geography, file: &Geography) -> Result<Vec<GeographyChunk>, String> {
    let mut new_units = Vec::new();
    for u in file.units() {
        let unit = file.unit(u);
        match current.find_unit(&unit.id) {
            Some(c) => {
                let logged = current.unit(c);
                if logged != unit {
                    return Err(format!(
                        "unit {:?} is already in the geography as {:?} (parent {:?}, level {}), but the file has \
                         {:?} (parent {:?}, level {}): geography entries add units, they never change one",
                        unit.id, logged.name, logged.parent, logged.level, unit.name, unit.parent, unit.level
                    ));
                }
            }
            None => new_units.push(unit),
        }
    }
    let mut new_tables = Vec::new();
    for t in file.tables() {
        let table = file.table(t);
        match current.find_table(&table.id) {
            Some(c) => {
                let logged = current.table(c);
                if logged != table {
                    return Err(format!(
                        "table {:?} is already in the geography (unit {:?}, registered {:?}), but the file has unit \
                         {:?}, registered {:?}: geography entries add tables, they never change one",
                        table.id, logged.unit, logged.registered, table.unit, table.registered
                    ));
                }
            }
            None => new_tables.push(table),
        }
    }
    // Check the additions against the current geography as the registry
    // will, so a mistake is reported before anything is signed.
    current.check_chunk(&new_units, &new_tables).map_err(|e| e.to_string())?;
    // Their parents may be logged already, so the chunks are built from the
    // lists directly, units first.
    let mut chunk = GeographyChunk { units: new_units, tables: new_tables, declared: Vec::new() };
    Ok(split(&mut chunk))
}

/// Splits one chunk into chunks within the entry size budget, units first.
fn split(chunk: &mut GeographyChunk) -> Vec<GeographyChunk> {
    // Items are small (ids, names): 400 per entry stays far below the
    // 60,000-byte budget even with 128-byte ids and long names.
    const PER_ENTRY: usize = 400;
    let mut out = Vec::new();
    for units in std::mem::take(&mut chunk.units).chunks(PER_ENTRY) {
        out.push(GeographyChunk { units: units.to_vec(), ..GeographyChunk::default() });
    }
    for tables in std::mem::take(&mut chunk.tables).chunks(PER_ENTRY) {
        out.push(GeographyChunk { tables: tables.to_vec(), ..GeographyChunk::default() });
    }
    for declared in std::mem::take(&mut chunk.declared).chunks(PER_ENTRY) {
        out.push(GeographyChunk { declared: declared.to_vec(), ..GeographyChunk::default() });
    }
    out
}

/// Reads declared totals from CSV with the header `unit,tables,registered,source`
/// (`tables` or `registered` may be empty, not both; `source` is required
/// unless `default_source` is given) and checks them against `current`;
/// returns the entries to log. `file_name` is for messages.
pub fn declarations(
    current: &Geography,
    csv_text: &str,
    file_name: &str,
    default_source: Option<&str>,
) -> Result<Vec<GeographyChunk>, String> {
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(csv_text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| format!("{file_name}: cannot read the header: {e}"))?
        .iter()
        .map(str::to_string)
        .collect();
    let col = |name: &str| header.iter().position(|h| h == name);
    let Some(unit_col) = col("unit") else {
        return Err(format!("{file_name}: the header needs a `unit` column (unit,tables,registered,source)"));
    };
    for h in &header {
        if !["unit", "tables", "registered", "source"].contains(&h.as_str()) {
            return Err(format!("{file_name}: unknown column {h:?}: the columns are unit, tables, registered, source"));
        }
    }
    let mut declared = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| format!("{file_name}: {e}"))?;
        let line = record.position().map_or(0, |p| p.line());
        let at = |why: String| format!("{file_name} line {line}: {why}");
        let cell = |name: &str| col(name).and_then(|c| record.get(c)).filter(|v| !v.is_empty());
        let number = |name: &str| -> Result<Option<u64>, String> {
            cell(name)
                .map(|v| v.parse::<u64>().map_err(|_| at(format!("{name} {v:?} is not a whole number"))))
                .transpose()
        };
        let source = cell("source")
            .or(default_source)
            .ok_or_else(|| at("no source: say where the figures come from (a `source` column, or --source)".into()))?;
        declared.push(Declared {
            unit: record.get(unit_col).unwrap_or_default().to_string(),
            tables: number("tables")?,
            registered: number("registered")?,
            source: source.to_string(),
        });
    }
    if declared.is_empty() {
        return Err(format!("{file_name}: no rows: nothing to declare"));
    }
    current.check_declared(&declared, &[]).map_err(|e| e.to_string())?;
    Ok(split(&mut GeographyChunk { declared, ..GeographyChunk::default() }))
}
