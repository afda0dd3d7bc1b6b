//! Trust entries: operator-signed keys for signed QR formats, handed to the
//! registry's decoder so every replay checks signatures with the same keys,
//! and earlier sheets whose signature had no key checked again.

use crate::common;

use common::*;
use ed25519_dalek::SigningKey;
use sha2::{Digest, Sha512};
use std::collections::BTreeMap;
use testigo_election::*;

/// The format [`SignedQr`] reads and trusts keys for.
const FORMAT: &str = "test_signed";

/// A signed test format: `region|signer|a=1,b=2,null=3`, where `signer` is
/// the hex public key that (notionally) signed it. The signature verifies
/// when the key trusted for `region` is `signer`, is invalid when another
/// key is trusted there, and unknown when none is.
#[derive(Clone, Default)]
struct SignedQr {
    keys: BTreeMap<String, String>,
}

impl QrDecoder for SignedQr {
    fn read(&self, _: &ElectionDef, _: &Contest, payload: &str) -> QrReading {
        let mut fields = payload.splitn(3, '|');
        let (Some(region), Some(signer), Some(counts)) = (fields.next(), fields.next(), fields.next()) else {
            return QrReading { format: FORMAT, signature: None, counts: Err("not region|signer|counts".into()) };
        };
        let signature = match self.keys.get(region) {
            None => QrSignature::UnknownKey,
            Some(k) if k == signer => QrSignature::Verified,
            Some(_) => QrSignature::Invalid,
        };
        let parse = || -> Result<QrCounts, String> {
            if signature == QrSignature::Invalid {
                return Err("forged".into());
            }
            let mut out = QrCounts::default();
            for part in counts.split(',') {
                let (k, v) = part.split_once('=').ok_or("no '='")?;
                let v: u64 = v.parse().map_err(|_| "bad count")?;
                if k == "null" {
                    out.null = Some(v);
                } else {
                    out.votes.insert(k.into(), v);
                }
            }
            Ok(out)
        };
        QrReading { format: FORMAT, signature: Some(signature), counts: parse() }
    }

    fn trusting(&self, format: &str, keys: &[TrustedKey]) -> Result<Box<dyn QrDecoder + Send + Sync>, String> {
        if format != FORMAT {
            return Err(format!("unknown format {format:?}"));
        }
        let mut next = self.clone();
        for k in keys {
            if next.keys.get(&k.region).is_some_and(|old| *old != k.ed25519) {
                return Err(format!("a different key is already trusted for {}", k.region));
            }
            next.keys.insert(k.region.clone(), k.ed25519.clone());
        }
        Ok(Box::new(next))
    }
}

fn signing_key(seed: u8) -> SigningKey {
    SigningKey::from_bytes(&[seed; 32])
}

fn key_hex(seed: u8) -> String {
    hex::encode(signing_key(seed).verifying_key().to_bytes())
}

fn trusted(region: &str, seed: u8) -> TrustedKey {
    TrustedKey {
        region: region.into(),
        phase: "official".into(),
        version: "20240101".into(),
        ed25519: key_hex(seed),
        pin: None,
    }
}

fn trust(keys: Vec<TrustedKey>) -> Entry {
    Entry::Trust(Trust {
        format: FORMAT.into(),
        keys,
        note: "test authority, list of 2024-01-01".into(),
        signed_at: NOW,
    })
}

/// The fixture with [`SignedQr`] as its decoder.
fn signed_setup() -> Log {
    let mut log = setup();
    log.reg.set_qr_decoder(Some(Box::new(SignedQr::default())));
    log
}

/// T1's consistent counts (see `common::sheet`), signed for `region` by the key of `seed`.
fn payload(region: &str, seed: u8, counts: &str) -> String {
    format!("{region}|{}|{counts}", key_hex(seed))
}

const COUNTS: &str = "a=100,b=50,c=10,null=5";

/// (typed check, photo check, flags) of the newest sheet of a table.
type Seen = (Option<(QrOutcome, Option<QrSignature>)>, Option<(QrOutcome, Option<QrSignature>)>, Vec<Flag>);

fn seen(reg: &Registry, table: &str) -> Seen {
    let t = reg.geography().find_table(table).unwrap();
    let s = reg.sheets_for_table(t).next().unwrap();
    (
        s.qr_check().map(|c| (c.outcome, c.signature)),
        s.photo_qr_check().map(|c| (c.outcome, c.signature)),
        s.flags().to_vec(),
    )
}

