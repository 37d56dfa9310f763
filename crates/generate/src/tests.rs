use super::*;
use std::collections::HashSet;

fn cfg(count: u64, seed: u64) -> Config {
    Config { count, seed }
}

#[test]
fn calendar() {
    assert_eq!(civil(0), (1958, 1, 1));
    assert_eq!(civil(SPAN_DAYS), (1975, 12, 31));
    assert_eq!(civil(365 + 365 + 59), (1960, 2, 29));
}

#[test]
fn same_seed_same_bytes_different_seed_differs() {
    let a: Vec<GeneratedDoc> = documents(&cfg(300, 7)).collect();
    let b: Vec<GeneratedDoc> = documents(&cfg(300, 7)).collect();
    assert_eq!(a, b);
    let c: Vec<GeneratedDoc> = documents(&cfg(300, 8)).collect();
    assert_ne!(a, c);
    // Random access agrees with streaming.
    for i in [0, 1, 39, 40, 41, 150, 299] {
        assert_eq!(document(&cfg(300, 7), i), a[i as usize]);
    }
}

#[test]
fn files_are_deterministic() {
    let dir = std::env::temp_dir().join(format!("airgram-gen-test-{}", std::process::id()));
    let run = |sub: &str| {
        let out = dir.join(sub);
        let mut last = 0;
        let s = generate(&cfg(2100, 3), &out, |n| last = n).unwrap();
        assert_eq!(last, 2100);
        assert_eq!(s.docs, 2100);
        assert_eq!(s.shards, 3);
        out
    };
    let (a, b) = (run("a"), run("b"));
    for f in ["manifest.jsonl", "0000/00001.txt", "0002/02100.txt", "0001/01500.txt"] {
        assert_eq!(
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(b.join(f)).unwrap(),
            "{f}"
        );
    }
    let manifest = std::fs::read_to_string(a.join("manifest.jsonl")).unwrap();
    assert_eq!(manifest.lines().count(), 2100);
    let first: serde_json::Value = serde_json::from_str(manifest.lines().next().unwrap()).unwrap();
    assert_eq!(first["file"], "0000/00001.txt");
    assert_eq!(std::fs::read_dir(a.join("0000")).unwrap().count(), 1000);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn cites_name_earlier_messages_and_numbers_rise_with_dates() {
    let mut seen: HashSet<String> = HashSet::new();
    let mut last: std::collections::BTreeMap<String, (u64, String)> = Default::default();
    let mut cites = 0;
    for d in documents(&cfg(5000, 11)) {
        let t = &d.truth;
        for c in &t.cites {
            assert!(seen.contains(c), "{}: cite {c} not earlier in corpus", t.file);
            cites += 1;
        }
        for r in &t.refs {
            assert!(t.cites.contains(r));
        }
        if let Some(id) = &t.message_id {
            assert!(seen.insert(id.clone()), "duplicate id {id}");
            // Sequential within a series: the number rises by one, the date never falls.
            let (series, num) = id.rsplit_once(' ').unwrap();
            let series = format!("{series}{}", if num.starts_with("A-") { " A" } else { "" });
            let n: u64 = num.trim_start_matches("A-").parse().unwrap();
            if let Some((pn, pd)) = last.get(&series) {
                assert_eq!(n, pn + 1, "{id}");
                assert!(*pd <= t.date);
            }
            last.insert(series, (n, t.date.clone()));
        }
    }
    assert!(cites > 3000, "too few cites: {cites}");
}

#[test]
fn mix_is_realistic() {
    let docs: Vec<Truth> = documents(&cfg(1000, 5)).map(|d| d.truth).collect();
    let count = |f: &dyn Fn(&Truth) -> bool| docs.iter().filter(|t| f(t)).count();
    for c in [
        Classification::Unclassified,
        Classification::LimitedOfficialUse,
        Classification::Confidential,
        Classification::Secret,
        Classification::TopSecret,
    ] {
        assert!(count(&|t| t.classification == c) > 30, "{c}");
    }
    let secret = count(&|t| t.classification == Classification::Secret);
    for c in [Classification::Confidential, Classification::TopSecret] {
        assert!(secret > count(&|t| t.classification == c));
    }
    for h in HANDLING {
        assert!(count(&|t| t.handling.contains(h)) > 5, "{h}");
    }
    assert!(count(&|t| t.handling.is_empty()) > 300);
    let tel = count(&|t| t.doc_type == "telegram");
    let air = count(&|t| t.doc_type == "airgram");
    let memo = count(&|t| t.doc_type == "memorandum");
    assert!(tel > 600 && air > 100 && memo > 100, "{tel} {air} {memo}");
    let frus = count(&|t| t.layout == "frus");
    assert!((200..400).contains(&frus), "{frus}");
    assert!(count(&|t| t.declassified) > 100);
    assert!(count(&|t| !t.reviews.is_empty()) > 200);
    assert_eq!(docs.first().unwrap().date, "1958-01-01");
    assert!(docs.last().unwrap().date.starts_with("1975-12"));
}

#[test]
fn declassified_documents_strike_their_marking() {
    for d in documents(&cfg(400, 9)) {
        let struck = format!("~~{}~~", d.truth.classification);
        assert_eq!(d.text.contains(&struck), d.truth.declassified, "{}", d.truth.file);
    }
}

#[test]
fn transcription_airgram_looks_like_the_seed() {
    let d = documents(&cfg(2000, 1))
        .find(|d| d.truth.layout == "transcription" && d.truth.doc_type == "airgram" && d.truth.cites.len() >= 2)
        .unwrap();
    let t = &d.text;
    for needle in [
        "**AIRGRAM**",
        "FORM DS-323",
        "Prepared by:",
        "SUBJECT : ",
        "FROM : ",
        "TO : ",
    ] {
        assert!(t.contains(needle), "{needle}\n{t}");
    }
    assert!(t.contains(&format!("**{}**", d.truth.message_id.as_ref().unwrap())));
}
