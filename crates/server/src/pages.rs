//! Server-rendered pages: plain HTML that reads without JavaScript; a few
//! lines of script add span highlighting on the source view.

use crate::parts::{choices, history_html, hit_badge, html, layout, level_class};
use crate::{url_encode, ApiError, Caller, SearchParams, MAX_PAGE, PAGE_SIZE};
use airgram_archive::views::{Graph, RecordView};
use airgram_index::SearchResult;
use axum::http::StatusCode;
use axum::response::Response;
use maud::{html as markup, Markup, PreEscaped};
use std::fmt::Write;

/// The source page's span highlighting: hovering or focusing a field
/// lights the source spans it came from.
pub(crate) const SOURCE_JS: &str = "document.querySelectorAll('.fields li').forEach(li=>{const f=li.dataset.field;const on=b=>{let first=true;document.querySelectorAll('pre.source span[data-f]').forEach(e=>{if(!e.dataset.f.split(' ').includes(f))return;e.classList.toggle('hl',b);if(b&&first){first=false;e.scrollIntoView({block:'nearest'})}})};li.addEventListener('mouseenter',()=>on(true));li.addEventListener('mouseleave',()=>on(false));li.addEventListener('focus',()=>on(true));li.addEventListener('blur',()=>on(false));});";

pub fn sign_in_page(csrf: &str, error: Option<&str>, status: StatusCode) -> Response {
    let public = Caller {
        reader: airgram_access::Reader::public(),
        name: None,
        role: None,
    };
    let body = markup! {
        h1 { "Sign in" }
        @if let Some(e) = error { p.err role="alert" { (e) } }
        form method="post" action="/signin" {
            input type="hidden" name="csrf" value=(csrf);
            p { label { "User " input name="user" autocomplete="username" required; } }
            p { label { "Password " input name="password" type="password" autocomplete="current-password" required; } }
            p { button { "Sign in" } }
        }
    };
    html(status, layout("Sign in", &public, csrf, body))
}

pub fn error_page(caller: &Caller, csrf: &str, status: StatusCode, message: &str) -> Response {
    let body = markup! {
        h1 { (status.as_u16()) }
        p { (message) }
        p { a href="/" { "Back to search" } }
    };
    html(
        status,
        layout(status.canonical_reason().unwrap_or("Error"), caller, csrf, body),
    )
}

/// A failed record page: the error, or, when the message id typed names
/// several records the caller may see, those records as links
/// (`/records/{id}{suffix}`, the same view of each) to choose from.
pub fn record_error_page(caller: &Caller, csrf: &str, e: &ApiError, suffix: &str) -> Response {
    if e.choices.is_empty() {
        return error_page(caller, csrf, e.status(), &e.message);
    }
    html(
        e.status(),
        layout("Several records", caller, csrf, choices(e, "/records/", suffix)),
    )
}

fn search_link(p: &SearchParams, extra_fq: Option<&str>, page: Option<usize>) -> String {
    let mut s = format!("/?q={}", url_encode(&p.q));
    for f in &p.fq {
        let _ = write!(s, "&fq={}", url_encode(f));
    }
    if let Some(f) = extra_fq {
        let _ = write!(s, "&fq={}", url_encode(f));
    }
    if let Some(sort) = &p.sort {
        let _ = write!(s, "&sort={}", url_encode(sort));
    }
    if let Some(pg) = page {
        let _ = write!(s, "&page={pg}");
    }
    s
}

/// Facet values listed beside the results; the histogram reads all years.
pub const FACETS_SHOWN: usize = 10;

