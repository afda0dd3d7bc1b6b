//! The tally report as one self-contained HTML page (inline CSS, inline SVG,
//! no script, nothing fetched): results, certainty, coverage by top-level
//! unit, and official bulletins against the evidence.
//!
//! Every number comes from a [`TallyReport`], the same value `testigo tally
//! --json` prints, so the page and the JSON always agree. This crate does no
//! I/O: [`render_html`] returns the page, and the caller writes it where it
//! wants (`testigo report` to a file; a website could serve it).
//!
//! The templates are [maud](https://maud.lambda.xyz/) macros, checked at
//! compile time. maud escapes every spliced value unless it is explicitly
//! wrapped in `PreEscaped`, so a candidate, unit or bulletin name taken from
//! the log (anyone enrolled can sign a bulletin label) cannot inject markup
//! into the page, in text or in attributes. The only pre-escaped text is
//! [`CSS`], a constant of this crate.
//!
//! The page is built from pieces that each return a [`Markup`], so a website
//! can reuse one chart without the page around it:
//!
//! - [`page`] (and [`render_html`], the same as a `String`)
//! - [`contest_section`]: one contest: summary line, [`results_chart`],
//!   [`certainty_section`] (with [`certainty_chart`]), [`coverage_chart`],
//!   and one [`bulletin_section`] per bulletin (with [`bulletin_chart`] and
//!   [`round_percentages`])
//! - [`method_section`]: how the numbers are computed, in plain words
//! - number formatting for people: [`num`], [`signed`], [`pct`] (percentages
//!   rounded once from the integers behind them).
//!
//! The pieces expect [`CSS`] on the page (the `ok`, `bad` and `muted`
//! classes, the fonts of the SVG text).
//!
//! SVG has no text layout, so the charts lay text out themselves: every
//! label column and every picture is as wide as its texts need by the
//! conservative estimate of [`measure`], and labels longer than a column
//! may grow are wrapped onto more lines; no text runs past its box.

pub mod measure;

pub use maud::Markup;
use maud::{html, PreEscaped, DOCTYPE};
use measure::{text_width, wrap, FONT_PX};
use testigo_tally::official::{BoundCheck, BulletinCheck, RoundSummary, ROUND_CAVEAT};
use testigo_tally::report::{figure_name, fmt_pct, pct2, CertaintyReport, ContestReport, UnitReport};
use testigo_tally::TallyReport;

/// The page's style sheet. A constant: it is the only text the templates
/// insert without escaping. Charts scale down on narrow screens (their text
/// with them, so nothing is cut off).
pub const CSS: &str =
    "body{font:15px/1.45 system-ui,sans-serif;max-width:960px;margin:2em auto;padding:0 1em;color:#222}\
h1{font-size:1.6em;margin-bottom:.2em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}\
table{border-collapse:collapse;margin:.5em 0}td,th{padding:.2em .6em;border-bottom:1px solid #eee;text-align:right}\
td:first-child,th:first-child,.l{text-align:left}.bad{color:#b00020;font-weight:600}.ok{color:#1b5e20;font-weight:600}\
.muted{color:#666;font-size:.9em}svg{display:block;margin:.5em 0;max-width:100%;height:auto}\
svg text{font:12px system-ui,sans-serif}ul.assumptions li{margin:.2em 0;font-size:.9em}\
dt{font-weight:600;margin-top:.5em}dd{margin-left:1.5em}td.n{white-space:nowrap}";

/// The whole page as HTML text; `log_size` is the number of log entries the
/// report was computed from (shown in the header).
pub fn render_html(report: &TallyReport, log_size: u64) -> String {
    page(report, log_size, None).into_string()
}

/// Findings computed beside the tabulation (election forensics, what an
/// audit would take), as the caller words them, with charts the caller drew.
#[derive(Clone, Debug, Default)]
pub struct Questions {
    /// Paragraphs, in order (plain text; escaped on the page).
    pub paragraphs: Vec<String>,
    /// Charts: a title and a complete SVG document the caller generated
    /// (embedded as it is: it must not come from untrusted input).
    pub charts: Vec<(String, String)>,
}

/// [`render_html`] with a "Questioning the numbers" section.
pub fn render_html_with(report: &TallyReport, log_size: u64, questions: &Questions) -> String {
    page(report, log_size, Some(questions)).into_string()
}

