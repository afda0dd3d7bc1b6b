//! What the pages are made of: one snapshot of a replayed log, built once per
//! log size, and the owned view of one table's sheets.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use testigo_election::{ElectionDef, Geography, QrCheck, Registry, TableIx, UnitIx};
use testigo_note::{Signer, Verifier};
use testigo_tally::report::UnitReport;
use testigo_tally::{Evidence, TableState, Tally, TallyReport};

use crate::downloads::{Downloads, Listing};
use crate::search::SearchIndex;

/// What the site shows that the log does not hold: the keys a reader should
/// trust, and where the log is published.
#[derive(Clone, Debug, Default)]
pub struct SiteConfig {
    /// The log's verifier key line (`name+hex8+base64`).
    pub log_vkey: String,
    /// Trusted cosigners' verifier key lines.
    pub cosigners: Vec<String>,
    /// How many of them must cosign a checkpoint.
    pub quorum: usize,
    /// Where the site and log are published (`https://…/`), for the
    /// commands on the observers page; `None` writes a placeholder.
    pub public_url: Option<String>,
}

/// The checkpoint the snapshot was built against, as its signatures show.
#[derive(Clone, Debug)]
pub struct CheckpointInfo {
    /// Entries it covers.
    pub size: u64,
    /// Root hash, hex.
    pub root_hex: String,
    /// Trusted cosigners whose cosignatures verified, with their timestamps.
    pub cosigned: Vec<(String, u64)>,
    /// The signed note as served.
    pub note: String,
}

impl CheckpointInfo {
    /// Opens `note` with the configured keys: `None` if the log key does not
    /// verify it (a site never shows a checkpoint it could not check).
    pub fn open(note: &[u8], config: &SiteConfig) -> Option<CheckpointInfo> {
        let log = Verifier::parse(config.log_vkey.trim()).ok()?;
        let cosigners: Vec<Verifier> = config.cosigners.iter().filter_map(|k| Verifier::parse(k.trim()).ok()).collect();
        let opened = testigo_tlog::checkpoint::open(note, &log, &cosigners).ok()?;
        let cosigned = opened
            .verified
            .verified_by
            .iter()
            .filter(|(v, _)| cosigners.contains(v))
            .map(|(v, t)| (v.name().to_string(), t.unwrap_or(0)))
            .collect();
        Some(CheckpointInfo {
            size: opened.checkpoint.size,
            root_hex: hex::encode(opened.checkpoint.root),
            cosigned,
            note: String::from_utf8_lossy(note).into_owned(),
        })
    }
}

/// `bytes` gzip-compressed at the fastest level: what is served compressed
/// is compressed once and kept, so speed matters more than the last percent.
pub fn gzip(bytes: &[u8]) -> bytes::Bytes {
    use std::io::Write as _;
    let mut gz = flate2::write::GzEncoder::new(Vec::with_capacity(bytes.len() / 8), flate2::Compression::fast());
    // Writing into memory cannot fail.
    let _ = gz.write_all(bytes);
    bytes::Bytes::from(gz.finish().unwrap_or_default())
}

/// What a [`Snapshot`] reads from a registry, copied out of it: a server
/// gathers it under the registry's lock and builds the snapshot (the whole
/// tabulation) after releasing it, so intake is not held up meanwhile.
pub struct SnapshotInputs {
    published: testigo_tally::PublishedInputs,
    audits: Vec<crate::questions::AuditView>,
}

impl SnapshotInputs {
    /// Copies what the snapshot needs out of `registry`; `None` before the election entry.
    pub fn gather(registry: &Registry) -> Option<Self> {
        Some(SnapshotInputs {
            published: testigo_tally::PublishedInputs::gather(registry)?,
            audits: crate::questions::logged_audits(registry),
        })
    }