/// Results per year as a date axis: a bar for every year from the first
/// to the last, empty years too, so gaps read as gaps.
fn histogram(res: &SearchResult) -> Markup {
    let Some(years) = res.facets.get("year") else {
        return Markup::default();
    };
    let counted: std::collections::BTreeMap<i32, u64> = years
        .iter()
        .filter_map(|(y, n)| Some((y.parse().ok().filter(|y| (1..=9999).contains(y))?, *n)))
        .collect();
    let (Some(&first), Some(&last)) = (counted.keys().next(), counted.keys().next_back()) else {
        return Markup::default();
    };
    let n = (last - first + 1) as usize;
    let max = counted.values().copied().max().unwrap_or(1).max(1);
    // A fixed width, as wide as the facet column; bars share it.
    let width = 240.0;
    let w = width / n as f64;
    // Labels: both ends and the decades (or every year of a short range),
    // none crowding an end.
    let step = if n <= 8 {
        1
    } else if n <= 40 {
        10
    } else {
        50
    };
    let f2 = |x: f64| format!("{x:.2}");
    markup! {
        svg role="img" aria-label={"Results by year, " (first) " to " (last)} width="100%" viewBox={"0 0 " (width) " 96"} class="histogram" {
            @for (i, y) in (first..=last).enumerate() {
                @let c = counted.get(&y).copied().unwrap_or(0);
                @let h = (c as f64 / max as f64 * 60.0).round();
                rect x=(f2(i as f64 * w + w * 0.1)) y=(70.0 - h) width=(f2(w * 0.8)) height=(h) fill="#112e51" data-year=(y) {
                    title { (y) ": " (c) }
                }
                @let near_end = (y - first) < 4 || (last - y) < 4;
                @if y == first || y == last || (y % step == 0 && !near_end) {
                    @let (anchor, x) = if y == first && n > 1 {
                        ("start", i as f64 * w)
                    } else if y == last && n > 1 {
                        ("end", (i + 1) as f64 * w)
                    } else {
                        ("middle", i as f64 * w + w / 2.0)
                    };
                    line x1=(f2(x)) x2=(f2(x)) y1="70" y2="74" stroke="#555" {}
                    text x=(f2(x)) y="86" font-size="10" text-anchor=(anchor) { (y) }
                }
            }
            line x1="0" x2="240" y1="70.5" y2="70.5" stroke="#555" {}
        }
    }
}

pub fn search_page(caller: &Caller, csrf: &str, p: &SearchParams, res: Result<SearchResult, ApiError>) -> Response {
    let form = markup! {
        h1 { "Search the archive" }
        form.q role="search" action="/" {
            label.skip for="q" { "Query" }
            input id="q" type="search" name="q" value=(p.q) placeholder="cuba OR berlin  from:\"USRO PARIS\"  date:1962-10..1962-11";
            button { "Search" }
        }
        details {
            summary { "Query syntax" }
            p {
                "Words match anywhere; " code { "\"exact phrase\"" } "; " code { "AND" } ", " code { "OR" } ", "
                code { "NOT" } " or " code { "-word" } "; " code { "prefix*" } "; fields "
                code { "from: to: subject: type: classification: series: person: message:" } "; dates "
                code { "date:1962" } ", " code { "date:1962-10..1962-11" } "."
            }
        }
    };
    let res = match res {
        Ok(r) => r,
        Err(e) => {
            let body = markup! { (form) p.err role="alert" { (e.message) } };
            return html(e.status(), layout("Search", caller, csrf, body));
        }
    };
    let without = |f: &String| SearchParams {
        q: p.q.clone(),
        fq: p.fq.iter().filter(|x| *x != f).cloned().collect(),
        facets: None,
        sort: p.sort.clone(),
        page: None,
    };
    fn field_of(name: &str) -> &str {
        match name {
            "originator" => "from",
            "addressee" => "to",
            other => other,
        }
    }
    // A year filters by date; the other facets by their field.
    let filter = |name: &str, v: &str| {
        if name == "year" {
            format!("date:{v}")
        } else {
            format!("{}:{v}", field_of(name))
        }
    };
    let page = p.page.unwrap_or(1);
    // No page past the last one served: beyond it results would repeat.
    let pages = res.total.div_ceil(PAGE_SIZE).min(MAX_PAGE);
    let body = markup! {
        (form)
        @for f in &p.fq {
            p { "Filter " strong { (f) } " " a href=(search_link(&without(f), None, None)) { "remove" } }
        }
        div.layout {
            aside.facets aria-label="Filters" {
                (histogram(&res))
                @for (name, vals) in &res.facets {
                    @if !vals.is_empty() {
                        h3 { (name) }
                        ul {
                            @for (v, n) in vals.iter().take(FACETS_SHOWN) {
                                li { a href=(search_link(p, Some(&filter(name, v)), None)) { (v) } " (" (n) ")" }
                            }
                        }
                    }
                }
            }
            section aria-label="Results" {
                p { (res.total) " result" @if res.total != 1 { "s" } }
                @for h in &res.hits {
                    article.hit {
                        div.meta {
                            (hit_badge(&h.label, h.classification.as_deref()))
                            " " (h.date.as_deref().unwrap_or("undated"))
                            " · " (h.message_id.as_deref().unwrap_or("—"))
                            " · " (h.from.as_deref().unwrap_or("?"))
                            " → " (h.to.join(", "))
                        }
                        h2 { a href={"/records/" (h.id)} { (h.subject.as_deref().or(h.message_id.as_deref()).unwrap_or(&h.id)) } }
                        // The index escaped the snippet and marked the hits.
                        p { (PreEscaped(&h.snippet)) }
                    }
                }
                nav.pages aria-label="Pages" {
                    @if page > 1 { a rel="prev" href=(search_link(p, None, Some(page - 1))) { "← previous" } }
                    @if page < pages { a rel="next" href=(search_link(p, None, Some(page + 1))) { "next →" } }
                    span { "page " (page) " of " (pages.max(1)) }
                    @if res.total > MAX_PAGE * PAGE_SIZE {
                        " " span { "(the first " (MAX_PAGE * PAGE_SIZE) " results are shown; narrow the search to see the rest)" }
                    }
                }
            }
        }
    };
    html(StatusCode::OK, layout("Search", caller, csrf, body))
}

