//! The QR decoder the node plugs into the registry, so a sheet whose QR
//! payload disagrees with its typed counts is flagged `qr_mismatch` (and one
//! that cannot be read, or whose BU fails its own checks, `qr_unreadable`).
//!
//! A sheet's `qr` field is the payload as scanned: one code, or a multi-code
//! document's codes one per line (a Brazilian BU's parts, any order,
//! repeats tolerated). [`SheetQr`] detects the format through its
//! [`Formats`] registry and dispatches; it names no format itself.
//!
//! Flags are derived state: every replay of the log must compute the same
//! ones, so a decoder's result may depend only on the payload, the election
//! definition and what the log told the decoder: the formats' key sets,
//! which start empty and grow only through `trust` entries
//! ([`QrDecoder::trusting`]). A node, `testigo verify` and `testigo tally`
//! all start from [`SheetQr::default`] and replay the same log, so they
//! derive the same signature states and flags.

use testigo_election::{Contest, ElectionDef, LoggedTrust, QrDecoder, QrReading, TrustedKey};

pub use crate::brazil::*;
pub use crate::format::*;
pub use crate::venezuela::*;

/// Any supported sheet QR: the format of a payload is the first of
/// [`formats()`] that detects it, and a payload no format detects is read by
/// the first format (the Venezuelan acta), whose error says why it is
/// unreadable. The default trusts no keys: a registry's decoder learns them
/// from `trust` entries.
#[derive(Clone, Debug, Default)]
pub struct SheetQr {
    /// The formats (and their keys).
    pub formats: Formats,
}

impl SheetQr {
    /// A decoder reading `formats`, for offline tools and tests (a
    /// registry's starts from the default and gets its keys from the log).
    pub fn new(formats: Formats) -> Self {
        SheetQr { formats }
    }

    /// The decoder a registry holds after applying `trusts` (its
    /// [`testigo_election::Registry::trusts`]): the default, trusting their
    /// keys. For showing what a log's keys make of a payload.
    pub fn from_trusts(trusts: &[LoggedTrust]) -> Result<SheetQr, String> {
        let mut qr = SheetQr::default();
        for t in trusts {
            qr.formats.trust(&t.trust.format, &t.trust.keys)?;
        }
        Ok(qr)
    }

    /// The format of implementation `T` (for example [`BrazilBuQr`], to
    /// ask for a BU's signature status).
    pub fn format<T: DocumentFormat + 'static>(&self) -> Option<&T> {
        self.formats.find()
    }
}

impl QrDecoder for SheetQr {
    fn read(&self, election: &ElectionDef, contest: &Contest, payload: &str) -> QrReading {
        match self.formats.for_payload(payload) {
            Some(format) => format.read(election, contest, payload),
            None => {
                QrReading { format: "none", signature: None, counts: Err("no document format is configured".into()) }
            }
        }
    }

    fn payloads_from_codes(&self, codes: &[String]) -> Vec<String> {
        self.formats.payloads_from_codes(codes)
    }