    /// Tabulates and builds the snapshot.
    pub fn build(self, config: SiteConfig, checkpoint: Option<CheckpointInfo>) -> Snapshot {
        let (report, tally) = self.published.report();
        let testigo_tally::PublishedInputs { election, geo, evidence, log_size, .. } = self.published;
        let unit_rows = report
            .contests
            .iter()
            .map(|c| {
                let by_id: HashMap<&str, u32> =
                    c.units.iter().enumerate().map(|(i, u)| (u.id.as_str(), i as u32)).collect();
                geo.units().map(|u| by_id.get(geo.unit_id(u)).copied().unwrap_or(u32::MAX)).collect()
            })
            .collect();
        Snapshot {
            config,
            log_size,
            checkpoint,
            election,
            geo,
            report,
            tally,
            evidence,
            unit_rows,
            search: OnceLock::new(),
            sums_key: None,
            downloads: OnceLock::new(),
            listing: OnceLock::new(),
            questions: OnceLock::new(),
            audits: self.audits,
            tally_document: OnceLock::new(),
            tally_document_gzip: OnceLock::new(),
        }
    }
}

/// Everything the unit, home, bulletin, download and search pages show, for
/// one log size. Pure: built from the registry and the configuration only.
pub struct Snapshot {
    /// Keys and publication.
    pub config: SiteConfig,
    /// Entries replayed.
    pub log_size: u64,
    /// The checkpoint covering them, once opened.
    pub checkpoint: Option<CheckpointInfo>,
    /// The election.
    pub election: ElectionDef,
    /// Its units and tables.
    pub geo: Geography,
    /// The published tabulation (the `/v1/tally` report).
    pub report: TallyReport,
    /// The tally behind the report (per-table states and counted sheets).
    pub tally: Tally,
    /// The sheets it counted from.
    pub evidence: Evidence,
    /// Per contest, per unit (geography order): its row in `report.contests[c].units`.
    unit_rows: Vec<Vec<u32>>,
    /// Search over table ids, unit ids and names, built on the first search
    /// or handed over from an earlier snapshot with the same geography
    /// ([`Snapshot::with_search_from`]; an export builds its shards from a
    /// temporary one instead).
    search: OnceLock<Arc<SearchIndex>>,
    /// Signs `SHA256SUMS` of the downloads, when the log key is at hand.
    sums_key: Option<Signer>,
    /// The downloads, built on first use.
    downloads: OnceLock<Downloads>,
    /// What the downloads page lists (from the downloads, or set by an export that wrote them).
    listing: OnceLock<Listing>,
    /// The questions page's findings, computed on its first view (or handed
    /// over from an earlier snapshot, [`Snapshot::with_questions`]).
    questions: OnceLock<Arc<crate::questions::Questions>>,
    /// The logged risk-limiting audits, recomputed from the log.
    pub audits: Vec<crate::questions::AuditView>,
    /// The `/v1/tally` document, serialised on first use.
    tally_document: OnceLock<bytes::Bytes>,
    /// The same, gzip-compressed once on first use.
    tally_document_gzip: OnceLock<bytes::Bytes>,
}

impl Snapshot {
    /// Builds the snapshot of `registry`; `None` before the election entry.
    pub fn build(registry: &Registry, config: SiteConfig, checkpoint: Option<CheckpointInfo>) -> Option<Snapshot> {
        Some(SnapshotInputs::gather(registry)?.build(config, checkpoint))
    }

    /// The `/v1/tally` document of this snapshot: `{"log_size", "report"}`,
    /// byte for byte what `testigo_tally::published_document` gives for the
    /// registry it was built from (the report is the same computation).
    pub fn tally_document(&self) -> &bytes::Bytes {
        self.tally_document.get_or_init(|| {
            let report = self.report.to_json_compact();
            bytes::Bytes::from(format!("{{\"log_size\":{},\"report\":{report}}}", self.log_size))
        })
    }

    /// Whether [`Snapshot::tally_document`] (or with `gzip`, its compressed
    /// form) is made already, so serving it costs nothing.
    pub fn tally_ready(&self, gzip: bool) -> bool {
        if gzip {
            self.tally_document_gzip.get().is_some()
        } else {
            self.tally_document.get().is_some()
        }
    }