/// The "Questioning the numbers" section.
pub fn questions_section(q: &Questions) -> Markup {
    html! {
        h2 { "Questioning the numbers" }
        @for p in &q.paragraphs { p { (p) } }
        @for (title, svg) in &q.charts {
            figure.chart {
                // The SVG's XML declaration would be invalid inside HTML.
                (PreEscaped(svg.trim_start_matches(|c| c != '<').split_once("?>").map_or(svg.as_str(), |(_, rest)| rest)))
                figcaption { (title) }
            }
        }
    }
}

/// A count with thousands separators, for people: `12,335,884`.
pub fn num(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// A signed count like [`num`], negative with a true minus sign (`−1,234`),
/// which does not break from its digits at the end of a line.
pub fn signed(n: i64) -> String {
    if n < 0 {
        format!("−{}", num(n.unsigned_abs()))
    } else {
        num(n.unsigned_abs())
    }
}

/// `part` of `whole` as a percentage with two decimals and a `%`, rounded
/// once from the integers (never from a rounded percentage), or `n/a` when
/// there is no denominator (e.g. turnout with no registry).
pub fn pct((part, whole): (u64, u64)) -> String {
    pct2(part, whole).map(|p| p + "%").unwrap_or_else(|| "n/a".into())
}

/// An SVG coordinate with one decimal: enough for a screen, and short.
fn px(v: f64) -> String {
    format!("{v:.1}")
}

/// Room between a text and what it sits next to, in pixels.
const PAD: f64 = 6.0;
/// Distance between the baselines of a wrapped label's lines.
const LINE_H: f64 = 15.0;
/// The widest a label column grows before its labels wrap.
const LABEL_MAX: f64 = 300.0;
/// From the top of a row to the baseline of its first line of text (the
/// cap height of 12 px text, and a little).
const BASELINE: f64 = 12.0;

/// Labels broken into lines that fit [`LABEL_MAX`], and the width of the
/// column that holds them right-aligned (text ends [`PAD`] before the
/// column's right edge and starts at least [`PAD`] after its left edge).
fn label_column(labels: impl Iterator<Item = String>) -> (Vec<Vec<String>>, f64) {
    let lines: Vec<Vec<String>> = labels.map(|l| wrap(&l, LABEL_MAX, FONT_PX)).collect();
    let widest = lines.iter().flatten().map(|l| text_width(l, FONT_PX)).fold(0.0, f64::max);
    (lines, widest.ceil() + 2.0 * PAD)
}

/// The height of a row holding `lines` lines of label beside a bar of `bar_h`.
fn row_height(lines: usize, bar_h: f64) -> f64 {
    (bar_h + 6.0).max(lines as f64 * LINE_H + 4.0)
}

/// A right-aligned, possibly wrapped label ending at `x`, its first
/// baseline at `y`.
fn label_text(lines: &[String], x: f64, y: f64) -> Markup {
    html! {
        @for (j, line) in lines.iter().enumerate() {
            text x=(px(x)) y=(px(y + j as f64 * LINE_H)) text-anchor="end" { (line) }
        }
    }
}

/// The widest of `texts` in pixels, rounded up, plus [`PAD`] on each side.
fn column_for<'a>(texts: impl Iterator<Item = &'a String>) -> f64 {
    texts.map(|t| text_width(t, FONT_PX)).fold(0.0, f64::max).ceil() + 2.0 * PAD
}

/// The whole page: header, one [`contest_section`] per contest, and
/// [`method_section`]: how the numbers are computed.
pub fn page(r: &TallyReport, log_size: u64, questions: Option<&Questions>) -> Markup {
    let e = &r.election;
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width,initial-scale=1";
                title { (e.name) " — testigo report" }
                style { (PreEscaped(CSS)) }
            }
            body {
                h1 { (e.name) }
                p.muted {
                    (e.date) " · election " code { (e.id) } " · " (num(e.tables)) " tables in the geography"
                    @if let Some(t) = e.declared_tables { " (" (num(t)) " declared)" }
                    " · computed from the first " (log_size) " log entries · schema " (r.schema)
                }
                @for c in &r.contests { (contest_section(c)) }
                @if let Some(q) = questions { (questions_section(q)) }
                (method_section(r))
                p.muted {
                    "Generated by testigo from the signed log; re-run " code { "testigo tally --json" }
                    " on a copy of the log to check every figure."
                }
            }
        }
    }
}

