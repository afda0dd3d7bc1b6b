//! The Brazilian boletim de urna QR as a [`DocumentFormat`].

use std::collections::BTreeMap;

use serde::Serialize;
use testigo_election::{Contest, ElectionDef, QrCounts, QrReading, QrSignature, TrustedKey};
use testigo_formats::brazil_bu::{
    self, parse_pin_hex, AssembleError, BuError, BuRecord, ChainStatus, KeySet, Office, Payload, Phase,
    SignatureStatus, Verification,
};

use crate::format::{DocumentFormat, FormatInfo};
use crate::inspect::{ChainReport, Inspection, PartsReport, SignatureReport};

/// The format name of [`BrazilBuQr`] payloads.
pub const BRAZIL_BU: &str = "brazil_bu";

static INFO: FormatInfo = FormatInfo {
    name: BRAZIL_BU,
    report_name: "brazil-bu",
    title: "a Brazilian BU",
    looks_like: "a Brazilian BU part (QRBU:i:n …)",
    codes: "Brazilian BU parts",
};

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
    /// A format trusting `keys` (empty: every signature is `unknown_key`).
    /// For offline tools and tests: a registry's starts from
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

    /// The BU parts among `codes` joined into one payload (one part per
    /// line, in the order given), and each other code on its own, after it
    /// (what the registry does with a photo's codes).
    pub fn join_parts(codes: &[String]) -> Vec<String> {
        crate::Formats::new(vec![Box::new(BrazilBuQr::default())]).payloads_from_codes(codes)
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

impl From<SignatureStatus> for SignatureReport {
    fn from(s: SignatureStatus) -> Self {
        match s {
            SignatureStatus::Verified => SignatureReport::Verified,
            SignatureStatus::Invalid => SignatureReport::Invalid,
            SignatureStatus::UnknownKey => SignatureReport::UnknownKey,
            SignatureStatus::UnsupportedFormat => SignatureReport::UnsupportedFormat,
            SignatureStatus::Missing => SignatureReport::Missing,
        }
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

/// The counts of one office of a BU.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OfficeCounts {
    /// `CARG` code.
    pub code: u32,
    /// Its English name when known (1 president … 13 councillor).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<&'static str>,
    /// `TIPO`: 0 majoritarian, 1 proportional, 2 referendum.
    pub kind: Option<u32>,
    /// Votes per candidate number (in or out of party blocks).
    pub candidates: BTreeMap<u32, u32>,
    /// Party-list (`LEGP`) votes per party number.
    pub party_list: BTreeMap<u32, u32>,
    /// `APTA`: eligible voters for the office.
    pub eligible: Option<u32>,
    /// `BRAN`: blank votes.
    pub blank: Option<u32>,
    /// `NULO`: null votes.
    pub null: Option<u32>,
    /// `TOTC`: total votes.
    pub total: Option<u32>,
}

/// The counts an inspected BU carries (the report's `counts`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BuCounts {
    /// `APTO`: eligible voters of the section.
    pub eligible: Option<u32>,
    /// `COMP`: voters present.
    pub present: Option<u32>,
    /// `FALT`: voters absent.
    pub absent: Option<u32>,
    /// Per office, in printed order.
    pub offices: Vec<OfficeCounts>,
}

/// A BU as inspection read it (the report's typed details).
#[derive(Clone, Debug)]
pub struct BrazilResult {
    /// All parts, assembled.
    pub payload: Payload,
    /// Chain and signature status.
    pub verification: Verification,
    /// The typed content (`None` if the content does not map; see the
    /// report's errors).
    pub record: Option<BuRecord>,
}

/// English names of the `CARG` office codes.
fn office_name(code: u32) -> Option<&'static str> {
    Some(match code {
        1 => "president",
        3 => "governor",
        5 => "senator",
        6 => "federal deputy",
        7 => "state deputy",
        8 => "district deputy",
        11 => "mayor",
        13 => "councillor",
        _ => return None,
    })
}

