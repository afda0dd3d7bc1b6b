//! The election side of testigo: what an election is, how its log entries
//! are encoded, and which entries count.
//!
//! A testigo log is an append-only C2SP transparency log of signed notes:
//! entry 0 defines the election (self-signed by the operator key), operator
//! entries add the geography, enrol or revoke keys and name the keys that
//! sign QR documents (`trust`), and enrolled keys
//! submit tally sheets. Tallies are a pure replay of the log through a
//! [`Registry`].
//!
//! This crate is pure: no files, network or clock. Callers pass text, bytes
//! and times.
//!
//! - [`model`]: [`ElectionDef`], contests, candidates, ballot cards.
//! - [`geography`]: units and tables, indexed for a million tables.
//! - [`load`]: the TOML election file and the tables CSV.
//! - [`entry`] and [`chunk`]: the canonical `testigo/v1` entry encoding.
//! - [`registry`]: replay and pre-log checks; [`codes`]: rejections and flags.
//! - [`validate`]: the figure rules; [`qr`]: the QR decoder hook;
//!   [`photo`]: sheet photo checks; [`enrolment`]: enrolled keys.
//! - [`request`]: enrolment requests, signed like entries but never logged.

pub mod chunk;
pub mod codes;
pub mod enrolment;
pub mod entry;
pub mod geography;
mod ids;
pub mod load;
pub mod model;
pub mod photo;
pub mod qr;
pub mod registry;
pub mod request;
pub mod validate;

pub use chunk::{geography_chunks, GeographyChunk, CHUNK_JSON_BUDGET};
pub use codes::{Flag, FlagSet, Rejection, FLAG_CODES, REJECTION_CODES};
pub use enrolment::{Enrolment, Revocation};
pub use entry::{
    decode, encode_signed, AuditCount, AuditSeed, Bulletin, BulletinCount, Dataset, Enrol, Entry, EntryError,
    ImportManifest, Kind, PhotoReading, Revoke, Role, Sheet, Source, Trust, TrustedKey, FORMAT, MAX_ENTRY_BYTES,
};
pub use geography::{Declared, GeoError, Geography, Table, TableIx, Unit, UnitIx};
pub use ids::MAX_ID_BYTES;
pub use load::{load_ballot, load_election, load_election_for_operator, load_tables_csv, LoadError};
pub use model::{BallotCard, Candidate, Contest, ElectionDef, Locus, ModelError, DEFAULT_MAX_TABLE_VOTERS};
pub use photo::{check_photo, PhotoKind};
pub use qr::{check_payloads, check_payloads_reading, QrCheck, QrCounts, QrDecoder, QrOutcome, QrReading, QrSignature};
pub use registry::{
    Applied, KeysAhead, LoggedAudit, LoggedAuditCount, LoggedBulletin, LoggedImport, LoggedTrust, Prepared, Registry,
    SheetCounts, SheetView, AUDIT_METHODS, MAX_READING_CODES, MAX_TRUST_KEYS,
};
pub use request::{decode_request, encode_request, EnrolRequest, RequestError, MAX_REQUEST_BYTES, REQUEST_KIND};
pub use validate::{count_bound, MAX_CLOCK_SKEW_SECS, MAX_SIGNED_AGE_SECS};