/// A candidate's name, or its id when the contest does not list it.
fn name_of<'a>(c: &'a ContestReport, id: &'a str) -> &'a str {
    c.candidates.iter().find(|k| k.id == id).map(|k| k.name.as_str()).unwrap_or(id)
}

/// A candidate's name for an optional id (a leader or rival), `-` for none.
fn named<'a>(c: &'a ContestReport, id: Option<&'a str>) -> &'a str {
    id.map(|id| name_of(c, id)).unwrap_or("-")
}

/// A certainty verdict in words.
fn verdict_words(verdict: &str) -> &'static str {
    match verdict {
        "decided" => "decided",
        "decided_at_cap" => "decided at the turnout cap",
        "no_votes" => "no votes yet",
        "unknown" => "no verdict (table count unknown)",
        _ => "not decided",
    }
}

/// One contest: the national summary line, then the results chart, the
/// certainty verdict, coverage by top-level unit and each official bulletin.
pub fn contest_section(c: &ContestReport) -> Markup {
    let n = &c.national;
    let t = &n.tables;
    html! {
        h2 { (c.name) }
        p {
            (num(t.reporting)) " of " (num(t.total)) " tables reporting (" (pct(n.coverage_tables_ratio())) "): "
            (num(t.corroborated)) " corroborated, " (num(t.single)) " single source, "
            (num(t.conflicting)) " conflicting, " (num(t.missing)) " missing. Valid votes " (num(n.valid))
            ", null " (num(n.null)) ", blank " (num(n.blank)) "; turnout " (pct(n.turnout_ratio())) "."
        }
        @if n.null_not_reported > 0 || n.votes_not_reported > 0 {
            p {
                "Not reported by any sheet, and counted as 0: null votes at " (num(n.null_not_reported))
                " tables, some candidate's votes at " (num(n.votes_not_reported))
                " tables. Null votes and ballots are therefore lower bounds; the highest votes allow for them."
            }
        }
        h3 { "Results" }
        (results_chart(c, n))
        (certainty_section(c, n))
        (coverage_chart(c))
        @for b in &c.official { (bulletin_section(c, b)) }
        @if !c.qr_unreadable.is_empty() {
            h3 { "QR codes that could not be used" }
            table {
                tr { th { "code" } th { "sheets" } th { "why" } th { "tables, e.g." } }
                @for p in &c.qr_unreadable {
                    tr { td { (p.source) } td { (num(p.sheets)) } td { (p.why) } td { (p.tables.join(", ")) } }
                }
            }
        }
    }
}

/// Horizontal bars of `n`'s votes (the nation or one unit of contest `c`),
/// one per candidate, most votes first; the leader's bar stands out. The
/// name column is as wide as the longest name (wrapped past
/// [`LABEL_MAX`]), and the picture as wide as its longest figure needs.
pub fn results_chart(c: &ContestReport, n: &UnitReport) -> Markup {
    let mut rows: Vec<(&str, u64, String)> = n
        .candidates
        .iter()
        .map(|r| (name_of(c, &r.id), r.votes, format!("{} ({})", num(r.votes), pct(n.share_ratio(r)))))
        .collect();
    rows.sort_by_key(|r| std::cmp::Reverse(r.1));
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1);
    let (labels, label_w) = label_column(rows.iter().map(|r| r.0.to_string()));
    let value_w = column_for(rows.iter().map(|r| &r.2));
    let (bar_w, bar_h) = (480.0, 16.0);
    let heights: Vec<f64> = labels.iter().map(|l| row_height(l.len(), bar_h)).collect();
    let width = label_w + bar_w + value_w;
    let height = heights.iter().sum::<f64>() + 4.0;
    html! {
        svg width=(px(width)) height=(px(height)) viewBox={ "0 0 " (px(width)) " " (px(height)) } role="img"
            aria-label={ "votes per candidate: " (c.name) ", " (n.name) } {
            @for (i, (_, votes, value)) in rows.iter().enumerate() {
                @let y = heights[..i].iter().sum::<f64>() + 2.0;
                @let w = bar_w * *votes as f64 / max as f64;
                (label_text(&labels[i], label_w - PAD, y + BASELINE))
                rect x=(px(label_w)) y=(px(y)) width=(px(w)) height=(px(bar_h))
                    fill=(if i == 0 { "#1565c0" } else { "#90a4ae" }) {}
                text x=(px(label_w + w + PAD)) y=(px(y + BASELINE)) { (value) }
            }
        }
    }
}

