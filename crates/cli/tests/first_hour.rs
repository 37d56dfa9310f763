//! What a new user meets in the first hour at the command line: one
//! regression test per defect found then (issue 23), named after it.

mod common;

use common::{ok, run, shared};
use std::process::Command;

fn json(archive: &std::path::Path, args: &[&str]) -> serde_json::Value {
    serde_json::from_str(&ok(archive, args, "")).unwrap()
}

/// An archive holding the seed airgram (POLTO A-517).
fn seeded() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("archive");
    let seed = shared().join("seed/polto-a-517.txt");
    ok(&a, &["ingest", seed.to_str().unwrap()], "");
    dir
}

#[test]
fn a_read_command_without_an_archive_creates_none_and_says_how_to_name_one() {
    let cwd = tempfile::tempdir().unwrap();
    for args in [
        &["search", "berlin"][..],
        &["show", "POLTO A-517"],
        &["export", "berlin"],
        &["graph", "POLTO A-517"],
        &["check"],
        &["review", "history", "POLTO A-517"],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_airgram"))
            .args(args)
            .current_dir(cwd.path())
            .env_remove("AIRGRAM_ARCHIVE")
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?} succeeded");
        assert!(err.contains("no archive at airgram-archive"), "{args:?}: {err}");
        assert!(err.contains("--archive"), "{args:?}: {err}");
        assert!(
            !cwd.path().join("airgram-archive").exists(),
            "{args:?} created an archive"
        );
    }
}

#[test]
fn snippets_have_no_html_entities_start_at_a_word_and_stay_on_one_line() {
    let dir = seeded();
    let a = dir.path().join("archive");
    let seed = std::fs::read_to_string(shared().join("seed/polto-a-517.txt")).unwrap();
    let words: std::collections::HashSet<&str> = seed.split_whitespace().collect();
    for q in ["khrushchev", "presidium", "berlin"] {
        let out = ok(&a, &["search", q], "");
        assert!(!out.contains("&#"), "{out}");
        assert!(!out.contains("&amp;") && !out.contains("&quot;"), "{out}");
        let lines: Vec<&str> = out.lines().collect();
        let hits: Vec<usize> = (0..lines.len()).filter(|&i| lines[i].starts_with("     id ")).collect();
        assert!(!hits.is_empty(), "{out}");
        for i in hits {
            // The snippet is the one line before the id, indented like it.
            let snippet = lines[i - 1].strip_prefix("     ").expect("indented snippet");
            assert!(!snippet.starts_with(' '), "{out}");
            let first = snippet.split(' ').next().unwrap().replace('*', "");
            assert!(
                words.iter().any(|w| w.starts_with(first.as_str())),
                "{first:?} is the start of a word of the source"
            );
        }
    }
}

