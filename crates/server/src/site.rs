//! The public website (`testigo-site`) served live: pages rendered on
//! request from a snapshot of the registry, rebuilt in the background when
//! the log has grown (at most every [`REBUILD_EVERY`]), table pages from
//! the registry itself so a new sheet shows at once.
//!
//! | route | what |
//! |---|---|
//! | `GET /` | redirect to `/{lang}/`, the language negotiated from `Accept-Language` |
//! | `GET /{lang}/…` | the pages ([`testigo_site::Page`]); `/{lang}/search.html?q=` answers searches |
//! | `GET /assets/…`, `GET /v1/openapi.json` | stylesheet, ES modules, the API description |
//! | `GET /downloads/…` | open data and `SHA256SUMS` |
//! | `GET /witness/…` | the witness's app ([`testigo_site::witness`]): its files and `messages.json`, its words in every language; `/witness` redirects to `/witness/` |

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use testigo_note::Signer;
use testigo_site::{table_version, CheckpointInfo, Lang, Page, SiteConfig, Snapshot, SnapshotInputs, TableView};

use crate::node::Node;

/// Shortest time between two snapshots while the log grows: a page's unit
/// totals and `/v1/tally` lag the log by at most this on a small log.
pub const REBUILD_EVERY: Duration = Duration::from_secs(2);

/// A snapshot is rebuilt at most once per this many times the last build
/// took, so that building (a whole tabulation, the search index) never takes
/// more than about a tenth of the machine from intake, whatever the log's
/// size: every 2 s for the demo, every ten-odd seconds for a million tables.
pub const REBUILD_SHARE: u32 = 10;

/// Longest the questions page (forensics, audit plan) may lag the log: on a
/// national log its bootstrap and Monte Carlo take seconds, so a live server
/// recomputes them at most this often, and the page says at which log size
/// they were computed.
pub const QUESTIONS_EVERY: Duration = Duration::from_secs(60);

/// What the site shows beyond the log: the cosigners a reader should trust
/// (as `testigo serve --cosigner` gives them) and where it is published.
#[derive(Clone, Debug, Default)]
pub struct SiteOptions {
    /// Cosigners' verifier key lines.
    pub cosigners: Vec<String>,
    /// Cosignatures a checkpoint needs.
    pub quorum: usize,
    /// The public URL, for the commands shown to observers.
    pub public_url: Option<String>,
}

/// Rendered pages kept for reuse: enough for the tables a busy evening
/// asks for most (about 6 KB each, so at most some 50 MB).
pub const CACHED_PAGES: usize = 8192;

/// A rendered page: which language, which page, which search.
type PageKey = (Lang, Page, String);

/// A rendered page with the version it shows: (snapshot log size,
/// [`table_version`]), and the registry's change epoch when that version was
/// last confirmed current ([`crate::changes::TableChanges`]: while the intake
/// is busy a table page is served only if no batch since touched its table).
type CachedPage = ((u64, u64), u64, Rendered);

/// A table page could not be answered without waiting for the registry.
struct RegistryBusy;

/// A rendered page, and its gzip form once a reader asked for it: a cached
/// page is compressed once, not for every reader.
#[derive(Clone)]
struct Rendered {
    html: Bytes,
    gzip: Arc<std::sync::OnceLock<Bytes>>,
}

impl Rendered {
    fn new(html: Bytes) -> Self {
        Rendered { html, gzip: Arc::new(std::sync::OnceLock::new()) }
    }

    fn gzip(&self) -> &Bytes {
        self.gzip.get_or_init(|| testigo_site::gzip(&self.html))
    }
}

/// The site's shared state.
pub struct Site {
    node: Arc<Node>,
    config: SiteConfig,
    sums_key: Option<Signer>,
    current: RwLock<Option<(Arc<Snapshot>, Instant)>>,
    building: Mutex<()>,
    /// Whether a background rebuild is under way: at most one is started,
    /// however many requests find the snapshot stale meanwhile.
    rebuilding: AtomicBool,
    /// Pages with the version they were rendered at: (snapshot log size, table version).
    pages: Mutex<lru::LruCache<PageKey, CachedPage>>,
    /// The log size the questions page was last computed at, and when the
    /// site first saw them ([`QUESTIONS_EVERY`]).
    questions_seen: Mutex<Option<(u64, Instant)>>,
    /// How long the last snapshot took to build, in milliseconds.
    last_build_ms: std::sync::atomic::AtomicU64,
}

