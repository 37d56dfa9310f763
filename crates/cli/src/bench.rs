//! Benchmarks that print their figures: measured, never asserted.

use airgram_parse::{input_files, parse_text, tei, AuthorityCache};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

/// Parse throughput on one core: files are read first, then parsed `rounds`
/// times; the best round is reported (it is least disturbed by the machine).
pub fn parse(paths: &[PathBuf], rounds: u32) -> anyhow::Result<ExitCode> {
    let mut docs: Vec<(String, Vec<u8>)> = Vec::new();
    for p in paths {
        for f in input_files(p)? {
            let bytes = std::fs::read(&f)?;
            docs.push((f.display().to_string(), bytes));
        }
    }
    let mut cache = AuthorityCache::default();
    let auths: Vec<_> = docs
        .iter()
        .map(|(p, _)| cache.for_file(std::path::Path::new(p)).cloned())
        .collect();
    let total: usize = docs.iter().map(|d| d.1.len()).sum();
    let mut best = f64::MAX;
    let mut records = 0;
    for _ in 0..rounds.max(1) {
        let t = Instant::now();
        records = 0;
        for ((path, bytes), auth) in docs.iter().zip(&auths) {
            if path.ends_with(".xml") {
                records += tei::parse_volume(path, bytes).len();
            } else {
                std::hint::black_box(parse_text(path, bytes, auth.as_ref()));
                records += 1;
            }
        }
        best = best.min(t.elapsed().as_secs_f64());
    }
    let mb = total as f64 / 1e6;
    println!("files {}  records {}  input {:.1} MB", docs.len(), records, mb);
    println!(
        "best of {rounds}: {:.3} s  {:.1} MB/s  {:.0} records/s (one core)",
        best,
        mb / best,
        records as f64 / best
    );
    Ok(ExitCode::SUCCESS)
}
