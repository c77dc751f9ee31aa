//! Times a cache lookup (open, get, close: what `build` does on a stamp
//! mismatch) in caches of 10, 1,000 and 10,000 entries, for
//! `scripts/bench-build`.
#![allow(clippy::print_stdout, clippy::unwrap_used)]

use std::time::Instant;

use nixunits_store::{BuildKey, Cache, Entry};

fn key(i: u64) -> BuildKey {
    BuildKey(*blake3::hash(&i.to_le_bytes()).as_bytes())
}

fn main() {
    for n in [10u64, 1_000, 10_000] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache");
        {
            let (c, _) = Cache::open(&path).unwrap();
            for i in 0..n {
                let e = Entry {
                    out_path: format!("/nix/store/{i:032}-nixunits-x"),
                    id: "x".into(),
                    build_ms: i,
                    at: i,
                };
                c.insert(&key(i), &e).unwrap();
            }
            c.commit().unwrap();
        }
        let mut times: Vec<f64> = (0..51)
            .map(|i| {
                let t = Instant::now();
                let (c, _) = Cache::open(&path).unwrap();
                let hit = c.get(&key(i * 7 % n)).unwrap();
                drop(c);
                assert!(hit.is_some());
                t.elapsed().as_secs_f64() * 1e3
            })
            .collect();
        times.sort_by(f64::total_cmp);
        println!("entries {n} median-ms {:.2}", times[times.len() / 2]);
    }
}
