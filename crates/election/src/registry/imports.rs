//! Import manifests: which file a bulk import read, logged by the importer
//! key that signed its sheets, so that anyone holding the file can check
//! the logged sheets are exactly its rows.

use super::auth::Signed;
use super::{Applied, At, Plan, Registry};
use crate::codes::Rejection;
use crate::entry::{ImportManifest, Kind, Source};
use crate::ids::name_problem;
use crate::model::ElectionDef;
use crate::validate::is_sha256_hex;

/// One accepted import manifest, with who logged it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoggedImport {
    /// Its log index.
    pub index: u64,
    /// The signer's position in [`Registry::enrolments`].
    pub signer: usize,
    /// The manifest as logged.
    pub manifest: ImportManifest,
}

impl Registry {
    /// All accepted import manifests, in log order.
    pub fn imports(&self) -> &[LoggedImport] {
        &self.imports
    }

    /// Checks an import manifest: signed by a key that may log bulk-imported
    /// sheets, for this election, naming the file and its digest, with no
    /// more sheets than rows.
    pub(super) fn plan_import(
        &self,
        election: &ElectionDef,
        at: At,
        signed: &Signed<'_>,
        m: ImportManifest,
    ) -> Result<Plan, Rejection> {
        let signer = self.authenticate(at, signed, m.signed_at, Source::BulkImport)?;
        if m.election != election.id {
            return Err(Rejection::UnknownElection { got: m.election, expected: election.id.clone() });
        }
        let malformed = |m: String| Rejection::Malformed(m);
        for (what, v) in [("name", &m.name), ("format", &m.format)] {
            if let Some(why) = name_problem(v) {
                return Err(malformed(format!("import manifest {what} {v:?}: {why}")));
            }
        }
        if !is_sha256_hex(&m.sha256) {
            return Err(malformed(format!("import manifest sha256 {:?} must be 64 lowercase hex digits", m.sha256)));
        }
        if m.sheets > m.rows {
            return Err(malformed(format!(
                "import manifest of {:?} claims {} sheets from {} rows: one row gives at most one sheet",
                m.name, m.sheets, m.rows
            )));
        }
        Ok(Plan::Import(Box::new(LoggedImport { index: at.index, signer, manifest: m })))
    }

    /// Records a checked manifest.
    pub(super) fn commit_import(&mut self, index: u64, rec: LoggedImport) -> Applied {
        self.imports.push(rec);
        Applied::new(index, Kind::Import)
    }
}
