//! Crash consistency: real ingest processes killed at random moments, and
//! failures injected in the commit path. After each, the archive reopens
//! consistent: committed batches whole, the rest cleanly absent.

mod common;

use common::shared;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

/// An archive as the command line names it: a directory, or a
/// PostgreSQL database with this process's index directory.
struct Arch {
    archive: std::ffi::OsString,
    index_dir: Option<std::path::PathBuf>,
}

impl Arch {
    fn dir(p: &Path) -> Arch {
        Arch {
            archive: p.into(),
            index_dir: None,
        }
    }

    fn postgres(url: &str, index_dir: &Path) -> Arch {
        Arch {
            archive: url.into(),
            index_dir: Some(index_dir.to_path_buf()),
        }
    }
}

fn airgram(a: &Arch) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_airgram"));
    c.arg("--archive").arg(&a.archive);
    if let Some(d) = &a.index_dir {
        c.arg("--index-dir").arg(d);
    }
    c
}

fn run(archive: &Arch, args: &[&str]) -> Output {
    airgram(archive).args(args).output().expect("airgram runs")
}

fn volumes() -> Vec<String> {
    ["frus1961-63v06", "frus1961-63v15", "frus1964-68v14"]
        .iter()
        .map(|v| shared().join("corpus/frus").join(v).display().to_string())
        .collect()
}

/// A reader who may see every version the FRUS volumes carry.
const ADD_ALL_SEEING: &[&str] = &[
    "user",
    "add",
    "all",
    "--clearance",
    "TS",
    "--auth",
    "NODIS,EXDIS,EYES ONLY,LIMDIS,NOFORN,SENSITIVE",
];

