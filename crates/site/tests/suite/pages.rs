//! Every page renders in every language from the catalogs alone, says
//! "unknown" where the data does not tell, and escapes what the log holds.

use testigo_site::{render, Lang, Page, TableView, LANGS};

use crate::fixture::fixture;
use crate::snapshot;

fn all_pages(reg: &testigo_election::Registry) -> Vec<Page> {
    let geo = reg.geography();
    let mut pages = vec![Page::Home, Page::Search, Page::Bulletins, Page::Downloads, Page::Observers, Page::Questions];
    pages.extend(geo.units().map(|u| Page::Unit(geo.unit_id(u).to_string())));
    pages.extend(geo.tables().map(|t| Page::Table(geo.table_id(t).to_string())));
    pages
}

fn page(reg: &testigo_election::Registry, lang: Lang, p: &Page, query: Option<&str>) -> String {
    let snap = snapshot(reg);
    let view = match p {
        Page::Table(id) => Some(TableView::of(reg, id).unwrap()),
        _ => None,
    };
    render(&snap, lang, p, view.as_ref(), query, true).unwrap()
}

#[test]
fn every_page_renders_in_every_language_with_no_missing_message() {
    let f = fixture();
    let snap = snapshot(&f.reg);
    for lang in LANGS {
        for p in all_pages(&f.reg) {
            let view = match &p {
                Page::Table(id) => Some(TableView::of(&f.reg, id).unwrap()),
                _ => None,
            };
            let html = render(&snap, lang, &p, view.as_ref(), None, true).unwrap();
            assert!(!html.contains('⟦'), "{:?} in {}: a message is missing: {}", p, lang.code(), excerpt(&html, "⟦"));
            assert!(html.starts_with("<!DOCTYPE html><html lang=\""), "{p:?}");
            assert!(html.contains(&format!("<html lang=\"{}\"", lang.code())));
            // Every page links its own translations.
            for other in LANGS {
                assert!(html.contains(&format!("hreflang=\"{}\"", other.code())), "{p:?}");
            }
            assert!(html.len() < 100_000, "{p:?} weighs {} bytes", html.len());
        }
    }
}

fn excerpt<'a>(html: &'a str, needle: &str) -> &'a str {
    let i = html.find(needle).unwrap_or(0);
    let mut start = i.saturating_sub(60);
    while !html.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = (i + 80).min(html.len());
    while !html.is_char_boundary(end) {
        end += 1;
    }
    &html[start..end]
}

#[test]
fn unknown_and_missing_pages_are_none() {
    let f = fixture();
    let snap = snapshot(&f.reg);
    assert!(render(&snap, Lang::Es, &Page::Unit("nope".into()), None, None, true).is_none());
    assert!(
        render(&snap, Lang::Es, &Page::Table("T1".into()), None, None, true).is_none(),
        "a table page needs its view"
    );
    assert!(TableView::of(&f.reg, "nope").is_none());
}

#[test]
fn a_conflicting_table_shows_every_sheet_and_marks_the_differences() {
    let f = fixture();
    let html = page(&f.reg, Lang::En, &Page::Table("T3".into()), None);
    // Three organisations' sheets, side by side, with their log indexes and receipts.
    for org in ["Org A", "Org B", "Org C"] {
        assert!(html.contains(org), "{org}");
    }
    assert_eq!(html.matches("class=\"sheet\"").count(), 3);
    assert!(html.contains("conflicting"));
    // A: 80/60, B: 70/70, C: 60/80 → four differing vote cells (B and C, both candidates).
    assert_eq!(html.matches("num differs").count(), 4, "{}", excerpt(&html, "differs"));
    assert!(html.contains("v1/receipts/"));
    // What the browser verifies: each sheet with its enrolment.
    assert!(html.contains("id=\"verify-config\""));
    assert!(html.contains("data-verify=\"pending\""));
    assert!(html.contains("\"enrol\":"));
}

