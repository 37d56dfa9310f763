//! The text parser (OCR transcriptions and FRUS renditions) must return a
//! record for any bytes, with spans inside the source, and never panic or
//! recurse without bound.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let r = airgram_parse::parse_text("fuzz.txt", data, None);
    let len = String::from_utf8_lossy(data).len();
    for spans in r.spans.values() {
        for s in spans {
            assert!(s[0] <= s[1] && s[1] <= len, "span {s:?} outside {len} bytes");
        }
    }
});
