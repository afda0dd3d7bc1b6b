//! A table: every sheet side by side, who signed it, its flags in words, the
//! photo with its QR checks, and the in-browser verification of all of it.

use maud::{html, Markup, PreEscaped};
use serde_json::json;
use testigo_election::{Contest, QrCheck};

use super::{breadcrumbs, layout, state_badge, utc, Ctx};
use crate::i18n::Arg;
use crate::model::{SheetInfo, TableView};
use crate::paths::Page;

/// `/{lang}/t/{id}/`.
pub fn table(cx: &Ctx<'_>, view: &TableView) -> Markup {
    let snap = cx.snap;
    let geo = &snap.geo;
    let title = cx.ta("table-title", &[("id", Arg::Str(&view.id))]);
    let body = html! {
        (breadcrumbs(cx, Some(geo.table_unit(view.table)), Some(&view.id)))
        h1 { (title) }
        p {
            @match view.registered {
                Some(r) => (cx.ta("table-registered", &[("n", Arg::Num(r))])),
                None => (cx.t("table-registered-unknown")),
            }
        }
        (verify_box(cx, view))
        @for (ci, contest) in snap.election.contests.iter().enumerate() {
            @let sheets: Vec<&SheetInfo> = view.sheets.iter().filter(|s| s.contest == ci).collect();
            section aria-labelledby=(format!("contest-{ci}")) {
                h2 id=(format!("contest-{ci}")) { (contest.name) " " (state_badge(cx, snap.state(ci, view.table))) }
                @if sheets.is_empty() {
                    p { (cx.t("table-no-sheets")) }
                } @else {
                    (comparison(cx, contest, &sheets))
                    @for s in &sheets { (sheet_card(cx, s)) }
                }
            }
        }
    };
    layout(cx, &title, body, &["assets/js/page.js"])
}

/// The verdict area, and the configuration the browser's verifier reads:
/// the keys to trust (as printed on the observers page) and which entries
/// to check.
fn verify_box(cx: &Ctx<'_>, view: &TableView) -> Markup {
    let config = &cx.snap.config;
    let data = json!({
        "log": cx.page.root(),
        "logKey": config.log_vkey.trim(),
        "cosigners": config.cosigners.iter().map(|c| c.trim()).collect::<Vec<_>>(),
        "quorum": config.quorum,
        "sheets": view.sheets.iter().map(|s| json!({"index": s.index, "enrol": s.enrolled_at, "photo": s.photo})).collect::<Vec<_>>(),
        "text": {
            "pending": cx.t("verify-pending"),
            "verified": cx.t("verify-verified"),
            "failed": cx.t("verify-failed"),
            "checkpoint": cx.t("verify-step-checkpoint"),
            "sheet": cx.t("verify-step-sheet"),
            "photo": cx.t("verify-step-photo"),
            "consistent": cx.t("verify-step-consistent"),
            "first": cx.t("verify-step-first"),
            "qr": cx.t("verify-qr-payload"),
            "dataset": cx.t("verify-dataset"),
            "line": cx.t("verify-dataset-line"),
        },
    });
    // JSON inside <script> must not be able to close it.
    let text = data.to_string().replace('<', "\\u003c");
    html! {
        section.verify id="verify" aria-live="polite" {
            h2 { (cx.t("verify-heading")) }
            p id="verify-status" { (cx.t("verify-pending")) }
            ul id="verify-steps" {}
            noscript { p { (cx.t("verify-noscript")) } }
            p.muted { (cx.t("verify-trust")) " " a href=(cx.href(&Page::Observers)) { (cx.t("verify-keys-link")) } }
        }
        script id="verify-config" type="application/json" { (PreEscaped(text)) }
    }
}