#[test]
fn an_empty_query_browses_in_the_order_of_sort_date() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("archive");
    let corpus = dir.path().join("corpus");
    ok(
        &a,
        &[
            "generate",
            "--count",
            "60",
            "--seed",
            "3",
            "--out",
            corpus.to_str().unwrap(),
        ],
        "",
    );
    ok(&a, &["ingest", corpus.to_str().unwrap()], "");
    let ids = |args: &[&str]| -> Vec<(String, String)> {
        json(&a, args)["hits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| {
                (
                    h["id"].as_str().unwrap().to_string(),
                    h["date"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect()
    };
    let browse = ids(&["search", "", "--limit", "30", "--format", "json"]);
    let by_date = ids(&["search", "", "--sort", "date", "--limit", "30", "--format", "json"]);
    assert_eq!(browse, by_date);
    let dates: Vec<&String> = browse.iter().map(|h| &h.1).collect();
    let mut newest_first = dates.clone();
    newest_first.sort_by(|x, y| y.cmp(x));
    assert_eq!(dates, newest_first, "newest first");
}

/// What each command's `--help` says after `flag` (on its line, or the
/// next, where clap puts a long description).
fn described(cmds: &[&[&str]], flag: &str) -> Vec<(String, String)> {
    let dir = tempfile::tempdir().unwrap();
    cmds.iter()
        .map(|cmd| {
            let mut args = cmd.to_vec();
            args.push("--help");
            let help = ok(dir.path(), &args, "");
            let lines: Vec<&str> = help.lines().collect();
            let at = lines
                .iter()
                .position(|l| l.trim_start().starts_with(flag))
                .unwrap_or_else(|| panic!("{cmd:?} takes no {flag}: {help}"));
            let same = lines[at].trim_start().trim_start_matches(flag).trim();
            let text = if same.is_empty() {
                lines.get(at + 1).map_or("", |l| l.trim())
            } else {
                same
            };
            (cmd.join(" "), text.to_string())
        })
        .collect()
}

#[test]
fn as_is_described_in_every_command_that_takes_it() {
    let cmds: &[&[&str]] = &[
        &["search"],
        &["show"],
        &["export"],
        &["graph"],
        &["review", "history"],
        &["review", "queue"],
        &["review", "propose"],
        &["review", "approve"],
        &["review", "report"],
        &["message", "draft"],
        &["message", "release"],
        &["message", "show"],
    ];
    for (cmd, text) in described(cmds, "--as <USER>") {
        assert!(
            text.len() > 10 && !text.starts_with('-'),
            "{cmd} describes --as: {text:?}"
        );
    }
}

#[test]
fn format_is_described_in_every_command_that_takes_it() {
    let cmds: &[&[&str]] = &[
        &["search"],
        &["show"],
        &["export"],
        &["graph"],
        &["review", "queue"],
        &["review", "history"],
        &["review", "report"],
        &["review", "propose"],
        &["message", "draft"],
        &["message", "show"],
        &["message", "series"],
    ];
    for (cmd, text) in described(cmds, "--format <FORMAT>") {
        assert!(text.contains("json"), "{cmd} describes --format: {text:?}");
    }
}

#[test]
fn the_record_argument_is_described_in_every_command_that_takes_it() {
    let cmds: &[&[&str]] = &[
        &["show"],
        &["graph"],
        &["review", "text"],
        &["review", "history"],
        &["review", "propose"],
        &["review", "assign"],
    ];
    for (cmd, text) in described(cmds, "<RECORD>") {
        assert!(text.contains("message id"), "{cmd}: {text:?}");
    }
}

#[test]
fn export_accepts_format_json_as_one_array() {
    let dir = seeded();
    let a = dir.path().join("archive");
    let v = json(&a, &["export", "berlin", "--format", "json"]);
    let recs = v.as_array().expect("an array");
    assert!(!recs.is_empty());
    assert!(recs.iter().all(|r| r["id"].is_string()));
    let none = json(&a, &["export", "nosuchwordanywhere", "--format", "json"]);
    assert_eq!(none, serde_json::json!([]));
    let lines = ok(&a, &["export", "berlin", "--format", "jsonl"], "");
    assert_eq!(lines.lines().count(), recs.len());
}

#[test]
fn source_path_is_a_reference_for_the_public_not_the_offices_file_layout() {
    let dir = seeded();
    let a = dir.path().join("archive");
    let shown = json(&a, &["show", "POLTO A-517", "--format", "json"]);
    let id = shown["id"].as_str().unwrap();
    assert_eq!(shown["source_path"], format!("/records/{id}/source"));
    let exported = ok(&a, &["export", "berlin"], "");
    assert!(!exported.contains("polto-a-517.txt"), "{exported}");
    assert!(!exported.contains(&*shared().to_string_lossy()), "{exported}");
    // Staff who sign in keep the path ingest read.
    let out = run(&a, &["user", "add", "clerk", "--clearance", "UNCLASSIFIED"], "");
    assert!(out.status.success());
    let staff = json(&a, &["show", "POLTO A-517", "--as", "clerk", "--format", "json"]);
    assert!(staff["source_path"].as_str().unwrap().ends_with("polto-a-517.txt"));
}

/// Regression (issue 23): each rerun of the demo published one more
/// partial release of the same record and added its users again (new
/// passwords, sessions ended). A rerun now changes nothing an earlier run
/// did: one approval, each user added once, the record's versions as they
/// were.
#[test]
fn the_demo_rerun_changes_nothing_it_already_did() {
    let dir = tempfile::tempdir().unwrap();
    let demo = dir.path().join("demo");
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/demo");
    let run_demo = || {
        let out = Command::new(&script)
            .arg("--no-serve")
            .env("AIRGRAM_DEMO_BIN", env!("CARGO_BIN_EXE_airgram"))
            .env("AIRGRAM_DEMO_DIR", &demo)
            .env("AIRGRAM_DEMO_COUNT", "300")
            .env("AIRGRAM_SHARED", shared())
            .output()
            .expect("the demo runs");
        assert!(
            out.status.success(),
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let first = run_demo();
    assert!(!first.contains("== serving"), "--no-serve serves nothing");
    let reviewed = std::fs::read_to_string(demo.join("reviewed"))
        .unwrap()
        .trim()
        .to_string();
    let archive = demo.join("archive");
    let versions = |a: &std::path::Path| {
        json(a, &["show", &reviewed, "--as", "reviewer", "--format", "json"])["versions"]
            .as_array()
            .map_or(0, Vec::len)
    };
    let before = versions(&archive);
    assert_eq!(before, 2, "the original and one release");
    let second = run_demo();
    assert!(second.contains("was released in part on an earlier run"), "{second}");
    assert_eq!(versions(&archive), before, "no second release");
    let a = airgram_archive::Archive::open(&archive).unwrap();
    let count = |action: &str| a.audit_entries().unwrap().iter().filter(|e| e.action == action).count();
    assert_eq!(count("review.approve"), 1);
    assert_eq!(count("user.add"), 4, "each demo user added once");
}
