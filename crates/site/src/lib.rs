//! The public website of a testigo log: every page a pure function of a
//! replayed log ([`Snapshot`]) and a language, in Spanish, Portuguese and
//! English from message catalogs (`locales/*.ftl`).
//!
//! One layout serves both ways of publishing it: `testigo serve` renders
//! pages on request ([`render`]), and `testigo site` writes every page, the
//! search shards, assets and downloads to a directory beside a copy of the
//! log ([`export`]), so a static host or CDN serves the same site, with the
//! same in-browser verification, and no testigo process.
//!
//! The witness's app ([`witness`]) is served beside it, with its words
//! from the same catalogs.
//!
//! This crate does no I/O: the export hands each file to a caller's sink.

pub mod downloads;
pub mod i18n;
pub mod model;
pub mod pages;
pub mod paths;
pub mod questions;
pub mod search;
pub mod unit_json;
pub mod witness;

pub use downloads::Downloads;
pub use i18n::{Lang, Tr, LANGS};
pub use model::{gzip, table_version, CheckpointInfo, SheetInfo, SiteConfig, Snapshot, SnapshotInputs, TableView};
pub use paths::Page;
pub use unit_json::{unit_json, UnitRef};

use pages::Ctx;
use search::{Hit, ShardEntry};
use testigo_election::Registry;

/// The stylesheet and scripts, served at `assets/…` below the site root.
/// The scripts are plain ES modules with no third-party code.
pub const ASSETS: &[(&str, &str, &str)] = &[
    ("assets/site.css", "text/css; charset=utf-8", include_str!("../assets/site.css")),
    ("assets/js/page.js", "text/javascript; charset=utf-8", include_str!("../../../web/js/page.js")),
    ("assets/js/search.js", "text/javascript; charset=utf-8", include_str!("../../../web/js/search.js")),
    ("assets/js/verify.js", "text/javascript; charset=utf-8", include_str!("../../../web/js/verify.js")),
    ("assets/js/merkle.js", "text/javascript; charset=utf-8", include_str!("../../../web/js/merkle.js")),
    ("assets/js/note.js", "text/javascript; charset=utf-8", include_str!("../../../web/js/note.js")),
    ("assets/js/tiles.js", "text/javascript; charset=utf-8", include_str!("../../../web/js/tiles.js")),
    ("assets/js/entries.js", "text/javascript; charset=utf-8", include_str!("../../../web/js/entries.js")),
    // Imported by the witness's app (`witness`): signing on the device, receipts, QR codes.
    ("assets/js/sign.js", "text/javascript; charset=utf-8", include_str!("../../../web/js/sign.js")),
    ("assets/js/receipt.js", "text/javascript; charset=utf-8", include_str!("../../../web/js/receipt.js")),
    ("assets/js/qrcode.js", "text/javascript; charset=utf-8", include_str!("../../../web/js/qrcode.js")),
    ("v1/openapi.json", "application/json", include_str!("../assets/openapi.json")),
];

/// The asset at `path` (below the site root): its content type and bytes.
pub fn asset(path: &str) -> Option<(&'static str, &'static str)> {
    ASSETS.iter().find(|(p, _, _)| *p == path).map(|(_, t, b)| (*t, *b))
}

/// The root page of a static copy, which has no `Accept-Language` to go by:
/// it sends the browser to its preferred language (Spanish by default),
/// with plain links for readers without scripts.
pub fn root_page() -> String {
    let links: String = LANGS
        .iter()
        .map(|l| format!("<li><a href=\"{0}/\" hreflang=\"{0}\" lang=\"{0}\">{1}</a></li>", l.code(), l.native_name()))
        .collect();
    format!(
        "<!DOCTYPE html><html lang=\"es\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" \
         content=\"width=device-width, initial-scale=1\"><link rel=\"icon\" href=\"data:,\"><title>testigo</title><link rel=\"stylesheet\" \
         href=\"assets/site.css\"><script type=\"module\" src=\"assets/js/lang.js\"></script></head><body><main \
         id=\"main\"><h1>testigo</h1><ul>{links}</ul></main></body></html>\n"
    )
}

/// The script of [`root_page`]: the first of the browser's languages we have.
pub const LANG_SCRIPT: &str = "const have = [\"es\", \"pt\", \"en\"];\n\
const want = (navigator.languages || [navigator.language]).map((l) => String(l).slice(0, 2).toLowerCase());\n\
location.replace((want.find((l) => have.includes(l)) || \"es\") + \"/\");\n";

