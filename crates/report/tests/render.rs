//! The report page on a realistic tally: names from the log escaped in text
//! and attributes, candidates shown by name, the charts carrying the
//! numbers on labelled axes, no SVG text running out of its box, and the
//! method explained in words.
// Test code (helpers included): a failed unwrap is a test failure with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use testigo_election::{FlagSet, Source};
use testigo_report::measure::{text_width, FONT_PX};
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

/// The page is one whole document with its style sheet; a copy can be
/// written for people to look at.
#[test]
fn the_page_is_whole() {
    let report = realistic();
    let c = &report.contests[0];
    assert!(c.national.tables.missing > 0 && c.national.tables.conflicting > 0, "{:?}", c.national.tables);
    assert!(c.official.iter().any(|b| b.contradictions > 0), "the test needs a contradicted bulletin");
    assert!(
        c.official.iter().flat_map(|b| &b.round_percentages).any(|r| r.exact > 0 && r.joint_probability.is_some()),
        "the test needs round percentages"
    );
    let new = render_html(&report, 1234);
    assert!(new.starts_with("<!DOCTYPE html>") && new.ends_with("</html>"));
    assert!(new.contains(CSS), "the style sheet is inlined as is");
    let opens = tokens(&new).iter().filter(|t| matches!(t, Tok::Open(n, _) if n == "svg")).count();
    assert_eq!(opens, new.matches("</svg>").count());
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
    const TAGS: [&str; 28] = [
        "!DOCTYPE", "html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "p", "code", "ul", "li", "svg",
        "text", "rect", "circle", "table", "tr", "th", "td", "line", "span", "strong", "dl", "dt", "dd",
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
        let chart = bulletin_chart(c, b).into_string();
        assert_eq!(chart.matches("<circle").count(), b.bounds.len(), "one dot per announced figure");
        let red = chart.matches("fill=\"#b00020\"").count();
        assert_eq!(red, b.contradictions, "a red dot per contradiction");
    }
    let html = render_html(&report, 42);
    assert!(html.matches("<svg").count() >= 5, "results, certainty, coverage and two bulletin charts");
    assert!(html.contains(&signed(n.certainty.lead_worst)));
    assert!(html.contains("<td class=\"l bad\">impossible: below what the signed sheets already give</td>"));
    assert!(html.contains("<td class=\"l ok\">possible</td>"), "one class attribute, kept");
    assert!(html.contains("Consistent with the signed sheets."));
    assert!(html.contains("computed from the first 42 log entries"));
}

/// The Venezuelan ballot's names, long ones included, and a unit name with
/// no space to wrap at: the labels the old charts cut off ("Edmundo Gonza",
/// "-BERA+JOBR…").
const LONG_NAMES: [&str; 5] = [
    "Edmundo González Urrutia",
    "Nicolás Maduro Moros",
    "Luis Eduardo Martínez Hidalgo",
    "Benjamín Rausseo (El Conde del Guácharo)",
    "Antonio Ecarri Angola",
];

/// [`realistic`] with long candidate and unit names, a bulletin grouping
/// three candidates into one figure, and a seven-figure count.
fn long_names() -> TallyReport {
    let mut report = realistic();
    let c = &mut report.contests[0];
    for (k, name) in c.candidates.iter_mut().zip(LONG_NAMES) {
        k.name = name.to_string();
    }
    c.units[0].name = "ESTADO-BOLIVARIANO-DE-MIRANDA-Y-DEPENDENCIAS-FEDERALES-DEL-CARIBE".into();
    c.units[1].name = "EDO. LA GUAIRA (antes Vargas), con un nombre largo de verdad para la prueba".into();
    for b in &mut c.official {
        for x in &mut b.bounds {
            x.official = x.official.max(1) * 1_000;
            x.range_registry[1] *= 1_000;
        }
    }
    report
}

/// One `<text>` of an SVG: where it is anchored and what it says.
#[derive(Debug)]
struct SvgText {
    x: f64,
    y: f64,
    anchor: String,
    text: String,
}

/// An SVG's size, its texts and the boxes of its shapes (rects and circles),
/// from the markup the charts write (attributes double-quoted, one element
/// per tag, text escaped).
struct Svg {
    width: f64,
    height: f64,
    texts: Vec<SvgText>,
    shapes: Vec<[f64; 4]>,
}

fn attr(attrs: &[(String, String)], key: &str) -> Option<f64> {
    attrs.iter().find(|(k, _)| k == key).map(|(_, v)| v.parse().unwrap_or_else(|_| panic!("{key}={v}")))
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'").replace("&amp;", "&")
}

