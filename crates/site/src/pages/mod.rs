//! The pages, as maud templates (every interpolation is escaped). Each page
//! is a function of a [`Snapshot`] (and, for a table, its [`TableView`]) and
//! a language: nothing else.

mod geo;
mod info;
mod questions;
mod table;

pub use geo::{home, unit};
pub use info::{bulletins, downloads, observers, search};
pub use questions::questions;
pub use table::table;

use maud::{html, Markup, PreEscaped, DOCTYPE};
use testigo_election::{Contest, UnitIx};
use testigo_tally::report::UnitReport;
use testigo_tally::TableState;

use crate::i18n::{Arg, Tr, LANGS};
use crate::model::Snapshot;
use crate::paths::Page;

/// What every template needs: the snapshot, the language, the page being drawn.
pub struct Ctx<'a> {
    /// The data.
    pub snap: &'a Snapshot,
    /// The language.
    pub tr: Tr,
    /// The page (for relative links and the language switch).
    pub page: &'a Page,
    /// Whether receipts are served at `v1/receipts/N` (a server; not a static copy).
    pub receipts: bool,
}

impl Ctx<'_> {
    /// A link from this page to `target` in the same language.
    pub fn href(&self, target: &Page) -> String {
        format!("{}{}", self.page.root(), target.href(self.tr.lang))
    }

    /// A link from this page to a file below the site root.
    pub fn asset(&self, path: &str) -> String {
        format!("{}{path}", self.page.root())
    }

    /// Shorthand for [`Tr::t`].
    pub fn t(&self, id: &str) -> String {
        self.tr.t(id)
    }

    /// Shorthand for [`Tr::args`].
    pub fn ta(&self, id: &str, args: &[(&str, Arg<'_>)]) -> String {
        self.tr.args(id, args)
    }
}

/// The page frame: head, skip link, header with navigation and language
/// switch, the body, footer with the log size. `scripts` are module paths
/// below the site root.
pub fn layout(cx: &Ctx<'_>, title: &str, body: Markup, scripts: &[&str]) -> Markup {
    let snap = cx.snap;
    html! {
        (DOCTYPE)
        html lang=(cx.tr.lang.code()) data-verify=[(!scripts.is_empty() && matches!(cx.page, Page::Table(_))).then_some("pending")] {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                // No favicon request: the site makes none it does not need.
                link rel="icon" href="data:,";
                title { (title) " · " (snap.election.name) }
                link rel="stylesheet" href=(cx.asset("assets/site.css"));
                @for lang in LANGS {
                    link rel="alternate" hreflang=(lang.code()) href=(format!("{}{}", cx.page.root(), cx.page.href(lang)));
                }
                @for s in scripts { script type="module" src=(cx.asset(s)) {} }
            }
            body {
                a.skip href="#main" { (cx.t("skip-to-content")) }
                header {
                    a.brand href=(cx.href(&Page::Home)) { "testigo · " (snap.election.name) }
                    nav aria-label=(cx.t("nav-label")) {
                        ul {
                            li { a href=(cx.href(&Page::Home)) { (cx.t("nav-results")) } }
                            li { a href=(cx.href(&Page::Search)) { (cx.t("nav-search")) } }
                            li { a href=(cx.href(&Page::Bulletins)) { (cx.t("nav-bulletins")) } }
                            li { a href=(cx.href(&Page::Questions)) { (cx.t("nav-questions")) } }
                            li { a href=(cx.href(&Page::Downloads)) { (cx.t("nav-downloads")) } }
                            li { a href=(cx.href(&Page::Observers)) { (cx.t("nav-observers")) } }
                        }
                    }
                    nav.langs aria-label=(cx.t("language-label")) {
                        ul {
                            @for lang in LANGS {
                                li {
                                    @if lang == cx.tr.lang {
                                        span aria-current="true" lang=(lang.code()) { (lang.native_name()) }
                                    } @else {
                                        a href=(format!("{}{}", cx.page.root(), cx.page.href(lang))) hreflang=(lang.code()) lang=(lang.code()) { (lang.native_name()) }
                                    }
                                }
                            }
                        }
                    }
                }
                main id="main" { (body) }
                footer {
                    p {
                        (cx.ta("footer-log", &[("size", Arg::Num(snap.log_size))]))
                        " "
                        a href=(cx.href(&Page::Observers)) { (cx.t("footer-verify")) }
                    }
                }
            }
        }
    }
}

