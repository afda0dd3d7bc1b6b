//! Subtree inclusion and consistency proofs (placeholder, see tests).
