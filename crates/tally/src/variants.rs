//! A table's sheets grouped into variants.
//!
//! Sheets agree when every figure both report is equal
//! ([`testigo_election::SheetCounts::agrees_with`]). With figures that some
//! sources do not report, that relation is not transitive, so the grouping
//! keeps, per variant, the *merge* of its sheets' figures (each figure from
//! the first sheet that reports it) and puts a sheet in the first variant
//! whose merge it agrees with. Every sheet of a variant then agrees with
//! every other on what both report, and two sheets that disagree land in
//! different variants: a table has more than one variant exactly when two
//! of its sheets disagree, which is when the registry raises
//! `conflicts_with_earlier`.

use crate::evidence::Evidence;
use testigo_election::SheetCounts;

/// The variants of one table, in order of first appearance; reused from
/// table to table so grouping allocates only when a table is larger than
/// any before it.
#[derive(Clone, Debug, Default)]
pub(crate) struct Groups {
    nc: usize,
    /// Per sheet, in the order grouped: its variant.
    pub(crate) variant_of: Vec<u32>,
    /// Per variant: its first sheet (an evidence row position).
    pub(crate) reps: Vec<u32>,
    votes: Vec<u64>,
    reported: Vec<bool>,
    null: Vec<Option<u64>>,
    blank: Vec<Option<u64>>,
}

fn both(a: Option<u64>, b: Option<u64>) -> bool {
    a.zip(b).is_none_or(|(a, b)| a == b)
}

impl Groups {
    /// Groups `sheets` (evidence row positions, in log order) of a contest
    /// with `nc` candidates.
    pub(crate) fn group(&mut self, evidence: &Evidence, sheets: &[u32], nc: usize) {
        self.nc = nc;
        self.variant_of.clear();
        self.reps.clear();
        self.votes.clear();
        self.reported.clear();
        self.null.clear();
        self.blank.clear();
        let rows = evidence.rows();
        for &s in sheets {
            let c = evidence.counts(&rows[s as usize]);
            match (0..self.reps.len()).find(|&v| self.agrees(v, &c)) {
                Some(v) => {
                    self.merge(v, &c);
                    self.variant_of.push(v as u32);
                }
                None => {
                    self.variant_of.push(self.reps.len() as u32);
                    self.reps.push(s);
                    self.votes.extend_from_slice(c.votes);
                    self.reported.extend((0..nc).map(|k| c.reports(k)));
                    self.null.push(c.null);
                    self.blank.push(c.blank);
                }
            }
        }
    }

    fn agrees(&self, v: usize, c: &SheetCounts<'_>) -> bool {
        let at = v * self.nc;
        both(self.null[v], c.null)
            && both(self.blank[v], c.blank)
            && (0..self.nc).all(|k| !self.reported[at + k] || !c.reports(k) || self.votes[at + k] == c.votes[k])
    }

    fn merge(&mut self, v: usize, c: &SheetCounts<'_>) {
        let at = v * self.nc;
        for k in 0..self.nc {
            if !self.reported[at + k] && c.reports(k) {
                self.reported[at + k] = true;
                self.votes[at + k] = c.votes[k];
            }
        }
        self.null[v] = self.null[v].or(c.null);
        self.blank[v] = self.blank[v].or(c.blank);
    }

    /// Number of variants.
    pub(crate) fn len(&self) -> usize {
        self.reps.len()
    }

    /// A variant's votes in candidate order (0 where no sheet of it reports them).
    pub(crate) fn votes(&self, v: usize) -> &[u64] {
        &self.votes[v * self.nc..(v + 1) * self.nc]
    }

    /// Whether some sheet of the variant reports candidate `k`'s votes.
    pub(crate) fn reports(&self, v: usize, k: usize) -> bool {
        self.reported[v * self.nc + k]
    }

    /// Candidate positions no sheet of the variant reports.
    pub(crate) fn not_reported(&self, v: usize) -> Vec<u16> {
        (0..self.nc).filter(|&k| !self.reports(v, k)).map(|k| k as u16).collect()
    }

    /// The variant's null votes, if a sheet of it reports them.
    pub(crate) fn null(&self, v: usize) -> Option<u64> {
        self.null[v]
    }

    /// The variant's blank votes, if a sheet of it reports them.
    pub(crate) fn blank(&self, v: usize) -> Option<u64> {
        self.blank[v]
    }
}
