//! The object-storage backends against a real S3-compatible server (moto) on loopback.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests

mod memory;
mod moto;
mod s3;
