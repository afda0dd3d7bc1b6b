//! Published election datasets, turned into what a testigo log records: an
//! election definition, its geography and one sheet per published row.
//!
//! Pure like the crates below it: callers pass bytes and keys' verifier
//! lines; nothing here reads files or clocks. The CLI's `import` and `demo`
//! commands sign and log what this crate builds.
//!
//! - [`venezuela`]: the 2024 presidential election, from the opposition's
//!   `RESULTADOS_2024_CSV_V1/V2.csv` (shipped in `data/venezuela-2024/`).
//! - [`general`]: testigo's own layouts for any source of sheets
//!   (`testigo-csv`, `testigo-jsonl`, `venezuela-acta-qr`), where a figure
//!   may be not reported, and [`general::check`], which compares a file with
//!   what the log holds of it.
//! - [`geography`]: units, tables and declared totals added after `init`,
//!   read from CSV (`testigo geography add` / `declare`).

pub mod general;
pub mod geography;
pub mod venezuela;
