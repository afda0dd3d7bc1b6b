//! `testigo demo --brazil`: a small simulated Brazilian election whose sheets
//! carry boletim de urna (BU) QR codes, signed with keys generated for the
//! demo, to show machine-signed sheets end to end.
//!
//! TSE's real keys sign only the sample in its documentation (see
//! `crates/formats/testdata`), so every BU here is signed by a key this demo
//! makes up: "verified" means "signed by the demo's own state key", nothing
//! about any real election.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use ed25519_dalek::SigningKey;
use testigo_documents::{trusted_bu_key, BrazilBuQr, SheetQr, BRAZIL_BU};
use testigo_election::{
    encode_signed, Candidate, Contest, ElectionDef, Enrol, Entry, GeographyChunk, Role, Sheet, Source, Table, Trust,
    Unit,
};
use testigo_formats::brazil_bu::{
    build_payload, BuHeader, BuRecord, BuildOptions, ChainStatus, Entry as BuEntry, Office, Phase, SignatureStatus,
};
use testigo_note::Signer;
use testigo_server::Node;
use testigo_store::write_secret;
use testigo_store::DataDir;

use super::local;
use super::serve::{print_urls, serve_node, ServeArgs};

const ORIGIN: &str = "demo.testigo.example/br-sim";
const ELECTION: &str = "br-sim-president";
/// `VRCH` of the demo's state keys (logged in a trust entry).
const KEY_VERSION: &str = "20221002";
/// `VRCH` of a key deliberately left out of the log.
const UNKNOWN_KEY_VERSION: &str = "20221003";
/// States, with one municipality each (TSE municipality codes).
const STATES: [(&str, &str, u32, &str); 2] =
    [("SP", "São Paulo", 71072, "São Paulo"), ("MG", "Minas Gerais", 41238, "Belo Horizonte")];
const ZONES: u32 = 2;
const SECTIONS: u32 = 10;
const ELIGIBLE: u64 = 300;
/// Candidates by ballot number (their ids in the election), with names.
const CANDIDATES: [(&str, &str); 4] =
    [("13", "Candidata 13"), ("22", "Candidato 22"), ("12", "Candidato 12"), ("15", "Candidata 15")];
/// Where the demo keeps each sheet's payload (the BU keys are in the log).
const PAYLOADS_FILE: &str = "bu-payloads.json";

fn default_dir() -> PathBuf {
    dirs::data_dir().unwrap_or_else(std::env::temp_dir).join("testigo").join("demo-br-sim")
}

/// One sheet as the demo made it.
#[derive(serde::Serialize, serde::Deserialize)]
struct DemoSheet {
    table: String,
    /// What the demo did to it, for the printout.
    note: String,
    /// The `qr` field: the BU parts one per line.
    qr: String,
}

/// The workspace's seeded generator, so the demo's counts are the same every run.
struct DemoRng(testigo_rng::ChaCha8Rng);

impl DemoRng {
    fn below(&mut self, n: u64) -> u64 {
        testigo_rng::RngCore::next_u64(&mut self.0) % n
    }
}

fn table_id(uf: &str, muni: u32, zone: u32, section: u32) -> String {
    format!("{uf}-{muni}-{zone:04}-{section:04}")
}

