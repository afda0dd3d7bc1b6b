//! The report page on a realistic tally: the same page as the renderer
//! `testigo report` had before (tests/legacy), names from the log escaped in
//! text and attributes, and the charts carrying the numbers.
// Test code (helpers included): a failed unwrap is a test failure with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod legacy;

use testigo_election::{FlagSet, Source};
use testigo_report::{bulletin_chart, certainty_chart, coverage_chart, num, render_html, results_chart, signed, CSS};
use testigo_synth::{generate, SynthConfig, ORGANISATIONS, SIGNERS};
use testigo_tally::{
    build_report, check_bulletin, tabulate, Bulletin, BulletinCount, ChanceModel, Evidence, ReportOptions,
    TallyOptions, TallyReport,
};

const NAMES: [&str; 5] = ["Ana Pérez", "Bruno Díaz", "Carla Gómez", "Daniel Ruiz", "Elena Sosa"];

/// A synthetic election of 600 tables in states, municipalities and
/// centres (some missing, corroborated and conflicting), tallied, with two
/// bulletins checked: one repeating the counted figures, one that credits
/// the leader with less than the signed sheets give and announces round
/// percentages of a partial count.
fn realistic() -> TallyReport {
    let mut cfg = SynthConfig::new(7, 600);
    cfg.fanout = vec![6, 5];
    cfg.candidates = NAMES.len();
    cfg.missing_ppm = 150_000;
    cfg.corroborated_ppm = 300_000;
    cfg.conflicting_ppm = 50_000;
    let mut e = generate(&cfg).unwrap();
    for (c, name) in e.def.contests[0].candidates.iter_mut().zip(NAMES) {
        c.name = name.to_string();
    }
    let mut ev = Evidence::new(&e.def);
    let orgs: Vec<u32> = ORGANISATIONS.iter().map(|o| ev.intern_organisation(o)).collect();
    let keys: Vec<u32> = SIGNERS.iter().map(|k| ev.intern_signer(k)).collect();
    e.for_each_sheet(|s| {
        ev.push(testigo_tally::NewSheet {
            not_reported: &[],
            index: s.index,
            table: s.table,
            contest: 0,
            source: Source::Witness,
            flags: FlagSet::default(),
            current: true,
            signer: keys[s.organisation],
            organisation: orgs[s.organisation],
            votes: s.votes,
            null: Some(s.null),
            blank: s.blank,
        })
        .unwrap();
    });
    let tally = tabulate(&e.def, &e.geo, &ev, &TallyOptions::default());
    let mut report =
        build_report(&e.def, &e.geo, &ev, &tally, &ReportOptions { levels: Some(vec![0]), ..Default::default() });
    let contest = &e.def.contests[0];
    let national = &report.contests[0].national;
    let counted: Vec<(String, u64)> = national.candidates.iter().map(|c| (c.id.clone(), c.votes)).collect();
    let valid = national.valid;
    let count = |ids: &[&str], votes: u64, percent: Option<&str>| BulletinCount {
        candidates: ids.iter().map(|s| s.to_string()).collect(),
        votes,
        percent: percent.map(Into::into),
    };
    let honest = Bulletin {
        label: "Authority bulletin 1 (2024-07-29)".into(),
        source: "national broadcast".into(),
        contest: contest.id.clone(),
        unit: None,
        counts: counted.iter().map(|(id, v)| count(&[id], *v, None)).collect(),
        valid: Some(valid),
        null: None,
        voters: None,
        registry: None,
        tables_counted_percent: None,
    };
    // Round one-decimal shares of an announced total; the leader gets half
    // of what the sheets already give.
    let total = valid;
    let round = |permille: u64| (permille * total + 500) / 1000;
    let ids: Vec<&str> = counted.iter().map(|(id, _)| id.as_str()).collect();
    let rest: Vec<&str> = ids[2..].to_vec();
    let bad = Bulletin {
        label: "Authority bulletin 2 (2024-08-02)".into(),
        source: "press release".into(),
        contest: contest.id.clone(),
        unit: None,
        counts: vec![
            count(&[ids[0]], counted[0].1 / 2, Some("20.0")),
            count(&[ids[1]], round(512), Some("51.2")),
            count(&rest, round(288), None),
        ],
        valid: Some(total),
        null: Some(national.null * 4),
        voters: None,
        registry: None,
        tables_counted_percent: Some("90".into()),
    };
    for b in [&honest, &bad] {
        let check = check_bulletin(&e.def, &e.geo, &ev, &tally.contests[0], b, &ChanceModel::default()).unwrap();
        report.contests[0].official.push(check);
    }
    report
}

/// One piece of an HTML text, for comparing two pages' structure.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Tok {
    /// An opening tag: name and attributes, in order.
    Open(String, Vec<(String, String)>),
    /// A closing tag (also emitted for `<x/>`).
    Close(String),
    /// Text between tags, as written (escaped), not only whitespace.
    Text(String),
}

