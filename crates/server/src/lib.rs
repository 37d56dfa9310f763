//! `airgram serve`: a JSON API and server-rendered pages over one archive.
//!
//! The access rule is the archive's: every handler resolves the caller to a
//! reader (the public, or the user of a live session) and calls the
//! archive's read paths, which ask the access crate. A record the caller
//! may not see is a 404 identical to a missing one, in pages and API alike.
//!
//! Only this crate knows HTTP. Archive calls block (SQLite, tantivy), so
//! they run on the blocking pool behind one mutex.

mod error;
mod openapi;
mod pages;
mod parts;
mod review;
mod signin;

pub use error::{ApiError, Code};
pub use openapi::document as openapi;
use signin::ClientAddr;

use airgram_access::Reader;
use airgram_archive::{Archive, ArchiveError};
use airgram_index::{SearchRequest, Sort};
use axum::extract::{DefaultBodyLimit, Path as UrlPath, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, MethodRouter};
use axum::{Form, Json, Router};
use serde::Deserialize;
use serde_json::json;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub const SESSION_COOKIE: &str = "airgram_session";
pub const CSRF_COOKIE: &str = "airgram_csrf";
pub const PAGE_SIZE: usize = 10;

#[derive(Clone)]
pub struct AppState {
    /// Shared by every request: the archive's reads run side by side.
    archive: Arc<Archive>,
    /// Behind TLS: cookies are `Secure` and responses carry HSTS.
    secure: bool,
    /// Sign-in throttling per address, and the bound on hashing.
    guard: Arc<signin::Guard>,
    /// No request log (for benchmarks, where it is the loudest cost).
    quiet: bool,
    /// Archive calls running at once. More than the cores can run only
    /// adds threads, read connections and cache misses; the rest wait
    /// their turn in line, as cheap futures.
    working: Arc<tokio::sync::Semaphore>,
    /// This server's name among several behind a proxy, sent on every
    /// response as `X-Airgram-Node` (none when alone).
    node: Option<HeaderValue>,
    /// Proxies whose `X-Forwarded-For` names the client (for the sign-in
    /// throttle per address); anyone else's is ignored, or a guesser could
    /// name a fresh address with every try.
    trusted_proxies: Arc<Vec<std::net::IpAddr>>,
}

impl AppState {
    /// Serves `archive`, and follows its store's change log on a thread
    /// of its own (every [`FOLLOW_EVERY`]) for as long as the archive is
    /// served, so that what any process writes is searchable here.
    pub fn new(archive: Archive) -> AppState {
        let archive = Arc::new(archive);
        follow_in_background(Arc::downgrade(&archive));
        AppState {
            archive,
            secure: false,
            guard: Arc::default(),
            quiet: false,
            working: Arc::new(tokio::sync::Semaphore::new(busy_limit())),
            node: None,
            trusted_proxies: Arc::default(),
        }
    }

    /// Without the request log.
    pub fn quiet(mut self) -> AppState {
        self.quiet = true;
        self
    }

    /// The per-address sign-in throttle (`signin::ADDRESS` by default).
    pub fn address_throttle(mut self, t: airgram_archive::auth::Throttle) -> AppState {
        self.guard = Arc::new(signin::Guard::new(t));
        self
    }

    /// Names this server on every response (`X-Airgram-Node`), for a
    /// deployment of several behind a proxy: which one answered.
    pub fn node(mut self, name: Option<&str>) -> AppState {
        self.node = name.and_then(|n| HeaderValue::from_str(n).ok());
        self
    }

    /// Trusts these proxies to name the client in `X-Forwarded-For`.
    pub fn trusted_proxies(mut self, proxies: Vec<std::net::IpAddr>) -> AppState {
        self.trusted_proxies = Arc::new(proxies);
        self
    }

