//! Review over HTTP: the JSON API and the reviewer's pages (queue, the
//! side-by-side review screen, report). The archive decides everything;
//! this module only turns requests into calls and answers into HTML/JSON.
//!
//! Every state-changing request carries the browser's CSRF token: forms
//! as a field, API calls as the `x-csrf-token` header.

use crate::parts::{choices, html, layout, level_class};
use crate::{caller, csrf_token, form_pairs, page_caller, ApiError, AppState, Caller, Code};
use airgram_access::Level;
use airgram_archive::review::{self as ar, QueueFilter};
use airgram_model::Record;
use airgram_review::{codes, excise, Decision, Excision, Proposal, ReviewKind, AGENCIES};
use axum::extract::{Path as UrlPath, State};
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::{Form, Json};
use maud::{html as markup, Markup, PreEscaped};
use serde::Deserialize;
use serde_json::json;
use std::fmt::Write;

const QUEUE_PAGE: usize = 25;

fn check_csrf_header(headers: &HeaderMap) -> Result<(), ApiError> {
    let (csrf, _) = csrf_token(headers);
    let sent = headers.get("x-csrf-token").and_then(|v| v.to_str().ok()).unwrap_or("");
    if sent != csrf {
        return Err(ApiError::new(Code::Csrf, "missing or wrong x-csrf-token header"));
    }
    Ok(())
}

fn queue_filter(uri: &Uri) -> (QueueFilter, usize) {
    let mut f = QueueFilter {
        state: "due".into(),
        limit: QUEUE_PAGE,
        ..Default::default()
    };
    let mut page = 1;
    for (k, v) in form_pairs(uri.query().unwrap_or("")) {
        match k.as_str() {
            "state" if ["due", "pending", "referred", "mine", "all"].contains(&v.as_str()) => f.state = v,
            "classification" => f.classification = Level::parse(&v),
            "agency" if !v.trim().is_empty() => f.agency = Some(v.trim().to_ascii_uppercase()),
            "series" if !v.trim().is_empty() => f.series = Some(v.trim().to_ascii_uppercase()),
            "from_year" => f.from_year = v.parse().ok(),
            "to_year" => f.to_year = v.parse().ok(),
            "page" => page = v.parse().unwrap_or(1usize).clamp(1, 10_000),
            _ => {}
        }
    }
    f.offset = (page - 1) * QUEUE_PAGE;
    (f, page)
}

// ---------------------------------------------------------------- API

pub async fn api_queue(State(st): State<AppState>, headers: HeaderMap, uri: Uri) -> Result<Response, ApiError> {
    let c = caller(&st, &headers).await?;
    let (f, _) = queue_filter(&uri);
    let q = st.with(move |a| a.review_queue(&c.reader, &f)).await?;
    Ok(Json(q).into_response())
}

pub async fn api_review_record(
    State(st): State<AppState>,
    headers: HeaderMap,
    UrlPath(id): UrlPath<String>,
) -> Result<Response, ApiError> {
    let c = caller(&st, &headers).await?;
    let (orig, history) = st
        .with(move |a| {
            let (orig, _) = a.review_preview(&c.reader, &id, &[])?;
            let h = a.review_history(&c.reader, &id)?;
            Ok((orig, h))
        })
        .await?;
    Ok(Json(json!({"original": orig, "history": history, "fields": excise::FIELDS})).into_response())
}

#[derive(Deserialize)]
pub struct PreviewBody {
    #[serde(default)]
    excisions: Vec<Excision>,
}

pub async fn api_preview(
    State(st): State<AppState>,
    headers: HeaderMap,
    UrlPath(id): UrlPath<String>,
    Json(b): Json<PreviewBody>,
) -> Result<Response, ApiError> {
    check_csrf_header(&headers)?;
    let c = caller(&st, &headers).await?;
    let (_, preview) = st.with(move |a| a.review_preview(&c.reader, &id, &b.excisions)).await?;
    Ok(Json(json!({"preview": preview})).into_response())
}

pub async fn api_propose(
    State(st): State<AppState>,
    headers: HeaderMap,
    UrlPath(id): UrlPath<String>,
    Json(p): Json<Proposal>,
) -> Result<Response, ApiError> {
    check_csrf_header(&headers)?;
    let c = caller(&st, &headers).await?;
    let out = st.with(move |a| a.review_propose(&c.reader, &id, p)).await?;
    Ok((StatusCode::CREATED, Json(out)).into_response())
}

