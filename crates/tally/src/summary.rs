//! The summary a server publishes and a verifier recomputes from its own
//! copy of the log: default options, every level, logged bulletins checked.
//! Being a pure function of the registry, two honest parties at the same log
//! size get byte-identical JSON.

use testigo_election::Registry;

use crate::official::{check_bulletin, logged_bulletins, ChanceModel};
use crate::report::{build_report, ReportOptions, TallyReport};
use crate::tally::{tabulate, TallyOptions};
use crate::Evidence;

/// The published summary of a replayed log; `None` before the election entry.
pub fn published_summary(registry: &Registry) -> Option<TallyReport> {
    let election = registry.election()?;
    let geo = registry.geography();
    let ev = Evidence::from_registry(registry);
    let tally = tabulate(election, geo, &ev, &TallyOptions::default());
    let mut report = build_report(election, geo, &ev, &tally, &ReportOptions { levels: None, ..Default::default() });
    for logged in logged_bulletins(registry) {
        let b = &logged.bulletin;
        let Some((ci, ct)) =
            tally.contests.iter().enumerate().find(|(_, ct)| election.contests[ct.contest].id == b.contest)
        else {
            continue;
        };
        // A logged bulletin passed the registry's checks, so this only fails on
        // figures the report cannot place; such a bulletin is left out for both parties alike.
        if let Ok(mut check) = check_bulletin(election, geo, &ev, ct, b, &ChanceModel::default()) {
            check.logged = Some(logged.provenance());
            report.contests[ci].official.push(check);
        }
    }
    Some(report)
}
