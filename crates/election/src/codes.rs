//! Machine-readable outcomes: why an entry is refused ([`Rejection`]) and
//! what is suspicious about an accepted one ([`Flag`]).
//!
//! The snake_case codes are a stable interface (clients and published data
//! match on them); the messages are for people and may be reworded.

use crate::entry::Role;
use serde::{Deserialize, Serialize};

/// Why an entry is refused: it is not logged (or, when replaying a log,
/// contributes nothing to the derived state).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    /// Not a canonical testigo/v1 entry.
    #[error("malformed entry: {0}")]
    Malformed(String),
    /// Larger than the log accepts.
    #[error("entry is {size} bytes but the log accepts at most {max}: shorten it (split geography into chunks)")]
    TooLarge {
        /// Size of the entry.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// Not the entry expected at this position of the log.
    #[error("entry out of order: {0}")]
    OutOfOrder(String),
    /// An operator-only entry signed by another key.
    #[error("{kind} entries must be signed by the operator key {operator}, not {signer}")]
    NotOperator {
        /// Entry kind.
        kind: &'static str,
        /// Who signed.
        signer: String,
        /// The operator key name and ID.
        operator: String,
    },
    /// The signing key is not enrolled.
    #[error("key {signer} is not enrolled in this election: ask the operator to enrol it first")]
    UnknownKey {
        /// Key name and ID.
        signer: String,
    },
    /// The signature does not verify.
    #[error("signature by {signer} does not verify: the entry was altered after signing, or signed with another key")]
    BadSignature {
        /// Key name and ID.
        signer: String,
    },
    /// The key was revoked before this entry.
    #[error("key {key} was revoked at log index {revoked_at} ({reason}): sign with a currently enrolled key")]
    RevokedKey {
        /// Key name and ID.
        key: String,
        /// Log index of the revocation.
        revoked_at: u64,
        /// The operator's reason.
        reason: String,
    },
    /// Signed outside the key's validity window.
    #[error(
        "key {key} is valid from {valid_from} to {valid_until} (unix seconds) but the sheet says it was signed at \
         {signed_at}: check the device clock or ask for a key valid now"
    )]
    ExpiredKey {
        /// Key name and ID.
        key: String,
        /// The sheet's signed_at.
        signed_at: u64,
        /// Start of validity.
        valid_from: u64,
        /// End of validity.
        valid_until: u64,
    },
    /// The key's role may not sign this kind of entry (a sheet of this
    /// source, an audit count).
    #[error("key {key} is enrolled as {role} and may not sign {what}")]
    WrongRole {
        /// Key name and ID.
        key: String,
        /// Its role.
        role: Role,
        /// What it tried to sign (`bulk_import sheets`, `audit counts`).
        what: String,
    },
    /// The table is outside the unit the key is enrolled for.
    #[error("key {key} is enrolled for unit {scope:?} and table {table:?} is not under it: use a key for that region")]
    OutOfScope {
        /// Key name and ID.
        key: String,
        /// The table.
        table: String,
        /// The key's scope unit.
        scope: String,
    },
    /// signed_at is too far ahead of the server's clock, or too long ago.
    #[error("sheet signed at {signed_at} but the server time is {now} (more than {max_secs} s apart; a sheet may be signed at most 15 minutes ahead of the server's clock and delivered up to 3 days after signing): fix the device clock and sign again")]
    ClockSkew {
        /// The sheet's signed_at.
        signed_at: u64,
        /// Server time.
        now: u64,
        /// Allowed difference.
        max_secs: u64,
    },
    /// The sheet names another election.
    #[error("sheet is for election {got:?} but this log is election {expected:?}: submit it to the right log")]
    UnknownElection {
        /// Election named by the sheet.
        got: String,
        /// This log's election.
        expected: String,
    },
    /// No such table (yet).
    #[error("table {0:?} is not in this election's geography: check the table code (QR form)")]
    UnknownTable(String),
    /// No such unit.
    #[error("unit {0:?} is not in this election's geography: define it before referring to it")]
    UnknownUnit(String),
    /// No such contest.
    #[error("contest {0:?} is not in this election: check the contest id")]
    UnknownContest(String),
    /// No such candidate in the contest.
    #[error("candidate {candidate:?} is not in contest {contest:?}: check the candidate ids")]
    UnknownCandidate {
        /// The contest.
        contest: String,
        /// The unknown candidate id.
        candidate: String,
    },
    /// A count no table could produce.
    #[error("{field} = {count} is impossible for one table (at most {bound}: {why}): check the typed figures")]
    CountOutOfBounds {
        /// Which count.
        field: String,
        /// Its value.
        count: u64,
        /// The bound exceeded.
        bound: u64,
        /// Where the bound comes from.
        why: String,
    },
    /// supersedes does not name a correctable sheet.
    #[error("supersedes {index}: {why}")]
    BadSupersedes {
        /// The index given.
        index: u64,
        /// Why it cannot be superseded.
        why: String,
    },
    /// The same key already has a current sheet for this table and contest.
    #[error("this key already submitted a sheet for this table and contest at log index {earlier}: to correct it, set supersedes to {earlier}")]
    DuplicateSheet {
        /// The existing sheet's log index.
        earlier: u64,
    },
    /// The key is already enrolled.
    #[error("key {key} is already enrolled (log index {enrolled_at}): enrol a new key instead")]
    DuplicateKey {
        /// Key name and ID.
        key: String,
        /// Where.
        enrolled_at: u64,
    },
    /// An election, geography or enrolment entry is inconsistent.
    #[error("invalid definition: {0}")]
    InvalidDefinition(String),
    /// The photo is neither JPEG nor PNG.
    #[error("the photo is not a JPEG or PNG image: send the camera's JPEG or a PNG")]
    PhotoNotImage,
    /// The photo's hash is not the one claimed.
    #[error(
        "the photo's SHA-256 is {actual} but the sheet claims {claimed}: send the photo the sheet was signed with"
    )]
    PhotoHashMismatch {
        /// Hash claimed by the sheet.
        claimed: String,
        /// Hash of the bytes received.
        actual: String,
    },
    /// The sheet names a photo that was neither uploaded with it nor stored before.
    #[error(
        "the sheet names photo {0} but no photo came with it and none with that hash is stored: send the photo \
         in the same request (multipart part 'photo'), or remove photo_sha256 from the sheet"
    )]
    PhotoMissing(String),
    /// The photo has more pixels than the server decodes.
    #[error(
        "the photo is {width}x{height} pixels, over the {max_megapixels}-megapixel limit: send the camera's \
         normal-resolution photo (a sheet reads well at 12 megapixels)"
    )]
    PhotoTooLarge {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
        /// The limit, in millions of pixels.
        max_megapixels: u32,
    },
}

