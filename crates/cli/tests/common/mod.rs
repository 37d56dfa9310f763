//! Shared by the binary's integration tests. Each test binary uses some
//! of these, none all, so one left unused is not an error.
#![allow(dead_code)]

use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};

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

/// `airgram --archive ARCHIVE ARGS...` with `stdin` fed in.
pub fn run(archive: impl AsRef<OsStr>, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_airgram"))
        .arg("--archive")
        .arg(archive)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("airgram runs");
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

/// As [`run`], which must succeed: its standard output.
pub fn ok(archive: impl AsRef<OsStr>, args: &[&str], stdin: &str) -> String {
    let out = run(archive, args, stdin);
    assert!(
        out.status.success(),
        "{args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The address a just-started `airgram serve` (stderr piped) serves on,
/// from the line it writes first.
pub fn served_at(server: &mut Child) -> String {
    let mut line = String::new();
    BufReader::new(server.stderr.as_mut().expect("stderr piped"))
        .read_line(&mut line)
        .unwrap();
    assert!(line.contains("serving"), "{line}");
    line.split("http://")
        .nth(1)
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .trim()
        .to_string()
}

/// A throwaway PostgreSQL database for a test (see `airgram_store::test_db`).
#[allow(unused_imports)]
pub use airgram_store::test_db::TestDb as Db;
