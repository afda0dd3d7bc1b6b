//! The layout of a testigo data directory D:
//!
//! | path | what |
//! |---|---|
//! | `D/log/` | the log exactly as served (`checkpoint`, `tile/…`) |
//! | `D/log.vkey` | the log's verifier key, one line |
//! | `D/log.key` | the log's private key (mode 0600) |
//! | `D/log.lock` | the single-writer lock |
//! | `D/log.high-water` | the newest checkpoint the log signed and published: a log rolled back below it is refused |
//! | `D/operator.key` | the operator's private key: signs the election, geography, enrolments |
//! | `D/blobs/` | photos by SHA-256 |
//! | `D/enrolment-requests/` | enrolment requests waiting for the operator, `<key name>+<key ID>.note` ([`crate::requests`]) |
//!
//! A mirror (`testigo mirror`) is laid out as the log's URLs instead
//! (`M/checkpoint`, `M/tile/…`, `M/blob/sha256/…`, `M/log.vkey`);
//! [`DataDir::open_copy`] reads either.
//!
//! The keys always live on local disk. The log and the photos live there too by
//! default ([`DirStorage`], [`DirBlobs`]); a node that serves them from object
//! storage passes its own backends ([`DataDir::with_log_storage`],
//! [`DataDir::with_photo_store`]) and everything else works unchanged.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{bail, Context};
use testigo_note::Signer;
use testigo_tlog::storage::{DirStorage, Storage};
use testigo_tlog::{Sequencer, SequencerConfig};

use crate::blobs::{BlobStore, DirBlobs};

/// Paths inside a data directory, the storage of its log and photos, and the
/// operations that create and open it.
#[derive(Clone)]
pub struct DataDir {
    root: PathBuf,
    log_storage: Option<Arc<dyn Storage>>,
    photo_store: Option<Arc<dyn BlobStore>>,
}

impl std::fmt::Debug for DataDir {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DataDir")
            .field("root", &self.root)
            .field("log_storage", &self.log_storage.as_ref().map(|_| "custom"))
            .field("photo_store", &self.photo_store)
            .finish()
    }
}