    fn trusting(&self, format: &str, keys: &[TrustedKey]) -> Result<Box<dyn QrDecoder + Send + Sync>, String> {
        let mut next = self.clone();
        next.formats.trust(format, keys)?;
        Ok(Box::new(next))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;
    use testigo_election::Candidate;
    use testigo_election::QrSignature;
    use testigo_formats::brazil_bu::Phase;
    use testigo_formats::brazil_bu::{self, ChainStatus, KeySet, SignatureStatus};

    // The TSE manual's worked example (copied into crates/formats/testdata,
    // see its README): councillor (CARG 13) 93001:1, blank 1; mayor (CARG 11)
    // 92:1, null 1.
    const BU: &str = include_str!("../../formats/testdata/bu_ac_2024_example.txt");
    const BU_KEY: &str = include_str!("../../formats/testdata/bu_ac_2024_key.hex");
    const ACTA: &str = include_str!("../../formats/testdata/venezuela_acta_example.txt");

    fn contest(id: &str, candidates: &[&str]) -> Contest {
        Contest {
            id: id.into(),
            name: id.into(),
            candidates: candidates
                .iter()
                .map(|c| Candidate { id: (*c).into(), name: (*c).into(), cards: Vec::new() })
                .collect(),
        }
    }

    fn election(contests: Vec<Contest>) -> ElectionDef {
        ElectionDef {
            id: "br-test".into(),
            name: "test".into(),
            date: "2024-10-06".into(),
            levels: vec!["state".into(), "section".into()],
            contests,
            total_tables: None,
            registry: None,
            max_table_voters: 1000,
            operator: String::new(),
        }
    }

    fn keys() -> KeySet {
        let mut keys = KeySet::new();
        let raw = hex::decode(BU_KEY.trim()).unwrap();
        keys.add_key_file("AC", Phase::Simulated, "20240507", &raw, None).unwrap();
        keys
    }

    #[test]
    fn bu_counts_by_office_and_number() {
        let mayor = contest("11", &["92", "10"]);
        let councillors = contest("13", &["93001"]);
        let def = election(vec![mayor.clone(), councillors.clone()]);
        let qr = SheetQr::new(formats().with(BrazilBuQr::new(keys())));
        let got = qr.read(&def, &mayor, BU).counts.unwrap();
        assert_eq!(got.votes, BTreeMap::from([("92".to_string(), 1)]));
        assert_eq!((got.null, got.table), (Some(1), None));
        let got = qr.read(&def, &councillors, BU).counts.unwrap();
        assert_eq!(got.votes, BTreeMap::from([("93001".to_string(), 1)]));
        assert_eq!(got.null, Some(0));
        // A contest not named by CARG code: the one office whose numbers fit.
        let by_numbers = contest("prefeito", &["92", "10"]);
        assert_eq!(qr.read(&def, &by_numbers, BU).counts.unwrap().votes.get("92"), Some(&1));
        // Neither code nor numbers fit: unreadable for this contest, not a guess.
        assert!(qr.read(&def, &contest("president", &["13", "22"]), BU).counts.is_err());
        assert_eq!(
            qr.format::<BrazilBuQr>().unwrap().signature(BU).unwrap(),
            (ChainStatus::Valid, SignatureStatus::Verified)
        );
    }

    #[test]
    fn altered_bu_is_unreadable_and_unknown_key_is_not() {
        let mayor = contest("11", &["92"]);
        let def = election(vec![mayor.clone()]);
        let qr = SheetQr::new(formats().with(BrazilBuQr::new(keys())));
        // One vote changed: the chain breaks, so the counts are not compared.
        let tampered = BU.replace(" 92:1 ", " 92:2 ");
        let err = qr.read(&def, &mayor, &tampered).counts.unwrap_err();
        assert!(err.contains("hash chain"), "{err}");
        // Without the key the counts are compared, and the status says so.
        let keyless = SheetQr::default();
        assert_eq!(keyless.read(&def, &mayor, BU).counts.unwrap().votes.get("92"), Some(&1));
        assert_eq!(keyless.format::<BrazilBuQr>().unwrap().signature(BU).unwrap().1, SignatureStatus::UnknownKey);
    }

    #[test]
    fn multi_part_bu_in_any_order_with_repeats() {
        let mut rng = testigo_rng::seeded(7);
        let parts = (0..).map(|_| testigo_scan::corpus::brazil_payloads(&mut rng)).find(|p| p.len() >= 2).unwrap();
        let mut shuffled: Vec<&String> = parts.iter().rev().collect();
        shuffled.push(&parts[0]);
        let payload = shuffled.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\n");
        let record = brazil_bu::parse_payload(parts.iter().map(String::as_str)).unwrap().record().unwrap();
        let mayor_office = record.offices.iter().find(|o| o.office == 11).unwrap();
        let ids: Vec<String> = mayor_office.all_candidate_votes().keys().map(|n| n.to_string()).collect();
        let mayor = contest("11", &ids.iter().map(String::as_str).collect::<Vec<_>>());
        let def = election(vec![mayor.clone()]);
        let got = SheetQr::default().read(&def, &mayor, &payload).counts.unwrap();
        let want: BTreeMap<String, u64> =
            mayor_office.all_candidate_votes().into_iter().map(|(n, v)| (n.to_string(), u64::from(v))).collect();
        assert_eq!(got.votes, want);
        // A missing part is unreadable.
        let short = parts[1..].join("\n");
        assert!(SheetQr::default().read(&def, &mayor, &short).counts.is_err());
    }

    #[test]
    fn readings_carry_format_and_signature_state() {
        let mayor = contest("11", &["92"]);
        let def = election(vec![mayor.clone()]);
        let with_key = SheetQr::new(formats().with(BrazilBuQr::new(keys()))).read(&def, &mayor, BU);
        assert_eq!((with_key.format, with_key.signature), (BRAZIL_BU, Some(QrSignature::Verified)));
        let keyless = SheetQr::default().read(&def, &mayor, BU);
        assert_eq!(keyless.signature, Some(QrSignature::UnknownKey));
        // A signature altered in its last hex digit: invalid, and the counts are not used.
        let assi = BU.find("ASSI:").unwrap() + "ASSI:".len();
        let end = BU[assi..].find(char::is_whitespace).map_or(BU.len(), |e| assi + e);
        let mut forged = BU.to_string();
        let last = &BU[end - 1..end];
        forged.replace_range(end - 1..end, if last == "0" { "1" } else { "0" });
        let r = SheetQr::new(formats().with(BrazilBuQr::new(keys()))).read(&def, &mayor, &forged);
        assert_eq!(r.signature, Some(QrSignature::Invalid));
        assert!(r.counts.is_err());
        let acta = SheetQr::default().read(&def, &mayor, ACTA.trim());
        assert_eq!((acta.format, acta.signature), (VENEZUELA_ACTA, None));
    }

    #[test]
    fn trust_entries_add_bu_keys_to_a_copy_of_the_decoder() {
        let mayor = contest("11", &["92"]);
        let def = election(vec![mayor.clone()]);
        let raw = hex::decode(BU_KEY.trim()).unwrap();
        let pin: [u8; 64] = <sha2::Sha512 as sha2::Digest>::digest(&raw).into();
        let key = trusted_bu_key("ac", Phase::Simulated, "20240507", &raw, Some(&pin));
        assert_eq!((key.region.as_str(), key.phase.as_str()), ("AC", "simulated"));
        let keyless = SheetQr::default();
        let trusting = keyless.trusting(BRAZIL_BU, std::slice::from_ref(&key)).unwrap();
        assert_eq!(trusting.read(&def, &mayor, BU).signature, Some(QrSignature::Verified));
        assert_eq!(
            keyless.read(&def, &mayor, BU).signature,
            Some(QrSignature::UnknownKey),
            "the original is unchanged"
        );
        let from_log = SheetQr::from_trusts(&[testigo_election::LoggedTrust {
            index: 3,
            trust: testigo_election::Trust {
                format: BRAZIL_BU.into(),
                keys: vec![key.clone()],
                note: "n".into(),
                signed_at: 0,
            },
        }])
        .unwrap();
        assert_eq!(from_log.format::<BrazilBuQr>().unwrap().signature(BU).unwrap().1, SignatureStatus::Verified);

        // Refused: another format, an unknown phase, a wrong pin, a different key for a trusted slot.
        assert!(keyless.trusting(VENEZUELA_ACTA, std::slice::from_ref(&key)).is_err());
        let bad_phase = TrustedKey { phase: "training".into(), ..key.clone() };
        assert!(keyless.trusting(BRAZIL_BU, &[bad_phase]).err().unwrap().contains("phase"));
        let bad_pin = TrustedKey { pin: Some("00".repeat(64)), ..key.clone() };
        assert!(keyless.trusting(BRAZIL_BU, &[bad_pin]).is_err());
        let other = testigo_note::Signer::from_seed("other.example", testigo_note::ALG_ED25519, [7; 32])
            .unwrap()
            .verifier()
            .public_key()
            .to_bytes();
        let conflicting = trusted_bu_key("AC", Phase::Simulated, "20240507", &other, None);
        let mut with_key = SheetQr::default();
        with_key.formats.find_mut::<BrazilBuQr>().unwrap().add_trusted(std::slice::from_ref(&key)).unwrap();
        assert!(with_key.trusting(BRAZIL_BU, &[conflicting]).err().unwrap().contains("different key"));
        assert!(with_key.trusting(BRAZIL_BU, &[key]).is_ok(), "the same key again is harmless");
    }

    #[test]
    fn photo_codes_join_bu_parts_and_keep_other_codes_apart() {
        let codes: Vec<String> = ["QRBU:2:2 b", "hello", "QRBU:1:2 a", "world"].map(String::from).to_vec();
        let payloads = SheetQr::default().payloads_from_codes(&codes);
        assert_eq!(payloads, vec!["QRBU:2:2 b\nQRBU:1:2 a".to_string(), "hello".into(), "world".into()]);
        assert_eq!(BrazilBuQr::join_parts(&["x".to_string()]), vec!["x".to_string()]);
    }

    #[test]
    fn venezuelan_payloads_still_go_to_the_acta_decoder() {
        let c = contest("p", &["a"]);
        let def = election(vec![c.clone()]);
        // No ballot cards in this contest: the acta decoder's own error.
        let err = SheetQr::default().read(&def, &c, ACTA.trim()).counts.unwrap_err();
        assert!(err.contains("ballot cards"), "{err}");
        let f = formats();
        assert_eq!(f.detect_payload(ACTA).map(|f| f.name()), Some(VENEZUELA_ACTA));
        assert_eq!(f.detect_payload(BU).map(|f| f.name()), Some(BRAZIL_BU));
    }
}