/// Every SVG of an HTML text, parsed.
fn svgs(html: &str) -> Vec<Svg> {
    let mut out: Vec<Svg> = Vec::new();
    let toks = tokens(html);
    let mut i = 0;
    while i < toks.len() {
        if let Tok::Open(n, attrs) = &toks[i] {
            match n.as_str() {
                "svg" => {
                    let (width, height) = (attr(attrs, "width").unwrap(), attr(attrs, "height").unwrap());
                    let vb = attrs.iter().find(|(k, _)| k == "viewBox").map(|(_, v)| v.clone()).unwrap();
                    assert_eq!(vb, format!("0 0 {width:.1} {height:.1}"), "viewBox is the picture's size");
                    out.push(Svg { width, height, texts: Vec::new(), shapes: Vec::new() });
                }
                "text" => {
                    let text = match toks.get(i + 1) {
                        Some(Tok::Text(t)) => unescape(t),
                        _ => String::new(),
                    };
                    let anchor = attrs.iter().find(|(k, _)| k == "text-anchor").map_or("start", |(_, v)| v);
                    out.last_mut().unwrap().texts.push(SvgText {
                        x: attr(attrs, "x").unwrap(),
                        y: attr(attrs, "y").unwrap(),
                        anchor: anchor.to_string(),
                        text,
                    });
                }
                "rect" => {
                    let (x, y) = (attr(attrs, "x").unwrap(), attr(attrs, "y").unwrap());
                    let (w, h) = (attr(attrs, "width").unwrap(), attr(attrs, "height").unwrap());
                    out.last_mut().unwrap().shapes.push([x, y, x + w, y + h]);
                }
                "circle" => {
                    let (x, y, r) = (attr(attrs, "cx").unwrap(), attr(attrs, "cy").unwrap(), attr(attrs, "r").unwrap());
                    out.last_mut().unwrap().shapes.push([x - r, y - r, x + r, y + r]);
                }
                _ => {}
            }
        }
        i += 1;
    }
    out
}

/// The box a text takes by the conservative width estimate: from its
/// anchor, and from the ascent above its baseline to the descent below.
fn text_box(t: &SvgText) -> [f64; 4] {
    let w = text_width(&t.text, FONT_PX);
    let x0 = match t.anchor.as_str() {
        "end" => t.x - w,
        "middle" => t.x - w / 2.0,
        _ => t.x,
    };
    [x0, t.y - 0.8 * FONT_PX, x0 + w, t.y + 0.25 * FONT_PX]
}

fn overlap(a: [f64; 4], b: [f64; 4]) -> bool {
    a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3]
}

/// Every text of every SVG of `html` is inside its picture and clear of
/// every other text and of every bar and dot: nothing is cut off or drawn
/// over something else.
fn assert_texts_fit(html: &str) {
    let all = svgs(html);
    assert!(!all.is_empty());
    for svg in &all {
        let boxes: Vec<[f64; 4]> = svg.texts.iter().map(text_box).collect();
        for (t, b) in svg.texts.iter().zip(&boxes) {
            assert!(
                b[0] >= 0.0 && b[2] <= svg.width && b[1] >= 0.0 && b[3] <= svg.height,
                "{t:?} (box {b:?}) is outside its {}×{} picture",
                svg.width,
                svg.height
            );
            for s in &svg.shapes {
                assert!(!overlap(*b, *s), "{t:?} (box {b:?}) runs into a shape at {s:?}");
            }
        }
        for i in 0..boxes.len() {
            for j in i + 1..boxes.len() {
                assert!(
                    !overlap(boxes[i], boxes[j]),
                    "{:?} and {:?} overlap ({:?}, {:?})",
                    svg.texts[i],
                    svg.texts[j],
                    boxes[i],
                    boxes[j]
                );
            }
        }
    }
}

