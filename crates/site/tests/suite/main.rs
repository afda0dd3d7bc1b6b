//! The website on a real signed log (the tally tests' fixture: corroborated,
//! single, conflicting and missing tables, a correction, an official sheet):
//! every page in every language, escaping, search, downloads, and the export.
// Test code (helpers included): a failed unwrap is a test failure with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../../tally/tests/suite/common/mod.rs"]
mod fixture;

mod export;
mod pages;
mod search;
mod unit_json;
mod witness;

use testigo_site::{SiteConfig, Snapshot};

/// The fixture's snapshot, with a made-up log key (pages print it; nothing here verifies it).
pub fn snapshot(reg: &testigo_election::Registry) -> Snapshot {
    let config = SiteConfig {
        log_vkey: "log.example+01020304+AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=".into(),
        cosigners: vec![],
        quorum: 0,
        public_url: Some("https://results.example.org/".into()),
    };
    Snapshot::build(reg, config, None).unwrap()
}