#[derive(Deserialize)]
pub struct ApproveBody {
    password: String,
    #[serde(default)]
    acknowledge: bool,
}

pub async fn api_approve(
    State(st): State<AppState>,
    headers: HeaderMap,
    UrlPath(event): UrlPath<u64>,
    Json(b): Json<ApproveBody>,
) -> Result<Response, ApiError> {
    check_csrf_header(&headers)?;
    let c = caller(&st, &headers).await?;
    let out = st
        .with(move |a| a.review_approve(&c.reader, event, &b.password, b.acknowledge))
        .await?;
    Ok(Json(out).into_response())
}

#[derive(Deserialize)]
pub struct ReturnBody {
    comment: String,
}

pub async fn api_return(
    State(st): State<AppState>,
    headers: HeaderMap,
    UrlPath(event): UrlPath<u64>,
    Json(b): Json<ReturnBody>,
) -> Result<Response, ApiError> {
    check_csrf_header(&headers)?;
    let c = caller(&st, &headers).await?;
    st.with(move |a| a.review_return(&c.reader, event, &b.comment)).await?;
    Ok(Json(json!({"event": event, "state": "returned"})).into_response())
}

#[derive(Deserialize)]
pub struct AnswerBody {
    response: String,
    #[serde(default)]
    comment: String,
}

pub async fn api_answer(
    State(st): State<AppState>,
    headers: HeaderMap,
    UrlPath(referral): UrlPath<u64>,
    Json(b): Json<AnswerBody>,
) -> Result<Response, ApiError> {
    check_csrf_header(&headers)?;
    let c = caller(&st, &headers).await?;
    st.with(move |a| a.review_answer(&c.reader, referral, &b.response, &b.comment))
        .await?;
    Ok(Json(json!({"referral": referral, "answered": true})).into_response())
}

pub async fn api_history(
    State(st): State<AppState>,
    headers: HeaderMap,
    UrlPath(id): UrlPath<String>,
) -> Result<Response, ApiError> {
    let c = caller(&st, &headers).await?;
    let h = st.with(move |a| a.review_history(&c.reader, &id)).await?;
    Ok(Json(h).into_response())
}

pub async fn api_report(State(st): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    let c = caller(&st, &headers).await?;
    let r = st.with(move |a| a.review_report(&c.reader)).await?;
    Ok(Json(r).into_response())
}

// ---------------------------------------------------------------- pages

/// The caller of a posted form, if the form carries this browser's token.
async fn form_caller(st: &AppState, headers: &HeaderMap, sent: &str) -> Result<(Caller, String), Response> {
    let (c, csrf) = page_caller(st, headers).await?;
    if sent != csrf {
        return Err((StatusCode::FORBIDDEN, "bad form token").into_response());
    }
    Ok((c, csrf))
}

fn error_page(c: &Caller, csrf: &str, e: ApiError) -> Response {
    if !e.choices.is_empty() {
        return html(e.status(), layout("Review", c, csrf, choices(&e, "/review/", "")));
    }
    // Where to go from here: a reader without the role needs to sign in
    // (or has nothing to do here); a reviewer goes back to the queue.
    let refused = e.status() == StatusCode::FORBIDDEN || e.status() == StatusCode::UNAUTHORIZED;
    let body = markup! {
        h1 { (e.status().as_u16()) }
        p.err role="alert" { (e.message) }
        p {
            @if refused && c.name.is_none() {
                a href="/signin" { "Sign in" } " as a reviewer to use the review pages, or go " a href="/" { "back to search" } "."
            } @else if refused {
                "The review pages are for reviewers. " a href="/" { "Back to search" } "."
            } @else {
                a href="/review" { "Back to the queue" }
            }
        }
    };
    html(e.status(), layout("Review", c, csrf, body))
}

fn redirect(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, to.to_string())]).into_response()
}