#[test]
fn a_corrected_sheet_links_its_correction() {
    let f = fixture();
    let html = page(&f.reg, Lang::En, &Page::Table("T4".into()), None);
    assert!(html.contains("Corrects") && html.contains("Corrected by"), "{}", excerpt(&html, "sheet-"));
    assert!(html.contains("href=\"#sheet-"));
}

#[test]
fn a_missing_table_and_unknown_registered_voters_say_so() {
    let f = fixture();
    let t2 = page(&f.reg, Lang::En, &Page::Table("T2".into()), None);
    assert!(t2.contains("Registered voters: unknown."));
    let t5 = page(&f.reg, Lang::En, &Page::Table("T5".into()), None);
    assert!(t5.contains("No tally sheet has been submitted for this table."));
    // The fixture declares 9 tables but lists 7: a unit's list is not known to be complete.
    let m11 = page(&f.reg, Lang::En, &Page::Unit("M11".into()), None);
    assert!(m11.contains("full list of tables is not known"), "{}", excerpt(&m11, "Tables reporting"));
    assert!(m11.contains("tables do not declare their registered voters"), "{}", excerpt(&m11, "Registered"));
    // A unit whose listed tables all declare their voters: what is unknown is which tables it has.
    let snap = crate::snapshot(&f.reg);
    let all_declare: Vec<&str> = snap.report.contests[0]
        .units
        .iter()
        .filter(|u| u.coverage_registered_percent.is_none() && u.registered.tables_unknown == 0)
        .map(|u| u.id.as_str())
        .collect();
    assert!(!all_declare.is_empty(), "the fixture has such a unit");
    for id in all_declare {
        let html = page(&f.reg, Lang::En, &Page::Unit(id.into()), None);
        assert!(html.contains("the full list of this unit's tables is not known"), "{}", excerpt(&html, "Registered"));
        assert!(!html.contains("0 tables do not declare"), "{}", excerpt(&html, "Registered"));
    }
    // Tables nobody placed could be in M11: no verdict claims its result settled.
    assert!(!m11.contains("cannot change the winner"), "{}", excerpt(&m11, "verdict"));
    assert!(m11.contains("could change this unit's result is unknown"), "{}", excerpt(&m11, "verdict"));
}

#[test]
fn the_home_page_names_the_verdict_and_its_basis() {
    let f = fixture();
    let html = page(&f.reg, Lang::En, &Page::Home, None);
    assert!(html.contains("Candidate a"));
    assert!(html.contains("missing tables"), "{}", excerpt(&html, "verdict"));
    assert!(html.contains("Bound on the missing voters"));
    assert!(html.contains("Unit S1") && html.contains("Unit S2"));
}

