//! Drawing the sample: batches with probability proportional to their error
//! bounds (PPEB), or ballots uniformly, both with replacement, from a
//! [`Generator`]. `SAMPLING.md` specifies both so a sample can be recomputed
//! outside testigo.

use crate::seed::Generator;
use crate::AuditError;

/// Prefix sums of PPEB weights, in the order given (the order is part of the
/// specification: floating-point sums are exact to reproduce only when added
/// in the same order).
#[derive(Clone, Debug)]
pub struct Ppeb {
    cumulative: Vec<f64>,
}

impl Ppeb {
    /// Prepares draws over `weights` (each u_p ≥ 0; at least one positive).
    pub fn new(weights: &[f64]) -> Result<Self, AuditError> {
        let mut sum = 0.0;
        let mut cumulative = Vec::with_capacity(weights.len());
        for &w in weights {
            // A negative or NaN weight would break the search's ordering.
            sum += if w.is_finite() && w > 0.0 { w } else { 0.0 };
            cumulative.push(sum);
        }
        if sum <= 0.0 {
            return Err(AuditError::Empty("every batch has error bound 0, so there is nothing to draw"));
        }
        Ok(Ppeb { cumulative })
    }

    /// The total weight U.
    pub fn total(&self) -> f64 {
        self.cumulative.last().copied().unwrap_or(0.0)
    }

    /// One draw: x = next_f64() · U; the first index i whose prefix sum
    /// exceeds x (so a batch of weight 0 is never drawn).
    pub fn draw(&self, g: &mut Generator) -> usize {
        let x = g.next_f64() * self.total();
        let i = self.cumulative.partition_point(|&c| c <= x);
        // x < U always, but guard against rounding by taking the last batch.
        i.min(self.cumulative.len().saturating_sub(1))
    }

    /// `k` draws with replacement, in draw order.
    pub fn draws(&self, g: &mut Generator, k: u64) -> Vec<usize> {
        (0..k).map(|_| self.draw(g)).collect()
    }
}

/// `k` ballots (or tables) drawn uniformly from `population`, with
/// replacement, in draw order: each is [`Generator::next_below`]`(population)`,
/// a 0-based position in the caller's published ordering of the population.
pub fn uniform_draws(g: &mut Generator, population: u64, k: u64) -> Result<Vec<u64>, AuditError> {
    if population == 0 {
        return Err(AuditError::Empty("the population to sample from is empty"));
    }
    Ok((0..k).map(|_| g.next_below(population)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_weights_are_never_drawn() {
        let p = Ppeb::new(&[0.0, 1.0, 0.0, 3.0, 0.0]).ok();
        let p = p.as_ref().map(|p| p.draws(&mut Generator::new(b"z"), 2000));
        let draws = p.unwrap_or_default();
        assert_eq!(draws.len(), 2000);
        assert!(draws.iter().all(|&i| i == 1 || i == 3));
        let threes = draws.iter().filter(|&&i| i == 3).count();
        // Expected 1500 of 2000; 4.5 standard deviations each way.
        assert!((1410..1590).contains(&threes), "{threes}");
    }

    #[test]
    fn empty_inputs_are_refused() {
        assert!(Ppeb::new(&[]).is_err());
        assert!(Ppeb::new(&[0.0]).is_err());
        assert!(uniform_draws(&mut Generator::new(b""), 0, 1).is_err());
    }
}
