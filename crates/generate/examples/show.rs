//! Prints one generated document and its truth: `cargo run --example show -- COUNT SEED INDEX`.
fn main() {
    let a: Vec<u64> = std::env::args().skip(1).map(|s| s.parse().expect("number")).collect();
    let cfg = airgram_generate::Config {
        count: a[0],
        seed: a[1],
    };
    let d = airgram_generate::document(&cfg, a[2]);
    println!("{}\n=====\n{}", d.text, serde_json::to_string_pretty(&d.truth).unwrap());
}