pub async fn queue_page(State(st): State<AppState>, headers: HeaderMap, uri: Uri) -> Response {
    let (c, csrf) = match page_caller(&st, &headers).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let (f, page) = queue_filter(&uri);
    let reader = c.reader.clone();
    let f2 = f.clone();
    let q = match st.with(move |a| a.review_queue(&reader, &f2)).await {
        Ok(q) => q,
        Err(e) => return error_page(&c, &csrf, e),
    };
    let pages = q.total.div_ceil(QUEUE_PAGE).min(400);
    let link = |p: usize| {
        format!(
            "/review?state={}&classification={}&agency={}&series={}&from_year={}&to_year={}&page={p}",
            crate::url_encode(&f.state),
            crate::url_encode(f.classification.map_or("", |l| l.as_str())),
            crate::url_encode(f.agency.as_deref().unwrap_or("")),
            crate::url_encode(f.series.as_deref().unwrap_or("")),
            f.from_year.map(|y| y.to_string()).unwrap_or_default(),
            f.to_year.map(|y| y.to_string()).unwrap_or_default()
        )
    };
    let states = [
        ("due", "due for review"),
        ("pending", "awaiting approval"),
        ("referred", "referred"),
        ("mine", "assigned to me"),
        ("all", "all"),
    ];
    let year = |y: Option<i32>| y.map(|y| y.to_string()).unwrap_or_default();
    let body = markup! {
        h1 { "Review queue" }
        p { a href="/review/report" { "Report" } }
        form.filters method="get" action="/review" {
            label { "Show " select name="state" {
                @for (v, text) in states { option value=(v) selected[f.state == v] { (text) } }
            } } " "
            label { "Classification " select name="classification" {
                option value="" { "any" }
                @for l in Level::ALL { option selected[f.classification == Some(l)] { (l.as_str()) } }
            } } " "
            label { "Referred to " input name="agency" size="8" value=(f.agency.as_deref().unwrap_or("")); } " "
            label { "Series " input name="series" size="8" value=(f.series.as_deref().unwrap_or("")); } " "
            label { "From year " input name="from_year" size="5" value=(year(f.from_year)); } " "
            label { "to " input name="to_year" size="5" value=(year(f.to_year)); } " "
            button { "Filter" }
        }
        p id="total" { (q.total) " record" @if q.total != 1 { "s" } }
        table.queue {
            thead { tr { th { "Record" } th { "Date" } th { "Label" } th { "Status" } th { "Due" } th { "Referrals" } } }
            tbody {
                @for i in &q.items {
                    tr {
                        td {
                            a href={"/review/" (i.id)} { (i.message_id.as_deref().unwrap_or(&i.id)) }
                            br;
                            small { (i.subject.as_deref().unwrap_or("")) }
                        }
                        td { (i.date.as_deref().unwrap_or("undated")) }
                        td { (i.label) }
                        td { (i.status) @if let Some(e) = i.pending_event { " (#" (e) ")" } }
                        td {
                            @match (i.due.as_deref(), i.overdue_days) {
                                (Some(d), Some(n)) if n > 0 => { (d) " " strong { "(" (n / 365) " y overdue)" } },
                                (Some(d), _) => (d),
                                _ => "undated",
                            }
                        }
                        td {
                            @for (k, r) in i.referrals.iter().enumerate() {
                                @if k > 0 { br; }
                                (r.agency) " " (if r.answered.is_some() { "answered" } else { "open" })
                                @if r.overdue { " " strong.err { "overdue" } }
                            }
                        }
                    }
                }
            }
        }
        nav.pages {
            @if page > 1 { a href=(link(page - 1)) { "Previous" } }
            @if page < pages { a href=(link(page + 1)) { "Next" } }
        }
    };
    html(StatusCode::OK, layout("Review queue", &c, &csrf, body))
}

pub async fn report_page(State(st): State<AppState>, headers: HeaderMap) -> Response {
    let (c, csrf) = match page_caller(&st, &headers).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let reader = c.reader.clone();
    let rep = match st.with(move |a| a.review_report(&reader)).await {
        Ok(r) => r,
        Err(e) => return error_page(&c, &csrf, e),
    };
    let table = |title: &str, m: &std::collections::BTreeMap<String, usize>| {
        markup! {
            section {
                h2 { (title) }
                table { tbody {
                    @for (k, v) in m { tr { th { (k) } td { (v) } } }
                    @if m.is_empty() { tr { td { "none yet" } } }
                } }
            }
        }
    };
    let body = markup! {
        h1 { "Review report" }
        figure {
            // Numbers, years and fixed words: drawn by the archive crate.
            (PreEscaped(ar::chart_svg(&rep)))
            figcaption { "Decisions by year: releases (in full or in part) and denials, as the tables count them" }
        }
        div.report {
            (table("Decisions", &rep.by_decision))
            (table("Exemptions cited", &rep.by_exemption))
            (table("Reviewers", &rep.by_reviewer))
            (table("Queue by years past due", &rep.queue_age))
        }
        p { (rep.pending) " proposal" @if rep.pending != 1 { "s" } " awaiting a second reviewer." }
        h2 { "Overdue referrals" }
        ul {
            @for r in &rep.overdue_referrals { li { "#" (r.id) " " (r.agency) " — due " (r.due) } }
            @if rep.overdue_referrals.is_empty() { li { "none" } }
        }
    };
    html(StatusCode::OK, layout("Review report", &c, &csrf, body))
}