    /// The client's address: the peer's, or, when the peer is a trusted
    /// proxy, the nearest address in `X-Forwarded-For` that is not one (a
    /// client may write the header too; only what the proxies appended is
    /// believed).
    fn client_addr(&self, peer: Option<std::net::IpAddr>, headers: &HeaderMap) -> Option<std::net::IpAddr> {
        let peer = peer?;
        if !self.trusted_proxies.contains(&peer) {
            return Some(peer);
        }
        let forwarded: Vec<std::net::IpAddr> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|a| a.trim().parse().ok())
            .collect();
        forwarded
            .into_iter()
            .rev()
            .find(|a| !self.trusted_proxies.contains(a))
            .or(Some(peer))
    }

    /// For a deployment served over TLS (directly or by a proxy in front).
    pub fn secure_cookies(mut self, on: bool) -> AppState {
        self.secure = on;
        self
    }

    /// Runs `f` on the archive on the blocking pool.
    async fn with<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Archive) -> Result<T, ArchiveError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let a = self.archive.clone();
        let turn = self
            .working
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| ApiError::internal())?;
        tokio::task::spawn_blocking(move || {
            let out = f(&a);
            drop(turn);
            out
        })
        .await
        .map_err(|_| ApiError::internal())?
        .map_err(ApiError::from)
    }
}

/// Archive calls at once: two per core (one may wait on the disk while
/// the other computes).
fn busy_limit() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get()) * 2
}

/// How often a server looks at the change log at the latest (it also
/// reloads the index another process committed to). A store that
/// announces commits (PostgreSQL) wakes it sooner. A write anywhere is
/// searchable here within this, plus the time to index it.
pub const FOLLOW_EVERY: Duration = Duration::from_millis(200);

