//! The rules for one sheet's figures, independent of who signed it.
//!
//! Two tiers: figures no table could produce are *rejected*
//! ([`Rejection::CountOutOfBounds`]); figures that are possible but
//! inconsistent are accepted and *flagged*, because paper sheets do carry
//! arithmetic mistakes and the log must record what was submitted.

use crate::codes::{Flag, FlagSet, Rejection};
use crate::entry::{Sheet, Source};
use crate::ids::{id_problem, name_problem};
use crate::model::{Contest, ElectionDef};
use crate::registry::SheetCounts;

/// Seconds a sheet's `signed_at` may be ahead of the server clock at
/// submission: a device clock a little fast.
pub const MAX_CLOCK_SKEW_SECS: u64 = 15 * 60;

/// Seconds a sheet's `signed_at` may be behind the server clock at
/// submission: a witness signs at the table, often without a signal, and
/// the app delivers when a connection exists, hours later. Three days covers
/// an election night and the count after it; the key's validity and its
/// revocation (by log position, not by `signed_at`) still bound what a key can sign.
pub const MAX_SIGNED_AGE_SECS: u64 = 3 * 24 * 3600;

/// The largest count a sheet may carry for a table: `max_table_voters`, and
/// when the table's registered voters are known, also at most twice that.
///
/// Twice, not once: registers printed on sheets and published by authorities
/// are sometimes stale or include voters added on the day, so a count between
/// 1× and 2× registered is possible-but-suspicious and is flagged
/// (`voters_exceed_registered`) rather than refused; beyond 2× it can only be
/// a typing error or fabrication. The bound applies to every figure on the
/// sheet: each candidate, valid, null, blank, voters, printed registered, and
/// the total of votes + null + blank.
pub fn count_bound(max_table_voters: u64, table_registered: Option<u64>) -> u64 {
    match table_registered {
        Some(r) => max_table_voters.min(r.saturating_mul(2)),
        None => max_table_voters,
    }
}

pub(crate) fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Field formats that serde cannot express: hex digests, and dataset
/// provenance present exactly for bulk imports.
pub(crate) fn check_fields(sheet: &Sheet) -> Result<(), Rejection> {
    if let Some(h) = &sheet.photo_sha256 {
        if !is_sha256_hex(h) {
            return Err(Rejection::Malformed(format!("photo_sha256 {h:?} must be 64 lowercase hex digits")));
        }
    }
    match (&sheet.dataset, sheet.source) {
        (None, Source::BulkImport) => {
            Err(Rejection::Malformed("a bulk_import sheet must name its dataset (name, sha256, row)".into()))
        }
        (Some(_), s) if s != Source::BulkImport => {
            Err(Rejection::Malformed(format!("only bulk_import sheets carry a dataset, not {s} sheets")))
        }
        (Some(d), _) if !is_sha256_hex(&d.sha256) => {
            Err(Rejection::Malformed(format!("dataset sha256 {:?} must be 64 lowercase hex digits", d.sha256)))
        }
        (Some(d), _) if name_problem(&d.name).is_some() => Err(Rejection::Malformed(format!(
            "dataset name {:?} must be non-empty, without control characters",
            d.name
        ))),
        (Some(d), _) if d.reference.as_deref().is_some_and(|r| name_problem(r).is_some()) => {
            Err(Rejection::Malformed(format!(
                "dataset reference {:?} must be non-empty, without control characters (omit it if there is none)",
                d.reference
            )))
        }
        _ => Ok(()),
    }
}

/// Votes in candidate order, and the positions of candidates not reported.
pub(crate) type ResolvedVotes = (Box<[u64]>, Box<[u16]>);

