//! Ed25519 batch verification that charges each distinct key once.
//!
//! `ed25519_dalek::verify_batch` puts every signature's key into the
//! multiscalar multiplication, even when one key signed many of the batch's
//! messages (an importer signs a whole dataset; a witness network's key signs
//! many tables). Here the terms of one key are summed first (the coefficient of
//! `A` is `Σ zᵢ·kᵢ` over that key's signatures), so a batch of `n` signatures by
//! `m` keys multiplies `n + m + 1` points instead of `2n + 1`. The random
//! coefficients `zᵢ` come from the thread's CSPRNG, seeded by the operating system.
//!
//! Each signature is also held to what the strict single check
//! ([`ed25519_dalek::VerifyingKey::verify_strict`], used by
//! [`crate::Verifier::verify_raw`]) refuses outright: a non-canonical `S`, a
//! non-canonical or small-order `R`, a small-order (weak) key. What remains
//! different is that the batch equation is cofactored: a signature whose `R` or
//! key carries a torsion component, which only the key's holder can make, may
//! pass here and fail singly. Callers fall back to the single check when a batch
//! fails, so a batch never accepts what a single check of an honest signature
//! would refuse.

use std::collections::HashMap;

use curve25519_dalek::constants::ED25519_BASEPOINT_POINT;
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::{IsIdentity, VartimeMultiscalarMul};
use ed25519_dalek::VerifyingKey;
use rand::Rng;
use sha2::{Digest, Sha512};

/// One signature to check in a batch: the signed message, the raw 64-byte
/// signature `R || S`, and the key that should have made it.
#[derive(Clone, Copy, Debug)]
pub struct BatchItem<'a> {
    /// The signed bytes.
    pub msg: &'a [u8],
    /// The raw signature (64 bytes; anything else fails the batch).
    pub sig: &'a [u8],
    /// The signer's public key.
    pub key: &'a VerifyingKey,
}

