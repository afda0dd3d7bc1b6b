//! testigo's node and HTTP server.
//!
//! - [`datadir`]: the layout of a data directory and how it is created and opened.
//! - [`node`]: the running node (log, registry derived from it, photos); HTTP-agnostic.
//! - [`http`]: the axum routes: intake, views, photos, the log at its C2SP paths.
//! - [`conn`]: the accept loop: header/idle timeouts and connection caps.
//! - [`ratelimit`]: per-key limits after authentication, per-address and global ones before it.
//! - [`witnessing`]: witness cosignatures collected for each new checkpoint and republished.

mod batcher;
pub mod blobs;
pub mod conn;
pub mod datadir;
pub mod http;
pub mod logfiles;
pub mod node;
pub mod qr;
pub mod ratelimit;
pub mod witnessing;

pub use datadir::DataDir;
pub use http::{router, serve, Limits};
pub use node::{qr_factory, Accepted, Node, QrFactory, SubmitError};
