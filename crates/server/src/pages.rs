//! Server-rendered pages: plain HTML that reads without JavaScript; a few
//! lines of script add span highlighting on the source view.

use crate::parts::{choices, esc, history_html, hit_badge, html, layout, level_class};
use crate::{url_encode, ApiError, Caller, SearchParams, MAX_PAGE, PAGE_SIZE};
use airgram_archive::views::{Graph, RecordView};
use airgram_index::SearchResult;
use axum::http::StatusCode;
use axum::response::Response;
use maud::{html as markup, PreEscaped};
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
    let err = error.map_or(String::new(), |e| format!("<p class=err role=alert>{}</p>", esc(e)));
    let body = format!(
        "<h1>Sign in</h1>{err}<form method=post action=/signin><input type=hidden name=csrf value=\"{}\"><p><label>User <input name=user autocomplete=username required></label></p><p><label>Password <input name=password type=password autocomplete=current-password required></label></p><p><button>Sign in</button></p></form>",
        esc(csrf)
    );
    html(status, layout("Sign in", &public, csrf, &body))
}

pub fn error_page(caller: &Caller, csrf: &str, status: StatusCode, message: &str) -> Response {
    let body = format!(
        "<h1>{}</h1><p>{}</p><p><a href=/>Back to search</a></p>",
        status.as_u16(),
        esc(message)
    );
    html(
        status,
        layout(status.canonical_reason().unwrap_or("Error"), caller, csrf, &body),
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
        layout("Several records", caller, csrf, &choices(e, "/records/", suffix)),
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
fn histogram(res: &SearchResult) -> String {
    let Some(years) = res.facets.get("year") else {
        return String::new();
    };
    let counted: std::collections::BTreeMap<i32, u64> = years
        .iter()
        .filter_map(|(y, n)| Some((y.parse().ok().filter(|y| (1..=9999).contains(y))?, *n)))
        .collect();
    let (Some(&first), Some(&last)) = (counted.keys().next(), counted.keys().next_back()) else {
        return String::new();
    };
    let n = (last - first + 1) as usize;
    let max = counted.values().copied().max().unwrap_or(1).max(1);
    // A fixed width, as wide as the facet column; bars share it.
    let width = 240.0;
    let w = width / n as f64;
    let mut svg = format!(
        "<svg role=img aria-label=\"Results by year, {first} to {last}\" width=100% viewBox=\"0 0 {width} 96\" class=histogram>"
    );
    // Labels: both ends and the decades (or every year of a short range),
    // none crowding an end.
    let step = if n <= 8 {
        1
    } else if n <= 40 {
        10
    } else {
        50
    };
    for (i, y) in (first..=last).enumerate() {
        let c = counted.get(&y).copied().unwrap_or(0);
        let h = (c as f64 / max as f64 * 60.0).round();
        let _ = write!(
            svg,
            "<rect x=\"{:.2}\" y=\"{}\" width=\"{:.2}\" height=\"{h}\" fill=#112e51 data-year={y}><title>{y}: {c}</title></rect>",
            i as f64 * w + w * 0.1,
            70.0 - h,
            w * 0.8,
        );
        let end = y == first || y == last;
        let near_end = (y - first) < 4 || (last - y) < 4;
        if end || (y % step == 0 && !near_end) {
            let anchor = if y == first && n > 1 {
                "start"
            } else if y == last && n > 1 {
                "end"
            } else {
                "middle"
            };
            let x = match anchor {
                "start" => i as f64 * w,
                "end" => (i + 1) as f64 * w,
                _ => i as f64 * w + w / 2.0,
            };
            let _ = write!(
                svg,
                "<line x1=\"{x:.2}\" x2=\"{x:.2}\" y1=70 y2=74 stroke=#555 /><text x=\"{x:.2}\" y=86 font-size=10 text-anchor={anchor}>{y}</text>"
            );
        }
    }
    svg.push_str("<line x1=0 x2=240 y1=70.5 y2=70.5 stroke=#555 /></svg>");
    svg
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
            return html(e.status(), layout("Search", caller, csrf, &body.into_string()));
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
                // Numbers and years only: drawn as a string.
                (PreEscaped(histogram(&res)))
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
    html(StatusCode::OK, layout("Search", caller, csrf, &body.into_string()))
}

/// Escaped text with a transcription's strike-through (`~~word~~`, on one
/// line) shown struck through, as the typist struck it.
fn struck(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find("~~") {
        let after = &rest[i + 2..];
        match after.find("~~") {
            Some(j) if j > 0 && !after[..j].contains('\n') && !after[..j].starts_with('~') => {
                out.push_str(&esc(&rest[..i]));
                let _ = write!(
                    out,
                    "<s title=\"struck through in the original\">{}</s>",
                    esc(&after[..j])
                );
                rest = &after[j + 2..];
            }
            _ => {
                out.push_str(&esc(&rest[..i + 2]));
                rest = after;
            }
        }
    }
    out.push_str(&esc(rest));
    out
}

/// The body with every cited message a link (resolved) or marked unresolved.
fn linked_body(body: &str, resolved: &[(String, Option<String>)]) -> String {
    let cites = airgram_archive::cites_in(body);
    let mut out = String::new();
    let mut at = 0;
    for (start, end, id) in cites {
        if start < at {
            continue;
        }
        out.push_str(&struck(&body[at..start]));
        let text = esc(&body[start..end]);
        match resolved.iter().find(|(m, _)| *m == id).and_then(|(_, r)| r.clone()) {
            Some(rid) => {
                let _ = write!(out, "<a class=cite href=\"/records/{}\">{text}</a>", esc(&rid));
            }
            None => {
                let _ = write!(
                    out,
                    "<span class=unresolved title=\"{} — not in the archive\">{text}</span>",
                    esc(&id)
                );
            }
        }
        at = end;
    }
    out.push_str(&struck(&body[at..]));
    out
}

pub fn record_page(
    caller: &Caller,
    csrf: &str,
    v: &RecordView,
    resolved: &[(String, Option<String>)],
    history: &airgram_archive::review::History,
) -> Response {
    let r = &v.record;
    let class = r.classification.map(|c| c.to_string());
    // The banner is the version's label: what this text is now. The
    // original marking follows when the two differ (a release).
    let level = v.label.split('/').next().unwrap_or("UNCLASSIFIED");
    let original = match &class {
        Some(c) if !v.label.starts_with(c.as_str()) => format!(" — originally {}", esc(c)),
        _ => String::new(),
    };
    let banner = format!(
        "<div class=\"banner {}\" role=note>{}{original}</div>",
        level_class(Some(level)),
        esc(&v.label.replace('/', " // ")),
    );
    let mut dl = String::new();
    let mut row = |k: &str, val: String| {
        if !val.is_empty() {
            let _ = write!(dl, "<dt>{k}</dt><dd>{val}</dd>");
        }
    };
    let o = |x: &Option<String>| esc(x.as_deref().unwrap_or(""));
    row("Message", o(&r.message_id));
    row("Type", o(&r.doc_type));
    row("Date", o(&r.date));
    row("From", o(&r.from));
    row("To", esc(&r.to.join("; ")));
    row("Pass", esc(&r.pass.join("; ")));
    row("Info", esc(&r.info.join("; ")));
    row("Subject", o(&r.subject));
    row("Ref", esc(&r.refs.join(", ")));
    row("Precedence", o(&r.precedence));
    row("Handling", esc(&r.handling.join(", ")));
    row("Drafted by", o(&r.drafted_by));
    row("Approved by", o(&r.approved_by));
    row("Signed", o(&r.signed));
    row("Copy", o(&r.copy));
    row("Distribution", esc(&r.distribution.join(" ")));
    row("Version", format!("{} ({:?})", esc(&v.label), v.version));
    let cited_by: Vec<String> = v
        .cited_by
        .iter()
        .map(|l| {
            format!(
                "<a href=\"/records/{}\">{}</a>",
                esc(&l.id),
                esc(l.message_id.as_deref().unwrap_or(&l.id))
            )
        })
        .collect();
    let reviews = history_html(history);
    let body = format!(
        "{banner}<h1>{}</h1><section class=form aria-label=Header><dl>{dl}</dl></section>\
<p>{source}<a href=\"/records/{id}/graph\">Cite graph</a> · <a href=\"/api/records/{id}\">JSON</a></p>\
<h2>Text</h2><div class=body>{}</div><h2>Cited by</h2><p>{}</p><h2>Persons</h2><p>{}</p><h2>Review history</h2>{}",
        esc(r.subject.as_deref().or(r.message_id.as_deref()).unwrap_or(&v.id)),
        linked_body(&r.body, resolved),
        if cited_by.is_empty() {
            "—".into()
        } else {
            cited_by.join(", ")
        },
        esc(&r.persons.join("; ")),
        reviews,
        id = esc(&v.id),
        // A release with excisions does not open the source.
        source = if v.version == airgram_access::VersionKind::Redacted {
            String::new()
        } else {
            format!("<a href=\"/records/{}/source\">Source transcription</a> · ", esc(&v.id))
        },
    );
    html(
        StatusCode::OK,
        layout(r.message_id.as_deref().unwrap_or("Record"), caller, csrf, &body),
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
    let mut fields = String::from("<ul class=fields aria-label=Fields>");
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
        let _ = write!(
            fields,
            "<li tabindex=0 data-field=\"{}\">{}</li>",
            esc(field),
            esc(field)
        );
    }
    fields.push_str("</ul>");
    let mut cuts: Vec<usize> = spans.iter().flat_map(|s| [s.0, s.1]).chain([0, text.len()]).collect();
    cuts.sort_unstable();
    cuts.dedup();
    let mut out = String::new();
    for w in cuts.windows(2) {
        let (a, b) = (w[0], w[1]);
        let mut covering: Vec<&str> = spans
            .iter()
            .filter(|s| s.0 <= a && b <= s.1)
            .map(|s| names[s.2])
            .collect();
        covering.sort_unstable();
        covering.dedup();
        if covering.is_empty() {
            out.push_str(&esc(&text[a..b]));
        } else {
            let _ = write!(
                out,
                "<span data-f=\"{}\">{}</span>",
                esc(&covering.join(" ")),
                esc(&text[a..b])
            );
        }
    }
    let script = "<script src=/static/source.js defer></script>";
    let body = format!(
        "<h1>Source of <a href=\"/records/{}\">{}</a></h1><p>Hover or focus a field to see where it came from.</p><div class=\"layout source-layout\">{fields}<pre class=source tabindex=0>{out}</pre></div>{script}",
        esc(&v.id),
        esc(v.record.message_id.as_deref().unwrap_or(&v.id))
    );
    html(StatusCode::OK, layout("Source", caller, csrf, &body))
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
    let mut svg = format!(
        "<svg aria-label=\"Cite graph\" viewBox=\"0 0 {w} {h}\" width=100% class=graph><defs><marker id=arr viewBox=\"0 0 10 10\" refX=10 refY=5 markerWidth=6 markerHeight=6 orient=auto><path d=\"M0,0L10,5L0,10z\" fill=\"#555\" /></marker></defs>"
    );
    let line = |svg: &mut String, a: &str, b: &str, dashed: bool| {
        if let (Some(p), Some(q)) = (pos.get(a), pos.get(b)) {
            let _ = write!(
                svg,
                "<line x1=\"{:.0}\" y1=\"{:.0}\" x2=\"{:.0}\" y2=\"{:.0}\" stroke=\"#555\" marker-end=\"url(#arr)\"{} />",
                p.0,
                p.1,
                p.0 + (q.0 - p.0) * 0.8,
                p.1 + (q.1 - p.1) * 0.8,
                if dashed { " stroke-dasharray=\"4\"" } else { "" }
            );
        }
    };
    for e in &g.edges {
        line(&mut svg, &e.from, &e.to, false);
    }
    for u in &g.unresolved {
        line(&mut svg, &u.from, &format!("unresolved:{}", u.cite), true);
    }
    for (id, label, unresolved) in &items {
        let (x, y) = pos[id];
        let fill = if id == &g.root {
            "#112e51"
        } else if *unresolved {
            "#fff"
        } else {
            "#dbe7f5"
        };
        let color = if id == &g.root { "#fff" } else { "#000" };
        let shape = format!(
            "<rect x=\"{:.0}\" y=\"{:.0}\" width=\"130\" height=\"30\" rx=\"4\" fill=\"{fill}\" stroke=\"#112e51\"{} /><text x=\"{:.0}\" y=\"{:.0}\" font-size=\"12\" text-anchor=\"middle\" fill=\"{color}\">{}</text>",
            x - 65.0,
            y - 15.0,
            if *unresolved { " stroke-dasharray=\"3\"" } else { "" },
            x,
            y + 4.0,
            esc(label)
        );
        if *unresolved {
            let _ = write!(svg, "<g><title>{} (not in the archive)</title>{shape}</g>", esc(label));
        } else {
            let _ = write!(
                svg,
                "<a href=\"/records/{}/graph\"><title>{}</title>{shape}</a>",
                esc(id),
                esc(label)
            );
        }
    }
    svg.push_str("</svg>");
    let body = format!(
        "<h1>Cite graph</h1><p><a href=\"/records/{}\">Back to the record</a>. Solid: cites a record in the archive; dashed: not in the archive.</p>{svg}",
        esc(&g.root)
    );
    html(StatusCode::OK, layout("Cite graph", caller, csrf, &body))
}
