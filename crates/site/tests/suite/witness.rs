//! The witness's app as the site crate embeds it: its files with their
//! types, and its words in every language from the site's catalogs.

use std::collections::BTreeSet;

use testigo_site::witness::{file, messages_json, FILES, MESSAGES, MESSAGE_PREFIX};
use testigo_site::{asset, LANGS};

/// The `{name}` placeholders of a message, in order of first appearance.
fn placeholders(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        let Some(end) = rest[start..].find('}') else { break };
        out.insert(rest[start + 1..start + end].to_string());
        rest = &rest[start + end + 1..];
    }
    out
}

#[test]
fn the_app_s_words_have_the_same_ids_and_placeholders_in_every_language() {
    let doc: serde_json::Value = serde_json::from_str(messages_json()).unwrap();
    let obj = doc.as_object().unwrap();
    assert_eq!(obj.keys().map(String::as_str).collect::<Vec<_>>(), vec!["en", "es", "pt"]);
    let ids = |lang: &str| obj[lang].as_object().unwrap().keys().cloned().collect::<BTreeSet<_>>();
    let en = ids("en");
    assert!(!en.is_empty(), "the catalogs have no {MESSAGE_PREFIX}* message");
    for lang in LANGS {
        let code = lang.code();
        assert_eq!(ids(code), en, "{code} has other {MESSAGE_PREFIX}* messages than en");
        for (id, text) in obj[code].as_object().unwrap() {
            let text = text.as_str().unwrap();
            assert!(id.starts_with(MESSAGE_PREFIX), "{code}: {id}");
            assert!(!text.trim().is_empty(), "{code}: {id} is empty");
            // No isolation marks, no unresolved Fluent syntax: the script fills `{name}` in.
            assert!(!text.contains(['\u{2068}', '\u{2069}']), "{code}: {id} has isolation marks: {text:?}");
            assert!(!text.contains("{$"), "{code}: {id} kept a Fluent variable: {text:?}");
            let en_text = obj["en"][id].as_str().unwrap();
            assert_eq!(
                placeholders(text),
                placeholders(en_text),
                "{code}: {id} takes other values than in English: {text:?} / {en_text:?}"
            );
        }
    }
}

#[test]
fn variables_come_out_as_named_placeholders() {
    let doc: serde_json::Value = serde_json::from_str(messages_json()).unwrap();
    // Every message that names a variable in the catalog source shows it as `{name}`.
    let with_values: Vec<_> =
        doc["en"].as_object().unwrap().iter().filter(|(_, t)| !placeholders(t.as_str().unwrap()).is_empty()).collect();
    assert!(!with_values.is_empty(), "no witness message takes a value");
    for (id, text) in with_values {
        for name in placeholders(text.as_str().unwrap()) {
            assert!(
                !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'),
                "{id}: {{{name}}} is not a placeholder: {text}"
            );
        }
    }
}

#[test]
fn every_file_of_the_app_and_every_module_it_imports_is_embedded_with_its_type() {
    for (name, ctype) in [
        ("index.html", "text/html; charset=utf-8"),
        ("app.js", "text/javascript; charset=utf-8"),
        ("sw.js", "text/javascript; charset=utf-8"),
        ("app.css", "text/css; charset=utf-8"),
        ("manifest.webmanifest", "application/manifest+json"),
        ("icon.svg", "image/svg+xml"),
    ] {
        let (t, body) = file(name).unwrap_or_else(|| panic!("{name} is not embedded"));
        assert_eq!(t, ctype, "{name}");
        assert!(!body.is_empty(), "{name} is empty");
    }
    assert!(file(MESSAGES).is_none(), "messages.json is made from the catalogs, not embedded");
    // Every module the app's scripts import, relative to /witness/, is served.
    for (name, _, body) in FILES.iter().filter(|(n, _, _)| n.ends_with(".js")) {
        for line in body.lines().filter(|l| l.trim_start().starts_with("import ")) {
            let Some(spec) = line.split(['"', '\'']).nth(1) else { continue };
            let found = match spec.strip_prefix("../assets/") {
                Some(rest) => asset(&format!("assets/{rest}")).is_some(),
                None => file(spec.trim_start_matches("./")).is_some(),
            };
            assert!(found, "{name} imports {spec}, which is not served");
        }
    }
    // The manifest is JSON.
    let manifest: serde_json::Value = serde_json::from_str(file("manifest.webmanifest").unwrap().1).unwrap();
    assert!(manifest.is_object());
}
