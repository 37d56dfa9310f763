//! The server over real HTTP on loopback: sign-in, sessions, CSRF, the
//! not-found rule in pages and API, the OpenAPI document against the
//! routes, and a bounded load of concurrent readers.

use airgram_access::{Label, Level, VersionKind};
use airgram_archive::{Archive, IngestOptions, Input, Role};
use airgram_model::{Classification, Record};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};

struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Resp {
    fn header(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }
    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

/// A plain HTTP/1.1 request over a fresh connection.
fn http(addr: SocketAddr, method: &str, path: &str, cookies: &str, form: Option<&str>) -> Resp {
    request(
        addr,
        method,
        path,
        cookies,
        &[],
        form.map(|f| ("application/x-www-form-urlencoded", f)),
    )
}

/// A JSON API call, with the CSRF header a browser page would send.
fn api(addr: SocketAddr, method: &str, path: &str, cookies: &str, csrf: &str, body: &serde_json::Value) -> Resp {
    let b = body.to_string();
    request(
        addr,
        method,
        path,
        cookies,
        &[("x-csrf-token", csrf)],
        Some(("application/json", &b)),
    )
}

fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    cookies: &str,
    headers: &[(&str, &str)],
    content: Option<(&str, &str)>,
) -> Resp {
    let mut s = TcpStream::connect(addr).unwrap();
    let body = content.map_or("", |c| c.1);
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n");
    if !cookies.is_empty() {
        req.push_str(&format!("Cookie: {cookies}\r\n"));
    }
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    if let Some((ty, b)) = content {
        req.push_str(&format!("Content-Type: {ty}\r\nContent-Length: {}\r\n", b.len()));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes()).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw).to_string();
    let (head, rest) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .unwrap()
        .split_whitespace()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(": ").map(|(k, v)| (k.to_string(), v.to_string())))
        .collect();
    let chunked = headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    let body = if chunked { dechunk(rest) } else { rest.to_string() };
    Resp { status, headers, body }
}

fn dechunk(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some((size, after)) = rest.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || after.len() < n {
            break;
        }
        out.push_str(&after[..n]);
        rest = after[n..].trim_start_matches("\r\n");
    }
    out
}

fn cookie_value(r: &Resp, name: &str) -> Option<String> {
    r.header("set-cookie").into_iter().find_map(|c| {
        c.strip_prefix(&format!("{name}="))
            .map(|v| v.split(';').next().unwrap().to_string())
    })
}

fn record(i: usize, class: Classification, words: &str) -> Record {
    let mut r = Record::new(format!("r{i}.txt"));
    r.message_id = Some(format!("POLTO {i}"));
    r.classification = Some(class);
    r.body = format!("{words} berlin");
    r.subject = Some(format!("subject {i}"));
    r.date = Some(format!("1962-10-{:02}", i + 1));
    r.doc_type = Some("telegram".into());
    if i == 1 {
        r.cites = vec!["POLTO 2".into(), "POLTO 99".into()];
    }
    r
}

/// An archive with public, SECRET and TOP SECRET records, and users.
fn start() -> (SocketAddr, tempfile::TempDir, std::sync::mpsc::Sender<()>) {
    start_with(Vec::new())
}

/// As [`start`], with `extra` records besides.
fn start_with(extra: Vec<(Record, Label)>) -> (SocketAddr, tempfile::TempDir, std::sync::mpsc::Sender<()>) {
    start_configured(extra, |s| s)
}