/// The canonical exemption codes as a picker's options, grouped by the
/// authority that grants them.
fn code_options() -> Markup {
    let group = |c: &str| {
        if c.starts_with("(b)") {
            "FOIA"
        } else if c.starts_with("(j)") || c.starts_with("(k)") {
            "Privacy Act"
        } else if c.starts_with("1.4") {
            "EO 13526 1.4 (classification)"
        } else if c.starts_with("25X") {
            "EO 13526 25-year exemptions"
        } else {
            "EO 13526 50-year exemptions"
        }
    };
    // Codes of one authority are adjacent in `codes::all`.
    let mut groups: Vec<(&str, Vec<String>)> = Vec::new();
    for c in codes::all() {
        match groups.last_mut() {
            Some((g, cs)) if *g == group(&c) => cs.push(c),
            _ => groups.push((group(&c), vec![c])),
        }
    }
    markup! {
        @for (g, cs) in &groups {
            optgroup label=(g) { @for c in cs { option { (c) } } }
        }
    }
}

fn fields_html(r: &Record, class: &str) -> Markup {
    markup! {
        @for f in excise::FIELDS {
            @let t = excise::field_text(r, f).unwrap_or_default();
            @if !t.is_empty() {
                h3 { (f.replace('_', " ")) }
                div class=(class) data-field=(f) { (t) }
            }
        }
    }
}

pub(crate) const REVIEW_JS: &str = r#"
(function(){
const csrf=document.querySelector('meta[name=csrf]').content;
const id=document.querySelector('meta[name=record]').content;
const fields=JSON.parse(document.getElementById('fields-json').textContent);
const box=document.getElementById('excisions');
const enc=new TextEncoder();
const bytes=(s)=>enc.encode(s).length;
function parse(){return box.value.split('\n').map(l=>l.trim()).filter(Boolean).map(l=>{
  const m=/^([a-z_]+):(\d+)\.\.(\d+):(.+)$/.exec(l); if(!m) return null;
  return {field:m[1],start:+m[2],end:+m[3],codes:m[4].split(',').map(c=>c.trim()).filter(Boolean)};}).filter(Boolean);}
let timer=null;
function preview(){clearTimeout(timer);timer=setTimeout(async()=>{
  const st=document.getElementById('preview-status');
  const r=await fetch('/api/review/records/'+id+'/preview',{method:'POST',headers:{'content-type':'application/json','x-csrf-token':csrf},body:JSON.stringify({excisions:parse()})});
  const j=await r.json();
  if(!r.ok){st.textContent=j.message;st.className='err';return;}
  st.textContent='';st.className='';
  document.querySelectorAll('#preview .pfield').forEach(el=>{const f=el.dataset.field;const p=j.preview;
    let v=p[f]; if(Array.isArray(v)) v=v.join('\n'); el.textContent=v==null?'':v;});
},150);}
box.addEventListener('input',preview);
const el=(n)=>n.nodeType===1?n:n.parentElement;
// The last selection inside the original: choosing codes afterwards moves
// the focus (and the document selection) to the codes field.
let last=null;
document.addEventListener('selectionchange',()=>{const sel=window.getSelection();
  if(sel.rangeCount&&!sel.isCollapsed&&el(sel.getRangeAt(0).startContainer).closest('.ftext')) last=sel.getRangeAt(0).cloneRange();});
document.getElementById('excise').addEventListener('click',()=>{
  const sel=window.getSelection(); const msg=document.getElementById('excise-msg');
  const range=(sel.rangeCount&&!sel.isCollapsed)?sel.getRangeAt(0):last;
  if(!range||range.collapsed){msg.textContent='Select text in the original first.';return;}
  const a=el(range.startContainer).closest('.ftext'), b=el(range.endContainer).closest('.ftext');
  if(!a||a!==b){msg.textContent='Select within one field of the original.';return;}
  const field=a.dataset.field; const text=fields[field];
  const pre=document.createRange(); pre.selectNodeContents(a); pre.setEnd(range.startContainer,range.startOffset);
  const approx=pre.toString().length; const s=range.toString();
  let i=text.indexOf(s,Math.max(0,approx-40)); if(i<0) i=text.indexOf(s);
  if(i<0||!s.trim()){msg.textContent='That selection cannot be excised.';return;}
  const codes=[...document.getElementById('xcodes').selectedOptions].map(o=>o.value).join(',');
  if(!codes){msg.textContent='Choose the exemption codes first.';return;}
  const lines=[];
  if(document.getElementById('xall').checked){
    for(const [f,t] of Object.entries(fields)){let j=t.indexOf(s);while(j>=0){lines.push(f+':'+bytes(t.slice(0,j))+'..'+bytes(t.slice(0,j+s.length))+':'+codes);j=t.indexOf(s,j+s.length);}}
  } else {
    lines.push(field+':'+bytes(text.slice(0,i))+'..'+bytes(text.slice(0,i+s.length))+':'+codes);
  }
  box.value=(box.value.trim()?box.value.trim()+'\n':'')+lines.join('\n');
  msg.textContent=lines.length+' excision'+(lines.length===1?'':'s')+' added.';
  const d=document.getElementById('decision'); if(d.value==='RELEASE'||d.value==='DECLASSIFY') d.value='DECLASSIFY IN PART';
  // The passage boxed in the original, labelled with its codes.
  try{const m=document.createElement('mark');m.className='redact';m.dataset.codes=codes;m.title='to be excised: '+codes;range.surroundContents(m);}catch(e){}
  sel.removeAllRanges(); last=null; preview();
});
})();
"#;