/// Renders `page` in `lang`. A table page needs its [`TableView`]; a search
/// page answered by a server passes the query. `None`: no such unit or table.
pub fn render(
    snap: &Snapshot,
    lang: Lang,
    page: &Page,
    table: Option<&TableView>,
    query: Option<&str>,
    receipts: bool,
) -> Option<String> {
    let cx = Ctx { snap, tr: Tr::new(lang), page, receipts };
    let markup = match page {
        Page::Home => pages::home(&cx),
        Page::Unit(id) => pages::unit(&cx, snap.geo.find_unit(id)?),
        Page::Table(_) => pages::table(&cx, table?),
        Page::Search => pages::search(&cx, query),
        Page::Bulletins => pages::bulletins(&cx),
        Page::Downloads => {
            let l = snap.listing();
            pages::downloads(&cx, &l.files, l.signed)
        }
        Page::Observers => pages::observers(&cx),
        Page::Questions => pages::questions(&cx),
    };
    Some(markup.into_string())
}

/// The chart a site path names (`es/charts/fingerprint.svg` or `.png`):
/// its content type and bytes; `None` if there is no such chart (e.g. too
/// few counted tables).
pub fn chart<'a>(snap: &'a Snapshot, path: &str) -> Option<(&'static str, &'a [u8])> {
    let (lang, name) = paths::parse_chart(path)?;
    let content_type = if name.ends_with(".png") { "image/png" } else { "image/svg+xml" };
    Some((content_type, snap.questions().chart(lang, name)?))
}

/// The static search index, file by file through `put`: the manifest
/// `search-index/index.json` (`{"k": {key: [results, split]}}`, see
/// [`search::SearchIndex::shard_keys`]), then one shard per key,
/// `search-index/<segment(key)>.json`, an array of [`ShardEntry`] (shards
/// over [`search::SHARD_SKIP`] results are left out). One shard is in
/// memory at a time.
pub fn search_shards<E>(snap: &Snapshot, put: &mut crate::Put<'_, E>) -> Result<(), E> {
    let geo = &snap.geo;
    // A temporary index, dropped once the shards are written: a static
    // export never searches, and for a national election it is hundreds of MB.
    let index = search::SearchIndex::build(geo);
    let keys = index.shard_keys();
    let manifest: serde_json::Map<String, serde_json::Value> =
        keys.iter().map(|k| (k.key.clone(), serde_json::json!([k.targets, u8::from(k.split)]))).collect();
    put("search-index/index.json", serde_json::json!({ "k": manifest }).to_string().as_bytes())?;
    let words_of = index.words_by_target();
    for key in keys.iter().filter(|k| k.targets <= search::SHARD_SKIP) {
        let rows: Vec<ShardEntry<'_>> = index
            .shard(key, &words_of)
            .into_iter()
            .filter_map(|(hit, words)| match hit {
                Hit::Unit(i) => {
                    let u = geo.unit_at(i)?;
                    Some(ShardEntry {
                        k: "u",
                        p: format!("u/{}.html", paths::segment(geo.unit_id(u))),
                        l: geo.unit_name(u),
                        c: geo.unit_parent(u).map_or("", |p| geo.unit_name(p)),
                        v: Some(geo.unit_level(u)),
                        w: words,
                    })
                }
                Hit::Table(i) => {
                    let t = geo.table_at(i)?;
                    Some(ShardEntry {
                        k: "t",
                        p: format!("t/{}.html", paths::segment(geo.table_id(t))),
                        l: geo.table_id(t),
                        c: geo.unit_name(geo.table_unit(t)),
                        v: None,
                        w: words,
                    })
                }
            })
            .collect();
        let body = serde_json::to_vec(&rows).unwrap_or_default();
        put(&format!("search-index/{}.json", paths::segment(&key.key)), &body)?;
    }
    Ok(())
}

