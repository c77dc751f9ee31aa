//! Times parsing a corpus in one thread, in process, for `scripts/bench`:
//! rnix's bare parse against nixunits' `--parse-only` and full checks.
//!
//!     cargo run --release --example parse_corpus -- FILE...
#![allow(clippy::print_stdout, clippy::unwrap_used)]

use std::time::{Duration, Instant};

use nixunits_nixexpr::{check, CheckOptions};

fn best_of<T>(runs: usize, mut f: impl FnMut() -> T) -> Duration {
    (0..runs)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(f());
            t.elapsed()
        })
        .min()
        .unwrap()
}

fn main() {
    let texts: Vec<String> = std::env::args()
        .skip(1)
        .map(|f| std::fs::read_to_string(f).unwrap())
        .collect();
    let bytes: usize = texts.iter().map(String::len).sum();
    let parse_only = CheckOptions {
        parse_only: true,
        ..CheckOptions::default()
    };
    let full = CheckOptions::default();
    let rnix = best_of(5, || {
        texts
            .iter()
            .map(|t| rnix::Root::parse(t).errors().len())
            .sum::<usize>()
    });
    let ours = best_of(5, || {
        texts
            .iter()
            .map(|t| check(t, &parse_only).len())
            .sum::<usize>()
    });
    let all = best_of(5, || {
        texts.iter().map(|t| check(t, &full).len()).sum::<usize>()
    });
    println!("files {} bytes {bytes}", texts.len());
    println!("rnix-parse-ms {:.1}", rnix.as_secs_f64() * 1e3);
    println!("check-parse-only-ms {:.1}", ours.as_secs_f64() * 1e3);
    println!("check-full-ms {:.1}", all.as_secs_f64() * 1e3);
}
