//! `testigo submit`: sign one tally sheet and post it, optionally with its photo.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::Args;
use sha2::{Digest, Sha256};
use testigo_election::{encode_signed, Contest, Entry, Sheet, Source};

use super::{client, keys};

/// Options of `testigo submit`.
#[derive(Args, Debug)]
pub struct SubmitArgs {
    /// Base URL of the server (e.g. http://127.0.0.1:8080).
    #[arg(long)]
    server: String,
    /// Your enrolled private key.
    #[arg(long)]
    key: PathBuf,
    /// The table id (e.g. 010113042.01).
    #[arg(long)]
    table: String,
    /// The contest id (default: the election's only contest).
    #[arg(long)]
    contest: Option<String>,
    /// Votes of a candidate, `ID=N`; repeat for each candidate (unlisted candidates count 0).
    #[arg(long = "vote", value_name = "ID=N")]
    votes: Vec<String>,
    /// Null votes.
    #[arg(long, default_value_t = 0)]
    null: u64,
    /// Valid votes as printed.
    #[arg(long)]
    valid: Option<u64>,
    /// Blank votes, where printed separately.
    #[arg(long)]
    blank: Option<u64>,
    /// Voters who voted, as printed.
    #[arg(long)]
    voters: Option<u64>,
    /// Registered voters, as printed.
    #[arg(long)]
    registered: Option<u64>,
    /// The sheet's QR payload, as scanned (a multi-part Brazilian BU: its parts, one per line).
    #[arg(long)]
    qr: Option<String>,
    /// A photo of the sheet (JPEG or PNG); its SHA-256 is signed into the sheet and the photo uploaded.
    /// Without --qr, the QR codes read from the photo (a Venezuelan acta, or every part of a Brazilian
    /// BU) are signed into the sheet as its QR payload, so the server flags counts that disagree.
    #[arg(long)]
    photo: Option<PathBuf>,
    /// Where the figures come from: witness, party_agent or official.
    #[arg(long, default_value = "witness")]
    source: String,
    /// Log index of your earlier sheet that this one corrects.
    #[arg(long)]
    supersedes: Option<u64>,
    /// Write the receipt to this file.
    #[arg(long)]
    receipt: Option<PathBuf>,
}

fn parse_votes(args: &[String]) -> anyhow::Result<BTreeMap<String, u64>> {
    let mut votes = BTreeMap::new();
    for a in args {
        let (id, n) = a.split_once('=').with_context(|| format!("--vote {a:?}: write ID=N, e.g. --vote EG=232"))?;
        let n: u64 = n.trim().parse().with_context(|| format!("--vote {a:?}: {n:?} is not a non-negative integer"))?;
        if votes.insert(id.trim().to_string(), n).is_some() {
            bail!("--vote {id} given twice");
        }
    }
    Ok(votes)
}

/// The sheet's QR payload read from its photo: the acta's code, or every
/// BU part (one per line, as read). Says on stderr what was found; a
/// photo without a readable code is still submitted, without a payload.
fn qr_from_photo(photo: &[u8], contest: &Contest) -> Option<String> {
    // No keys: the signature is the server's business (it records the
    // status); here only the payload text matters. The acta is read against
    // this election's ballot, not a built-in one.
    let formats = testigo_documents::formats().with(testigo_documents::VenezuelaActaQr::for_contest(contest));
    let report = testigo_documents::inspect_photo(photo, &formats);
    let Some(format) = report.format else {
        eprintln!("no tally-sheet QR code read from the photo; submitting without a QR payload");
        for e in &report.errors {
            eprintln!("  {e}");
        }
        return None;
    };
    // The format's codes as it groups them into payloads (a multi-code
    // document joined, one code per line); one document per sheet: the first.
    let codes: Vec<&str> = report.payloads.iter().map(String::as_str).collect();
    let (payload, code_count) = match formats.get(format.name)?.payloads_from_codes(&codes) {
        Some(joined) => (joined.into_iter().next()?, codes.len()),
        None => (codes.first()?.to_string(), 1),
    };
    let format = format.title;
    let table = report.table.as_deref().map(|t| format!(", table {t}")).unwrap_or_default();
    eprintln!("QR read from the photo: {format}{table}, {code_count} code(s)");
    for e in &report.errors {
        eprintln!("  warning: {e}");
    }
    Some(payload)
}

/// Says what the server found in the sheet's QR codes and why a code could
/// not be used (best effort: the sheet is already logged).
async fn explain_qr(server: &str, table: &str, index: u64) {
    let Ok(view) = client::table(server, table).await else { return };
    let Some(subs) = view["submissions"].as_array() else { return };
    let Some(sub) = subs.iter().find(|s| s["index"].as_u64() == Some(index)) else { return };
    for (key, what) in [("qr", "QR payload"), ("photo_qr", "QR codes read from the photo")] {
        let check = &sub[key];
        if let Some(outcome) = check["outcome"].as_str() {
            match check["why"].as_str() {
                Some(why) => eprintln!("  {what}: {outcome}: {why}"),
                None => eprintln!("  {what}: {outcome}"),
            }
        }
    }
}

/// Signs and posts the sheet; prints index, flags and where the receipt went.
pub fn run(a: SubmitArgs) -> anyhow::Result<ExitCode> {
    let signer = keys::load_signer(&a.key)?;
    let source: Source = serde_json::from_value(serde_json::Value::String(a.source.clone()))
        .with_context(|| format!("unknown source {:?}: use witness, party_agent or official", a.source))?;
    let votes = parse_votes(&a.votes)?;
    let photo = match &a.photo {
        Some(p) => Some(std::fs::read(p).with_context(|| format!("reading {}", p.display()))?),
        None => None,
    };
    let def = super::qr::election_from(&a.server)?;
    let contest = super::qr::pick_contest(&def, a.contest.as_deref())?;
    let qr = match (a.qr, &photo) {
        (Some(qr), _) => Some(qr),
        (None, Some(photo)) => qr_from_photo(photo, contest),
        (None, None) => None,
    };
    let election = def.id.clone();
    let contest = contest.id.clone();
    let table = a.table.clone();
    client::block_on(async move {
        let sheet = Sheet {
            not_reported: Vec::new(),
            election,
            table: table.clone(),
            contest,
            source,
            votes,
            valid: a.valid,
            null: Some(a.null),
            blank: a.blank,
            voters: a.voters,
            registered: a.registered,
            photo_sha256: photo.as_ref().map(|p| hex::encode(Sha256::digest(p))),
            qr,
            dataset: None,
            supersedes: a.supersedes,
            signed_at: testigo_store::unix_now(),
        };
        let entry = encode_signed(&Entry::Sheet(sheet), &signer)?;
        let ack = client::post_entry(&a.server, &entry, photo).await?;
        println!("{}", ack.index);
        if ack.flags.is_empty() {
            eprintln!("accepted at log index {}", ack.index);
        } else {
            eprintln!("accepted at log index {}, flagged: {}", ack.index, ack.flags.join(", "));
        }
        if ack.flags.iter().any(|f| f.starts_with("qr_") || f.starts_with("photo_qr_")) {
            explain_qr(&a.server, &table, ack.index).await;
        }
        if let Some(path) = a.receipt {
            std::fs::write(&path, &ack.receipt).with_context(|| format!("writing {}", path.display()))?;
            eprintln!(
                "receipt in {} (check it offline: `testigo log check-receipt --vkey LOG_KEY {}`, the log's key being \
                 `log.vkey` in {}/v1/election)",
                path.display(),
                path.display(),
                a.server.trim_end_matches('/')
            );
        }
        Ok(ExitCode::SUCCESS)
    })?
}
