//! Search, official bulletins, downloads and the observers' page.

use maud::{html, Markup};
use testigo_tally::official::{BoundCheck, BulletinCheck};

use super::geo::search_form;
use super::{candidate_name, layout, utc, Ctx};
use crate::i18n::Arg;
use crate::paths::Page;
use crate::search::{Hit, MAX_RESULTS, SHARD_SKIP};
use crate::unit_json::UnitRef;

/// `/{lang}/search/`. With `query` (a server answering `?q=`) the results
/// are in the page; without (a static copy) the page's script answers from
/// the sharded index, the same way.
pub fn search(cx: &Ctx<'_>, query: Option<&str>) -> Markup {
    let snap = cx.snap;
    let geo = &snap.geo;
    let q = query.unwrap_or("").trim();
    let body = html! {
        h1 { (cx.t("nav-search")) }
        p { (cx.t("search-help")) }
        (search_form(cx, q))
        @if query.is_some() {
            @let (hits, more) = snap.search().query(q);
            div id="results" data-answered="1" {
                @if q.is_empty() {
                } @else if hits.is_empty() {
                    p { (cx.ta("search-none", &[("q", Arg::Str(q))])) }
                } @else {
                    p { (cx.ta("search-count", &[("n", Arg::Num(hits.len() as u64))])) @if more { " " (cx.ta("search-more", &[("max", Arg::Num(MAX_RESULTS as u64))])) } }
                    ol.hits {
                        @for hit in hits {
                            @match hit {
                                Hit::Unit(i) => @if let Some(u) = geo.unit_at(i) {
                                    li {
                                        a href=(cx.href(&Page::Unit(geo.unit_id(u).to_string()))) { (geo.unit_name(u)) }
                                        " " span.muted { (super::level_name(cx, geo.unit_level(u)))
                                            @if let Some(p) = geo.unit_parent(u) { " · " (geo.unit_name(p)) } }
                                    }
                                },
                                Hit::Table(i) => @if let Some(t) = geo.table_at(i) {
                                    li {
                                        a href=(cx.href(&Page::Table(geo.table_id(t).to_string()))) { (cx.ta("table-title", &[("id", Arg::Str(geo.table_id(t)))])) }
                                        " " span.muted { (geo.unit_name(geo.table_unit(t))) }
                                    }
                                },
                            }
                        }
                    }
                }
            }
        } @else {
            @let levels: Vec<String> = (0..geo.levels().len()).map(|l| super::level_name(cx, l)).collect();
            div id="results" data-index=(cx.asset("search-index/")) data-skip=(SHARD_SKIP) data-more=(cx.t("search-more-js"))
                data-levels=(serde_json::to_string(&levels).unwrap_or_default())
                data-none=(cx.t("search-none-js")) data-count=(cx.t("search-count-js")) data-table=(cx.t("table-title-js")) {}
        }
    };
    layout(cx, &cx.t("nav-search"), body, &["assets/js/search.js"])
}

/// `/{lang}/bulletins/`: each announced figure against the two ranges the
/// signed sheets allow (on the registry bound alone, and if the bulletin's
/// own totals are true), and the round-percentage test with its caveat.
pub fn bulletins(cx: &Ctx<'_>) -> Markup {
    let snap = cx.snap;
    let body = html! {
        h1 { (cx.t("nav-bulletins")) }
        p { (cx.t("bulletins-intro")) }
        details {
            summary { (cx.t("bulletins-assumptions")) }
            ul {
                li { (cx.t("bulletins-lower")) }
                li { (cx.t("bulletins-upper-registry")) }
                li { (cx.t("bulletins-upper-announced")) }
                li { (cx.t("bulletins-round")) }
                li { (cx.t("bulletins-tables")) }
            }
        }
        @for (ci, contest) in snap.election.contests.iter().enumerate() {
            @if let Some(c) = snap.report.contests.get(ci) {
                @for b in &c.official { (bulletin(cx, contest, b)) }
            }
        }
        @if snap.report.contests.iter().all(|c| c.official.is_empty()) { p { (cx.t("bulletins-none")) } }
    };
    layout(cx, &cx.t("nav-bulletins"), body, &[])
}

