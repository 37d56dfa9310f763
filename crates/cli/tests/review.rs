//! `airgram review` end to end through the binary: the seed's two historic
//! stamps, then on a synthetic record a proposal that withholds a word
//! everywhere, the second reviewer's approval with the password on stdin,
//! and what the public then reads.

mod common;

use common::{ok, run, shared};

#[test]
fn stamps_proposal_approval_and_the_public_release() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path();
    let seed = shared().join("seed/polto-a-517.txt");
    ok(a, &["ingest", seed.to_str().unwrap()], "");
    for name in ["ann", "bob"] {
        ok(
            a,
            &[
                "user",
                "add",
                name,
                "--clearance",
                "SECRET",
                "--role",
                "reviewer",
                "--password-stdin",
            ],
            &format!("{name}-password\n"),
        );
    }
    // From day one the record carries the two review stamps of 1983 and 1992.
    let h: serde_json::Value = serde_json::from_str(&ok(
        a,
        &["review", "history", "POLTO A-517", "--as", "ann", "--format", "json"],
        "",
    ))
    .unwrap();
    let stamps: Vec<&str> = h["reviews"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["historic"] == true)
        .map(|r| r["date"].as_str().unwrap())
        .collect();
    assert_eq!(stamps, vec!["1983-03-19", "1992-04-09"]);

    // The seed was released long ago: it is not in the queue.
    assert!(ok(a, &["review", "queue", "--as", "ann"], "").starts_with("0 records"));

    // A synthetic corpus brings classified records that fall due.
    let corpus = a.join("corpus");
    ok(
        a,
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
    ok(a, &["ingest", corpus.to_str().unwrap()], "");
    let q: serde_json::Value =
        serde_json::from_str(&ok(a, &["review", "queue", "--as", "ann", "--format", "json"], "")).unwrap();
    assert!(q["total"].as_u64().unwrap() > 0);
    let id = q["items"][0]["id"].as_str().unwrap().to_string();
    let orig: serde_json::Value =
        serde_json::from_str(&ok(a, &["show", &id, "--as", "ann", "--format", "json"], "")).unwrap();
    // Withhold a word of the body wherever it stands.
    let body = orig["body"].as_str().unwrap();
    let word = body
        .split(|c: char| !c.is_ascii_alphabetic())
        .find(|w| w.len() >= 6)
        .expect("a long word")
        .to_string();
    let out = ok(
        a,
        &[
            "review",
            "propose",
            &id,
            "--as",
            "ann",
            "--decision",
            "declassify-in-part",
            "--excise-text",
            &format!("b6={word}"),
            "--comment",
            "privacy",
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
    // The proposer cannot approve; approval wants the password on stdin.
    let own = run(
        a,
        &["review", "approve", &event, "--as", "ann", "--password-stdin"],
        "ann-password\n",
    );
    assert_eq!(own.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&own.stderr).contains("second reviewer"));
    let bad = run(a, &["review", "approve", &event, "--as", "bob"], "");
    assert_eq!(bad.status.code(), Some(2), "no password, no approval");
    let done = ok(
        a,
        &["review", "approve", &event, "--as", "bob", "--password-stdin"],
        "bob-password\n",
    );
    assert!(done.contains("release published at UNCLASSIFIED"), "{done}");

    let public = ok(a, &["show", &id, "--format", "json"], "");
    assert!(public.contains("withheld — (b)(6)]"), "{public}");
    assert!(!public.contains(&word), "{word} in {public}");
    let found: serde_json::Value =
        serde_json::from_str(&ok(a, &["search", &word, "--limit", "100", "--format", "json"], "")).unwrap();
    assert!(found["hits"].as_array().unwrap().iter().all(|h| h["id"] != id.as_str()));
    let history = ok(a, &["review", "history", &id], "");
    assert!(history.contains("DECLASSIFY IN PART") && history.contains("(b)(6)") && !history.contains("privacy"));
    let report = ok(
        a,
        &[
            "review",
            "report",
            "--as",
            "bob",
            "--svg",
            a.join("chart.svg").to_str().unwrap(),
        ],
        "",
    );
    assert!(report.contains("DECLASSIFY IN PART 1"), "{report}");
    assert!(std::fs::read_to_string(a.join("chart.svg"))
        .unwrap()
        .starts_with("<svg"));
    ok(a, &["check"], "");
    ok(a, &["audit", "verify"], "");
}