/// As [`start_with`], the server's state set by `configure`.
fn start_configured(
    extra: Vec<(Record, Label)>,
    configure: fn(airgram_server::AppState) -> airgram_server::AppState,
) -> (SocketAddr, tempfile::TempDir, std::sync::mpsc::Sender<()>) {
    let dir = tempfile::tempdir().unwrap();
    let a = Archive::open(dir.path()).unwrap();
    let mut recs = vec![
        (
            record(1, Classification::Unclassified, "public cuba"),
            Label::unclassified(),
        ),
        (
            record(2, Classification::Secret, "secret cuba"),
            Label::new(Level::Secret, []),
        ),
        (
            record(3, Classification::TopSecret, "topsecret cuba"),
            Label::new(Level::TopSecret, []),
        ),
    ];
    recs.extend(extra);
    let inputs = recs.iter().map(|(r, l)| Input {
        source_path: r.source_path.clone(),
        source: format!("verbatim {}", r.body).into_bytes(),
        parsed: Some(r.clone()),
        versions: Some(vec![(VersionKind::Original, l.clone())]),
        authority: None,
    });
    a.ingest(
        inputs,
        &IngestOptions {
            batch_size: 100,
            ..Default::default()
        },
        |_| {},
    )
    .unwrap();
    a.add_user("sam", Level::Secret, vec![], Role::Reader).unwrap();
    a.set_password("sam", "correct horse").unwrap();
    for name in ["ann", "bob"] {
        a.add_user(name, Level::Secret, vec![], Role::Reviewer).unwrap();
        a.set_password(name, "correct horse").unwrap();
    }
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let (atx, arx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            atx.send(listener.local_addr().unwrap()).unwrap();
            let app = airgram_server::router(configure(airgram_server::AppState::new(a)));
            axum::serve(
                listener,
                app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
            )
            .with_graceful_shutdown(async move {
                let _ = tokio::task::spawn_blocking(move || rx.recv()).await;
            })
            .await
            .unwrap();
        });
    });
    (arx.recv().unwrap(), dir, tx)
}

fn sign_in(addr: SocketAddr, user: &str, password: &str) -> (Resp, String) {
    let page = http(addr, "GET", "/signin", "", None);
    let csrf = cookie_value(&page, airgram_server::CSRF_COOKIE).expect("csrf cookie");
    let form = format!("user={user}&password={}&csrf={csrf}", password.replace(' ', "+"));
    let r = http(addr, "POST", "/signin", &format!("airgram_csrf={csrf}"), Some(&form));
    (r, csrf)
}

#[test]
fn public_and_signed_in_readers_see_what_they_may() {
    let (addr, _dir, _stop) = start();
    let public = http(addr, "GET", "/api/search?q=cuba&facets=1", "", None).json();
    assert_eq!(public["total"], 1);
    let (r, csrf) = sign_in(addr, "sam", "correct horse");
    assert_eq!(r.status, 303, "{}", r.body);
    let session = cookie_value(&r, airgram_server::SESSION_COOKIE).expect("session cookie");
    assert_eq!(session.len(), 32, "128-bit token");
    let set = r.header("set-cookie").join(" ");
    assert!(set.contains("HttpOnly") && set.contains("SameSite=Strict"), "{set}");
    let cookies = format!("airgram_session={session}; airgram_csrf={csrf}");
    let secret = http(addr, "GET", "/api/search?q=cuba", &cookies, None).json();
    assert_eq!(secret["total"], 2);
    let page = http(addr, "GET", "/?q=cuba", &cookies, None);
    assert!(
        page.body.contains("sam (SECRET)") && page.body.contains("2 results"),
        "{}",
        page.body
    );
    // Sign-out ends the session.
    let out = http(addr, "POST", "/signout", &cookies, Some(&format!("csrf={csrf}")));
    assert_eq!(out.status, 303);
    assert_eq!(
        http(addr, "GET", "/api/search?q=cuba", &cookies, None).json()["total"],
        1
    );
}

#[test]
fn bad_sign_ins_and_forged_forms_are_refused() {
    let (addr, _dir, _stop) = start();
    let (wrong, _) = sign_in(addr, "sam", "wrong password");
    assert_eq!(wrong.status, 401);
    assert!(wrong.body.contains("unknown user or wrong password"));
    let (nobody, _) = sign_in(addr, "nobody", "correct horse");
    assert_eq!(nobody.status, 401);
    let forged = http(
        addr,
        "POST",
        "/signin",
        "airgram_csrf=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        Some("user=sam&password=correct+horse&csrf=bbbb"),
    );
    assert_eq!(forged.status, 403);
    assert!(cookie_value(&forged, airgram_server::SESSION_COOKIE).is_none());
}

