//! Where the shared corpus lives: `$AIRGRAM_SHARED`, else `../shared` beside
//! the checkout. Tests that need it fail loudly when it is missing: a test
//! that silently skips cannot fail.

use std::path::PathBuf;

pub fn shared() -> PathBuf {
    let p = match std::env::var_os("AIRGRAM_SHARED") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"),
    };
    assert!(
        p.join("corpus").is_dir(),
        "the shared corpus is not at {} (set AIRGRAM_SHARED)",
        p.display()
    );
    p
}
