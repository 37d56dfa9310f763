//! Writing messages through the binary (issue 20): draft, clear and
//! release with the two-person and re-authentication rules, numbers and
//! voids in a series' register; and eight processes releasing 1,000
//! messages into one series at once, on SQLite and on PostgreSQL: numbers
//! 1..1000, each once, none missing; and release processes killed at
//! random, leaving no gap, no repeat and nothing half-released.
//!
//! The PostgreSQL test needs the server named by `AIRGRAM_TEST_PG` (the
//! test command starts one: `scripts/with-postgres`); without it it fails.

mod common;

use airgram_access::{Level, Reader};
use airgram_archive::Archive;
use airgram_messaging::Message;
use common::{ok, run, Db};
use std::ffi::OsString;
use std::path::Path;
use std::process::{Command, Stdio};

/// `--archive X [--index-dir Y]` for the binary.
fn args_of(archive: &OsString, index: Option<&Path>) -> Vec<OsString> {
    let mut v = vec!["--archive".into(), archive.clone()];
    if let Some(i) = index {
        v.push("--index-dir".into());
        v.push(i.into());
    }
    v
}

fn add_users(archive: &OsString, index: Option<&Path>) {
    for (name, role) in [("ann", "drafter"), ("carl", "drafter"), ("bob", "releaser")] {
        let out = Command::new(env!("CARGO_BIN_EXE_airgram"))
            .args(args_of(archive, index))
            .args([
                "user",
                "add",
                name,
                "--clearance",
                "TS",
                "--role",
                role,
                "--password-stdin",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .and_then(|mut c| {
                use std::io::Write;
                c.stdin
                    .take()
                    .unwrap()
                    .write_all(format!("{name}-password\n").as_bytes())?;
                c.wait()
            })
            .unwrap();
        assert!(out.success());
    }
}

#[test]
fn a_message_is_drafted_cleared_released_and_numbered() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("archive");
    add_users(&a.clone().into_os_string(), None);
    let example = ok(&a, &["message", "example"], "");
    let file = dir.path().join("draft.json");
    std::fs::write(&file, &example).unwrap();
    let f = file.to_str().unwrap();
    let id: serde_json::Value =
        serde_json::from_str(&ok(&a, &["message", "draft", f, "--as", "ann", "--format", "json"], "")).unwrap();
    let id = id["id"].as_u64().unwrap().to_string();
    // It needs POL's clearance before release.
    assert!(ok(&a, &["message", "submit", &id, "--as", "ann"], "").contains("in-clearance"));
    let early = run(
        &a,
        &["message", "release", &id, "--as", "bob", "--password-stdin"],
        "bob-password\n",
    );
    assert!(!early.status.success());
    assert!(
        String::from_utf8_lossy(&early.stderr).contains("in-clearance"),
        "{early:?}"
    );
    assert!(ok(&a, &["message", "clear", &id, "--as", "carl", "--office", "POL"], "").contains("cleared"));
    // The drafter may not release it, nor may a wrong password.
    let own = run(
        &a,
        &["message", "release", &id, "--as", "ann", "--password-stdin"],
        "ann-password\n",
    );
    assert!(
        String::from_utf8_lossy(&own.stderr).contains("may not release"),
        "{own:?}"
    );
    let wrong = run(
        &a,
        &["message", "release", &id, "--as", "bob", "--password-stdin"],
        "guess\n",
    );
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("re-authentication failed"));
    let number = ok(
        &a,
        &["message", "release", &id, "--as", "bob", "--password-stdin"],
        "bob-password\n",
    );
    assert_eq!(number.trim(), "POLTO A-1");
    // Released once only.
    let again = run(
        &a,
        &["message", "release", &id, "--as", "bob", "--password-stdin"],
        "bob-password\n",
    );
    assert!(!again.status.success());
    let shown: serde_json::Value = serde_json::from_str(&ok(
        &a,
        &["message", "show", &id, "--as", "bob", "--format", "json"],
        "",
    ))
    .unwrap();
    assert_eq!(
        (shown["state"].as_str(), shown["number"].as_str()),
        (Some("released"), Some("POLTO A-1"))
    );
    assert_eq!(shown["message"]["clearances"][0]["name"], "carl");
    // A SECRET message is no one's business below SECRET: as if missing.
    let public = run(&a, &["message", "show", &id], "");
    assert!(!public.status.success());
    assert!(String::from_utf8_lossy(&public.stderr).contains(&format!("message {id}")));
    // Transmitted, it gets its date-time group and is at once a record of
    // the archive, held at SECRET: found by the releaser, by no one else.
    let sent = ok(&a, &["message", "transmit", &id, "--as", "bob"], "");
    let parts: Vec<&str> = sent.split_whitespace().collect();
    assert_eq!(&parts[..2], ["POLTO", "A-1"], "{sent}");
    assert!(parts[2].ends_with('Z') && parts[2].len() == 7, "{sent}");
    let record = parts[6].to_string();
    let found: serde_json::Value = serde_json::from_str(&ok(
        &a,
        &["search", "reserved their positions", "--as", "bob", "--format", "json"],
        "",
    ))
    .unwrap();
    assert_eq!(found["total"], 1);
    assert_eq!(found["hits"][0]["id"], record.as_str());
    assert_eq!(found["hits"][0]["message_id"], "POLTO A-1");
    let public: serde_json::Value =
        serde_json::from_str(&ok(&a, &["search", "reserved their positions", "--format", "json"], "")).unwrap();
    assert_eq!(public["total"], 0);
    let shown = ok(&a, &["show", "POLTO A-1", "--as", "bob", "--format", "json"], "");
    assert!(shown.contains("TOPOL 599") && shown.contains("USRO PARIS"), "{shown}");
    // Again (as after a crash between the two steps): the same record, no other.
    assert_eq!(ok(&a, &["message", "transmit", &id, "--as", "bob"], ""), sent);
    let cable = ok(&a, &["message", "render", &id, "--as", "bob", "--layout", "cable"], "");
    assert!(
        cable.contains(&format!("ROUTINE {} {} {}", parts[2], parts[3], parts[4])),
        "{cable}"
    );
    // A spoiled number is void, and the register has no gap.
    ok(
        &a,
        &["message", "void", "POLTO A", "--as", "bob", "--reason", "typed over"],
        "",
    );
    let gaps = ok(&a, &["message", "series", "POLTO A", "--gaps"], "");
    assert_eq!(gaps.trim().lines().count(), 1, "{gaps}");
    assert!(gaps.contains("POLTO A-2  void: typed over"), "{gaps}");
    // Every step is in the audit chain, which verifies.
    ok(&a, &["audit", "verify"], "");
}