#[test]
fn a_record_above_access_is_a_404_like_a_missing_one() {
    let (addr, _dir, _stop) = start();
    let ts_id = airgram_archive::content_id(b"verbatim topsecret cuba berlin");
    let hidden = http(addr, "GET", &format!("/api/records/{ts_id}"), "", None);
    let missing = http(addr, "GET", "/api/records/0123456789abcdef", "", None);
    assert_eq!((hidden.status, missing.status), (404, 404));
    assert_eq!(hidden.body, missing.body);
    for suffix in ["", "/source", "/graph"] {
        let h = http(addr, "GET", &format!("/records/{ts_id}{suffix}"), "", None);
        let m = http(addr, "GET", &format!("/records/0123456789abcdef{suffix}"), "", None);
        assert_eq!((h.status, m.status), (404, 404));
        assert_eq!(h.body, m.body, "page {suffix}");
    }
    // The public record shows its cites: one resolves to nothing visible.
    let pub_id = airgram_archive::content_id(b"verbatim public cuba berlin");
    let page = http(addr, "GET", &format!("/records/{pub_id}"), "", None);
    assert_eq!(page.status, 200);
    let g = http(addr, "GET", &format!("/api/records/{pub_id}/graph"), "", None).json();
    assert_eq!(
        g["edges"].as_array().unwrap().len(),
        0,
        "POLTO 2 is SECRET: no edge for the public"
    );
    assert_eq!(g["unresolved"].as_array().unwrap().len(), 2);
}

#[test]
fn a_message_id_naming_several_visible_records_offers_them_to_choose() {
    // A second `POLTO 2`, of a later year and public, beside the SECRET one.
    let mut again = record(2, Classification::Unclassified, "again");
    again.source_path = "again.txt".into();
    again.date = Some("1963-01-05".into());
    let (addr, _dir, _stop) = start_with(vec![(again, Label::unclassified())]);
    let secret_id = airgram_archive::content_id(b"verbatim secret cuba berlin");
    let again_id = airgram_archive::content_id(b"verbatim again berlin");

    // The public may see only one of them: it is simply that record.
    let public = http(addr, "GET", "/api/records/POLTO%202", "", None);
    assert_eq!(public.status, 200, "{}", public.body);
    assert_eq!(public.json()["id"], again_id.as_str());
    assert_eq!(http(addr, "GET", "/records/POLTO%202", "", None).status, 200);

    // A SECRET reader sees both: 409 with the records, oldest first.
    let (r, csrf) = sign_in(addr, "sam", "correct horse");
    let session = cookie_value(&r, airgram_server::SESSION_COOKIE).unwrap();
    let cookies = format!("airgram_session={session}; airgram_csrf={csrf}");
    let api = http(addr, "GET", "/api/records/POLTO%202", &cookies, None);
    assert_eq!(api.status, 409, "{}", api.body);
    let body = api.json();
    assert_eq!(body["code"], "ambiguous");
    let ids: Vec<&str> = body["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [secret_id.as_str(), again_id.as_str()]);
    assert_eq!(body["records"][0]["date"], "1962-10-03");
    assert_eq!(body["records"][1]["classification"], "UNCLASSIFIED");

    // The pages link each choice to the same view of that record.
    for suffix in ["", "/source", "/graph"] {
        let page = http(addr, "GET", &format!("/records/POLTO%202{suffix}"), &cookies, None);
        assert_eq!(page.status, 409, "page {suffix}");
        for id in [&secret_id, &again_id] {
            let link = format!("href=\"/records/{id}{suffix}\"");
            assert!(page.body.contains(&link), "{link} in {}", page.body);
        }
    }
    // The review page links each choice to its review page, a route
    // that exists.
    let (ann, _) = self::session(addr, "ann");
    let page = http(addr, "GET", "/review/POLTO%202", &ann, None);
    assert_eq!(page.status, 409, "{}", page.body);
    for id in [&secret_id, &again_id] {
        let link = format!("href=\"/review/{id}\"");
        assert!(page.body.contains(&link), "{link} in {}", page.body);
        assert_eq!(http(addr, "GET", &format!("/review/{id}"), &ann, None).status, 200);
    }
    // By id, each is an ordinary record.
    assert_eq!(
        http(addr, "GET", &format!("/api/records/{secret_id}"), &cookies, None).status,
        200
    );
}

#[test]
fn bad_queries_get_400_with_a_helpful_message() {
    let (addr, _dir, _stop) = start();
    let r = http(addr, "GET", "/api/search?q=%22open", "", None);
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["code"], "bad_query");
    assert!(r.json()["message"].as_str().unwrap().contains("quote"));
}

