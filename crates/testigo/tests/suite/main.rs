//! Every integration test of this crate, linked into one binary: one binary per
//! file made linking dominate the suite's build time. Each module is one former file.
// Tests may panic on failure; that is how a test reports it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod architecture;
mod audit_cli;
mod bu_trust;
mod common;
mod enrol_requests;
#[path = "../../../verify/tests/suite/foreign_log.rs"]
mod foreign_log;
mod forensics;
#[path = "../../../tlog/tests/suite/gobuild.rs"]
mod gobuild;
mod hardening;
mod import_sources;
mod intake;
mod load;
#[path = "../../../objstore/tests/suite/moto.rs"]
mod moto;
mod object_storage;
mod photo_intake;
mod qr_cli;
mod readme_walkthrough;
mod tally_cli;
mod verify_cli;
mod verify_demo;
mod verify_log_only;
mod verify_photos;
mod verify_replay_batch;
