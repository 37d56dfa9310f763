//! The archive through the `airgram` binary: ingest, search, show, graph,
//! users, check, audit — and what a reader without access is (not) told.

mod common;

use common::shared;
use std::path::Path;
use std::process::{Command, Output};

fn run(archive: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_airgram"))
        .arg("--archive")
        .arg(archive)
        .args(args)
        .output()
        .expect("airgram runs")
}

fn ok(archive: &Path, args: &[&str]) -> String {
    let out = run(archive, args);
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn json(archive: &Path, args: &[&str]) -> serde_json::Value {
    serde_json::from_str(&ok(archive, args)).unwrap()
}

/// A small labelled archive: one FRUS volume (as originals at their
/// markings) plus the seed.
fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path();
    let vol = shared().join("corpus/frus/frus1961-63v06");
    ok(a, &["ingest", vol.to_str().unwrap()]);
    ok(
        a,
        &[
            "user",
            "add",
            "ts",
            "--clearance",
            "TOP SECRET",
            "--auth",
            "NODIS,EXDIS,EYES ONLY,LIMDIS,NOFORN",
        ],
    );
    ok(a, &["user", "add", "conf", "--clearance", "CONFIDENTIAL"]);
    dir
}

#[test]
fn ingest_is_idempotent_and_check_agrees() {
    let dir = setup();
    let a = dir.path();
    let vol = shared().join("corpus/frus/frus1961-63v06");
    let again = ok(a, &["ingest", vol.to_str().unwrap()]);
    assert!(again.contains("0 new, 120 unchanged"), "{again}");
    assert!(ok(a, &["check"]).contains("ok"));
}

#[test]
fn readers_see_only_what_their_clearance_allows() {
    let dir = setup();
    let a = dir.path();
    let ts = json(
        a,
        &["search", "Khrushchev", "--as", "ts", "--format", "json", "--facets"],
    );
    let conf = json(
        a,
        &["search", "Khrushchev", "--as", "conf", "--format", "json", "--facets"],
    );
    let public = json(a, &["search", "Khrushchev", "--format", "json", "--facets"]);
    let total = |v: &serde_json::Value| v["total"].as_u64().unwrap();
    assert!(total(&ts) > total(&conf), "TOP SECRET sees more than CONFIDENTIAL");
    assert!(total(&conf) >= total(&public));
    // Facet counts never show a level above the reader's.
    for f in conf["facets"]["classification"].as_array().unwrap() {
        let v = f["value"].as_str().unwrap();
        assert!(
            !["SECRET", "TOP SECRET"].contains(&v),
            "CONFIDENTIAL reader counted a {v} record"
        );
    }
}

#[test]
fn an_invisible_record_answers_exactly_like_a_missing_one() {
    let dir = setup();
    let a = dir.path();
    let ts = json(
        a,
        &[
            "search",
            "classification:\"TOP SECRET\"",
            "--as",
            "ts",
            "--format",
            "json",
            "--limit",
            "1",
        ],
    );
    let id = ts["hits"][0]["id"].as_str().expect("a TOP SECRET record").to_string();
    let seen = run(a, &["show", &id, "--as", "ts", "--format", "json"]);
    assert!(seen.status.success());
    let hidden = run(a, &["show", &id, "--as", "conf"]);
    let missing = run(a, &["show", "0123456789abcdef", "--as", "conf"]);
    assert_eq!(hidden.status.code(), Some(1));
    assert_eq!(missing.status.code(), hidden.status.code());
    let msg = |o: &Output| {
        String::from_utf8_lossy(&o.stderr)
            .replace(&id, "KEY")
            .replace("0123456789abcdef", "KEY")
    };
    assert_eq!(msg(&hidden), msg(&missing));
    let g_hidden = run(a, &["graph", &id, "--as", "conf"]);
    assert_eq!(g_hidden.status.code(), Some(1));
}