#[test]
fn trust_entries_encode_canonically() {
    let mut k = trusted("R1", 1);
    k.pin = Some(hex::encode(Sha512::digest(signing_key(1).verifying_key().to_bytes())));
    let entry = trust(vec![k, trusted("R2", 2)]);
    let bytes = enc(&entry, &keys().operator);
    let (decoded, _) = decode(&bytes).unwrap();
    assert_eq!(decoded, entry);
    assert_eq!(decoded.kind(), Kind::Trust);
    let text = entry.to_text().unwrap();
    assert!(text.starts_with("testigo/v1 trust\n{\"format\":\"test_signed\",\"keys\":[{\"region\":\"R1\""), "{text}");
    // An unknown field, or an explicit null for the absent pin, is not canonical.
    for bad in [
        text.replace("\"note\"", "\"extra\":1,\"note\""),
        text.replace("\"version\":\"20240101\",\"ed25519\":\"", "\"version\":\"20240101\",\"pin\":null,\"ed25519\":\""),
    ] {
        let mut n = testigo_note::SignedNote::new(bad).unwrap();
        n.sign(&keys().operator).unwrap();
        assert!(matches!(decode(&n.to_bytes()), Err(EntryError::Malformed(_))));
    }
}

#[test]
fn only_the_operator_trusts_keys_and_malformed_keys_are_refused() {
    let mut log = signed_setup();
    let k = keys();
    assert_eq!(log.code(&trust(vec![trusted("R1", 1)]), &k.w2), "not_operator");

    let with = |f: &dyn Fn(&mut TrustedKey)| {
        let mut key = trusted("R1", 1);
        f(&mut key);
        trust(vec![key])
    };
    let bad = [
        trust(vec![]),
        with(&|k| k.ed25519 = k.ed25519.to_uppercase()),
        with(&|k| k.ed25519.truncate(62)),
        // The identity point: small order, so anyone could forge for it.
        with(&|k| k.ed25519 = format!("01{}", "00".repeat(31))),
        with(&|k| k.pin = Some("00".repeat(64))),
        with(&|k| k.pin = Some("ab".repeat(32))),
        with(&|k| k.region = String::new()),
        with(&|k| k.version = "2024 01 01".into()),
        // Unsorted, and one slot twice.
        trust(vec![trusted("R2", 2), trusted("R1", 1)]),
        trust(vec![trusted("R1", 1), trusted("R1", 2)]),
        Entry::Trust(Trust { format: FORMAT.into(), keys: vec![trusted("R1", 1)], note: " ".into(), signed_at: NOW }),
        // The decoder's own refusals: a format it does not know.
        Entry::Trust(Trust { format: "other".into(), keys: vec![trusted("R1", 1)], note: "n".into(), signed_at: NOW }),
    ];
    for e in &bad {
        assert_eq!(log.code(e, &k.operator), "invalid_definition", "{e:?}");
    }
    let too_many: Vec<TrustedKey> = (0..=MAX_TRUST_KEYS).map(|i| trusted(&format!("R{i:04}"), 1)).collect();
    assert_eq!(log.code(&trust(too_many), &k.operator), "invalid_definition");
    assert!(log.reg.trusts().is_empty());

    // Accepted with a correct pin; the same key again is harmless; a different key for the slot is refused.
    let mut pinned = trusted("R1", 1);
    pinned.pin = Some(hex::encode(Sha512::digest(signing_key(1).verifying_key().to_bytes())));
    let a = log.submit_entry(&trust(vec![pinned]), &k.operator).unwrap();
    assert_eq!((a.kind, a.flags), (Kind::Trust, vec![]));
    log.submit_entry(&trust(vec![trusted("R1", 1)]), &k.operator).unwrap();
    assert_eq!(log.code(&trust(vec![trusted("R1", 2)]), &k.operator), "invalid_definition");
    assert_eq!(log.reg.trusts().iter().map(|t| t.index).collect::<Vec<_>>(), vec![a.index, a.index + 1]);

    // Without a decoder, the form is still checked and the entry recorded.
    let mut plain = setup();
    assert_eq!(plain.code(&trust(vec![trusted("R2", 2), trusted("R1", 1)]), &k.operator), "invalid_definition");
    plain.submit_entry(&trust(vec![trusted("R1", 1)]), &k.operator).unwrap();
    assert_eq!(plain.reg.trusts().len(), 1);
}