pub async fn review_page(
    State(st): State<AppState>,
    headers: HeaderMap,
    UrlPath(id): UrlPath<String>,
    uri: Uri,
) -> Response {
    let (c, csrf) = match page_caller(&st, &headers).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let msg = form_pairs(uri.query().unwrap_or(""))
        .into_iter()
        .find(|(k, _)| k == "msg")
        .map(|(_, v)| v);
    render_review(&st, c, csrf, id, msg, None, StatusCode::OK).await
}

async fn render_review(
    st: &AppState,
    c: Caller,
    csrf: String,
    id: String,
    msg: Option<String>,
    err: Option<String>,
    status: StatusCode,
) -> Response {
    let reader = c.reader.clone();
    let key = id.clone();
    let loaded = st
        .with(move |a| {
            let (orig, _) = a.review_preview(&reader, &key, &[])?;
            let h = a.review_history(&reader, &key)?;
            // The open proposal, with the release it would publish.
            let pending = h
                .reviews
                .iter()
                .find(|i| i.state == airgram_archive::EventState::Proposed)
                .and_then(|i| Some((i.event?, i.detail.clone()?, i.decision.clone()?, i.codes.clone())));
            // The release shown beside the original: the open proposal's, or
            // else the one the last approved decision published, as the
            // public reads it (its withholdings applied).
            let shown = match &pending {
                Some((event, d, _, _)) => Some((*event, d.excisions.clone(), false)),
                None => h
                    .reviews
                    .iter()
                    .rev()
                    .find(|i| !i.historic && i.state == airgram_archive::EventState::Approved)
                    .and_then(|i| Some((i.event?, i.detail.as_ref()?.excisions.clone(), true))),
            };
            let preview = match shown {
                Some((event, es, published)) if !es.is_empty() => {
                    Some((a.review_preview(&reader, &key, &es)?.1, event, published))
                }
                _ => None,
            };
            let label = a.show(&reader, &key)?.label;
            let assignee = a.review_assignee(&reader, &key)?;
            Ok((orig, h, pending, preview, label, assignee))
        })
        .await;
    let (orig, h, pending, preview, label, assignee) = match loaded {
        Ok(x) => x,
        Err(e) => return error_page(&c, &csrf, e),
    };
    let rid = h.id.clone();
    let fields_json: serde_json::Map<String, serde_json::Value> = excise::FIELDS
        .iter()
        .filter_map(|f| Some((f.to_string(), json!(excise::field_text(&orig, f)?))))
        .collect();
    let mine = |d: &ar::ReviewDetail| c.name.as_deref() == Some(d.proposer.as_str());
    // Side by side: the original and the release being built.
    let (preview_record, note) = match &preview {
        Some((r, event, true)) => (r, format!("As published by decision #{event}.")),
        Some((r, event, false)) => (r, format!("As proposal #{event} would publish it.")),
        None => (&orig, String::new()),
    };
    let kinds = [
        ("systematic", "systematic"),
        ("foia", "FOIA request"),
        ("mandatory", "mandatory review"),
        ("re-review", "re-review"),
    ];
    let body = markup! {
        div class={"banner " (level_class(label.split('/').next()))} role="note" { (label.replace('/', " // ")) }
        h1 { "Review: " (orig.subject.as_deref().or(orig.message_id.as_deref()).unwrap_or(&rid)) }
        p.meta {
            (orig.message_id.as_deref().unwrap_or("")) " · " (orig.date.as_deref().unwrap_or("undated"))
            " · status " (h.status.unwrap_or(airgram_archive::Status::Open).as_str()) " · "
            a href={"/records/" (rid)} { "record page" } " · " a href="/review" { "queue" }
        }
        @if let Some(m) = &msg { p.ok role="status" { (m) } }
        @if let Some(e) = &err { p.err role="alert" { (e) } }
        // The open proposal: approve or send back.
        @if let Some((event, d, decision, codes)) = &pending {
            section.pending aria-label="Open proposal" {
                h2 { "Proposal #" (event) ": " (decision) " " (codes.join(", ")) }
                p { "Proposed by " (d.proposer) @if !d.comment.is_empty() { ": “" (d.comment) "”" } }
                @if !d.excisions.is_empty() {
                    ul.excisions {
                        @for e in &d.excisions {
                            li { (e.field) " " (e.start) ".." (e.end) " [" (e.codes.join(", ")) "]: " del { (e.text) } }
                        }
                    }
                }
                @if mine(d) {
                    p { "Awaiting a second reviewer. You cannot approve your own proposal." }
                } @else {
                    form.approve method="post" action={"/review/events/" (event) "/approve"} {
                        input type="hidden" name="csrf" value=(csrf);
                        p { label { "Your password (approving a release asks for it again) "
                            input type="password" name="password" autocomplete="current-password" required; } }
                        p { label { input type="checkbox" name="acknowledge" value="1"; " Approve even if it disagrees with another release" } }
                        p { button id="approve" { "Approve and publish" } }
                    }
                }
                form method="post" action={"/review/events/" (event) "/return"} {
                    input type="hidden" name="csrf" value=(csrf);
                    p {
                        label { "Comment " input name="comment" size="50" required; } " "
                        button { (if mine(d) { "Withdraw" } else { "Send back" }) }
                    }
                }
            }
        } @else {
            section.propose aria-label="Propose a decision" {
                h2 { "Propose a decision" }
                p { "Select text in the original, choose its codes and press " em { "Excise selection" }
                    ": the passage is boxed with its codes in the original, and the preview follows." }
                p.excise-tools {
                    label { "Codes (one or more)" br; select id="xcodes" multiple size="6" { (code_options()) } } " "
                    label { input type="checkbox" id="xall"; " every occurrence" } " "
                    button type="button" id="excise" { "Excise selection" } " "
                    span id="excise-msg" role="status" {}
                }
                form method="post" action={"/review/" (rid) "/propose"} {
                    input type="hidden" name="csrf" value=(csrf);
                    p {
                        label { "Decision " select name="decision" id="decision" { @for d in Decision::ALL { option { (d.as_str()) } } } } " "
                        label { "Kind " select name="kind" { @for (v, t) in kinds { option value=(v) { (t) } } } } " "
                        label { "Release level " select name="level" {
                            option value="" { "default" }
                            @for l in Level::ALL { option { (l.as_str()) } }
                        } }
                    }
                    p {
                        label { "Decision codes " input name="codes" size="24" placeholder="b1, 25X1"; } " "
                        label { "Refer to " input name="agencies" size="20" placeholder=(AGENCIES.join(", ")); } " "
                        label { "Next review " input name="next_review" size="10" placeholder="YYYY-MM-DD"; }
                    }
                    details.advanced {
                        summary { "Advanced: the excisions as text" }
                        p { label {
                            "Excisions (FIELD:START..END:CODES, one per line; " em { "Excise selection" } " writes them)" br;
                            textarea name="excisions" id="excisions" rows="4" cols="60" {}
                        } }
                    }
                    p {
                        label { "Comment " input name="comment" size="60"; } " "
                        label { "Request no. " input name="request" size="12"; }
                    }
                    p { button id="propose" { "Propose" } }
                }
            }
        }
        div.review-grid {
            section aria-label="Original" tabindex="0" { h2 { "Original" } (fields_html(&orig, "ftext")) }
            section aria-label="Release preview" id="preview" tabindex="0" {
                h2 { "Release preview" }
                p id="preview-status" role="status" { (note) }
                (fields_html(preview_record, "pfield"))
            }
        }
        form.assign method="post" action={"/review/" (rid) "/assign"} {
            input type="hidden" name="csrf" value=(csrf);
            label { "Assigned to " input name="assignee" size="12" value=(assignee.as_deref().unwrap_or("")); } " "
            button { "Assign" }
        }
        h2 { "Review history" }
        (crate::parts::history_html(&h))
        @if !h.referrals.is_empty() {
            h2 { "Referrals" }
            ul {
                @for r in &h.referrals {
                    li {
                        "#" (r.id) " " (r.agency) " — sent " (r.sent) ", due " (r.due)
                        @if r.overdue { " " strong.err { "OVERDUE" } }
                        ": " (r.response.as_deref().unwrap_or("awaiting answer"))
                        @if r.answered.is_none() {
                            " "
                            form.inline method="post" action={"/review/referrals/" (r.id) "/answer"} {
                                input type="hidden" name="csrf" value=(csrf);
                                input name="response" aria-label="Agency's answer" placeholder="CONCUR | DENY b1" size="16" required; " "
                                input name="comment" aria-label="Comment" placeholder="comment"; " "
                                button { "Record answer" }
                            }
                        }
                    }
                }
            }
        }
        // JSON inside a script element: "</" could close it early.
        script type="application/json" id="fields-json" {
            (PreEscaped(serde_json::Value::Object(fields_json).to_string().replace("</", "<\\/")))
        }
        meta name="csrf" content=(csrf);
        meta name="record" content=(rid);
        script src="/static/review.js" defer {}
    };
    html(status, layout("Review", &c, &csrf, body))
}

