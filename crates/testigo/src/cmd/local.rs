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

/// Where signed entries go: straight into a stopped data directory, or to a
/// running server.
#[derive(clap::Args, Debug)]
pub struct Destination {
    /// Data directory (when no server runs on it).
    #[arg(long, conflicts_with = "server")]
    pub dir: Option<std::path::PathBuf>,
    /// Base URL of a running server (e.g. http://127.0.0.1:8080).
    #[arg(long)]
    pub server: Option<String>,
}

impl Destination {
    /// Records signed entries there, in order ([`record`]).
    pub fn record(&self, entries: Vec<Vec<u8>>, what: &str) -> anyhow::Result<Vec<u64>> {
        record(self.dir.as_deref(), self.server.as_deref(), entries, what)
    }
}

/// Records signed entries, in order: straight into the data directory `dir`
/// (no server may run on it), or posted to the server at `server`. Returns
/// their log indexes; stops at the first refusal, naming `what` was refused.
fn record(dir: Option<&Path>, server: Option<&str>, entries: Vec<Vec<u8>>, what: &str) -> anyhow::Result<Vec<u64>> {
    match (dir, server) {
        (_, Some(server)) => entries
            .iter()
            .map(|e| Ok(super::client::block_on(super::client::post_entry(server, e, None))??.index))
            .collect(),
        (Some(dir), None) => {
            let node = open_node(dir)?;
            let r = submit_all(&node, entries, what);
            node.shutdown();
            Ok(r?.into_iter().map(|(i, _)| i).collect())
        }
        (None, None) => bail!("give --dir D or --server URL"),
    }
}
