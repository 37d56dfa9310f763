//! `airgram bench --archive postgres://…` (issue 19): the PostgreSQL tier
//! and the embedded one on the same documents, against PostgreSQL's own
//! full-text search and FTS5, in one run, with the keys the issue names;
//! the scratch database it makes is gone after.
//!
//! Needs a PostgreSQL server named by `AIRGRAM_TEST_PG` (the test command
//! starts one: `scripts/with-postgres`); without it this test fails.

use std::process::Command;

fn databases(server: &str) -> Vec<String> {
    let mut c = postgres::Client::connect(server, postgres::NoTls).expect("the test server answers");
    c.query(
        "SELECT datname FROM pg_database WHERE datname LIKE 'airgram_bench_%'",
        &[],
    )
    .unwrap()
    .iter()
    .map(|r| r.get(0))
    .collect()
}

#[test]
fn the_postgres_bench_measures_both_tiers_and_postgres_fts_side_by_side() {
    let server = std::env::var("AIRGRAM_TEST_PG")
        .expect("AIRGRAM_TEST_PG names no PostgreSQL server (run under scripts/with-postgres)");
    let before = databases(&server);
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_airgram"))
        .args([
            "--archive",
            &server,
            "bench",
            "--count",
            "300",
            "--format",
            "json",
            "--dir",
        ])
        .arg(dir.path())
        .output()
        .expect("airgram runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["store"], "postgres");
    assert_eq!(r["count"], 300);
    // Both tiers and both alternatives agree on every boolean match set.
    assert_eq!(r["match_sets_equal"], true, "{}", r["mismatches"]);
    for k in [
        "ingest_docs_per_s",
        "sqlite_ingest_docs_per_s",
        "search_p50_ms",
        "search_p99_ms",
        "speedup_vs_pg_fts",
        "speedup_vs_fts5",
        "follow_lag_p99_ms",
        "pg_fts_p99_ms",
        "pg_fts_load_docs_per_s",
    ] {
        assert!(r[k].as_f64().is_some_and(|v| v > 0.0), "{k}: {}", r[k]);
    }
    for tier in ["sqlite", "postgres"] {
        assert!(r["tiers"][tier]["search_p99_ms"].as_f64().is_some(), "{tier}");
    }
    for t in ["term", "and", "or", "phrase", "field", "date", "facets"] {
        assert!(r["per_type"][t]["pg_fts_p99_ms"].as_f64().is_some(), "{t}");
        assert!(r["per_type"][t]["sqlite_p99_ms"].as_f64().is_some(), "{t}");
    }
    assert_eq!(databases(&server), before, "the scratch database is dropped");
}
