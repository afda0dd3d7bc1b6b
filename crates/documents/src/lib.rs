//! Tally-sheet document formats as the election rules see them.
//!
//! `testigo-formats` parses the bytes of a real document (the Venezuelan acta QR,
//! Brazil's signed BU QR); this crate turns a parsed document into what the
//! election rules need: which format a scanned payload is, the counts it carries
//! for a contest, and the state of its signature. The node, `testigo verify`,
//! `testigo tally` and every other replay of the log use the same decoders, so
//! they derive the same `qr_mismatch`/`qr_unreadable` flags.

pub mod sheet_qr;

pub use sheet_qr::*;
