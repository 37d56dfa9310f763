//! The HTML every page shares: the layout, the style sheet and its badge
//! table, the response, the list of choices for an ambiguous message id,
//! a record's review history. A leaf: it imports no page module, so the
//! search pages and the review pages both build on it without importing
//! each other. Markup is maud's, which escapes every value it is given
//! unless wrapped in `PreEscaped`, and is checked when it compiles. The few
//! `PreEscaped` values (in the page modules) are HTML built elsewhere and
//! escaped there: a search snippet (the index's), the report's chart (the
//! archive's), and the review page's field JSON.

use crate::{ApiError, Caller};
use airgram_access::{Label, Level};
use airgram_archive::review::History;
use airgram_model::Classification;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use maud::{html as markup, Markup, DOCTYPE};
use std::fmt::Write;

pub(crate) const CSS: &str = "
*{box-sizing:border-box}body{font:16px/1.5 system-ui,sans-serif;margin:0;color:#1b1b1b;background:#fafafa}
header.top{display:flex;gap:1rem;align-items:center;justify-content:space-between;padding:.6rem 1rem;background:#112e51;color:#fff}
header.top a{color:#fff}main{max-width:72rem;margin:0 auto;padding:1rem}
form.q{display:flex;gap:.5rem}form.q input[type=search]{flex:1;font-size:1.1rem;padding:.4rem}
button,input[type=submit]{font-size:1rem;padding:.35rem .8rem}
.layout{display:grid;grid-template-columns:16rem 1fr;gap:1.5rem}@media(max-width:48rem){.layout{grid-template-columns:1fr}}
.facets h3{font-size:.9rem;margin:.8rem 0 .2rem;text-transform:uppercase;color:#555}.facets ul{list-style:none;padding:0;margin:0}
.hit{background:#fff;border:1px solid #ddd;border-radius:4px;padding:.6rem .8rem;margin:.6rem 0}
.hit h2{font-size:1.05rem;margin:.2rem 0}.meta{color:#555;font-size:.9rem}mark{background:#ffe66d}
.banner{text-align:center;font-weight:700;letter-spacing:.1em;padding:.3rem;color:#fff}
.form{background:#fff;border:1px solid #999;padding:1rem;font-family:ui-monospace,monospace}
.form dl{display:grid;grid-template-columns:10rem 1fr;gap:.1rem .8rem;margin:0}.form dt{font-weight:700}
.body{white-space:pre-wrap;background:#fff;border:1px solid #ddd;padding:1rem;font-family:Georgia,serif}
.unresolved{color:#5f5f5f;text-decoration:underline dotted}.timeline li{margin:.3rem 0}
pre.source{white-space:pre-wrap;background:#fff;border:1px solid #ddd;padding:1rem}
pre.source span.hl{background:#ffe66d;outline:2px solid #e0a800}
.fields li{cursor:pointer}.fields li:hover,.fields li:focus{background:#eef}
.source-layout .fields{position:sticky;top:0;align-self:start;max-height:100vh;overflow:auto;list-style:none;padding:0}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:#fff;color:#000;padding:.5rem}
.err{color:#b50909;font-weight:700}.ok{color:#1d5e2c;font-weight:700}
.review-grid{display:grid;grid-template-columns:1fr 1fr;gap:1rem}.review-grid>section{max-height:80vh;overflow-y:scroll;border:1px solid #999;padding:0 .5rem .5rem;scrollbar-gutter:stable}
mark.redact{background:#222;color:#fff;outline:2px solid #000}mark.redact::after{content:' [' attr(data-codes) ']';background:#c8102e;color:#fff;font:700 .8rem system-ui,sans-serif;padding:0 .2rem;margin-left:.2rem}@media(max-width:60rem){.review-grid{grid-template-columns:1fr}}
.ftext,.pfield{white-space:pre-wrap;background:#fff;border:1px solid #ddd;padding:.5rem;font-family:Georgia,serif}
.ftext::selection{background:#f6b26b}.pending{background:#fff8e1;border:1px solid #e0a800;padding:.5rem 1rem}
table.queue{border-collapse:collapse;width:100%}table.queue td,table.queue th{border-bottom:1px solid #ddd;padding:.3rem;text-align:left;vertical-align:top}
.report{display:flex;flex-wrap:wrap;gap:2rem}del{background:#fdd}nav.pages a{margin-right:.6rem}
.inline{display:inline}.badge{display:inline;padding:0 .3rem}svg.graph{max-width:760px;background:#fff;border:1px solid #ddd}
";

/// The colours of a marking's badge (background, text): one row per
/// marking the model knows, so a new one cannot go unstyled. The colours
/// are the conventional cover-sheet ones (controlled unclassified in
/// purple); each pair keeps WCAG AA contrast (4.5:1), checked in the
/// browser flows.
fn badge_colors(c: Option<Classification>) -> (&'static str, &'static str) {
    match c {
        Some(Classification::Unclassified) => ("#007a33", "#fff"),
        Some(Classification::OfficialUseOnly | Classification::LimitedOfficialUse) => ("#502b85", "#fff"),
        Some(Classification::Confidential) => ("#0033a0", "#fff"),
        Some(Classification::Secret) => ("#c8102e", "#fff"),
        Some(Classification::TopSecret) => ("#ff8c00", "#000"),
        // Unmarked: no colour that could be read as a level.
        None => ("#555", "#fff"),
    }
}

/// The class naming a marking's badge: `LIMITED-OFFICIAL-USE`, `UNMARKED`.
fn badge_class(c: Option<Classification>) -> String {
    c.map_or("UNMARKED", Classification::as_str).replace(' ', "-")
}

/// The style sheet: the fixed rules, then a rule per marking from
/// [`badge_colors`].
pub(crate) fn css() -> &'static str {
    static CSS_ALL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    CSS_ALL.get_or_init(|| {
        let mut s = CSS.to_string();
        for c in Classification::ALL.map(Some).into_iter().chain([None]) {
            let (bg, fg) = badge_colors(c);
            let _ = write!(s, ".{}{{background:{bg};color:{fg}}}", badge_class(c));
        }
        s.push('\n');
        s
    })
}

/// The badge class of a level or marking name (`TOP SECRET` → `TOP-SECRET`).
pub(crate) fn level_class(c: Option<&str>) -> String {
    badge_class(Some(
        c.and_then(Classification::from_name)
            .unwrap_or(Classification::Unclassified),
    ))
}

/// A search hit's badge: the marking of the version found. A release of
/// a once-classified record says so, so the public sees at a glance that
/// it reads a release, not the original (whose marking follows, plain).
pub(crate) fn hit_badge(label: &Label, marking: Option<&str>) -> Markup {
    let original = marking.and_then(Classification::from_name);
    let now = Classification::from_name(label.level.as_str());
    if original.is_some_and(|c| Level::of(c) > label.level) {
        markup! {
            span class={"banner badge " (badge_class(now))} { (label.level.as_str()) " release" }
            " "
            span.originally { "originally " (marking.unwrap_or("")) }
        }
    } else {
        let class = match marking {
            Some(_) => badge_class(original.or(now)),
            None => badge_class(None),
        };
        markup! { span class={"banner badge " (class)} { (marking.unwrap_or("UNMARKED")) } }
    }
}

/// A whole page: the header (sign-in, or who is signed in and a sign-out
/// form), then `body`, which the page modules built and escaped.
pub(crate) fn layout(title: &str, caller: &Caller, csrf: &str, body: Markup) -> String {
    let reviewer = caller.role.is_some_and(|r| r.reviews());
    markup! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width,initial-scale=1";
                title { (title) " · airgram" }
                link rel="stylesheet" href="/static/airgram.css";
                link rel="icon" href="/favicon.ico" type="image/svg+xml";
            }
            body {
                a.skip href="#main" { "Skip to content" }
                header.top {
                    a href="/" { strong { "airgram" } }
                    nav {
                        @if let Some(name) = &caller.name {
                            @if reviewer { a href="/review" { "Review queue" } " " }
                            span { (name) " (" (caller.reader.clearance.as_str()) ")" }
                            " "
                            form.inline method="post" action="/signout" {
                                input type="hidden" name="csrf" value=(csrf);
                                button { "Sign out" }
                            }
                        } @else {
                            a href="/signin" { "Sign in" }
                        }
                    }
                }
                main id="main" { (body) }
            }
        }
    }
    .into_string()
}

pub(crate) fn html(status: StatusCode, page: String) -> Response {
    (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], page).into_response()
}

/// The records an ambiguous message id names, oldest first, as links
/// (`{prefix}{id}{suffix}`).
pub(crate) fn choices(e: &ApiError, prefix: &str, suffix: &str) -> Markup {
    let or = |x: &Option<String>| x.clone().unwrap_or_else(|| "-".into());
    markup! {
        h1 { "Several records" }
        p { (e.message) ":" }
        ul.choices {
            @for n in &e.choices {
                li {
                    a href={(prefix) (n.id) (suffix)} { (or(&n.message_id)) " · " (or(&n.date)) }
                    " "
                    span.meta { (or(&n.classification)) " · " (or(&n.subject)) }
                }
            }
        }
        p { a href="/" { "Back to search" } }
    }
}

/// A record's reviews as the reader may see them (the record page shows
/// the public statement; reviewers see detail).
pub(crate) fn history_html(h: &History) -> Markup {
    // A sentence, not a numbered first entry.
    if h.reviews.is_empty() {
        return markup! { p.timeline { "No reviews yet." } };
    }
    markup! {
        ol.timeline {
            @for i in &h.reviews {
                li {
                    strong { (if i.date.is_empty() { "undated" } else { &i.date }) }
                    " " (if i.historic { "stamp" } else { i.state.as_str() })
                    " " (i.what())
                    @if !i.codes.is_empty() { " — " (i.codes.join(", ")) }
                    @if let Some(o) = &i.office { " (" (o) ")" }
                    @if let Some(d) = &i.detail {
                        br;
                        small {
                            "proposed by " (d.proposer)
                            @if let Some(x) = &d.decider { ", settled by " (x) }
                            @if !d.comment.is_empty() { ": " (d.comment) }
                            @if !d.note.is_empty() { " [" (d.note) "]" }
                        }
                    }
                }
            }
        }
    }
}