/// The message id of a figure's finding: which basis it breaks, if any.
fn finding(x: &BoundCheck) -> &'static str {
    match (x.verdict, x.violates_registry()) {
        ("consistent", _) => "bound-consistent",
        ("below_counted", _) => "bound-below_counted",
        (_, true) => "bound-above-registry",
        _ => "bound-above-announced",
    }
}

fn bulletin(cx: &Ctx<'_>, contest: &testigo_election::Contest, b: &BulletinCheck) -> Markup {
    let what = |w: &str| -> String {
        match w {
            "valid" => cx.t("valid-votes"),
            "null" => cx.t("null-votes"),
            _ => w.split('+').map(|id| candidate_name(contest, id)).collect::<Vec<_>>().join(" + "),
        }
    };
    let range = |[lo, hi]: [u64; 2]| format!("{} – {}", cx.tr.num(lo), cx.tr.num(hi));
    let on_registry = b.bounds.iter().filter(|x| x.violates_registry()).count() as u64;
    let announced_only = (b.contradictions as u64).saturating_sub(on_registry);
    html! {
        section.bulletin {
            h2 { (b.label) }
            p.muted { (b.source) @if let Some(l) = &b.logged { " · " (l) } }
            @if b.contradictions == 0 {
                p.ok { strong { (cx.t("bulletin-consistent")) } }
            } @else {
                p.bad { strong { (cx.ta("bulletin-impossible", &[("n", Arg::Num(b.contradictions as u64))])) } }
                ul {
                    @if on_registry > 0 { li { (cx.ta("bulletin-impossible-registry", &[("n", Arg::Num(on_registry))])) } }
                    @if announced_only > 0 { li { (cx.ta("bulletin-impossible-announced", &[("n", Arg::Num(announced_only))])) } }
                }
            }
            div.scroll { table {
                caption { (cx.t("bulletin-caption")) }
                thead { tr {
                    th scope="col" { (cx.t("figure")) }
                    th scope="col" { (cx.t("announced")) }
                    th scope="col" { (cx.t("range-registry")) }
                    th scope="col" { (cx.t("range-announced")) }
                    th scope="col" { (cx.t("verdict")) }
                } }
                tbody { @for x in &b.bounds {
                    tr {
                        th scope="row" { (what(&x.what)) }
                        td.num { (cx.tr.num(x.official)) }
                        td.num.bad[x.violates_registry()] { (range(x.range_registry)) }
                        td.num.bad[x.violates.contains(&"announced")] {
                            @match x.range_announced { Some(r) => (range(r)), None => "—" }
                        }
                        td class=(if x.verdict == "consistent" { "ok" } else { "bad" }) {
                            (cx.t(finding(x)))
                            @if x.excess > 0 { br; small { (cx.ta("bound-excess", &[("n", Arg::Num(x.excess))])) } }
                        }
                    }
                } }
            } }
            @for rp in b.round_percentages.iter().filter(|rp| rp.exact > 0) {
                p {
                    (cx.ta("round-summary", &[("exact", Arg::Num(rp.exact as u64)), ("tested", Arg::Num(rp.tested as u64)), ("decimals", Arg::Num(rp.decimals as u64))]))
                    @if let Some(p) = rp.joint_probability { " " (cx.ta("round-chance", &[("p", Arg::Str(&format!("{p:.1e}")))])) }
                }
                ul { @for t in rp.tests.iter().filter(|t| t.exact) {
                    li { (what(&t.what)) ": " (cx.tr.num(t.votes)) " = " (t.percent) " % × " (cx.tr.num(t.total)) }
                } }
            }
            @if b.round_percentages.iter().any(|rp| rp.joint_probability.is_some()) {
                p.muted { (cx.t("round-caveat")) }
            }
        }
    }
}