#[test]
fn queries_are_escaped_in_the_page() {
    let f = fixture();
    let html = page(&f.reg, Lang::Pt, &Page::Search, Some("<script>alert(1)</script>"));
    assert!(!html.contains("<script>alert"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
}

#[test]
fn server_search_finds_units_and_tables() {
    let f = fixture();
    let html = page(&f.reg, Lang::En, &Page::Search, Some("unit m1"));
    assert!(html.contains("Unit M11") && html.contains("Unit M12"), "{}", excerpt(&html, "results"));
    assert!(!html.contains(">Unit S2<"));
    let html = page(&f.reg, Lang::En, &Page::Search, Some("t3"));
    assert!(html.contains("../en/t/T3.html"), "{}", excerpt(&html, "results"));
}

/// The bulletins page names the basis of each impossibility and gives both
/// ranges, and says the round-percentage chance is under the model and post
/// hoc, in every language: a figure above what the bulletin's own valid total
/// allows but within the registry bound is impossible only if that total is
/// true; one below the counted sheets is impossible on either basis.
#[test]
fn bulletins_name_the_basis_and_give_both_ranges() {
    use testigo_tally::{check_bulletin, Bulletin, BulletinCount, ChanceModel, Node};
    let f = fixture();
    let mut snap = snapshot(&f.reg);
    let ct = &snap.tally.contests[0];
    let (vmin, vmax) = (ct.votes_min(Node::National).to_vec(), ct.votes_max(Node::National).to_vec());
    let valid: u64 = vmin.iter().sum();
    assert!(ct.certainty(Node::National).r_miss > 0, "the test needs tables without a sheet");
    let contest = &snap.election.contests[0];
    let count = |k: usize, votes: u64| BulletinCount {
        candidates: vec![contest.candidates[k].id.clone()],
        votes,
        percent: None,
    };
    let b = Bulletin {
        label: "Authority bulletin".into(),
        source: "test".into(),
        contest: contest.id.clone(),
        unit: None,
        // a: one vote more than its sheets give, with no valid votes left
        // for the missing tables by the bulletin's own total; b: below its sheets.
        counts: vec![count(0, vmax[0] + 1), count(1, vmin[1] - 1)],
        valid: Some(valid),
        null: None,
        voters: None,
        registry: None,
        tables_counted_percent: None,
    };
    let check = check_bulletin(&snap.election, &snap.geo, &snap.evidence, ct, &b, &ChanceModel::default()).unwrap();
    assert_eq!(check.bounds[0].violates, ["announced"]);
    assert_eq!(check.bounds[1].violates, ["registry", "announced"]);
    snap.report.contests[0].official.push(check);
    for (lang, words) in [
        (
            Lang::En,
            [
                "Range on the registry bound alone",
                "impossible only if the bulletin&#39;s own totals are true",
                "post hoc",
            ],
        ),
        (
            Lang::Es,
            [
                "Rango solo con la cota del registro",
                "imposible solo si los propios totales del boletín son ciertos",
                "a posteriori",
            ],
        ),
        (
            Lang::Pt,
            [
                "Intervalo apenas com o limite do cadastro",
                "impossível só se os próprios totais do boletim forem verdadeiros",
                "a posteriori",
            ],
        ),
    ] {
        let html = render(&snap, lang, &Page::Bulletins, None, None, true).unwrap();
        assert!(!html.contains('⟦'), "a message is missing: {}", excerpt(&html, "⟦"));
        for w in words {
            let w = if html.contains(w) { w.to_string() } else { w.replace("&#39;", "'") };
            assert!(html.contains(&w), "{}: {w:?} not on the page", lang.code());
        }
        // Both ranges of Candidate a: the registry bound's upper end and the announced one.
        let a = &snap.report.contests[0].official[0].bounds[0];
        let announced = a.range_announced.unwrap();
        let tr = testigo_site::Tr::new(lang);
        assert!(html.contains(&tr.num(a.range_registry[1])) && html.contains(&tr.num(announced[1])), "{}", lang.code());
    }
}

#[test]
fn a_figure_not_reported_shows_a_dash_not_a_difference() {
    let mut f = fixture();
    // Org C's sheet for T2 reports the candidates but not the null votes.
    let mut silent = crate::fixture::sheet("T2", testigo_election::Source::Witness, 30, 40, 0, 0);
    silent.null = None;
    silent.voters = None;
    let applied = f.submit(&testigo_election::Entry::Sheet(silent), &crate::fixture::key("c.example", 5));
    assert!(applied.flags.is_empty(), "{:?}", applied.flags);
    for lang in LANGS {
        let html = page(&f.reg, lang, &Page::Table("T2".into()), None);
        // Still corroborated, nothing marked as differing, the dash explained.
        assert_eq!(html.matches("num differs").count(), 0, "{}", excerpt(&html, "differs"));
        assert!(html.contains("data-k=\"null\" data-n=\"\""), "{}", excerpt(&html, "data-k=\"null\""));
        assert!(html.contains("data-dataset-for="));
        assert!(html.contains("<small>– : "), "{}", excerpt(&html, "caption"));
    }
}
