//! `testigo init`, `testigo enroll`, `testigo revoke`, `testigo trust`: the operator's entries.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::Args;
use testigo_documents::{trusted_bu_key, BRAZIL_BU};
use testigo_election::{
    decode_request, encode_signed, geography_chunks, load_election_for_operator, load_tables_csv, Enrol, Entry, Revoke,
    Role, Trust, TrustedKey,
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
    #[arg(long, conflicts_with = "request", required_unless_present_any = ["request", "list_requests"])]
    key: Option<String>,
    /// Enrol the key of a signed enrolment request (a file, as the witness app saves it or
    /// `testigo serve` keeps it in DIR/enrolment-requests/): its key, holder, organisation and scope.
    #[arg(long, value_name = "FILE")]
    request: Option<PathBuf>,
    /// List the enrolment requests waiting in DIR/enrolment-requests/ (keys already enrolled are left
    /// out), one per line: file, key, holder, organisation, scope, requested_at. Enrols nothing.
    #[arg(long, requires = "dir", conflicts_with_all = ["key", "request", "role", "holder", "organisation", "scope"])]
    list_requests: bool,
    /// What it may do: witness, party_agent, importer, publisher, observer, auditor.
    #[arg(long, required_unless_present = "list_requests")]
    role: Option<String>,
    /// Who holds it.
    #[arg(long, conflicts_with = "request", required_unless_present_any = ["request", "list_requests"])]
    holder: Option<String>,
    /// The organisation vouching for the holder.
    #[arg(long, conflicts_with = "request", required_unless_present_any = ["request", "list_requests"])]
    organisation: Option<String>,
    /// The unit it may submit for (a unit id); the whole election if absent. With --request, replaces
    /// the unit the request asks for.
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
    serde_json::from_value(serde_json::Value::String(s.into())).with_context(|| {
        format!("unknown role {s:?}: use witness, party_agent, importer, publisher, observer or auditor")
    })
}

/// Enrols a key, given by hand or by its signed request; or lists the requests waiting.
pub fn enroll(a: EnrollArgs) -> anyhow::Result<ExitCode> {
    if a.list_requests {
        return list_requests(a.target.readable(None, "the enrolment requests")?);
    }
    let role = parse_role(a.role.as_deref().unwrap_or_default())?;
    let from = a.valid_from.unwrap_or_else(testigo_store::unix_now);
    let until = from
        .checked_add(a.days.saturating_mul(86_400))
        .with_context(|| format!("--valid-from {from} plus {} days is past the end of time", a.days))?;
    let (key, enrol) = match &a.request {
        Some(path) => {
            let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
            let (request, key) = decode_request(&bytes).with_context(|| {
                format!(
                    "{} is not a valid enrolment request (ENTRIES.md §6): nothing was enrolled; ask the witness to \
                     send it again",
                    path.display()
                )
            })?;
            eprintln!(
                "request of {}: holder {:?}, organisation {:?}, scope {}, requested at {}; its signature verifies",
                key.to_vkey(),
                request.holder,
                request.organisation,
                request.scope.as_deref().unwrap_or("(none: the whole election)"),
                request.requested_at
            );
            if let Some(scope) = &a.scope {
                if request.scope.as_ref() != Some(scope) {
                    eprintln!(
                        "--scope {scope} replaces the unit the request asks for ({})",
                        request.scope.as_deref().unwrap_or("none")
                    );
                }
            }
            (key, request.to_enrol(role, a.scope.clone(), from, until))
        }
        None => {
            // clap requires these without --request.
            let (Some(key), Some(holder), Some(organisation)) = (&a.key, &a.holder, &a.organisation) else {
                bail!("give --key, --holder and --organisation, or --request FILE");
            };
            let key = keys::read_vkey(key)?;
            let enrol = Enrol {
                key: key.to_vkey(),
                role,
                holder: holder.clone(),
                organisation: organisation.clone(),
                scope: a.scope.clone(),
                valid_from: from,
                valid_until: until,
            };
            (key, enrol)
        }
    };
    let index = a.target.record(Entry::Enrol(enrol))?;
    println!("{index}");
    eprintln!("enrolled {} at log index {index}", key.to_vkey());
    Ok(ExitCode::SUCCESS)
}

/// Prints the enrolment requests kept in `dir` whose keys the log has not
/// enrolled, one per line, tab-separated: file, key, holder, organisation,
/// scope (`-` for none), requested_at (Unix seconds). Reads the log without
/// its writer lock, so it works while `testigo serve` runs on `dir`; when
/// the log cannot be read there (it is in object storage), lists them all.
fn list_requests(dir: PathBuf) -> anyhow::Result<ExitCode> {
    let store = DataDir::new(&dir).enrolment_requests();
    let stored = store.list().with_context(|| format!("reading {}", store.dir().display()))?;
    // A node whose log is in object storage keeps its requests here but not its log: list them all then.
    let registry = match super::tally::load_registry(&dir) {
        Ok((registry, _)) => Some(registry),
        Err(e) => {
            eprintln!(
                "warning: cannot read the log in {} ({e:#}): listing every request, enrolled or not",
                dir.display()
            );
            None
        }
    };
    let (mut waiting, mut enrolled) = (0, 0);
    println!("file\tkey\tholder\torganisation\tscope\trequested_at");
    for r in stored {
        let (request, key) = match decode_request(&r.bytes) {
            Ok(x) => x,
            Err(e) => {
                eprintln!("warning: {} is not a valid enrolment request, skipped: {e}", r.path.display());
                continue;
            }
        };
        if (key.name(), key.key_id()) != (r.key.0.as_str(), r.key.1) {
            eprintln!("warning: {} holds the request of another key ({}), skipped", r.path.display(), key.to_vkey());
            continue;
        }
        if registry.as_ref().is_some_and(|reg| reg.enrolment_for(key.name(), key.key_id()).is_some()) {
            enrolled += 1;
            continue;
        }
        waiting += 1;
        // Tabs and newlines cannot occur in these fields (the request's rules refuse control characters).
        println!(
            "{}\t{}\t{}\t{}\t{}\t{}",
            r.path.display(),
            request.key,
            request.holder,
            request.organisation,
            request.scope.as_deref().unwrap_or("-"),
            request.requested_at
        );
    }
    eprintln!(
        "{waiting} enrolment request(s) waiting ({enrolled} more of keys enrolled since); grant one with \
         `testigo enroll --request FILE --role witness`"
    );
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