/// Everything stored, as the all-seeing reader counts it.
fn stored_total(archive: &Arch) -> u64 {
    let out = run(
        archive,
        &["search", "", "--as", "all", "--format", "json", "--limit", "1"],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["total"].as_u64().unwrap()
}

fn assert_consistent(archive: &Arch) {
    let out = run(archive, &["check"]);
    assert!(
        out.status.success(),
        "archive inconsistent after a crash:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A cheap deterministic sequence of kill delays.
fn delays(n: usize) -> Vec<u64> {
    let mut x: u64 = 0x9E3779B97F4A7C15;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            20 + x % 900
        })
        .collect()
}

#[test]
fn killed_ingests_leave_the_archive_consistent() {
    let dir = tempfile::tempdir().unwrap();
    let a = &Arch::dir(dir.path());
    let user = run(a, ADD_ALL_SEEING);
    assert!(user.status.success());
    let mut args: Vec<String> = vec!["ingest".into(), "--batch-size".into(), "40".into()];
    args.extend(volumes());
    let mut last_total = 0;
    let mut totals = Vec::new();
    for (i, ms) in delays(12).into_iter().enumerate() {
        let mut child = airgram(a)
            .args(&args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(ms));
        let _ = child.kill(); // SIGKILL: no chance to clean up
        let _ = child.wait();
        assert_consistent(a);
        let total = stored_total(a);
        assert!(
            total >= last_total,
            "kill {i}: committed work disappeared ({last_total} -> {total})"
        );
        last_total = total;
        totals.push(total);
    }
    // Finishing the ingest completes the archive: nothing lost, nothing doubled.
    let out = airgram(a).args(&args).output().unwrap();
    assert!(out.status.success());
    assert_consistent(a);
    let fresh = tempfile::tempdir().unwrap();
    let mut fresh_args = args.clone();
    fresh_args[2] = "10000".into();
    assert!(run(
        &Arch::dir(fresh.path()),
        &fresh_args.iter().map(String::as_str).collect::<Vec<_>>()
    )
    .status
    .success());
    run(&Arch::dir(fresh.path()), ADD_ALL_SEEING);
    let full = stored_total(&Arch::dir(fresh.path()));
    assert_eq!(stored_total(a), full);
    // The kills must have landed mid-ingest, or this test proves nothing.
    assert!(
        totals.iter().any(|&t| t > 0 && t < full),
        "no kill interrupted an ingest: {totals:?}"
    );
}

/// Ingests the 120-document volume in batches of `batch` with the failpoint
/// `point` set: the ingest fails, the archive is consistent with one of
/// `kept` records (the store may have committed the batch it was inserting
/// when the index failed), and ingesting again completes it.
fn fail_then_recover(point: &str, batch: &str, kept: &[u64]) {
    let vol = shared().join("corpus/frus/frus1961-63v06");
    let vol = vol.to_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let a = &Arch::dir(dir.path());
    run(a, ADD_ALL_SEEING);
    let args = ["ingest", vol, "--batch-size", batch];
    let out = airgram(a).args(args).env("AIRGRAM_FAIL", point).output().unwrap();
    assert!(
        !out.status.success(),
        "{point}: the injected failure must fail the ingest"
    );
    assert_consistent(a);
    let stored = stored_total(a);
    assert!(
        kept.contains(&stored),
        "{point}: the batches before the failure stay, no more: {stored} stored, not one of {kept:?}"
    );
    let out = run(a, &args);
    assert!(out.status.success(), "{point}: ingest after recovery");
    assert_consistent(a);
    assert_eq!(stored_total(a), 120);
}

#[test]
fn failures_in_the_commit_path_roll_back_cleanly() {
    // One batch. The store commits first: a failure before its commit
    // leaves nothing; one after it (the index's commit) leaves the batch
    // stored, and the index takes it from the change log on the next open.
    for (point, kept) in [
        ("ingest.before_store_commit", &[0][..]),
        ("ingest.before_store_commit:abort", &[0]),
        ("ingest.before_index_commit", &[120]),
        ("ingest.before_index_commit:abort", &[120]),
    ] {
        fail_then_recover(point, "25000", kept);
    }
}

/// The store inserts the next batch while the index commits this one, so
/// the store can be a batch ahead of the index when something fails, never
/// behind. Whatever fails, or dies, at a later batch: the batches the store
/// committed stay whole, the rest is cleanly absent, and the index catches
/// up on the next open (batches of 40).
#[test]
fn failures_at_a_later_batch_keep_the_earlier_ones() {
    for (point, kept) in [
        // The store fails batch 2: batch 1 stays.
        ("ingest.before_store_commit@2", &[40][..]),
        // The process dies before the store commits batch 3.
        ("ingest.before_store_commit@3:abort", &[80]),
        // The index fails batch 2 after the store committed it, and maybe
        // batch 3 too, inserted meanwhile.
        ("ingest.before_index_commit@2", &[80, 120]),
        // The process dies with the store's batch 2 committed and the
        // index's not.
        ("ingest.before_index_commit@2:abort", &[80, 120]),
    ] {
        fail_then_recover(point, "40", kept);
    }
}

/// Regression (issue 22): `clear` wrote the index's `FORMAT` before the
/// rebuild, so a process killed during `reindex`, or during the rebuild of
/// an index in an older layout, left a current `FORMAT` over partitions
/// that were empty or short; the next open never rebuilt them, and
/// searches silently found less. Now the mark is written after the last
/// commit, and an index without it is rebuilt from the store.
#[test]
fn a_reindex_or_rebuild_killed_midway_is_rebuilt_on_the_next_open() {
    let vol = shared().join("corpus/frus/frus1961-63v06");
    let dir = tempfile::tempdir().unwrap();
    let a = &Arch::dir(dir.path());
    run(a, ADD_ALL_SEEING);
    assert!(run(a, &["ingest", vol.to_str().unwrap()]).status.success());
    assert_eq!(stored_total(a), 120);
    let index = dir.path().join("index");

    let out = airgram(a)
        .arg("reindex")
        .env("AIRGRAM_FAIL", "reindex.after_chunk:abort")
        .output()
        .unwrap();
    assert!(!out.status.success(), "the failpoint killed the reindex");
    assert_eq!(stored_total(a), 120, "after a killed reindex");
    assert_consistent(a);

    // An index in another layout is rebuilt on open; kill that rebuild.
    std::fs::write(index.join("FORMAT"), "1\n").unwrap();
    let out = airgram(a)
        .args(["search", "cuba", "--as", "all"])
        .env("AIRGRAM_FAIL", "rebuild.after_record:abort")
        .output()
        .unwrap();
    assert!(!out.status.success(), "the failpoint killed the rebuild");
    assert_eq!(stored_total(a), 120, "after a killed rebuild");
    assert_consistent(a);

    // And an index directory deleted outright is rebuilt too.
    std::fs::remove_dir_all(&index).unwrap();
    assert_eq!(stored_total(a), 120, "after the index was deleted");
    assert_consistent(a);
}

/// Runs `args` with `stdin`, killing it (SIGKILL) after `ms`; whether the
/// kill found it still running.
fn kill_after(archive: &Arch, args: &[&str], stdin: &str, ms: u64) -> bool {
    use std::io::Write;
    let mut child = airgram(archive)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    std::thread::sleep(Duration::from_millis(ms));
    let running = child.try_wait().unwrap().is_none();
    let _ = child.kill();
    let _ = child.wait();
    running
}

/// Runs `args` with `stdin` to its end.
fn run_in(archive: &Arch, args: &[&str], stdin: &str) -> Output {
    use std::io::Write;
    let mut child = airgram(archive)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn ok(archive: &Arch, args: &[&str], stdin: &str) -> String {
    let out = run_in(archive, args, stdin);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The crash loop (issue 22): kill -9 at random moments of ingest, review
/// approval and reindex, in turn. After each kill `check` and `audit
/// verify` pass, and nothing committed is lost; an interrupted approval
/// either took effect whole (the public reads the release) or not at all
/// (approving again publishes it). `AIRGRAM_CRASH_KILLS` sets the number
/// of kills: 50 by default, as CI runs it (30 on PostgreSQL, where each
/// command also connects).
#[test]
fn crash_loop_kills_ingest_approval_and_reindex_at_random() {
    let dir = tempfile::tempdir().unwrap();
    crash_loop(&Arch::dir(&dir.path().join("archive")), dir.path(), kills(50));
}

/// The crash loop on a PostgreSQL archive (issue 19): the process killed
/// holds connections mid-transaction, which the server rolls back; its
/// index directory is left as the kill left it.
#[test]
fn on_postgres_crash_loop_kills_ingest_approval_and_reindex_at_random() {
    let db = common::Db::new("crash");
    let dir = tempfile::tempdir().unwrap();
    crash_loop(
        &Arch::postgres(&db.url, &dir.path().join("index")),
        dir.path(),
        kills(30),
    );
}

/// `AIRGRAM_CRASH_KILLS`, else `default`.
fn kills(default: usize) -> usize {
    std::env::var("AIRGRAM_CRASH_KILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn crash_loop(a: &Arch, dir: &Path, kills: usize) {
    run(a, ADD_ALL_SEEING);
    for name in ["ann", "bob"] {
        ok(
            a,
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
    // Records that fall due for review, to approve releases of.
    let corpus = dir.join("corpus");
    let n = (kills * 2).max(60).to_string();
    ok(
        a,
        &[
            "generate",
            "--count",
            &n,
            "--seed",
            "11",
            "--out",
            corpus.to_str().unwrap(),
        ],
        "",
    );
    ok(a, &["ingest", corpus.to_str().unwrap()], "");
    let mut ingest: Vec<String> = vec!["ingest".into(), "--batch-size".into(), "20".into()];
    ingest.extend(volumes());
    let ingest: Vec<&str> = ingest.iter().map(String::as_str).collect();

    let mut last_total = stored_total(a);
    let mut interrupted = 0;
    for (i, ms) in delays(kills).into_iter().enumerate() {
        let ms = ms / 2;
        let running = match i % 3 {
            0 => kill_after(a, &ingest, "", ms),
            1 => {
                let q: serde_json::Value =
                    serde_json::from_str(&ok(a, &["review", "queue", "--as", "ann", "--format", "json"], "")).unwrap();
                let id = q["items"][0]["id"].as_str().expect("a record due").to_string();
                let out = ok(
                    a,
                    &["review", "propose", &id, "--as", "ann", "--decision", "release"],
                    "",
                );
                let event: String = out
                    .split('#')
                    .nth(1)
                    .unwrap()
                    .chars()
                    .take_while(char::is_ascii_digit)
                    .collect();
                let approve = ["review", "approve", &event, "--as", "bob", "--password-stdin"];
                let running = kill_after(a, &approve, "bob-password\n", ms);
                assert_consistent(a);
                // Whole or not at all: approving again either publishes it
                // or finds it already approved; then the public reads it.
                let again = run_in(a, &approve, "bob-password\n");
                let said = String::from_utf8_lossy(&again.stderr);
                assert!(
                    again.status.success() || said.contains("already approved"),
                    "kill {i}: approve again: {said}"
                );
                assert!(
                    run(a, &["show", &id]).status.success(),
                    "kill {i}: the release is public"
                );
                running
            }
            _ => kill_after(a, &["reindex"], "", ms),
        };
        interrupted += usize::from(running);
        if (i + 1) % 100 == 0 {
            eprintln!("crash loop: {} kills, {interrupted} mid-operation", i + 1);
        }
        assert_consistent(a);
        let verified = run(a, &["audit", "verify"]);
        assert!(
            verified.status.success(),
            "kill {i}: {}",
            String::from_utf8_lossy(&verified.stdout)
        );
        let total = stored_total(a);
        assert!(
            total >= last_total,
            "kill {i}: committed work disappeared ({last_total} -> {total})"
        );
        last_total = total;
    }
    eprintln!("crash loop: {kills} kills, {interrupted} mid-operation");
    assert!(
        interrupted * 3 >= kills,
        "too few kills landed mid-operation: {interrupted} of {kills}"
    );
}

/// Mounts a tmpfs of `mb` megabytes at `dir` for the life of the guard.
struct SmallDisk(std::path::PathBuf);

impl SmallDisk {
    fn mount(dir: &Path, mb: u32) -> SmallDisk {
        std::fs::create_dir_all(dir).unwrap();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={mb}m"), "tmpfs"])
            .arg(dir)
            .status()
            .expect("mount runs");
        assert!(ok.success(), "mounting a tmpfs needs root (CI runs as root)");
        SmallDisk(dir.to_path_buf())
    }
    fn resize(&self, mb: u32) {
        let ok = Command::new("mount")
            .args(["-o", &format!("remount,size={mb}m")])
            .arg(&self.0)
            .status()
            .unwrap();
        assert!(ok.success());
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// A disk that fills up during ingest (issue 22): the ingest fails with
/// an error that says the disk is full, the archive stays consistent with
/// whole batches only, and once there is room the rerun finishes.
#[test]
fn a_disk_that_fills_during_ingest_fails_clearly_and_the_rerun_finishes() {
    let dir = tempfile::tempdir().unwrap();
    let disk = SmallDisk::mount(&dir.path().join("disk"), 6);
    let a = &Arch::dir(&dir.path().join("disk/archive"));
    run(a, ADD_ALL_SEEING);
    let mut args: Vec<String> = vec!["ingest".into(), "--batch-size".into(), "40".into()];
    args.extend(volumes());
    let out = airgram(a).args(&args).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "6 MB cannot hold three volumes");
    assert!(
        err.contains("No space left on device")
            || err.contains("disk is full")
            || err.contains("database or disk is full"),
        "the error says the disk is full: {err}"
    );
    disk.resize(512);
    assert_consistent(a);
    let partial = stored_total(a);
    let out = airgram(a).args(&args).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_consistent(a);
    let verified = run(a, &["audit", "verify"]);
    assert!(verified.status.success());
    let total = stored_total(a);
    assert!(total > partial, "the rerun added the rest ({partial} -> {total})");
    let fresh = tempfile::tempdir().unwrap();
    let mut fresh_args = args.clone();
    fresh_args[2] = "10000".into();
    let refs: Vec<&str> = fresh_args.iter().map(String::as_str).collect();
    assert!(run(&Arch::dir(fresh.path()), &refs).status.success());
    run(&Arch::dir(fresh.path()), ADD_ALL_SEEING);
    assert_eq!(
        total,
        stored_total(&Arch::dir(fresh.path())),
        "nothing lost, nothing doubled"
    );
}

/// Fault injection in the index directory (issue 22): the Nth filesystem
/// sync, rename or atomic write fails as a disk would. Whichever fails, the
/// ingest reports it, the archive stays consistent with whole batches
/// only, and ingesting again completes it.
#[test]
fn the_nth_index_sync_rename_or_write_failing_leaves_the_archive_consistent() {
    let vol = shared().join("corpus/frus/frus1961-63v06");
    let vol = vol.to_str().unwrap();
    for point in [
        "index.sync#1",
        "index.sync#4",
        "index.rename#2",
        "index.rename#7",
        "index.write#3",
    ] {
        let dir = tempfile::tempdir().unwrap();
        let a = &Arch::dir(dir.path());
        run(a, ADD_ALL_SEEING);
        let args = ["ingest", vol, "--batch-size", "30"];
        let out = airgram(a).args(args).env("AIRGRAM_FAIL", point).output().unwrap();
        assert!(!out.status.success(), "{point}: the injected failure fails the ingest");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("injected I/O error"),
            "{point}: the error is reported: {err}"
        );
        assert_consistent(a);
        let kept = stored_total(a);
        assert!(
            kept.is_multiple_of(30) && kept < 120,
            "{point}: whole batches only, not all: {kept}"
        );
        assert!(run(a, &args).status.success(), "{point}: ingest after the failure");
        assert_consistent(a);
        assert_eq!(stored_total(a), 120, "{point}");
    }
}