/// Follows the archive's change log until the archive is dropped. A
/// failure is reported once, and again only when it changes, and retried.
fn follow_in_background(archive: std::sync::Weak<Archive>) {
    std::thread::Builder::new()
        .name("airgram-follow".into())
        .spawn(move || {
            let mut last_error = String::new();
            while let Some(a) = archive.upgrade() {
                match a.follow() {
                    Ok(_) if !last_error.is_empty() => {
                        eprintln!("airgram serve: following the change log again");
                        last_error.clear();
                    }
                    Ok(_) => {}
                    Err(e) => {
                        let m = e.to_string();
                        if m != last_error {
                            eprintln!("airgram serve: following the change log: {m}");
                            last_error = m;
                        }
                    }
                }
                a.wait_for_change(FOLLOW_EVERY);
                drop(a);
            }
        })
        .expect("a thread to follow the change log");
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// Who is asking: the user of a live session, else the public.
pub struct Caller {
    pub reader: Reader,
    pub name: Option<String>,
    pub role: Option<airgram_archive::Role>,
}

async fn caller(state: &AppState, headers: &HeaderMap) -> Result<Caller, ApiError> {
    let Some(token) = cookie(headers, SESSION_COOKIE) else {
        return Ok(Caller {
            reader: Reader::public(),
            name: None,
            role: None,
        });
    };
    let found = state.with(move |a| a.session_reader(&token)).await?;
    Ok(match found {
        Some((reader, role)) => Caller {
            name: reader.name.clone(),
            reader,
            role: Some(role),
        },
        None => Caller {
            reader: Reader::public(),
            name: None,
            role: None,
        },
    })
}

#[derive(Deserialize, Default)]
pub struct SearchParams {
    #[serde(default)]
    pub q: String,
    /// Facet filters, `field:value`, added to the query.
    #[serde(default)]
    pub fq: Vec<String>,
    #[serde(default)]
    pub facets: Option<String>,
    #[serde(default)]
    pub sort: Option<String>,
    #[serde(default)]
    pub page: Option<usize>,
}

/// The deepest page a search serves: past it a reader narrows the query.
pub const MAX_PAGE: usize = 1000;
/// Facet filters on one search.
pub const MAX_FILTERS: usize = 32;
/// Bytes of a typed query (the parser reads it with its filters).
pub const MAX_QUERY: usize = 4096;
/// Bytes of one filter.
pub const MAX_FILTER: usize = 256;
/// Facet values the search page asks for: enough for every year of any
/// archive's range (the histogram draws them all).
pub const YEAR_FACETS: usize = 2000;
/// Records one export returns.
pub const MAX_EXPORT: usize = 1000;

impl SearchParams {
    /// The query the index runs: the typed query, once in parentheses,
    /// and each filter beside it (never nested, so filters add no depth).
    fn request(&self, facets: bool) -> SearchRequest {
        let q = self.q.trim();
        let mut parts: Vec<String> = Vec::with_capacity(self.fq.len() + 1);
        if !q.is_empty() {
            parts.push(if self.fq.is_empty() {
                q.to_string()
            } else {
                format!("({q})")
            });
        }
        for f in &self.fq {
            if let Some((k, v)) = f.split_once(':') {
                parts.push(format!("{k}:\"{}\"", v.replace('"', "")));
            }
        }
        SearchRequest {
            query: parts.join(" "),
            limit: PAGE_SIZE,
            offset: (self.page.unwrap_or(1) - 1) * PAGE_SIZE,
            sort: if self.sort.as_deref() == Some("date") {
                Sort::Date
            } else {
                Sort::Relevance
            },
            facets,
            facet_limit: 10,
        }
    }
}

/// A whole number from 1 to `max`, or a 400 that names the parameter.
fn bounded(name: &str, v: &str, max: usize) -> Result<usize, ApiError> {
    v.trim()
        .parse::<usize>()
        .ok()
        .and_then(|n| within(name, n, max).ok())
        .ok_or_else(|| out_of_range(name, v, max))
}

/// `n` if it is from 1 to `max`, or a 400 that names the parameter.
fn within(name: &str, n: usize, max: usize) -> Result<usize, ApiError> {
    match n {
        1.. if n <= max => Ok(n),
        _ => Err(out_of_range(name, &n.to_string(), max)),
    }
}

fn out_of_range(name: &str, v: &str, max: usize) -> ApiError {
    ApiError::bad_request(format!("{name} must be a whole number from 1 to {max}, not {v:?}"))
}

/// `fq=a&fq=b` as a list (serde_urlencoded wants one value per key), each
/// parameter checked against its bound.
fn parse_search(uri: &Uri) -> Result<SearchParams, ApiError> {
    let mut p = SearchParams::default();
    for (k, v) in form_pairs(uri.query().unwrap_or("")) {
        match k.as_str() {
            "q" if v.len() > MAX_QUERY => {
                return Err(ApiError::new(
                    Code::BadQuery,
                    format!("bad query: the query is longer than {MAX_QUERY} bytes"),
                ))
            }
            "q" => p.q = v,
            "fq" if v.len() > MAX_FILTER => {
                return Err(ApiError::bad_request(format!(
                    "an fq filter has at most {MAX_FILTER} bytes"
                )))
            }
            "fq" => {
                let known = v.split_once(':').is_some_and(|(f, value)| {
                    airgram_index::query::Field::NAMES.contains(&f) && !value.replace('"', "").trim().is_empty()
                });
                if !known {
                    return Err(ApiError::bad_request(format!(
                        "fq takes field:value (a value, and a field of {}), not {v:?}",
                        airgram_index::query::Field::NAMES.join(" ")
                    )));
                }
                if p.fq.len() == MAX_FILTERS {
                    return Err(ApiError::bad_request(format!("at most {MAX_FILTERS} fq filters")));
                }
                p.fq.push(v)
            }
            "facets" if ["1", "0", "true", "false"].contains(&v.as_str()) => p.facets = Some(v),
            "facets" => return Err(ApiError::bad_request(format!("facets is 1 or 0, not {v:?}"))),
            "sort" if v == "date" || v == "relevance" => p.sort = Some(v),
            "sort" => return Err(ApiError::bad_request(format!("sort is relevance or date, not {v:?}"))),
            "page" => p.page = Some(bounded("page", &v, MAX_PAGE)?),
            _ => {}
        }
    }
    Ok(p)
}

pub fn form_pairs(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (url_decode(k), url_decode(v))
        })
        .collect()
}

