//! The witness's app (`web/witness/`), served at `/witness/` by `testigo
//! serve`: its files, embedded in the binary like the site's scripts, and
//! its words, taken from the site's catalogs (`witness-*` messages) so the
//! app speaks the site's three languages.
//!
//! The app's scripts also import the site's modules at `/assets/js/`
//! (signing, notes, entries, receipts, QR codes: [`crate::ASSETS`]).

use std::collections::BTreeMap;
use std::sync::OnceLock;

use crate::i18n::{templates, LANGS};

/// The content type of the app's ES modules.
const JS: &str = "text/javascript; charset=utf-8";

/// The app's files, `(name below /witness/, content type, body)`.
pub const FILES: &[(&str, &str, &str)] = &[
    ("index.html", "text/html; charset=utf-8", include_str!("../../../web/witness/index.html")),
    ("app.js", JS, include_str!("../../../web/witness/app.js")),
    ("store.js", JS, include_str!("../../../web/witness/store.js")),
    ("photo.js", JS, include_str!("../../../web/witness/photo.js")),
    ("sw.js", JS, include_str!("../../../web/witness/sw.js")),
    ("app.css", "text/css; charset=utf-8", include_str!("../../../web/witness/app.css")),
    ("manifest.webmanifest", "application/manifest+json", include_str!("../../../web/witness/manifest.webmanifest")),
    ("icon.svg", "image/svg+xml", include_str!("../../../web/witness/icon.svg")),
];

/// The name, below `/witness/`, of the app's words ([`messages_json`]).
pub const MESSAGES: &str = "messages.json";

/// The prefix of the catalog messages that are the app's words.
pub const MESSAGE_PREFIX: &str = "witness-";

/// The Content-Security-Policy of the app's files. The app runs only its
/// own scripts (no inline script or style, no other origin: the witness's
/// signing key is usable by any script the page runs), talks only to this
/// server, shows photos and QR codes from `blob:` and `data:` URLs, and
/// runs its service worker from here. The camera comes through a file
/// input, which needs nothing.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; \
                       connect-src 'self'; worker-src 'self'; manifest-src 'self'; object-src 'none'; \
                       base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The file `name` of the app (below `/witness/`): its content type and body.
pub fn file(name: &str) -> Option<(&'static str, &'static str)> {
    FILES.iter().find(|(n, _, _)| *n == name).map(|(_, t, b)| (*t, *b))
}

/// The app's words in every language, `{"es": {id: text, …}, "pt": …,
/// "en": …}`: every catalog message whose id starts with
/// [`MESSAGE_PREFIX`], each variable written `{name}` for the script to fill
/// in ([`templates`]). Made once.
pub fn messages_json() -> &'static str {
    static JSON: OnceLock<String> = OnceLock::new();
    JSON.get_or_init(|| {
        let doc: BTreeMap<&str, BTreeMap<String, String>> =
            LANGS.iter().map(|l| (l.code(), templates(*l, MESSAGE_PREFIX).into_iter().collect())).collect();
        serde_json::to_string(&doc).unwrap_or_else(|_| "{}".into())
    })
}
