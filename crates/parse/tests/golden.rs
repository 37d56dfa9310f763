//! Golden files for parser output: every parser change shows its diff here.
//! Snapshots keep fields and short excerpts, never whole documents.
//! Update with `INSTA_UPDATE=always cargo test -p airgram-parse --test golden`.

mod common;

use airgram_parse::{read_path, AuthorityCache, Record};
use serde_json::{json, Value};

/// The record without its body, which is summarised by its ends and length.
fn summary(r: &Record) -> Value {
    let mut v = serde_json::to_value(r).expect("records serialise");
    let body = r.body.as_str();
    let start: String = body.chars().take(80).collect();
    let end: String = body
        .chars()
        .rev()
        .take(80)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let obj = v.as_object_mut().expect("object");
    obj.remove("body");
    obj.remove("source_path");
    obj.insert("body_start".into(), json!(start));
    obj.insert("body_end".into(), json!(end));
    obj.insert("body_chars".into(), json!(body.chars().count()));
    // Redaction texts are short editorial markers; keep them.
    v
}

fn check(rel: &str, name: &str) {
    let path = common::shared().join(rel);
    let mut cache = AuthorityCache::default();
    let recs = read_path(&path, &mut cache).expect("corpus file reads");
    insta::assert_json_snapshot!(name, summary(&recs[0]));
}

#[test]
fn seed() {
    check("seed/polto-a-517.txt", "seed_polto_a_517");
}

#[test]
fn frus_text_sample() {
    for (rel, name) in [
        ("corpus/frus/frus1958-60v08/d43.txt", "frus_v08_d43_telegram"),
        ("corpus/frus/frus1958-60v08/d44.txt", "frus_v08_d44_telephone"),
        ("corpus/frus/frus1961-63v05/d10.txt", "frus_v05_d10_telegram"),
        ("corpus/frus/frus1961-63v16/d5.txt", "frus_v16_d5_airgram"),
        ("corpus/frus/frus1964-68v20/d100.txt", "frus_v20_d100_memorandum"),
        ("corpus/frus/frus1958-60v07p1/d112.txt", "frus_v07_d112_withheld"),
        ("corpus/frus/frus1961-63v06/d1.txt", "frus_v06_d1"),
        ("corpus/frus/frus1964-68v11/d2.txt", "frus_v11_d2"),
    ] {
        check(rel, name);
    }
}

#[test]
fn frus_tei_sample() {
    let path = common::shared().join("corpus/frus/tei/frus1961-63v06.xml");
    let mut cache = AuthorityCache::default();
    let recs = read_path(&path, &mut cache).expect("volume reads");
    assert_eq!(recs.len(), 120);
    for id in ["d1", "d20", "d64"] {
        let r = recs
            .iter()
            .find(|r| r.source_path.ends_with(&format!("#{id}")))
            .expect("document present");
        insta::assert_json_snapshot!(format!("tei_v06_{id}"), summary(r));
    }
}

#[test]
fn ocr_sample() {
    for (rel, name) in [
        (
            "corpus/ocr/jfk-applevision/176-10036-10012.txt",
            "ocr_applevision_176_10036_10012",
        ),
        (
            "corpus/ocr/jfk-tesseract/176-10036-10014.txt",
            "ocr_tesseract_176_10036_10014",
        ),
        (
            "corpus/ocr/jfk-doctly-md/104-10071-10405.txt",
            "ocr_doctly_104_10071_10405",
        ),
    ] {
        check(rel, name);
    }
}