/// The statuses the OpenAPI document lists for an operation.
fn documented(doc: &serde_json::Value, method: &str, path: &str) -> Vec<u16> {
    doc["paths"][path][method]["responses"]
        .as_object()
        .unwrap_or_else(|| panic!("{method} {path} is not in the document"))
        .keys()
        .map(|k| k.parse().unwrap())
        .collect()
}

/// Checks an error answer: `{code, message}` JSON, with a status the
/// document lists for the operation.
fn check_error(doc: &serde_json::Value, method: &str, route: &str, r: &Resp, status: u16) {
    assert_eq!(r.status, status, "{method} {route}: {}", r.body);
    assert!(
        r.header("content-type")
            .iter()
            .any(|t| t.starts_with("application/json")),
        "{method} {route} answers {status} as JSON: {:?} {}",
        r.header("content-type"),
        r.body
    );
    let v = r.json();
    assert!(v["code"].is_string() && v["message"].is_string(), "{v}");
    assert!(
        documented(doc, method, route).contains(&status),
        "{method} {route} answers {status}, which the document does not list"
    );
}

#[test]
fn every_served_api_route_is_documented_and_every_documented_one_served() {
    let (addr, _dir, _stop) = start();
    let doc = http(addr, "GET", "/api/openapi.json", "", None).json();
    let paths: Vec<&String> = doc["paths"].as_object().unwrap().keys().collect();
    assert!(paths.iter().any(|p| *p == "/api/export"), "export is documented");
    let pub_id = airgram_archive::content_id(b"verbatim public cuba berlin");
    let (cookies, csrf) = session(addr, "ann");
    for p in &paths {
        let ops = doc["paths"][p.as_str()].as_object().unwrap();
        for method in ops.keys() {
            let url = p
                .replace("{id}", &pub_id)
                .replace("{event}", "1")
                .replace("{referral}", "1");
            let r = request(
                addr,
                &method.to_uppercase(),
                &url,
                &cookies,
                &[("x-csrf-token", &csrf)],
                (method == "post").then_some(("application/json", "{}")),
            );
            // Served: whatever the answer, it is not the unknown route's.
            assert!(!r.body.contains("no such route"), "{method} {p} is served");
            assert!(
                documented(&doc, method, p).contains(&r.status),
                "{method} {p} answered {}, not in the document: {}",
                r.status,
                r.body
            );
        }
    }
    // A route not in the document is not served, and says so as JSON.
    let r = http(addr, "GET", "/api/secret-stuff", "", None);
    assert_eq!(r.status, 404);
    assert!(r.json()["message"].as_str().unwrap().contains("no such route"));
}