/// Maps the sheet's votes onto the contest's candidate order (absent
/// candidates count 0) and its not-reported candidates onto positions;
/// refuses unknown candidates, a not-reported list that is not sorted and
/// free of repeats or that names a candidate with votes, and a sheet that
/// reports no figure at all.
pub(crate) fn resolve_votes(contest: &Contest, sheet: &Sheet) -> Result<ResolvedVotes, Rejection> {
    let position = |cand: &String| {
        contest.candidate_position(cand).ok_or_else(|| Rejection::UnknownCandidate {
            contest: contest.id.clone(),
            candidate: if id_problem(cand).is_some() { format!("{cand:?}") } else { cand.clone() },
        })
    };
    let mut votes = vec![0u64; contest.candidates.len()];
    for (cand, &n) in &sheet.votes {
        votes[position(cand)?] = n;
    }
    let mut not_reported = Vec::with_capacity(sheet.not_reported.len());
    for (i, cand) in sheet.not_reported.iter().enumerate() {
        if i > 0 && sheet.not_reported[i - 1] >= *cand {
            return Err(Rejection::Malformed("not_reported must be sorted and without repeats".into()));
        }
        if sheet.votes.contains_key(cand) {
            return Err(Rejection::Malformed(format!(
                "candidate {cand:?} is both counted and listed as not reported: drop one"
            )));
        }
        // MAX_CANDIDATES keeps positions within u16.
        not_reported.push(position(cand)? as u16);
    }
    not_reported.sort_unstable();
    let nothing = not_reported.len() == votes.len() && sheet.null.is_none() && sheet.blank.is_none();
    if nothing {
        return Err(Rejection::Malformed(
            "the sheet reports no figure at all (every candidate not reported, no null or blank votes)".into(),
        ));
    }
    Ok((votes.into_boxed_slice(), not_reported.into_boxed_slice()))
}

/// Valid votes as the sheet means them: printed if given, else the sum.
fn effective_valid(sheet: &Sheet, votes: &[u64]) -> u64 {
    sheet.valid.unwrap_or_else(|| votes.iter().fold(0u64, |a, &v| a.saturating_add(v)))
}

/// Rejects counts above [`count_bound`].
pub(crate) fn check_bounds(
    election: &ElectionDef,
    contest: &Contest,
    table_registered: Option<u64>,
    sheet: &Sheet,
    votes: &[u64],
) -> Result<(), Rejection> {
    let bound = count_bound(election.max_table_voters, table_registered);
    let why = match table_registered {
        Some(r) if r.saturating_mul(2) < election.max_table_voters => {
            format!("twice the table's {r} registered voters")
        }
        _ => "the election's max_table_voters".to_string(),
    };
    let out = |field: String, count: u64| Rejection::CountOutOfBounds { field, count, bound, why: why.clone() };
    for (cand, &n) in contest.candidates.iter().zip(votes) {
        if n > bound {
            return Err(out(format!("votes for {:?}", cand.id), n));
        }
    }
    let fields = [
        ("valid", sheet.valid),
        ("null", sheet.null),
        ("blank", sheet.blank),
        ("voters", sheet.voters),
        ("registered", sheet.registered),
    ];
    for (name, v) in fields {
        if let Some(n) = v.filter(|&n| n > bound) {
            return Err(out(name.to_string(), n));
        }
    }
    let total =
        effective_valid(sheet, votes).saturating_add(sheet.null.unwrap_or(0)).saturating_add(sheet.blank.unwrap_or(0));
    if total > bound {
        return Err(out("valid + null + blank".to_string(), total));
    }
    Ok(())
}

/// Arithmetic consistency flags (figures not reported count 0, so a sum is
/// a lower bound, and the sum of candidates is not checked at all when one
/// is not reported):
/// - `candidate_sum_mismatch`: valid is printed and the votes do not add up to it;
/// - `valid_plus_null_exceeds_voters`: voters is printed and valid (printed,
///   else the sum) + null + blank exceeds it;
/// - `voters_exceed_registered`: voters (printed, else valid + null + blank)
///   exceeds registered (the table's if known, else as printed).
pub(crate) fn consistency_flags(sheet: &Sheet, counts: &SheetCounts<'_>, table_registered: Option<u64>) -> FlagSet {
    let mut flags = FlagSet::default();
    let votes = counts.votes;
    let sum = votes.iter().fold(0u64, |a, &v| a.saturating_add(v));
    if counts.not_reported.is_empty() && sheet.valid.is_some_and(|v| v != sum) {
        flags.insert(Flag::CandidateSumMismatch);
    }
    let cast =
        effective_valid(sheet, votes).saturating_add(sheet.null.unwrap_or(0)).saturating_add(sheet.blank.unwrap_or(0));
    if sheet.voters.is_some_and(|v| cast > v) {
        flags.insert(Flag::ValidPlusNullExceedsVoters);
    }
    let voters = sheet.voters.unwrap_or(cast);
    if table_registered.or(sheet.registered).is_some_and(|r| voters > r) {
        flags.insert(Flag::VotersExceedRegistered);
    }
    flags
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bound_rule() {
        assert_eq!(count_bound(5000, None), 5000);
        assert_eq!(count_bound(5000, Some(300)), 600);
        assert_eq!(count_bound(5000, Some(4000)), 5000);
        assert_eq!(count_bound(5000, Some(u64::MAX)), 5000);
    }
}