/// The log entries a static copy serves one by one at `v1/entries/<index>`
/// (as `testigo serve` serves any): the election (entry 0) and every
/// enrolment a sheet's signer was enrolled by, which table pages prove with
/// hash tiles instead of fetching their large entry bundles.
pub fn entries_served(registry: &Registry) -> Vec<u64> {
    let mut out: Vec<u64> = std::iter::once(0).chain(registry.sheets().map(|s| s.signer().index)).collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// Where one thread writes files one after another: path below the site root, bytes.
pub type Put<'a, E> = dyn FnMut(&str, &[u8]) -> Result<(), E> + 'a;

/// Files [`export`] streams rather than puts (the downloads).
const FILES_STREAMED: u64 = downloads::FILES.len() as u64;

/// Where a large file is streamed: called with its path and a function that
/// writes it to the writer given.
pub type Stream<'a, E> =
    dyn FnMut(&str, &mut dyn FnMut(&mut dyn std::io::Write) -> std::io::Result<()>) -> Result<(), E> + 'a;

/// Where [`export`] puts each file: called with its path below the site
/// root and its bytes, from several threads.
pub type Sink<'a, E> = dyn Fn(&str, &[u8]) -> Result<(), E> + Sync + 'a;

/// What an export wrote.
#[derive(Clone, Copy, Debug, Default)]
pub struct ExportStats {
    /// Pages written.
    pub pages: u64,
    /// Other files (assets, shards, downloads).
    pub files: u64,
    /// Bytes written.
    pub bytes: u64,
}

impl ExportStats {
    fn add(self, other: ExportStats) -> ExportStats {
        ExportStats {
            pages: self.pages + other.pages,
            files: self.files + other.files,
            bytes: self.bytes + other.bytes,
        }
    }
}

/// Writes the whole site (not the log, which the caller copies beside it)
/// through `sink(path, bytes)` (the downloads through `stream`): every page
/// in every language, every unit's JSON document ([`unit_json`], at the
/// server's `v1/` paths), the search shards, assets and downloads. Pages are rendered in parallel, so `sink`
/// is called from several threads, in no fixed order; what it receives is
/// deterministic (the same log gives the same files, byte for byte).
/// Tables are rendered from `registry`, which must be the one `snap` was
/// built from.
pub fn export<E: Send>(
    registry: &Registry,
    snap: &Snapshot,
    sink: &Sink<'_, E>,
    stream: &mut Stream<'_, E>,
) -> Result<ExportStats, E> {
    use rayon::prelude::*;

    let file = |path: &str, bytes: &[u8]| -> Result<ExportStats, E> {
        sink(path, bytes)?;
        Ok(ExportStats { pages: 0, files: 1, bytes: bytes.len() as u64 })
    };
    let page = |lang: Lang, page: &Page, view: Option<&TableView>| -> Result<ExportStats, E> {
        match render(snap, lang, page, view, None, false) {
            Some(html) => {
                sink(&page.file(lang), html.as_bytes())?;
                Ok(ExportStats { pages: 1, files: 0, bytes: html.len() as u64 })
            }
            None => Ok(ExportStats::default()),
        }
    };
    let mut stats = file("index.html", root_page().as_bytes())?;
    stats = stats.add(file("assets/js/lang.js", LANG_SCRIPT.as_bytes())?);
    for (path, _, body) in ASSETS {
        stats = stats.add(file(path, body.as_bytes())?);
    }
    search_shards(snap, &mut |path: &str, body: &[u8]| -> Result<(), E> {
        stats = stats.add(file(path, body)?);
        Ok(())
    })?;
    snap.write_downloads(
        &mut |path: &str, body: &[u8]| -> Result<(), E> {
            stats = stats.add(file(path, body)?);
            Ok(())
        },
        stream,
    )?;
    stats.files += FILES_STREAMED;
    let national = unit_json(snap, &UnitRef::National).unwrap_or_default();
    stats = stats.add(file(&UnitRef::National.path(), national.as_bytes())?);
    let geo = &snap.geo;
    for lang in LANGS {
        for p in [Page::Home, Page::Search, Page::Bulletins, Page::Downloads, Page::Observers, Page::Questions] {
            stats = stats.add(page(lang, &p, None)?);
        }
        for (name, bytes) in snap.questions().charts.get(lang.index()).into_iter().flatten() {
            stats = stats.add(file(&paths::chart_href(lang, name), bytes)?);
        }
    }
    let units = geo
        .units()
        .collect::<Vec<_>>()
        .into_par_iter()
        .map(|u| {
            let id = geo.unit_id(u);
            let p = Page::Unit(id.to_string());
            let pages =
                LANGS.iter().try_fold(ExportStats::default(), |acc, lang| Ok(acc.add(page(*lang, &p, None)?)))?;
            let unit = UnitRef::Unit(id.to_string());
            let json = unit_json(snap, &unit).unwrap_or_default();
            Ok(pages.add(file(&unit.path(), json.as_bytes())?))
        })
        .try_reduce(ExportStats::default, |a, b| Ok(a.add(b)))?;
    let tables = geo
        .tables()
        .collect::<Vec<_>>()
        .into_par_iter()
        .map(|t| {
            let id = geo.table_id(t);
            let Some(view) = TableView::of(registry, id) else { return Ok(ExportStats::default()) };
            let p = Page::Table(id.to_string());
            LANGS.iter().try_fold(ExportStats::default(), |acc, lang| Ok(acc.add(page(*lang, &p, Some(&view))?)))
        })
        .try_reduce(ExportStats::default, |a, b| Ok(a.add(b)))?;
    Ok(stats.add(units).add(tables))
}