/// Splits an HTML text into tags and text. Enough for the pages compared
/// here: attribute values are double-quoted and escaped, so `<`, `>` and `"`
/// only ever delimit.
fn tokens(html: &str) -> Vec<Tok> {
    let mut out = Vec::new();
    let mut rest = html;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('<') {
            let end = after.find('>').expect("every tag closes");
            let tag = &after[..end];
            rest = &after[end + 1..];
            if let Some(name) = tag.strip_prefix('/') {
                out.push(Tok::Close(name.trim().to_string()));
                continue;
            }
            let (tag, self_closing) = match tag.strip_suffix('/') {
                Some(t) => (t, true),
                None => (tag, false),
            };
            let name_end = tag.find(char::is_whitespace).unwrap_or(tag.len());
            let name = tag[..name_end].to_string();
            let mut attrs = Vec::new();
            let mut a = tag[name_end..].trim_start();
            while !a.is_empty() {
                let key_end = a.find(|c: char| c == '=' || c.is_whitespace()).unwrap_or(a.len());
                let key = a[..key_end].to_string();
                a = &a[key_end..];
                let value = match a.strip_prefix("=\"") {
                    Some(v) => {
                        let close = v.find('"').expect("attribute value closes");
                        a = &v[close + 1..];
                        v[..close].to_string()
                    }
                    None => String::new(),
                };
                attrs.push((key, value));
                a = a.trim_start();
            }
            out.push(Tok::Open(name.clone(), attrs));
            if self_closing {
                out.push(Tok::Close(name));
            }
        } else {
            let end = rest.find('<').unwrap_or(rest.len());
            if !rest[..end].trim().is_empty() {
                out.push(Tok::Text(rest[..end].to_string()));
            }
            rest = &rest[end..];
        }
    }
    out
}

/// The tokens with the accessibility labels left out: the new charts name
/// their contest, unit or bulletin in `aria-label`, the old ones did not.
fn without_aria_labels(toks: Vec<Tok>) -> Vec<Tok> {
    toks.into_iter()
        .map(|t| match t {
            Tok::Open(n, attrs) => Tok::Open(n, attrs.into_iter().filter(|(k, _)| k != "aria-label").collect()),
            t => t,
        })
        .collect()
}

/// The maud page has the legacy page's elements, attributes and text in the
/// same order; only whitespace between tags, `<x/>` written `<x></x>`, the
/// charts' `aria-label`s and the certainty chart's width differ.
#[test]
fn same_page_as_the_legacy_renderer() {
    let report = realistic();
    let c = &report.contests[0];
    assert!(c.national.tables.missing > 0 && c.national.tables.conflicting > 0, "{:?}", c.national.tables);
    assert!(c.official.iter().any(|b| b.contradictions > 0), "the test needs a contradicted bulletin");
    assert!(
        c.official.iter().flat_map(|b| &b.round_percentages).any(|r| r.exact > 0 && r.joint_probability.is_some()),
        "the test needs round percentages"
    );
    // The one intended change: the certainty chart is 900 wide, not 760,
    // which cut off the figure after a full-width bar.
    let old =
        legacy::render(&report, 1234).replace("<svg width=\"760\" height=\"56\"", "<svg width=\"900\" height=\"56\"");
    let new = render_html(&report, 1234);
    let (a, b) = (without_aria_labels(tokens(&old)), without_aria_labels(tokens(&new)));
    if let Some(i) = (0..a.len().max(b.len())).find(|&i| a.get(i) != b.get(i)) {
        panic!(
            "pages differ at token {i}:\nold: {:?}\nnew: {:?}\n(old {} tokens, new {})",
            &a[i.saturating_sub(2)..(i + 3).min(a.len())],
            &b[i.saturating_sub(2)..(i + 3).min(b.len())],
            a.len(),
            b.len()
        );
    }
    assert!(new.starts_with("<!DOCTYPE html>") && new.ends_with("</html>"));
    assert!(new.contains(CSS), "the style sheet is inlined as is");
    // For people to look at: TESTIGO_REPORT_SAMPLE_DIR=/some/dir writes report.html there.
    if let Ok(dir) = std::env::var("TESTIGO_REPORT_SAMPLE_DIR") {
        std::fs::write(std::path::Path::new(&dir).join("report.html"), &new).unwrap();
    }
}

const EVIL: &str = "<script>alert(1)</script> \"&'";
const EVIL_ESCAPED: &str = "&lt;script&gt;alert(1)&lt;/script&gt; &quot;&amp;'";

