//! Log entries and their canonical, versioned encoding.
//!
//! Every entry is a C2SP signed note whose text is exactly two lines:
//!
//! ```text
//! testigo/v1 <kind>
//! <canonical JSON>
//! ```
//!
//! followed by the blank line and exactly one signature line. Canonical JSON
//! is serde_json's compact output of the typed struct: fields in declaration
//! order, absent optional fields omitted, maps sorted by key, non-negative
//! integers only (no floats anywhere). Decoding re-encodes and compares byte
//! for byte, so one value has exactly one encoding: identical sheets yield
//! identical entries, and nothing can be smuggled in spacing, field order,
//! escapes or unknown fields.

use crate::chunk::GeographyChunk;
use crate::model::ElectionDef;
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use std::collections::BTreeMap;
use testigo_note::{NoteError, SignedNote, Signer};

/// The format line prefix; a future incompatible encoding gets a new version.
pub const FORMAT: &str = "testigo/v1";

/// The largest entry the log accepts, in bytes (signature included).
pub const MAX_ENTRY_BYTES: usize = 65_535;

/// What an enrolled key is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A citizen witness at a table: submits `witness` sheets.
    Witness,
    /// A party's agent at a table: submits `party_agent` sheets.
    PartyAgent,
    /// A system importing published data: submits `bulk_import` and `official` sheets.
    Importer,
    /// A publisher of the authority's official figures: submits `official` sheets.
    Publisher,
    /// Watches only: may not submit sheets.
    Observer,
    /// A member of an audit board: signs `audit` entries (hand counts of
    /// tables drawn for a risk-limiting audit), never sheets.
    Auditor,
}

impl Role {
    /// The snake_case name, as encoded.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Witness => "witness",
            Role::PartyAgent => "party_agent",
            Role::Importer => "importer",
            Role::Publisher => "publisher",
            Role::Observer => "observer",
            Role::Auditor => "auditor",
        }
    }

    /// Whether a key with this role may sign sheets from `source`. Each person
    /// role vouches only for what it saw; importers and publishers relay data.
    pub fn may_submit(self, source: Source) -> bool {
        matches!(
            (self, source),
            (Role::Witness, Source::Witness)
                | (Role::PartyAgent, Source::PartyAgent)
                | (Role::Importer, Source::BulkImport | Source::Official)
                | (Role::Publisher, Source::Official)
        )
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a sheet's figures come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// Typed by a witness from the paper sheet.
    Witness,
    /// Typed by a party agent from their copy.
    PartyAgent,
    /// The authority's own published figures.
    Official,
    /// One row of a bulk data set (see [`Sheet::dataset`]).
    BulkImport,
}

impl Source {
    /// The snake_case name, as encoded.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Witness => "witness",
            Source::PartyAgent => "party_agent",
            Source::Official => "official",
            Source::BulkImport => "bulk_import",
        }
    }
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Operator-signed: enrols a key that may sign sheets.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Enrol {
    /// The enrolled key's verifier key line.
    pub key: String,
    /// What the key may do.
    pub role: Role,
    /// The person or system holding the key.
    pub holder: String,
    /// The organisation vouching for the holder.
    pub organisation: String,
    /// The unit the key may submit for; `None` means the whole election.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// Start of validity, unix seconds (inclusive).
    pub valid_from: u64,
    /// End of validity, unix seconds (inclusive).
    pub valid_until: u64,
}

/// Operator-signed: revokes an enrolled key from this point of the log on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Revoke {
    /// The revoked key's verifier key line.
    pub key: String,
    /// Why, for the public record.
    pub reason: String,
}

/// The provenance of a bulk-imported sheet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dataset {
    /// Name of the data set (file name or publication).
    pub name: String,
    /// SHA-256 of the data set file, 64 lowercase hex digits.
    pub sha256: String,
    /// Row of the data set this sheet comes from (for a CSV, the line in
    /// the file, the header being line 1).
    pub row: u64,
    /// Where the row itself points, as the data set gives it: the URL of the
    /// scanned sheet, an archive reference. Kept so that two sources' rows
    /// can be traced back to what each looked at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
}

