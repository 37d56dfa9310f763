//! `airgram bench-serve`: the server under load, over real HTTP on
//! loopback, with keep-alive clients of its own (a thread and a connection
//! each, so the figures include the kernel's and the server's work, not a
//! generator's). Figures are printed, never asserted.
//!
//! 1. Searches from 1, 8 and 200 concurrent clients: requests/s, p50/p99.
//! 2. A load run: 200 readers searching and 5 reviewers writing (a
//!    proposal and its withdrawal, each a store transaction with its audit
//!    entry) for `--seconds`: errors, p50/p99 of each.
//! 3. Sign-in flood: search p99 from 8 clients with and without 50 wrong
//!    sign-ins a second (fresh names, so every one costs an argon2id
//!    check; the per-address throttle is off here, or it would refuse the
//!    flood before any hashing).

use airgram_access::Level;
use airgram_archive::{Archive, IngestOptions, Input, Role};
use serde_json::json;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// One keep-alive HTTP/1.1 connection.
struct Client {
    addr: SocketAddr,
    conn: Option<BufReader<TcpStream>>,
}

impl Client {
    fn new(addr: SocketAddr) -> Client {
        Client { addr, conn: None }
    }

    /// Sends a request and reads the whole answer: status and body.
    fn send(&mut self, method: &str, path: &str, headers: &str, body: &[u8]) -> std::io::Result<(u16, Vec<u8>)> {
        if self.conn.is_none() {
            let s = TcpStream::connect(self.addr)?;
            s.set_nodelay(true)?;
            s.set_read_timeout(Some(Duration::from_secs(60)))?;
            self.conn = Some(BufReader::new(s));
        }
        let r = self.exchange(method, path, headers, body);
        if r.is_err() {
            self.conn = None;
        }
        r
    }

    fn exchange(&mut self, method: &str, path: &str, headers: &str, body: &[u8]) -> std::io::Result<(u16, Vec<u8>)> {
        let conn = self.conn.as_mut().expect("connected");
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: bench\r\n{headers}Content-Length: {}\r\n\r\n",
            body.len()
        );
        let s = conn.get_mut();
        s.write_all(head.as_bytes())?;
        s.write_all(body)?;
        let mut line = String::new();
        conn.read_line(&mut line)?;
        let status: u16 = line
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .ok_or_else(|| std::io::Error::other(format!("bad status line {line:?}")))?;
        let (mut len, mut chunked, mut close) = (0usize, false, false);
        loop {
            line.clear();
            conn.read_line(&mut line)?;
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            let (k, v) = l.split_once(':').unwrap_or((l, ""));
            let (k, v) = (k.to_ascii_lowercase(), v.trim());
            match k.as_str() {
                "content-length" => len = v.parse().unwrap_or(0),
                "transfer-encoding" => chunked = v.contains("chunked"),
                "connection" => close = v.eq_ignore_ascii_case("close"),
                _ => {}
            }
        }
        let mut out = Vec::new();
        if chunked {
            loop {
                line.clear();
                conn.read_line(&mut line)?;
                let n = usize::from_str_radix(line.trim(), 16).map_err(std::io::Error::other)?;
                let mut chunk = vec![0; n + 2];
                conn.read_exact(&mut chunk)?;
                if n == 0 {
                    break;
                }
                out.extend_from_slice(&chunk[..n]);
            }
        } else {
            out.resize(len, 0);
            conn.read_exact(&mut out)?;
        }
        if close {
            self.conn = None;
        }
        Ok((status, out))
    }
}

fn enc(s: &str) -> String {
    airgram_server::url_encode(s)
}

/// Latencies in milliseconds and errors, of one kind of request.
#[derive(Default)]
struct Tally {
    ms: Vec<f64>,
    errors: u64,
    /// Writers only: a proposal refused because another writer's was
    /// open on the same record (409), as the two-person rule means.
    conflicts: u64,
}