/// Text with a transcription's strike-through (`~~word~~`, on one line)
/// shown struck, as the typist struck it.
fn struck(text: &str) -> Markup {
    let mut pieces: Vec<(bool, &str)> = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("~~") {
        let after = &rest[i + 2..];
        match after.find("~~") {
            Some(j) if j > 0 && !after[..j].contains('\n') && !after[..j].starts_with('~') => {
                pieces.push((false, &rest[..i]));
                pieces.push((true, &after[..j]));
                rest = &after[j + 2..];
            }
            _ => {
                pieces.push((false, &rest[..i + 2]));
                rest = after;
            }
        }
    }
    pieces.push((false, rest));
    markup! {
        @for (strike, t) in pieces {
            @if strike { s title="struck through in the original" { (t) } } @else { (t) }
        }
    }
}

/// The body with every cited message a link (resolved) or marked unresolved.
fn linked_body(body: &str, resolved: &[(String, Option<String>)]) -> Markup {
    let cites = airgram_archive::cites_in(body);
    let mut at = 0;
    // (text before, cite text, cite id): the last has no cite.
    let mut pieces: Vec<(&str, &str, String)> = Vec::new();
    for (start, end, id) in cites {
        if start < at {
            continue;
        }
        pieces.push((&body[at..start], &body[start..end], id));
        at = end;
    }
    markup! {
        @for (before, text, id) in &pieces {
            (struck(before))
            @match resolved.iter().find(|(m, _)| m == id).and_then(|(_, r)| r.clone()) {
                Some(rid) => a.cite href={"/records/" (rid)} { (text) },
                None => span.unresolved title={(id) " — not in the archive"} { (text) },
            }
        }
        (struck(&body[at..]))
    }
}

