//! Submitting signed entries straight into a data directory (no server):
//! `init`, `enroll` and `import` use it when the node is not running.

use std::path::Path;

use anyhow::{bail, Context};
use testigo_documents::SheetQr;
use testigo_election::Flag;
use testigo_server::node::Outcome;
use testigo_server::{qr_factory, Node};
use testigo_store::DataDir;

/// Opens the node of a data directory (takes the writer lock; replays the log).
pub fn open_node(dir: &Path) -> anyhow::Result<Node> {
    Node::open(DataDir::new(dir), qr_factory(SheetQr::default)).with_context(|| {
        format!("opening {}: if `testigo serve` is running on it, submit through the server instead", dir.display())
    })
}

/// Submits entries that must all be accepted (operator entries); fails on
/// the first rejection, naming it.
pub fn submit_all(node: &Node, entries: Vec<Vec<u8>>, what: &str) -> anyhow::Result<Vec<(u64, Vec<Flag>)>> {
    let outcomes = node.submit_many(entries, testigo_store::unix_now())?;
    let mut out = Vec::with_capacity(outcomes.len());
    for (i, o) in outcomes.into_iter().enumerate() {
        match o {
            Ok(x) => out.push(x),
            Err(r) => bail!("{what} #{i} was rejected ({}): {r}", r.code()),
        }
    }
    Ok(out)
}

/// Counts of outcomes by code, for summaries.
#[derive(Default, Debug)]
pub struct Tally {
    /// Accepted entries.
    pub accepted: u64,
    /// Accepted entries per flag code.
    pub flags: std::collections::BTreeMap<&'static str, u64>,
    /// Rejections per code, with the first message of each.
    pub rejected: std::collections::BTreeMap<&'static str, (u64, String)>,
}

impl Tally {
    /// Adds a batch of outcomes.
    pub fn add(&mut self, outcomes: &[Outcome]) {
        for o in outcomes {
            match o {
                Ok((_, flags)) => {
                    self.accepted += 1;
                    for f in flags {
                        *self.flags.entry(f.code()).or_default() += 1;
                    }
                }
                Err(r) => {
                    let e = self.rejected.entry(r.code()).or_insert((0, r.to_string()));
                    e.0 += 1;
                }
            }
        }
    }

    /// Rejected entries in all.
    pub fn rejected_total(&self) -> u64 {
        self.rejected.values().map(|(n, _)| n).sum()
    }
}