/// The certainty verdict of `n` (the nation or one unit of contest `c`) in
/// words, then as [`certainty_chart`] unless nothing is counted yet.
pub fn certainty_section(c: &ContestReport, n: &UnitReport) -> Markup {
    let cert = &n.certainty;
    let (class, verdict) = match cert.verdict {
        "decided" => ("ok", "Decided: no possible content of the missing sheets changes the leader."),
        "decided_at_cap" => ("ok", "Decided if the missing tables' turnout stays under the cap."),
        "no_votes" => ("muted", "No valid votes counted yet."),
        "unknown" => (
            "muted",
            "Unknown: nobody declared how many tables this unit has and its list may be incomplete, so nothing \
             bounds what is missing here. No verdict.",
        ),
        _ => ("bad", "Not decided: the missing sheets could still change the leader."),
    };
    html! {
        h3 { "Can the missing tables change the leader?" }
        p class=(class) { (verdict) }
        @if cert.verdict != "no_votes" {
            p {
                "Leader " (named(c, cert.leader.as_deref())) "; worst-case lead over " (named(c, cert.rival.as_deref()))
                " (every conflicting table counted at its worst for the leader) " (signed(cert.lead_worst))
                " votes; the tables without a sheet could add at most " (num(cert.r_miss))
                " votes (their registered voters: the registry bound)"
                @if let Some(r) = cert.tipping_ratio() {
                    "; they would need a turnout of " (pct(r)) ", every vote for the rival, to overturn it"
                }
                "."
            }
            (certainty_chart(cert))
        }
    }
}

/// Two bars on one scale: the worst-case lead against the most the missing
/// tables could add. The lead's bar longer than the other means decided.
pub fn certainty_chart(cert: &CertaintyReport) -> Markup {
    let lead = cert.lead_worst.max(0) as u64;
    let max = lead.max(cert.r_miss).max(1) as f64;
    let bars = [("worst-case lead", lead, "#1565c0"), ("most the missing tables can add", cert.r_miss, "#ef6c00")];
    let (labels, label_w) = label_column(bars.iter().map(|b| b.0.to_string()));
    let values: Vec<String> = bars.iter().map(|b| num(b.1)).collect();
    let value_w = column_for(values.iter());
    let (bar_w, bar_h) = (480.0, 20.0);
    let width = label_w + bar_w + value_w;
    let row = row_height(1, bar_h);
    let height = row * bars.len() as f64 + 2.0;
    html! {
        svg width=(px(width)) height=(px(height)) viewBox={ "0 0 " (px(width)) " " (px(height)) } role="img"
            aria-label="lead against missing votes" {
            @for (i, (_, v, color)) in bars.iter().enumerate() {
                @let y = i as f64 * row + 2.0;
                @let w = bar_w * *v as f64 / max;
                (label_text(&labels[i], label_w - PAD, y + 15.0))
                rect x=(px(label_w)) y=(px(y)) width=(px(w)) height=(px(bar_h)) fill=(color) {}
                text x=(px(label_w + w + PAD)) y=(px(y + 15.0)) { (values[i]) }
            }
        }
    }
}

