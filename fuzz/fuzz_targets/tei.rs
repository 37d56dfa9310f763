//! The TEI reader must return records (or none) for any bytes: no panic,
//! no unbounded nesting, no entity expansion.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for r in airgram_parse::tei::parse_volume("fuzz.xml", data) {
        assert!(r.source_path.starts_with("fuzz.xml"));
        for spans in r.spans.values() {
            for s in spans {
                assert!(s[0] <= s[1] && s[1] <= data.len(), "span {s:?} outside {} bytes", data.len());
            }
        }
    }
});