impl Site {
    /// The site of `node`.
    pub fn new(node: Arc<Node>, options: &SiteOptions) -> Arc<Site> {
        let config = SiteConfig {
            log_vkey: node.log_key().to_vkey(),
            cosigners: options.cosigners.clone(),
            quorum: options.quorum,
            public_url: options.public_url.clone(),
        };
        // SHA256SUMS is signed with the log key when the data directory has it.
        let sums_key = node.dir().signer().ok();
        let pages = Mutex::new(lru::LruCache::new(
            std::num::NonZeroUsize::new(CACHED_PAGES).unwrap_or(std::num::NonZeroUsize::MIN),
        ));
        Arc::new(Site {
            node,
            config,
            sums_key,
            current: RwLock::new(None),
            building: Mutex::new(()),
            rebuilding: AtomicBool::new(false),
            pages,
            questions_seen: Mutex::new(None),
            last_build_ms: std::sync::atomic::AtomicU64::new(0),
        })
    }

    fn build(&self) -> Option<Arc<Snapshot>> {
        let checkpoint = self.node.storage().read(testigo_tlog::storage::CHECKPOINT_PATH).ok().flatten();
        let info = checkpoint.and_then(|c| CheckpointInfo::open(&c, &self.config));
        // Only the copy is made under the registry's lock; the tabulation
        // runs after it is released, so intake goes on meanwhile.
        let started = Instant::now();
        let inputs = SnapshotInputs::gather(&self.node.registry())?;
        let gathered = started.elapsed();
        let snap = inputs.build(self.config.clone(), info);
        // The search index is built with the snapshot, not on the first
        // search, unless the geography is the one the current snapshot indexed.
        let snap = match self.current.read().unwrap_or_else(|p| p.into_inner()).as_ref() {
            Some(current) => snap.with_search_from(&current.0),
            None => snap,
        };
        snap.search();
        self.last_build_ms.store(started.elapsed().as_millis() as u64, Ordering::Relaxed);
        tracing::debug!(
            log_size = snap.log_size,
            registry_held_ms = gathered.as_millis() as u64,
            build_ms = (started.elapsed() - gathered).as_millis() as u64,
            "site snapshot built"
        );
        let snap = match &self.sums_key {
            Some(k) => snap.with_sums_key(k.clone()),
            None => snap,
        };
        let snap = match self.recent_questions() {
            Some(q) => snap.with_questions(q),
            None => snap,
        };
        Some(Arc::new(snap))
    }

    /// The current snapshot's questions if they are younger than [`QUESTIONS_EVERY`].
    fn recent_questions(&self) -> Option<Arc<testigo_site::questions::Questions>> {
        let current = self.current.read().unwrap_or_else(|p| p.into_inner());
        let q = current.as_ref()?.0.questions_if_computed()?.clone();
        let mut seen = self.questions_seen.lock().unwrap_or_else(|p| p.into_inner());
        match *seen {
            Some((size, at)) if size == q.log_size => (at.elapsed() < QUESTIONS_EVERY).then_some(q),
            _ => {
                *seen = Some((q.log_size, Instant::now()));
                Some(q)
            }
        }
    }

    /// How long a snapshot stays current while the log grows: [`REBUILD_EVERY`],
    /// or [`REBUILD_SHARE`] times the last build if that is longer.
    pub fn rebuild_every(&self) -> Duration {
        let last = Duration::from_millis(self.last_build_ms.load(Ordering::Relaxed));
        REBUILD_EVERY.max(last * REBUILD_SHARE)
    }

    /// The current snapshot: the last one built if the log has not grown
    /// or it is younger than [`REBUILD_EVERY`] (a rebuild then starts in the
    /// background), a new one if there is none yet.
    pub fn snapshot(self: &Arc<Self>) -> Option<Arc<Snapshot>> {
        let size = self.node.registry_size();
        let current = self.current.read().unwrap_or_else(|p| p.into_inner()).clone();
        match current {
            Some((snap, _)) if snap.log_size == size => Some(snap),
            Some((snap, built)) => {
                if built.elapsed() >= self.rebuild_every() && !self.rebuilding.swap(true, Ordering::AcqRel) {
                    let site = self.clone();
                    std::thread::spawn(move || {
                        site.rebuild();
                        site.rebuilding.store(false, Ordering::Release);
                    });
                }
                Some(snap)
            }
            None => self.rebuild(),
        }
    }