/// Regression (issue 22): the framework's own rejections came back as
/// text/plain, with statuses the document did not list.
#[test]
fn framework_rejections_are_json_errors_with_documented_statuses() {
    let (addr, _dir, _stop) = start();
    let doc = http(addr, "GET", "/api/openapi.json", "", None).json();
    let pub_id = airgram_archive::content_id(b"verbatim public cuba berlin");
    let (cookies, csrf) = session(addr, "ann");
    let graph = "/api/records/{id}/graph";
    let r = http(addr, "GET", &format!("/api/records/{pub_id}/graph?depth=abc"), "", None);
    check_error(&doc, "get", graph, &r, 400);
    let r = http(addr, "GET", &format!("/api/records/{pub_id}/graph?depth=9"), "", None);
    check_error(&doc, "get", graph, &r, 400);
    let approve = "/api/review/events/{event}/approve";
    let r = http(addr, "GET", "/api/review/events/1/approve", "", None);
    check_error(&doc, "post", approve, &r, 405);
    assert!(!r.header("allow").is_empty(), "405 names the methods allowed");
    let r = http(addr, "POST", "/api/review/events/abc/approve", "", None);
    check_error(&doc, "post", approve, &r, 400);
    let csrf_h = [("x-csrf-token", csrf.as_str())];
    let r = request(addr, "POST", "/api/review/events/1/approve", &cookies, &csrf_h, None);
    check_error(&doc, "post", approve, &r, 415);
    let r = request(
        addr,
        "POST",
        "/api/review/events/1/approve",
        &cookies,
        &csrf_h,
        Some(("application/json", "{\"pass")),
    );
    check_error(&doc, "post", approve, &r, 400);
    let r = request(
        addr,
        "POST",
        "/api/review/events/1/approve",
        &cookies,
        &csrf_h,
        Some(("application/json", "{\"password\": 7}")),
    );
    check_error(&doc, "post", approve, &r, 422);
    let big = format!("{{\"password\": \"{}\"}}", "x".repeat(100 * 1024));
    let r = request(
        addr,
        "POST",
        "/api/review/events/1/approve",
        &cookies,
        &csrf_h,
        Some(("application/json", &big)),
    );
    check_error(&doc, "post", approve, &r, 413);
}

/// Regression (issue 22): `q=` and 3,000 `(` (or 3,000 `NOT `, or 6,000
/// `-`) overflowed a worker thread's stack and killed the server.
#[test]
fn a_query_nested_thousands_deep_is_a_400_and_the_server_lives() {
    let (addr, _dir, _stop) = start();
    for q in [
        "%28".repeat(3000),
        "NOT+".repeat(3000),
        "-".repeat(6000),
        "%28".repeat(2000),
        "NOT+".repeat(1000),
        "-".repeat(4000),
    ] {
        let r = http(addr, "GET", &format!("/api/search?q={q}cuba"), "", None);
        assert_eq!(r.status, 400, "{}", r.body);
        assert_eq!(r.json()["code"], "bad_query");
        let page = http(addr, "GET", &format!("/?q={q}cuba"), "", None);
        assert_eq!(page.status, 400);
    }
    assert_eq!(http(addr, "GET", "/api/search?q=cuba", "", None).status, 200);
}

/// Regression (issue 22): each `fq` wrapped the query in another pair of
/// parentheses, so a few thousand of them overflowed the stack with no
/// bracket in the query.
#[test]
fn thousands_of_fq_filters_are_a_400_not_a_crash() {
    let (addr, _dir, _stop) = start();
    let many = "&fq=type:telegram".repeat(3000);
    let r = http(addr, "GET", &format!("/api/search?q=cuba{many}"), "", None);
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.json()["message"].as_str().unwrap().contains("fq"));
    // Up to the bound, filters narrow without nesting.
    let some = "&fq=type:telegram".repeat(airgram_server::MAX_FILTERS);
    let r = http(addr, "GET", &format!("/api/search?q=cuba{some}"), "", None);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["total"], 1);
    let r = http(addr, "GET", "/api/search?q=cuba&fq=nofield:x", "", None);
    assert_eq!(r.status, 400);
}

/// Regression (issue 22): a page that is not a number was accepted, and
/// past page 1,001 results repeated while "next" was still offered.
#[test]
fn pages_out_of_range_or_not_numbers_are_a_400() {
    let (addr, _dir, _stop) = start();
    for page in ["abc", "0", "-1", "1001", "99999999999999999999"] {
        let r = http(addr, "GET", &format!("/api/search?q=cuba&page={page}"), "", None);
        assert_eq!(r.status, 400, "page={page}: {}", r.body);
        assert!(r.json()["message"].as_str().unwrap().contains("page"));
    }
    assert_eq!(http(addr, "GET", "/api/search?q=cuba&page=1000", "", None).status, 200);
    let r = http(addr, "GET", "/api/export?q=cuba&limit=5000", "", None);
    assert_eq!(r.status, 400);
}

