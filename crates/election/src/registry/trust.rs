//! Trust entries: the keys that sign a QR format, published in the log by
//! the operator. They go to the QR decoder, and the earlier sheets whose QR
//! signature had no key are checked again with them (see the module docs of
//! [`super`]).

use super::evidence::{set_photo_qr_flag, set_qr_flags, QrSubject};
use super::sheets::SheetRec;
use super::{Applied, Plan, Registry};
use crate::codes::{Flag, FlagSet, Rejection};
use crate::entry::{Kind, Trust, TrustedKey};
use crate::geography::TableIx;
use crate::ids::{id_problem, name_problem};
use crate::model::ElectionDef;
use crate::qr::{QrCheck, QrDecoder, QrSignature};

/// Most keys one trust entry may list (TSE has one key per state and phase
/// for each key version: 28 × 2).
pub const MAX_TRUST_KEYS: usize = 256;

/// One accepted trust entry: keys the log trusts to sign a QR format.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoggedTrust {
    /// Its log index.
    pub index: u64,
    /// The entry as logged.
    pub trust: Trust,
}

/// A sheet's QR checks redone under newly trusted keys.
pub(super) struct Recheck {
    /// The sheet's position.
    pub(super) pos: usize,
    /// The new check of its typed payload, if that was redone.
    pub(super) qr: Option<QrCheck>,
    /// The new check of its photo's codes, if that was redone.
    pub(super) photo_qr: Option<QrCheck>,
    /// Its flags with the QR flags recomputed.
    pub(super) flags: FlagSet,
}

impl Registry {
    /// All accepted trust entries, in log order.
    pub fn trusts(&self) -> &[LoggedTrust] {
        &self.trusts
    }

    /// Checks a trust entry (operator-signed, already authenticated): its
    /// form here, its keys by the decoder, which returns the decoder that
    /// trusts them; then redoes, with that decoder, the QR checks of earlier
    /// sheets whose signature had no key.
    pub(super) fn plan_trust(&self, election: &ElectionDef, index: u64, t: Trust) -> Result<Plan, Rejection> {
        let invalid = |m: String| Rejection::InvalidDefinition(m);
        if let Some(why) = id_problem(&t.format) {
            return Err(invalid(format!("trust format {:?}: {why}", t.format)));
        }
        if let Some(why) = name_problem(&t.note) {
            return Err(invalid(format!("trust note {:?}: {why}", t.note)));
        }
        if t.keys.is_empty() {
            return Err(invalid("a trust entry must list at least one key".into()));
        }
        if t.keys.len() > MAX_TRUST_KEYS {
            return Err(invalid(format!(
                "a trust entry lists {} keys; at most {MAX_TRUST_KEYS} fit in one (log the rest in another)",
                t.keys.len()
            )));
        }
        let slot = |k: &TrustedKey| (k.region.clone(), k.phase.clone(), k.version.clone());
        if t.keys.windows(2).any(|w| slot(&w[0]) >= slot(&w[1])) {
            return Err(invalid(
                "a trust entry's keys must be sorted by region, phase and version, each slot once".into(),
            ));
        }
        for k in &t.keys {
            check_trusted_key(k)
                .map_err(|why| invalid(format!("trusted key for {} {} {}: {why}", k.region, k.phase, k.version)))?;
        }
        let decoder = match self.qr.as_deref() {
            Some(d) => Some(d.trusting(&t.format, &t.keys).map_err(|e| invalid(format!("trust entry: {e}")))?),
            None => None,
        };
        let mut rechecks = Vec::new();
        if let Some(d) = decoder.as_deref() {
            for (pos, sheet) in self.sheets.iter().enumerate() {
                if let Some(r) = self.recheck(d, election, pos, sheet) {
                    rechecks.push(r);
                }
            }
        }
        Ok(Plan::Trust { rec: Box::new(LoggedTrust { index, trust: t }), decoder, rechecks })
    }

    /// Redoes a sheet's QR checks that found no key for their signature,
    /// with `decoder`; `None` if it has none.
    fn recheck(
        &self,
        decoder: &dyn QrDecoder,
        election: &ElectionDef,
        pos: usize,
        sheet: &SheetRec,
    ) -> Option<Recheck> {
        let evidence = sheet.evidence.as_deref()?;
        let photo_waiting = evidence.photo_qr.as_ref().is_some_and(|c| c.signature == Some(QrSignature::UnknownKey));
        if evidence.qr_awaiting_key.is_none() && !photo_waiting {
            return None;
        }
        let subject = QrSubject {
            election,
            contest: &election.contests[sheet.contest as usize],
            table: self.geography.table_id(TableIx(sheet.table)),
            counts: sheet.counts(),
        };
        let mut flags = sheet.flags;
        let qr = evidence.qr_awaiting_key.as_ref().map(|payload| {
            let check = subject.check(decoder, std::slice::from_ref(payload));
            flags.remove(Flag::QrMismatch);
            flags.remove(Flag::QrUnreadable);
            set_qr_flags(&mut flags, check.outcome);
            check
        });
        let reading = evidence.photo.as_ref().and_then(|p| self.readings.get(p)).filter(|_| photo_waiting);
        let photo_qr = reading.map(|reading| {
            let check = subject.check_photo(decoder, reading);
            set_photo_qr_flag(&mut flags, check.outcome);
            check
        });
        Some(Recheck { pos, qr, photo_qr, flags })
    }