/// A tally sheet (acta): one table's figures for one contest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sheet {
    /// The election id.
    pub election: String,
    /// The table id.
    pub table: String,
    /// The contest id.
    pub contest: String,
    /// Where the figures come from.
    pub source: Source,
    /// Votes per candidate id (candidates not listed count as 0, unless
    /// listed in [`Self::not_reported`]).
    pub votes: BTreeMap<String, u64>,
    /// Candidate ids whose votes the source does not report (sorted, no
    /// repeats, none of them in [`Self::votes`]). A figure not reported is
    /// never compared with another sheet's, so it creates no conflict.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_reported: Vec<String>,
    /// Valid votes, as printed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid: Option<u64>,
    /// Null (spoilt) votes; `None` when the source does not report them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub null: Option<u64>,
    /// Blank votes, where printed separately (`None`: not reported).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blank: Option<u64>,
    /// Voters who voted, as printed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voters: Option<u64>,
    /// Registered voters, as printed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registered: Option<u64>,
    /// SHA-256 of the photo of the paper sheet, 64 lowercase hex digits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub photo_sha256: Option<String>,
    /// The raw QR payload printed on the sheet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qr: Option<String>,
    /// For bulk imports: which data set and row.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dataset: Option<Dataset>,
    /// Log index of an earlier sheet (same table, contest and key) that this
    /// one corrects; the earlier one stays in the log, marked superseded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supersedes: Option<u64>,
    /// When it was signed, unix seconds.
    pub signed_at: u64,
}

/// One announced figure of a [`Bulletin`]: one candidate's votes, or several
/// candidates announced together as one number. `testigo_tally` uses this
/// same type in its bulletin files, so a figure reads the same in both.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BulletinCount {
    /// Candidate ids whose votes the figure is (one, or several combined).
    pub candidates: Vec<String>,
    /// The announced votes.
    pub votes: u64,
    /// The announced percentage as written (e.g. `"51.20"`), if any; text,
    /// since entries carry no floats.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percent: Option<String>,
}

/// Signed by an enrolled `publisher` or `importer` key: the authority's
/// announcement of totals for one contest (nationally or for one unit), as
/// published, with where it was published. Has the fields of
/// `testigo_tally::Bulletin` (the figures, as a bulletin file gives them)
/// plus `date` and `signed_at`, which only exist once a key signs it; the
/// tally converts it without loss. The field order is the log encoding: do
/// not reorder.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bulletin {
    /// The contest id.
    pub contest: String,
    /// A label, e.g. `CNE bulletin 1 (2024-07-29)`.
    pub label: String,
    /// Where it was announced (publication, URL, broadcast, document).
    pub source: String,
    /// When it was announced, as written (e.g. `2024-07-29`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// The unit id; None for the whole election.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// The announced figures.
    pub counts: Vec<BulletinCount>,
    /// Announced valid votes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid: Option<u64>,
    /// Announced null votes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub null: Option<u64>,
    /// Announced voters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voters: Option<u64>,
    /// Announced registry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registry: Option<u64>,
    /// Share of tables the announcement says it covers, percent as written (e.g. `"96.87"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tables_counted_percent: Option<String>,
    /// When it was signed (transcribed into the log), unix seconds.
    pub signed_at: u64,
}

/// Operator-signed, written by the server when it stores a sheet's photo:
/// every QR code it read in the photo. What the photo shows thus becomes part
/// of the log (flags derived from it replay identically), and anyone can
/// fetch the photo by its hash and read it again to check the server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhotoReading {
    /// SHA-256 of the photo, 64 lowercase hex digits (as in [`Sheet::photo_sha256`]).
    pub photo_sha256: String,
    /// The text of every QR code read, sorted and without repeats; empty if none was found.
    pub codes: Vec<String>,
    /// The software that read them (name and version).
    pub reader: String,
    /// When it was signed, unix seconds.
    pub signed_at: u64,
}