/// Share of tables reporting per top-level unit of contest `c`, with each
/// unit's leader and verdict; empty when the report lists no such unit.
pub fn coverage_chart(c: &ContestReport) -> Markup {
    let top: Vec<&UnitReport> = c.units.iter().filter(|u| u.parent.is_none()).collect();
    let Some(first) = top.first() else { return html! {} };
    let (labels, label_w) = label_column(top.iter().map(|u| u.name.clone()));
    let values: Vec<String> = top
        .iter()
        .map(|u| {
            // A unit whose table count nobody declared has no denominator: say so.
            let total = if u.tables.denominator == "unknown" {
                "? (coverage unknown)".to_string()
            } else {
                num(u.tables.total)
            };
            format!(
                "{} of {} · {}: {}",
                num(u.tables.reporting),
                total,
                named(c, u.certainty.leader.as_deref()),
                verdict_words(u.certainty.verdict)
            )
        })
        .collect();
    let value_w = column_for(values.iter());
    let (bar_w, bar_h) = (400.0, 14.0);
    let heights: Vec<f64> = labels.iter().map(|l| row_height(l.len(), bar_h)).collect();
    let width = label_w + bar_w + value_w;
    let height = heights.iter().sum::<f64>() + 4.0;
    html! {
        h3 { "Coverage by " (first.level) }
        p.muted { "Bar: share of the " (first.level) "'s tables with at least one signed sheet; then its leader and whether the tables without a sheet could change that leader there." }
        svg width=(px(width)) height=(px(height)) viewBox={ "0 0 " (px(width)) " " (px(height)) } role="img"
            aria-label={ "tables reporting per " (first.level) ": " (c.name) } {
            @for (i, u) in top.iter().enumerate() {
                @let y = heights[..i].iter().sum::<f64>() + 2.0;
                @let (reporting, total) = u.coverage_tables_ratio();
                @let w = if total == 0 || u.tables.denominator == "unknown" { 0.0 } else { bar_w * reporting as f64 / total as f64 };
                (label_text(&labels[i], label_w - PAD, y + BASELINE))
                rect x=(px(label_w)) y=(px(y)) width=(px(bar_w)) height=(px(bar_h)) fill="#eceff1" {}
                rect x=(px(label_w)) y=(px(y)) width=(px(w)) height=(px(bar_h)) fill="#2e7d32" {}
                text x=(px(label_w + bar_w + PAD)) y=(px(y + BASELINE)) { (values[i]) }
            }
        }
    }
}

/// How a figure's check reads in words: which basis it breaks, if any.
fn finding_words(x: &BoundCheck) -> &'static str {
    match (x.verdict, x.violates_registry()) {
        ("consistent", _) => "possible",
        ("below_counted", _) => "impossible: below what the signed sheets already give",
        (_, true) => "impossible: above the registry bound",
        _ => "impossible only if the bulletin's own totals are true",
    }
}

/// A range `lo – hi` for a table cell.
fn range_text([lo, hi]: [u64; 2]) -> String {
    format!("{} – {}", num(lo), num(hi))
}

/// One bulletin of contest `c`: its verdict, the impossibility checks as a
/// table (both ranges, which one a figure breaks) and as [`bulletin_chart`],
/// then [`round_percentages`].
pub fn bulletin_section(c: &ContestReport, b: &BulletinCheck) -> Markup {
    let on_registry = b.bounds.iter().filter(|x| x.violates_registry()).count();
    let announced_only = b.contradictions - on_registry.min(b.contradictions);
    html! {
        h3 { "Official: " (b.label) }
        p.muted { (b.source) @if let Some(l) = &b.logged { " · " (l) } }
        @if b.contradictions == 0 {
            p.ok { "Consistent with the signed sheets." }
        } @else {
            p.bad {
                (b.contradictions) " announced figure(s) contradict the signed sheets: "
                (on_registry) " impossible whatever the missing sheets say (outside the range the registry bound allows), "
                (announced_only) " impossible only if the bulletin's own announced totals are taken as true."
            }
        }
        table {
            tr {
                th { "figure" } th { "announced" }
                th { "range on the registry bound alone" }
                th { "range if the bulletin's own totals are true" }
                th.l { "finding" } th { "outside by" }
            }
            @for x in &b.bounds {
                tr {
                    td { (figure_name(c, &x.what)) }
                    td.n { (num(x.official)) }
                    td.n.bad[x.violates_registry()] { (range_text(x.range_registry)) }
                    td.n.bad[x.violates.contains(&"announced")] {
                        @match x.range_announced { Some(r) => (range_text(r)), None => span.muted { "—" } }
                    }
                    td class={ "l " (verdict_class(x)) } { (finding_words(x)) }
                    td.n { @if x.excess > 0 { (num(x.excess)) } }
                }
            }
        }
        p.muted {
            "The registry bound: the counted sheets plus every registered voter at the tables without a sheet. "
            "The bulletin's own totals: the counted sheets plus the valid votes its announced valid total leaves for those tables. "
            "“Outside by” is measured from the nearer end of the narrower range."
        }
        (bulletin_chart(c, b))
        (round_percentages(c, b))
    }
}