    /// The current snapshot if it shows the whole log or is younger than
    /// [`REBUILD_EVERY`]; `None` if a new one must be built first.
    pub fn fresh_enough(&self) -> Option<Arc<Snapshot>> {
        let size = self.node.registry_size();
        let current = self.current.read().unwrap_or_else(|p| p.into_inner());
        let (snap, built) = current.as_ref()?;
        (snap.log_size == size || built.elapsed() < self.rebuild_every()).then(|| snap.clone())
    }

    /// The snapshot an API answer is made from: [`Site::fresh_enough`], or
    /// one built now (concurrent callers share one build). A quiet log's
    /// answer is always current; a growing log's lags it by at most
    /// [`REBUILD_EVERY`] plus one build. Blocks: call off the async workers.
    pub fn snapshot_for_api(&self) -> Option<Arc<Snapshot>> {
        self.fresh_enough().or_else(|| self.rebuild())
    }

    /// The current snapshot if one was built ([`Site::snapshot`] otherwise).
    pub fn ready(self: &Arc<Self>) -> Option<Arc<Snapshot>> {
        if self.current.read().unwrap_or_else(|p| p.into_inner()).is_none() {
            return None;
        }
        self.snapshot()
    }

    /// Builds a snapshot unless another thread is building one (then waits
    /// for it and shares it).
    fn rebuild(&self) -> Option<Arc<Snapshot>> {
        self.rebuild_asked_at(Instant::now())
    }

    /// [`Site::rebuild`] for a caller who asked at `asked`.
    fn rebuild_asked_at(&self, asked: Instant) -> Option<Arc<Snapshot>> {
        let _one = self.building.lock().unwrap_or_else(|p| p.into_inner());
        let size = self.node.registry_size();
        if let Some((snap, built)) = self.current.read().unwrap_or_else(|p| p.into_inner()).as_ref() {
            // A build that finished while this caller waited is shared, even if
            // the log grew meanwhile: otherwise, under constant intake, every
            // waiting caller would build again in turn (at a million tables,
            // seconds and a copy of the inputs each).
            if snap.log_size == size || *built >= asked {
                return Some(snap.clone());
            }
        }
        let snap = self.build()?;
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = Some((snap.clone(), Instant::now()));
        Some(snap)
    }
}

/// The site's routes.
pub fn routes(site: Arc<Site>) -> Router {
    Router::new()
        .route("/", get(root))
        .route("/assets/{*path}", get(asset))
        .route("/v1/openapi.json", get(openapi))
        .route("/downloads/{name}", get(download))
        // Before `/{lang}`: a static segment wins over a parameter.
        .route("/witness", get(|| async { Redirect::permanent("/witness/") }))
        .route("/witness/", get(|| async { witness_file("index.html") }))
        .route("/witness/{file}", get(|Path(file): Path<String>| async move { witness_file(&file) }))
        .route("/{lang}", get(lang_root))
        .route("/{lang}/", get(page))
        .route("/{lang}/{*rest}", get(page))
        .with_state(site)
}

fn html(body: impl Into<axum::body::Body>) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8")),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        body.into(),
    )
        .into_response()
}

fn not_found(lang: Lang) -> Response {
    let text = testigo_site::Tr::new(lang).t("not-found");
    (StatusCode::NOT_FOUND, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text).into_response()
}

async fn root(headers: HeaderMap) -> Response {
    let accept = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
    let lang = Lang::negotiate(accept);
    let mut r = Redirect::to(&format!("/{}/", lang.code())).into_response();
    r.headers_mut().insert(header::VARY, HeaderValue::from_static("Accept-Language"));
    r
}

async fn lang_root(Path(lang): Path<String>) -> Response {
    match Lang::from_code(&lang) {
        Some(l) => Redirect::permanent(&format!("/{}/", l.code())).into_response(),
        None => not_found(Lang::Es),
    }
}

