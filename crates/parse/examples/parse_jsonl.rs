//! Parses files or directories and prints one record a line, as
//! `airgram parse --format jsonl` does, without building the whole CLI:
//! for measuring parser changes quickly against the shared scorers.
//! `cargo run --release -p airgram-parse --example parse_jsonl -- DIR...`

use airgram_parse::{input_files, read_path, AuthorityCache};
use std::io::Write;

fn main() {
    let out = std::io::stdout();
    let mut out = std::io::BufWriter::new(out.lock());
    let mut cache = AuthorityCache::default();
    for arg in std::env::args().skip(1) {
        let files = match input_files(std::path::Path::new(&arg)) {
            Ok(f) => f,
            Err(e) => {
                eprintln!("{e}");
                continue;
            }
        };
        for f in files {
            match read_path(&f, &mut cache) {
                Ok(recs) => {
                    for r in recs {
                        let line = serde_json::to_string(&r).expect("records serialise");
                        writeln!(out, "{line}").expect("stdout");
                    }
                }
                Err(e) => eprintln!("{e}"),
            }
        }
    }
}
