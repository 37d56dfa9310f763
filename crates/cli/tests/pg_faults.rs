//! PostgreSQL going away under a running archive (issue 19): an ingest cut
//! off mid-batch fails naming the database, leaves nothing half-committed,
//! and its rerun completes; a server answers 503 `unavailable` (pages say
//! so in words) while the database is down, and recovers by itself when it
//! returns.
//!
//! Each test starts a PostgreSQL cluster of its own (it stops it), from the
//! Debian package's binaries; as root the cluster belongs to `postgres`,
//! since initdb refuses root. Without PostgreSQL installed they fail.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A PostgreSQL cluster in a temporary directory, stopped and removed when
/// dropped.
struct Cluster {
    bin: PathBuf,
    dir: tempfile::TempDir,
    port: u16,
    root: bool,
}

impl Cluster {
    fn start() -> Cluster {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .ok()
            .and_then(|d| d.flatten().map(|e| e.path().join("bin")).filter(|p| p.exists()).max())
            .expect("PostgreSQL is not installed (apt-get install postgresql)");
        let dir = tempfile::Builder::new()
            .prefix("airgram-pgf")
            .tempdir_in("/tmp")
            .unwrap();
        let root = Command::new("id")
            .arg("-u")
            .output()
            .map(|o| o.stdout == b"0\n")
            .unwrap_or(false);
        if root {
            assert!(Command::new("chown")
                .arg("postgres")
                .arg(dir.path())
                .status()
                .unwrap()
                .success());
        }
        // A port free now (tests run side by side, each with a cluster).
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let c = Cluster { bin, dir, port, root };
        let out = c.pg(
            "initdb",
            &["-D", &c.data(), "-A", "trust", "-U", "postgres", "--no-sync"],
        );
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        c.up();
        c
    }

    fn data(&self) -> String {
        self.dir.path().join("db").display().to_string()
    }

    fn pg(&self, tool: &str, args: &[&str]) -> Output {
        let exe = self.bin.join(tool);
        let mut cmd = if self.root {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(exe);
            c
        } else {
            Command::new(exe)
        };
        cmd.args(args).output().unwrap()
    }

    fn up(&self) {
        let opts = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1",
            self.port,
            self.dir.path().display()
        );
        let log = self.dir.path().join("log").display().to_string();
        let out = self.pg("pg_ctl", &["-D", &self.data(), "-l", &log, "-w", "-o", &opts, "start"]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }

    /// As a crash would: no shutdown checkpoint, connections cut.
    fn down(&self) {
        let out = self.pg("pg_ctl", &["-D", &self.data(), "-m", "immediate", "-w", "stop"]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }

    fn url(&self, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db}", self.port)
    }

    fn create(&self, db: &str) {
        let mut c = postgres::Client::connect(&self.url("postgres"), postgres::NoTls).unwrap();
        c.batch_execute(&format!("CREATE DATABASE {db}")).unwrap();
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self.pg("pg_ctl", &["-D", &self.data(), "-m", "immediate", "stop"]);
    }
}

fn airgram(url: &str, index: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_airgram"));
    c.args(["--archive", url, "--index-dir"]).arg(index);
    c
}

fn total(url: &str, index: &Path) -> u64 {
    let out = airgram(url, index)
        .args(["search", "", "--as", "all", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["total"].as_u64().unwrap()
}

fn add_all_seeing(url: &str, index: &Path) {
    let out = airgram(url, index)
        .args([
            "user",
            "add",
            "all",
            "--clearance",
            "TS",
            "--auth",
            "NODIS,EXDIS,EYES ONLY,LIMDIS,NOFORN,SENSITIVE",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn postgres_stopped_mid_ingest_fails_clearly_and_the_rerun_completes() {
    let pg = Cluster::start();
    pg.create("cut");
    let url = pg.url("cut");
    let dir = tempfile::tempdir().unwrap();
    let (index, corpus) = (dir.path().join("index"), dir.path().join("corpus"));
    let out = airgram(&url, &index)
        .args(["generate", "--count", "3000", "--seed", "9", "--out"])
        .arg(&corpus)
        .output()
        .unwrap();
    assert!(out.status.success());
    add_all_seeing(&url, &index);
    let ingest = || {
        airgram(&url, &index)
            .args(["ingest", "--batch-size", "100"])
            .arg(&corpus)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let child = ingest();
    std::thread::sleep(Duration::from_millis(1500));
    pg.down();
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "the ingest cannot finish without its database");
    assert!(
        err.contains("unavailable") && err.contains("cut"),
        "the error names the database: {err}"
    );
    pg.up();
    let check = airgram(&url, &index).arg("check").output().unwrap();
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stdout));
    let partial = total(&url, &index);
    assert!(
        partial.is_multiple_of(100) && partial < 3000,
        "whole batches only: {partial}"
    );
    let out = ingest().wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(total(&url, &index), 3000);
    let verified = airgram(&url, &index).args(["audit", "verify"]).output().unwrap();
    assert!(verified.status.success());
}

/// `airgram serve`, killed when dropped.
struct Server(Child, String);

impl Server {
    fn get(&self, path: &str) -> (u16, String) {
        let mut s = TcpStream::connect(&self.1).unwrap();
        write!(s, "GET {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n").unwrap();
        let mut raw = String::new();
        s.read_to_string(&mut raw).unwrap();
        let status = raw[9..12].parse().unwrap();
        (status, raw)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn a_server_answers_503_while_postgres_is_down_and_recovers_by_itself() {
    let pg = Cluster::start();
    pg.create("gone");
    let url = pg.url("gone");
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");
    let vol = common::shared().join("corpus/frus/frus1961-63v06");
    let out = airgram(&url, &index)
        .args(["ingest", "--released"])
        .arg(&vol)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut child = airgram(&url, &index)
        .args(["serve", "--addr", "127.0.0.1:0"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let addr = common::served_at(&mut child);
    let server = Server(child, addr);
    assert_eq!(server.get("/api/search?q=Berlin").0, 200);

    pg.down();
    let (status, raw) = server.get("/api/search?q=Berlin");
    assert_eq!(status, 503, "{raw}");
    assert!(raw.contains("\"code\":\"unavailable\""), "{raw}");
    let (_, page) = server.get("/?q=Berlin");
    assert!(page.contains("cannot be reached"), "the page says so in words: {page}");

    pg.up();
    let t = Instant::now();
    while server.get("/api/search?q=Berlin").0 != 200 {
        assert!(t.elapsed() < Duration::from_secs(10), "the server did not recover");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(server.get("/").0, 200);
}