fn url_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                match u8::from_str_radix(std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("zz"), 16) {
                    Ok(v) => {
                        out.push(v);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub fn url_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

async fn api_search(State(st): State<AppState>, headers: HeaderMap, uri: Uri) -> Result<Response, ApiError> {
    let c = caller(&st, &headers).await?;
    let p = parse_search(&uri)?;
    let facets = p.facets.as_deref().is_some_and(|f| f != "0" && f != "false");
    let req = p.request(facets);
    let page = p.page.unwrap_or(1);
    let res = st.with(move |a| a.search(&c.reader, &req)).await?;
    let mut v = airgram_archive::views::search_json(&res);
    v["page"] = json!(page);
    v["page_size"] = json!(PAGE_SIZE);
    Ok(Json(v).into_response())
}

async fn api_record(
    State(st): State<AppState>,
    headers: HeaderMap,
    UrlPath(id): UrlPath<String>,
) -> Result<Response, ApiError> {
    let c = caller(&st, &headers).await?;
    let v = st.with(move |a| a.show(&c.reader, &id)).await?;
    Ok(Json(v).into_response())
}

/// Steps of the cite graph one request may walk.
pub const MAX_GRAPH_DEPTH: usize = 4;

#[derive(Deserialize)]
struct GraphParams {
    depth: Option<usize>,
}

async fn api_graph(
    State(st): State<AppState>,
    headers: HeaderMap,
    UrlPath(id): UrlPath<String>,
    Query(g): Query<GraphParams>,
) -> Result<Response, ApiError> {
    let c = caller(&st, &headers).await?;
    let depth = match g.depth {
        Some(d) => within("depth", d, MAX_GRAPH_DEPTH)?,
        None => 1,
    };
    let v = st.with(move |a| a.graph(&c.reader, &id, depth)).await?;
    Ok(Json(v).into_response())
}

async fn api_source(
    State(st): State<AppState>,
    headers: HeaderMap,
    UrlPath(id): UrlPath<String>,
) -> Result<Response, ApiError> {
    let c = caller(&st, &headers).await?;
    let (path, bytes) = st.with(move |a| a.source(&c.reader, &id)).await?;
    Ok(Json(json!({"source_path": path, "text": String::from_utf8_lossy(&bytes)})).into_response())
}

async fn api_export(State(st): State<AppState>, headers: HeaderMap, uri: Uri) -> Result<Response, ApiError> {
    let c = caller(&st, &headers).await?;
    let p = parse_search(&uri)?;
    let limit = match form_pairs(uri.query().unwrap_or(""))
        .into_iter()
        .find(|(k, _)| k == "limit")
    {
        Some((_, v)) => bounded("limit", &v, MAX_EXPORT)?,
        None => MAX_EXPORT,
    };
    let q = p.request(false).query;
    let body = st
        .with(move |a| {
            let mut out = String::new();
            a.export(&c.reader, &q, limit, |v| {
                out.push_str(&serde_json::to_string(&v).map_err(|e| ArchiveError::Invalid(e.to_string()))?);
                out.push('\n');
                Ok(())
            })?;
            Ok(out)
        })
        .await?;
    Ok(([(header::CONTENT_TYPE, "application/x-ndjson")], body).into_response())
}

/// An API route: served by the router and described by the OpenAPI
/// document from this one table, so neither can list a route the other
/// lacks.
pub struct ApiRoute {
    pub method: &'static str,
    pub path: &'static str,
    pub summary: &'static str,
    /// The JSON body a POST takes: a schema of the OpenAPI document.
    pub body: Option<&'static str>,
    handler: fn() -> MethodRouter<AppState>,
}

pub const API_ROUTES: &[ApiRoute] = &[
    ApiRoute {
        method: "get",
        path: "/api/search",
        summary: "Search what the caller may see",
        body: None,
        handler: || get(api_search),
    },
    ApiRoute {
        method: "get",
        path: "/api/export",
        summary: "Every matching record as the caller may see it, one JSON object a line",
        body: None,
        handler: || get(api_export),
    },
    ApiRoute {
        method: "get",
        path: "/api/records/{id}",
        summary: "A record by id or message id",
        body: None,
        handler: || get(api_record),
    },
    ApiRoute {
        method: "get",
        path: "/api/records/{id}/graph",
        summary: "The cite graph around a record",
        body: None,
        handler: || get(api_graph),
    },
    ApiRoute {
        method: "get",
        path: "/api/records/{id}/source",
        summary: "The verbatim source of a record",
        body: None,
        handler: || get(api_source),
    },
    ApiRoute {
        method: "get",
        path: "/api/records/{id}/reviews",
        summary: "A record's review history as the caller may see it",
        body: None,
        handler: || get(review::api_history),
    },
    ApiRoute {
        method: "get",
        path: "/api/review/queue",
        summary: "Records due for review that the reviewer may see",
        body: None,
        handler: || get(review::api_queue),
    },
    ApiRoute {
        method: "get",
        path: "/api/review/records/{id}",
        summary: "The original and its review history, for a reviewer",
        body: None,
        handler: || get(review::api_review_record),
    },
    ApiRoute {
        method: "post",
        path: "/api/review/records/{id}/preview",
        summary: "The release a set of excisions would make",
        body: Some("Preview"),
        handler: || post(review::api_preview),
    },
    ApiRoute {
        method: "post",
        path: "/api/review/records/{id}/proposals",
        summary: "Propose a decision",
        body: Some("Proposal"),
        handler: || post(review::api_propose),
    },
    ApiRoute {
        method: "post",
        path: "/api/review/events/{event}/approve",
        summary: "Approve a proposal (second reviewer, re-authenticated)",
        body: Some("Approve"),
        handler: || post(review::api_approve),
    },
    ApiRoute {
        method: "post",
        path: "/api/review/events/{event}/return",
        summary: "Send a proposal back",
        body: Some("Return"),
        handler: || post(review::api_return),
    },
    ApiRoute {
        method: "post",
        path: "/api/review/referrals/{referral}/answer",
        summary: "Record an agency's answer to a referral",
        body: Some("Answer"),
        handler: || post(review::api_answer),
    },
    ApiRoute {
        method: "get",
        path: "/api/review/report",
        summary: "Counts by decision, exemption and reviewer; queue age; overdue referrals",
        body: None,
        handler: || get(review::api_report),
    },
    ApiRoute {
        method: "get",
        path: "/api/openapi.json",
        summary: "This document",
        body: None,
        handler: || get(api_openapi),
    },
];

async fn api_openapi() -> Json<serde_json::Value> {
    Json(openapi::document())
}

/// The CSRF token of this browser (double-submit cookie), made if absent.
fn csrf_token(headers: &HeaderMap) -> (String, bool) {
    match cookie(headers, CSRF_COOKIE) {
        Some(t) if t.len() == 32 => (t, false),
        _ => (airgram_archive::auth::random_token(), true),
    }
}

fn set_cookie(st: &AppState, name: &str, value: &str, max_age: Option<u64>) -> HeaderValue {
    let age = max_age.map_or(String::new(), |a| format!("; Max-Age={a}"));
    let secure = if st.secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Strict{secure}{age}"
    ))
    .expect("ascii cookie")
}

