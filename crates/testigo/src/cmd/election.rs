//! `testigo init`, `testigo enroll`, `testigo revoke`, `testigo trust`: the operator's entries.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::Args;
use testigo_documents::{trusted_bu_key, BRAZIL_BU};
use testigo_election::{
    encode_signed, geography_chunks, load_election_for_operator, load_tables_csv, Enrol, Entry, Revoke, Role, Trust,
    TrustedKey,
};
use testigo_store::DataDir;

use super::{keys, local};

/// Options of `testigo init`.
#[derive(Args, Debug)]
pub struct InitArgs {
    /// Data directory to create.
    #[arg(long)]
    pub dir: PathBuf,
    /// The election definition (TOML; field by field in docs/election-files.md).
    #[arg(long)]
    pub election: PathBuf,
    /// The tables (CSV: one column per level, optional `<level>_name` and `registered`; docs/election-files.md).
    #[arg(long)]
    pub tables: PathBuf,
    /// The operator's private key (`testigo keygen`); the election's `operator` if the file names none.
    #[arg(long)]
    pub operator_key: PathBuf,
    /// Origin line of the log (default: `<election id>.testigo/log`).
    #[arg(long)]
    pub origin: Option<String>,
}

/// Creates the log and records the election and its geography as its first entries.
pub fn init(a: InitArgs) -> anyhow::Result<ExitCode> {
    let operator = keys::load_signer(&a.operator_key)?;
    let toml = std::fs::read_to_string(&a.election).with_context(|| format!("reading {}", a.election.display()))?;
    let def = load_election_for_operator(&toml, &a.election.display().to_string(), &operator.verifier().to_vkey())?;
    let csv = std::fs::read_to_string(&a.tables).with_context(|| format!("reading {}", a.tables.display()))?;
    let geo = load_tables_csv(&def.levels, &csv, &a.tables.display().to_string())?;
    let origin = a.origin.unwrap_or_else(|| format!("{}.testigo/log", def.id));
    let d = DataDir::new(&a.dir);
    d.init(&origin)?;
    testigo_store::write_secret(&d.operator_key(), &operator)?;
    let mut entries = vec![encode_signed(&Entry::Election(def.clone()), &operator)?];
    for chunk in geography_chunks(&geo) {
        entries.push(encode_signed(&Entry::Geography(chunk), &operator)?);
    }
    let node = local::open_node(&a.dir)?;
    let n = local::submit_all(&node, entries, "election entry")?.len();
    node.shutdown();
    println!(
        "created {} ({}): {} units, {} tables, {n} log entries; log verifier key in {}",
        def.id,
        def.name,
        geo.unit_count(),
        geo.table_count(),
        d.vkey().display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Where operator entries go: straight into a data directory, or to a server.
#[derive(Args, Debug)]
pub struct Target {
    #[command(flatten)]
    to: local::Destination,
    /// The operator's private key (default: DIR/operator.key).
    #[arg(long)]
    pub operator_key: Option<PathBuf>,
}

impl Target {
    fn operator(&self) -> anyhow::Result<testigo_note::Signer> {
        match (&self.operator_key, &self.to.dir) {
            (Some(k), _) => keys::load_signer(k),
            (None, Some(d)) => DataDir::new(d).operator(),
            (None, None) => bail!("give --operator-key FILE (or --dir D to use D/operator.key)"),
        }
    }

    /// Signs `entries` with the operator key and records them, in order;
    /// returns their indexes. Stops at the first refusal.
    pub fn record_all(&self, entries: &[Entry]) -> anyhow::Result<Vec<u64>> {
        let signer = self.operator()?;
        let bytes: Vec<Vec<u8>> = entries.iter().map(|e| encode_signed(e, &signer)).collect::<Result<_, _>>()?;
        let what = entries.first().map_or("entry", |e| e.kind().as_str());
        self.to.record(bytes, what)
    }

    /// Signs `entry` with the operator key and records it; returns its index.
    fn record(&self, entry: Entry) -> anyhow::Result<u64> {
        Ok(self.record_all(std::slice::from_ref(&entry))?[0])
    }

    /// The directory to read the log's current state from: `copy` (a mirror,
    /// needed with --server) or the data directory.
    pub fn readable(&self, copy: Option<&PathBuf>, what: &str) -> anyhow::Result<PathBuf> {
        match (copy, &self.to.dir) {
            (Some(d), _) | (None, Some(d)) => Ok(d.clone()),
            (None, None) => bail!("give --dir D, or --server URL with --copy MIRROR to read {what}"),
        }
    }
}

/// Options of `testigo enroll`.
#[derive(Args, Debug)]
pub struct EnrollArgs {
    #[command(flatten)]
    target: Target,
    /// The key to enrol: a verifier key file (`testigo keygen` writes FILE.vkey) or the key line.
    #[arg(long)]
    key: String,
    /// What it may do: witness, party_agent, importer, publisher, observer.
    #[arg(long)]
    role: String,
    /// Who holds it.
    #[arg(long)]
    holder: String,
    /// The organisation vouching for the holder.
    #[arg(long)]
    organisation: String,
    /// The unit it may submit for (a unit id); the whole election if absent.
    #[arg(long)]
    scope: Option<String>,
    /// Start of validity, unix seconds (default: now).
    #[arg(long)]
    valid_from: Option<u64>,
    /// Days of validity from the start (default 30).
    #[arg(long, default_value_t = 30)]
    days: u64,
}

/// Parses a role name.
pub fn parse_role(s: &str) -> anyhow::Result<Role> {
    serde_json::from_value(serde_json::Value::String(s.into()))
        .with_context(|| format!("unknown role {s:?}: use witness, party_agent, importer, publisher or observer"))
}

/// Enrols a key.
pub fn enroll(a: EnrollArgs) -> anyhow::Result<ExitCode> {
    let key = keys::read_vkey(&a.key)?;
    let from = a.valid_from.unwrap_or_else(testigo_store::unix_now);
    let entry = Entry::Enrol(Enrol {
        key: key.to_vkey(),
        role: parse_role(&a.role)?,
        holder: a.holder,
        organisation: a.organisation,
        scope: a.scope,
        valid_from: from,
        valid_until: from + a.days * 86_400,
    });
    let index = a.target.record(entry)?;
    println!("{index}");
    eprintln!("enrolled {} at log index {index}", key.to_vkey());
    Ok(ExitCode::SUCCESS)
}

/// Options of `testigo revoke`.
#[derive(Args, Debug)]
pub struct RevokeArgs {
    #[command(flatten)]
    target: Target,
    /// The key to revoke (file or line).
    #[arg(long)]
    key: String,
    /// Why, for the public record.
    #[arg(long)]
    reason: String,
}

/// Revokes a key from this point of the log on.
pub fn revoke(a: RevokeArgs) -> anyhow::Result<ExitCode> {
    let key = keys::read_vkey(&a.key)?;
    let index = a.target.record(Entry::Revoke(Revoke { key: key.to_vkey(), reason: a.reason }))?;
    println!("{index}");
    eprintln!("revoked {} at log index {index}", key.to_vkey());
    Ok(ExitCode::SUCCESS)
}

/// Options of `testigo trust`.
#[derive(Args, Debug)]
pub struct TrustArgs {
    #[command(flatten)]
    target: Target,
    /// A BU signing key of the electoral authority (TSE), `[NAME@]VRCH=VALUE[#PIN]` as in
    /// `testigo qr inspect --key` (e.g. `osp@20240507=<64 hex digits>` or
    /// `20240507=keys/ospqrcode.pub#<SHA-512 from TSE's list>`); repeatable.
    #[arg(long = "bu-key", value_name = "SPEC", required = true)]
    bu_keys: Vec<String>,
    /// Where the keys come from, for the public record (e.g. "TSE key files, published 2024-08-15").
    #[arg(long)]
    note: String,
}

/// The trusted keys that `--bu-key` specs describe, sorted by slot, each
/// slot once (two specs for one slot must name the same key).
pub fn trusted_bu_keys(specs: &[String]) -> anyhow::Result<Vec<TrustedKey>> {
    let mut keys: Vec<TrustedKey> = Vec::new();
    for spec in specs {
        let k = testigo_scan::parse_key_arg(spec).with_context(|| format!("--bu-key {spec:?}"))?;
        keys.push(trusted_bu_key(&k.uf, k.phase, &k.key_version, &k.key_file, k.pin.as_ref()));
    }
    keys.sort();
    keys.dedup();
    if let Some(w) = keys
        .windows(2)
        .find(|w| (&w[0].region, &w[0].phase, &w[0].version) == (&w[1].region, &w[1].phase, &w[1].version))
    {
        bail!("two different keys (or pins) are given for {} {} version {}", w[0].region, w[0].phase, w[0].version);
    }
    Ok(keys)
}

/// Logs the keys that sign Brazilian BUs (operator-signed `trust` entry):
/// from then on every replay of the log checks BU signatures with them.
pub fn trust(a: TrustArgs) -> anyhow::Result<ExitCode> {
    let keys = trusted_bu_keys(&a.bu_keys)?;
    let n = keys.len();
    let entry =
        Entry::Trust(Trust { format: BRAZIL_BU.to_string(), keys, note: a.note, signed_at: testigo_store::unix_now() });
    let index = a.target.record(entry)?;
    println!("{index}");
    eprintln!(
        "trusted {n} {BRAZIL_BU} key(s) at log index {index}; earlier sheets whose BU had no key were checked again"
    );
    Ok(ExitCode::SUCCESS)
}
