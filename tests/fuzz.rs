//! The fuzz targets' properties (`fuzz/harness.rs`), run by `cargo test`
//! for a fixed budget: every seed as it is, then mutants of the seeds
//! (bytes and Nix tokens inserted, removed, replaced, pieces of other
//! seeds spliced in) drawn by proptest from a fixed seed, so that CI
//! tries the same inputs on every run. The seeds are the repository's
//! test data, as for `scripts/fuzz` (libFuzzer, for long runs). A panic
//! or a stack overflow fails the test; proptest shrinks the input.
//! `NIXUNITS_FUZZ_CASES` sets the number of mutants per target (default
//! 4,000).

#![allow(clippy::unwrap_used, clippy::print_stderr)]

#[path = "../fuzz/harness.rs"]
mod harness;
mod util;

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use std::path::{Path, PathBuf};

/// Pieces of Nix a mutation inserts: what makes the parser, the lints and
/// the evaluator take other paths than random bytes would.
const TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    "(",
    ")",
    ";",
    "=",
    ":",
    "@",
    "...",
    ",",
    "?",
    ".",
    "let ",
    " in ",
    "rec ",
    "with ",
    "inherit ",
    "if ",
    " then ",
    " else ",
    "assert ",
    " or ",
    "${",
    "''",
    "\"",
    "''${",
    "\\",
    "./lib.nix",
    "./snippet.nix",
    "/fuzz/outside.nix",
    "<nixpkgs>",
    "import ",
    "builtins.",
    "lib.",
    "mkIf ",
    "mkMerge ",
    "mkDefault ",
    "mkForce ",
    "mkOverride 10 ",
    "genList ",
    "foldl' ",
    "toJSON ",
    "replaceStrings ",
    "concatStringsSep ",
    "unique ",
    "recursiveUpdate ",
    "flatten ",
    "range ",
    "x",
    "x: ",
    "{ x, ... }: ",
    "1",
    "-1",
    "9223372036854775807",
    "1.5e308",
    "0.0",
    "==",
    "!=",
    "//",
    "++",
    "+",
    "*",
    "/",
    "->",
    "&&",
    "||",
    "!",
    "|>",
    "<|",
    "#",
    "/*",
    "*/",
    "\n",
    "\0",
    "\r",
    "é",
    "😀",
    "config",
    "pkgs",
    "services.a.enable = true;",
    "imports = [ ./lib.nix ];",
    "__curPos",
    "true",
    "false",
    "null",
    "\"ip6\":",
    "\"interfaces\":[{\"type\":\"veth\"",
    "\"fd00::1/64\"",
    "\"10.0.0.1/24\"",
    "\"ports\":[\"tcp:80\"]",
    "\"bridge\":\"br0\"",
    "\"%eth0\"",
];

fn seeds_below(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if p.is_dir() {
            if !matches!(name.as_str(), "target" | ".git" | "fuzz") {
                seeds_below(&p, ext, out);
            }
        } else if name.ends_with(ext) {
            out.push(p);
        }
    }
}

fn seeds(dirs: &[&str], ext: &str) -> Vec<Vec<u8>> {
    let mut files = Vec::new();
    for d in dirs {
        seeds_below(&util::root().join(d), ext, &mut files);
    }
    assert!(!files.is_empty(), "no seeds in {dirs:?}");
    files.iter().map(|p| std::fs::read(p).unwrap()).collect()
}

/// One mutation: what to do, where, with what.
type Mutation = (u8, u32, u32);

fn mutate(seeds: &[Vec<u8>], seed: usize, muts: &[Mutation]) -> Vec<u8> {
    let mut v = seeds[seed].clone();
    for &(op, a, b) in muts {
        let at = a as usize % (v.len() + 1);
        match op % 5 {
            0 => {
                let t = TOKENS[b as usize % TOKENS.len()].as_bytes();
                v.splice(at..at, t.iter().copied());
            }
            1 => {
                let end = (at + 1 + b as usize % 16).min(v.len());
                v.drain(at..end);
            }
            2 if at < v.len() => v[at] = b as u8,
            3 => {
                // A piece of another seed.
                let other = &seeds[b as usize % seeds.len()];
                let from = (a as usize / 7) % (other.len() + 1);
                let to = (from + 1 + (b as usize >> 8) % 64).min(other.len());
                v.splice(at..at, other[from..to].iter().copied());
            }
            _ => {
                // Repeat a piece: nesting and long inputs.
                let end = (at + 1 + b as usize % 8).min(v.len());
                let piece: Vec<u8> = v[at..end].to_vec();
                for _ in 0..(b >> 16) % 64 {
                    v.splice(at..at, piece.iter().copied());
                }
            }
        }
    }
    v
}

fn cases() -> u32 {
    std::env::var("NIXUNITS_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4000)
}

/// Every seed, then `cases()` mutants, from a fixed seed.
fn run(target: &str, seeds: &[Vec<u8>], property: fn(&[u8])) {
    for s in seeds {
        property(s);
    }
    let mut runner = TestRunner::new_with_rng(
        Config {
            cases: cases(),
            failure_persistence: None,
            ..Config::default()
        },
        TestRng::from_seed(RngAlgorithm::ChaCha, &[0x6e; 32]),
    );
    let strategy = (
        0..seeds.len(),
        prop::collection::vec(any::<Mutation>(), 1..8),
    );
    let started = std::time::Instant::now();
    runner
        .run(&strategy, |(seed, muts)| {
            property(&mutate(seeds, seed, &muts));
            Ok(())
        })
        .unwrap();
    eprintln!(
        "{target}: {} seeds and {} mutants in {:.1?}",
        seeds.len(),
        cases(),
        started.elapsed()
    );
}

const NIX_SEEDS: &[&str] = &[
    "nixexpr/test_data",
    "eval/test_data",
    "tests/robust",
    "tests/imports",
    "examples",
];

#[test]
fn check_takes_any_input() {
    run("check", &seeds(NIX_SEEDS, ".nix"), harness::check_bytes);
}

#[test]
fn eval_takes_any_input() {
    run("eval", &seeds(NIX_SEEDS, ".nix"), harness::eval_bytes);
}

#[test]
fn unit_json_takes_any_input() {
    run(
        "unit_json",
        &seeds(&["fuzz/seeds/unit"], ".json"),
        harness::unit_json_bytes,
    );
}
