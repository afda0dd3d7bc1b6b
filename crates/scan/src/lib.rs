//! Reading tally-sheet QR codes from photos, and inspecting QR payloads.
//!
//! - [`photo`]: every QR code in a JPEG or PNG photo (rqrr, with
//!   preprocessing passes for tilt, blur, noise, shadows and scale).
//! - [`inspect()`]: a photo or payload text in, an [`InspectReport`] out —
//!   the detected format (Venezuelan acta or Brazilian BU), the table, the
//!   counts, the BU's hash-chain and signature status. This is what
//!   `testigo qr inspect` prints and what intake uses to cross-check a
//!   sheet's QR with its typed counts.
//! - [`keyspec`]: BU verification keys from command-line arguments.
//! - [`corpus`]: deterministic synthetic sheet photos for tests and the
//!   decode-rate benchmark (`examples/decoderate.rs`).
//!
//! Unlike `testigo-formats`, this crate decodes images and may read key
//! files, so it is kept apart from the pure parsers.

pub mod corpus;
pub mod inspect;
pub mod keyspec;
pub mod photo;

pub use inspect::{
    inspect, inspect_payloads, inspect_photo, photo_codes, BrazilResult, CandidateVotes, CardVotes, ChainReport,
    Counts, InspectOptions, InspectReport, OfficeCounts, PartsReport, QrFormat, SignatureReport, Source,
};
pub use keyspec::{add_key_arg, parse_key_arg, KeyArg, KeyArgError};
pub use photo::{
    decode_photo, load_photo, photo_dimensions, scan_gray, scan_gray_with, sniff_image, DecodedCode, Effort, Engine,
    PhotoError, PhotoFormat, PhotoScan,
};
