//! Whatever the bytes, the parser returns a record and never panics; every
//! span it reports lies inside the source.

use airgram_parse::{parse_text, tei};
use proptest::prelude::*;

fn spans_in_bounds(r: &airgram_parse::Record, len: usize) {
    for (field, spans) in &r.spans {
        for s in spans {
            assert!(s[0] <= s[1] && s[1] <= len, "{field} span {s:?} outside 0..{len}");
        }
    }
    for red in &r.redactions {
        assert!(red.start <= red.end && red.end <= len);
    }
}

/// Fragments of the layouts the parser knows, to steer random input into
/// its deeper paths.
const PIECES: &[&str] = &[
    "43. Telegram From the Embassy in France to the Department of State\n\n",
    "Source: Department of State, Central Files. Secret; Niact. Repeated to Bonn and London.\n\n",
    "Paris, November 17, 1958, 5 p.m.\n\n",
    "Polto 1325. At meeting ",
    "TOPOLs 599 and 603 ",
    "[3 lines of source text not declassified]",
    "~~SECRET~~ - 2 ",
    "**SECRET**\n",
    "TO : SECSTATE WASHINGTON PASS DEFENSE\n",
    "INFO: ALL OTHER NATO CAPITALS AND MOSCOW\n",
    "REVIEWED BY: DATE: 3/19/83\n",
    "( ) RELEASE ( ) DECLASSIFY\n",
    "Drafted by: DCM:EDurston\n",
    "## Page 2\n",
    "█████ ",
    "Khrushchev's ",
    "é",
    "\u{2013}",
    "[",
    "]",
    "\n",
    " ",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2000)) {
        let r = parse_text("x.txt", &bytes, None);
        spans_in_bounds(&r, String::from_utf8_lossy(&bytes).len());
        let _ = tei::parse_volume("x.xml", &bytes);
    }

    #[test]
    fn layout_fragments_never_panic(parts in proptest::collection::vec(0..PIECES.len(), 0..60), cut in 0usize..4000) {
        let s: String = parts.iter().map(|&i| PIECES[i]).collect();
        let mut end = cut.min(s.len());
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        let s = &s[..end];
        let r = parse_text("x.txt", s.as_bytes(), None);
        spans_in_bounds(&r, s.len());
        // No line between the body's ends is lost (issue 21).
        if airgram_parse::detect_layout(s) == airgram_parse::Layout::Transcription {
            let lost = airgram_parse::ocr::unaccounted_lines(s, &r);
            prop_assert!(lost.is_empty(), "lost {:?} in {:?}", lost, s);
        }
    }
}

#[test]
fn huge_input_is_linear_enough() {
    // 8 MB of telegram text: parses, and does not take quadratic time
    // (this would run for minutes if it did).
    let para = "Following summary POLTO 534 and TOPOLs 599 and 603 Khrushchev's position [1 line not declassified]. ";
    let s = format!(
        "1. Telegram From the Embassy in France to the Department of State\n\nSource: Files. Secret.\n\nParis, May 1, 1962.\n\n{}",
        para.repeat(80_000)
    );
    let t = std::time::Instant::now();
    let r = parse_text("big.txt", s.as_bytes(), None);
    assert!(r.cites.contains(&"TOPOL 603".to_string()));
    assert_eq!(r.redactions.len(), 80_000);
    assert!(t.elapsed().as_secs() < 60);
}

/// Issue 22 asks for a bound on OCR line length; the bound is time. A
/// transcription whose text is one 4 MB line (a scan read with no line
/// breaks) still parses in linear time, in the OCR reader too.
#[test]
fn one_huge_ocr_line_is_linear_enough() {
    let line = "UK stated Soviets have not pointedly mentioned Berlin since POLTO 534 and TOPOL 594; ".repeat(48_000);
    let s = format!(
        "DEPARTMENT OF STATE\n**AIRGRAM**\n\n**SECRET**\n\n**POLTO A-517**\n\nTO : SECSTATE WASHINGTON\n\nFROM : USRO PARIS\n\nDATE: November 7, 1962\n\n{line}\n"
    );
    let t = std::time::Instant::now();
    let r = parse_text("long.txt", s.as_bytes(), None);
    assert_eq!(r.message_id.as_deref(), Some("POLTO A-517"));
    assert!(r.body.len() > 3_000_000);
    assert!(t.elapsed().as_secs() < 60, "{:?}", t.elapsed());
}