/// The BU the machine of a section prints, and the typed counts that match it.
fn section_record(
    uf: &str,
    muni: u32,
    zone: u32,
    section: u32,
    rng: &mut DemoRng,
) -> (BuRecord, BTreeMap<String, u64>, u64, u64) {
    let present = ELIGIBLE - 20 - rng.below(60);
    let blank = rng.below(8);
    let null = rng.below(10);
    let mut left = present - blank - null;
    let mut votes = BTreeMap::new();
    for (i, (number, _)) in CANDIDATES.iter().enumerate() {
        let v =
            if i + 1 == CANDIDATES.len() { left } else { rng.below(left / 2 + 1) + if i == 0 { left / 4 } else { 0 } };
        let v = v.min(left);
        left -= v;
        votes.insert(number.to_string(), v);
    }
    let header = BuHeader {
        origin: Some("VOTA".into()),
        round: Some(1),
        phase: Some("O".into()),
        state: Some(uf.into()),
        municipality: Some(muni),
        zone: Some(zone),
        section: Some(section),
        machine_id: Some(format!("{}", 2_100_000 + muni % 1000 * 100 + zone * 20 + section)),
        eligible: Some(ELIGIBLE as u32),
        present: Some(present as u32),
        absent: Some((ELIGIBLE - present) as u32),
        other: vec![BuEntry::new("VERS", "8.26.0.0"), BuEntry::new("DTPL", "20221002")],
    };
    let valid: u64 = votes.values().sum();
    let office = Office {
        office: 1,
        kind: Some(0),
        candidate_votes: votes.iter().filter_map(|(n, &v)| Some((n.parse().ok()?, v as u32))).collect(),
        eligible: Some(ELIGIBLE as u32),
        nominal: Some(valid as u32),
        blank: Some(blank as u32),
        null: Some(null as u32),
        total: Some(present as u32),
        ..Office::default()
    };
    (BuRecord { header, offices: vec![office] }, votes, blank, null)
}

/// Changes the first vote count of the BU content so its hash chain breaks
/// (what an altered or forged QR looks like).
fn tamper(parts: &mut [String]) {
    for p in parts.iter_mut() {
        if let Some(at) = p.find(" 13:") {
            let digit = at + 4;
            let c = p.as_bytes()[digit];
            let new = if c == b'9' { '8' } else { (c + 1) as char };
            p.replace_range(digit..digit + 1, &new.to_string());
            return;
        }
    }
}

fn enrol(key: &Signer, role: Role, holder: &str, now: u64) -> Entry {
    Entry::Enrol(Enrol {
        key: key.verifier().to_vkey(),
        role,
        holder: holder.into(),
        organisation: "testigo demo (simulated Brazilian election)".into(),
        scope: None,
        valid_from: now - 60,
        valid_until: now + 365 * 86_400,
    })
}

