//! Checking a BU's hash chain and signature.

use super::assemble::Payload;
use super::chain::ChainStatus;
use super::keys::{KeySet, Phase};

/// The only format version whose signatures this crate can check.
pub const SUPPORTED_VERSION: &str = "1.5";

/// Outcome of the signature check. Only [`Self::Verified`] means the
/// content is authentic; every other value means "do not trust it".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignatureStatus {
    /// Ed25519 verification of the recomputed last hash succeeded with the
    /// configured key for the BU's state, phase and key version, or with a
    /// key configured without a slot ([`KeySet::add_any_slot_key`]).
    Verified,
    /// The signature does not verify (with the slot's key, nor with any key
    /// configured without a slot), is not 64 bytes, or signs a last hash
    /// other than the one the content yields.
    Invalid,
    /// No key is configured for the BU's state (`UNFE`), phase (`FASE`) and
    /// key version (`VRCH`), or one of them is absent, and no key was
    /// configured without a slot.
    UnknownKey,
    /// The format is not 1.5 (for example 6.0, signed with per-machine
    /// certificates): the signature cannot be checked yet.
    UnsupportedFormat,
    /// The last part carries no `ASSI`.
    Missing,
}

/// Result of [`Payload::verify`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Verification {
    /// Whether the printed hashes match the content.
    pub chain: ChainStatus,
    /// Whether the signature authenticates the content.
    pub signature: SignatureStatus,
}

impl Verification {
    /// True only if the chain holds and the signature verified.
    pub fn is_authentic(&self) -> bool {
        self.chain == ChainStatus::Valid && self.signature == SignatureStatus::Verified
    }
}

pub(crate) fn verify(payload: &Payload, keys: &KeySet) -> Verification {
    let computed = payload.computed_hashes();
    Verification { chain: payload.chain_status(), signature: signature_status(payload, keys, &computed) }
}

fn signature_status(payload: &Payload, keys: &KeySet, computed: &[[u8; 64]]) -> SignatureStatus {
    if payload.version != SUPPORTED_VERSION {
        return SignatureStatus::UnsupportedFormat;
    }
    let (Some(last), Some(last_computed)) = (payload.parts.last(), computed.last()) else {
        return SignatureStatus::Missing;
    };
    let Some(signature) = &last.signature else { return SignatureStatus::Missing };
    let phase = payload.content.get("FASE").and_then(Phase::from_fase);
    let candidates = keys.candidates(payload.content.get("UNFE"), phase, payload.key_version.as_deref());
    if candidates.is_empty() {
        return SignatureStatus::UnknownKey;
    }
    // The signature covers the printed last hash; it authenticates the
    // content only if that hash is the one the content yields.
    if last.hash != *last_computed {
        return SignatureStatus::Invalid;
    }
    let Ok(signature) = ed25519_dalek::Signature::from_slice(signature) else {
        return SignatureStatus::Invalid;
    };
    if candidates.iter().any(|key| key.verify_strict(last_computed, &signature).is_ok()) {
        SignatureStatus::Verified
    } else {
        SignatureStatus::Invalid
    }
}