/// One document-signing public key that a [`Trust`] entry vouches for, in
/// structured form: the signing slot it fills and the key's bytes. The slot
/// fields are read in the terms of the entry's format; for `brazil_bu`
/// (TSE's BU signing keys, one per state, phase and key version):
/// `region` is the state (UF, two upper-case letters, `ZZ` abroad), `phase`
/// is `official` or `simulated` (TSE's `o…`/`s…qrcode.pub` files) and
/// `version` is the key version printed in the BU header (`VRCH`, yyyymmdd).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrustedKey {
    /// The region the key signs for (`brazil_bu`: the state, e.g. `SP`).
    pub region: String,
    /// The phase the key signs for (`brazil_bu`: `official` or `simulated`).
    pub phase: String,
    /// The key version, as the signed documents name it (`brazil_bu`: `VRCH`, e.g. `20240507`).
    pub version: String,
    /// The Ed25519 public key (the authority's 32-byte key file), 64 lowercase hex digits.
    pub ed25519: String,
    /// SHA-512 of the key file as the authority lists it, 128 lowercase hex
    /// digits, when the source lists one: the key is refused unless its
    /// bytes hash to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pin: Option<String>,
}

/// Operator-signed: public keys that sign documents of one QR format (the
/// electoral authority's keys for Brazilian BUs, for one), so that every
/// replay of the log checks those documents' signatures with the same keys.
/// Sheets and photo readings are checked with every key trusted before them
/// in the log; a trust entry also re-checks the earlier sheets whose
/// signature had no key until then (see [`crate::Registry`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Trust {
    /// The document format the keys sign (a QR decoder's format name, e.g. `brazil_bu`).
    pub format: String,
    /// The keys, sorted by (region, phase, version) with no slot repeated.
    pub keys: Vec<TrustedKey>,
    /// Where the keys come from, for the public record (e.g. the authority's publication and date).
    pub note: String,
    /// When it was signed, unix seconds.
    pub signed_at: u64,
}

/// Signed by an enrolled `importer` key after a bulk import: what file was
/// imported, so that anyone holding a copy can check that the logged sheets
/// are exactly its rows (`testigo import --check`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportManifest {
    /// The election id.
    pub election: String,
    /// The data set's name, as its sheets' [`Dataset::name`].
    pub name: String,
    /// SHA-256 of the file as imported (uncompressed), 64 lowercase hex
    /// digits, as its sheets' [`Dataset::sha256`].
    pub sha256: String,
    /// The layout it was read as (e.g. `testigo-csv`, `venezuela-2024`).
    pub format: String,
    /// Data rows in the file.
    pub rows: u64,
    /// Sheets logged from it (rows refused at intake are not).
    pub sheets: u64,
    /// When it was signed, unix seconds.
    pub signed_at: u64,
}

/// Operator-signed: opens a risk-limiting audit of one contest and fixes the
/// seed its sample is drawn from. The seed combines numbers nobody could
/// know before the results were fixed (dice rolled in public, `dice`) with
/// the root of a checkpoint that already holds every sheet being audited, so
/// anyone can recompute which tables were drawn (`testigo_audit`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditSeed {
    /// The contest audited.
    pub contest: String,
    /// The audit method: `batch_comparison` (tables as batches, Kaplan–Markov
    /// with draws proportional to each table's error bound), the only one in
    /// this version: an `audit` entry is the hand count of a whole table, not
    /// of one drawn ballot, so ballot polling cannot be recorded yet.
    pub method: String,
    /// The risk limit in parts per million (50,000 = 5%): entries carry no floats.
    pub risk_limit_ppm: u32,
    /// The public random input, as announced (e.g. the digits of dice rolled in public).
    pub dice: String,
    /// The size of the checkpoint whose root the seed commits to; every sheet audited is below it.
    pub checkpoint_size: u64,
    /// That checkpoint's root hash, 64 lowercase hex digits (`verify` checks it against the log).
    pub checkpoint_root: String,
    /// When it was signed, unix seconds.
    pub signed_at: u64,
}

