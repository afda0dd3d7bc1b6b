//! The static export: every page of every language, the search shards,
//! assets and downloads; two exports of the same log are byte-identical.

use std::collections::BTreeMap;

use testigo_site::{export, LANGS};

use crate::fixture::fixture;
use crate::snapshot;

fn exported(reg: &testigo_election::Registry) -> BTreeMap<String, Vec<u8>> {
    let snap = snapshot(reg);
    let files = std::sync::Mutex::new(BTreeMap::new());
    let put = |path: &str, bytes: &[u8]| -> Result<(), std::io::Error> {
        let fresh = files.lock().unwrap().insert(path.to_string(), bytes.to_vec()).is_none();
        assert!(fresh, "{path} written twice");
        Ok(())
    };
    let mut stream = |path: &str, write: &mut dyn FnMut(&mut dyn std::io::Write) -> std::io::Result<()>| {
        let mut bytes = Vec::new();
        write(&mut bytes)?;
        put(path, &bytes)
    };
    export(reg, &snap, &put, &mut stream).unwrap();
    files.into_inner().unwrap()
}

#[test]
fn the_export_is_complete_and_deterministic() {
    let f = fixture();
    let a = exported(&f.reg);
    let b = exported(&f.replay());
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (path, bytes) in &a {
        assert!(b[path] == *bytes, "{path} differs between two exports of the same log");
    }
    let geo = f.reg.geography();
    for lang in LANGS {
        let l = lang.code();
        for p in ["index.html", "search.html", "bulletins.html", "downloads.html", "observers.html"] {
            assert!(a.contains_key(&format!("{l}/{p}")), "{l}/{p}");
        }
        for u in geo.units() {
            assert!(a.contains_key(&format!("{l}/u/{}.html", geo.unit_id(u))));
        }
        for t in geo.tables() {
            let page = String::from_utf8(a[&format!("{l}/t/{}.html", geo.table_id(t))].clone()).unwrap();
            // A static copy has no receipts route.
            assert!(!page.contains("v1/receipts/"));
        }
    }
    for asset in ["index.html", "assets/site.css", "assets/js/page.js", "assets/js/verify.js", "v1/openapi.json"] {
        assert!(a.contains_key(asset), "{asset}");
    }
    assert!(a.keys().any(|k| k.starts_with("search-index/")));
    // Each unit's JSON document at the server's path, as the server makes it.
    let snap = snapshot(&f.reg);
    let units = geo.units().map(|u| testigo_site::UnitRef::Unit(geo.unit_id(u).to_string()));
    for unit in units.chain([testigo_site::UnitRef::National]) {
        let expected = testigo_site::unit_json(&snap, &unit).unwrap();
        assert_eq!(a.get(&unit.path()).map(Vec::as_slice), Some(expected.as_bytes()), "{}", unit.path());
    }
    // Downloads with their checksums.
    let sums = String::from_utf8(a["downloads/SHA256SUMS"].clone()).unwrap();
    for name in ["tables.csv", "tables.json", "units.csv", "tally.json"] {
        let bytes = &a[&format!("downloads/{name}")];
        let line = format!("{}  {name}", hex::encode(<sha2::Sha256 as sha2::Digest>::digest(bytes)));
        assert!(sums.contains(&line), "{name} missing from SHA256SUMS:\n{sums}");
    }
    let tables = String::from_utf8(a["downloads/tables.csv"].clone()).unwrap();
    assert!(tables
        .starts_with("contest,table,unit,state,registered,counted_sheet,sheets,votes:a,votes:b,votes:c,null,blank\n"));
    assert!(tables.contains("\npresident,T3,M11,conflicting,200,"), "{tables}");
    assert!(tables.contains("\npresident,T5,M21,missing,250,,0,,,,,\n"), "{tables}");
}