pub fn record_page(
    caller: &Caller,
    csrf: &str,
    v: &RecordView,
    resolved: &[(String, Option<String>)],
    history: &airgram_archive::review::History,
) -> Response {
    let r = &v.record;
    // The banner is the version's label: what this text is now. The
    // original marking follows when the version is a release of it (its
    // marking held above the label's level).
    let level = v.label.split('/').next().unwrap_or("UNCLASSIFIED");
    let original = r
        .classification
        .filter(|c| airgram_access::Level::parse(level).is_some_and(|l| airgram_access::Level::of(*c) > l));
    let o = |x: &Option<String>| x.clone().unwrap_or_default();
    let rows: [(&str, String); 17] = [
        ("Message", o(&r.message_id)),
        ("Type", o(&r.doc_type)),
        ("Date", o(&r.date)),
        ("From", o(&r.from)),
        ("To", r.to.join("; ")),
        ("Pass", r.pass.join("; ")),
        ("Info", r.info.join("; ")),
        ("Subject", o(&r.subject)),
        ("Ref", r.refs.join(", ")),
        ("Precedence", o(&r.precedence)),
        ("Handling", r.handling.join(", ")),
        ("Drafted by", o(&r.drafted_by)),
        ("Approved by", o(&r.approved_by)),
        ("Signed", o(&r.signed)),
        ("Copy", o(&r.copy)),
        ("Distribution", r.distribution.join(" ")),
        ("Version", format!("{} ({:?})", v.label, v.version)),
    ];
    let body = markup! {
        div class={"banner " (level_class(Some(level)))} role="note" {
            (v.label.replace('/', " // "))
            @if let Some(c) = original { " — originally " (c.as_str()) }
        }
        h1 { (r.subject.as_deref().or(r.message_id.as_deref()).unwrap_or(&v.id)) }
        section.form aria-label="Header" {
            dl {
                @for (k, val) in &rows {
                    @if !val.is_empty() { dt { (k) } dd { (val) } }
                }
            }
        }
        p {
            // A release with excisions does not open the source.
            @if v.version != airgram_access::VersionKind::Redacted {
                a href={"/records/" (v.id) "/source"} { "Source transcription" } " · "
            }
            a href={"/records/" (v.id) "/graph"} { "Cite graph" } " · "
            a href={"/api/records/" (v.id)} { "JSON" }
        }
        h2 { "Text" }
        div.body { (linked_body(&r.body, resolved)) }
        h2 { "Cited by" }
        p {
            @if v.cited_by.is_empty() { "—" }
            @for (i, l) in v.cited_by.iter().enumerate() {
                @if i > 0 { ", " }
                a href={"/records/" (l.id)} { (l.message_id.as_deref().unwrap_or(&l.id)) }
            }
        }
        h2 { "Persons" }
        p { (r.persons.join("; ")) }
        h2 { "Review history" }
        (history_html(history))
    };
    html(
        StatusCode::OK,
        layout(r.message_id.as_deref().unwrap_or("Record"), caller, csrf, body),
    )
}

pub fn source_page(caller: &Caller, csrf: &str, v: &RecordView, text: &str) -> Response {
    // Spans of different fields overlap (`signed` and `persons` share a
    // name; `body` holds most of the others), so the text is cut at every
    // span boundary and each piece names all the fields that cover it:
    // any field lights all of its spans, whatever else covers them.
    let ok = |s: &[usize; 2]| {
        s[0] < s[1] && s[1] <= text.len() && text.is_char_boundary(s[0]) && text.is_char_boundary(s[1])
    };
    let mut spans: Vec<(usize, usize, usize)> = Vec::new(); // (start, end, field number)
    let mut names: Vec<&str> = Vec::new();
    for (field, ss) in &v.record.spans {
        // The whole document is no field a reader looks for.
        if field == "document" {
            continue;
        }
        let good: Vec<&[usize; 2]> = ss.iter().filter(|s| ok(s)).collect();
        if good.is_empty() {
            continue;
        }
        let f = names.len();
        names.push(field);
        spans.extend(good.iter().map(|s| (s[0], s[1], f)));
    }
    let mut cuts: Vec<usize> = spans.iter().flat_map(|s| [s.0, s.1]).chain([0, text.len()]).collect();
    cuts.sort_unstable();
    cuts.dedup();
    let pieces: Vec<(&str, String)> = cuts
        .windows(2)
        .map(|w| {
            let mut covering: Vec<&str> = spans
                .iter()
                .filter(|s| s.0 <= w[0] && w[1] <= s.1)
                .map(|s| names[s.2])
                .collect();
            covering.sort_unstable();
            covering.dedup();
            (&text[w[0]..w[1]], covering.join(" "))
        })
        .collect();
    let body = markup! {
        h1 { "Source of " a href={"/records/" (v.id)} { (v.record.message_id.as_deref().unwrap_or(&v.id)) } }
        p { "Hover or focus a field to see where it came from." }
        div class="layout source-layout" {
            ul.fields aria-label="Fields" {
                @for n in &names { li tabindex="0" data-field=(n) { (n) } }
            }
            pre.source tabindex="0" {
                @for (t, fields) in &pieces {
                    @if fields.is_empty() { (t) } @else { span data-f=(fields) { (t) } }
                }
            }
        }
        script src="/static/source.js" defer {}
    };
    html(StatusCode::OK, layout("Source", caller, csrf, body))
}

