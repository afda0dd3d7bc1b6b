//! Integration tests of testigo-forensics, one binary (see ARCHITECTURE.md, "Where to look").

// Tests may unwrap and expect: a panic is a failure with a message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod albania;
mod columns;
mod integer;