/// Breadcrumbs from the national level down to (and including) `unit`.
pub fn breadcrumbs(cx: &Ctx<'_>, unit: Option<UnitIx>, last: Option<&str>) -> Markup {
    let geo = &cx.snap.geo;
    let mut chain: Vec<UnitIx> = Vec::new();
    let mut cur = unit;
    while let Some(u) = cur {
        chain.push(u);
        cur = geo.unit_parent(u);
    }
    chain.reverse();
    html! {
        nav.crumbs aria-label=(cx.t("breadcrumbs-label")) {
            ol {
                li { a href=(cx.href(&Page::Home)) { (cx.t("national")) } }
                @for u in &chain {
                    li {
                        span.level { (level_name(cx, geo.unit_level(*u))) " " }
                        a href=(cx.href(&Page::Unit(geo.unit_id(*u).to_string()))) { (geo.unit_name(*u)) }
                    }
                }
                @if let Some(l) = last { li aria-current="page" { (l) } }
            }
        }
    }
}

/// The name of geography level `level`: the election names its levels
/// (`state`, `municipio`…); common ones are translated, others shown as named.
pub fn level_name(cx: &Ctx<'_>, level: usize) -> String {
    let name = cx.snap.geo.levels().get(level).cloned().unwrap_or_default();
    cx.tr.t_or(&format!("level-{}", name.to_lowercase()), &name)
}

/// A candidate's display name.
pub fn candidate_name<'a>(contest: &'a Contest, id: &'a str) -> &'a str {
    contest.candidates.iter().find(|c| c.id == id).map_or(id, |c| c.name.as_str())
}

/// A badge for a table state, in words and colour (never colour alone).
pub fn state_badge(cx: &Ctx<'_>, state: TableState) -> Markup {
    html! { span class={ "badge " (state.as_str()) } { (cx.t(&format!("state-{}", state.as_str()))) } }
}

/// The per-unit view every level shares: coverage, verdict, chart, table states.
pub fn unit_summary(cx: &Ctx<'_>, contest: &Contest, u: &UnitReport, national: bool) -> Markup {
    let tr = &cx.tr;
    let complete_list = count_is_known(u);
    html! {
        dl.coverage {
            dt { (cx.t("coverage-tables")) }
            dd {
                @if complete_list || national {
                    (cx.ta("coverage-tables-value", &[("reporting", Arg::Num(u.tables.reporting)), ("total", Arg::Num(u.tables.total))]))
                    " (" (tr.pct_of(u.coverage_tables_ratio())) ")"
                } @else {
                    (cx.ta("coverage-tables-listed", &[("reporting", Arg::Num(u.tables.reporting)), ("total", Arg::Num(u.tables.total))]))
                }
                @if !complete_list && !national {
                    br; small { (cx.t("coverage-list-incomplete")) }
                }
                @if national && u.tables.undeclared > 0 {
                    br; small { (cx.ta("coverage-undeclared", &[("n", Arg::Num(u.tables.undeclared))])) }
                }
            }
            dt { (cx.t("coverage-registered")) }
            dd {
                @match u.coverage_registered_ratio() {
                    Some(ratio) => {
                        (cx.ta("coverage-registered-value", &[("reporting", Arg::Num(u.registered.reporting)), ("total", Arg::Num(u.registered.registry.unwrap_or(u.registered.declared)))]))
                        " (" (tr.pct_of(ratio)) ")"
                    }
                    // Every listed table declares its voters: what is unknown is which tables there are.
                    None if u.registered.tables_unknown == 0 => {
                        (cx.ta("coverage-registered-list-unknown", &[("reporting", Arg::Num(u.registered.reporting))]))
                    }
                    None => {
                        (cx.ta("coverage-registered-unknown", &[("reporting", Arg::Num(u.registered.reporting)), ("unknown", Arg::Num(u.registered.tables_unknown))]))
                    }
                }
            }
            dt { (cx.t("voters-counted")) }
            dd { (tr.num(u.voters)) }
            dt { (cx.t("table-states")) }
            dd {
                (state_badge(cx, TableState::Corroborated)) " " (tr.num(u.tables.corroborated)) " · "
                (state_badge(cx, TableState::Single)) " " (tr.num(u.tables.single)) " · "
                (state_badge(cx, TableState::Conflicting)) " " (tr.num(u.tables.conflicting)) " · "
                (state_badge(cx, TableState::Missing)) " " (tr.num(u.tables.missing))
            }
        }
        @if u.certainty.verdict == "unknown" {
            (verdict_unknown_list(cx, contest, u))
        } @else {
            (verdict(cx, contest, u))
        }
        (results_chart(cx, contest, u))
    }
}

/// Whether a node's table count is known (the tally's `tables.denominator`:
/// listed in full, or declared); if not, its own list may be short, and its
/// coverage cannot be stated.
pub fn count_is_known(u: &UnitReport) -> bool {
    u.tables.denominator != "unknown"
}