impl DataDir {
    /// Wraps a data directory path; the log and photos are stored inside it.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        DataDir { root: root.into(), log_storage: None, photo_store: None }
    }
    /// Opens a copy of a log for reading: a data directory (`D/log/checkpoint`),
    /// or a mirror made by `testigo mirror`, laid out as the log's URLs
    /// (`M/checkpoint`, `M/tile/…`, `M/blob/sha256/…`, with the verifier key
    /// the copy was checked against in `M/log.vkey`). Fails, creating nothing,
    /// if `root` is neither.
    pub fn open_copy(root: impl Into<PathBuf>) -> anyhow::Result<Self> {
        let root = root.into();
        let checkpoint = testigo_tlog::storage::CHECKPOINT_PATH;
        if root.join("log").join(checkpoint).is_file() {
            return Ok(DataDir::new(root));
        }
        if root.join(checkpoint).is_file() {
            let storage = DirStorage::new(&root)?;
            let photos = DirBlobs::reader(root.join("blob").join("sha256"));
            return Ok(DataDir::new(root).with_log_storage(Arc::new(storage)).with_photo_store(Arc::new(photos)));
        }
        bail!(
            "{} is neither a data directory (no log/checkpoint) nor a mirror (no checkpoint): \
             give the directory `testigo init` or `testigo mirror` made",
            root.display()
        )
    }
    /// Keeps the log in `storage` instead of `D/log/` (keys stay in the directory).
    pub fn with_log_storage(mut self, storage: Arc<dyn Storage>) -> Self {
        self.log_storage = Some(storage);
        self
    }
    /// Keeps the photos in `store` instead of `D/blobs/`.
    pub fn with_photo_store(mut self, store: Arc<dyn BlobStore>) -> Self {
        self.photo_store = Some(store);
        self
    }
    /// The directory itself.
    pub fn root(&self) -> &Path {
        &self.root
    }
    /// The served log.
    pub fn log(&self) -> PathBuf {
        self.root.join("log")
    }
    /// The log's verifier key file.
    pub fn vkey(&self) -> PathBuf {
        self.root.join("log.vkey")
    }
    /// The log's private key file.
    pub fn key(&self) -> PathBuf {
        self.root.join("log.key")
    }
    /// The log's high-water mark: the newest checkpoint it signed and
    /// published, kept outside the served tree so that a rollback of the
    /// tree (a restored backup, a copied-over checkpoint) is refused.
    pub fn high_water(&self) -> PathBuf {
        self.root.join("log.high-water")
    }
    /// The sequencer configuration for this directory (with its high-water mark).
    pub fn sequencer_config(&self) -> SequencerConfig {
        SequencerConfig { high_water: Some(self.high_water()), ..SequencerConfig::default() }
    }
    /// Checks that the data directory accepts a durable write now (after a
    /// storage failure, before writing again): writes, syncs and removes a
    /// 64 KiB file beside the log.
    pub fn probe_writable(&self) -> std::io::Result<()> {
        let path = self.root.join(".write-probe");
        let result = (|| {
            let mut f = std::fs::File::create(&path)?;
            f.write_all(&[0u8; 64 * 1024])?;
            f.sync_all()
        })();
        let _ = std::fs::remove_file(&path);
        result
    }
    /// The operator's private key file.
    pub fn operator_key(&self) -> PathBuf {
        self.root.join("operator.key")
    }
    /// The enrolment requests waiting for the operator (kept on local disk
    /// like the keys, also when the log is in object storage).
    pub fn enrolment_requests(&self) -> crate::requests::PendingRequests {
        crate::requests::PendingRequests::new(self.root.join("enrolment-requests"))
    }
    /// The embedded photo store's directory (used unless [`DataDir::with_photo_store`]).
    pub fn blobs(&self) -> PathBuf {
        self.root.join("blobs").join("sha256")
    }
    /// Opens the photo store (creating the embedded one and clearing its staging).
    pub fn photo_store(&self) -> anyhow::Result<Arc<dyn BlobStore>> {
        match &self.photo_store {
            Some(store) => Ok(store.clone()),
            None => Ok(Arc::new(
                DirBlobs::new(self.blobs())
                    .with_context(|| format!("opening the photo store {}", self.blobs().display()))?,
            )),
        }
    }

    /// Creates the key files and an empty log with origin `origin`.
    pub fn init(&self, origin: &str) -> anyhow::Result<Signer> {
        if self.key().exists() {
            bail!("{} already exists: {} is already a log directory", self.key().display(), self.root.display());
        }
        std::fs::create_dir_all(&self.root).with_context(|| format!("creating {}", self.root.display()))?;
        let signer = Signer::generate(origin).context("the origin is used as the key name")?;
        write_secret(&self.key(), &signer)?;
        std::fs::write(self.vkey(), format!("{}\n", signer.verifier().to_vkey()))
            .with_context(|| format!("writing {}", self.vkey().display()))?;
        match &self.log_storage {
            Some(storage) => Sequencer::create(storage.as_ref(), &signer)?,
            None => Sequencer::create(&DirStorage::new(self.log())?, &signer)?,
        };
        Ok(signer)
    }

    /// Loads the log's private key.
    pub fn signer(&self) -> anyhow::Result<Signer> {
        read_signer(&self.key()).with_context(|| {
            format!("is {} a log directory? create one with `testigo log init` or `testigo init`", self.root.display())
        })
    }

    /// Loads the operator key.
    pub fn operator(&self) -> anyhow::Result<Signer> {
        read_signer(&self.operator_key()).with_context(|| {
            format!("{} has no operator key; create the election with `testigo init`", self.root.display())
        })
    }

    /// The log storage; fails if the log was never initialised.
    pub fn storage(&self) -> anyhow::Result<Arc<dyn Storage>> {
        let storage: Arc<dyn Storage> = match &self.log_storage {
            Some(storage) => storage.clone(),
            // Checked first so that reading a directory that is not a log creates nothing.
            None if !self.log().join(testigo_tlog::storage::CHECKPOINT_PATH).exists() => {
                bail!("{} holds no log (run `testigo log init --dir {}`)", self.log().display(), self.root.display())
            }
            None => Arc::new(DirStorage::new(self.log())?),
        };
        if storage.read(testigo_tlog::storage::CHECKPOINT_PATH)?.is_none() {
            bail!("{} holds no log (run `testigo log init --dir {}`)", self.log().display(), self.root.display());
        }
        Ok(storage)
    }

    /// The log's verifier key (`D/log.vkey`).
    pub fn verifier(&self) -> anyhow::Result<testigo_note::Verifier> {
        let text = std::fs::read_to_string(self.vkey())
            .with_context(|| format!("reading the log verifier key {}", self.vkey().display()))?;
        testigo_note::Verifier::parse(text.trim())
            .with_context(|| format!("{} is not a verifier key", self.vkey().display()))
    }

    /// Opens the log for writing (takes the single-writer lock).
    pub fn sequencer(&self) -> anyhow::Result<Sequencer> {
        Ok(Sequencer::open(self.storage()?, self.signer()?, self.sequencer_config())?)
    }
}

/// Reads a `PRIVATE+KEY+…` file.
pub fn read_signer(path: &Path) -> anyhow::Result<Signer> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    Signer::parse(text.trim()).with_context(|| format!("parsing the private key in {}", path.display()))
}

/// Writes a private key to a new file readable only by its owner.
pub fn write_secret(path: &Path, signer: &Signer) -> anyhow::Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path).with_context(|| format!("creating {} (it must not exist yet)", path.display()))?;
    f.write_all(format!("{}\n", signer.to_skey()).as_bytes())?;
    f.sync_all()?;
    Ok(())
}