#[test]
fn two_hundred_concurrent_readers() {
    let (addr, _dir, _stop) = start();
    let t = std::time::Instant::now();
    let handles: Vec<_> = (0..200)
        .map(|i| {
            std::thread::spawn(move || {
                let q = ["cuba", "berlin", "public", "cuba%20OR%20berlin"][i % 4];
                (0..5)
                    .filter(|_| http(addr, "GET", &format!("/api/search?q={q}"), "", None).status == 200)
                    .count()
            })
        })
        .collect();
    let ok: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
    let secs = t.elapsed().as_secs_f64();
    eprintln!(
        "load: 1000 requests from 200 concurrent readers, {ok} ok, {:.0} req/s",
        1000.0 / secs
    );
    assert_eq!(ok, 1000, "every request answered");
}

fn session(addr: SocketAddr, user: &str) -> (String, String) {
    let (r, csrf) = sign_in(addr, user, "correct horse");
    let session = cookie_value(&r, airgram_server::SESSION_COOKIE).expect("session");
    (format!("airgram_session={session}; airgram_csrf={csrf}"), csrf)
}

#[test]
fn review_over_the_api_needs_a_reviewer_a_form_token_and_a_second_person() {
    let (addr, _dir, _stop) = start();
    let secret_id = airgram_archive::content_id(b"verbatim secret cuba berlin");
    let public = http(addr, "GET", "/api/review/queue", "", None);
    assert_eq!(
        (public.status, public.json()["code"].as_str()),
        (403, Some("forbidden"))
    );
    let (sam, sam_csrf) = session(addr, "sam");
    assert_eq!(
        http(addr, "GET", "/api/review/queue", &sam, None).status,
        403,
        "readers do not review"
    );

    let (ann, ann_csrf) = session(addr, "ann");
    let q = http(addr, "GET", "/api/review/queue", &ann, None).json();
    assert_eq!(
        q["total"], 1,
        "the SECRET record is due; the public one is open, TOP SECRET beyond ann"
    );
    let proposal = serde_json::json!({
        "decision": "EXCISE",
        "comment": "the word is sensitive",
        "excisions": [{"field": "body", "start": 0, "end": 6, "codes": ["25x1"]}]
    });
    let path = format!("/api/review/records/{secret_id}/proposals");
    let forged = api(addr, "POST", &path, &ann, "wrong-token-wrong-token-wrong-to", &proposal);
    assert_eq!((forged.status, forged.json()["code"].as_str()), (403, Some("csrf")));
    let sam_try = api(addr, "POST", &path, &sam, &sam_csrf, &proposal);
    assert_eq!(sam_try.status, 403);
    let made = api(addr, "POST", &path, &ann, &ann_csrf, &proposal);
    assert_eq!(made.status, 201, "{}", made.body);
    let event = made.json()["event"].as_u64().unwrap();
    assert!(made.json()["preview"]["body"]
        .as_str()
        .unwrap()
        .starts_with("[less than 1 line not declassified — 25X1]"));
    let again = api(addr, "POST", &path, &ann, &ann_csrf, &proposal);
    assert_eq!((again.status, again.json()["code"].as_str()), (409, Some("conflict")));

    let approve = format!("/api/review/events/{event}/approve");
    let own = api(
        addr,
        "POST",
        &approve,
        &ann,
        &ann_csrf,
        &serde_json::json!({"password": "correct horse"}),
    );
    assert_eq!(own.status, 403, "the proposer cannot approve");
    let (bob, bob_csrf) = session(addr, "bob");
    let wrong = api(
        addr,
        "POST",
        &approve,
        &bob,
        &bob_csrf,
        &serde_json::json!({"password": "wrong horse"}),
    );
    assert_eq!(wrong.status, 403);
    let ok = api(
        addr,
        "POST",
        &approve,
        &bob,
        &bob_csrf,
        &serde_json::json!({"password": "correct horse"}),
    );
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(ok.json()["published"], "UNCLASSIFIED");

    // The public gets the release, its plain history, and nothing excised.
    let rec = http(addr, "GET", &format!("/api/records/{secret_id}"), "", None);
    assert_eq!(rec.status, 200);
    assert!(rec.body.contains("not declassified — 25X1") && !rec.body.contains("secret cuba"));
    assert_eq!(http(addr, "GET", "/api/search?q=secret", "", None).json()["total"], 0);
    assert_eq!(http(addr, "GET", "/api/search?q=cuba", "", None).json()["total"], 2);
    let h = http(addr, "GET", &format!("/api/records/{secret_id}/reviews"), "", None);
    assert!(
        h.body.contains("EXCISE") && !h.body.contains("ann") && !h.body.contains("sensitive"),
        "{}",
        h.body
    );
    assert_eq!(
        http(addr, "GET", &format!("/api/records/{secret_id}/source"), "", None).status,
        404
    );
    let page = http(addr, "GET", &format!("/review/{secret_id}"), &ann, None);
    assert!(page.body.contains("approved") && page.body.contains("the word is sensitive"));
}