#[derive(Deserialize)]
pub struct ProposeForm {
    csrf: String,
    decision: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    level: String,
    #[serde(default)]
    codes: String,
    #[serde(default)]
    agencies: String,
    #[serde(default)]
    next_review: String,
    #[serde(default)]
    excisions: String,
    #[serde(default)]
    comment: String,
    #[serde(default)]
    request: String,
}

fn split_list(s: &str) -> Vec<String> {
    s.split([',', ';'])
        .map(|x| x.trim().to_string())
        .filter(|x| !x.is_empty())
        .collect()
}

fn proposal_from(f: &ProposeForm) -> Result<Proposal, String> {
    let decision = Decision::parse(&f.decision).ok_or_else(|| format!("unknown decision {:?}", f.decision))?;
    let mut p = Proposal::new(decision);
    p.kind = ReviewKind::parse(&f.kind).unwrap_or_default();
    p.level = if f.level.trim().is_empty() {
        None
    } else {
        Some(Level::parse(&f.level).ok_or_else(|| format!("unknown level {:?}", f.level))?)
    };
    p.codes = split_list(&f.codes);
    p.agencies = split_list(&f.agencies);
    p.next_review = Some(f.next_review.trim().to_string()).filter(|s| !s.is_empty());
    p.comment = f.comment.trim().to_string();
    p.request = Some(f.request.trim().to_string()).filter(|s| !s.is_empty());
    for line in f.excisions.lines().map(str::trim).filter(|l| !l.is_empty()) {
        p.excisions.push(Excision::parse(line)?);
    }
    Ok(p)
}

