//! Brazil's signed QR codes on the "boletim de urna" (BU), the tally sheet
//! each voting machine prints at close of poll (format notes:
//! `docs/brazil-bu-qr.md` in the shared folder, after TSE's reader manual).
//!
//! A BU is printed as one or more QR parts `QRBU:i:n VRQR:x.y [VRCH:…]
//! content HASH:… [ASSI:…]`. Reading one goes:
//!
//! 1. [`parse_part`] each scanned code, then [`assemble`] them (any order,
//!    duplicates tolerated) — or [`parse_payload`] for both steps;
//! 2. [`Payload::verify`] rebuilds the SHA-512 chain and checks the Ed25519
//!    signature against a [`KeySet`] of configured TSE keys;
//! 3. [`Payload::record`] maps the content to a typed [`BuRecord`].
//!
//! [`build_payload`] does the reverse, for tests and demos.
//!
//! The chain only detects accidents (missing, reordered or foreign parts);
//! authenticity comes from the signature alone, and
//! [`SignatureStatus::Verified`] is returned only when Ed25519 verification
//! of the recomputed hash succeeded with a configured key.

mod assemble;
mod build;
mod chain;
mod content;
mod keys;
mod part;
mod record;
mod verify;

pub use assemble::{assemble, parse_payload, AssembleError, BuError, Payload};
pub use build::{build_payload, BuildError, BuildOptions, MAX_PART_LEN};
pub use chain::{chain_hashes, ChainStatus};
pub use content::{BuContent, Entry};
pub use keys::{key_file_name, parse_pin_hex, KeyError, KeySet, Phase};
pub use part::{parse_part, BuPart, PartError, QR_ALPHABET};
pub use record::{BuHeader, BuRecord, ContentError, Office, PartyVotes};
pub use verify::{SignatureStatus, Verification, SUPPORTED_VERSION};

/// Keys that structure a part (header and security section) and so cannot
/// appear as content.
pub(crate) const RESERVED_KEYS: [&str; 5] = ["QRBU", "VRQR", "VRCH", "HASH", "ASSI"];
