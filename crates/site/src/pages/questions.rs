//! `/{lang}/questions.html`: questioning the numbers. Election forensics of
//! the counted tables with what each test can and cannot show, what a
//! risk-limiting audit would hand-count, and where each logged audit stands.

use maud::{html, Markup};
use testigo_audit::batch::Verdict;
use testigo_forensics::digits::DigitTest;
use testigo_forensics::{GroupReport, Report};

use super::{candidate_name, layout, level_name, Ctx};
use crate::i18n::Arg;
use crate::paths::{chart_href, Page};
use crate::questions::{AuditView, Questions, MIN_TABLES, PLAN_RISK_LIMIT};

/// The page.
pub fn questions(cx: &Ctx<'_>) -> Markup {
    let snap = cx.snap;
    let q = snap.questions();
    let contest_name = snap.election.contests.first().map_or("", |c| c.name.as_str());
    let body = html! {
        h1 { (cx.t("nav-questions")) }
        p { (cx.ta("questions-intro", &[("contest", Arg::Str(contest_name)), ("size", Arg::Num(q.log_size))])) }
        h2 { (cx.t("questions-forensics")) }
        @match &q.forensics {
            Some(r) => (forensics(cx, q, r)),
            None => p { (cx.ta("questions-too-few", &[("n", Arg::Num(q.tables)), ("min", Arg::Num(MIN_TABLES))])) },
        }
        h2 { (cx.t("audit-head")) }
        (audit_plan(cx, q))
        h3 { (cx.t("audits-logged")) }
        @if snap.audits.is_empty() {
            p { (cx.t("audits-none")) }
        } @else {
            @for a in &snap.audits { (logged_audit(cx, a)) }
        }
        h3 { (cx.t("questions-rerun")) }
        pre { code { "testigo forensics --dir M --out charts/\ntestigo audit plan --dir M\ntestigo audit status --dir M" } }
    };
    layout(cx, &cx.t("nav-questions"), body, &[])
}

/// Whether a p-value departs from the expectation, in words.
fn reading(cx: &Ctx<'_>, p: f64) -> String {
    cx.t(if p < 0.001 {
        "reading-departs-clearly"
    } else if p < 0.05 {
        "reading-departs"
    } else {
        "reading-consistent"
    })
}

/// A chart shown as its PNG (light on a phone), linking to its SVG (sharp at any zoom).
fn chart(cx: &Ctx<'_>, stem: &str, caption: &str) -> Markup {
    let href = |ext: &str| cx.asset(&chart_href(cx.tr.lang, &format!("{stem}.{ext}")));
    html! {
        figure.chart {
            a href=(href("svg")) {
                img src=(href("png")) alt=(caption) loading="lazy";
            }
            figcaption { (caption) }
        }
    }
}

