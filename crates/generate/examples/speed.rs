//! In-memory generation speed, without the file system: `cargo run --release --example speed -- COUNT`.
fn main() {
    let n: u64 = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let cfg = airgram_generate::Config { count: n, seed: 1 };
    let t = std::time::Instant::now();
    let mut bytes = 0usize;
    for d in airgram_generate::documents(&cfg) {
        bytes += d.text.len() + serde_json::to_string(&d.truth).unwrap().len();
    }
    let s = t.elapsed().as_secs_f64();
    println!("{n} docs, {bytes} bytes in {s:.2}s: {:.0} docs/s", n as f64 / s);
}
