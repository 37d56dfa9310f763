//! A running server follows what other processes write (issue 19): an
//! ingest and a review approval made from the shell, while `airgram serve`
//! runs on the same archive, are found by the server's search within a
//! second, without a restart.

mod common;

use common::{ok, served_at, shared};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// `airgram serve` on `archive`, killed when dropped.
struct Server {
    child: Child,
    addr: String,
}

impl Server {
    fn start(archive: &Path) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_airgram"))
            .arg("--archive")
            .arg(archive)
            .args(["serve", "--addr", "127.0.0.1:0"])
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let addr = served_at(&mut child);
        Server { child, addr }
    }

    /// The public's search, as JSON.
    fn search(&self, q: &str) -> serde_json::Value {
        let mut s = TcpStream::connect(&self.addr).unwrap();
        let path = format!("/api/search?q={}&limit=100", q.replace(' ', "+").replace('"', "%22"));
        write!(s, "GET {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n").unwrap();
        let mut raw = String::new();
        s.read_to_string(&mut raw).unwrap();
        let (head, body) = raw.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        // The body is chunked unless it is small; the JSON is its one chunk.
        let json = if head.to_ascii_lowercase().contains("transfer-encoding: chunked") {
            let (_, rest) = body.split_once("\r\n").unwrap();
            rest.rsplit_once("\r\n0\r\n")
                .map_or(rest, |(j, _)| j)
                .trim_end()
                .to_string()
        } else {
            body.to_string()
        };
        serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}"))
    }

    /// How long until the server's search for `q` satisfies `done`, if
    /// within `limit`.
    fn until(&self, q: &str, limit: Duration, done: impl Fn(&serde_json::Value) -> bool) -> Option<Duration> {
        let t = Instant::now();
        while t.elapsed() < limit {
            if done(&self.search(q)) {
                return Some(t.elapsed());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The CLI's count for the public.
fn total(archive: &Path, q: &str) -> u64 {
    let v: serde_json::Value = serde_json::from_str(&ok(archive, &["search", q, "--format", "json"], "")).unwrap();
    v["total"].as_u64().unwrap()
}

#[test]
fn a_running_server_finds_what_another_process_ingests_within_a_second() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("archive");
    let frus = shared().join("corpus/frus");
    ok(
        &a,
        &["ingest", "--released", frus.join("frus1961-63v06").to_str().unwrap()],
        "",
    );
    let server = Server::start(&a);
    let before = server.search("Berlin")["total"].as_u64().unwrap();
    assert_eq!(before, total(&a, "Berlin"));

    ok(
        &a,
        &["ingest", "--released", frus.join("frus1961-63v15").to_str().unwrap()],
        "",
    );
    let after = total(&a, "Berlin");
    assert!(
        after > before,
        "the second volume mentions Berlin ({before} -> {after})"
    );
    let lag = server.until("Berlin", Duration::from_secs(5), |v| v["total"] == after);
    let lag = lag.expect("the server finds the new records");
    assert!(lag < Duration::from_secs(1), "found after {lag:?}");
}

#[test]
fn a_release_approved_from_the_shell_is_found_by_the_running_server() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("archive");
    let corpus = dir.path().join("corpus");
    ok(
        &a,
        &[
            "generate",
            "--count",
            "30",
            "--seed",
            "5",
            "--out",
            corpus.to_str().unwrap(),
        ],
        "",
    );
    ok(&a, &["ingest", corpus.to_str().unwrap()], "");
    for name in ["ann", "bob"] {
        ok(
            &a,
            &[
                "user",
                "add",
                name,
                "--clearance",
                "TS",
                "--role",
                "reviewer",
                "--password-stdin",
            ],
            &format!("{name}-password\n"),
        );
    }
    let q: serde_json::Value =
        serde_json::from_str(&ok(&a, &["review", "queue", "--as", "ann", "--format", "json"], "")).unwrap();
    let id = q["items"][0]["id"].as_str().expect("a record falls due").to_string();
    let orig: serde_json::Value =
        serde_json::from_str(&ok(&a, &["show", &id, "--as", "ann", "--format", "json"], "")).unwrap();
    // The first four words of its body: a phrase no other record opens with.
    let words: Vec<&str> = orig["body"]
        .as_str()
        .unwrap()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(4)
        .collect();
    let phrase = format!("\"{}\"", words.join(" "));

    let server = Server::start(&a);
    let has = |v: &serde_json::Value| v["hits"].as_array().unwrap().iter().any(|h| h["id"] == id.as_str());
    assert!(
        !has(&server.search(&phrase)),
        "classified: the public finds nothing yet"
    );
    let out = ok(
        &a,
        &[
            "review",
            "propose",
            &id,
            "--as",
            "ann",
            "--decision",
            "release",
            "--comment",
            "no harm",
        ],
        "",
    );
    let event: String = out
        .split('#')
        .nth(1)
        .unwrap()
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    ok(
        &a,
        &["review", "approve", &event, "--as", "bob", "--password-stdin"],
        "bob-password\n",
    );
    let lag = server
        .until(&phrase, Duration::from_secs(5), has)
        .expect("the server's search finds the release");
    assert!(lag < Duration::from_secs(1), "found after {lag:?}");
}
