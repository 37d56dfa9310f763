//! The search language: any text either parses into a query within the
//! bounds (depth, terms, prefixes) or is an error whose position lies in
//! the text; never a panic or a deep recursion.
#![no_main]

use airgram_query::{self as query, limits, Expr};
use libfuzzer_sys::fuzz_target;

fn depth(e: &Expr) -> usize {
    match e {
        Expr::And(xs) | Expr::Or(xs) => 1 + xs.iter().map(depth).max().unwrap_or(0),
        Expr::Not(x) => 1 + depth(x),
        _ => 0,
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(q) = std::str::from_utf8(data) else { return };
    match query::parse(q) {
        // And/Or add a level per parenthesis or NOT at most, plus one.
        Ok(e) => assert!(depth(&e) <= 2 * limits::MAX_DEPTH + 2, "depth {} for {q:?}", depth(&e)),
        Err(err) => assert!(err.position <= q.len().max(limits::MAX_LEN), "{err} in {} bytes", q.len()),
    }
});
