//! Times one query with and without facets on an existing archive (for
//! profiling the search path): `facet_probe ARCHIVE QUERY [ROUNDS]`.
use airgram_access::{Level, Reader};
use airgram_archive::Archive;
use airgram_index::SearchRequest;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let a = Archive::open(std::path::Path::new(&args[1])).unwrap();
    let all: Vec<String> = airgram_access::CONTROL_CAVEATS.iter().map(|s| s.to_string()).collect();
    let r = Reader::new("probe", Level::TopSecret, all);
    let rounds: usize = args.get(3).and_then(|x| x.parse().ok()).unwrap_or(20);
    for facets in [false, true] {
        let req = SearchRequest {
            query: args[2].clone(),
            facets,
            ..Default::default()
        };
        let mut times = Vec::new();
        let mut total = 0;
        for _ in 0..rounds {
            let t = Instant::now();
            total = a.search(&r, &req).unwrap().total;
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        times.sort_by(|x, y| x.total_cmp(y));
        println!(
            "facets={facets} total={total} min {:.2} ms median {:.2} ms",
            times[0],
            times[rounds / 2]
        );
    }
}
