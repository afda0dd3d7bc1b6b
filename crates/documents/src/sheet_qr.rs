//! QR decoders the node plugs into the registry, so a sheet whose QR payload
//! disagrees with its typed counts is flagged `qr_mismatch` (and one that
//! cannot be read, or whose BU fails its own checks, `qr_unreadable`).
//!
//! A sheet's `qr` field is the payload as scanned: the Venezuelan acta's one
//! code, or a Brazilian BU's parts one per line (any order, repeats
//! tolerated). [`SheetQr`] detects which and dispatches.
//!
//! Flags are derived state: every replay of the log must compute the same
//! ones, so a decoder's result may depend only on the payload, the election
//! definition and what the log told the decoder: for the BU, its key set,
//! which starts empty and grows only through `trust` entries
//! ([`QrDecoder::trusting`]). A node, `testigo verify` and `testigo tally`
//! all start from [`SheetQr::default`] and replay the same log, so they
//! derive the same signature states and flags.

use std::collections::BTreeMap;

use testigo_election::{Contest, ElectionDef, LoggedTrust, QrCounts, QrDecoder, QrReading, QrSignature, TrustedKey};
use testigo_formats::brazil_bu::{self, parse_pin_hex, ChainStatus, KeySet, Office, Phase, SignatureStatus};
use testigo_formats::venezuela_qr;

/// The Venezuelan acta QR (`CCCCCCCCC.MM.1.0001!v1,…,vN!NULOS!X`): its card
/// counts are summed into candidates through the contest's ballot cards, in
/// the order the election definition lists them.
#[derive(Clone, Copy, Debug, Default)]
pub struct VenezuelaActaQr;

/// The format name of [`VenezuelaActaQr`] payloads.
pub const VENEZUELA_ACTA: &str = "venezuela_acta";
/// The format name of [`BrazilBuQr`] payloads.
pub const BRAZIL_BU: &str = "brazil_bu";

impl QrDecoder for VenezuelaActaQr {
    fn read(&self, _election: &ElectionDef, contest: &Contest, payload: &str) -> QrReading {
        QrReading { format: VENEZUELA_ACTA, signature: None, counts: self.counts(contest, payload) }
    }
}

impl VenezuelaActaQr {
    fn counts(&self, contest: &Contest, payload: &str) -> Result<QrCounts, String> {
        let card_owner: Vec<usize> =
            contest.candidates.iter().enumerate().flat_map(|(i, c)| std::iter::repeat_n(i, c.cards.len())).collect();
        if card_owner.is_empty() {
            return Err(format!("contest {} lists no ballot cards, so an acta QR cannot be read for it", contest.id));
        }
        let qr = venezuela_qr::parse(payload, card_owner.len()).map_err(|e| e.to_string())?;
        let mut votes = BTreeMap::new();
        for (&v, &owner) in qr.card_votes.iter().zip(&card_owner) {
            *votes.entry(contest.candidates[owner].id.clone()).or_insert(0u64) += u64::from(v);
        }
        Ok(QrCounts {
            table: Some(format!("{}.{:02}", qr.centre, qr.mesa)),
            votes,
            null: Some(u64::from(qr.null_votes)),
        })
    }
}

/// The Brazilian boletim de urna QR (`QRBU:i:n …` parts, one per line of the
/// payload). The parts are assembled and the SHA-512 chain checked; the
/// signature is checked against the keys trusted so far (in a registry: the
/// keys of the `trust` entries with format `brazil_bu` before the sheet).
///
/// - A broken chain, or a signature that a configured key shows to be
///   invalid, makes the payload unreadable (`qr_unreadable`): altered counts
///   must not be compared as if they were the machine's.
/// - A signature that cannot be checked (no key for the slot, format 6.0,
///   missing) does not: the counts are still compared, and
///   [`BrazilBuQr::signature`] reports the status (never "verified" unless
///   it is).
/// - The office compared with the contest is the one whose `CARG` code is
///   the contest id (`"11"` for mayor); otherwise the BU's only office;
///   otherwise the one office whose voted candidate numbers are all
///   candidate ids of the contest. Candidates are matched by number: the
///   election's candidate ids must be the ballot numbers (`"13"`, `"22"`).
/// - The table is not compared (the BU names it as state, municipality,
///   zone and section; the election's table ids are its own).
#[derive(Clone, Debug, Default)]
pub struct BrazilBuQr {
    keys: KeySet,
}