/// Every [`Rejection::code`], in declaration order.
pub const REJECTION_CODES: &[&str] = &[
    "malformed",
    "too_large",
    "out_of_order",
    "not_operator",
    "unknown_key",
    "bad_signature",
    "revoked_key",
    "expired_key",
    "wrong_role",
    "out_of_scope",
    "clock_skew",
    "unknown_election",
    "unknown_table",
    "unknown_unit",
    "unknown_contest",
    "unknown_candidate",
    "count_out_of_bounds",
    "bad_supersedes",
    "duplicate_sheet",
    "duplicate_key",
    "invalid_definition",
    "photo_not_image",
    "photo_hash_mismatch",
    "photo_missing",
    "photo_too_large",
];

impl Rejection {
    /// The stable snake_case code (one of [`REJECTION_CODES`]).
    pub fn code(&self) -> &'static str {
        match self {
            Rejection::Malformed(_) => "malformed",
            Rejection::TooLarge { .. } => "too_large",
            Rejection::OutOfOrder(_) => "out_of_order",
            Rejection::NotOperator { .. } => "not_operator",
            Rejection::UnknownKey { .. } => "unknown_key",
            Rejection::BadSignature { .. } => "bad_signature",
            Rejection::RevokedKey { .. } => "revoked_key",
            Rejection::ExpiredKey { .. } => "expired_key",
            Rejection::WrongRole { .. } => "wrong_role",
            Rejection::OutOfScope { .. } => "out_of_scope",
            Rejection::ClockSkew { .. } => "clock_skew",
            Rejection::UnknownElection { .. } => "unknown_election",
            Rejection::UnknownTable(_) => "unknown_table",
            Rejection::UnknownUnit(_) => "unknown_unit",
            Rejection::UnknownContest(_) => "unknown_contest",
            Rejection::UnknownCandidate { .. } => "unknown_candidate",
            Rejection::CountOutOfBounds { .. } => "count_out_of_bounds",
            Rejection::BadSupersedes { .. } => "bad_supersedes",
            Rejection::DuplicateSheet { .. } => "duplicate_sheet",
            Rejection::DuplicateKey { .. } => "duplicate_key",
            Rejection::InvalidDefinition(_) => "invalid_definition",
            Rejection::PhotoNotImage => "photo_not_image",
            Rejection::PhotoHashMismatch { .. } => "photo_hash_mismatch",
            Rejection::PhotoMissing(_) => "photo_missing",
            Rejection::PhotoTooLarge { .. } => "photo_too_large",
        }
    }

    /// The HTTP status a server should answer with: 400 unreadable, 401 not
    /// authenticated, 403 authenticated but not allowed, 404 unknown thing,
    /// 409 conflicts with the log's state, 413 too large, 415 not an image,
    /// 422 readable but impossible.
    pub fn http_status(&self) -> u16 {
        match self {
            Rejection::Malformed(_) => 400,
            Rejection::TooLarge { .. } => 413,
            Rejection::OutOfOrder(_) => 409,
            Rejection::NotOperator { .. } => 403,
            Rejection::UnknownKey { .. } | Rejection::BadSignature { .. } => 401,
            Rejection::RevokedKey { .. }
            | Rejection::ExpiredKey { .. }
            | Rejection::WrongRole { .. }
            | Rejection::OutOfScope { .. } => 403,
            Rejection::ClockSkew { .. } => 422,
            Rejection::UnknownElection { .. }
            | Rejection::UnknownTable(_)
            | Rejection::UnknownUnit(_)
            | Rejection::UnknownContest(_) => 404,
            Rejection::UnknownCandidate { .. } | Rejection::CountOutOfBounds { .. } => 422,
            Rejection::BadSupersedes { .. } | Rejection::DuplicateSheet { .. } | Rejection::DuplicateKey { .. } => 409,
            Rejection::InvalidDefinition(_) => 422,
            Rejection::PhotoNotImage => 415,
            Rejection::PhotoHashMismatch { .. } => 422,
            Rejection::PhotoMissing(_) => 422,
            Rejection::PhotoTooLarge { .. } => 413,
        }
    }

    /// The human-readable message, saying what to do.
    pub fn message(&self) -> String {
        self.to_string()
    }
}

