//! testigo's node and HTTP server.
//!
//! - [`node`]: the running node (log, registry derived from it, photos); HTTP-agnostic.
//! - [`http`]: the axum routes: intake, views, photos, the log at its C2SP paths.
//! - [`conn`]: the accept loop: header/idle timeouts and connection caps.
//! - [`ratelimit`]: per-key limits after authentication, per-address and global ones before it.
//! - [`requests`]: enrolment requests (a key asking to be enrolled), checked and kept for the operator.
//! - [`witnessing`]: witness cosignatures collected for each new checkpoint and republished.
//! - [`site`]: the public website (`testigo-site`) rendered live from the registry.

mod batcher;
pub mod changes;
pub mod conn;
pub mod http;
pub mod logfiles;
pub mod node;
pub mod ratelimit;
pub mod requests;
pub mod site;
pub mod witnessing;

pub use http::{router, serve, Limits};
pub use node::{qr_factory, Accepted, Node, QrFactory, SubmitError};
