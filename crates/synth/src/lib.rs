//! Synthetic elections (work in progress).