/// Declares [`Flag`] from one table, so a flag's variant, code, message, bit
/// position and place in [`Flag::ALL`] / [`FLAG_CODES`] cannot drift apart:
/// adding a flag is adding one row.
///
/// Each row is `Variant = "code" => "message";` preceded by the variant's doc
/// comment. The code is also the serde name (`#[serde(rename)]`), so the JSON
/// form is the code by construction. Rows are in bit order: a row's position
/// is its bit in [`FlagSet`], so new flags go at the end (reordering would
/// change nothing published, but keeps `Ord` and `ALL` order stable).
macro_rules! flag_table {
    ($( $(#[doc = $doc:literal])* $variant:ident = $code:literal => $message:expr; )+) => {
        /// Something suspicious about an accepted sheet. The sheet is logged anyway
        /// (the log records what was submitted); tallies and reviewers use flags to
        /// decide what to trust.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum Flag {
            $( $(#[doc = $doc])* #[serde(rename = $code)] $variant, )+
        }

        /// Every [`Flag::code`], in declaration order.
        pub const FLAG_CODES: &[&str] = &[$($code),+];

        impl Flag {
            /// How many flags there are.
            pub const COUNT: usize = [$($code),+].len();

            /// All flags, in declaration order.
            pub const ALL: [Flag; Flag::COUNT] = [$(Flag::$variant),+];

            /// The stable snake_case code (one of [`FLAG_CODES`]).
            pub fn code(self) -> &'static str {
                match self {
                    $(Flag::$variant => $code,)+
                }
            }

            /// What the flag means and what a reviewer should do.
            pub fn message(self) -> &'static str {
                match self {
                    $(Flag::$variant => $message,)+
                }
            }
        }
    };
}

flag_table! {
    /// The candidates' votes do not add up to the printed valid votes.
    CandidateSumMismatch = "candidate_sum_mismatch" =>
        "the candidates' votes do not add up to the printed valid votes: compare with the photo";
    /// Valid + null (+ blank) votes exceed the printed number of voters.
    ValidPlusNullExceedsVoters = "valid_plus_null_exceeds_voters" =>
        "valid plus null (and blank) votes exceed the printed number of voters: compare with the photo";
    /// More voters than registered voters.
    VotersExceedRegistered = "voters_exceed_registered" =>
        "more voters than registered voters at this table: check the table";
    /// The QR code's counts disagree with the typed counts.
    QrMismatch = "qr_mismatch" =>
        "the QR code's counts differ from the typed counts: one of them is wrong";
    /// Another current sheet for the same table and contest, by another key,
    /// does not agree with it ([`crate::SheetCounts::agrees_with`]).
    ConflictsWithEarlier = "conflicts_with_earlier" =>
        "another key submitted different figures for this table and contest: compare both photos";
    /// The QR payload could not be decoded.
    QrUnreadable = "qr_unreadable" =>
        "the QR payload could not be decoded: check the photo of the QR";
    /// A QR code the server read from the sheet's photo (see the `reading`
    /// entry) disagrees with the typed counts, or names another table.
    PhotoQrMismatch = "photo_qr_mismatch" =>
        "the QR code read from the sheet's photo differs from the typed counts or names another table: \
         compare the photo with the typed figures";
}

/// The bits of a [`FlagSet`]: wide enough for the flags to grow.
type FlagBits = u32;

// Every flag needs its own bit; widen `FlagBits` before this fails.
const _: () = assert!(Flag::COUNT <= FlagBits::BITS as usize, "more flags than FlagSet has bits");

impl Flag {
    /// The flag with this code.
    pub fn from_code(code: &str) -> Option<Flag> {
        Flag::ALL.into_iter().find(|f| f.code() == code)
    }

    /// The flag's bit in a [`FlagSet`]: its position in the table.
    fn bit(self) -> FlagBits {
        1 << (self as u32)
    }
}

impl std::fmt::Display for Flag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// A compact set of flags (one bit per flag), as stored per sheet.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct FlagSet(FlagBits);

impl FlagSet {
    /// Adds a flag.
    pub fn insert(&mut self, f: Flag) {
        self.0 |= f.bit();
    }
    /// Removes a flag.
    pub fn remove(&mut self, f: Flag) {
        self.0 &= !f.bit();
    }
    /// Whether the flag is set.
    pub fn contains(self, f: Flag) -> bool {
        self.0 & f.bit() != 0
    }
    /// Whether no flag is set.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
    /// The flags set, in declaration order.
    pub fn iter(self) -> impl Iterator<Item = Flag> {
        Flag::ALL.into_iter().filter(move |f| self.contains(*f))
    }
    /// The flags set, as a vector.
    pub fn to_vec(self) -> Vec<Flag> {
        self.iter().collect()
    }
}

impl FromIterator<Flag> for FlagSet {
    fn from_iter<I: IntoIterator<Item = Flag>>(iter: I) -> Self {
        let mut s = FlagSet::default();
        for f in iter {
            s.insert(f);
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_codes_match_serde_and_table() {
        for f in Flag::ALL {
            let json = serde_json::to_string(&f).unwrap();
            assert_eq!(json, format!("\"{}\"", f.code()));
            assert_eq!(Flag::from_code(f.code()), Some(f));
        }
        assert_eq!(FLAG_CODES.len(), Flag::ALL.len());
        let s: FlagSet = [Flag::QrMismatch, Flag::CandidateSumMismatch].into_iter().collect();
        assert_eq!(s.to_vec(), vec![Flag::CandidateSumMismatch, Flag::QrMismatch]);
    }

    /// The codes, messages, order and JSON form are a published interface:
    /// pinned here as literals, so a change to the table shows up as a test
    /// failure rather than as a silent change to clients.
    #[test]
    fn flag_table_is_pinned() {
        let pinned: [(Flag, &str, &str); 7] = [
            (
                Flag::CandidateSumMismatch,
                "candidate_sum_mismatch",
                "the candidates' votes do not add up to the printed valid votes: compare with the photo",
            ),
            (
                Flag::ValidPlusNullExceedsVoters,
                "valid_plus_null_exceeds_voters",
                "valid plus null (and blank) votes exceed the printed number of voters: compare with the photo",
            ),
            (
                Flag::VotersExceedRegistered,
                "voters_exceed_registered",
                "more voters than registered voters at this table: check the table",
            ),
            (
                Flag::QrMismatch,
                "qr_mismatch",
                "the QR code's counts differ from the typed counts: one of them is wrong",
            ),
            (
                Flag::ConflictsWithEarlier,
                "conflicts_with_earlier",
                "another key submitted different figures for this table and contest: compare both photos",
            ),
            (Flag::QrUnreadable, "qr_unreadable", "the QR payload could not be decoded: check the photo of the QR"),
            (
                Flag::PhotoQrMismatch,
                "photo_qr_mismatch",
                "the QR code read from the sheet's photo differs from the typed counts or names another table: \
                 compare the photo with the typed figures",
            ),
        ];
        assert_eq!(Flag::ALL.len(), pinned.len());
        for (i, (flag, code, message)) in pinned.into_iter().enumerate() {
            assert_eq!(Flag::ALL[i], flag);
            assert_eq!(flag as usize, i, "declaration order is bit order");
            assert_eq!(flag.code(), code);
            assert_eq!(FLAG_CODES[i], code);
            assert_eq!(flag.message(), message);
            assert_eq!(serde_json::to_string(&flag).unwrap(), format!("\"{code}\""));
            assert_eq!(serde_json::from_str::<Flag>(&format!("\"{code}\"")).unwrap(), flag);
            assert_eq!(flag.to_string(), code);
        }
        assert_eq!(Flag::from_code("no_such_flag"), None);
    }

    #[test]
    fn flag_set_holds_every_flag_independently() {
        let all: FlagSet = Flag::ALL.into_iter().collect();
        assert_eq!(all.to_vec(), Flag::ALL.to_vec());
        for f in Flag::ALL {
            let mut s = all;
            s.remove(f);
            assert!(!s.contains(f));
            assert_eq!(s.iter().count(), Flag::COUNT - 1, "removing {f} removed only it");
            let one: FlagSet = [f].into_iter().collect();
            assert_eq!(one.to_vec(), vec![f]);
        }
        assert!(FlagSet::default().is_empty());
    }

    #[test]
    fn rejection_codes_are_unique_snake_case() {
        let mut seen = std::collections::HashSet::new();
        for c in REJECTION_CODES {
            assert!(seen.insert(c), "{c} twice");
            assert!(c.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'));
        }
    }
}