pub async fn propose_post(
    State(st): State<AppState>,
    headers: HeaderMap,
    UrlPath(id): UrlPath<String>,
    Form(f): Form<ProposeForm>,
) -> Response {
    let (c, csrf) = match form_caller(&st, &headers, &f.csrf).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let p = match proposal_from(&f) {
        Ok(p) => p,
        Err(m) => return render_review(&st, c, csrf, id, None, Some(m), StatusCode::BAD_REQUEST).await,
    };
    let reader = c.reader.clone();
    let key = id.clone();
    match st.with(move |a| a.review_propose(&reader, &key, p)).await {
        Ok(out) => {
            let mut m = format!("Proposal #{} recorded; it awaits a second reviewer.", out.event);
            for fl in &out.flags {
                let _ = write!(m, " FLAG: {fl}.");
            }
            redirect(&format!("/review/{}?msg={}", out.record, crate::url_encode(&m)))
        }
        Err(e) => {
            let s = e.status();
            render_review(&st, c, csrf, id, None, Some(e.message), s).await
        }
    }
}

#[derive(Deserialize)]
pub struct ApproveForm {
    csrf: String,
    password: String,
    #[serde(default)]
    acknowledge: String,
}

/// The record an event belongs to, for redirecting back to its page.
async fn event_record(st: &AppState, c: &Caller, csrf: &str, event: u64) -> Result<String, Response> {
    let reader = c.reader.clone();
    st.with(move |a| a.review_event_record(&reader, event))
        .await
        .map_err(|e| error_page(c, csrf, e))
}