/// The cite graph as a picture: the record in the middle, the others round it.
pub fn graph_page(caller: &Caller, csrf: &str, g: &Graph) -> Response {
    let mut items: Vec<(String, String, bool)> = g
        .nodes
        .iter()
        .map(|n| (n.id.clone(), n.message_id.clone().unwrap_or(n.id.clone()), false))
        .collect();
    for u in &g.unresolved {
        items.push((format!("unresolved:{}", u.cite), u.cite.clone(), true));
    }
    let (w, h) = (760.0, 560.0);
    let (cx, cy) = (w / 2.0, h / 2.0);
    let others: Vec<&(String, String, bool)> = items.iter().filter(|i| i.0 != g.root).collect();
    let mut pos = std::collections::HashMap::new();
    pos.insert(g.root.clone(), (cx, cy));
    for (i, it) in others.iter().enumerate() {
        let a = i as f64 / others.len().max(1) as f64 * std::f64::consts::TAU;
        pos.insert(it.0.clone(), (cx + 220.0 * a.cos(), cy + 200.0 * a.sin()));
    }
    // Each arrow stops short of its target, so the head shows.
    let lines: Vec<(f64, f64, f64, f64, bool)> = g
        .edges
        .iter()
        .map(|e| (e.from.clone(), e.to.clone(), false))
        .chain(
            g.unresolved
                .iter()
                .map(|u| (u.from.clone(), format!("unresolved:{}", u.cite), true)),
        )
        .filter_map(|(a, b, dashed)| {
            let (p, q) = (pos.get(&a)?, pos.get(&b)?);
            Some((p.0, p.1, p.0 + (q.0 - p.0) * 0.8, p.1 + (q.1 - p.1) * 0.8, dashed))
        })
        .collect();
    let f0 = |x: f64| format!("{x:.0}");
    let svg = markup! {
        svg aria-label="Cite graph" viewBox={"0 0 " (w) " " (h)} width="100%" class="graph" {
            defs {
                marker id="arr" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto" {
                    path d="M0,0L10,5L0,10z" fill="#555" {}
                }
            }
            @for (x1, y1, x2, y2, dashed) in &lines {
                line x1=(f0(*x1)) y1=(f0(*y1)) x2=(f0(*x2)) y2=(f0(*y2)) stroke="#555" marker-end="url(#arr)"
                    stroke-dasharray=[dashed.then_some("4")] {}
            }
            @for (id, label, unresolved) in &items {
                @let (x, y) = pos[id];
                @let root = id == &g.root;
                @let fill = if root { "#112e51" } else if *unresolved { "#fff" } else { "#dbe7f5" };
                @let shape = markup! {
                    rect x=(f0(x - 65.0)) y=(f0(y - 15.0)) width="130" height="30" rx="4" fill=(fill) stroke="#112e51"
                        stroke-dasharray=[unresolved.then_some("3")] {}
                    text x=(f0(x)) y=(f0(y + 4.0)) font-size="12" text-anchor="middle" fill=(if root { "#fff" } else { "#000" }) { (label) }
                };
                @if *unresolved {
                    g { title { (label) " (not in the archive)" } (shape) }
                } @else {
                    a href={"/records/" (id) "/graph"} { title { (label) } (shape) }
                }
            }
        }
    };
    let body = markup! {
        h1 { "Cite graph" }
        p { a href={"/records/" (g.root)} { "Back to the record" } ". Solid: cites a record in the archive; dashed: not in the archive." }
        (svg)
    };
    html(StatusCode::OK, layout("Cite graph", caller, csrf, body))
}