impl BrazilBuQr {
    /// A decoder trusting `keys` (empty: every signature is `unknown_key`).
    /// For offline tools and tests: a registry's decoder starts from
    /// [`BrazilBuQr::default`] and gets its keys from the log.
    pub fn new(keys: KeySet) -> Self {
        BrazilBuQr { keys }
    }

    /// Adds the keys of a `brazil_bu` trust entry to the key set. Fails,
    /// leaving some keys added, on a key that [`KeySet`] refuses (a slot
    /// that is not a state, phase and key version, a wrong pin, a different
    /// key already trusted for the slot); callers add to a copy.
    pub fn add_trusted(&mut self, keys: &[TrustedKey]) -> Result<(), String> {
        for k in keys {
            let (uf, phase, version) = (&k.region, &k.phase, &k.version);
            let phase = phase_from_name(phase)
                .ok_or_else(|| format!("key for {uf} {version}: phase {phase:?} is not official or simulated"))?;
            let raw = hex::decode(&k.ed25519).map_err(|e| format!("key for {uf} {version}: {e}"))?;
            let pin = k.pin.as_deref().map(parse_pin_hex).transpose().map_err(|e| e.to_string())?;
            self.keys.add_key_file(uf, phase, version, &raw, pin.as_ref()).map_err(|e| e.to_string())?;
        }
        Ok(())
    }

    /// The chain and signature status of a BU payload (one part per line),
    /// for reporting what a sheet's QR proves.
    pub fn signature(&self, payload: &str) -> Result<(ChainStatus, SignatureStatus), String> {
        let bu = brazil_bu::parse_payload(payload.lines().map(str::trim).filter(|l| !l.is_empty()))
            .map_err(|e| e.to_string())?;
        let v = bu.verify(&self.keys);
        Ok((v.chain, v.signature))
    }
}

/// The name of a BU phase in a trusted key (`official`, `simulated`).
pub fn phase_name(phase: Phase) -> &'static str {
    match phase {
        Phase::Official => "official",
        Phase::Simulated => "simulated",
    }
}

/// The BU phase a trusted key names, if it is one.
pub fn phase_from_name(name: &str) -> Option<Phase> {
    [Phase::Official, Phase::Simulated].into_iter().find(|p| phase_name(*p) == name)
}

/// A BU signing key as a `brazil_bu` trust entry lists it: the state (upper
/// case), phase and key version of its slot, the 32-byte key file in hex and
/// the file's pinned SHA-512, if one was given. Checks nothing; the registry
/// does when the entry is applied.
pub fn trusted_bu_key(
    uf: &str,
    phase: Phase,
    key_version: &str,
    key_file: &[u8],
    pin: Option<&[u8; 64]>,
) -> TrustedKey {
    TrustedKey {
        region: uf.to_ascii_uppercase(),
        phase: phase_name(phase).to_string(),
        version: key_version.to_string(),
        ed25519: hex::encode(key_file),
        pin: pin.map(hex::encode),
    }
}

/// The election crate's name for a BU signature status.
pub fn signature_state(s: SignatureStatus) -> QrSignature {
    match s {
        SignatureStatus::Verified => QrSignature::Verified,
        SignatureStatus::Invalid => QrSignature::Invalid,
        SignatureStatus::UnknownKey => QrSignature::UnknownKey,
        SignatureStatus::UnsupportedFormat => QrSignature::UnsupportedFormat,
        SignatureStatus::Missing => QrSignature::Missing,
    }
}

/// Picks the BU office that a contest is about (see [`BrazilBuQr`]).
fn office_for<'a>(offices: &'a [Office], contest: &Contest) -> Result<&'a Office, String> {
    if let Some(o) = contest.id.parse::<u32>().ok().and_then(|code| offices.iter().find(|o| o.office == code)) {
        return Ok(o);
    }
    if let [only] = offices {
        return Ok(only);
    }
    let fits = |o: &&Office| {
        let votes = o.all_candidate_votes();
        !votes.is_empty() && votes.keys().all(|n| contest.candidate_position(&n.to_string()).is_some())
    };
    let fitting: Vec<&Office> = offices.iter().filter(fits).collect();
    match fitting.as_slice() {
        [one] => Ok(one),
        _ => Err(format!(
            "the BU has {} offices and none is clearly contest {} (name the contest by the office's CARG code, e.g. 11)",
            offices.len(),
            contest.id
        )),
    }
}