async fn asset(Path(path): Path<String>) -> Response {
    embedded(&format!("assets/{path}"))
}

async fn openapi() -> Response {
    embedded("v1/openapi.json")
}

/// A file embedded in the binary ([`testigo_site::ASSETS`]).
fn embedded(path: &str) -> Response {
    match testigo_site::asset(path) {
        Some((content_type, body)) => {
            ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "no-cache")], body).into_response()
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// A file of the witness's app, or its words (`messages.json`). Never
/// cached without asking the server again (`no-cache`), so an update of the
/// app reaches phones that installed it as soon as they are online; its
/// service worker keeps a copy for when they are not.
fn witness_file(name: &str) -> Response {
    use testigo_site::witness;
    let (content_type, body) = match name {
        witness::MESSAGES => ("application/json", witness::messages_json()),
        _ => match witness::file(name) {
            Some(found) => found,
            None => return StatusCode::NOT_FOUND.into_response(),
        },
    };
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
            (header::CONTENT_SECURITY_POLICY, witness::CSP),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        body,
    )
        .into_response()
}

async fn download(State(site): State<Arc<Site>>, Path(name): Path<String>) -> Response {
    let result = tokio::task::spawn_blocking(move || {
        let snap = site.snapshot()?;
        let d = snap.downloads();
        if name == "SHA256SUMS" {
            return Some(("text/plain; charset=utf-8", d.listing.sums.clone()));
        }
        let body = d.files.iter().find(|(n, _)| *n == name)?.1.clone();
        let content_type = if name.ends_with(".json") { "application/json" } else { "text/csv; charset=utf-8" };
        Some((content_type, body))
    })
    .await;
    match result {
        Ok(Some((content_type, body))) => ([(header::CONTENT_TYPE, content_type)], body).into_response(),
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

#[derive(Deserialize)]
struct SearchQuery {
    q: Option<String>,
}

async fn page(
    State(site): State<Arc<Site>>,
    Path(params): Path<Vec<(String, String)>>,
    Query(query): Query<SearchQuery>,
    headers: HeaderMap,
) -> Response {
    let gzip = crate::http::accepts_gzip(&headers);
    let lang_code = params.iter().find(|(k, _)| k == "lang").map(|(_, v)| v.clone()).unwrap_or_default();
    let rest = params.iter().find(|(k, _)| k == "rest").map(|(_, v)| v.clone()).unwrap_or_default();
    let Some(lang) = Lang::from_code(&lang_code) else { return StatusCode::NOT_FOUND.into_response() };
    let path = format!("{lang_code}/{rest}");
    let site2 = site.clone();
    if testigo_site::paths::parse_chart(&path).is_some() {
        return chart(site, path).await;
    }
    let Some((lang, page)) = Page::parse(&path) else { return not_found(lang) };
    let q = if matches!(page, Page::Search) { query.q.clone().unwrap_or_default() } else { String::new() };
    let page_kind = page.clone();
    if q.len() > 200 {
        return not_found(lang);
    }
    // Table pages read the registry. While the intake holds it to apply a
    // batch (none of it durable yet), a worker does not wait for it: it serves
    // the cached page if no earlier batch touched the table since the page was
    // confirmed (so it is the table as it stood before this batch), or renders
    // off the workers.
    let render = move |snap: Arc<Snapshot>, may_wait: bool| -> Result<Option<Rendered>, RegistryBusy> {
        let key = (lang, page.clone(), q.clone());
        let pages = || site.pages.lock().unwrap_or_else(|p| p.into_inner());
        let cached = || pages().get(&key).cloned();
        let registry = match &page {
            Page::Table(id) => match site.node.try_registry() {
                Some(guard) => Some(guard),
                None if may_wait => Some(site.node.registry()),
                // A page confirmed since the last batch that touched its table shows
                // the table as it stands before the batch being applied.
                None => {
                    return match cached() {
                        Some((_, confirmed, body)) if site.node.changes().unchanged_since(id, confirmed) => {
                            Ok(Some(body))
                        }
                        _ => Err(RegistryBusy),
                    }
                }
            },
            _ => None,
        };
        // Read while the registry is held: batches are recorded under its write lock.
        let confirmed = site.node.changes().epoch();
        // A page is rendered again only when what it shows may have changed.
        let (table_version, view) = match (&page, &registry) {
            (Page::Table(id), Some(registry)) => {
                let Some(version) = table_version(registry, id) else { return Ok(None) };
                if let Some((v, at, body)) = pages().get_mut(&key) {
                    if *v == (snap.log_size, version) {
                        *at = confirmed;
                        return Ok(Some(body.clone()));
                    }
                }
                (version, TableView::of(registry, id))
            }
            _ => (0, None),
        };
        drop(registry);
        let version = (snap.log_size, table_version);
        if let Some((v, _, body)) = cached() {
            if v == version {
                return Ok(Some(body));
            }
        }
        let (lang, page, q) = &key;
        if matches!(page, Page::Table(_)) && view.is_none() {
            return Ok(None);
        }
        let search = matches!(page, Page::Search).then_some(q.as_str());
        let Some(html) = testigo_site::render(&snap, *lang, page, view.as_ref(), search, true) else { return Ok(None) };
        let body = Rendered::new(Bytes::from(html));
        pages().put(key.clone(), (version, confirmed, body.clone()));
        Ok(Some(body))
    };
    // Rendering from a built snapshot takes microseconds: done here. Only
    // the first snapshot (a full tabulation), the questions page (its
    // forensics, on first view) and a table page the intake is busy with are
    // computed off the async workers.
    let in_place = match site2.ready() {
        Some(snap) if !matches!(page_kind, Page::Questions) || snap.questions_if_computed().is_some() => {
            render(snap, false).ok()
        }
        _ => None,
    };
    let rendered = match in_place {
        Some(done) => Ok(done),
        None => {
            tokio::task::spawn_blocking(move || site2.snapshot().and_then(|snap| render(snap, true).ok().flatten()))
                .await
        }
    };
    match rendered {
        // Compressed once per rendered page, if the reader takes gzip.
        Ok(Some(body)) if gzip => crate::http::precompressed(html(body.gzip().clone())),
        Ok(Some(body)) => html(body.html),
        Ok(None) => not_found(lang),
        Err(e) => {
            tracing::error!(error = %e, "page task failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// A chart of the questions page (`/{lang}/charts/{name}.svg` or `.png`).
async fn chart(site: Arc<Site>, path: String) -> Response {
    let found = tokio::task::spawn_blocking(move || {
        let snap = site.snapshot()?;
        testigo_site::chart(&snap, &path).map(|(content_type, bytes)| (content_type, Bytes::copy_from_slice(bytes)))
    })
    .await;
    match found {
        Ok(Some((content_type, bytes))) => {
            ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "no-cache")], bytes).into_response()
        }
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt;

    /// Holds the node's registry for writing on another thread until the
    /// returned sender is dropped, or for 10 s at most: a server whose workers
    /// block on the lock then fails the test instead of hanging it.
    fn hold_registry(node: Arc<Node>) -> (std::sync::mpsc::Sender<()>, std::thread::JoinHandle<()>) {
        let (held_tx, held_rx) = std::sync::mpsc::channel();
        let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
        let holder = std::thread::spawn(move || {
            let _guard = node.registry_for_writing();
            held_tx.send(()).unwrap();
            let _ = release_rx.recv_timeout(Duration::from_secs(10));
        });
        held_rx.recv().unwrap();
        (release_tx, holder)
    }

    /// The node fixture and a fetcher of its site's pages, each request on a
    /// task of its own (so a test can time one out while others go on).
    async fn site_and_fetch(
    ) -> (crate::node::tests::Fixture, impl Fn(&'static str) -> tokio::task::JoinHandle<axum::response::Response>) {
        let f = tokio::task::spawn_blocking(crate::node::tests::fixture).await.unwrap();
        let app = routes(Site::new(f.node.clone(), &SiteOptions::default()));
        let fetch = move |uri: &'static str| {
            let app = app.clone();
            tokio::spawn(async move { app.oneshot(Request::get(uri).body(Body::empty()).unwrap()).await.unwrap() })
        };
        (f, fetch)
    }

    #[test]
    fn callers_waiting_for_a_build_share_it_though_the_log_grew_meanwhile() {
        use crate::node::tests::{fixture, sheet, signed};
        use crate::node::unix_now;
        let f = fixture();
        let site = Site::new(f.node.clone(), &SiteOptions::default());
        let asked = Instant::now();
        let first = site.rebuild().unwrap();
        // The log grows while the callers who asked before that build finished still wait.
        let (_, pending) = f.node.enqueue(vec![signed(&sheet("01.1"), &f.w1)], unix_now(), true).unwrap();
        pending.unwrap().wait().unwrap();
        assert!(f.node.registry_size() > first.log_size);
        let shared = site.rebuild_asked_at(asked).unwrap();
        assert!(Arc::ptr_eq(&first, &shared), "a caller who waited for that build built another");
        // A caller who asks after it gets the log as it is now.
        let fresh = site.rebuild().unwrap();
        assert_eq!(fresh.log_size, f.node.registry_size());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn table_pages_do_not_wait_for_the_intake_to_release_the_registry() {
        let (f, fetch) = site_and_fetch().await;
        // Rendered and cached while nobody holds the registry.
        assert_eq!(fetch("/en/t/01.1.html").await.unwrap().status(), StatusCode::OK);
        let (release, holder) = hold_registry(f.node.clone());
        // The cached page is answered at once; a worker blocked on the lock would never answer.
        let cached = tokio::time::timeout(Duration::from_secs(5), fetch("/en/t/01.1.html")).await;
        // A page never rendered waits off the workers until the registry is free.
        let mut uncached = fetch("/en/t/01.2.html");
        let still_waiting = tokio::time::timeout(Duration::from_millis(300), &mut uncached).await.is_err();
        // Another read on the workers is not held up by the one waiting.
        let meanwhile = tokio::time::timeout(Duration::from_secs(5), fetch("/en/t/01.1.html")).await;
        drop(release);
        holder.join().unwrap();
        assert_eq!(
            cached.expect("the cached page was answered while the registry was held").unwrap().status(),
            StatusCode::OK
        );
        assert!(still_waiting, "a page that needs the registry was answered while it was held");
        assert_eq!(meanwhile.expect("a second read was answered").unwrap().status(), StatusCode::OK);
        let page = tokio::time::timeout(Duration::from_secs(5), uncached).await.expect("answered once released");
        assert_eq!(page.unwrap().status(), StatusCode::OK);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn while_the_registry_is_busy_a_cached_page_is_served_only_if_no_batch_since_touched_its_table() {
        use crate::node::tests::{sheet, signed};
        use crate::node::unix_now;
        let (f, fetch) = site_and_fetch().await;
        assert_eq!(fetch("/en/t/01.1.html").await.unwrap().status(), StatusCode::OK);
        assert_eq!(fetch("/en/t/01.2.html").await.unwrap().status(), StatusCode::OK);
        // A sheet for 01.1 is applied after the page was cached: the cached
        // page no longer shows the table, whatever the snapshot says.
        let node = f.node.clone();
        let w1 = f.w1.clone();
        tokio::task::spawn_blocking(move || {
            let (_, pending) = node.enqueue(vec![signed(&sheet("01.1"), &w1)], unix_now(), true).unwrap();
            pending.unwrap().wait().unwrap();
        })
        .await
        .unwrap();
        let (release, holder) = hold_registry(f.node.clone());
        let mut stale = fetch("/en/t/01.1.html");
        let waited = tokio::time::timeout(Duration::from_millis(300), &mut stale).await.is_err();
        // The batch did not touch 01.2: its cached page is still the table as it is.
        let untouched = tokio::time::timeout(Duration::from_secs(5), fetch("/en/t/01.2.html")).await;
        drop(release);
        holder.join().unwrap();
        assert!(waited, "a page cached before the last batch was served while the registry was held");
        if crate::changes::bucket("01.1") != crate::changes::bucket("01.2") {
            let untouched = untouched.expect("a page the batch did not touch was answered at once");
            assert_eq!(untouched.unwrap().status(), StatusCode::OK);
        }
        let page = tokio::time::timeout(Duration::from_secs(5), stale).await.expect("answered once released");
        assert_eq!(page.unwrap().status(), StatusCode::OK);
    }
}
