//! The national result and every unit of the geography, drilled down.

use maud::{html, Markup};
use testigo_election::UnitIx;

use super::{breadcrumbs, candidate_name, layout, level_name, state_badge, unit_summary, utc, Ctx};
use crate::i18n::Arg;
use crate::paths::Page;
use crate::unit_json::UnitRef;

/// `/{lang}/`: the national result per contest, the first level of units,
/// and the checkpoint the numbers come from.
pub fn home(cx: &Ctx<'_>) -> Markup {
    let snap = cx.snap;
    let top: Vec<UnitIx> = snap.geo.units().filter(|u| snap.geo.unit_parent(*u).is_none()).collect();
    let body = html! {
        h1 { (snap.election.name) }
        p.lead { (cx.ta("home-intro", &[("date", Arg::Str(&snap.election.date))])) }
        (search_form(cx, ""))
        (checkpoint_box(cx))
        @for (ci, contest) in snap.election.contests.iter().enumerate() {
            @if let Some(c) = snap.report.contests.get(ci) {
                section aria-labelledby=(format!("contest-{ci}")) {
                    h2 id=(format!("contest-{ci}")) { (contest.name) }
                    (unit_summary(cx, contest, &c.national, true))
                    @if !c.official.is_empty() {
                        p { a href=(cx.href(&Page::Bulletins)) { (cx.ta("home-bulletins", &[("n", Arg::Num(c.official.len() as u64))])) } }
                    }
                }
            }
        }
        (children_list(cx, &top, None))
    };
    layout(cx, &cx.t("nav-results"), body, &[])
}

/// `/{lang}/u/{id}/`: one unit, the same view as the national one, then
/// its sub-units or its tables.
pub fn unit(cx: &Ctx<'_>, u: UnitIx) -> Markup {
    let snap = cx.snap;
    let geo = &snap.geo;
    let children: Vec<UnitIx> = geo.unit_children(u).collect();
    let name = geo.unit_name(u);
    let body = html! {
        (breadcrumbs(cx, geo.unit_parent(u), Some(name)))
        h1 { span.level { (level_name(cx, geo.unit_level(u))) } " " (name) }
        p.muted {
            (cx.ta("unit-id", &[("id", Arg::Str(geo.unit_id(u)))])) " · "
            a href=(cx.asset(&UnitRef::Unit(geo.unit_id(u).to_string()).path())) { (cx.t("unit-json")) }
        }
        @for (ci, contest) in snap.election.contests.iter().enumerate() {
            @if let Some(r) = snap.unit_report(ci, u) {
                section aria-labelledby=(format!("contest-{ci}")) {
                    h2 id=(format!("contest-{ci}")) { (contest.name) }
                    (unit_summary(cx, contest, r, false))
                }
            }
        }
        @if !children.is_empty() { (children_list(cx, &children, Some(u))) }
        @if geo.unit_tables(u).len() > 0 { (tables_list(cx, u)) }
    };
    layout(cx, name, body, &[])
}

/// The sub-units of a unit (or the top level) with their reporting and
/// leader in the first contest, each linked.
fn children_list(cx: &Ctx<'_>, units: &[UnitIx], parent: Option<UnitIx>) -> Markup {
    let snap = cx.snap;
    let geo = &snap.geo;
    let level = units.first().map(|u| level_name(cx, geo.unit_level(*u))).unwrap_or_default();
    let contest = snap.election.contests.first();
    // Whether any row's table count is unknown (the note says what "listed" means).
    let complete = units.iter().all(|u| snap.unit_report(0, *u).is_none_or(super::count_is_known));
    html! {
        section aria-labelledby="children" {
            h2 id="children" { (cx.ta("children-heading", &[("level", Arg::Str(&level)), ("n", Arg::Num(units.len() as u64))])) }
            @if parent.is_none() && units.is_empty() { p { (cx.t("no-units")) } }
            @if !complete { p.muted { (cx.t("coverage-list-incomplete-rows")) } }
            div.scroll { table.units {
                thead { tr {
                    th scope="col" { (level) }
                    th scope="col" { (cx.t("tables-reporting")) }
                    th scope="col" { (cx.t("leader")) }
                } }
                tbody {
                    @for u in units {
                        @let r = snap.unit_report(0, *u);
                        tr {
                            th scope="row" { a href=(cx.href(&Page::Unit(geo.unit_id(*u).to_string()))) { (geo.unit_name(*u)) } }
                            td.num { @if let Some(r) = r {
                                @let id = if super::count_is_known(r) { "coverage-tables-value" } else { "coverage-tables-listed-short" };
                                (cx.ta(id, &[("reporting", Arg::Num(r.tables.reporting)), ("total", Arg::Num(r.tables.total))]))
                            } }
                            td { @if let (Some(r), Some(contest)) = (r, contest) {
                                @if let Some(l) = &r.certainty.leader { (candidate_name(contest, l)) }
                            } }
                        }
                    }
                }
            } }
        }
    }
}

/// The tables of a unit, each with its state badge.
fn tables_list(cx: &Ctx<'_>, u: UnitIx) -> Markup {
    let geo = &cx.snap.geo;
    let tables: Vec<_> = geo.unit_tables(u).collect();
    html! {
        section aria-labelledby="tables" {
            h2 id="tables" { (cx.ta("tables-heading", &[("n", Arg::Num(tables.len() as u64))])) }
            ul.tables {
                @for t in tables {
                    li {
                        a href=(cx.href(&Page::Table(geo.table_id(t).to_string()))) { (geo.table_id(t)) }
                        " " (state_badge(cx, cx.snap.table_badge(t)))
                    }
                }
            }
        }
    }
}

/// The latest checkpoint: size, time, who cosigned it.
fn checkpoint_box(cx: &Ctx<'_>) -> Markup {
    html! {
        aside.checkpoint {
            @match &cx.snap.checkpoint {
                Some(c) => {
                    p { (cx.ta("checkpoint-size", &[("size", Arg::Num(c.size))])) }
                    @if c.cosigned.is_empty() {
                        p { (cx.t("checkpoint-no-cosigners")) }
                    } @else {
                        ul { @for (name, time) in &c.cosigned {
                            li { (cx.ta("checkpoint-cosigned", &[("name", Arg::Str(name)), ("time", Arg::Str(&utc(*time)))])) }
                        } }
                    }
                    p { a href=(cx.href(&Page::Observers)) { (cx.t("checkpoint-check-yourself")) } }
                }
                None => p { (cx.t("checkpoint-none")) }
            }
        }
    }
}

/// The search form, with `q` filled in.
pub fn search_form(cx: &Ctx<'_>, q: &str) -> Markup {
    html! {
        form.search role="search" method="get" action=(cx.href(&Page::Search)) {
            label for="q" { (cx.t("search-label")) }
            div.row {
                input id="q" name="q" type="search" value=(q) autocomplete="off" placeholder=(cx.t("search-placeholder"));
                button type="submit" { (cx.t("search-button")) }
            }
        }
    }
}
