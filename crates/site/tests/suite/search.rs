//! Search: accent- and case-insensitive prefixes, ids whole or by prefix,
//! the same answers from the server's index and the static shards.

use testigo_election::{Geography, Unit};
use testigo_site::search::{words, Hit, SearchIndex, ShardKey, MAX_RESULTS, SHARD_SKIP, SHARD_TARGETS};

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

/// What search.js does with the manifest and one shard.
fn static_answer(idx: &SearchIndex, q: &str) -> Option<Vec<Hit>> {
    let keys = idx.shard_keys();
    let qwords = words(q);
    let shard_for = |w: &str| -> Option<Option<ShardKey>> {
        let chars: Vec<char> = w.chars().collect();
        for n in (1..=chars.len()).rev() {
            let key: String = chars[..n].iter().collect();
            if let Some(k) = keys.iter().find(|k| k.key == key) {
                return if k.split && key == w { None } else { Some(Some(k.clone())) };
            }
        }
        Some(None)
    };
    let mut usable: Vec<Option<ShardKey>> = qwords
        .iter()
        .filter_map(|w| shard_for(w))
        .filter(|k| k.as_ref().is_none_or(|k| k.targets <= SHARD_SKIP))
        .collect();
    usable.sort_by_key(|k| k.as_ref().map_or(0, |k| k.targets));
    let chosen = usable.into_iter().next()?;
    let words_of = idx.words_by_target();
    let entries = chosen.map(|k| idx.shard(&k, &words_of)).unwrap_or_default();
    Some(
        entries
            .into_iter()
            .filter(|(_, ws)| qwords.iter().all(|q| ws.iter().any(|w| w.starts_with(q.as_str()))))
            .map(|(h, _)| h)
            .collect(),
    )
}

#[test]
fn the_shard_of_a_query_holds_every_answer_the_server_gives() {
    let g = geo();
    let idx = SearchIndex::build(&g);
    for q in ["simon", "bol", "0101130", "010113042.02", "liceo andres", "distrito", "x", "zzz"] {
        assert_eq!(static_answer(&idx, q), Some(idx.query(q).0), "{q}");
    }
}

#[test]
fn big_shards_are_split_and_answers_stay_the_same() {
    // 3,000 tables in 30 centres: "t…" ids would make one shard of 3,000.
    let mut g = Geography::new(vec!["centre".into(), "table".into()]);
    let mut centres = Vec::new();
    for c in 0..30 {
        let unit = Unit { id: format!("C{c:02}"), parent: None, level: 0, name: format!("Centro {c:02}") };
        centres.push(g.add_unit(&unit).unwrap());
    }
    for t in 0..3000 {
        g.add_table(&format!("T{t:04}"), centres[t % 30], None).unwrap();
    }
    let idx = SearchIndex::build(&g);
    let keys = idx.shard_keys();
    let words_of = idx.words_by_target();
    for k in &keys {
        let n = idx.shard(k, &words_of).len();
        assert_eq!(n, k.targets, "{k:?}");
        assert!(n <= SHARD_TARGETS || !k.split && k.key.len() >= 5, "{k:?} holds {n}");
    }
    assert!(keys.iter().any(|k| k.split), "nothing was split: {keys:?}");
    for q in ["t", "t1", "t12", "t123", "t1234", "t9999", "centro 07", "centro", "c07", "07"] {
        let server = idx.query(q);
        match static_answer(&idx, q) {
            Some(hits) => {
                let first: Vec<Hit> = hits.iter().copied().take(MAX_RESULTS).collect();
                assert_eq!(first, server.0, "{q}");
                assert_eq!(hits.len() > MAX_RESULTS, server.1, "{q}");
            }
            // The browser asks for more; the server answered with more than a shard holds.
            None => assert!(server.1, "{q}: no usable shard, yet the server's answer is short"),
        }
    }
}