/// Pages a browser cannot be turned against (issue 22): every response
/// carries the CSP (no inline style or script), no sniffing, no framing,
/// a same-origin referrer; and no page holds an inline style or script
/// that the policy would block.
#[test]
fn every_response_carries_the_security_headers_and_pages_nothing_inline() {
    let (addr, _dir, _stop) = start();
    let pub_id = airgram_archive::content_id(b"verbatim public cuba berlin");
    let (cookies, _) = session(addr, "ann");
    for path in [
        "/".to_string(),
        "/?q=cuba".into(),
        format!("/records/{pub_id}"),
        format!("/records/{pub_id}/source"),
        format!("/records/{pub_id}/graph"),
        "/review".into(),
        format!("/review/{pub_id}"),
        "/review/report".into(),
        "/signin".into(),
        "/no-such-page".into(),
        "/api/search?q=cuba".into(),
        "/api/search?q=%22open".into(),
        "/static/airgram.css".into(),
    ] {
        let r = http(addr, "GET", &path, &cookies, None);
        let csp = r.header("content-security-policy").join(" ");
        assert!(
            csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"),
            "{path}: {csp}"
        );
        assert!(!csp.contains("unsafe-inline"), "{path}");
        assert_eq!(r.header("x-content-type-options"), ["nosniff"], "{path}");
        assert_eq!(r.header("referrer-policy"), ["same-origin"], "{path}");
        assert_eq!(r.header("x-frame-options"), ["DENY"], "{path}");
        assert!(r.header("strict-transport-security").is_empty(), "no HSTS without TLS");
        if r.header("content-type").iter().any(|t| t.starts_with("text/html")) {
            assert!(!r.body.contains("style="), "{path} has an inline style");
            assert!(!r.body.contains("<style"), "{path} has a style element");
            for tag in r.body.split("<script").skip(1) {
                let open = tag.split('>').next().unwrap();
                assert!(
                    open.contains("src=") || open.contains("application/json"),
                    "{path} has an inline script: <script{open}>"
                );
            }
        }
    }
    for (file, ty) in [
        ("airgram.css", "text/css"),
        ("source.js", "text/javascript"),
        ("review.js", "text/javascript"),
    ] {
        let r = http(addr, "GET", &format!("/static/{file}"), "", None);
        assert_eq!(r.status, 200);
        assert!(r.header("content-type")[0].starts_with(ty));
    }
}