/// `ok` for a figure the evidence allows, `bad` otherwise.
fn verdict_class(x: &BoundCheck) -> &'static str {
    if x.verdict == "consistent" {
        "ok"
    } else {
        "bad"
    }
}

/// A step of 1, 2 or 5 times a power of ten such that ticks `step` apart
/// on a scale of `px_per_unit` are at least `min_px` apart.
fn nice_step(px_per_unit: f64, min_px: f64) -> u64 {
    let mut magnitude = 1u64;
    loop {
        for m in [1, 2, 5] {
            let step = m * magnitude;
            if step as f64 * px_per_unit >= min_px {
                return step;
            }
        }
        match magnitude.checked_mul(10) {
            Some(next) => magnitude = next,
            None => return u64::MAX / 2,
        }
    }
}

/// Each announced figure of a bulletin of contest `c` (a dot) against the
/// range the registry bound allows (a light bar) and, where the bulletin
/// announces a valid total, the range allowed if that total is true (a dark
/// bar inside it), all on one axis of votes with its ticks; a dot outside
/// the narrower range is red.
pub fn bulletin_chart(c: &ContestReport, b: &BulletinCheck) -> Markup {
    let top = b
        .bounds
        .iter()
        .map(|x| x.official.max(x.range_registry[1]).max(x.range_announced.map_or(0, |r| r[1])))
        .max()
        .unwrap_or(1)
        .max(1);
    let (labels, label_w) = label_column(b.bounds.iter().map(|x| figure_name(c, &x.what)));
    let plot_w = 560.0;
    // Ticks far enough apart for the widest tick label the axis can carry.
    let widest_tick = text_width(&num(top.saturating_mul(10)), FONT_PX);
    let step = nice_step(plot_w / top as f64, widest_tick + 2.0 * PAD);
    let axis_max = top.div_ceil(step).saturating_mul(step).max(step);
    let sx = |v: u64| label_w + plot_w * v as f64 / axis_max as f64;
    let ticks: Vec<(u64, String)> = (0..=axis_max / step).map(|k| k * step).map(|v| (v, num(v))).collect();
    let right = ticks.last().map_or(0.0, |t| text_width(&t.1, FONT_PX) / 2.0).ceil() + PAD;
    let heights: Vec<f64> = labels.iter().map(|l| row_height(l.len(), 14.0)).collect();
    let rows_h = heights.iter().sum::<f64>() + 4.0;
    let axis_y = rows_h + 2.0;
    let title = "votes (dot: announced figure; light bar: range on the registry bound alone; dark bar: range if the bulletin's own totals are true)";
    let width = label_w + plot_w + right;
    let title_lines = wrap(title, width - 2.0 * PAD, FONT_PX);
    let height = axis_y + 22.0 + title_lines.len() as f64 * LINE_H + 4.0;
    html! {
        svg width=(px(width)) height=(px(height)) viewBox={ "0 0 " (px(width)) " " (px(height)) } role="img"
            aria-label={ "announced figures against the evidence: " (b.label) } {
            @for (i, x) in b.bounds.iter().enumerate() {
                @let y = heights[..i].iter().sum::<f64>() + 2.0;
                @let mid = y + heights[i] / 2.0 - 2.0;
                @let color = if x.verdict == "consistent" { "#2e7d32" } else { "#b00020" };
                @let [lo, hi] = x.range_registry;
                (label_text(&labels[i], label_w - PAD, mid + 4.0 - (labels[i].len() as f64 - 1.0) * LINE_H / 2.0))
                rect x=(px(sx(lo))) y=(px(mid - 5.0)) width=(px((sx(hi) - sx(lo)).max(1.0))) height="10" fill="#bbdefb" {}
                @if let Some([alo, ahi]) = x.range_announced {
                    rect x=(px(sx(alo))) y=(px(mid - 2.0)) width=(px((sx(ahi) - sx(alo)).max(1.0))) height="4" fill="#1565c0" {}
                }
                circle cx=(px(sx(x.official))) cy=(px(mid)) r="5" fill=(color) {}
            }
            line x1=(px(label_w)) y1=(px(axis_y)) x2=(px(label_w + plot_w)) y2=(px(axis_y)) stroke="#555" {}
            @for (v, label) in &ticks {
                line x1=(px(sx(*v))) y1=(px(axis_y)) x2=(px(sx(*v))) y2=(px(axis_y + 4.0)) stroke="#555" {}
                text x=(px(sx(*v))) y=(px(axis_y + 16.0)) text-anchor="middle" { (label) }
            }
            @for (j, line) in title_lines.iter().enumerate() {
                text x=(px(PAD)) y=(px(axis_y + 34.0 + j as f64 * LINE_H)) { (line) }
            }
        }
    }
}