/// Eight processes, each releasing its share of `count` cleared messages
/// at once into one series; then the register is 1..count, each number
/// once, each message once.
fn eight_releasers(archive: OsString, index: Option<&Path>, open: impl Fn() -> Archive, count: usize) {
    add_users(&archive, index);
    let a = open();
    let ann = a.reader(Some("ann")).unwrap();
    let mut msg = Message::example();
    msg.clearances.clear();
    msg.series = "PARIS".into();
    let ids: Vec<u64> = (0..count)
        .map(|_| {
            let id = a.draft_message(&ann, &msg).unwrap();
            a.submit_message(&ann, id).unwrap();
            id
        })
        .collect();
    drop(a);
    let children: Vec<_> = ids
        .chunks(count.div_ceil(8))
        .map(|share| {
            let mut c = Command::new(env!("CARGO_BIN_EXE_airgram"));
            c.args(args_of(&archive, index))
                .args(["message", "release", "--as", "bob", "--password-stdin"])
                .args(share.iter().map(u64::to_string))
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
            let mut child = c.spawn().unwrap();
            use std::io::Write;
            child.stdin.take().unwrap().write_all(b"bob-password\n").unwrap();
            child
        })
        .collect();
    assert_eq!(children.len(), 8);
    let mut numbers: Vec<u64> = Vec::new();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        for line in String::from_utf8(out.stdout).unwrap().lines() {
            numbers.push(line.strip_prefix("PARIS ").unwrap().parse().unwrap());
        }
    }
    numbers.sort();
    assert_eq!(numbers, (1..=count as u64).collect::<Vec<_>>(), "1..N, each once");
    let a = open();
    let year = a.register("PARIS", None).unwrap();
    assert!(year.missing.is_empty());
    let mut released: Vec<u64> = year.numbers.iter().filter_map(|e| e.message).collect();
    released.sort();
    assert_eq!(released, ids, "each message numbered once");
    assert!(a.audit_verify().unwrap().is_ok());
    let all = Reader::new("all", Level::TopSecret, Vec::<String>::new());
    assert_eq!(a.show_message(&all, ids[0]).unwrap().state, "released");
}