    /// [`Snapshot::tally_document`] gzip-compressed, once per snapshot: the
    /// document lists every unit (tens of MB for a national election), so a
    /// server must not compress it again for every reader who asks.
    pub fn tally_document_gzip(&self) -> &bytes::Bytes {
        self.tally_document_gzip.get_or_init(|| gzip(self.tally_document()))
    }

    /// The questions page's findings (computed on first use: the forensics'
    /// bootstrap and Monte Carlo take a noticeable fraction of a second).
    pub fn questions(&self) -> &Arc<crate::questions::Questions> {
        self.questions.get_or_init(|| Arc::new(crate::questions::Questions::compute(self)))
    }

    /// The questions page's findings if they were computed or handed over.
    pub fn questions_if_computed(&self) -> Option<&Arc<crate::questions::Questions>> {
        self.questions.get()
    }

    /// Shows `questions`, computed on an earlier snapshot, instead of
    /// computing them again: a live server recomputes them at most every so
    /// often, since on a national log they take seconds. The page says at
    /// which log size they were computed.
    pub fn with_questions(self, questions: Arc<crate::questions::Questions>) -> Self {
        let _ = self.questions.set(questions);
        self
    }

    /// Signs the downloads' `SHA256SUMS` with the log key.
    pub fn with_sums_key(mut self, key: Signer) -> Self {
        self.sums_key = Some(key);
        self
    }

    /// The downloads (built once per snapshot).
    pub fn downloads(&self) -> &Downloads {
        self.downloads.get_or_init(|| crate::downloads::build(self, self.sums_key.as_ref()))
    }

    /// The search index.
    pub fn search(&self) -> &SearchIndex {
        self.search.get_or_init(|| Arc::new(SearchIndex::build(&self.geo)))
    }

    /// Takes over `earlier`'s search index if it was built and the geography
    /// is the same: geography entries only ever add units and tables, so the
    /// same counts mean the same units and tables. Rebuilding it for every
    /// snapshot (sorting and folding every name) was among the top costs of a
    /// server answering readers while intake runs.
    pub fn with_search_from(self, earlier: &Snapshot) -> Self {
        let same =
            earlier.geo.unit_count() == self.geo.unit_count() && earlier.geo.table_count() == self.geo.table_count();
        if let (true, Some(index)) = (same, earlier.search.get()) {
            let _ = self.search.set(index.clone());
        }
        self
    }

    /// What the downloads page lists.
    pub fn listing(&self) -> &Listing {
        self.listing.get_or_init(|| self.downloads().listing.clone())
    }

    /// Streams the downloads (see [`crate::downloads::write_all`]) and keeps
    /// their listing for the downloads page.
    pub fn write_downloads<E>(&self, put: &mut crate::Put<'_, E>, stream: &mut crate::Stream<'_, E>) -> Result<(), E> {
        let listing = crate::downloads::write_all(self, self.sums_key.as_ref(), put, stream)?;
        let _ = self.listing.set(listing);
        Ok(())
    }

    /// The report row of `unit` in contest `c`.
    pub fn unit_report(&self, c: usize, unit: UnitIx) -> Option<&UnitReport> {
        let row = *self.unit_rows.get(c)?.get(unit.get())?;
        self.report.contests.get(c)?.units.get(row as usize)
    }

    /// The state of `table` in contest `c`.
    pub fn state(&self, c: usize, table: TableIx) -> TableState {
        self.tally.contests.get(c).map_or(TableState::Missing, |t| t.state(table))
    }

    /// The worst state of `table` over all contests (conflicting over
    /// missing over single over corroborated), for one badge per table.
    pub fn table_badge(&self, table: TableIx) -> TableState {
        let rank = |s: TableState| match s {
            TableState::Conflicting => 0,
            TableState::Missing => 1,
            TableState::Single => 2,
            TableState::Corroborated => 3,
        };
        (0..self.tally.contests.len())
            .map(|c| self.state(c, table))
            .min_by_key(|s| rank(*s))
            .unwrap_or(TableState::Missing)
    }
}