fn forensics(cx: &Ctx<'_>, q: &Questions, r: &Report) -> Markup {
    let tr = &cx.tr;
    let o = &r.overall;
    let leader = r.leader.as_str();
    let second = |t: &DigitTest| {
        cx.ta(
            "stat-2bl",
            &[
                ("mean", Arg::Str(&tr.dec(t.mean.value, 3))),
                ("lo", Arg::Str(&tr.dec(t.mean.ci[0], 3))),
                ("hi", Arg::Str(&tr.dec(t.mean.ci[1], 3))),
                ("expected", Arg::Str(&tr.dec(t.expected_mean, 3))),
                ("chi2", Arg::Str(&tr.dec(t.chi2, 2))),
                ("df", Arg::Num(u64::from(t.df))),
            ],
        )
    };
    let last = |t: &DigitTest, c05s: f64| {
        cx.ta(
            "stat-last",
            &[
                ("chi2", Arg::Str(&tr.dec(t.chi2, 2))),
                ("df", Arg::Num(u64::from(t.df))),
                ("share", Arg::Str(&tr.dec(100.0 * c05s, 1))),
            ],
        )
    };
    let d = &o.digits;
    let rows = [
        (cx.t("test-2bl-voters"), &d.voters.second_digit, second(&d.voters.second_digit)),
        (cx.t("test-last-voters"), &d.voters.last_digit, last(&d.voters.last_digit, d.voters.c05s.value)),
        (
            cx.ta("test-2bl-leader", &[("leader", Arg::Str(leader))]),
            &d.leader.second_digit,
            second(&d.leader.second_digit),
        ),
        (
            cx.ta("test-last-leader", &[("leader", Arg::Str(leader))]),
            &d.leader.last_digit,
            last(&d.leader.last_digit, d.leader.c05s.value),
        ),
    ];
    let i = &o.integer;
    let z = if i.integer_excess_sd > 0.0 { i.integer_excess / i.integer_excess_sd } else { 0.0 };
    html! {
        details open {
            summary { (cx.t("questions-caveats")) }
            ul {
                li { (cx.t("caveat-proof")) }
                li { (cx.t("caveat-digits")) }
                li { (cx.t("caveat-fingerprint")) }
                li { (cx.t("caveat-integer")) }
            }
        }
        h3 { (cx.t("digits-head")) }
        p { (cx.ta("digits-intro", &[("n", Arg::Num(q.tables))])) }
        div.scroll { table {
            thead { tr {
                th scope="col" { (cx.t("col-test")) }
                th scope="col" { (cx.t("col-tables")) }
                th scope="col" { (cx.t("col-statistic")) }
                th scope="col" { (cx.t("col-p")) }
                th scope="col" { (cx.t("col-reading")) }
            } }
            tbody {
                @for (name, test, stat) in &rows {
                    tr {
                        th scope="row" { (name) }
                        td.num { (tr.num(test.n)) }
                        td { (stat) }
                        td.num { (tr.p_value(test.p)) }
                        td { (reading(cx, test.p)) }
                    }
                }
            }
        } }
        (chart(cx, "second-digit", &cx.t("chart-second-digit")))
        (chart(cx, "last-digit", &cx.t("chart-last-digit")))
        h3 { (cx.t("fingerprint-head")) }
        p { (cx.ta("fingerprint-text", &[
            ("n", Arg::Num(o.corner.n)),
            ("corner", Arg::Num(o.corner.count)),
            ("share", Arg::Str(&tr.dec(100.0 * o.corner.share, 2))),
            ("leader", Arg::Str(leader)),
        ])) }
        @if r.fingerprint.turnout_over_one > 0 {
            p { (cx.ta("fingerprint-over", &[("n", Arg::Num(r.fingerprint.turnout_over_one))])) }
        }
        (chart(cx, "fingerprint", &cx.t("chart-fingerprint-caption")))
        (chart(cx, "turnout", &cx.t("chart-turnout")))
        (chart(cx, "leader-share", &cx.ta("chart-leader-share-caption", &[("leader", Arg::Str(leader))])))
        h3 { (cx.t("integer-head")) }
        p {
            (cx.ta("integer-text", &[
                ("n", Arg::Num(i.units)),
                ("excess", Arg::Str(&tr.dec(i.integer_excess, 1))),
                ("sd", Arg::Str(&tr.dec(i.integer_excess_sd, 1))),
                ("z", Arg::Str(&tr.dec(z, 1))),
                ("replicates", Arg::Num(i.replicates as u64)),
            ]))
            " "
            (cx.t(if z.abs() >= 3.29 { "integer-significant" } else { "integer-not-significant" }))
        }
        @if !r.groups.is_empty() {
            h3 { (cx.ta("groups-head", &[("level", Arg::Str(&level_name(cx, 0)))])) }
            div.scroll { table {
                thead { tr {
                    th scope="col" { (level_name(cx, 0)) }
                    th scope="col" { (cx.t("col-tables")) }
                    th scope="col" { (cx.t("col-2bl-mean")) }
                    th scope="col" { (cx.t("col-2bl-p")) }
                    th scope="col" { (cx.t("col-last-p")) }
                    th scope="col" { (cx.t("col-integer")) }
                } }
                tbody { @for g in &r.groups { (group_row(cx, g)) } }
            } }
        }
        p.muted { (cx.ta("forensics-settings", &[
            ("seed", Arg::Id(r.settings.seed)),
            ("bootstrap", Arg::Num(r.settings.bootstrap as u64)),
            ("replicates", Arg::Num(r.settings.replicates as u64)),
        ])) }
    }
}