/// Signed by an enrolled `auditor` key: the audit board's hand count of one
/// table drawn for the audit opened at log index `audit`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditCount {
    /// Log index of the `audit_seed` entry this count belongs to.
    pub audit: u64,
    /// The table counted by hand.
    pub table: String,
    /// Votes per candidate id found on the paper (candidates not listed: 0).
    pub votes: BTreeMap<String, u64>,
    /// When it was signed, unix seconds.
    pub signed_at: u64,
}

/// The kind of an entry, as written on its first line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// [`Entry::Election`].
    Election,
    /// [`Entry::Geography`].
    Geography,
    /// [`Entry::Enrol`].
    Enrol,
    /// [`Entry::Revoke`].
    Revoke,
    /// [`Entry::Sheet`].
    Sheet,
    /// [`Entry::Bulletin`].
    Bulletin,
    /// [`Entry::Reading`].
    Reading,
    /// [`Entry::Trust`].
    Trust,
    /// [`Entry::Import`].
    Import,
    /// [`Entry::AuditSeed`].
    AuditSeed,
    /// [`Entry::AuditCount`].
    AuditCount,
}

impl Kind {
    /// The word on the first line.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Election => "election",
            Kind::Geography => "geography",
            Kind::Enrol => "enrol",
            Kind::Revoke => "revoke",
            Kind::Sheet => "sheet",
            Kind::Bulletin => "bulletin",
            Kind::Reading => "reading",
            Kind::Trust => "trust",
            Kind::Import => "import",
            Kind::AuditSeed => "audit_seed",
            Kind::AuditCount => "audit",
        }
    }

    /// Parses the word on the first line.
    pub fn parse(s: &str) -> Option<Kind> {
        [
            Kind::Election,
            Kind::Geography,
            Kind::Enrol,
            Kind::Revoke,
            Kind::Sheet,
            Kind::Bulletin,
            Kind::Reading,
            Kind::Trust,
            Kind::Import,
            Kind::AuditSeed,
            Kind::AuditCount,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A decoded log entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Entry {
    /// Entry 0: the election definition, self-signed by its operator key.
    Election(ElectionDef),
    /// Operator-signed: units and tables.
    Geography(GeographyChunk),
    /// Operator-signed: a key enrolment.
    Enrol(Enrol),
    /// Operator-signed: a key revocation.
    Revoke(Revoke),
    /// Signed by an enrolled key: a tally sheet.
    Sheet(Sheet),
    /// Signed by an enrolled publisher or importer key: an official bulletin.
    Bulletin(Bulletin),
    /// Operator-signed: the QR codes read from a stored photo.
    Reading(PhotoReading),
    /// Operator-signed: keys trusted to sign documents of a QR format.
    Trust(Trust),
    /// Signed by an enrolled importer key: the manifest of a bulk import.
    Import(ImportManifest),
    /// Operator-signed: a risk-limiting audit opened, with its public seed.
    AuditSeed(AuditSeed),
    /// Signed by an enrolled auditor key: a hand count of a drawn table.
    AuditCount(AuditCount),
}

/// Errors encoding or decoding entries.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EntryError {
    /// The entry exceeds [`MAX_ENTRY_BYTES`].
    #[error("{kind} entry is {size} bytes but the log accepts at most {max}: {hint}")]
    TooLarge {
        /// Entry kind.
        kind: Kind,
        /// Its size.
        size: usize,
        /// The limit.
        max: usize,
        /// How to make it fit.
        hint: &'static str,
    },
    /// The bytes are not a canonical testigo/v1 entry.
    #[error("{0}")]
    Malformed(String),
    /// The note layer refused the text or the key (e.g. a control character
    /// that JSON does not escape, or a cosignature key).
    #[error("cannot sign entry: {0}")]
    Note(#[from] NoteError),
}

fn to_json<T: Serialize>(v: &T) -> Result<String, EntryError> {
    // Serialising plain structs of strings, integers and maps cannot fail, but
    // report rather than panic should a future field type change that.
    serde_json::to_string(v).map_err(|e| EntryError::Malformed(format!("cannot serialise entry: {e}")))
}

impl Entry {
    /// The entry's kind.
    pub fn kind(&self) -> Kind {
        match self {
            Entry::Election(_) => Kind::Election,
            Entry::Geography(_) => Kind::Geography,
            Entry::Enrol(_) => Kind::Enrol,
            Entry::Revoke(_) => Kind::Revoke,
            Entry::Sheet(_) => Kind::Sheet,
            Entry::Bulletin(_) => Kind::Bulletin,
            Entry::Reading(_) => Kind::Reading,
            Entry::Trust(_) => Kind::Trust,
            Entry::Import(_) => Kind::Import,
            Entry::AuditSeed(_) => Kind::AuditSeed,
            Entry::AuditCount(_) => Kind::AuditCount,
        }
    }

    /// The canonical JSON of the payload.
    pub fn to_json(&self) -> Result<String, EntryError> {
        match self {
            Entry::Election(v) => to_json(v),
            Entry::Geography(v) => to_json(v),
            Entry::Enrol(v) => to_json(v),
            Entry::Revoke(v) => to_json(v),
            Entry::Sheet(v) => to_json(v),
            Entry::Bulletin(v) => to_json(v),
            Entry::Reading(v) => to_json(v),
            Entry::Trust(v) => to_json(v),
            Entry::Import(v) => to_json(v),
            Entry::AuditSeed(v) => to_json(v),
            Entry::AuditCount(v) => to_json(v),
        }
    }

    /// The note text to sign: format line and canonical JSON line.
    pub fn to_text(&self) -> Result<String, EntryError> {
        Ok(format!("{FORMAT} {}\n{}\n", self.kind(), self.to_json()?))
    }
}

fn size_hint(kind: Kind) -> &'static str {
    match kind {
        Kind::Geography => "use fewer units and tables per chunk (see geography_chunks)",
        Kind::Sheet => "shorten the QR payload or other text fields",
        Kind::Trust => "log the keys in several trust entries",
        _ => "shorten its text fields",
    }
}

/// Encodes an entry canonically and signs it with `signer`, returning the
/// bytes to append to the log. Fails if the result would exceed
/// [`MAX_ENTRY_BYTES`].
pub fn encode_signed(entry: &Entry, signer: &Signer) -> Result<Vec<u8>, EntryError> {
    let kind = entry.kind();
    let text = entry.to_text()?;
    // Refuse early so a huge entry is not signed for nothing.
    if text.len() > MAX_ENTRY_BYTES {
        return Err(EntryError::TooLarge { kind, size: text.len(), max: MAX_ENTRY_BYTES, hint: size_hint(kind) });
    }
    let mut note = SignedNote::new(text)?;
    note.sign(signer)?;
    let bytes = note.to_bytes();
    if bytes.len() > MAX_ENTRY_BYTES {
        return Err(EntryError::TooLarge { kind, size: bytes.len(), max: MAX_ENTRY_BYTES, hint: size_hint(kind) });
    }
    Ok(bytes)
}

fn parse_canonical<T: Serialize + DeserializeOwned>(kind: Kind, json: &str) -> Result<T, EntryError> {
    parse_canonical_as(kind.as_str(), json)
}

/// Parses `json` as the schema of `T` (the document kind `kind`, for
/// messages) and refuses it unless it is that value's canonical encoding
/// (ENTRIES.md §3.4 steps 6–7).
pub(crate) fn parse_canonical_as<T: Serialize + DeserializeOwned>(kind: &str, json: &str) -> Result<T, EntryError> {
    let value: T = serde_json::from_str(json)
        .map_err(|e| EntryError::Malformed(format!("{kind} JSON does not match the testigo/v1 schema: {e}")))?;
    if to_json(&value)? != json {
        return Err(EntryError::Malformed(format!(
            "{kind} JSON is not in canonical form (compact, fields in schema order, no null fields, no escapes \
             where none are needed): encode it with testigo's encoder"
        )));
    }
    Ok(value)
}

/// Decodes entry bytes: parses the note, checks the text is canonical and
/// that there is exactly one signature. Does NOT verify the signature; the
/// [`crate::Registry`] does, knowing which keys count.
pub fn decode(bytes: &[u8]) -> Result<(Entry, SignedNote), EntryError> {
    if bytes.len() > MAX_ENTRY_BYTES {
        // The kind is unknown before parsing; report it as the common case.
        return Err(EntryError::TooLarge {
            kind: Kind::Sheet,
            size: bytes.len(),
            max: MAX_ENTRY_BYTES,
            hint: "entries cannot be larger than the log's limit",
        });
    }
    with_document(bytes, "an entry", |kind, json| {
        let kind = Kind::parse(kind).ok_or_else(|| {
            if kind == crate::request::REQUEST_KIND {
                // A key's own request to be enrolled: signed like an entry, never logged.
                return EntryError::Malformed(format!(
                    "unknown entry kind {kind:?}: an enrolment request is not a log entry; post it to \
                     /v1/enrolment-requests, and the operator enrols the key with `testigo enroll --request`"
                ));
            }
            EntryError::Malformed(format!(
                "unknown entry kind {kind:?}: expected election, geography, enrol, revoke, sheet, bulletin, reading, trust, import, audit_seed or audit"
            ))
        })?;
        Ok(match kind {
            Kind::Election => Entry::Election(parse_canonical(kind, json)?),
            Kind::Geography => Entry::Geography(parse_canonical(kind, json)?),
            Kind::Enrol => Entry::Enrol(parse_canonical(kind, json)?),
            Kind::Revoke => Entry::Revoke(parse_canonical(kind, json)?),
            Kind::Sheet => Entry::Sheet(parse_canonical(kind, json)?),
            Kind::Bulletin => Entry::Bulletin(parse_canonical(kind, json)?),
            Kind::Reading => Entry::Reading(parse_canonical(kind, json)?),
            Kind::Trust => Entry::Trust(parse_canonical(kind, json)?),
            Kind::Import => Entry::Import(parse_canonical(kind, json)?),
            Kind::AuditSeed => Entry::AuditSeed(parse_canonical(kind, json)?),
            Kind::AuditCount => Entry::AuditCount(parse_canonical(kind, json)?),
        })
    })
}

/// The layers every `testigo/v1` document shares, log entries and the
/// documents that are not entries ([`crate::request`]) alike: a canonical
/// signed note with exactly one signature, whose text is the line
/// `testigo/v1 <kind>` and one JSON line. Calls `read` with the kind word
/// and the JSON line (borrowed from the note, so decoding a log copies
/// nothing) and returns what it made of them with the note. `what` names
/// the document in messages (`an entry`, `a request`). The size is the
/// caller's to check first: the limits differ.
pub(crate) fn with_document<T>(
    bytes: &[u8],
    what: &str,
    read: impl FnOnce(&str, &str) -> Result<T, EntryError>,
) -> Result<(T, SignedNote), EntryError> {
    let note = SignedNote::parse(bytes).map_err(|e| EntryError::Malformed(format!("not a signed note: {e}")))?;
    if note.to_bytes() != bytes {
        return Err(EntryError::Malformed("the signature block is not in canonical form".into()));
    }
    if note.signatures().len() != 1 {
        return Err(EntryError::Malformed(format!(
            "{what} carries exactly one signature, this one has {}",
            note.signatures().len()
        )));
    }
    let text = note.text();
    let body = text.strip_suffix('\n').unwrap_or(text);
    let Some((header, json)) = body.split_once('\n') else {
        return Err(EntryError::Malformed("the text must be two lines: `testigo/v1 <kind>` and JSON".into()));
    };
    if json.contains('\n') {
        return Err(EntryError::Malformed("the text must be exactly two lines: `testigo/v1 <kind>` and JSON".into()));
    }
    let Some((format, kind)) = header.split_once(' ') else {
        return Err(EntryError::Malformed(format!("first line {header:?} must be `testigo/v1 <kind>`")));
    };
    if format != FORMAT {
        return Err(EntryError::Malformed(format!(
            "entry format {format:?} is not supported: this software reads {FORMAT}"
        )));
    }
    let value = read(kind, json)?;
    Ok((value, note))
}