#[test]
fn show_json_and_graph_formats() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path();
    let seed = shared().join("seed/polto-a-517.txt");
    ok(a, &["ingest", seed.to_str().unwrap(), "--label", "UNCLASSIFIED"]);
    let v = json(a, &["show", "polto a-517", "--format", "json"]);
    assert_eq!(v["message_id"], "POLTO A-517");
    assert_eq!(v["label"], "UNCLASSIFIED");
    for k in ["id", "versions", "cited_by", "body", "spans"] {
        assert!(v.get(k).is_some(), "show json lacks {k}");
    }
    let dot = ok(a, &["graph", "POLTO A-517", "--format", "dot"]);
    assert!(dot.starts_with("digraph"));
    assert!(dot.contains("TOPOL 594"), "unresolved cites are drawn: {dot}");
}

#[test]
fn a_message_id_naming_several_records_lists_them() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path();
    let seed = shared().join("seed/polto-a-517.txt");
    // A second transcription of the same airgram: another record, same id.
    let copy = dir.path().join("copy.txt");
    let mut text = std::fs::read_to_string(&seed).unwrap();
    text.push_str("\n[second transcription]\n");
    std::fs::write(&copy, text).unwrap();
    for p in [&seed, &copy] {
        ok(a, &["ingest", p.to_str().unwrap(), "--label", "UNCLASSIFIED"]);
    }
    let out = run(a, &["show", "POLTO A-517", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["code"], "ambiguous");
    let records = v["records"].as_array().unwrap();
    assert_eq!(records.len(), 2, "{v}");
    assert!(records.iter().all(|r| r["message_id"] == "POLTO A-517"), "{v}");
    // Each is shown by its id; in text the list goes to stderr only.
    ok(a, &["show", records[0]["id"].as_str().unwrap()]);
    let text = run(a, &["graph", "POLTO A-517"]);
    assert_eq!(text.status.code(), Some(1));
    assert!(text.stdout.is_empty());
    let err = String::from_utf8_lossy(&text.stderr);
    assert!(err.contains("names 2 records"), "{err}");
}

#[test]
fn bad_queries_are_explained_not_crashed() {
    let dir = setup();
    let out = run(dir.path(), &["search", "cuba AND"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bad query"));
}

#[test]
fn classified_reads_are_audited_and_the_chain_verifies() {
    let dir = setup();
    let a = dir.path();
    ok(a, &["search", "Berlin", "--as", "ts"]);
    let out = ok(a, &["audit", "verify"]);
    assert!(out.contains("chain intact"), "{out}");
    let n: usize = out.split_whitespace().nth(1).unwrap().parse().unwrap();
    assert!(n >= 3, "user adds and the classified search are logged: {out}");
}

#[test]
fn reindex_rederives_everything_and_keeps_the_archive_whole() {
    let dir = setup();
    let a = dir.path();
    let before = json(a, &["search", "", "--as", "ts", "--format", "json", "--facets"]);
    let out = ok(a, &["reindex"]);
    assert!(out.contains("reindexed"), "{out}");
    assert!(ok(a, &["check"]).contains("ok"));
    let after = json(a, &["search", "", "--as", "ts", "--format", "json", "--facets"]);
    assert_eq!(before["total"], after["total"]);
    assert_eq!(before["facets"], after["facets"]);
}

#[test]
fn an_index_in_an_older_layout_is_rebuilt_from_the_store() {
    let dir = setup();
    let a = dir.path();
    let q = ["search", "khrushchev", "--as", "ts", "--format", "json", "--facets"];
    let before = json(a, &q);
    assert!(before["total"].as_u64().unwrap() > 0);
    std::fs::write(a.join("index/FORMAT"), "1\n").unwrap();
    let out = run(a, &q);
    assert!(String::from_utf8_lossy(&out.stderr).contains("rebuilding"));
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap(),
        before
    );
    assert!(ok(a, &["check"]).contains("ok"));
}

#[test]
fn export_gives_each_matching_record_as_the_reader_sees_it() {
    let dir = setup();
    let a = dir.path();
    for user in [None, Some("conf"), Some("ts")] {
        let mut args = vec!["search", "berlin", "--format", "json", "--limit", "1"];
        let mut exp = vec!["export", "berlin"];
        if let Some(u) = user {
            args.extend(["--as", u]);
            exp.extend(["--as", u]);
        }
        let total = json(a, &args)["total"].as_u64().unwrap();
        let lines: Vec<serde_json::Value> = ok(a, &exp).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines.len() as u64, total, "{user:?}");
        for l in &lines {
            // The shape of `show --format json`.
            assert!(l["id"].is_string() && l["label"].is_string() && l["versions"].is_array());
            if user.is_none() {
                assert_eq!(l["label"], "UNCLASSIFIED");
            }
        }
    }
}