/// Names come from the log (and bulletin labels from anyone enrolled to
/// publish): markup in them is shown as text, never interpreted.
#[test]
fn names_are_escaped_in_text_and_attributes() {
    let mut report = realistic();
    report.election.name = EVIL.into();
    report.election.id = EVIL.into();
    report.assumptions.push(EVIL.into());
    let c = &mut report.contests[0];
    c.name = EVIL.into();
    for k in &mut c.candidates {
        k.name = format!("{EVIL} {}", k.id);
    }
    for u in &mut c.units {
        u.name = EVIL.into();
        u.level = EVIL.into();
    }
    c.national.name = EVIL.into();
    for b in &mut c.official {
        b.label = EVIL.into();
        b.source = EVIL.into();
        for x in &mut b.bounds {
            x.what = EVIL.into();
        }
    }
    let html = render_html(&report, 1);
    assert!(!html.contains("<script"), "markup from a name reached the page");
    assert!(!html.contains(EVIL));
    // In text: the title, headings, chart labels, table cells.
    for place in [
        format!("<title>{EVIL_ESCAPED} — testigo report</title>"),
        format!("<h1>{EVIL_ESCAPED}</h1>"),
        format!("<code>{EVIL_ESCAPED}</code>"),
        format!("<h3>Official: {EVIL_ESCAPED}</h3>"),
        format!("<td>{EVIL_ESCAPED}</td>"),
        format!("<h3>Coverage by {EVIL_ESCAPED}</h3>"),
        format!("text-anchor=\"end\">{EVIL_ESCAPED} "),
        format!("<li>{EVIL_ESCAPED}</li>"),
    ] {
        assert!(html.contains(&place), "{place} not in the page");
    }
    // In attributes: the charts' labels name the contest, unit level and bulletin.
    for place in [
        format!("aria-label=\"votes per candidate: {EVIL_ESCAPED}, {EVIL_ESCAPED}\""),
        format!("aria-label=\"tables reporting per {EVIL_ESCAPED}: {EVIL_ESCAPED}\""),
        format!("aria-label=\"announced figures against the evidence: {EVIL_ESCAPED}\""),
    ] {
        assert!(html.contains(&place), "{place} not in the page");
    }
    // And structurally: every tag is one the templates write, and no
    // attribute value holds a quote or an angle bracket.
    const TAGS: [&str; 22] = [
        "!DOCTYPE", "html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "p", "code", "ul", "li", "svg",
        "text", "rect", "circle", "table", "tr", "th", "td",
    ];
    for t in tokens(&html) {
        match t {
            Tok::Open(n, attrs) => {
                assert!(TAGS.contains(&n.as_str()), "unexpected tag {n}");
                for (k, v) in attrs {
                    assert!(!v.contains(['<', '>', '"']), "{k}={v:?}");
                }
            }
            Tok::Close(n) => assert!(TAGS.contains(&n.as_str()), "unexpected tag {n}"),
            Tok::Text(_) => {}
        }
    }
}

/// The charts, used on their own, carry the figures as text a reader (and
/// a screen reader) can check against the JSON.
#[test]
fn charts_carry_the_numbers() {
    let report = realistic();
    let c = &report.contests[0];
    let n = &c.national;

    let results = results_chart(c, n).into_string();
    assert_eq!(results.matches("<rect").count(), n.candidates.len(), "one bar per candidate");
    for r in &n.candidates {
        assert!(results.contains(&format!(">{} (", num(r.votes))), "{} missing from {results}", r.votes);
    }
    for name in NAMES {
        assert!(results.contains(name), "{name}");
    }
    // The bars are scaled to the leader: its bar is the full 480 wide.
    assert!(results.contains("width=\"480.0\""), "{results}");

    let cert = certainty_chart(&n.certainty).into_string();
    assert!(cert.contains(&format!(">{}</text>", num(n.certainty.r_miss))), "{cert}");
    assert!(cert.contains(&format!(">{}</text>", num(n.certainty.lead_worst.max(0) as u64))), "{cert}");

    let coverage = coverage_chart(c).into_string();
    let top: Vec<_> = c.units.iter().filter(|u| u.parent.is_none()).collect();
    assert_eq!(top.len(), 6);
    for u in top {
        assert!(
            coverage.contains(&format!(">{} of {} · ", num(u.tables.reporting), num(u.tables.total))),
            "{coverage}"
        );
    }

    for b in &c.official {
        let chart = bulletin_chart(b).into_string();
        assert_eq!(chart.matches("<circle").count(), b.bounds.len(), "one dot per announced figure");
        let red = chart.matches("fill=\"#b00020\"").count();
        assert_eq!(red, b.contradictions, "a red dot per contradiction");
    }
    let html = render_html(&report, 42);
    assert!(html.matches("<svg").count() >= 5, "results, certainty, coverage and two bulletin charts");
    assert!(html.contains(&signed(n.certainty.lead_worst)));
    assert!(html.contains("below counted") && html.contains("Consistent with the signed sheets."));
    assert!(html.contains("computed from the first 42 log entries"));
}
