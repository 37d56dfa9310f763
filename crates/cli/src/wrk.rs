//! Searches driven by wrk, the HTTP load generator, for `bench-serve`.
//!
//! Why wrk: it is event-driven (a few threads, each multiplexing many
//! keep-alive connections with epoll), so 200 clients cost it little CPU
//! on a two-core machine where the server needs the cores; a thread per
//! client, as the built-in clients use, spends a good share of them on
//! the generator. It is in Debian, and its latency figures are its own,
//! not ours. It is optional: without it on `PATH` this phase says so and
//! is skipped.

use serde_json::{json, Value};
use std::net::SocketAddr;
use std::process::Command;

/// Whether wrk can be run.
pub fn available() -> bool {
    Command::new("wrk")
        .arg("--version")
        .output()
        .is_ok_and(|o| !o.stdout.is_empty() || !o.stderr.is_empty())
}

/// `clients` keep-alive connections searching for `secs`, rotating
/// through `queries` (URL-encoded), with `cookie` if not empty: requests
/// per second, p50 and p99 in ms, and requests that failed or were not 200.
pub fn searches(
    addr: SocketAddr,
    clients: usize,
    secs: u64,
    queries: &[String],
    cookie: &str,
) -> anyhow::Result<Value> {
    let dir = tempfile::tempdir()?;
    let script = dir.path().join("search.lua");
    let list: Vec<String> = queries.iter().map(|q| format!("\"/api/search?q={q}\"")).collect();
    std::fs::write(
        &script,
        format!(
            "local paths = {{{}}}\nlocal i = 0\n{}request = function()\n  i = i + 1\n  return wrk.format(\"GET\", paths[(i % #paths) + 1])\nend\n",
            list.join(", "),
            if cookie.is_empty() {
                String::new()
            } else {
                format!("wrk.headers[\"Cookie\"] = \"{cookie}\"\n")
            }
        ),
    )?;
    let threads = clients.min(2);
    let out = Command::new("wrk")
        .args(["--latency", "-t", &threads.to_string(), "-c", &clients.to_string()])
        .args(["-d", &format!("{secs}s"), "--timeout", "10s", "-s"])
        .arg(&script)
        .arg(format!("http://{addr}"))
        .output()?;
    let text = String::from_utf8_lossy(&out.stdout);
    anyhow::ensure!(
        out.status.success(),
        "wrk failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let per_s = field(&text, "Requests/sec:").unwrap_or(0.0);
    let p50 = latency(&text, "50%");
    let p99 = latency(&text, "99%");
    Ok(json!({
        "clients": clients,
        "per_s": per_s.round(),
        "p50_ms": p50,
        "p99_ms": p99,
        "errors": failures(&text),
    }))
}

/// Requests that failed (socket errors) or were answered with other than
/// 2xx or 3xx.
fn failures(text: &str) -> u64 {
    text.lines()
        .filter(|l| l.contains("Non-2xx") || l.contains("Socket errors"))
        .flat_map(|l| {
            l.split([',', ':'])
                .filter_map(|w| w.split_whitespace().last()?.parse::<u64>().ok())
        })
        .sum()
}

/// The number after `label` on its line.
fn field(text: &str, label: &str) -> Option<f64> {
    let line = text.lines().find(|l| l.trim_start().starts_with(label))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// A percentile of wrk's latency distribution, in ms.
fn latency(text: &str, pct: &str) -> f64 {
    let Some(line) = text.lines().find(|l| l.trim_start().starts_with(pct)) else {
        return 0.0;
    };
    let v = line.split_whitespace().nth(1).unwrap_or("0");
    let (num, unit) = v.split_at(v.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(v.len()));
    let n: f64 = num.parse().unwrap_or(0.0);
    let ms = match unit {
        "us" => n / 1000.0,
        "s" => n * 1000.0,
        "m" => n * 60_000.0,
        _ => n,
    };
    (ms * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_wrk_output() {
        let out = "Running 2s test @ http://127.0.0.1:1\n  2 threads and 8 connections\n  Latency Distribution\n     50%    1.20ms\n     75%    2.00ms\n     90%    3.00ms\n     99%  812.00us\n  1000 requests in 2.00s, 1.00MB read\n  Socket errors: connect 0, read 2, write 0, timeout 1\n  Non-2xx or 3xx responses: 4\nRequests/sec:    500.25\n";
        assert_eq!(field(out, "Requests/sec:"), Some(500.25));
        assert_eq!(latency(out, "50%"), 1.2);
        assert_eq!(latency(out, "99%"), 0.81);
        assert_eq!(failures(out), 7);
    }
}
