//! Shared by the binary's integration tests.

use std::path::PathBuf;

/// The shared corpus: `$AIRGRAM_SHARED`, else `../shared` beside the checkout.
pub fn shared() -> PathBuf {
    let p = match std::env::var_os("AIRGRAM_SHARED") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"),
    };
    assert!(
        p.join("corpus").is_dir(),
        "shared/ not at {} (set AIRGRAM_SHARED)",
        p.display()
    );
    p
}
