//! The summary a server publishes and a verifier recomputes from its own
//! copy of the log: default options, every level, logged bulletins checked.
//! Being a pure function of the registry, two honest parties at the same log
//! size get byte-identical JSON.

use testigo_election::{ElectionDef, Geography, Registry};

use crate::official::{check_bulletin, logged_bulletins, Bulletin, ChanceModel, LoggedBulletinRef, OfficialError};
use crate::qr_problems::QrProblems;
use crate::report::{build_report, ReportOptions, TallyReport};
use crate::tally::{tabulate, Tally, TallyOptions};
use crate::Evidence;

/// The published summary of a replayed log; `None` before the election entry.
pub fn published_summary(registry: &Registry) -> Option<TallyReport> {
    published_tally(registry).map(|(report, _, _)| report)
}

/// The [`published_summary`] with the tally and evidence behind it
/// (per-table states and counted sheets, for pages and downloads that list
/// tables): one computation, so they cannot differ.
pub fn published_tally(registry: &Registry) -> Option<(TallyReport, Tally, Evidence)> {
    PublishedInputs::gather(registry).map(PublishedInputs::compute)
}

/// What the published tabulation reads from a registry, copied out of it.
/// [`PublishedInputs::gather`] is the only step that needs the registry; a
/// server takes it under the registry's lock and runs
/// [`PublishedInputs::compute`] (tabulation, report, bulletin checks) after
/// releasing it, so readers do not hold up intake for a whole tabulation.
#[derive(Clone, Debug)]
pub struct PublishedInputs {
    /// The election.
    pub election: ElectionDef,
    /// Its geography.
    pub geo: Geography,
    /// The sheets to count.
    pub evidence: Evidence,
    /// Entries replayed.
    pub log_size: u64,
    bulletins: Vec<LoggedBulletinRef>,
    qr_problems: QrProblems,
}

impl PublishedInputs {
    /// Copies what the tabulation needs out of `registry`; `None` before the election entry.
    pub fn gather(registry: &Registry) -> Option<Self> {
        Some(PublishedInputs {
            election: registry.election()?.clone(),
            geo: registry.geography().clone(),
            evidence: Evidence::from_registry(registry),
            log_size: registry.next_index(),
            bulletins: logged_bulletins(registry),
            qr_problems: QrProblems::of(registry),
        })
    }

    /// The published report, with the tally and evidence behind it.
    pub fn compute(self) -> (TallyReport, Tally, Evidence) {
        let (report, tally) = self.report();
        (report, tally, self.evidence)
    }

    /// The published report and the tally behind it, keeping the inputs.
    pub fn report(&self) -> (TallyReport, Tally) {
        let (election, geo, ev) = (&self.election, &self.geo, &self.evidence);
        let tally = tabulate(election, geo, ev, &TallyOptions::default());
        let mut report = build_report(election, geo, ev, &tally, &ReportOptions { levels: None, ..Default::default() });
        // A logged bulletin passed the registry's checks, so this only fails on
        // figures the report cannot place; such a bulletin is left out for both
        // parties alike.
        let _ = check_bulletins(
            &mut report,
            &Checked { election, geo, ev, tally: &tally, logged: &self.bulletins },
            &[],
            &ChanceModel::default(),
            false,
        );
        self.qr_problems.add_to(&mut report);
        (report, tally)
    }
}

/// Checks the registry's logged bulletins (with their log provenance), then
/// each of `extra` that is not identical to a logged one, and adds every
/// check to its contest in `report`. With `strict`, the first bulletin that
/// cannot be checked is an error; otherwise it is skipped.
pub fn add_bulletin_checks(
    report: &mut TallyReport,
    registry: &Registry,
    ev: &Evidence,
    tally: &Tally,
    extra: &[Bulletin],
    chance: &ChanceModel,
    strict: bool,
) -> Result<(), OfficialError> {
    let Some(election) = registry.election() else { return Ok(()) };
    let logged = logged_bulletins(registry);
    let on = Checked { election, geo: registry.geography(), ev, tally, logged: &logged };
    check_bulletins(report, &on, extra, chance, strict)
}

/// What bulletins are checked against.
struct Checked<'a> {
    election: &'a ElectionDef,
    geo: &'a Geography,
    ev: &'a Evidence,
    tally: &'a Tally,
    logged: &'a [LoggedBulletinRef],
}

