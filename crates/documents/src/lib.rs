//! Tally-sheet document formats as the election rules and the tools see them.
//!
//! `testigo-formats` parses the bytes of a real document (the Venezuelan acta
//! QR, Brazil's signed BU QR); this crate turns a parsed document into what
//! the election rules and the tools need: which format a scanned code is,
//! how a photo's codes group into payloads, the counts a payload carries for
//! a contest, the state of its signature, the keys it trusts, and what
//! `testigo qr inspect` reports of it. The node, `testigo verify`, `testigo
//! tally` and every other replay of the log use the same formats, so they
//! derive the same `qr_mismatch`/`qr_unreadable` flags.
//!
//! - [`DocumentFormat`]: one tally-sheet format, everything about it in one
//!   place. Implemented by [`VenezuelaActaQr`] and [`BrazilBuQr`].
//! - [`formats()`] / [`Formats`]: the registry of formats, in order; the
//!   only sniffer ([`Formats::detect`]) and the dispatch.
//! - [`SheetQr`]: the election rules' [`testigo_election::QrDecoder`],
//!   dispatching through a [`Formats`].
//! - [`inspect()`]: a photo or payload text in, an [`InspectReport`] out
//!   (what `testigo qr inspect` prints and intake reads); photos are read by
//!   `testigo-scan`, which knows pixels and QR codes but no format.
//! - [`photo_codes`]: a photo's code texts as a server logs them.
//!
//! # How to add a document format
//!
//! 1. Parse the bytes in `testigo-formats` (a module with a `parse` and its
//!    errors; no election rules there), with a fuzz target if the input is
//!    untrusted.
//! 2. In this crate, add a module with a type implementing
//!    [`DocumentFormat`] (`#[derive(Clone, Debug)]`; see `venezuela.rs` for
//!    an unsigned one-code format and `brazil.rs` for a signed multi-code
//!    one):
//!    - a `static` [`FormatInfo`] with its stable `name` (recorded in the
//!      log and in `trust` entries: never change it once released), its
//!      `report_name` for `testigo qr inspect`'s JSON and the words used in
//!      messages;
//!    - [`DocumentFormat::detects`]: strict and cheap, and not overlapping
//!      the other formats' (a code goes to the first format that detects
//!      it);
//!    - [`DocumentFormat::payloads_from_codes`] if a sheet prints several
//!      codes that form one document;
//!    - [`DocumentFormat::read`]: the counts for a contest and the
//!      signature state, depending only on the payload, the election and
//!      the trusted keys (replays must agree);
//!    - [`DocumentFormat::accepts_keys`] and [`DocumentFormat::trust`] if
//!      the format is signed;
//!    - [`DocumentFormat::inspect`]: the report of its codes, with a
//!      `Serialize` struct of its own for the counts.
//! 3. Add one line to the list in [`formats()`]. Detection, the rules'
//!    flags, trust entries, `testigo qr inspect` and intake pick it up; the
//!    test `a_new_format_needs_only_the_registry` (`tests/suite/formats.rs`) shows
//!    a toy format doing so.
//!
//! Nothing else changes: `testigo-scan`, the CLI and the server name no
//! format.

pub mod brazil;
pub mod format;
pub mod inspect;
pub mod sheet_qr;
pub mod venezuela;

pub use inspect::{
    inspect, inspect_payloads, inspect_photo, photo_codes, ChainReport, InspectCounts, InspectReport, Inspection,
    PartsReport, SignatureReport, Source,
};
pub use sheet_qr::*;
