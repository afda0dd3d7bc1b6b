//! Parsers for published election tally sheets.
//!
//! This crate turns documents that other people publish — CSV dumps, QR
//! payloads printed on tally sheets — into typed values. It is pure: callers
//! hand it bytes or text, it never touches the network or the file system,
//! and it never panics on malformed input (every problem is an error value
//! that says where it is and what to do next).
//!
//! - [`venezuela_csv`]: the opposition's per-table results of Venezuela's
//!   2024 presidential election (`RESULTADOS_2024_CSV_V1/V2.csv`).
//! - [`venezuela_qr`]: the QR payload printed on a Venezuelan acta.
//! - [`venezuela_ballot`] and [`venezuela_cne`]: reference data for 2024
//!   (candidates, ballot cards, the CNE's announced figures).
//! - [`brazil_bu`]: Brazil's signed "boletim de urna" QR codes (hash chain,
//!   Ed25519 signature, structured content) and a builder for test payloads.
//! - [`text`] and [`gz`]: decoding helpers shared by the parsers and the CLI.
//!
//! What the data *means* (is a sheet plausible, do totals add up) is left to
//! the election layer: these parsers only reject what cannot be read.

pub mod brazil_bu;
pub mod gz;
pub mod text;
pub mod venezuela_ballot;
pub mod venezuela_cne;
pub mod venezuela_csv;
pub mod venezuela_qr;

pub use gz::{decompress_gz, decompress_gz_limited, GzError, DEFAULT_GZ_LIMIT};
pub use text::{decode_text, TextEncoding, TextError};
pub use venezuela_ballot::{
    venezuela_2024_candidates, venezuela_2024_card_to_candidate, venezuela_2024_cards, BallotCard, Candidate,
    VENEZUELA_2024_CARD_COUNT,
};
