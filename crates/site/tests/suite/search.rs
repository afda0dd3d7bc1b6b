//! Search: accent- and case-insensitive prefixes, ids whole or by prefix,
//! the same answers from the server's index and the static shards.

use testigo_election::{Geography, Unit};
use testigo_site::search::{words, Hit, SearchIndex};

fn geo() -> Geography {
    let mut g = Geography::new(vec!["state".into(), "centre".into(), "table".into()]);
    let unit = |id: &str, parent: Option<&str>, level, name: &str| Unit {
        id: id.into(),
        parent: parent.map(Into::into),
        level,
        name: name.into(),
    };
    let s = g.add_unit(&unit("01", None, 0, "Distrito Capital")).unwrap();
    let _ = s;
    let c1 = g.add_unit(&unit("010113042", Some("01"), 1, "U.E. Simón Bolívar")).unwrap();
    let c2 = g.add_unit(&unit("010113043", Some("01"), 1, "Liceo Andrés Bello")).unwrap();
    g.add_table("010113042.01", c1, Some(500)).unwrap();
    g.add_table("010113042.02", c1, Some(480)).unwrap();
    g.add_table("010113043.01", c2, None).unwrap();
    g
}

fn labels(g: &Geography, hits: &[Hit]) -> Vec<String> {
    hits.iter()
        .map(|h| match h {
            Hit::Unit(i) => g.unit_name(g.unit_at(*i).unwrap()).to_string(),
            Hit::Table(i) => g.table_id(g.table_at(*i).unwrap()).to_string(),
        })
        .collect()
}

#[test]
fn accents_case_and_prefixes_do_not_matter() {
    let g = geo();
    let idx = SearchIndex::build(&g);
    for q in ["simon bolivar", "SIMÓN", "sim bol", "Bolív"] {
        assert_eq!(labels(&g, &idx.query(q).0), vec!["U.E. Simón Bolívar"], "{q}");
    }
    assert_eq!(labels(&g, &idx.query("andres").0), vec!["Liceo Andrés Bello"]);
    assert!(idx.query("bolivar andres").0.is_empty());
    assert!(idx.query("  ").0.is_empty());
}

#[test]
fn ids_are_found_whole_or_by_prefix() {
    let g = geo();
    let idx = SearchIndex::build(&g);
    assert_eq!(labels(&g, &idx.query("010113042.01").0), vec!["010113042.01"]);
    assert_eq!(
        labels(&g, &idx.query("0101130").0),
        vec!["U.E. Simón Bolívar", "Liceo Andrés Bello", "010113042.01", "010113042.02", "010113043.01"]
    );
    assert_eq!(labels(&g, &idx.query("010113042").0), vec!["U.E. Simón Bolívar", "010113042.01", "010113042.02"]);
}

#[test]
fn the_shard_of_a_query_holds_every_answer_the_server_gives() {
    let g = geo();
    let idx = SearchIndex::build(&g);
    let shards = idx.shards();
    for q in ["simon", "bol", "0101130", "010113042.02", "liceo andres", "distrito"] {
        let qwords = words(q);
        let longest = qwords.iter().max_by_key(|w| w.len()).unwrap();
        let key: String = longest.chars().take(2).collect();
        let (_, entries) = shards.iter().find(|(k, _)| *k == key).unwrap();
        let from_shard: Vec<Hit> = entries
            .iter()
            .filter(|(_, ws)| qwords.iter().all(|q| ws.iter().any(|w| w.starts_with(q.as_str()))))
            .map(|(h, _)| *h)
            .collect();
        assert_eq!(from_shard, idx.query(q).0, "{q}");
    }
}
