//! Review over HTTP: the JSON API and the reviewer's pages (queue, the
//! side-by-side review screen, report). The archive decides everything;
//! this module only turns requests into calls and answers into HTML/JSON.
//!
//! Every state-changing request carries the browser's CSRF token: forms
//! as a field, API calls as the `x-csrf-token` header.

use crate::parts::{choices, esc, html, layout};
use crate::{caller, csrf_token, form_pairs, page_caller, ApiError, AppState, Caller, Code};
use airgram_access::Level;
use airgram_archive::review::{self as ar, QueueFilter};
use airgram_model::Record;
use airgram_review::{codes, excise, Decision, Excision, Proposal, ReviewKind, AGENCIES};
use axum::extract::{Path as UrlPath, State};
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::{Form, Json};
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
        return html(
            e.status(),
            layout("Review", c, csrf, &choices(&e, "/review/records/", "")),
        );
    }
    // Where to go from here: a reader without the role needs to sign in
    // (or has nothing to do here); a reviewer goes back to the queue.
    let next = if e.status() == StatusCode::FORBIDDEN || e.status() == StatusCode::UNAUTHORIZED {
        if c.name.is_none() {
            "<a href=/signin>Sign in</a> as a reviewer to use the review pages, or go <a href=/>back to search</a>."
        } else {
            "The review pages are for reviewers. <a href=/>Back to search</a>."
        }
    } else {
        "<a href=/review>Back to the queue</a>"
    };
    let body = format!(
        "<h1>{}</h1><p class=err role=alert>{}</p><p>{next}</p>",
        e.status().as_u16(),
        esc(&e.message)
    );
    html(e.status(), layout("Review", c, csrf, &body))
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
    let mut body = String::from("<h1>Review queue</h1><p><a href=/review/report>Report</a></p>");
    let sel = |v: &str| if f.state == v { " selected" } else { "" };
    let _ = write!(
        body,
        "<form class=filters method=get action=/review><label>Show <select name=state>\
         <option value=due{}>due for review</option><option value=pending{}>awaiting approval</option>\
         <option value=referred{}>referred</option><option value=mine{}>assigned to me</option><option value=all{}>all</option></select></label> \
         <label>Classification <select name=classification><option value=\"\">any</option>{}</select></label> \
         <label>Referred to <input name=agency size=8 value=\"{}\"></label> \
         <label>Series <input name=series size=8 value=\"{}\"></label> \
         <label>From year <input name=from_year size=5 value=\"{}\"></label> \
         <label>to <input name=to_year size=5 value=\"{}\"></label> <button>Filter</button></form>",
        sel("due"),
        sel("pending"),
        sel("referred"),
        sel("mine"),
        sel("all"),
        Level::ALL
            .iter()
            .map(|l| format!(
                "<option{}>{}</option>",
                if f.classification == Some(*l) { " selected" } else { "" },
                l.as_str()
            ))
            .collect::<String>(),
        esc(f.agency.as_deref().unwrap_or("")),
        esc(f.series.as_deref().unwrap_or("")),
        f.from_year.map(|y| y.to_string()).unwrap_or_default(),
        f.to_year.map(|y| y.to_string()).unwrap_or_default(),
    );
    let _ = write!(
        body,
        "<p id=total>{} record{}</p><table class=queue><thead><tr><th>Record</th><th>Date</th><th>Label</th><th>Status</th><th>Due</th><th>Referrals</th></tr></thead><tbody>",
        q.total,
        if q.total == 1 { "" } else { "s" }
    );
    for i in &q.items {
        let due = match (i.due.as_deref(), i.overdue_days) {
            (Some(d), Some(n)) if n > 0 => format!("{d} <strong>({} y overdue)</strong>", n / 365),
            (Some(d), _) => d.to_string(),
            _ => "undated".into(),
        };
        let refs: Vec<String> = i
            .referrals
            .iter()
            .map(|r| {
                format!(
                    "{} {}{}",
                    esc(&r.agency),
                    if r.answered.is_some() { "answered" } else { "open" },
                    if r.overdue {
                        " <strong class=err>overdue</strong>"
                    } else {
                        ""
                    }
                )
            })
            .collect();
        let _ = write!(
            body,
            "<tr><td><a href=\"/review/{id}\">{}</a><br><small>{}</small></td><td>{}</td><td>{}</td><td>{}{}</td><td>{due}</td><td>{}</td></tr>",
            esc(i.message_id.as_deref().unwrap_or(&i.id)),
            esc(i.subject.as_deref().unwrap_or("")),
            esc(i.date.as_deref().unwrap_or("undated")),
            esc(&i.label),
            esc(&i.status),
            i.pending_event.map(|e| format!(" (#{e})")).unwrap_or_default(),
            refs.join("<br>"),
            id = esc(&i.id),
        );
    }
    body.push_str("</tbody></table><nav class=pages>");
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
    if page > 1 {
        let _ = write!(body, "<a href=\"{}\">Previous</a>", esc(&link(page - 1)));
    }
    if page < pages {
        let _ = write!(body, "<a href=\"{}\">Next</a>", esc(&link(page + 1)));
    }
    body.push_str("</nav>");
    html(StatusCode::OK, layout("Review queue", &c, &csrf, &body))
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
        let mut s = format!("<section><h2>{}</h2><table><tbody>", esc(title));
        for (k, v) in m {
            let _ = write!(s, "<tr><th>{}</th><td>{v}</td></tr>", esc(k));
        }
        if m.is_empty() {
            s.push_str("<tr><td>none yet</td></tr>");
        }
        s.push_str("</tbody></table></section>");
        s
    };
    let mut body = format!(
        "<h1>Review report</h1><figure>{}<figcaption>Decisions by year: releases (in full or in part) and denials, as the tables count them</figcaption></figure><div class=report>",
        ar::chart_svg(&rep)
    );
    body.push_str(&table("Decisions", &rep.by_decision));
    body.push_str(&table("Exemptions cited", &rep.by_exemption));
    body.push_str(&table("Reviewers", &rep.by_reviewer));
    body.push_str(&table("Queue by years past due", &rep.queue_age));
    let _ = write!(
        body,
        "</div><p>{} proposal{} awaiting a second reviewer.</p><h2>Overdue referrals</h2><ul>",
        rep.pending,
        if rep.pending == 1 { "" } else { "s" }
    );
    for r in &rep.overdue_referrals {
        let _ = write!(body, "<li>#{} {} — due {}</li>", r.id, esc(&r.agency), esc(&r.due));
    }
    if rep.overdue_referrals.is_empty() {
        body.push_str("<li>none</li>");
    }
    body.push_str("</ul>");
    html(StatusCode::OK, layout("Review report", &c, &csrf, &body))
}