#[derive(Deserialize)]
struct SignInForm {
    user: String,
    password: String,
    csrf: String,
}

async fn sign_in_post(
    State(st): State<AppState>,
    ClientAddr(addr): ClientAddr,
    headers: HeaderMap,
    Form(f): Form<SignInForm>,
) -> Response {
    let (csrf, _) = csrf_token(&headers);
    if f.csrf != csrf {
        return pages::sign_in_page(
            &csrf,
            Some("The form expired; please try again."),
            StatusCode::FORBIDDEN,
        );
    }
    let refused = |e: ApiError| {
        let mut r = pages::sign_in_page(&csrf, Some(&e.message), e.status());
        e.add_retry_after(&mut r);
        r
    };
    let addr = st.client_addr(addr, &headers);
    let now = airgram_archive::auth::now();
    match st.guard.wait(addr, now) {
        0 => {}
        wait => return refused(ArchiveError::Throttled(wait).into()),
    }
    let user = f.user.clone();
    let attempt = match st.with(move |a| a.sign_in_begin(&user, now)).await {
        Ok(s) => s,
        Err(e) => return refused(e),
    };
    // The slow hash runs apart from the archive calls, one at a time.
    let Some(permit) = st.guard.hashing().await else {
        return refused(ApiError::too_many(1, "too many sign-ins at once; try again in 1 s"));
    };
    let password = f.password;
    let checked = tokio::task::spawn_blocking(move || {
        let ok = attempt.matches(&password);
        (attempt, ok)
    })
    .await;
    drop(permit);
    let Ok((attempt, ok)) = checked else {
        return ApiError::internal().into_response();
    };
    st.guard.record(addr, ok, now);
    match st.with(move |a| a.sign_in_finish(attempt, ok, now)).await {
        Ok(token) => {
            let mut r = (StatusCode::SEE_OTHER, [(header::LOCATION, "/")]).into_response();
            r.headers_mut()
                .append(header::SET_COOKIE, set_cookie(&st, SESSION_COOKIE, &token, None));
            r
        }
        Err(e) if e.status() == StatusCode::BAD_REQUEST => pages::sign_in_page(
            &csrf,
            Some(airgram_archive::auth::SIGN_IN_FAILED),
            StatusCode::UNAUTHORIZED,
        ),
        Err(e) => e.into_response(),
    }
}