/// Builds the data directory; returns the sheets.
fn build(dir: &Path) -> anyhow::Result<Vec<DemoSheet>> {
    let d = DataDir::new(dir);
    d.init(ORIGIN)?;
    let operator = Signer::generate("operator.br-sim.demo.testigo.example")?;
    write_secret(&d.operator_key(), &operator)?;
    let witness = Signer::generate("witness.br-sim.demo.testigo.example")?;
    let keys_dir = d.root().join("keys");
    std::fs::create_dir_all(&keys_dir)?;
    write_secret(&keys_dir.join("witness.key"), &witness)?;

    // One BU signing key per state (phase official), generated here and
    // logged in a trust entry; plus one key the log never trusts.
    let mut rng_os = rand_core::OsRng;
    let state_keys: BTreeMap<&str, SigningKey> =
        STATES.iter().map(|(uf, ..)| (*uf, SigningKey::generate(&mut rng_os))).collect();
    let stray = SigningKey::generate(&mut rng_os);
    let mut trusted: Vec<_> = state_keys
        .iter()
        .map(|(uf, k)| trusted_bu_key(uf, Phase::Official, KEY_VERSION, &k.verifying_key().to_bytes(), None))
        .collect();
    trusted.sort();

    let def = ElectionDef {
        id: ELECTION.into(),
        name: "Simulated Brazilian presidential election (testigo demo)".into(),
        date: "2022-10-02".into(),
        levels: vec!["state".into(), "municipality".into(), "zone".into(), "section".into()],
        contests: vec![Contest {
            id: "1".into(),
            name: "Presidente (BU office CARG 1)".into(),
            candidates: CANDIDATES
                .iter()
                .map(|(id, name)| Candidate { id: (*id).into(), name: (*name).into(), cards: Vec::new() })
                .collect(),
        }],
        total_tables: Some(u64::from(STATES.len() as u32 * ZONES * SECTIONS)),
        registry: None,
        max_table_voters: 1000,
        operator: operator.verifier().to_vkey(),
    };
    let mut geo = GeographyChunk::default();
    for (uf, state_name, muni, muni_name) in STATES {
        geo.units.push(Unit { id: uf.into(), parent: None, level: 0, name: state_name.into() });
        let m = format!("{uf}-{muni}");
        geo.units.push(Unit { id: m.clone(), parent: Some(uf.into()), level: 1, name: muni_name.into() });
        for zone in 1..=ZONES {
            let z = format!("{m}-{zone:04}");
            geo.units.push(Unit { id: z.clone(), parent: Some(m.clone()), level: 2, name: format!("Zona {zone}") });
            for section in 1..=SECTIONS {
                geo.tables.push(Table {
                    id: table_id(uf, muni, zone, section),
                    unit: z.clone(),
                    registered: Some(ELIGIBLE),
                });
            }
        }
    }
    let now = testigo_store::unix_now();
    let entries = vec![
        encode_signed(&Entry::Election(def), &operator)?,
        encode_signed(&Entry::Geography(geo), &operator)?,
        encode_signed(&enrol(&witness, Role::Witness, "demo witness at every section", now), &operator)?,
        encode_signed(
            &Entry::Trust(Trust {
                format: BRAZIL_BU.into(),
                keys: trusted,
                note: "BU state keys generated by testigo demo --brazil (not TSE's)".into(),
                signed_at: now,
            }),
            &operator,
        )?,
    ];

    let mut rng = DemoRng(testigo_rng::seeded(2022));
    let mut sheets = Vec::new();
    let mut sheet_entries = Vec::new();
    for (s, (uf, _, muni, _)) in STATES.iter().enumerate() {
        for zone in 1..=ZONES {
            for section in 1..=SECTIONS {
                let table = table_id(uf, *muni, zone, section);
                let (record, mut votes, blank, null) = section_record(uf, *muni, zone, section, &mut rng);
                let present = u64::from(record.header.present.unwrap_or(0));
                // Which sheet shows what (the rest are plain, verified sheets).
                let case = (s, zone, section);
                let (key_version, key) = if case == (1, 2, 10) {
                    (UNKNOWN_KEY_VERSION, stray.clone())
                } else {
                    (KEY_VERSION, state_keys[uf].clone())
                };
                let mut options = BuildOptions::signed(key_version, key);
                // Short parts, so most BUs come in two or three QR codes, as
                // long BUs do on real sheets.
                options.max_part_len = 420;
                let mut parts = build_payload(&record.to_content(), &options)?;
                let mut note = String::new();
                if case == (0, 1, 3) {
                    // The witness typed counts that disagree with the machine's.
                    let moved = 5.min(votes["22"]);
                    *votes.entry("13".into()).or_default() += moved;
                    *votes.entry("22".into()).or_default() -= moved;
                    note = format!("typed counts moved {moved} votes from 22 to 13");
                } else if case == (0, 2, 7) {
                    tamper(&mut parts);
                    note = "BU altered: one vote count changed after signing".into();
                } else if case == (1, 2, 10) {
                    note = format!("BU signed with key version {UNKNOWN_KEY_VERSION}, not trusted by the log");
                }
                // Scanned in any order: reversed parts read the same.
                if section % 2 == 0 {
                    parts.reverse();
                }
                let qr = parts.join("\n");
                let valid: u64 = votes.values().sum();
                let sheet = Sheet {
                    not_reported: Vec::new(),
                    election: ELECTION.into(),
                    table: table.clone(),
                    contest: "1".into(),
                    source: Source::Witness,
                    votes,
                    valid: Some(valid),
                    null: Some(null),
                    blank: Some(blank),
                    voters: Some(present),
                    registered: Some(ELIGIBLE),
                    photo_sha256: None,
                    qr: Some(qr.clone()),
                    dataset: None,
                    supersedes: None,
                    signed_at: now,
                };
                sheet_entries.push(encode_signed(&Entry::Sheet(sheet), &witness)?);
                sheets.push(DemoSheet { table, note, qr });
            }
        }
    }
    std::fs::write(d.root().join(PAYLOADS_FILE), serde_json::to_vec_pretty(&sheets)?)?;
    let node = open(dir)?;
    local::submit_all(&node, entries, "demo operator entry")?;
    local::submit_all(&node, sheet_entries, "demo sheet")?;
    node.shutdown();
    Ok(sheets)
}