/// The canonical exemption codes as a picker's options, grouped by the
/// authority that grants them.
fn code_options() -> String {
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
    let mut out = String::new();
    let mut open: Option<&str> = None;
    for c in codes::all() {
        let g = group(&c);
        if open != Some(g) {
            if open.is_some() {
                out.push_str("</optgroup>");
            }
            let _ = write!(out, "<optgroup label=\"{}\">", esc(g));
            open = Some(g);
        }
        let _ = write!(out, "<option>{}</option>", esc(&c));
    }
    if open.is_some() {
        out.push_str("</optgroup>");
    }
    out
}

fn fields_html(r: &Record, class: &str) -> String {
    let mut s = String::new();
    for f in excise::FIELDS {
        let t = excise::field_text(r, f).unwrap_or_default();
        if t.is_empty() {
            continue;
        }
        let _ = write!(
            s,
            "<h3>{}</h3><div class={class} data-field=\"{f}\">{}</div>",
            f.replace('_', " "),
            esc(&t)
        );
    }
    s
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
                .find(|i| i.state == "proposed")
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
                    .find(|i| !i.historic && i.state == "approved")
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
    let mut body = String::new();
    let _ = write!(
        body,
        "<div class=\"banner {}\" role=note>{}</div><h1>Review: {}</h1><p class=meta>{} · {} · status {} · <a href=\"/records/{rid}\">record page</a> · <a href=/review>queue</a></p>",
        esc(&label.split('/').next().unwrap_or("").replace(' ', "-")),
        esc(&label.replace('/', " // ")),
        esc(orig.subject.as_deref().or(orig.message_id.as_deref()).unwrap_or(&rid)),
        esc(orig.message_id.as_deref().unwrap_or("")),
        esc(orig.date.as_deref().unwrap_or("undated")),
        esc(h.status.as_deref().unwrap_or("open")),
    );
    if let Some(m) = msg {
        let _ = write!(body, "<p class=ok role=status>{}</p>", esc(&m));
    }
    if let Some(e) = err {
        let _ = write!(body, "<p class=err role=alert>{}</p>", esc(&e));
    }
    // The open proposal: approve or send back.
    if let Some((event, d, decision, codes)) = &pending {
        let _ = write!(
            body,
            "<section class=pending aria-label=\"Open proposal\"><h2>Proposal #{event}: {} {}</h2><p>Proposed by {}{}</p>",
            esc(decision),
            esc(&codes.join(", ")),
            esc(&d.proposer),
            if d.comment.is_empty() {
                String::new()
            } else {
                format!(": “{}”", esc(&d.comment))
            }
        );
        if !d.excisions.is_empty() {
            body.push_str("<ul class=excisions>");
            for e in &d.excisions {
                let _ = write!(
                    body,
                    "<li>{} {}..{} [{}]: <del>{}</del></li>",
                    esc(&e.field),
                    e.start,
                    e.end,
                    esc(&e.codes.join(", ")),
                    esc(&e.text)
                );
            }
            body.push_str("</ul>");
        }
        if c.name.as_deref() == Some(d.proposer.as_str()) {
            body.push_str("<p>Awaiting a second reviewer. You cannot approve your own proposal.</p>");
        } else {
            let _ = write!(
                body,
                "<form method=post action=\"/review/events/{event}/approve\" class=approve><input type=hidden name=csrf value=\"{c}\">\
                 <p><label>Your password (approving a release asks for it again) <input type=password name=password autocomplete=current-password required></label></p>\
                 <p><label><input type=checkbox name=acknowledge value=1> Approve even if it disagrees with another release</label></p>\
                 <p><button id=approve>Approve and publish</button></p></form>",
                c = esc(&csrf)
            );
        }
        let _ = write!(
            body,
            "<form method=post action=\"/review/events/{event}/return\"><input type=hidden name=csrf value=\"{}\">\
             <p><label>Comment <input name=comment size=50 required></label> <button>{}</button></p></form></section>",
            esc(&csrf),
            if c.name.as_deref() == Some(d.proposer.as_str()) {
                "Withdraw"
            } else {
                "Send back"
            }
        );
    }
    if pending.is_none() {
        let mut decisions = String::new();
        for d in Decision::ALL {
            let _ = write!(decisions, "<option>{}</option>", d.as_str());
        }
        let levels: String = Level::ALL
            .iter()
            .map(|l| format!("<option>{}</option>", l.as_str()))
            .collect();
        let _ = write!(
            body,
            "<section aria-label=\"Propose a decision\" class=propose><h2>Propose a decision</h2>\
             <p>Select text in the original, choose its codes and press <em>Excise selection</em>: the passage is boxed with its codes in the original, and the preview follows.</p>\
             <p class=excise-tools><label>Codes (one or more)<br><select id=xcodes multiple size=6>{}</select></label> \
             <label><input type=checkbox id=xall> every occurrence</label> \
             <button type=button id=excise>Excise selection</button> <span id=excise-msg role=status></span></p>\
             <form method=post action=\"/review/{rid}/propose\"><input type=hidden name=csrf value=\"{}\">\
             <p><label>Decision <select name=decision id=decision>{decisions}</select></label> \
             <label>Kind <select name=kind><option value=systematic>systematic</option><option value=foia>FOIA request</option><option value=mandatory>mandatory review</option><option value=re-review>re-review</option></select></label> \
             <label>Release level <select name=level><option value=\"\">default</option>{levels}</select></label></p>\
             <p><label>Decision codes <input name=codes size=24 placeholder=\"b1, 25X1\"></label> \
             <label>Refer to <input name=agencies size=20 placeholder=\"{}\"></label> \
             <label>Next review <input name=next_review size=10 placeholder=YYYY-MM-DD></label></p>\
             <details class=advanced><summary>Advanced: the excisions as text</summary><p><label>Excisions (FIELD:START..END:CODES, one per line; <em>Excise selection</em> writes them)<br><textarea name=excisions id=excisions rows=4 cols=60></textarea></label></p></details>\
             <p><label>Comment <input name=comment size=60></label> <label>Request no. <input name=request size=12></label></p>\
             <p><button id=propose>Propose</button></p></form></section>",
            code_options(),
            esc(&csrf),
            AGENCIES.join(", "),
        );
    }
    // Side by side: the original and the release being built.
    let (preview_record, note) = match &preview {
        Some((r, event, true)) => (r, format!("As published by decision #{event}.")),
        Some((r, event, false)) => (r, format!("As proposal #{event} would publish it.")),
        None => (&orig, String::new()),
    };
    let _ = write!(
        body,
        "<div class=review-grid><section aria-label=Original tabindex=0><h2>Original</h2>{}</section>\
         <section aria-label=\"Release preview\" id=preview tabindex=0><h2>Release preview</h2><p id=preview-status role=status>{}</p>{}</section></div>",
        fields_html(&orig, "ftext"),
        esc(&note),
        fields_html(preview_record, "pfield"),
    );
    let _ = write!(
        body,
        "<form method=post action=\"/review/{rid}/assign\" class=assign><input type=hidden name=csrf value=\"{}\">\
         <label>Assigned to <input name=assignee size=12 value=\"{}\"></label> <button>Assign</button></form>",
        esc(&csrf),
        esc(assignee.as_deref().unwrap_or(""))
    );
    let _ = write!(body, "<h2>Review history</h2>{}", crate::parts::history_html(&h));
    if !h.referrals.is_empty() {
        body.push_str("<h2>Referrals</h2><ul>");
        for r in &h.referrals {
            let _ = write!(
                body,
                "<li>#{} {} — sent {}, due {}{}: {}",
                r.id,
                esc(&r.agency),
                esc(&r.sent),
                esc(&r.due),
                if r.overdue {
                    " <strong class=err>OVERDUE</strong>"
                } else {
                    ""
                },
                esc(r.response.as_deref().unwrap_or("awaiting answer"))
            );
            if r.answered.is_none() {
                let _ = write!(
                    body,
                    " <form method=post action=\"/review/referrals/{}/answer\" class=inline><input type=hidden name=csrf value=\"{}\">\
                     <input name=response placeholder=\"CONCUR | DENY b1\" size=16 required> <input name=comment placeholder=comment> <button>Record answer</button></form>",
                    r.id,
                    esc(&csrf)
                );
            }
            body.push_str("</li>");
        }
        body.push_str("</ul>");
    }
    let _ = write!(
        body,
        "<script type=application/json id=fields-json>{}</script><meta name=csrf content=\"{}\"><meta name=record content=\"{}\"><script src=/static/review.js defer></script>",
        serde_json::Value::Object(fields_json).to_string().replace("</", "<\\/"),
        esc(&csrf),
        esc(&rid)
    );
    html(status, layout("Review", &c, &csrf, &body))
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
