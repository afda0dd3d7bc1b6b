//! The sampler is a published specification (`SAMPLING.md`): these fixed
//! values fail if the generator, the PPEB mapping or the integer mapping change.
//! They were recomputed independently from SAMPLING.md with Python's hashlib.

use testigo_audit::sample::{uniform_draws, Ppeb};
use testigo_audit::{seed_from_dice, Generator};

const DICE: &str = "3 1 4 1 5 9 2 6 5 3 5 8 9 7 9 3 2 3 8 4";

fn seed() -> [u8; 32] {
    seed_from_dice(DICE, &[0xab; 32])
}

#[test]
fn seed_and_first_values_are_fixed() {
    assert_eq!(hex(&seed()), "0f431cf7391ace45e1a8637e369c8826456252918a7559d1d66b7c0351f9dad3");
    let mut g = Generator::new(&seed());
    assert_eq!(hex(&g.next_block()), "874c76e0e7dc43db70c257673be5a9e2a5007fbf1d612febd32512f731d66896");
    assert_eq!(g.next_u64(), 3_376_053_121_620_637_550);
    assert_eq!(g.next_f64(), 0.1624173155472487);
}

#[test]
fn the_same_seed_draws_the_same_batches() {
    // Weights like u_p of 20 batches of uneven size.
    let weights: Vec<f64> = (1..=20).map(|i| f64::from(i * i % 17 + 1) / 100.0).collect();
    let ppeb = Ppeb::new(&weights).unwrap();
    let first = ppeb.draws(&mut Generator::new(&seed()), 12);
    let again = ppeb.draws(&mut Generator::new(&seed()), 12);
    assert_eq!(first, again);
    assert_eq!(first, vec![8, 3, 3, 7, 10, 18, 4, 7, 3, 11, 11, 10]);
    let other = ppeb.draws(&mut Generator::new(b"another seed"), 12);
    assert_ne!(first, other);
}

#[test]
fn the_same_seed_draws_the_same_ballots() {
    let draws = uniform_draws(&mut Generator::new(&seed()), 1_000_003, 8).unwrap();
    assert_eq!(draws, vec![743_641, 657_077, 31_247, 907_577, 204_019, 878_299, 563_740, 533_577]);
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}
