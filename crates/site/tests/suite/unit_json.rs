//! One unit's JSON document: its rows are the `/v1/tally` report's, byte for
//! byte as JSON values, its sub-units' rows and its tables' states are the
//! snapshot's, and the export holds one per unit at the server's paths.

use testigo_site::{unit_json, UnitRef};

use crate::fixture::fixture;
use crate::snapshot;

fn doc(snap: &testigo_site::Snapshot, unit: &UnitRef) -> serde_json::Value {
    serde_json::from_str(&unit_json(snap, unit).expect("a document")).unwrap()
}

#[test]
fn every_unit_s_document_is_its_rows_of_the_tally_with_its_children_and_tables() {
    let f = fixture();
    let snap = snapshot(&f.reg);
    let geo = &snap.geo;
    let report = serde_json::to_value(&snap.report).unwrap();
    let row = |c: usize, id: &str| -> serde_json::Value {
        report["contests"][c]["units"].as_array().unwrap().iter().find(|u| u["id"] == id).cloned().unwrap()
    };

    let national = doc(&snap, &UnitRef::National);
    assert_eq!(national["schema"], "testigo-unit/1");
    assert_eq!(national["log_size"].as_u64(), Some(snap.log_size));
    assert!(national["unit"].is_null());
    for (c, contest) in national["contests"].as_array().unwrap().iter().enumerate() {
        assert_eq!(contest["totals"], report["contests"][c]["national"]);
        assert_eq!(contest["candidates"], report["contests"][c]["candidates"]);
        let top: Vec<&str> = geo.units().filter(|u| geo.unit_parent(*u).is_none()).map(|u| geo.unit_id(u)).collect();
        let children = contest["children"].as_array().unwrap();
        assert_eq!(children.iter().map(|ch| ch["id"].as_str().unwrap()).collect::<Vec<_>>(), top);
        for ch in children {
            assert_eq!(*ch, row(c, ch["id"].as_str().unwrap()));
        }
        assert!(contest["tables"].as_array().unwrap().is_empty());
    }

    for u in geo.units() {
        let id = geo.unit_id(u);
        let d = doc(&snap, &UnitRef::Unit(id.into()));
        assert_eq!(d["unit"]["id"], id);
        assert_eq!(d["unit"]["name"], geo.unit_name(u));
        assert_eq!(d["unit"]["parent"].as_str(), geo.unit_parent(u).map(|p| geo.unit_id(p)));
        for (c, contest) in d["contests"].as_array().unwrap().iter().enumerate() {
            assert_eq!(contest["totals"], row(c, id), "unit {id}");
            let children: Vec<&str> =
                contest["children"].as_array().unwrap().iter().map(|ch| ch["id"].as_str().unwrap()).collect();
            assert_eq!(children, geo.unit_children(u).map(|ch| geo.unit_id(ch)).collect::<Vec<_>>());
            let tables = contest["tables"].as_array().unwrap();
            assert_eq!(tables.len(), geo.unit_tables(u).len());
            for (t, doc_t) in geo.unit_tables(u).zip(tables) {
                assert_eq!(doc_t["id"], geo.table_id(t));
                assert_eq!(doc_t["state"], snap.state(c, t).as_str(), "table {}", geo.table_id(t));
            }
        }
    }
    // The fixture's conflicting and missing tables are told apart.
    let states = |unit: &str| doc(&snap, &UnitRef::Unit(unit.into()))["contests"][0]["tables"].clone();
    assert!(states("M11").as_array().unwrap().iter().any(|t| t["id"] == "T3" && t["state"] == "conflicting"));
    assert!(states("M21").as_array().unwrap().iter().any(|t| t["id"] == "T5" && t["state"] == "missing"));
    assert!(unit_json(&snap, &UnitRef::Unit("no-such-unit".into())).is_none());
}

#[test]
fn a_unit_s_path_names_it_whatever_its_id_holds() {
    for id in ["M11", "01.02", "a/b", ".hidden", "São Paulo", "x~y"] {
        let unit = UnitRef::Unit(id.into());
        let path = unit.path();
        let file = path.strip_prefix("v1/units/").unwrap();
        assert!(!file.contains('/'), "{path}");
        assert_eq!(UnitRef::from_units_file(file), Some(unit), "{path}");
    }
    assert_eq!(UnitRef::National.path(), "v1/national.json");
    for bad in ["M11", "M11.html", ".json", "~zz.json", "~4D11.json"] {
        assert_eq!(UnitRef::from_units_file(bad), None, "{bad}");
    }
}