impl Tally {
    fn merge(&mut self, o: Tally) {
        self.ms.extend(o.ms);
        self.errors += o.errors;
        self.conflicts += o.conflicts;
    }
    fn summary(&mut self, secs: f64) -> serde_json::Value {
        let n = self.ms.len();
        json!({
            "requests": n,
            "per_s": (n as f64 / secs).round(),
            "p50_ms": round2(crate::archive_bench::pct(&mut self.ms, 0.5)),
            "p99_ms": round2(crate::archive_bench::pct(&mut self.ms, 0.99)),
            "errors": self.errors,
            "conflicts": self.conflicts,
        })
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

const QUERIES: &[&str] = &[
    "cuba",
    "berlin OR laos",
    "\"council agreed\"",
    "from:\"USRO PARIS\"",
    "nato date:1961..1963",
    "khrush* -berlin",
];

/// `n` clients searching until `stop`, as `cookie` (empty: the public).
fn searchers(addr: SocketAddr, n: usize, cookie: &str, stop: &Arc<AtomicBool>) -> Vec<std::thread::JoinHandle<Tally>> {
    (0..n)
        .map(|i| {
            let stop = stop.clone();
            let headers = if cookie.is_empty() {
                String::new()
            } else {
                format!("Cookie: {cookie}\r\n")
            };
            std::thread::spawn(move || {
                let mut c = Client::new(addr);
                let mut t = Tally::default();
                let mut k = i;
                while !stop.load(Ordering::Relaxed) {
                    let path = format!("/api/search?q={}", enc(QUERIES[k % QUERIES.len()]));
                    k += 1;
                    let at = Instant::now();
                    match c.send("GET", &path, &headers, b"") {
                        Ok((200, _)) => t.ms.push(at.elapsed().as_secs_f64() * 1000.0),
                        _ => t.errors += 1,
                    }
                }
                t
            })
        })
        .collect()
}

fn run_for(secs: f64, stop: &Arc<AtomicBool>) {
    std::thread::sleep(Duration::from_secs_f64(secs));
    stop.store(true, Ordering::Relaxed);
}

fn join(handles: Vec<std::thread::JoinHandle<Tally>>) -> Tally {
    let mut all = Tally::default();
    for h in handles {
        all.merge(h.join().unwrap_or_default());
    }
    all
}

/// Signs in through the form: (cookie header value, CSRF token).
fn sign_in(addr: SocketAddr, user: &str, password: &str) -> anyhow::Result<(String, String)> {
    let mut s = TcpStream::connect(addr)?;
    s.write_all(b"GET /signin HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n")?;
    let mut text = String::new();
    s.read_to_string(&mut text)?;
    let cookie_of = |text: &str, name: &str| {
        text.lines()
            .filter_map(|l| {
                l.strip_prefix("set-cookie: ")
                    .or_else(|| l.strip_prefix("Set-Cookie: "))
            })
            .find_map(|c| c.strip_prefix(&format!("{name}=")))
            .map(|v| v.split(';').next().unwrap_or("").to_string())
    };
    let csrf = cookie_of(&text, airgram_server::CSRF_COOKIE).ok_or_else(|| anyhow::anyhow!("no form token"))?;
    let form = format!("user={}&password={}&csrf={csrf}", enc(user), enc(password));
    let mut s = TcpStream::connect(addr)?;
    write!(
        s,
        "POST /signin HTTP/1.1\r\nHost: bench\r\nConnection: close\r\nCookie: airgram_csrf={csrf}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{form}",
        form.len()
    )?;
    let mut text = String::new();
    s.read_to_string(&mut text)?;
    let session =
        cookie_of(&text, airgram_server::SESSION_COOKIE).ok_or_else(|| anyhow::anyhow!("{user} did not sign in"))?;
    Ok((format!("airgram_session={session}; airgram_csrf={csrf}"), csrf))
}

/// A reviewer writing until `stop`: each round proposes a decision on one
/// of the records due and withdraws it, two store transactions.
fn writer(addr: SocketAddr, who: usize, cookie: String, csrf: String, stop: Arc<AtomicBool>) -> Tally {
    let mut c = Client::new(addr);
    let mut t = Tally::default();
    let headers = format!("Cookie: {cookie}\r\n");
    let post = format!("Cookie: {cookie}\r\nx-csrf-token: {csrf}\r\nContent-Type: application/json\r\n");
    while !stop.load(Ordering::Relaxed) {
        let at = Instant::now();
        let id = match c.send("GET", "/api/review/queue", &headers, b"") {
            Ok((200, body)) => serde_json::from_slice::<serde_json::Value>(&body)
                .ok()
                .and_then(|q| q["items"][who]["id"].as_str().map(str::to_string)),
            _ => None,
        };
        let Some(id) = id else {
            t.errors += 1;
            continue;
        };
        let proposal = json!({"decision": "DENY", "codes": ["25X1"], "comment": "bench"}).to_string();
        let event = match c.send(
            "POST",
            &format!("/api/review/records/{id}/proposals"),
            &post,
            proposal.as_bytes(),
        ) {
            Ok((201, body)) => serde_json::from_slice::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| v["event"].as_u64()),
            Ok((409, _)) => {
                t.conflicts += 1;
                continue;
            }
            _ => None,
        };
        let Some(event) = event else {
            t.errors += 1;
            continue;
        };
        let back = json!({"comment": "bench"}).to_string();
        match c.send(
            "POST",
            &format!("/api/review/events/{event}/return"),
            &post,
            back.as_bytes(),
        ) {
            Ok((200, _)) => t.ms.push(at.elapsed().as_secs_f64() * 1000.0),
            _ => t.errors += 1,
        }
    }
    t
}

pub fn run(
    count: u64,
    seconds: f64,
    readers: usize,
    writers: usize,
    as_json: bool,
) -> anyhow::Result<std::process::ExitCode> {
    let tmp = tempfile::tempdir()?;
    eprintln!("generating and ingesting {count} documents");
    let archive = Archive::open(&tmp.path().join("archive"))?;
    let cfg = airgram_generate::Config { count, seed: 1962 };
    let inputs: Vec<Input> = airgram_generate::documents(&cfg)
        .map(|d| Input::text(d.truth.file, d.text.into_bytes()))
        .collect();
    archive.ingest(inputs, &IngestOptions::default(), |_| {})?;
    archive.wait_merges()?;
    let all: Vec<String> = airgram_access::CONTROL_CAVEATS.iter().map(|s| s.to_string()).collect();
    archive.add_user("bench", Level::TopSecret, all.clone(), Role::Reader)?;
    archive.set_password("bench", "bench-reader-pass")?;
    for w in 0..writers {
        let name = format!("writer{w}");
        archive.add_user(&name, Level::TopSecret, all.clone(), Role::Reviewer)?;
        archive.set_password(&name, "bench-writer-pass")?;
    }
    // The flood must reach the hasher: no per-address throttle here.
    let state = airgram_server::AppState::new(archive)
        .quiet()
        .address_throttle(airgram_archive::auth::Throttle {
            free: u32::MAX,
            base_secs: 0,
            max_secs: 0,
        });
    let rt = tokio::runtime::Runtime::new()?;
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
    let addr = listener.local_addr()?;
    rt.spawn(airgram_server::serve_on(listener, state, std::future::pending()));

    eprintln!("serving on http://{addr}");
    let (cookie, _) = sign_in(addr, "bench", "bench-reader-pass")?;
    let phase = |clients: usize, secs: f64| {
        let stop = Arc::new(AtomicBool::new(false));
        let hs = searchers(addr, clients, &cookie, &stop);
        run_for(secs, &stop);
        join(hs).summary(secs)
    };
    let short = (seconds / 6.0).clamp(2.0, 10.0);
    eprintln!("searching: 1, 8 and {readers} clients, {short:.0} s each");
    let one = phase(1, short);
    let eight = phase(8, short);
    let many = phase(readers, short);

    let generated = if crate::wrk::available() {
        eprintln!("wrk: the public and a signed-in reader, 1, 8 and {readers} clients, {short:.0} s each");
        let queries: Vec<String> = QUERIES.iter().map(|q| enc(q)).collect();
        let mut by_caller = serde_json::Map::new();
        for (who, c) in [("public", ""), ("signed_in", cookie.as_str())] {
            let runs = [1, 8, readers]
                .iter()
                .map(|&n| crate::wrk::searches(addr, n, short as u64, &queries, c))
                .collect::<anyhow::Result<Vec<_>>>()?;
            let per_s = |i: usize| runs[i]["per_s"].as_f64().unwrap_or(0.0);
            by_caller.insert(
                who.into(),
                json!({
                    "clients_1": runs[0],
                    "clients_8": runs[1],
                    format!("clients_{readers}"): runs[2],
                    "speedup_8": round2(per_s(1) / per_s(0).max(1.0)),
                    format!("speedup_{readers}"): round2(per_s(2) / per_s(0).max(1.0)),
                }),
            );
        }
        serde_json::Value::Object(by_caller)
    } else {
        eprintln!("wrk is not installed: its phase is skipped (apt-get install wrk)");
        serde_json::Value::Null
    };

    eprintln!("load: {readers} readers and {writers} writers for {seconds:.0} s");
    let sessions: Vec<(String, String)> = (0..writers)
        .map(|w| sign_in(addr, &format!("writer{w}"), "bench-writer-pass"))
        .collect::<anyhow::Result<_>>()?;
    let stop = Arc::new(AtomicBool::new(false));
    let reads = searchers(addr, readers, &cookie, &stop);
    let writes: Vec<_> = sessions
        .into_iter()
        .enumerate()
        .map(|(w, (c, t))| {
            let stop = stop.clone();
            std::thread::spawn(move || writer(addr, w, c, t, stop))
        })
        .collect();
    run_for(seconds, &stop);
    let mut reads = join(reads);
    let mut writes = join(writes);
    let load = json!({"seconds": seconds, "readers": reads.summary(seconds), "writers": writes.summary(seconds)});

    eprintln!("sign-in flood: 8 searchers, {short:.0} s without and with 50 wrong sign-ins a second");
    let quiet = phase(8, short);
    let stop = Arc::new(AtomicBool::new(false));
    // Ten senders of five a second each: a sign-in waits for its hash, so
    // one sender alone could not keep the pace.
    let flood: Vec<_> = (0..10u64)
        .map(|f| {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let (mut sent, mut refused) = (0u64, 0u64);
                let mut c = Client::new(addr);
                let csrf = "0123456789abcdef0123456789abcdef";
                let headers =
                    format!("Cookie: airgram_csrf={csrf}\r\nContent-Type: application/x-www-form-urlencoded\r\n");
                let start = Instant::now() + Duration::from_millis(f * 20);
                while !stop.load(Ordering::Relaxed) {
                    let form = format!("user=guess{f}x{sent}&password=wrong-password&csrf={csrf}");
                    match c.send("POST", "/signin", &headers, form.as_bytes()) {
                        Ok((429, _)) | Err(_) => refused += 1,
                        Ok(_) => {}
                    }
                    sent += 1;
                    // On schedule, whatever each answer took.
                    let next = start + Duration::from_millis(sent * 200);
                    std::thread::sleep(next.saturating_duration_since(Instant::now()));
                }
                (sent, refused)
            })
        })
        .collect();
    let hs = searchers(addr, 8, &cookie, &stop);
    run_for(short, &stop);
    let flooded = join(hs).summary(short);
    let (sent, refused) = flood
        .into_iter()
        .map(|h| h.join().unwrap_or((0, 0)))
        .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    let ratio = |a: &serde_json::Value, b: &serde_json::Value| {
        round2(a["p99_ms"].as_f64().unwrap_or(0.0) / b["p99_ms"].as_f64().unwrap_or(1.0).max(0.01))
    };
    let out = json!({
        "machine": crate::archive_bench::machine(),
        "documents": count,
        "search": {"clients_1": one, "clients_8": eight, format!("clients_{readers}"): many},
        "wrk": generated,
        "load": load,
        "sign_in_flood": {
            "without": quiet,
            "with": flooded,
            "sign_ins_sent": sent,
            "sign_ins_refused_busy": refused,
            "p99_ratio": ratio(&flooded, &quiet),
        },
    });
    if as_json {
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        let m = &out["machine"];
        println!(
            "bench-serve: {count} documents; {} ({} cores, {} GB)",
            m["cpu"].as_str().unwrap_or("?"),
            m["cores"],
            m["memory_gb"]
        );
        let row = |name: &str, v: &serde_json::Value| {
            println!(
                "  {name:<28} {:>7} req/s  p50 {:>7.2} ms  p99 {:>7.2} ms  errors {}  conflicts {}",
                v["per_s"],
                v["p50_ms"].as_f64().unwrap_or(0.0),
                v["p99_ms"].as_f64().unwrap_or(0.0),
                v["errors"],
                v["conflicts"]
            );
        };
        row("search, 1 client", &out["search"]["clients_1"]);
        row("search, 8 clients", &out["search"]["clients_8"]);
        row(
            &format!("search, {readers} clients"),
            &out["search"][format!("clients_{readers}")],
        );
        for who in ["public", "signed_in"] {
            let w = &out["wrk"][who];
            if w.is_null() {
                continue;
            }
            row(&format!("wrk {who}, 1 client"), &w["clients_1"]);
            row(&format!("wrk {who}, 8 clients"), &w["clients_8"]);
            row(
                &format!("wrk {who}, {readers} clients"),
                &w[format!("clients_{readers}")],
            );
            println!(
                "  wrk {who}: {}x one client's throughput with 8 clients, {}x with {readers}",
                w["speedup_8"],
                w[format!("speedup_{readers}")]
            );
        }
        row(&format!("load: {readers} readers"), &out["load"]["readers"]);
        row(&format!("load: {writers} writers (rounds)"), &out["load"]["writers"]);
        row("8 searchers, no flood", &out["sign_in_flood"]["without"]);
        row("8 searchers, 50 sign-ins/s", &out["sign_in_flood"]["with"]);
        println!(
            "  sign-in flood: {sent} sent, {refused} refused as busy; search p99 {}x without",
            out["sign_in_flood"]["p99_ratio"]
        );
    }
    Ok(std::process::ExitCode::SUCCESS)
}