/// The round-percentage test of a bulletin of contest `c`: for each number
/// of decimals at which some announced count is exactly a round percentage
/// of the total, how many, the chance of that under the model (with the
/// post-hoc caveat), and which counts.
pub fn round_percentages(c: &ContestReport, b: &BulletinCheck) -> Markup {
    let any = b.round_percentages.iter().any(|rp| rp.exact > 0);
    html! {
        @for rp in b.round_percentages.iter().filter(|rp| rp.exact > 0) { (round_summary(c, rp)) }
        @if any {
            p.muted { "Caution: " (ROUND_CAVEAT) "." }
        }
    }
}

/// One number of decimals of [`round_percentages`].
fn round_summary(c: &ContestReport, rp: &RoundSummary) -> Markup {
    html! {
        p {
            (rp.exact) " of " (rp.tested) " announced counts are exactly a " (rp.decimals)
            "-decimal percentage of the total"
            @if let Some(p) = rp.joint_probability {
                " (chance about " (format!("{p:.1e}")) " " (rp.note) "; a post-hoc test: see the caution below)"
            }
            ":"
        }
        ul {
            @for t in rp.tests.iter().filter(|t| t.exact) {
                li {
                    (figure_name(c, &t.what)) ": " (num(t.votes)) " of " (num(t.total)) " = " (t.percent)
                    "% (exact share " (t.share) "%)"
                }
            }
        }
    }
}

/// The chance model's window, ± percent of the total, for the words.
fn window_text(b: Option<&BulletinCheck>) -> String {
    let ppm = b.map_or(500, |b| b.chance_model.window_ppm);
    fmt_pct(ppm as f64 / 10_000.0)
}

