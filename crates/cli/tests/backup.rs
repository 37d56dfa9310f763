//! Online backup and restore through the binary: a backup taken while a
//! server runs on the archive and an ingest writes to it restores to an
//! archive that finds the same records and keeps the same audit chain.

mod common;

use common::shared;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn airgram(archive: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_airgram"))
        .arg("--archive")
        .arg(archive)
        .args(args)
        .output()
        .expect("airgram runs")
}

fn ok(archive: &Path, args: &[&str]) -> String {
    let out = airgram(archive, args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The ids every query finds, as the all-seeing reader.
fn found(archive: &Path, q: &str) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_str(&ok(
        archive,
        &["search", q, "--as", "all", "--format", "json", "--limit", "1000"],
    ))
    .unwrap();
    let mut ids: Vec<String> = v["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

#[test]
fn a_backup_taken_while_serving_and_ingesting_restores_the_same_archive() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("archive");
    let vols = shared().join("corpus/frus");
    ok(
        &a,
        &[
            "user",
            "add",
            "all",
            "--clearance",
            "TS",
            "--auth",
            "NODIS,EXDIS,EYES ONLY,LIMDIS,NOFORN,SENSITIVE",
        ],
    );
    ok(&a, &["ingest", vols.join("frus1961-63v06").to_str().unwrap()]);

    let mut server = Command::new(env!("CARGO_BIN_EXE_airgram"))
        .arg("--archive")
        .arg(&a)
        .args(["serve", "--addr", "127.0.0.1:0"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    common::served_at(&mut server);

    // An ingest writes while the backup reads.
    let mut ingest = Command::new(env!("CARGO_BIN_EXE_airgram"))
        .arg("--archive")
        .arg(&a)
        .args([
            "ingest",
            vols.join("frus1961-63v15").to_str().unwrap(),
            "--batch-size",
            "50",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let b = dir.path().join("backup");
    let said = ok(&a, &["backup", b.to_str().unwrap()]);
    assert!(said.contains("backed up"), "{said}");
    assert!(ingest.wait().unwrap().success());
    let _ = server.kill();
    let _ = server.wait();

    // The backup is one consistent state: whole batches, the chain intact.
    let r = dir.path().join("restored");
    let said = ok(&r, &["restore", b.to_str().unwrap()]);
    assert!(said.contains("index rebuilt"), "{said}");
    ok(&r, &["check"]);
    let verified = ok(&r, &["audit", "verify"]);
    assert!(verified.starts_with("ok:"), "{verified}");
    let restored = found(&r, "").len();
    let total = found(&a, "").len();
    assert!(
        restored == total || (restored >= 120 && (restored - 120).is_multiple_of(50)),
        "the first volume and whole batches of 50 of the second: {restored} of {total}"
    );

    // Made again once the writers are done, a backup restores to exactly
    // what the archive holds: the same records, searches and audit chain.
    let b2 = dir.path().join("backup2");
    ok(&a, &["backup", b2.to_str().unwrap()]);
    let r2 = dir.path().join("restored2");
    ok(&r2, &["restore", b2.to_str().unwrap()]);
    for q in ["", "Berlin", "cuba OR laos", "\"prime minister\""] {
        assert_eq!(found(&a, q), found(&r2, q), "query {q:?}");
    }
    assert_eq!(ok(&a, &["audit", "verify"]), ok(&r2, &["audit", "verify"]));

    // A backup is never written over, nor restored over an archive.
    assert!(!airgram(&a, &["backup", b.to_str().unwrap()]).status.success());
    let out = airgram(&r, &["restore", b.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not empty"));
}