/// After a form's action: back to the review page with its message, or
/// the page again with the error.
async fn done(st: &AppState, c: Caller, csrf: String, rid: String, res: Result<String, ApiError>) -> Response {
    match res {
        Ok(msg) => redirect(&format!("/review/{rid}?msg={}", crate::url_encode(&msg))),
        Err(e) => {
            let status = e.status();
            render_review(st, c, csrf, rid, None, Some(e.message), status).await
        }
    }
}

pub async fn approve_post(
    State(st): State<AppState>,
    headers: HeaderMap,
    UrlPath(event): UrlPath<u64>,
    Form(f): Form<ApproveForm>,
) -> Response {
    let (c, csrf) = match form_caller(&st, &headers, &f.csrf).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let rid = match event_record(&st, &c, &csrf, event).await {
        Ok(r) => r,
        Err(r) => return r,
    };
    let reader = c.reader.clone();
    let ack = !f.acknowledge.is_empty();
    let res = st
        .with(move |a| a.review_approve(&reader, event, &f.password, ack))
        .await
        .map(|ok| {
            format!(
                "Approved #{}: {}{}",
                ok.event,
                ok.decision,
                ok.published
                    .map(|l| format!(", release published at {l}"))
                    .unwrap_or_default()
            )
        });
    done(&st, c, csrf, rid, res).await
}

#[derive(Deserialize)]
pub struct ReturnForm {
    csrf: String,
    comment: String,
}

pub async fn return_post(
    State(st): State<AppState>,
    headers: HeaderMap,
    UrlPath(event): UrlPath<u64>,
    Form(f): Form<ReturnForm>,
) -> Response {
    let (c, csrf) = match form_caller(&st, &headers, &f.csrf).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let rid = match event_record(&st, &c, &csrf, event).await {
        Ok(r) => r,
        Err(r) => return r,
    };
    let reader = c.reader.clone();
    let res = st
        .with(move |a| a.review_return(&reader, event, &f.comment))
        .await
        .map(|()| format!("Proposal #{event} sent back."));
    done(&st, c, csrf, rid, res).await
}

#[derive(Deserialize)]
pub struct AnswerForm {
    csrf: String,
    response: String,
    #[serde(default)]
    comment: String,
}

pub async fn answer_post(
    State(st): State<AppState>,
    headers: HeaderMap,
    UrlPath(referral): UrlPath<u64>,
    Form(f): Form<AnswerForm>,
) -> Response {
    let (c, csrf) = match form_caller(&st, &headers, &f.csrf).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let reader = c.reader.clone();
    let res = st
        .with(move |a| {
            let rid = a.review_referral_record(&reader, referral)?;
            a.review_answer(&reader, referral, &f.response, &f.comment)?;
            Ok(rid)
        })
        .await;
    match res {
        Ok(rid) => redirect(&format!(
            "/review/{rid}?msg={}",
            crate::url_encode("Referral answer recorded.")
        )),
        Err(e) => error_page(&c, &csrf, e),
    }
}

#[derive(Deserialize)]
pub struct AssignForm {
    csrf: String,
    #[serde(default)]
    assignee: String,
}

pub async fn assign_post(
    State(st): State<AppState>,
    headers: HeaderMap,
    UrlPath(id): UrlPath<String>,
    Form(f): Form<AssignForm>,
) -> Response {
    let (c, csrf) = match form_caller(&st, &headers, &f.csrf).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let reader = c.reader.clone();
    let key = id.clone();
    let who = Some(f.assignee.trim().to_string()).filter(|s| !s.is_empty());
    let res = st
        .with(move |a| a.review_assign(&reader, &key, who.as_deref()))
        .await
        .map(|()| "Assignment saved.".to_string());
    done(&st, c, csrf, id, res).await
}
