//! Every integration test of this crate, linked into one binary: one binary per
//! file made linking dominate the suite's build time. Each module is one former file.
// Tests may panic on failure; that is how a test reports it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod router;
mod router_reads;
mod site;
mod witness;
