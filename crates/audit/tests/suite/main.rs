//! testigo-audit's integration tests (one binary, a module per concern).

mod published;
mod sampling;
mod simulation;
mod workflow;
