//! Moving an embedded archive into PostgreSQL (`airgram migrate`, issue
//! 19): after the copy, every reader finds, reads and reviews the same
//! records there, the audit chain verifies with every entry, and a copy
//! into a store that holds something is refused.
//!
//! Needs a PostgreSQL server named by `AIRGRAM_TEST_PG` (the test command
//! starts one: `scripts/with-postgres`); without it this test fails.

mod common;

use common::{ok, Db};
use std::process::Command;

#[test]
fn an_embedded_archive_moves_into_postgresql_whole() {
    let dir = tempfile::tempdir().unwrap();
    let embedded = dir.path().join("archive");
    let embedded = embedded.to_str().unwrap();
    let corpus = dir.path().join("corpus");
    ok(
        embedded,
        &[
            "generate",
            "--count",
            "40",
            "--seed",
            "3",
            "--out",
            corpus.to_str().unwrap(),
        ],
        "",
    );
    ok(embedded, &["ingest", corpus.to_str().unwrap()], "");
    for name in ["ann", "bob"] {
        ok(
            embedded,
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
    // A release approved, and reads audited, before the move.
    let q: serde_json::Value = serde_json::from_str(&ok(
        embedded,
        &["review", "queue", "--as", "ann", "--format", "json"],
        "",
    ))
    .unwrap();
    let id = q["items"][0]["id"].as_str().unwrap().to_string();
    let out = ok(
        embedded,
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
        embedded,
        &["review", "approve", &event, "--as", "bob", "--password-stdin"],
        "bob-password\n",
    );
    ok(embedded, &["search", "the", "--as", "ann"], "");

    let db = Db::new("migrate");
    let index = dir.path().join("node-index");
    let moved = Command::new(env!("CARGO_BIN_EXE_airgram"))
        .args([
            "--archive",
            embedded,
            "--index-dir",
            index.to_str().unwrap(),
            "migrate",
            "--to",
            &db.url,
        ])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&moved.stdout);
    assert!(
        moved.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&moved.stderr)
    );
    assert!(said.contains("copied 40 records"), "{said}");

    let pg = |args: &[&str]| {
        let mut all = vec!["--index-dir", index.to_str().unwrap()];
        all.extend(args);
        ok(&db.url, &all, "")
    };
    for who in [None, Some("ann")] {
        for q in ["the", "\"no harm\" OR telegram", "date:1950..1970"] {
            let mut args = vec!["search", q, "--format", "json", "--limit", "50"];
            if let Some(w) = who {
                args.extend(["--as", w]);
            }
            // The same records and count (hits of equal score come in
            // index order, which a rebuilt index need not share).
            let found = |json: String| {
                let v: serde_json::Value = serde_json::from_str(&json).unwrap();
                let mut ids: Vec<String> = v["hits"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|h| h["id"].to_string())
                    .collect();
                ids.sort();
                (v["total"].clone(), ids)
            };
            assert_eq!(found(pg(&args)), found(ok(embedded, &args, "")), "{who:?} {q}");
        }
    }
    for args in [
        vec!["show", id.as_str(), "--as", "ann", "--format", "json"],
        vec!["show", id.as_str(), "--format", "json"],
        vec!["review", "history", id.as_str(), "--as", "ann", "--format", "json"],
    ] {
        let before = ok(embedded, &args, "");
        assert_eq!(pg(&args), before, "{args:?}");
    }
    // Every audit entry came over, and the chain verifies there (the
    // commands above audited their reads in both, alike).
    let entries = |verified: String| verified.split_whitespace().nth(1).unwrap().parse::<u64>().unwrap();
    let here = entries(ok(embedded, &["audit", "verify"], ""));
    let there = entries(pg(&["audit", "verify"]));
    assert!(here > 3 && there == here, "{here} entries here, {there} there");
    // Passwords came too: bob can approve there.
    let out = ok(
        &db.url,
        &[
            "--index-dir",
            index.to_str().unwrap(),
            "review",
            "queue",
            "--as",
            "bob",
            "--format",
            "json",
        ],
        "",
    );
    assert!(out.contains("\"total\""));

    let again = Command::new(env!("CARGO_BIN_EXE_airgram"))
        .args([
            "--archive",
            embedded,
            "--index-dir",
            index.to_str().unwrap(),
            "migrate",
            "--to",
            &db.url,
        ])
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("not empty"));
}