impl DocumentFormat for BrazilBuQr {
    fn info(&self) -> &'static FormatInfo {
        &INFO
    }

    /// A code starting `QRBU:` (a BU part).
    fn detects(&self, code: &str) -> bool {
        code.starts_with("QRBU:")
    }

    /// Every part joined into one payload, one part per line, in the order
    /// read.
    fn payloads_from_codes(&self, codes: &[&str]) -> Option<Vec<String>> {
        Some(vec![codes.join("\n")])
    }

    fn read(&self, _election: &ElectionDef, contest: &Contest, payload: &str) -> QrReading {
        let bu = match brazil_bu::parse_payload(payload.lines().map(str::trim).filter(|l| !l.is_empty())) {
            Ok(bu) => bu,
            Err(e) => return QrReading { format: BRAZIL_BU, signature: None, counts: Err(e.to_string()) },
        };
        let v = bu.verify(&self.keys);
        QrReading { format: BRAZIL_BU, signature: Some(signature_state(v.signature)), counts: counts(&bu, v, contest) }
    }

    fn accepts_keys(&self) -> bool {
        true
    }

    fn trust(&mut self, keys: &[TrustedKey]) -> Result<(), String> {
        self.add_trusted(keys)
    }

    fn inspect(&self, codes: &[&str]) -> Inspection {
        let mut ins = Inspection::new(codes.iter().map(|s| s.to_string()).collect());
        // Parse each part on its own first, to report which are present even
        // when the set does not assemble.
        let mut parts = Vec::new();
        for (i, t) in codes.iter().enumerate() {
            match brazil_bu::parse_part(t) {
                Ok(p) => parts.push(p),
                Err(e) => ins.errors.push(BuError::Part { position: i + 1, source: e }.to_string()),
            }
        }
        if let Some(total) = parts.first().map(|p| p.total) {
            let mut read: Vec<u32> = parts.iter().filter(|p| p.total == total).map(|p| p.index).collect();
            read.sort_unstable();
            read.dedup();
            let missing: Vec<u32> = (1..=total).filter(|i| read.binary_search(i).is_err()).take(10).collect();
            ins.incomplete = !missing.is_empty();
            ins.parts = Some(PartsReport { total, read, missing });
        }
        if !ins.errors.is_empty() {
            return ins;
        }
        let payload = match brazil_bu::assemble(parts) {
            Ok(p) => p,
            Err(e) => {
                ins.errors.push(match e {
                    AssembleError::Missing { .. } => format!("{e} (the counts cannot be read from an incomplete BU)"),
                    e => e.to_string(),
                });
                return ins;
            }
        };
        let verification = payload.verify(&self.keys);
        ins.chain = match verification.chain {
            ChainStatus::Valid => ChainReport::Valid,
            ChainStatus::BrokenAt { part } => ChainReport::Broken { part },
        };
        ins.signature = verification.signature.into();
        let content = &payload.content;
        ins.key_slot = Some(format!(
            "state {} phase {} VRQR {} VRCH {}",
            content.get("UNFE").unwrap_or("?"),
            content.get("FASE").unwrap_or("?"),
            payload.version,
            payload.key_version.as_deref().unwrap_or("-"),
        ));
        let record = match payload.record() {
            Ok(r) => Some(r),
            Err(e) => {
                ins.errors.push(format!("the BU content does not map to offices and counts: {e}"));
                None
            }
        };
        if let Some(r) = &record {
            let h = &r.header;
            let part = |v: Option<u32>| v.map_or_else(|| "?".to_string(), |n| n.to_string());
            ins.table = Some(format!(
                "{}/{}/{}/{}",
                h.state.as_deref().unwrap_or("?"),
                part(h.municipality),
                part(h.zone),
                part(h.section)
            ));
            let offices = r
                .offices
                .iter()
                .map(|o| OfficeCounts {
                    code: o.office,
                    name: office_name(o.office),
                    kind: o.kind,
                    candidates: o.all_candidate_votes(),
                    party_list: o.party_list_votes(),
                    eligible: o.eligible,
                    blank: o.blank,
                    null: o.null,
                    total: o.total,
                })
                .collect();
            ins.counts =
                Some(Box::new(BuCounts { eligible: h.eligible, present: h.present, absent: h.absent, offices }));
        }
        if verification.chain != ChainStatus::Valid {
            ins.errors.push(
                "the BU's hash chain is broken: a part was altered, misread, or belongs to another BU".to_string(),
            );
        }
        ins.details = Some(Box::new(BrazilResult { payload, verification, record }));
        ins
    }
}

fn counts(bu: &brazil_bu::Payload, v: Verification, contest: &Contest) -> Result<QrCounts, String> {
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