#[derive(Deserialize)]
struct CsrfForm {
    csrf: String,
}

async fn sign_out_post(State(st): State<AppState>, headers: HeaderMap, Form(f): Form<CsrfForm>) -> Response {
    let (csrf, _) = csrf_token(&headers);
    if f.csrf != csrf {
        return (StatusCode::FORBIDDEN, "bad form token").into_response();
    }
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        let _ = st.with(move |a| a.sign_out(&token)).await;
    }
    let mut r = (StatusCode::SEE_OTHER, [(header::LOCATION, "/")]).into_response();
    r.headers_mut()
        .append(header::SET_COOKIE, set_cookie(&st, SESSION_COOKIE, "", Some(0)));
    r
}

async fn sign_in_get(State(st): State<AppState>, headers: HeaderMap) -> Response {
    let (csrf, fresh) = csrf_token(&headers);
    let mut r = pages::sign_in_page(&csrf, None, StatusCode::OK);
    if fresh {
        r.headers_mut()
            .append(header::SET_COOKIE, set_cookie(&st, CSRF_COOKIE, &csrf, None));
    }
    r
}

async fn search_page(State(st): State<AppState>, headers: HeaderMap, uri: Uri) -> Response {
    let (csrf, fresh) = csrf_token(&headers);
    let c = match caller(&st, &headers).await {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    let (p, res) = match parse_search(&uri) {
        Ok(p) => {
            let mut req = p.request(true);
            // Every year, for the histogram's date axis; the page lists
            // the first `FACETS_SHOWN` values of each facet.
            req.facet_limit = YEAR_FACETS;
            let reader = c.reader.clone();
            let res = st.with(move |a| a.search(&reader, &req)).await;
            (p, res)
        }
        Err(e) => (SearchParams::default(), Err(e)),
    };
    let mut r = pages::search_page(&c, &csrf, &p, res);
    if fresh {
        r.headers_mut()
            .append(header::SET_COOKIE, set_cookie(&st, CSRF_COOKIE, &csrf, None));
    }
    r
}

/// The caller of a page and the browser's CSRF token.
async fn page_caller(st: &AppState, headers: &HeaderMap) -> Result<(Caller, String), Response> {
    let (csrf, _) = csrf_token(headers);
    match caller(st, headers).await {
        Ok(c) => Ok((c, csrf)),
        Err(e) => Err(e.into_response()),
    }
}

async fn record_page(State(st): State<AppState>, headers: HeaderMap, UrlPath(id): UrlPath<String>) -> Response {
    let (c, csrf) = match page_caller(&st, &headers).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let reader = c.reader.clone();
    let res = st
        .with(move |a| {
            let view = a.show(&reader, &id)?;
            // Which cites lead to a record this reader may see.
            let targets = a.resolve_cites(&reader, view.record.date.as_deref(), &view.record.cites)?;
            let resolved: Vec<(String, Option<String>)> = view.record.cites.iter().cloned().zip(targets).collect();
            let history = a.review_history(&reader, &id)?;
            Ok((view, resolved, history))
        })
        .await;
    match res {
        Ok((view, resolved, history)) => pages::record_page(&c, &csrf, &view, &resolved, &history),
        Err(e) => pages::record_error_page(&c, &csrf, &e, ""),
    }
}

async fn source_page(State(st): State<AppState>, headers: HeaderMap, UrlPath(id): UrlPath<String>) -> Response {
    let (c, csrf) = match page_caller(&st, &headers).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let reader = c.reader.clone();
    let res = st
        .with(move |a| {
            let view = a.show(&reader, &id)?;
            let (_, bytes) = a.source(&reader, &id)?;
            Ok((view, bytes))
        })
        .await;
    match res {
        Ok((view, bytes)) => pages::source_page(&c, &csrf, &view, &String::from_utf8_lossy(&bytes)),
        Err(e) => pages::record_error_page(&c, &csrf, &e, "/source"),
    }
}

async fn graph_page(State(st): State<AppState>, headers: HeaderMap, UrlPath(id): UrlPath<String>) -> Response {
    let (c, csrf) = match page_caller(&st, &headers).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let reader = c.reader.clone();
    match st.with(move |a| a.graph(&reader, &id, 2)).await {
        Ok(g) => pages::graph_page(&c, &csrf, &g),
        Err(e) => pages::record_error_page(&c, &csrf, &e, "/graph"),
    }
}

async fn not_found_page(State(st): State<AppState>, headers: HeaderMap, uri: Uri) -> Response {
    if is_api(&uri) {
        return ApiError::new(Code::NotFound, format!("no such route: {}", uri.path())).into_response();
    }
    let (c, csrf) = match page_caller(&st, &headers).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    pages::error_page(&c, &csrf, StatusCode::NOT_FOUND, "no such page")
}

fn is_api(uri: &Uri) -> bool {
    uri.path() == "/api" || uri.path().starts_with("/api/")
}

/// The framework's own rejections under `/api` (a query string or path
/// parameter that does not parse, a body of the wrong type, shape or size,
/// a method the route does not take, a timeout) come back as plain text;
/// this turns each into the `{code, message}` every API error is, with
/// the code the status has in the one table.
async fn api_errors_as_json(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let api = is_api(req.uri());
    let resp = next.run(req).await;
    let status = resp.status();
    let json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if !api || json || !(status.is_client_error() || status.is_server_error()) {
        return resp;
    }
    let (parts, body) = resp.into_parts();
    let text = axum::body::to_bytes(body, 4096).await.unwrap_or_default();
    let text = String::from_utf8_lossy(&text);
    let message = match text.trim() {
        "" => status.canonical_reason().unwrap_or("error").to_lowercase(),
        t => t.to_string(),
    };
    let mut r = ApiError::new(Code::for_status(status), message).into_response();
    if let Some(allow) = parts.headers.get(header::ALLOW) {
        r.headers_mut().insert(header::ALLOW, allow.clone());
    }
    r
}

/// The pages' policy: everything from this origin, nothing inline (styles
/// and scripts are the static files below), no framing, no plugins, forms
/// posting only here.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Headers every response carries, so a browser cannot be turned against
/// the archive: the CSP, no MIME sniffing, no framing, no referrer beyond
/// this origin, and HSTS where the deployment is behind TLS.
async fn security_headers(
    State(st): State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    if let Some(n) = &st.node {
        h.insert("x-airgram-node", n.clone());
    }
    if st.secure {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    resp
}

/// The pages' style sheet and scripts, as files (the CSP allows no inline
/// ones).
async fn static_file(UrlPath(name): UrlPath<String>) -> Response {
    let (ty, body) = match name.as_str() {
        "airgram.css" => ("text/css; charset=utf-8", parts::css()),
        "source.js" => ("text/javascript; charset=utf-8", pages::SOURCE_JS),
        "review.js" => ("text/javascript; charset=utf-8", review::REVIEW_JS),
        _ => return (StatusCode::NOT_FOUND, "no such file").into_response(),
    };
    (
        [
            (header::CONTENT_TYPE, ty),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}

/// The site's icon, so a browser's automatic request for it is answered
/// (an SVG: Chromium and Firefox take one whatever the name).
const FAVICON: &str = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 16 16\"><rect width=\"16\" height=\"16\" rx=\"3\" fill=\"#112e51\"/><text x=\"8\" y=\"12.5\" font-family=\"sans-serif\" font-size=\"12\" font-weight=\"700\" fill=\"#fff\" text-anchor=\"middle\">a</text></svg>";

async fn favicon() -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        FAVICON,
    )
        .into_response()
}

/// One structured line per request: no record contents, no query strings.
async fn log_requests(
    State(st): State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    if st.quiet {
        return next.run(req).await;
    }
    let t = Instant::now();
    let method: Method = req.method().clone();
    let path = req.uri().path().to_string();
    let resp = next.run(req).await;
    eprintln!(
        "{{\"method\":\"{method}\",\"path\":{},\"status\":{},\"ms\":{:.2}}}",
        serde_json::Value::String(path),
        resp.status().as_u16(),
        t.elapsed().as_secs_f64() * 1000.0
    );
    resp
}

pub fn router(state: AppState) -> Router {
    let api = API_ROUTES
        .iter()
        .fold(Router::new(), |r, route| r.route(route.path, (route.handler)()));
    api.route("/", get(search_page))
        .route("/static/{name}", get(static_file))
        .route("/favicon.ico", get(favicon))
        .route("/records/{id}", get(record_page))
        .route("/records/{id}/source", get(source_page))
        .route("/records/{id}/graph", get(graph_page))
        .route("/signin", get(sign_in_get).post(sign_in_post))
        .route("/signout", post(sign_out_post))
        .route("/review", get(review::queue_page))
        .route("/review/report", get(review::report_page))
        .route("/review/{id}", get(review::review_page))
        .route("/review/{id}/propose", post(review::propose_post))
        .route("/review/{id}/assign", post(review::assign_post))
        .route("/review/events/{event}/approve", post(review::approve_post))
        .route("/review/events/{event}/return", post(review::return_post))
        .route("/review/referrals/{referral}/answer", post(review::answer_post))
        .fallback(not_found_page)
        .layer(axum::middleware::from_fn_with_state(state.clone(), log_requests))
        .layer(DefaultBodyLimit::max(64 * 1024))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(30),
        ))
        .layer(axum::middleware::from_fn(api_errors_as_json))
        .layer(axum::middleware::from_fn_with_state(state.clone(), security_headers))
        .with_state(state)
}