/// `bench --format json` keeps its published keys, and its figures are
/// figures: a small run ingests everything, agrees with FTS5, and says what
/// the ingest cost in CPU.
#[test]
fn bench_json_reports_every_published_figure() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_airgram"))
        .args([
            "bench",
            "--count",
            "300",
            "--batch-size",
            "100",
            "--format",
            "json",
            "--dir",
        ])
        .arg(dir.path())
        .output()
        .expect("airgram runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["count"], 300);
    assert_eq!(r["batch_size"], 100);
    assert_eq!(r["match_sets_equal"], true, "{}", r["mismatches"]);
    for k in [
        "ingest_docs_per_s",
        "ingest_mb_per_s",
        "ingest_cpu_us_per_doc",
        "archive_bytes",
        "search_p50_ms",
        "search_p99_ms",
        "fts5_p50_ms",
        "fts5_p99_ms",
        "speedup_vs_fts5",
        "follow_lag_p50_ms",
        "follow_lag_p99_ms",
    ] {
        assert!(r[k].as_f64().is_some_and(|v| v > 0.0), "{k}: {}", r[k]);
    }
    for t in ["term", "and", "or", "phrase", "field", "date", "facets"] {
        assert!(r["per_type"][t]["p99_ms"].as_f64().is_some(), "{t}");
    }
    // The figures name their machine.
    let m = &r["machine"];
    assert!(m["cores"].as_u64().is_some_and(|n| n > 0), "{m}");
    if cfg!(target_os = "linux") {
        assert!(m["cpu"].as_str().is_some_and(|c| !c.is_empty()), "{m}");
        assert!(m["memory_gb"].as_f64().is_some_and(|g| g > 0.0), "{m}");
    }
}

#[test]
fn ingest_reads_what_it_can_and_names_what_it_cannot() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("archive");
    let docs = dir.path().join("docs");
    std::fs::create_dir(&docs).unwrap();
    std::fs::copy(shared().join("seed/polto-a-517.txt"), docs.join("a.txt")).unwrap();
    // Listed (a .txt entry) but unreadable when its turn comes.
    std::os::unix::fs::symlink(dir.path().join("gone.txt"), docs.join("b.txt")).unwrap();
    let missing = dir.path().join("missing");
    let out = run(&a, &["ingest", docs.to_str().unwrap(), missing.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{text}");
    assert!(text.contains("1 new, 0 unchanged, 0 with warnings, 2 failed"), "{text}");
    assert!(
        text.contains(&format!("failed {}", docs.join("b.txt").display())),
        "{text}"
    );
    assert!(text.contains(&format!("failed {}", missing.display())), "{text}");
    assert!(ok(&a, &["check"]).contains("ok"));
}

#[test]
fn a_tei_volume_ingests_one_record_per_document() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path();
    let vol = shared().join("corpus/frus/tei/frus1961-63v06.xml");
    let parsed = Command::new(env!("CARGO_BIN_EXE_airgram"))
        .args(["parse", vol.to_str().unwrap(), "--format", "jsonl"])
        .output()
        .unwrap();
    let docs = String::from_utf8_lossy(&parsed.stdout).lines().count();
    assert!(docs > 1, "a volume holds many documents");
    let first = ok(a, &["ingest", vol.to_str().unwrap()]);
    assert!(first.contains(&format!(": {docs} new, 0 unchanged")), "{first}");
    let again = ok(a, &["ingest", vol.to_str().unwrap()]);
    assert!(again.contains(&format!(": 0 new, {docs} unchanged")), "{again}");
    assert!(ok(a, &["check"]).contains("ok"));
}
