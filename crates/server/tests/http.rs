//! The server over real HTTP on loopback: sign-in, sessions, CSRF, the
//! not-found rule in pages and API, the OpenAPI document against the
//! routes, and a bounded load of concurrent readers.

use airgram_access::{Label, Level, VersionKind};
use airgram_archive::{Archive, IngestOptions, Input};
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
    let mut s = TcpStream::connect(addr).unwrap();
    let body = form.unwrap_or("");
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n");
    if !cookies.is_empty() {
        req.push_str(&format!("Cookie: {cookies}\r\n"));
    }
    if form.is_some() {
        req.push_str(&format!(
            "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n",
            body.len()
        ));
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
    let dir = tempfile::tempdir().unwrap();
    let mut a = Archive::open(dir.path()).unwrap();
    let recs = [
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
    a.add_user("sam", Level::Secret, vec![], "reader").unwrap();
    a.set_password("sam", "correct horse").unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let (atx, arx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            atx.send(listener.local_addr().unwrap()).unwrap();
            let app = airgram_server::router(airgram_server::AppState::new(a));
            axum::serve(listener, app)
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
fn bad_queries_get_400_with_a_helpful_message() {
    let (addr, _dir, _stop) = start();
    let r = http(addr, "GET", "/api/search?q=%22open", "", None);
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["code"], "bad_query");
    assert!(r.json()["message"].as_str().unwrap().contains("quote"));
}

#[test]
fn openapi_lists_exactly_the_api_routes() {
    let (addr, _dir, _stop) = start();
    let doc = http(addr, "GET", "/api/openapi.json", "", None).json();
    let paths: Vec<String> = doc["paths"].as_object().unwrap().keys().cloned().collect();
    let routes: Vec<String> = airgram_server::API_ROUTES.iter().map(|r| r.1.to_string()).collect();
    assert_eq!(paths, routes);
    let pub_id = airgram_archive::content_id(b"verbatim public cuba berlin");
    for p in paths {
        let url = p.replace("{id}", &pub_id);
        let r = http(addr, "GET", &url, "", None);
        assert_eq!(r.status, 200, "documented route {p} answers");
    }
    // And an undocumented /api path does not exist.
    assert_eq!(http(addr, "GET", "/api/secret-stuff", "", None).status, 404);
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