impl QrDecoder for BrazilBuQr {
    fn read(&self, _election: &ElectionDef, contest: &Contest, payload: &str) -> QrReading {
        let bu = match brazil_bu::parse_payload(payload.lines().map(str::trim).filter(|l| !l.is_empty())) {
            Ok(bu) => bu,
            Err(e) => return QrReading { format: BRAZIL_BU, signature: None, counts: Err(e.to_string()) },
        };
        let v = bu.verify(&self.keys);
        QrReading {
            format: BRAZIL_BU,
            signature: Some(signature_state(v.signature)),
            counts: self.counts(&bu, v, contest),
        }
    }

    fn payloads_from_codes(&self, codes: &[String]) -> Vec<String> {
        SheetQr::join_bu_parts(codes)
    }

    fn trusting(&self, format: &str, keys: &[TrustedKey]) -> Result<Box<dyn QrDecoder + Send + Sync>, String> {
        let mut next = self.clone();
        next.trust(format, keys)?;
        Ok(Box::new(next))
    }
}

impl BrazilBuQr {
    /// [`BrazilBuQr::add_trusted`] for a trust entry's format, which must be
    /// [`BRAZIL_BU`].
    fn trust(&mut self, format: &str, keys: &[TrustedKey]) -> Result<(), String> {
        if format != BRAZIL_BU {
            return Err(format!("format {format:?} has no signature keys to trust (this software checks {BRAZIL_BU})"));
        }
        self.add_trusted(keys)
    }

    fn counts(
        &self,
        bu: &brazil_bu::Payload,
        v: brazil_bu::Verification,
        contest: &Contest,
    ) -> Result<QrCounts, String> {
        if let ChainStatus::BrokenAt { part } = v.chain {
            return Err(format!("the BU's hash chain is broken at part {part}: altered or misread"));
        }
        if v.signature == SignatureStatus::Invalid {
            return Err("the BU's signature is invalid for the configured key: altered or forged".to_string());
        }
        let record = bu.record().map_err(|e| format!("the BU content does not map to offices and counts: {e}"))?;
        let office = office_for(&record.offices, contest)?;
        let votes =
            office.all_candidate_votes().into_iter().map(|(number, n)| (number.to_string(), u64::from(n))).collect();
        Ok(QrCounts { table: None, votes, null: office.null.map(u64::from) })
    }
}

/// Any supported sheet QR: a payload starting `QRBU:` is a Brazilian BU,
/// anything else is read as a Venezuelan acta. The default trusts no BU
/// keys: a registry's decoder learns them from `trust` entries.
#[derive(Clone, Debug, Default)]
pub struct SheetQr {
    /// The BU decoder (and its keys).
    pub brazil: BrazilBuQr,
}

impl SheetQr {
    /// A composite decoder whose BU signatures are checked against `keys`,
    /// for offline tools and tests (a registry's starts from the default and
    /// gets its keys from the log).
    pub fn new(keys: KeySet) -> Self {
        SheetQr { brazil: BrazilBuQr::new(keys) }
    }
}

impl SheetQr {
    /// The decoder a registry holds after applying `trusts` (its
    /// [`testigo_election::Registry::trusts`]): the default, trusting their
    /// keys. For showing what a log's keys make of a payload.
    pub fn from_trusts(trusts: &[LoggedTrust]) -> Result<SheetQr, String> {
        let mut qr = SheetQr::default();
        for t in trusts {
            qr.brazil.trust(&t.trust.format, &t.trust.keys)?;
        }
        Ok(qr)
    }
}

/// True if the payload is a BU (its first non-blank line is a `QRBU:` part).
pub fn is_brazil_bu(payload: &str) -> bool {
    payload.trim_start().starts_with("QRBU:")
}

impl SheetQr {
    /// The payloads in a photo's codes: every BU part joined into one
    /// payload (one part per line, in the order given), and each other code
    /// on its own.
    pub fn join_bu_parts(codes: &[String]) -> Vec<String> {
        let (bu, other): (Vec<&String>, Vec<&String>) = codes.iter().partition(|c| is_brazil_bu(c));
        let mut payloads: Vec<String> = other.into_iter().cloned().collect();
        if !bu.is_empty() {
            payloads.insert(0, bu.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\n"));
        }
        payloads
    }
}

impl QrDecoder for SheetQr {
    fn read(&self, election: &ElectionDef, contest: &Contest, payload: &str) -> QrReading {
        if is_brazil_bu(payload) {
            self.brazil.read(election, contest, payload)
        } else {
            VenezuelaActaQr.read(election, contest, payload)
        }
    }