fn check_bulletins(
    report: &mut TallyReport,
    on: &Checked<'_>,
    extra: &[Bulletin],
    chance: &ChanceModel,
    strict: bool,
) -> Result<(), OfficialError> {
    let Checked { election, geo, ev, tally, logged } = on;
    let from_file = extra.iter().filter(|b| !logged.iter().any(|l| l.bulletin == **b)).map(|b| (b, None));
    for (b, provenance) in logged.iter().map(|l| (&l.bulletin, Some(l.provenance()))).chain(from_file) {
        let placed = tally.contests.iter().enumerate().find(|(_, ct)| election.contests[ct.contest].id == b.contest);
        let checked = match placed {
            Some((ci, ct)) => check_bulletin(election, geo, ev, ct, b, chance).map(|c| (ci, c)),
            None => Err(OfficialError::WrongContest { label: b.label.clone(), contest: b.contest.clone() }),
        };
        match checked {
            Ok((ci, mut check)) => {
                check.logged = provenance;
                report.contests[ci].official.push(check);
            }
            Err(e) if strict => return Err(e),
            Err(_) => {}
        }
    }
    Ok(())
}

/// The document a server publishes at `GET /v1/tally`: the
/// [`published_summary`] of everything `registry` holds, with the number of
/// log entries it covers (`{"log_size":N,"report":{…}}`), so that a verifier
/// holding the log at that size recomputes it and compares. `None` before the
/// election entry.
pub fn published_document(registry: &Registry) -> Option<String> {
    let report = published_summary(registry)?.to_json_compact();
    Some(format!("{{\"log_size\":{},\"report\":{report}}}", registry.next_index()))
}

/// How a published tabulation compares with the one recomputed from a verified log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PublishedComparison {
    /// Same size, same tabulation.
    Equal,
    /// The publication covers another number of entries (the log grew since
    /// the verified checkpoint): nothing to compare.
    OtherSize(u64),
    /// Same size, different tabulation: the publisher's results are not the
    /// log's.
    Differs,
}

/// Why a published tabulation could not be compared.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PublishedError {
    /// Not JSON.
    #[error("the published tally is not JSON: {0}")]
    NotJson(String),
    /// JSON without a `log_size`.
    #[error("no log_size")]
    NoLogSize,
    /// The verified log holds no election.
    #[error("no election to tabulate")]
    NoElection,
}

/// Compares a document published as [`published_document`] with the
/// tabulation of `registry`, replayed from a log verified at `verified_size`.
/// The reports are compared as JSON values, so formatting does not matter but
/// every number and label does.
///
/// A national report is tens of megabytes, and as a `serde_json::Value` ten
/// times that, so the common case never builds one: the published report is
/// borrowed as raw text and our own is serialised straight into a comparison
/// with it, byte by byte. Only a publication formatted differently (pretty
/// printed, say) is parsed into values to compare.
pub fn compare_published(
    published: &str,
    registry: &Registry,
    verified_size: u64,
) -> Result<PublishedComparison, PublishedError> {
    #[derive(serde::Deserialize)]
    struct Borrowed<'a> {
        log_size: Option<u64>,
        #[serde(borrow)]
        report: Option<&'a serde_json::value::RawValue>,
    }
    let borrowed: Borrowed<'_> = serde_json::from_str(published).map_err(|e| PublishedError::NotJson(e.to_string()))?;
    let size = borrowed.log_size.ok_or(PublishedError::NoLogSize)?;
    if size != verified_size {
        return Ok(PublishedComparison::OtherSize(size));
    }
    let mine = published_summary(registry).ok_or(PublishedError::NoElection)?;
    let Some(report) = borrowed.report else { return Ok(PublishedComparison::Differs) };
    let mut same = SameBytes { expected: report.get().as_bytes(), pos: 0, equal: true };
    if serde_json::to_writer(&mut same, &mine).is_ok() && same.equal && same.pos == same.expected.len() {
        return Ok(PublishedComparison::Equal);
    }
    // Through text, like the published side: serde_json's float parsing need not
    // give back the very f64 that was printed, so both sides are parsed alike.
    let theirs: serde_json::Value =
        serde_json::from_str(report.get()).map_err(|e| PublishedError::NotJson(e.to_string()))?;
    let mine: serde_json::Value =
        serde_json::from_str(&mine.to_json_compact()).map_err(|e| PublishedError::NotJson(e.to_string()))?;
    Ok(if theirs == mine { PublishedComparison::Equal } else { PublishedComparison::Differs })
}

/// A writer that checks what is written equals `expected`, without keeping it.
struct SameBytes<'a> {
    expected: &'a [u8],
    pos: usize,
    equal: bool,
}

impl std::io::Write for SameBytes<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let end = self.pos + buf.len();
        if self.equal && self.expected.get(self.pos..end) != Some(buf) {
            self.equal = false;
        }
        self.pos = end;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
