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

/// Every transcription of the shared OCR sets, and the seed, accounts for
/// every line between its body's ends: in the body, a field's line, set
/// aside as a stamp, page furniture, form or caption, or named in a
/// warning (issue 21: the seed's body lost a whole paragraph).
#[test]
fn no_transcription_loses_a_line_between_its_body_ends() {
    let shared = common::shared();
    let mut files = vec![shared.join("seed/polto-a-517.txt")];
    // All of the hand-gold set; every tenth of the NARA set, which in a
    // debug build takes a minute and a half whole.
    for (dir, every) in [("corpus/ocr", 1), ("corpus/jfk-nara", 10)] {
        let listed = airgram_parse::input_files(&shared.join(dir)).expect("corpus lists");
        let txt = listed.into_iter().filter(|p| p.extension().is_some_and(|e| e == "txt"));
        files.extend(txt.step_by(every));
    }
    assert!(files.len() > 400, "{} files", files.len());
    let mut lost = Vec::new();
    for f in &files {
        let bytes = std::fs::read(f).expect("corpus file reads");
        let src = String::from_utf8_lossy(&bytes);
        let r = airgram_parse::parse_text(&f.display().to_string(), &bytes, None);
        for sp in airgram_parse::ocr::unaccounted_lines(&src, &r) {
            lost.push(format!("{}: {:?}", f.display(), &src[sp[0]..sp[1]]));
        }
    }
    assert!(
        lost.is_empty(),
        "{} lines lost, e.g.\n{}",
        lost.len(),
        lost[..lost.len().min(20)].join("\n")
    );
}
