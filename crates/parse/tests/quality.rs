//! The parser's quality bars on the shared corpus, measured with the same
//! comparisons as the reference scorer (`airgram eval`).

mod common;

use airgram_parse::eval::{evaluate, Kind, FRUS_BARS, TEI_BAR};

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
    assert_bars(Kind::Frus, FRUS_BARS);
}

#[test]
fn frus_tei_meets_bars() {
    let bars: Vec<(&str, f64)> = FRUS_BARS.iter().map(|(f, _)| (*f, TEI_BAR)).collect();
    assert_bars(Kind::Tei, &bars);
}