    fn payloads_from_codes(&self, codes: &[String]) -> Vec<String> {
        Self::join_bu_parts(codes)
    }

    fn trusting(&self, format: &str, keys: &[TrustedKey]) -> Result<Box<dyn QrDecoder + Send + Sync>, String> {
        let mut next = self.clone();
        next.brazil.trust(format, keys)?;
        Ok(Box::new(next))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use testigo_election::Candidate;
    use testigo_formats::brazil_bu::Phase;

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
        let qr = SheetQr::new(keys());
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
        assert_eq!(qr.brazil.signature(BU).unwrap(), (ChainStatus::Valid, SignatureStatus::Verified));
    }

    #[test]
    fn altered_bu_is_unreadable_and_unknown_key_is_not() {
        let mayor = contest("11", &["92"]);
        let def = election(vec![mayor.clone()]);
        let qr = SheetQr::new(keys());
        // One vote changed: the chain breaks, so the counts are not compared.
        let tampered = BU.replace(" 92:1 ", " 92:2 ");
        let err = qr.read(&def, &mayor, &tampered).counts.unwrap_err();
        assert!(err.contains("hash chain"), "{err}");
        // Without the key the counts are compared, and the status says so.
        let keyless = SheetQr::default();
        assert_eq!(keyless.read(&def, &mayor, BU).counts.unwrap().votes.get("92"), Some(&1));
        assert_eq!(keyless.brazil.signature(BU).unwrap().1, SignatureStatus::UnknownKey);
    }

    #[test]
    fn multi_part_bu_in_any_order_with_repeats() {
        let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(7);
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
        let with_key = SheetQr::new(keys()).read(&def, &mayor, BU);
        assert_eq!((with_key.format, with_key.signature), (BRAZIL_BU, Some(QrSignature::Verified)));
        let keyless = SheetQr::default().read(&def, &mayor, BU);
        assert_eq!(keyless.signature, Some(QrSignature::UnknownKey));
        // A signature altered in its last hex digit: invalid, and the counts are not used.
        let assi = BU.find("ASSI:").unwrap() + "ASSI:".len();
        let end = BU[assi..].find(char::is_whitespace).map_or(BU.len(), |e| assi + e);
        let mut forged = BU.to_string();
        let last = &BU[end - 1..end];
        forged.replace_range(end - 1..end, if last == "0" { "1" } else { "0" });
        let r = SheetQr::new(keys()).read(&def, &mayor, &forged);
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
        assert_eq!(from_log.brazil.signature(BU).unwrap().1, SignatureStatus::Verified);

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
        with_key.brazil.add_trusted(std::slice::from_ref(&key)).unwrap();
        assert!(with_key.trusting(BRAZIL_BU, &[conflicting]).err().unwrap().contains("different key"));
        assert!(with_key.trusting(BRAZIL_BU, &[key]).is_ok(), "the same key again is harmless");
    }

    #[test]
    fn photo_codes_join_bu_parts_and_keep_other_codes_apart() {
        let codes: Vec<String> = ["QRBU:2:2 b", "hello", "QRBU:1:2 a", "world"].map(String::from).to_vec();
        let payloads = SheetQr::default().payloads_from_codes(&codes);
        assert_eq!(payloads, vec!["QRBU:2:2 b\nQRBU:1:2 a".to_string(), "hello".into(), "world".into()]);
        assert_eq!(SheetQr::join_bu_parts(&["x".to_string()]), vec!["x".to_string()]);
    }

    #[test]
    fn venezuelan_payloads_still_go_to_the_acta_decoder() {
        let c = contest("p", &["a"]);
        let def = election(vec![c.clone()]);
        // No ballot cards in this contest: the acta decoder's own error.
        let err = SheetQr::default().read(&def, &c, ACTA.trim()).counts.unwrap_err();
        assert!(err.contains("ballot cards"), "{err}");
        assert!(!is_brazil_bu(ACTA) && is_brazil_bu(BU));
    }
}