#[test]
fn trusted_keys_check_later_sheets_and_recheck_earlier_ones() {
    let mut log = signed_setup();
    let k = keys();
    let photo = "44".repeat(32);

    // Before any key: a forged QR and a genuine one both read as unknown_key, and their counts are used.
    let mut forged = sheet("T1");
    forged.qr = Some(payload("R1", 9, COUNTS));
    assert_eq!(log.sheet(&forged, &k.w2).unwrap().flags, vec![]);
    let mut genuine = sheet("T2");
    genuine.qr = Some(payload("R1", 1, COUNTS));
    genuine.registered = None;
    log.sheet(&genuine, &k.w2).unwrap();
    // A photo of a forged code with other counts: a mismatch, for now.
    let mut photographed = sheet("T3");
    photographed.registered = Some(200);
    photographed.photo_sha256 = Some(photo.clone());
    log.sheet(&photographed, &k.w21).unwrap();
    let codes = vec![payload("R1", 9, "a=1,b=50,c=10,null=5")];
    let r = log
        .submit_entry(
            &Entry::Reading(PhotoReading {
                photo_sha256: photo.clone(),
                codes,
                reader: "test reader".into(),
                signed_at: NOW,
            }),
            &k.operator,
        )
        .unwrap();
    assert_eq!(r.flags, vec![Flag::PhotoQrMismatch]);
    let unknown = Some(QrSignature::UnknownKey);
    assert_eq!(seen(&log.reg, "T1"), (Some((QrOutcome::Matches, unknown)), None, vec![]));
    assert_eq!(seen(&log.reg, "T3"), (None, Some((QrOutcome::Mismatch, unknown)), vec![Flag::PhotoQrMismatch]));

    // The key is logged: the earlier sheets are checked again with it.
    let a = log.submit_entry(&trust(vec![trusted("R1", 1)]), &k.operator).unwrap();
    assert_eq!(a.flags, vec![Flag::QrUnreadable], "the forged typed QR is now unreadable");
    let (invalid, verified) = (Some(QrSignature::Invalid), Some(QrSignature::Verified));
    assert_eq!(seen(&log.reg, "T1"), (Some((QrOutcome::Unreadable, invalid)), None, vec![Flag::QrUnreadable]));
    assert_eq!(seen(&log.reg, "T2"), (Some((QrOutcome::Matches, verified)), None, vec![]));
    assert_eq!(seen(&log.reg, "T3"), (None, Some((QrOutcome::Unreadable, invalid)), vec![]), "mismatch cleared");

    // Later sheets are checked with it as they arrive.
    let mut later = sheet("T1");
    later.qr = Some(payload("R1", 9, COUNTS));
    assert_eq!(log.sheet(&later, &k.w1).unwrap().flags, vec![Flag::QrUnreadable]);
    let mut other_region = sheet("T2");
    other_region.registered = None;
    other_region.qr = Some(payload("R2", 9, COUNTS));
    assert_eq!(log.sheet(&other_region, &k.w1).unwrap().flags, vec![]);
    assert_eq!(seen(&log.reg, "T2").0, Some((QrOutcome::Matches, unknown)));

    // Replay: the same log gives the same checks and flags, and check agreed with apply throughout.
    let mut replayed = Registry::new();
    replayed.set_qr_decoder(Some(Box::new(SignedQr::default())));
    for (i, b) in &log.entries {
        replayed.apply(*i, b).unwrap();
    }
    let all = |reg: &Registry| -> Vec<_> {
        reg.sheets().map(|s| (s.index(), s.qr_check(), s.photo_qr_check(), s.flags().to_vec())).collect()
    };
    assert_eq!(all(&replayed), all(&log.reg));
    assert_eq!(replayed.trusts(), log.reg.trusts());

    // A replay that ignores trust entries (the old behaviour) would derive other flags.
    let mut keyless = Registry::new();
    keyless.set_qr_decoder(Some(Box::new(SignedQr::default())));
    for (i, b) in &log.entries {
        if decode(b).unwrap().0.kind() != Kind::Trust {
            keyless.apply(*i, b).unwrap();
        }
    }
    assert_ne!(all(&keyless), all(&log.reg));
}