    /// Records a checked trust entry: hands its decoder over and records the
    /// redone checks. A typed payload stops being kept once its signature
    /// found a key.
    pub(super) fn commit_trust(
        &mut self,
        index: u64,
        rec: LoggedTrust,
        decoder: Option<Box<dyn QrDecoder + Send + Sync>>,
        rechecks: Vec<Recheck>,
    ) -> Applied {
        let mut applied = Applied::new(index, Kind::Trust);
        applied.flags = self.raised_flags(rechecks.iter().map(|r| (r.pos, r.flags))).to_vec();
        if decoder.is_some() {
            self.qr = decoder;
        }
        for r in rechecks {
            let sheet = &mut self.sheets[r.pos];
            sheet.flags = r.flags;
            let evidence = sheet.evidence.get_or_insert_with(Box::default);
            if let Some(check) = r.qr {
                if check.signature != Some(QrSignature::UnknownKey) {
                    evidence.qr_awaiting_key = None;
                }
                evidence.qr = Some(check);
            }
            if r.photo_qr.is_some() {
                evidence.photo_qr = r.photo_qr;
            }
        }
        self.trusts.push(rec);
        applied
    }
}

/// Whether `s` is exactly `len` lowercase hex digits.
fn is_lower_hex(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Checks the form of a trusted key, whatever its format: slot fields that
/// are ids, an Ed25519 public key that is not weak, a pin that matches it.
fn check_trusted_key(k: &TrustedKey) -> Result<(), String> {
    for (what, v) in [("region", &k.region), ("phase", &k.phase), ("version", &k.version)] {
        if let Some(why) = id_problem(v) {
            return Err(format!("{what} {v:?}: {why}"));
        }
    }
    if !is_lower_hex(&k.ed25519, 64) {
        return Err(format!("ed25519 {:?} is not 64 lowercase hex digits (a 32-byte public key)", k.ed25519));
    }
    let mut raw = [0u8; 32];
    hex::decode_to_slice(&k.ed25519, &mut raw).map_err(|e| e.to_string())?;
    let key = ed25519_dalek::VerifyingKey::from_bytes(&raw).map_err(|_| "not an Ed25519 public key".to_string())?;
    if key.is_weak() {
        return Err("a weak (small-order) Ed25519 key, for which anyone can forge signatures".into());
    }
    if let Some(pin) = &k.pin {
        if !is_lower_hex(pin, 128) {
            return Err(format!("pin {pin:?} is not a SHA-512 in 128 lowercase hex digits"));
        }
        let found = hex::encode(<sha2::Sha512 as sha2::Digest>::digest(raw));
        if found != *pin {
            return Err(format!("the key hashes to SHA-512 {found}, not to the pinned {pin}: not the listed key file"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::tests::{code, key, setup, submit, NOW};
    use super::{check_trusted_key, MAX_TRUST_KEYS};
    use crate::entry::{Entry, Trust, TrustedKey};

    fn trusted(region: &str, seed: u8) -> TrustedKey {
        let k = key("qr.example", seed);
        TrustedKey {
            region: region.into(),
            phase: "p1".into(),
            version: "v1".into(),
            ed25519: hex::encode(k.verifier().public_key().as_bytes()),
            pin: None,
        }
    }

    fn trust(keys: Vec<TrustedKey>) -> Entry {
        Entry::Trust(Trust { format: "bu".into(), keys, note: "published keys".into(), signed_at: NOW })
    }

    #[test]
    fn trusted_key_form() {
        let good = trusted("r1", 11);
        assert_eq!(check_trusted_key(&good), Ok(()));
        let mut upper = good.clone();
        upper.ed25519 = upper.ed25519.to_uppercase();
        assert!(check_trusted_key(&upper).unwrap_err().contains("lowercase hex"));
        let mut weak = good.clone();
        // The identity point: small order, so anyone could forge its signatures.
        weak.ed25519 = format!("01{}", "0".repeat(62));
        assert!(check_trusted_key(&weak).unwrap_err().contains("weak"));
        let mut pinned = good.clone();
        let raw = hex::decode(&good.ed25519).unwrap();
        pinned.pin = Some(hex::encode(<sha2::Sha512 as sha2::Digest>::digest(&raw)));
        assert_eq!(check_trusted_key(&pinned), Ok(()));
        pinned.pin = Some("0".repeat(128));
        assert!(check_trusted_key(&pinned).unwrap_err().contains("not to the pinned"));
    }

    #[test]
    fn trust_entry_rules() {
        let (mut reg, k) = setup();
        assert_eq!(code(&mut reg, &trust(vec![trusted("r1", 11)]), &k.w), "not_operator");
        assert_eq!(code(&mut reg, &trust(Vec::new()), &k.operator), "invalid_definition");
        let unsorted = vec![trusted("r2", 12), trusted("r1", 11)];
        assert_eq!(code(&mut reg, &trust(unsorted), &k.operator), "invalid_definition");
        let too_many = (0..=MAX_TRUST_KEYS).map(|i| trusted(&format!("r{i:04}"), 11)).collect();
        assert_eq!(code(&mut reg, &trust(too_many), &k.operator), "invalid_definition");
        // Without a decoder the form is checked and the keys recorded.
        let a = submit(&mut reg, &trust(vec![trusted("r1", 11), trusted("r2", 12)]), &k.operator).unwrap();
        assert!(a.flags.is_empty());
        assert_eq!(reg.trusts().len(), 1);
        assert_eq!(reg.trusts()[0].index, a.index);
    }
}
