//! The audit's random numbers: SHA-256 in counter mode over a public seed.
//!
//! Value i (i = 0, 1, 2, …) is SHA-256(seed ‖ u64_be(i)). Anyone holding the
//! seed can recompute every draw with any SHA-256 implementation;
//! `crates/audit/SAMPLING.md` specifies the mappings to [0, 1) and to integers
//! byte for byte. The seed is chosen after the reported counts are fixed
//! (public dice rolled after the log's checkpoint is published, combined with
//! that checkpoint's root by [`seed_from_dice`]), so nobody could have known
//! which batches would be drawn when the counts were reported.

use sha2::{Digest, Sha256};

/// The audit seed from public dice and a log checkpoint:
/// SHA-256(dice_text as UTF-8 bytes ‖ checkpoint_root_bytes). The dice text is
/// used exactly as given (no trimming, no separator), so the caller must
/// publish it byte for byte; the root is the checkpoint's raw 32-byte hash,
/// not its base64 text.
pub fn seed_from_dice(dice_text: &str, checkpoint_root: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(dice_text.as_bytes());
    h.update(checkpoint_root);
    h.finalize().into()
}

/// The counter-mode generator: each call consumes one or more counter values.
#[derive(Clone, Debug)]
pub struct Generator {
    seed: Vec<u8>,
    counter: u64,
}

impl Generator {
    /// A generator over `seed` (any bytes), starting at counter 0.
    pub fn new(seed: &[u8]) -> Self {
        Generator { seed: seed.to_vec(), counter: 0 }
    }

    /// A generator over `seed` resuming at `counter`: an audit that escalates
    /// later (hand counts come in over days) draws its further batches from the
    /// value after the last one used, recorded as [`Self::counter`].
    pub fn at(seed: &[u8], counter: u64) -> Self {
        Generator { seed: seed.to_vec(), counter }
    }

    /// The counter of the next value to be produced (how many were consumed).
    pub fn counter(&self) -> u64 {
        self.counter
    }

    /// The next 32-byte value, SHA-256(seed ‖ u64_be(counter)); the counter advances by one.
    pub fn next_block(&mut self) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(&self.seed);
        h.update(self.counter.to_be_bytes());
        self.counter += 1;
        h.finalize().into()
    }

    /// The next value's first 8 bytes as a big-endian u64.
    pub fn next_u64(&mut self) -> u64 {
        let b = self.next_block();
        u64::from_be_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])
    }

    /// A number in [0, 1): the top 53 bits of [`Self::next_u64`] times 2^−53,
    /// exact in an IEEE double, so every implementation gets the same number.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// A uniform integer in [0, n) without modulo bias: x = [`Self::next_u64`]
    /// is rejected (and the next counter value tried) while
    /// x ≥ 2^64 − (2^64 mod n); the accepted x gives x mod n. For n ≤ 1 it
    /// returns 0 and consumes no value (there is nothing to choose).
    pub fn next_below(&mut self, n: u64) -> u64 {
        if n <= 1 {
            return 0;
        }
        // 2^64 mod n, computed in u64 as (2^64 − n) mod n.
        let rem = n.wrapping_neg() % n;
        loop {
            let x = self.next_u64();
            // Accept x < 2^64 − rem; when rem = 0 every x is accepted.
            if rem == 0 || x < rem.wrapping_neg() {
                return x % n;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_follow_the_documented_construction() {
        let mut g = Generator::new(b"seed");
        let mut h = Sha256::new();
        h.update(b"seed");
        h.update(0u64.to_be_bytes());
        let first: [u8; 32] = h.finalize().into();
        assert_eq!(g.next_block(), first);
        assert_eq!(g.counter(), 1);
    }

    #[test]
    fn unit_interval_and_bounded_integers_stay_in_range() {
        let mut g = Generator::new(&[7; 32]);
        for n in [1u64, 2, 3, 7, 1000, u64::MAX] {
            for _ in 0..50 {
                assert!(g.next_below(n) < n.max(1));
                let x = g.next_f64();
                assert!((0.0..1.0).contains(&x));
            }
        }
    }

    #[test]
    fn dice_seed_is_sha256_of_the_concatenation() {
        let mut h = Sha256::new();
        h.update(b"12345");
        h.update([1u8; 32]);
        let want: [u8; 32] = h.finalize().into();
        assert_eq!(seed_from_dice("12345", &[1u8; 32]), want);
    }
}