/// Opens the node; its BU keys come from the log's trust entry.
fn open(dir: &Path) -> anyhow::Result<Node> {
    Node::open(DataDir::new(dir), testigo_server::qr_factory(SheetQr::default))
        .with_context(|| format!("opening {}", dir.display()))
}

fn status_name(chain: ChainStatus, sig: SignatureStatus) -> String {
    let sig = match sig {
        SignatureStatus::Verified => "verified",
        SignatureStatus::Invalid => "invalid",
        SignatureStatus::UnknownKey => "unknown_key",
        SignatureStatus::UnsupportedFormat => "unsupported_format",
        SignatureStatus::Missing => "missing",
    };
    match chain {
        ChainStatus::Valid => sig.to_string(),
        _ => format!("{sig} (hash chain broken)"),
    }
}

/// Runs `testigo demo --brazil`.
pub fn run(dir: Option<PathBuf>, no_serve: bool, port: u16) -> anyhow::Result<ExitCode> {
    let dir = dir.unwrap_or_else(default_dir);
    let d = DataDir::new(&dir);
    println!("testigo demo: a simulated Brazilian presidential election with signed BU QR codes");
    println!("data directory: {}", dir.display());
    println!(
        "note: the BU signing keys are generated for this demo; TSE's real keys sign only the sample in its \
         documentation, so \"verified\" here means signed by the demo's own state key"
    );
    let sheets: Vec<DemoSheet> = if !d.key().exists() {
        if dir.exists() && std::fs::read_dir(&dir).map(|mut r| r.next().is_some()).unwrap_or(false) {
            bail!("{} exists and is not a testigo data directory; choose another with --dir", dir.display());
        }
        build(&dir)?
    } else {
        let payloads = std::fs::read(d.root().join(PAYLOADS_FILE))
            .with_context(|| format!("{} is not a Brazilian demo directory; choose another --dir", dir.display()))?;
        println!("(reused the existing data directory)");
        serde_json::from_slice(&payloads)?
    };
    let node = open(&dir)?;
    let example = {
        let reg = node.registry();
        let qr = SheetQr::from_trusts(reg.trusts()).map_err(anyhow::Error::msg)?;
        let bu = qr.format::<BrazilBuQr>().context("this build reads no Brazilian BU")?;
        for t in reg.trusts() {
            println!("BU keys the log trusts (trust entry #{}, {}):", t.index, t.trust.note);
            for k in &t.trust.keys {
                println!("  {} {} version {}: {}", k.region, k.phase, k.version, k.ed25519);
            }
        }
        let flags: BTreeMap<String, Vec<&'static str>> =
            reg.sheets().map(|s| (s.table_id().to_string(), s.flags().iter().map(|f| f.code()).collect())).collect();
        println!("\n{} sheets, each typed by the enrolled witness with the section's BU QR:", reg.sheet_count());
        println!("  {:<20} {:>5}  {:<34} flags", "section", "parts", "BU signature");
        for s in &sheets {
            let parts = s.qr.lines().count();
            let status = match bu.signature(&s.qr) {
                Ok((chain, sig)) => status_name(chain, sig),
                Err(e) => format!("unreadable: {e}"),
            };
            let f = flags.get(&s.table).map(|f| f.join(",")).unwrap_or_default();
            let f = if f.is_empty() { "-".to_string() } else { f };
            let note = if s.note.is_empty() { String::new() } else { format!("  ({})", s.note) };
            println!("  {:<20} {parts:>5}  {status:<34} {f}{note}", s.table);
        }
        let first = reg.sheets().next().map(|s| s.table_id().to_string());
        first
    };
    println!("log verifier key ({}):", d.vkey().display());
    print!("{}", std::fs::read_to_string(d.vkey())?);
    if no_serve {
        node.shutdown();
        return Ok(ExitCode::SUCCESS);
    }
    let args = ServeArgs::local(dir, SocketAddr::from((Ipv4Addr::LOCALHOST, port)));
    serve_node(node, &args, |addr| print_urls(addr, example.as_deref()))?;
    Ok(ExitCode::SUCCESS)
}
