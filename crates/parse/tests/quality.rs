//! The parser's quality bars on the shared corpus, measured with the same
//! comparisons as the reference scorer (`airgram eval`).

mod common;

use airgram_parse::eval::{evaluate, Kind};

fn assert_bars(kind: Kind, bars: &[(&str, f64)]) {
    let dir = common::shared().join("corpus/frus");
    let report = evaluate(&dir, kind).expect("corpus scores");
    assert_eq!(report.missing, 0, "documents not parsed");
    let mut failed = Vec::new();
    for &(field, bar) in bars {
        let got = report.get(field).unwrap_or(0.0);
        if got < bar {
            failed.push(format!("{field} {got:.3} < {bar}"));
        }
    }
    assert!(
        failed.is_empty(),
        "{kind:?} below bar: {failed:?}\n{}",
        report.summary()
    );
}

#[test]
fn frus_text_meets_bars() {
    assert_bars(
        Kind::Frus,
        &[
            ("date", 0.98),
            ("doc_type", 0.97),
            ("classification", 0.98),
            ("from", 0.95),
            ("to", 0.95),
            ("message_id", 0.95),
            ("handling", 0.95),
            ("info", 0.90),
            ("persons_recall", 0.85),
            ("persons_precision", 0.80),
            ("redactions", 0.95),
        ],
    );
}

#[test]
fn frus_tei_meets_bars() {
    let fields = [
        "date",
        "doc_type",
        "classification",
        "from",
        "to",
        "message_id",
        "handling",
        "info",
        "persons_recall",
        "persons_precision",
        "redactions",
    ];
    let bars: Vec<(&str, f64)> = fields.iter().map(|f| (*f, 0.99)).collect();
    assert_bars(Kind::Tei, &bars);
}