/// The counts of every sheet side by side; a cell that differs from the
/// first current sheet's is marked (in words for screen readers, not only colour).
fn comparison(cx: &Ctx<'_>, contest: &Contest, sheets: &[&SheetInfo]) -> Markup {
    let reference = sheets.iter().find(|s| s.superseded_by.is_none()).unwrap_or(&sheets[0]);
    // (label, key the browser checks the cell against, each sheet's value, the reference value)
    type Row = (String, String, Vec<Option<u64>>, Option<u64>);
    let mut rows: Vec<Row> = contest
        .candidates
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let value = |s: &SheetInfo| s.votes.get(i).copied().filter(|_| !s.not_reported.contains(&(i as u16)));
            let values = sheets.iter().map(|s| value(s)).collect();
            (c.name.clone(), c.id.clone(), values, value(reference))
        })
        .collect();
    rows.push((cx.t("null-votes"), "null".into(), sheets.iter().map(|s| s.null).collect(), reference.null));
    let any_unreported = rows.iter().any(|(_, _, values, _)| values.iter().any(Option::is_none));
    if sheets.iter().any(|s| s.blank.is_some()) {
        rows.push((cx.t("blank-votes"), "blank".into(), sheets.iter().map(|s| s.blank).collect(), reference.blank));
    }
    html! {
        div.scroll {
            table.compare {
                caption {
                    (cx.t("compare-caption"))
                    @if any_unreported { br; small { (cx.t("compare-not-reported")) } }
                }
                thead { tr {
                    th scope="col" { (cx.t("candidate")) }
                    @for s in sheets {
                        th scope="col" {
                            a href={ "#sheet-" (s.index) } { (cx.ta("sheet-short", &[("index", Arg::Id(s.index))])) }
                            br; small { (s.organisation) }
                            @if s.superseded_by.is_some() { br; small { (cx.t("superseded")) } }
                        }
                    }
                } }
                tbody {
                    @for (name, key, values, reference) in &rows {
                        tr {
                            th scope="row" { (name) }
                            @for (s, v) in sheets.iter().zip(values) {
                                // A figure one sheet does not report (–) differs from nothing.
                                @let differs = v.is_some() && reference.is_some() && v != reference;
                                td.num.differs[differs] data-s=(s.index) data-k=(key) data-n=(v.map(|v| v.to_string()).unwrap_or_default()) {
                                    @match v { Some(v) => (cx.tr.num(*v)), None => "–" }
                                    @if differs { span.sr-only { " " (cx.t("differs")) } }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// One sheet: provenance, flags, correction chain, photo and QR checks.
fn sheet_card(cx: &Ctx<'_>, s: &SheetInfo) -> Markup {
    html! {
        article.sheet id={ "sheet-" (s.index) } {
            h3 { (cx.ta("sheet-heading", &[("index", Arg::Id(s.index))])) }
            dl {
                dt { (cx.t("signed-by")) }
                dd { (s.holder) " · " (s.organisation) " · " (cx.t(&format!("role-{}", s.role))) br; small.key { (s.key_name) } }
                dt { (cx.t("source")) }
                dd { (cx.t(&format!("source-{}", s.source))) }
                dt { (cx.t("signed-at")) }
                dd { (utc(s.signed_at)) }
                dt { (cx.t("log-entry")) }
                dd {
                    (cx.ta("log-entry-value", &[("index", Arg::Id(s.index)), ("enrol", Arg::Id(s.enrolled_at))]))
                    @if cx.receipts {
                        " · " a href=(cx.asset(&format!("v1/receipts/{}", s.index))) { (cx.t("receipt")) }
                    }
                }
                @if let Some(prev) = s.supersedes {
                    dt { (cx.t("corrects")) }
                    dd { a href={ "#sheet-" (prev) } { (cx.ta("sheet-short", &[("index", Arg::Id(prev))])) } }
                }
                @if let Some(next) = s.superseded_by {
                    dt { (cx.t("corrected-by")) }
                    dd { a href={ "#sheet-" (next) } { (cx.ta("sheet-short", &[("index", Arg::Id(next))])) } }
                }
                dt { (cx.t("flags")) }
                dd {
                    @if s.flags.is_empty() { (cx.t("flags-none")) } @else {
                        ul.flags { @for f in &s.flags { li { strong { (f) } ": " (cx.t(&format!("flag-{f}"))) } } }
                    }
                }
                @if let Some(q) = &s.qr { dt { (cx.t("qr-sheet")) } dd { (qr_check(cx, q)) } }
                @if let Some(q) = &s.photo_qr { dt { (cx.t("qr-photo")) } dd { (qr_check(cx, q)) } }
            }
            pre.qr-payload hidden data-qr-for=(s.index) {}
            p.provenance hidden data-dataset-for=(s.index) {}
            @if let Some(h) = &s.photo {
                figure {
                    @let url = cx.asset(&format!("blob/sha256/{h}"));
                    a href=(url) { img src=(url) loading="lazy" alt=(cx.ta("photo-alt", &[("index", Arg::Id(s.index))])); }
                    figcaption { (cx.t("photo-caption")) br; small.key { "SHA-256 " (h) } }
                }
            }
        }
    }
}

/// A QR check in words.
fn qr_check(cx: &Ctx<'_>, q: &QrCheck) -> Markup {
    html! {
        (cx.t(&format!("qr-{}", q.outcome.as_str())))
        @if let Some(f) = q.format { " (" (f) ")" }
        @if let Some(sig) = q.signature { " · " (cx.t(&format!("qr-signature-{}", sig.as_str()))) }
        @if let Some(why) = &q.why { br; small { (why.as_ref()) } }
        @if let Some(r) = q.reading { br; small { (cx.ta("qr-reading", &[("index", Arg::Id(r))])) } }
    }
}