/// The snapshot of the charts' label layout: on the realistic report and on
/// one with long names, every SVG text fits its box.
#[test]
fn svg_texts_fit_their_boxes() {
    for report in [realistic(), long_names()] {
        let html = render_html(&report, 7);
        assert_texts_fit(&html);
        assert!(svgs(&html).len() >= 5);
    }
    // The long names are whole (wrapped, not cut): every word is in some text.
    let report = long_names();
    let html = render_html(&report, 7);
    let texts: Vec<String> = svgs(&html).into_iter().flat_map(|s| s.texts).map(|t| t.text).collect();
    let joined = texts.join(" ");
    for name in LONG_NAMES {
        for word in name.split(' ') {
            assert!(joined.contains(word), "{word} of {name} is not in the charts");
        }
    }
    let unit = &report.contests[0].units[0].name;
    let pieces: String =
        texts.iter().filter(|t| unit.starts_with(t.as_str()) || unit.contains(t.as_str())).cloned().collect();
    assert!(pieces.contains(unit.as_str()), "the unit name without spaces is wrapped whole: {pieces}");
    assert!(
        texts.iter().any(|t| t.contains("Edmundo González Urrutia")),
        "a name that fits the column is on one line: {texts:?}"
    );
}

/// Candidates are named, never shown by their ids, in the bulletin tables,
/// charts and round-percentage lists as everywhere else.
#[test]
fn candidates_are_named_not_coded() {
    let report = realistic();
    let c = &report.contests[0];
    let html = render_html(&report, 7);
    for k in &c.candidates {
        for place in [format!("<td>{}</td>", k.id), format!(">{}</text>", k.id), format!("<li>{}:", k.id)] {
            assert!(!html.contains(&place), "{place} on the page");
        }
        assert!(html.contains(&format!("<td>{}</td>", k.name)), "{} not in a bulletin table", k.name);
    }
    // The grouped figure names each of its candidates.
    let group: Vec<&str> = c.candidates[2..].iter().map(|k| k.name.as_str()).collect();
    assert!(html.contains(&format!("<td>{}</td>", group.join(" + "))), "{html}");
    assert!(html.contains("<td>valid votes</td>"));
}

/// The dot chart has an axis: a line, ticks with their values in votes, and
/// a title saying what is plotted.
#[test]
fn dot_charts_have_axes() {
    let report = realistic();
    let c = &report.contests[0];
    for b in &c.official {
        let chart = bulletin_chart(c, b).into_string();
        let svg = &svgs(&chart)[0];
        let ticks: Vec<&SvgText> = svg.texts.iter().filter(|t| t.anchor == "middle").collect();
        assert!(ticks.len() >= 3, "{chart}");
        assert_eq!(ticks[0].text, "0");
        let values: Vec<u64> = ticks.iter().map(|t| t.text.replace(',', "").parse().unwrap()).collect();
        assert!(values.windows(2).all(|w| w[1] > w[0] && w[1] - w[0] == values[1]), "evenly spaced: {values:?}");
        let top = b.bounds.iter().map(|x| x.official.max(x.range_registry[1])).max().unwrap();
        assert!(*values.last().unwrap() >= top, "the axis reaches every figure: {values:?} < {top}");
        assert_eq!(chart.matches("<line").count(), ticks.len() + 1, "an axis line and a mark per tick");
        assert!(chart.contains(">votes (dot: announced figure;"), "{chart}");
    }
}

/// The method is explained in words: both bases of an impossibility, the
/// round-percentage model and its post-hoc caveat, the per-table
/// comparison, and every symbol defined where it is used.
#[test]
fn the_method_is_explained_in_words() {
    let report = realistic();
    let html = render_html(&report, 7);
    let method = &html[html.find("How these numbers are computed").unwrap()..];
    for words in [
        "On the registry bound alone:",
        "If the bulletin's own announced totals are taken as true:",
        "Each row says which range a figure falls outside.",
        "The model: had each count been any whole number within ±0.05% of the total",
        "That chance holds under the model only",
        "post hoc",
        "overstates the evidence",
        "Per-table comparison.",
        "Worst-case lead (D in the JSON's terms)",
        "(R_miss in the JSON)",
        "Turnout cap (τ in the JSON's assumptions)",
        "Tipping turnout",
        "rounded once, half up, to two decimals",
    ] {
        assert!(method.contains(words), "{words:?} is not in the method section");
    }
    // Where a chance is shown, the caveat is beside it.
    let bulletins = &html[..html.find("How these numbers are computed").unwrap()];
    assert!(bulletins.contains("under the model"), "the chance is said to be under the model");
    assert!(bulletins.contains("Caution: a chance under the model"), "the caveat is beside the chance");
    assert!(bulletins.contains("post hoc"));
    // The bulletin tables give both ranges.
    assert!(bulletins.contains("<th>range on the registry bound alone</th>"));
    assert!(
        bulletins.contains("<th>range if the bulletin&#39;s own totals are true</th>")
            || bulletins.contains("<th>range if the bulletin's own totals are true</th>")
    );
}