#[test]
fn eight_processes_release_a_thousand_messages_into_one_series_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("archive");
    eight_releasers(
        path.clone().into_os_string(),
        None,
        || Archive::open(&path).unwrap(),
        1000,
    );
}

#[test]
fn eight_processes_release_a_thousand_messages_into_one_series_on_postgres() {
    let db = Db::new("messages");
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");
    let url = db.url.clone();
    eight_releasers(
        url.clone().into(),
        Some(&index),
        || Archive::open_named(Path::new(&url), Some(&index)).unwrap(),
        1000,
    );
}

/// Release processes that die mid-run (aborted before their Nth release,
/// or killed with SIGKILL at a random moment): after each
/// the series has no gap and no repeat, every released message holds the
/// number the register gives it, and no number is held by a message that
/// is not released. Nothing is half-released.
#[test]
fn killed_releases_leave_no_gap_no_repeat_and_nothing_half_released() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("archive");
    add_users(&path.clone().into_os_string(), None);
    let a = Archive::open(&path).unwrap();
    let ann = a.reader(Some("ann")).unwrap();
    let mut msg = Message::example();
    msg.clearances.clear();
    msg.series = "USUN".into();
    let mut waiting: Vec<u64> = (0..600)
        .map(|_| {
            let id = a.draft_message(&ann, &msg).unwrap();
            a.submit_message(&ann, id).unwrap();
            id
        })
        .collect();
    drop(a);
    let all = Reader::new("all", Level::TopSecret, Vec::<String>::new());
    let mut x: u64 = 0x2545F4914F6CDD1D;
    let rounds = 16;
    for round in 0..rounds {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let share: Vec<u64> = waiting.iter().take(60).copied().collect();
        let mut release = Command::new(env!("CARGO_BIN_EXE_airgram"));
        release
            .arg("--archive")
            .arg(&path)
            .args(["message", "release", "--as", "bob", "--password-stdin"])
            .args(share.iter().map(u64::to_string))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        // Every other round dies for certain before its Nth release (the
        // process aborts, as a kill would); the others are killed at a
        // random moment after some releases were printed, which may land
        // between two, inside one, or after the last.
        let dies_before = (round % 2 == 0).then(|| 2 + x % 30);
        if let Some(n) = dies_before {
            release.env("AIRGRAM_FAIL", format!("message.release@{n}:abort"));
        }
        let mut child = release.spawn().unwrap();
        {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(b"bob-password\n").unwrap();
        }
        let before = waiting.len();
        if let Some(n) = dies_before {
            let status = child.wait().unwrap();
            assert!(!status.success(), "round {round}: the failpoint stopped it");
            let a = Archive::open(&path).unwrap();
            let released = a.register("USUN", None).unwrap().numbers.len();
            assert_eq!(
                released,
                600 - before + n as usize - 1,
                "round {round}: all before the {n}th"
            );
        } else {
            let mut lines = std::io::BufRead::lines(std::io::BufReader::new(child.stdout.take().unwrap()));
            for _ in 0..1 + x % 20 {
                lines.next();
            }
            std::thread::sleep(std::time::Duration::from_micros(x % 500));
            let _ = child.kill();
            let _ = child.wait();
        }
        let a = Archive::open(&path).unwrap();
        let reg = a.register("USUN", None).unwrap();
        assert!(reg.missing.is_empty(), "round {round}: gap {:?}", reg.missing);
        for (i, e) in reg.numbers.iter().enumerate() {
            assert_eq!(
                e.number,
                format!("USUN {}", i + 1),
                "round {round}: in order, each once"
            );
            let m = a.show_message(&all, e.message.unwrap()).unwrap();
            assert_eq!((m.state, m.number.as_deref()), ("released", Some(e.number.as_str())));
        }
        let numbered: Vec<u64> = reg.numbers.iter().filter_map(|e| e.message).collect();
        waiting.retain(|id| !numbered.contains(id));
        for id in &waiting {
            let m = a.show_message(&all, *id).unwrap();
            assert_eq!((m.state, m.number), ("cleared", None), "round {round}: message {id}");
        }
        assert!(a.audit_verify().unwrap().is_ok());
    }
}