fn group_row(cx: &Ctx<'_>, g: &GroupReport) -> Markup {
    let tr = &cx.tr;
    let d = &g.digits.voters;
    let i = &g.integer;
    html! {
        tr {
            th scope="row" { (g.group.as_deref().unwrap_or("")) }
            td.num { (tr.num(g.units)) }
            td.num { (tr.dec(d.second_digit.mean.value, 3)) }
            td.num { (tr.p_value(d.second_digit.p)) }
            td.num { (tr.p_value(d.last_digit.p)) }
            td.num { (tr.dec(i.integer_excess, 1)) " ± " (tr.dec(i.integer_excess_sd, 1)) }
        }
    }
}

fn audit_plan(cx: &Ctx<'_>, q: &Questions) -> Markup {
    let tr = &cx.tr;
    let Some(contest) = cx.snap.election.contests.first() else { return html! {} };
    match &q.plan {
        Ok((plan, batches)) => html! {
            p { (cx.ta("audit-plan", &[
                ("risk", Arg::Str(&tr.pct(Some(100.0 * PLAN_RISK_LIMIT)))),
                ("tables", Arg::Num(batches.batches.len() as u64)),
                ("draws", Arg::Num(plan.draws)),
                ("distinct", Arg::Num(plan.expected_tables.round() as u64)),
                ("winner", Arg::Str(contest.candidates.get(plan.winner).map_or("?", |c| c.name.as_str()))),
                ("runner", Arg::Str(contest.candidates.get(plan.runner_up).map_or("?", |c| c.name.as_str()))),
            ])) }
            p { (cx.ta("audit-bravo", &[("ballots", Arg::Num(plan.bravo_ballots))])) }
            p { (cx.t("audit-scope")) }
        },
        Err(why) => html! { p { (cx.ta("audit-no-plan", &[("why", Arg::Str(why))])) } },
    }
}

fn logged_audit(cx: &Ctx<'_>, a: &AuditView) -> Markup {
    let tr = &cx.tr;
    let s = &a.seed;
    let contest = cx.snap.election.contests.iter().find(|c| c.id == s.contest);
    html! {
        section.audit {
            p { (cx.ta("audit-opened", &[
                ("index", Arg::Id(a.index)),
                ("contest", Arg::Str(contest.map_or(s.contest.as_str(), |c| c.name.as_str()))),
                ("risk", Arg::Str(&tr.pct(Some(f64::from(s.risk_limit_ppm) / 1e4)))),
                ("dice", Arg::Str(&s.dice)),
                ("size", Arg::Num(s.checkpoint_size)),
            ])) }
            @match &a.progress {
                Ok(p) => {
                    @let counted = p.draws.iter().filter(|d| d.counted.is_some()).count() as u64;
                    @let code = p.verdict_code();
                    p { (cx.ta("audit-progress", &[
                        ("draws", Arg::Num(p.draws.len() as u64)),
                        ("counted", Arg::Num(counted)),
                        ("hand", Arg::Num(a.hand_counts)),
                        ("p", Arg::Str(&tr.dec(p.p_value, 4))),
                    ])) }
                    p class=(if code == "risk_limit_met" { "ok" } else if code == "full_hand_count" { "bad" } else { "" }) {
                        strong { (cx.t(&format!("audit-verdict-{code}"))) }
                    }
                    @if matches!(p.verdict, Verdict::DrawMore(_)) {
                        @let next: Vec<&str> = p.draws.iter().filter(|d| d.counted.is_none()).map(|d| d.table.as_str()).collect();
                        @if !next.is_empty() {
                            p { (cx.t("audit-next")) }
                            ul.tables { @for t in next {
                                li { a href=(cx.href(&Page::Table(t.to_string()))) { (t) } }
                            } }
                        }
                    }
                    @if let Some(c) = contest {
                        p.muted { (cx.ta("audit-pair", &[
                            ("winner", Arg::Str(candidate_name(c, c.candidates.get(p.winner).map_or("", |x| x.id.as_str())))),
                            ("runner", Arg::Str(candidate_name(c, c.candidates.get(p.runner_up).map_or("", |x| x.id.as_str())))),
                        ])) }
                    }
                }
                Err(why) => p.bad { (cx.ta("audit-error", &[("why", Arg::Str(why))])) },
            }
        }
    }
}