/// Checks every signature of `items` at once. `true` means that, except with
/// probability 2⁻¹²⁸, each one satisfies the cofactored Ed25519 equation and
/// passes the strict encoding checks described in the module documentation.
/// `false` means at least one fails; which one is found by checking them singly.
/// An empty batch passes.
pub fn verify_batch(items: &[BatchItem<'_>]) -> bool {
    if items.is_empty() {
        return true;
    }
    let mut rng = rand::thread_rng();
    // Slot 0 is the base point, whose coefficient is known only at the end.
    let mut scalars: Vec<Scalar> = Vec::with_capacity(items.len() + 2);
    let mut points: Vec<EdwardsPoint> = Vec::with_capacity(items.len() + 2);
    scalars.push(Scalar::ZERO);
    points.push(ED25519_BASEPOINT_POINT);
    // Where each distinct key's coefficient is summed. Consecutive signatures
    // are often by one key, so the last key is checked before the map.
    let mut key_slot: HashMap<[u8; 32], usize> = HashMap::new();
    let mut last: Option<(&VerifyingKey, usize)> = None;
    let mut base_coefficient = Scalar::ZERO;
    for item in items {
        let Ok(sig) = <&[u8; 64]>::try_from(item.sig) else {
            return false;
        };
        let (mut r_bytes, mut s_bytes) = ([0u8; 32], [0u8; 32]);
        r_bytes.copy_from_slice(&sig[..32]);
        s_bytes.copy_from_slice(&sig[32..]);
        let Some(s) = Option::<Scalar>::from(Scalar::from_canonical_bytes(s_bytes)) else {
            return false;
        };
        if !is_canonical_y(&r_bytes) || is_small_order(&r_bytes) {
            return false;
        }
        let Some(r) = CompressedEdwardsY(r_bytes).decompress() else {
            return false;
        };
        let k = Scalar::from_hash(
            Sha512::new().chain_update(r_bytes).chain_update(item.key.as_bytes()).chain_update(item.msg),
        );
        let z = Scalar::from(rng.gen::<u128>());
        base_coefficient += z * s;
        scalars.push(z);
        points.push(r);
        let slot = if let Some((_, slot)) = last.filter(|(key, _)| std::ptr::eq(*key, item.key)) {
            slot
        } else {
            let slot = match key_slot.get(item.key.as_bytes()) {
                Some(&slot) => slot,
                None => {
                    if is_small_order(item.key.as_bytes()) {
                        return false;
                    }
                    scalars.push(Scalar::ZERO);
                    points.push(item.key.to_edwards());
                    key_slot.insert(*item.key.as_bytes(), points.len() - 1);
                    points.len() - 1
                }
            };
            last = Some((item.key, slot));
            slot
        };
        scalars[slot] += z * k;
    }
    // Σ zᵢ·(sᵢ·B − Rᵢ − kᵢ·Aᵢ) = 0, written as (−Σ zᵢsᵢ)·B + Σ zᵢ·Rᵢ + Σ_A (Σ zᵢkᵢ)·A = 0
    // after negating; multiplied by the cofactor so torsion cannot make it fail.
    scalars[0] = -base_coefficient;
    EdwardsPoint::vartime_multiscalar_mul(&scalars, &points).mul_by_cofactor().is_identity()
}

/// Whether a compressed point's y coordinate (the low 255 bits) is below
/// p = 2²⁵⁵ − 19. Decompression reduces y modulo p, so a value in
/// [p, 2²⁵⁵) names a point whose canonical encoding differs; the strict single
/// check compares encodings and always refuses such an `R`.
fn is_canonical_y(bytes: &[u8; 32]) -> bool {
    let top = bytes[31] & 0x7f;
    !(top == 0x7f && bytes[1..31].iter().all(|&b| b == 0xff) && bytes[0] >= 0xed)
}

/// Whether a compressed point with a canonical y decompresses to a point of
/// small order (a torsion point): its y is that of one of the eight, whatever
/// the sign bit. Comparing bytes spares the three doublings of
/// [`EdwardsPoint::is_small_order`] for every signature.
fn is_small_order(bytes: &[u8; 32]) -> bool {
    static TORSION_Y: std::sync::OnceLock<Vec<[u8; 32]>> = std::sync::OnceLock::new();
    let ys = TORSION_Y.get_or_init(|| {
        curve25519_dalek::constants::EIGHT_TORSION
            .iter()
            .map(|point| {
                let mut y = point.compress().to_bytes();
                y[31] &= 0x7f;
                y
            })
            .collect()
    });
    let mut y = *bytes;
    y[31] &= 0x7f;
    ys.contains(&y)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::{Signer as _, SigningKey};

    fn keys(n: u8) -> Vec<SigningKey> {
        (1..=n).map(|i| SigningKey::from_bytes(&[i; 32])).collect()
    }

    /// (message, signature, key) triples: `count` messages signed round-robin by `keys`.
    fn signed(keys: &[SigningKey], count: usize) -> Vec<(Vec<u8>, [u8; 64], VerifyingKey)> {
        (0..count)
            .map(|i| {
                let key = &keys[i % keys.len()];
                let msg = format!("sheet {i}\n").into_bytes();
                let sig = key.sign(&msg).to_bytes();
                (msg, sig, key.verifying_key())
            })
            .collect()
    }

    fn check(triples: &[(Vec<u8>, [u8; 64], VerifyingKey)]) -> bool {
        let items: Vec<BatchItem<'_>> = triples.iter().map(|(msg, sig, key)| BatchItem { msg, sig, key }).collect();
        verify_batch(&items)
    }

    #[test]
    fn valid_batches_pass_with_one_key_or_many() {
        assert!(verify_batch(&[]));
        for n in [1, 3, 50] {
            assert!(check(&signed(&keys(n), 200)), "{n} keys");
        }
        assert!(check(&signed(&keys(1), 1)));
    }

    #[test]
    fn any_altered_message_signature_or_key_fails_the_batch() {
        let good = signed(&keys(3), 30);
        for i in [0, 13, 29] {
            let mut bad = good.clone();
            bad[i].0.push(b'x');
            assert!(!check(&bad), "message {i}");
            let mut bad = good.clone();
            bad[i].1[5] ^= 1;
            assert!(!check(&bad), "R of {i}");
            let mut bad = good.clone();
            bad[i].1[40] ^= 1;
            assert!(!check(&bad), "S of {i}");
            let mut bad = good.clone();
            bad[i].2 = SigningKey::from_bytes(&[99; 32]).verifying_key();
            assert!(!check(&bad), "key of {i}");
        }
        // Two signatures swapped between messages of the same key.
        let mut bad = good.clone();
        let (a, b) = (bad[0].1, bad[3].1);
        bad[0].1 = b;
        bad[3].1 = a;
        assert!(!check(&bad));
    }

    #[test]
    fn what_the_strict_check_refuses_by_encoding_fails_here_too() {
        let good = signed(&keys(2), 4);
        // S + l: the same scalar, not canonical.
        let mut bad = good.clone();
        let s = Scalar::from_canonical_bytes(bad[1].1[32..].try_into().unwrap()).unwrap();
        let l_plus = add_order(&s.to_bytes());
        if let Some(bytes) = l_plus {
            bad[1].1[32..].copy_from_slice(&bytes);
            assert!(!check(&bad));
        }
        // A small-order R (the identity) with any S.
        let mut bad = good.clone();
        let mut identity = [0u8; 32];
        identity[0] = 1;
        bad[2].1[..32].copy_from_slice(&identity);
        assert!(!check(&bad));
        // A non-canonical y (p + 1 encodes the identity's y = 1).
        let mut bad = good.clone();
        let mut p_plus_1 = [0xff; 32];
        p_plus_1[0] = 0xee;
        p_plus_1[31] = 0x7f;
        assert!(!is_canonical_y(&p_plus_1));
        bad[0].1[..32].copy_from_slice(&p_plus_1);
        assert!(!check(&bad));
        // A weak key: the identity as public key.
        let weak = VerifyingKey::from_bytes(&identity).unwrap();
        let items = [BatchItem { msg: b"x", sig: &good[0].1, key: &weak }];
        assert!(!verify_batch(&items));
        // A signature of the wrong length.
        let items = [BatchItem { msg: &good[0].0, sig: &good[0].1[..63], key: &good[0].2 }];
        assert!(!verify_batch(&items));
    }

    #[test]
    fn a_small_order_r_made_by_the_key_holder_fails_as_it_does_singly() {
        // With R the identity, s = H(R || A || M)·a satisfies both the
        // cofactored and the cofactorless equation; only the encoding rule
        // refuses it. ed25519-dalek's batch accepts it; the strict check and
        // this batch do not.
        let key = SigningKey::from_bytes(&[7; 32]);
        let public = key.verifying_key();
        let msg = b"crafted\n";
        let mut r = [0u8; 32];
        r[0] = 1;
        let k = Scalar::from_hash(Sha512::new().chain_update(r).chain_update(public.as_bytes()).chain_update(msg));
        let mut sig = [0u8; 64];
        sig[..32].copy_from_slice(&r);
        sig[32..].copy_from_slice((k * key.to_scalar()).as_bytes());
        let dalek_sig = ed25519_dalek::Signature::from_bytes(&sig);
        assert!(public.verify_strict(msg, &dalek_sig).is_err());
        assert!(ed25519_dalek::verify_batch(&[msg], &[dalek_sig], &[public]).is_ok());
        let mut triples = signed(&keys(2), 5);
        triples.push((msg.to_vec(), sig, public));
        assert!(!check(&triples));
    }

    #[test]
    fn small_order_by_bytes_is_small_order_by_arithmetic() {
        for point in curve25519_dalek::constants::EIGHT_TORSION {
            let bytes = point.compress().to_bytes();
            assert!(is_small_order(&bytes));
            let mut flipped = bytes;
            flipped[31] ^= 0x80;
            // Either sign of x: the point or its negation, both small order.
            assert!(is_small_order(&flipped));
            if let Some(p) = CompressedEdwardsY(flipped).decompress() {
                assert!(p.is_small_order());
            }
        }
        for key in keys(20) {
            let public = key.verifying_key();
            assert!(!is_small_order(public.as_bytes()));
            assert!(!public.to_edwards().is_small_order());
        }
    }

    #[test]
    fn canonical_y_bounds() {
        let mut below_p = [0xff; 32];
        below_p[0] = 0xec;
        below_p[31] = 0x7f;
        assert!(is_canonical_y(&below_p), "p - 1");
        let mut p = below_p;
        p[0] = 0xed;
        assert!(!is_canonical_y(&p), "p");
        // The sign bit is not part of y.
        let mut signed_small = [0u8; 32];
        signed_small[31] = 0x80;
        assert!(is_canonical_y(&signed_small));
    }

    #[test]
    fn agrees_with_the_strict_single_check_on_single_signatures() {
        for (msg, sig, key) in signed(&keys(4), 40) {
            let strict = key.verify_strict(&msg, &ed25519_dalek::Signature::from_bytes(&sig)).is_ok();
            assert_eq!(verify_batch(&[BatchItem { msg: &msg, sig: &sig, key: &key }]), strict);
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        /// Any batch passes exactly when every signature in it passes the
        /// strict single check (for signatures an honest signer or a byte flip makes).
        #[test]
        fn passes_exactly_when_every_strict_check_does(
            count in 1usize..24,
            key_count in 1u8..5,
            flips in proptest::collection::vec((0usize..24, 0usize..64 + 40, 0u8..8), 0..3),
        ) {
            let mut triples = signed(&keys(key_count), count);
            for (which, at, bit) in flips {
                let t = &mut triples[which % count];
                if at < 64 {
                    t.1[at] ^= 1 << bit;
                } else {
                    let at = (at - 64) % t.0.len();
                    t.0[at] ^= 1 << bit;
                }
            }
            let strict = triples
                .iter()
                .all(|(msg, sig, key)| key.verify_strict(msg, &ed25519_dalek::Signature::from_bytes(sig)).is_ok());
            proptest::prop_assert_eq!(check(&triples), strict);
        }
    }

    /// `s + l` as 32 little-endian bytes, if it fits in 256 bits.
    fn add_order(s: &[u8; 32]) -> Option<[u8; 32]> {
        const L: [u8; 32] = [
            0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0,
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
        ];
        let mut out = [0u8; 32];
        let mut carry = 0u16;
        for i in 0..32 {
            let v = s[i] as u16 + L[i] as u16 + carry;
            out[i] = v as u8;
            carry = v >> 8;
        }
        (carry == 0).then_some(out)
    }
}