/// Serves until SIGTERM or Ctrl-C; in-flight requests finish first.
pub async fn serve(
    dir: &Path,
    index_dir: Option<&Path>,
    addr: SocketAddr,
    secure_cookies: bool,
    node: Option<&str>,
    trusted_proxies: Vec<std::net::IpAddr>,
) -> std::io::Result<()> {
    // Opening blocks (a database client, an index rebuild): off the
    // runtime's threads, as every archive call is.
    let (d, i) = (dir.to_path_buf(), index_dir.map(Path::to_path_buf));
    let archive = tokio::task::spawn_blocking(move || Archive::open_named(&d, i.as_deref()))
        .await
        .map_err(std::io::Error::other)?
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    airgram_archive::auth::prepare_sign_in();
    let listener = tokio::net::TcpListener::bind(addr).await?;
    eprintln!(
        "airgram serving {} on http://{}",
        airgram_archive::shown(dir),
        listener.local_addr()?
    );
    let state = AppState::new(archive)
        .secure_cookies(secure_cookies)
        .node(node)
        .trusted_proxies(trusted_proxies);
    let archive = state.archive.clone();
    let served = serve_on(listener, state, shutdown()).await;
    // The last reference goes off the runtime's threads too: a database
    // client closes its connections by blocking.
    let _ = tokio::task::spawn_blocking(move || drop(archive)).await;
    served
}

/// Serves `state` on a bound listener until `until` resolves, recording
/// each client's address (for the sign-in throttle).
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    state: AppState,
    until: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(until)
    .await
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