/// Regression (issue 22): 30 wrong passwords for one account in 1.3 s
/// were all answered 401, then the right one signed in at once.
#[test]
fn guessing_one_accounts_password_is_throttled_with_retry_after() {
    let (addr, _dir, _stop) = start();
    for _ in 0..5 {
        let (r, _) = sign_in(addr, "sam", "wrong horse");
        assert_eq!(r.status, 401);
    }
    let (r, _) = sign_in(addr, "sam", "correct horse");
    assert_eq!(r.status, 429, "the right password waits too: {}", r.body);
    assert!(r.body.contains("too many failed sign-ins"), "{}", r.body);
    let wait: u64 = r.header("retry-after")[0].parse().unwrap();
    assert!((1..=2).contains(&wait), "{wait}");
    // Another account from the same address is not held back by sam's.
    let (r, _) = sign_in(addr, "ann", "correct horse");
    assert_eq!(r.status, 303);
}

#[test]
fn one_address_guessing_many_names_is_throttled() {
    let (addr, _dir, _stop) = start();
    for i in 0..20 {
        let (r, _) = sign_in(addr, &format!("user{i}"), "wrong horse");
        assert_eq!(r.status, 401, "try {i}");
    }
    let (r, _) = sign_in(addr, "ann", "correct horse");
    assert_eq!(r.status, 429, "{}", r.body);
    assert!(!r.header("retry-after").is_empty());
}

/// Behind a trusted proxy (issue 19's cluster), the per-address throttle
/// counts the client the proxy names, not the proxy: one guesser does not
/// lock out everyone behind it. From anyone else, the header counts for
/// nothing, or a guesser could name a new address with every try.
#[test]
fn behind_a_trusted_proxy_the_throttle_counts_the_forwarded_client() {
    let guess = |addr: SocketAddr, forwarded: &str, user: &str, password: &str| {
        let page = http(addr, "GET", "/signin", "", None);
        let csrf = cookie_value(&page, airgram_server::CSRF_COOKIE).expect("csrf cookie");
        let form = format!("user={user}&password={}&csrf={csrf}", password.replace(' ', "+"));
        let cookie = format!("airgram_csrf={csrf}");
        let headers = [("x-forwarded-for", forwarded)];
        let content = Some(("application/x-www-form-urlencoded", form.as_str()));
        request(addr, "POST", "/signin", &cookie, &headers, content).status
    };
    let (addr, _dir, _stop) = start_configured(vec![], |s| s.trusted_proxies(vec!["127.0.0.1".parse().unwrap()]));
    for i in 0..20 {
        assert_eq!(
            guess(addr, "203.0.113.9", &format!("user{i}"), "wrong horse"),
            401,
            "try {i}"
        );
    }
    assert_eq!(
        guess(addr, "203.0.113.9", "ann", "correct horse"),
        429,
        "the guesser waits"
    );
    // A client's own header before the proxy's entry is not believed.
    assert_eq!(guess(addr, "198.51.100.1, 203.0.113.9", "ann", "correct horse"), 429);
    assert_eq!(
        guess(addr, "198.51.100.7", "ann", "correct horse"),
        303,
        "another client does not"
    );

    let (addr, _dir, _stop) = start();
    for i in 0..20 {
        assert_eq!(
            guess(addr, &format!("203.0.113.{i}"), &format!("user{i}"), "wrong horse"),
            401
        );
    }
    assert_eq!(
        guess(addr, "198.51.100.7", "ann", "correct horse"),
        429,
        "an untrusted header is ignored"
    );
}

/// Found by schemathesis (issue 22): an event or referral number past
/// 2^63 reached SQLite, which cannot bind it: a 500. It names nothing: 404.
#[test]
fn event_numbers_past_the_stores_range_are_not_found_not_a_server_error() {
    let (addr, _dir, _stop) = start();
    let (cookies, csrf) = session(addr, "ann");
    for path in [
        "/api/review/events/9223372036854775808/return",
        "/api/review/referrals/9223372036854775808/answer",
        "/api/review/events/18446744073709551615/approve",
    ] {
        let body = serde_json::json!({"comment": "", "response": "CONCUR", "password": "correct horse"});
        let r = api(addr, "POST", path, &cookies, &csrf, &body);
        assert_eq!(r.status, 404, "{path}: {}", r.body);
    }
}
