//! Integration tests of testigo-forensics, one binary (see ARCHITECTURE.md, "Where to look").

// Tests may unwrap and expect: a panic is a failure with a message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod albania;
mod charts;
mod columns;
mod integer;