/// `/{lang}/downloads/`: the open data files and how to mirror the log.
pub fn downloads(cx: &Ctx<'_>, files: &[(String, u64, String)], signed: bool) -> Markup {
    let body = html! {
        h1 { (cx.t("nav-downloads")) }
        p { (cx.ta("downloads-intro", &[("size", Arg::Num(cx.snap.log_size))])) }
        table {
            thead { tr { th scope="col" { (cx.t("file")) } th scope="col" { (cx.t("bytes")) } th scope="col" { "SHA-256" } } }
            tbody { @for (name, bytes, sha) in files {
                tr {
                    td { a href=(cx.asset(&format!("downloads/{name}"))) download { (name) } br; small { (cx.t(&format!("file-{}", name.replace('.', "-")))) } }
                    td.num { (cx.tr.num(*bytes)) }
                    td { small.key { (sha) } }
                }
            } }
        }
        p {
            a href=(cx.asset("downloads/SHA256SUMS")) { "SHA256SUMS" } " · "
            @if signed { (cx.t("sums-signed")) } @else { (cx.t("sums-unsigned")) }
        }
        p { (cx.t("openapi")) " " a href=(cx.asset("v1/openapi.json")) { "v1/openapi.json" } }
        p { (cx.t("units-json")) " " a href=(cx.asset(&UnitRef::National.path())) { (UnitRef::National.path()) } }
        h2 { (cx.t("mirror-heading")) }
        p { (cx.t("mirror-intro")) }
        pre { code { (observer_commands(cx)) } }
    };
    layout(cx, &cx.t("nav-downloads"), body, &[])
}

fn public_url(cx: &Ctx<'_>) -> String {
    cx.snap.config.public_url.clone().unwrap_or_else(|| "https://SITE/".into())
}

fn observer_commands(cx: &Ctx<'_>) -> String {
    let url = public_url(cx);
    let key = cx.snap.config.log_vkey.trim();
    let trust: String =
        cx.snap.config.cosigners.iter().map(|c| format!(" \\\n    --cosigner '{}'", c.trim())).collect();
    let quorum = if cx.snap.config.cosigners.is_empty() {
        String::new()
    } else {
        format!(" --quorum {}", cx.snap.config.quorum)
    };
    format!(
        "testigo verify {url} --key '{key}'{trust}{quorum}\n\
         testigo mirror {url} M --key '{key}'{trust}{quorum} --photos\n\
         testigo verify M --key '{key}' --photos\n\
         testigo tally --dir M"
    )
}

/// `/{lang}/observers/`: the keys to trust, the cosigning policy, the latest
/// checkpoint and the commands that check everything on one's own computer.
pub fn observers(cx: &Ctx<'_>) -> Markup {
    let snap = cx.snap;
    let config = &snap.config;
    let body = html! {
        h1 { (cx.t("nav-observers")) }
        p { (cx.t("observers-intro")) }
        h2 { (cx.t("log-key")) }
        pre.key { code id="log-key" { (config.log_vkey.trim()) } }
        h2 { (cx.t("operator-key")) }
        pre.key { code { (snap.election.operator.trim()) } }
        h2 { (cx.t("cosigners")) }
        @if config.cosigners.is_empty() {
            p { (cx.t("cosigners-none")) }
        } @else {
            p { (cx.ta("cosigners-policy", &[("quorum", Arg::Num(config.quorum as u64)), ("n", Arg::Num(config.cosigners.len() as u64))])) }
            ul { @for c in &config.cosigners { li { pre.key { code { (c.trim()) } } } } }
        }
        h2 { (cx.t("latest-checkpoint")) }
        @match &snap.checkpoint {
            Some(c) => {
                p { (cx.ta("checkpoint-size", &[("size", Arg::Num(c.size))])) }
                @for (name, time) in &c.cosigned { p { (cx.ta("checkpoint-cosigned", &[("name", Arg::Str(name)), ("time", Arg::Str(&utc(*time)))])) } }
                pre.key { code { (c.note) } }
            }
            None => p { (cx.t("checkpoint-none")) }
        }
        h2 { (cx.t("check-yourself")) }
        p { (cx.t("check-yourself-intro")) }
        pre { code { (observer_commands(cx)) } }
    };
    layout(cx, &cx.t("nav-observers"), body, &[])
}