/// One sheet as a table page shows it.
#[derive(Clone, Debug)]
pub struct SheetInfo {
    /// Log index.
    pub index: u64,
    /// Contest position in the election.
    pub contest: usize,
    /// `witness`, `party_agent`, `official` or `bulk_import`.
    pub source: &'static str,
    /// Who holds the signing key.
    pub holder: String,
    /// Their organisation.
    pub organisation: String,
    /// Their role.
    pub role: &'static str,
    /// The key's name.
    pub key_name: String,
    /// Log index of the key's enrolment.
    pub enrolled_at: u64,
    /// Votes in candidate order.
    pub votes: Vec<u64>,
    /// Candidate positions whose votes the sheet does not report.
    pub not_reported: Vec<u16>,
    /// Null votes, if reported.
    pub null: Option<u64>,
    /// Blank votes, if reported.
    pub blank: Option<u64>,
    /// Flag codes.
    pub flags: Vec<&'static str>,
    /// When signed, Unix seconds.
    pub signed_at: u64,
    /// The sheet this one corrects.
    pub supersedes: Option<u64>,
    /// The sheet that corrects this one.
    pub superseded_by: Option<u64>,
    /// The photo's SHA-256, hex.
    pub photo: Option<String>,
    /// The sheet's own QR payload checked against its counts.
    pub qr: Option<QrCheck>,
    /// The photo's QR codes checked against its counts.
    pub photo_qr: Option<QrCheck>,
}

/// A table with all its sheets, copied out of the registry so a server can
/// render without holding its lock.
#[derive(Clone, Debug)]
pub struct TableView {
    /// Table id.
    pub id: String,
    /// Its position in the geography.
    pub table: TableIx,
    /// Registered voters, where declared.
    pub registered: Option<u64>,
    /// Sheets in log order.
    pub sheets: Vec<SheetInfo>,
}

/// What a table page shows changes only with these: the log size of the
/// snapshot behind its states, and the newest log entry about one of its
/// sheets (the sheet itself or the photo reading it was checked against).
/// `None` if the geography has no such table.
pub fn table_version(registry: &Registry, id: &str) -> Option<u64> {
    let table = registry.geography().find_table(id)?;
    Some(
        registry
            .sheets_for_table(table)
            .map(|s| s.index().max(s.photo_qr_check().and_then(|q| q.reading).unwrap_or(0)) + 1)
            .max()
            .unwrap_or(0),
    )
}

impl TableView {
    /// The view of table `id`, or `None` if the geography has no such table.
    pub fn of(registry: &Registry, id: &str) -> Option<TableView> {
        let geo = registry.geography();
        let table = geo.find_table(id)?;
        let mut sheets: Vec<SheetInfo> = registry
            .sheets_for_table(table)
            .map(|s| {
                let e = s.signer();
                SheetInfo {
                    index: s.index(),
                    contest: s.contest_position(),
                    source: s.source().as_str(),
                    holder: e.holder.clone(),
                    organisation: e.organisation.clone(),
                    role: e.role.as_str(),
                    key_name: e.verifier.name().to_string(),
                    enrolled_at: e.index,
                    votes: s.votes().to_vec(),
                    not_reported: s.not_reported().to_vec(),
                    null: s.null(),
                    blank: s.blank(),
                    flags: s.flags().iter().map(|f| f.code()).collect(),
                    signed_at: s.signed_at(),
                    supersedes: s.supersedes(),
                    superseded_by: s.superseded_by(),
                    photo: s.photo_sha256(),
                    qr: s.qr_check(),
                    photo_qr: s.photo_qr_check(),
                }
            })
            .collect();
        sheets.sort_by_key(|s| s.index);
        Some(TableView { id: id.to_string(), table, registered: geo.table_registered(table), sheets })
    }
}