/// How every number on the page is computed, in plain words: the count,
/// the words and symbols used, and the bulletin rules (impossibility on its
/// two bases, the round-percentage test with its model and its post-hoc
/// caveat, the per-table comparison).
pub fn method_section(r: &TallyReport) -> Markup {
    let first_bulletin = r.contests.iter().flat_map(|c| &c.official).next();
    let window = window_text(first_bulletin);
    // The cap is a whole number of parts per million: no trailing zeros.
    let cap = fmt_pct(r.options.turnout_cap_percent).trim_end_matches('0').trim_end_matches('.').to_string();
    html! {
        h2 { "How these numbers are computed" }
        h3 { "The count" }
        ul.assumptions {
            @for a in &r.assumptions { li { (a) } }
        }
        h3 { "Words and symbols" }
        dl {
            dt { "Table, sheet" }
            dd { "A table (mesa) is where votes are counted; its sheet (acta) is the signed record of that count. Observers, parties and the authority each log the sheets they hold." }
            dt { "Single source, corroborated, conflicting, missing" }
            dd { "A table is single source when its sheets come from one independent source, corroborated when two or more independent sources agree on every count, conflicting when sheets disagree, and missing when no sheet of it is in the log (“tables without a sheet”)." }
            dt { "Counted" }
            dd { "The sheet that is added up for a table: its only version, or for a conflicting table the version with the most independent sources. The lowest and highest a figure can be take every conflicting table at its lowest or highest version." }
            dt { "Valid, null, blank votes; ballots; turnout" }
            dd { "Valid votes are votes for a candidate; ballots are valid + null + blank votes. Turnout is ballots divided by registered voters, over the reporting tables whose registered voters are known." }
            dt { "Worst-case lead (D in the JSON's terms)" }
            dd { "The leader's votes with every conflicting table at its worst for the leader, minus the closest rival's votes with every conflicting table at its best for that rival." }
            dt { "Registry bound; most the missing tables could add (R_miss in the JSON)" }
            dd { "The registered voters of the tables without a sheet, as if every one of them voted for one candidate. Where such a table's registered voters are not known, the most one table may hold, or nationally what remains of the registry once the known tables are taken out, whichever is smaller." }
            dt { "Decided" }
            dd { "The worst-case lead is larger than the most the missing tables could add: no content of the missing sheets can change the leader." }
            dt { "Turnout cap (τ in the JSON's assumptions), decided at the cap" }
            dd { "Decided at the cap: the worst-case lead is larger than " (cap) "% of the most the missing tables could add, i.e. the leader is safe unless the missing tables' turnout exceeds " (cap) "%." }
            dt { "Tipping turnout" }
            dd { "The worst-case lead divided by the most the missing tables could add: the turnout the missing tables would need, every vote for the rival, to overturn the lead." }
            dt { "Percentages" }
            dd { "Every percentage on this page is computed from the whole numbers behind it and rounded once, half up, to two decimals." }
        }
        h3 { "Official bulletins" }
        p {
            strong { "Impossibility. " }
            "For each figure a bulletin announces (a candidate, several candidates announced together, the valid or the null votes) the signed sheets give a lowest and a highest possible value. "
            "The lowest is what the counted sheets already give, every conflicting table at its lowest. When a bulletin says it covers only part of the tables (e.g. “80% of actas”), it may have left out that share of the tables, rounded up, and the lowest value leaves out the tables most favourable to the figure."
        }
        p {
            "The highest possible value is given on two bases, and both ranges are shown. "
            strong { "On the registry bound alone: " }
            "the counted sheets (conflicting tables at their highest) plus every registered voter at the tables without a sheet. This needs nothing from the bulletin: a figure outside this range is impossible whatever the missing sheets say. "
            strong { "If the bulletin's own announced totals are taken as true: " }
            "the counted sheets plus the valid votes that the bulletin's own valid total leaves for the tables without a sheet (a candidate cannot get more there than all the valid votes there). A figure outside only this range is impossible only if the bulletin's own total is right: the bulletin contradicts itself given the signed sheets, but not the registry. "
            "Each row says which range a figure falls outside."
        }
        p {
            strong { "Round percentages. " }
            "A count is round when it is exactly a percentage with one (or two) decimals of the total, rounded to a whole vote; for example 5,150,092 is 51.2% of 10,058,774 to the vote. "
            "The model: had each count been any whole number within ±" (window) "% of the total around its value, all equally likely, and the counts independent of each other, the chance of landing on a round value is the share of round values in that window (about 100 × 10^decimals ÷ total); for several counts the chances are multiplied, leaving out the most likely one when the counts add up to the total (the others then fix it). "
            "That chance holds under the model only; it is not the chance that the figures were made up. And the test was chosen after the figures were seen to be round (post hoc): a pattern that was looked for because it had been noticed is always unlikely by chance, so the chance shown overstates the evidence."
        }
        p {
            strong { "Per-table comparison. " }
            "Where an authority publishes results per table (as a file, or as official sheets in the log), each table's official figures are compared with its counted sheet: matching, differing (noting when they equal another version of a conflicting table), or present on one side only. This page shows no per-table comparison: none was given."
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formatting() {
        assert_eq!(num(0), "0");
        assert_eq!(num(999), "999");
        assert_eq!(num(1_000), "1,000");
        assert_eq!(num(12_335_884), "12,335,884");
        assert_eq!(signed(-1_234), "−1,234");
        assert_eq!(signed(1_234), "1,234");
        assert_eq!(signed(i64::MIN), "−9,223,372,036,854,775,808");
        assert_eq!(pct((512, 1000)), "51.20%");
        assert_eq!(pct((159_267, 248_952)), "63.97%");
        assert_eq!(pct((1, 0)), "n/a");
        assert_eq!(nice_step(0.001, 50.0), 50_000);
        assert_eq!(nice_step(1.0, 50.0), 50);
        assert_eq!(nice_step(1.0, 0.5), 1);
    }
}