/// The certainty verdict in words, with its basis.
pub fn verdict(cx: &Ctx<'_>, contest: &Contest, u: &UnitReport) -> Markup {
    let c = &u.certainty;
    let leader = c.leader.as_deref().map(|l| candidate_name(contest, l)).unwrap_or("");
    let rival = c.rival.as_deref().map(|r| candidate_name(contest, r)).unwrap_or("");
    let basis = match c.unknown_bound {
        testigo_tally::UnknownBound::None => cx.t("basis-registered"),
        testigo_tally::UnknownBound::TableBound => cx.ta(
            "basis-table-bound",
            &[("tables", Arg::Num(c.unknown_tables)), ("max", Arg::Num(cx.snap.report.election.max_table_voters))],
        ),
        testigo_tally::UnknownBound::Unbounded => cx.t("coverage-list-incomplete"),
        testigo_tally::UnknownBound::RegistryRemainder => {
            cx.ta("basis-registry-remainder", &[("tables", Arg::Num(c.unknown_tables))])
        }
    };
    let args = [
        ("leader", Arg::Str(leader)),
        ("rival", Arg::Str(rival)),
        ("lead", Arg::Num(c.lead.max(0) as u64)),
        ("worst", Arg::Num(c.lead_worst.max(0) as u64)),
        ("missing", Arg::Num(c.r_miss)),
    ];
    let (class, text) = match c.verdict {
        "decided" => ("ok", cx.ta("verdict-decided", &args)),
        "decided_at_cap" => (
            "warn",
            format!(
                "{} {}",
                cx.ta("verdict-decided-at-cap", &args),
                cx.ta(
                    "verdict-cap",
                    &[("cap", Arg::Str(&cx.tr.pct(Some(cx.snap.report.options.turnout_cap_percent))))]
                )
            ),
        ),
        "open" => ("warn", cx.ta("verdict-open", &args)),
        _ => ("muted", cx.t("verdict-no-votes")),
    };
    html! {
        div class={ "verdict " (class) } {
            p { strong { (text) } }
            @if c.verdict != "no_votes" && c.r_miss > 0 { p.basis { (basis) } }
            @if c.tie { p { (cx.t("verdict-tie")) } }
        }
    }
}

/// A unit whose table list may be incomplete: tables the election declares
/// but nobody listed could lie in it, so no bound on its missing voters holds
/// and no verdict is given; only the counted lead.
pub fn verdict_unknown_list(cx: &Ctx<'_>, contest: &Contest, u: &UnitReport) -> Markup {
    let c = &u.certainty;
    let leader = c.leader.as_deref().map(|l| candidate_name(contest, l)).unwrap_or("");
    let rival = c.rival.as_deref().map(|r| candidate_name(contest, r)).unwrap_or("");
    html! {
        div.verdict.muted {
            @if c.verdict == "no_votes" {
                p { strong { (cx.t("verdict-no-votes")) } }
            } @else {
                p { strong { (cx.ta("verdict-unit-counted", &[("leader", Arg::Str(leader)), ("rival", Arg::Str(rival)), ("lead", Arg::Num(c.lead.max(0) as u64))])) } }
                p.basis { (cx.t("verdict-unit-unknown-list")) }
            }
        }
    }
}

/// Horizontal bars, one per candidate, longest first; numbers in text beside
/// each bar so nothing depends on colour or on reading the chart.
pub fn results_chart(cx: &Ctx<'_>, contest: &Contest, u: &UnitReport) -> Markup {
    let mut rows: Vec<_> = u.candidates.iter().collect();
    rows.sort_by(|a, b| b.votes.cmp(&a.votes).then(a.id.cmp(&b.id)));
    let max = rows.first().map(|r| r.votes).unwrap_or(0).max(1);
    html! {
        div.scroll { table.results {
            caption { (cx.t("results-caption")) }
            thead { tr { th scope="col" { (cx.t("candidate")) } th scope="col" { (cx.t("votes")) } th scope="col" { (cx.t("share")) } } }
            tbody {
                @for r in rows {
                    tr {
                        th scope="row" { (candidate_name(contest, &r.id)) }
                        td.num {
                            (cx.tr.num(r.votes))
                            @if r.votes_min != r.votes_max {
                                br; small { (cx.ta("votes-range", &[("min", Arg::Num(r.votes_min)), ("max", Arg::Num(r.votes_max))])) }
                            }
                        }
                        td.bar {
                            span.bar style=(PreEscaped(format!("width:{:.1}%", 100.0 * r.votes as f64 / max as f64))) {}
                            span.share { (cx.tr.pct_of(u.share_ratio(r))) }
                        }
                    }
                }
            }
        } }
    }
}

/// Unix seconds as `YYYY-MM-DD HH:MM UTC`.
pub fn utc(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02} UTC", rem / 3600, rem % 3600 / 60)
}

#[cfg(test)]
mod tests {
    #[test]
    fn utc_dates() {
        assert_eq!(super::utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(super::utc(1_722_211_200), "2024-07-29 00:00 UTC");
    }
}
