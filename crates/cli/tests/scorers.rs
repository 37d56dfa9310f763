//! The `airgram` binary judged by the project's reference scorers
//! (`shared/tools/score.py`, `check_seed.py`), exactly as reviewers run them.

mod common;

use common::shared;
use std::process::{Command, Stdio};

fn airgram(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_airgram"))
        .args(args)
        .output()
        .expect("airgram runs")
}

/// Writes `airgram parse PATH --format jsonl` to a temp file (removed when
/// dropped).
fn parse_to_file(path: &std::path::Path) -> tempfile::NamedTempFile {
    let out = airgram(&["parse", path.to_str().unwrap(), "--format", "jsonl"]);
    assert!(
        out.status.success(),
        "parse failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    jsonl_file(&out.stdout)
}

fn jsonl_file(bytes: &[u8]) -> tempfile::NamedTempFile {
    let f = tempfile::Builder::new().suffix(".jsonl").tempfile().unwrap();
    std::fs::write(f.path(), bytes).unwrap();
    f
}

fn score(jsonl: &std::path::Path, gold: &std::path::Path, kind: &str, mins: &[(&str, f64)]) {
    let mut cmd = Command::new("python3");
    cmd.arg(shared().join("tools/score.py"))
        .arg(jsonl)
        .arg(gold)
        .args(["--kind", kind]);
    for (k, v) in mins {
        cmd.args(["--min", &format!("{k}={v}")]);
    }
    let out = cmd.output().expect("python3 runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "score.py --kind {kind} failed:\n{text}");
}

#[test]
fn seed_meets_every_expectation() {
    let seed = shared().join("seed/polto-a-517.txt");
    let out = airgram(&["parse", seed.to_str().unwrap()]);
    assert!(out.status.success());
    let mut check = Command::new("python3")
        .arg(shared().join("tools/check_seed.py"))
        .arg(shared().join("seed/polto-a-517.expected.json"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    use std::io::Write;
    check.stdin.take().unwrap().write_all(&out.stdout).unwrap();
    let res = check.wait_with_output().unwrap();
    let report = String::from_utf8_lossy(&res.stdout).to_string();
    let misses: Vec<&str> = report.lines().filter(|l| l.trim_start().starts_with("miss:")).collect();
    assert!(misses.is_empty(), "seed misses:\n{report}");
    assert!(report.contains("expectations met"), "{report}");
}

/// Regression (issue 21): the seed's paragraph that begins "UN then
/// followed" was dropped from the body because it says "approved by"
/// ("which UN believes approved by entire Politburo"), which marked the
/// whole line as the form's approval line.
#[test]
fn a_paragraph_saying_approved_by_stays_in_the_body() {
    let out = Command::new(env!("CARGO_BIN_EXE_airgram"))
        .args(["parse", "--format", "json"])
        .arg(shared().join("seed/polto-a-517.txt"))
        .output()
        .unwrap();
    let rec: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let body = rec["body"].as_str().unwrap();
    assert!(body.contains("UN then followed with general assessment by FO"));
    assert!(body.contains("Firm White House turn-down killed offer."));
    assert_eq!(rec["approved_by"], "Amb. Finletter");
}

#[test]
fn frus_text_and_tei_meet_bars_by_reference_scorer() {
    let frus = shared().join("corpus/frus");
    let bars = airgram_parse::eval::FRUS_BARS;
    // The text renditions: every `<vol>/d<N>.txt` (the walk also meets the
    // TEI volumes; their records score as TEI below).
    let mut text_dirs = Vec::new();
    for e in std::fs::read_dir(&frus).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() && p.file_name().unwrap() != "tei" {
            text_dirs.push(p);
        }
    }
    let mut args: Vec<String> = vec!["parse".into()];
    args.extend(text_dirs.iter().map(|p| p.display().to_string()));
    args.extend(["--format".into(), "jsonl".into()]);
    let out = Command::new(env!("CARGO_BIN_EXE_airgram"))
        .args(&args)
        .output()
        .unwrap();
    assert!(out.status.success());
    let f = jsonl_file(&out.stdout);
    score(f.path(), &frus, "frus", bars);

    let tei = parse_to_file(&frus.join("tei"));
    let tei_bars: Vec<(&str, f64)> = bars.iter().map(|(k, _)| (*k, airgram_parse::eval::TEI_BAR)).collect();
    score(tei.path(), &frus, "frus", &tei_bars);
}

#[test]
fn unreadable_path_exits_2_naming_it() {
    let out = airgram(&["parse", "/nonexistent/airgram-test.txt"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/airgram-test.txt"));
}

#[test]
fn json_is_an_object_for_one_and_an_array_for_several() {
    let seed = shared().join("seed/polto-a-517.txt");
    let s = seed.to_str().unwrap();
    let one: serde_json::Value = serde_json::from_slice(&airgram(&["parse", s]).stdout).unwrap();
    assert!(one.is_object());
    let two: serde_json::Value = serde_json::from_slice(&airgram(&["parse", s, s]).stdout).unwrap();
    assert_eq!(two.as_array().map(Vec::len), Some(2));
    let text = airgram(&["parse", s, "--format", "text"]);
    assert!(String::from_utf8_lossy(&text.stdout).contains("POLTO A-517"));
}

/// `airgram eval --kind nara` prints the last line `score_nara.py` prints
/// for the same parse (on the shared OCR set, whose manifest carries
/// NARA's dates, some as MM/DD/YYYY).
#[test]
fn eval_kind_nara_prints_what_score_nara_prints() {
    let dir = shared().join("corpus/ocr");
    let f = parse_to_file(&dir);
    let reference = Command::new("python3")
        .arg(shared().join("tools/score_nara.py"))
        .arg(f.path())
        .arg(&dir)
        .output()
        .expect("python3 runs");
    let want = String::from_utf8_lossy(&reference.stdout)
        .lines()
        .last()
        .unwrap_or("")
        .to_string();
    assert!(want.contains("date="), "{want}");
    let out = airgram(&["eval", dir.to_str().unwrap(), "--kind", "nara"]);
    let got = String::from_utf8_lossy(&out.stdout)
        .lines()
        .last()
        .unwrap_or("")
        .to_string();
    assert_eq!(got, want);
    assert!(out.status.success());
}
