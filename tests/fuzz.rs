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
    // FLEET.toml.
    "[hosts.",
    "[containers.",
    "]\n",
    "target = \"local\"\n",
    "target = \"root@h\"\n",
    "snippet = \"a.nix\"\n",
    "hosts = [\"a\", \"b\"]\n",
    "count = ",
    "ids = [\"x-1\"]\n",
    "name = ",
    "jobs = ",
    "auto-ip6 = true\n",
    "= { ",
    "\"\"\"",
    "4294967296",
    "[[hosts]]\n",
    // The language server's frames.
    "Content-Length: ",
    "\r\n\r\n",
    "\"id\":",
    "\"method\":\"textDocument/hover\",",
    "\"params\":null",
    "\"line\":4294967295",
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

/// `NIXUNITS_FUZZ_CASES`, or `default`.
fn cases_or(default: u32) -> u32 {
    std::env::var("NIXUNITS_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn cases() -> u32 {
    cases_or(4000)
}

/// Every seed, then `cases()` mutants, from a fixed seed.
fn run(target: &str, seeds: &[Vec<u8>], property: fn(&[u8])) {
    run_cases(target, seeds, property, cases());
}

/// Every seed, then `cases` mutants, from a fixed seed.
fn run_cases(target: &str, seeds: &[Vec<u8>], property: impl Fn(&[u8]), cases: u32) {
    run_mutants(target, seeds, property, cases, 8, "", mutate);
}

/// Every seed, then `cases` mutants (`how` makes one from a seed, with
/// fewer than `max` mutations), from a fixed seed.
fn run_mutants(
    target: &str,
    seeds: &[Vec<u8>],
    property: impl Fn(&[u8]),
    cases: u32,
    max: usize,
    kind: &str,
    how: impl Fn(&[Vec<u8>], usize, &[Mutation]) -> Vec<u8>,
) {
    for s in seeds {
        property(s);
    }
    let mut runner = TestRunner::new_with_rng(
        Config {
            cases,
            failure_persistence: None,
            ..Config::default()
        },
        TestRng::from_seed(RngAlgorithm::ChaCha, &[0x6e; 32]),
    );
    let strategy = (
        0..seeds.len(),
        prop::collection::vec(any::<Mutation>(), 1..max),
    );
    let started = std::time::Instant::now();
    runner
        .run(&strategy, |(seed, muts)| {
            property(&how(seeds, seed, &muts));
            Ok(())
        })
        .unwrap();
    eprintln!(
        "{target}: {} seeds and {cases} {kind}mutants in {:.1?}",
        seeds.len(),
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

#[test]
fn fleet_toml_takes_any_input() {
    run(
        "fleet",
        &seeds(&["fuzz/seeds/fleet"], ".toml"),
        harness::fleet_bytes,
    );
}

/// Values a structured mutation puts where a fleet file has one.
const FLEET_VALUES: &[&str] = &[
    "0",
    "1",
    "-1",
    "4294967296",
    "1.5",
    "true",
    "\"local\"",
    "\"root@h\"",
    "\"\"",
    "\"-oProxyCommand=x\"",
    "\"a b\"",
    "\"é\"",
    "\"x-1\"",
    "\"Bad_Id\"",
    "\"a-very-long-name-that-goes-past-the-sixty-four-characters-a-name-may-have\"",
    "[]",
    "[\"a\"]",
    "[\"a\", \"a\"]",
    "[\"b\", \"c\"]",
    "[\"nope\"]",
    "[\"db-1\", \"db-1\"]",
    "[\"x-1\", \"web-1\"]",
    "[1, 2]",
    "{ a = 1 }",
    "\"../../etc/passwd\"",
    "\"/abs/path.nix\"",
];

/// A fleet file changed as a person would get it wrong, line by line: a
/// value replaced (by one of [`FLEET_VALUES`]), a line dropped or
/// doubled, a key renamed, a table renamed or added, lines swapped. The
/// result is mostly TOML, so the checks after parsing are reached.
fn mutate_fleet(seed: &[u8], muts: &[Mutation]) -> Vec<u8> {
    const KEYS: &[&str] = &[
        "target", "snippet", "hosts", "count", "ids", "name", "jobs", "unit", "start", "auto-ip6",
        "colour",
    ];
    const TABLES: &[&str] = &[
        "[hosts.a]",
        "[hosts.b]",
        "[hosts.\"a b\"]",
        "[containers.web]",
        "[containers.a]",
        "[containers.\"\"]",
        "[hosts]",
        "[[containers]]",
    ];
    let text = String::from_utf8_lossy(seed);
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    for &(op, a, b) in muts {
        if lines.is_empty() {
            break;
        }
        let i = a as usize % lines.len();
        let b = b as usize;
        match op % 6 {
            0 => {
                if let Some((k, _)) = lines[i].split_once(" = ") {
                    lines[i] = format!("{k} = {}", FLEET_VALUES[b % FLEET_VALUES.len()]);
                }
            }
            1 => {
                lines.remove(i);
            }
            2 => {
                let l = lines[i].clone();
                lines.insert(i, l);
            }
            3 => {
                if let Some((_, v)) = lines[i].split_once(" = ") {
                    lines[i] = format!("{} = {v}", KEYS[b % KEYS.len()]);
                }
            }
            4 => {
                if lines[i].starts_with('[') {
                    lines[i] = TABLES[b % TABLES.len()].to_owned();
                } else {
                    lines.insert(i, TABLES[b % TABLES.len()].to_owned());
                }
            }
            _ => {
                let j = b % lines.len();
                lines.swap(i, j);
            }
        }
    }
    lines
        .iter()
        .map(|l| format!("{l}\n"))
        .collect::<String>()
        .into_bytes()
}

/// Every seed, then `cases` structured mutants (fewer than `max`
/// mutations each) of a fleet file, from a fixed seed.
fn run_fleet_mutants(
    target: &str,
    seeds: &[Vec<u8>],
    property: impl Fn(&[u8]),
    cases: u32,
    max: usize,
) {
    run_mutants(
        target,
        seeds,
        property,
        cases,
        max,
        "structured ",
        |s, i, m| mutate_fleet(&s[i], m),
    );
}

#[test]
fn fleet_toml_takes_structured_mutations() {
    run_fleet_mutants(
        "fleet (structured)",
        &seeds(&["fuzz/seeds/fleet"], ".toml"),
        harness::fleet_bytes,
        cases(),
        6,
    );
}

/// The language server's seeds: session scripts and a raw stream.
fn lsp_seeds() -> Vec<Vec<u8>> {
    let mut all = seeds(&["fuzz/seeds/lsp"], ".bin");
    all.extend(seeds(&["fuzz/seeds/lsp"], ".raw"));
    all
}

/// The language server's sessions (`fuzz/harness.rs`, `lsp_bytes`), and
/// the paths they reached.
#[test]
fn the_language_server_takes_any_session() {
    run("lsp", &lsp_seeds(), harness::lsp_bytes);
    let reached = harness::LSP_REACHED.lock().unwrap().clone();
    eprintln!("lsp: answers and notifications reached: {reached:?}");
    // Each path was taken: results and diagnostics, the refusals of
    // bad frames, unknown methods, bad parameters, requests before
    // initialize or after shutdown, cancelled and modified requests.
    for what in [
        "result some",
        "diagnostics some",
        "error -32700",
        "error -32601",
        "error -32602",
        "error -32002",
        "error -32600",
        "error -32800",
        "error -32801",
    ] {
        assert!(reached.contains_key(what), "no {what}: {reached:?}");
    }
}

/// `apply --dry-run` over structured mutants of the fleet files (up to
/// two mutations each, so that many still plan), as a process: exit 2 with a message on
/// standard error, nothing on standard output and no state written, or a
/// plan on standard output; never a crash. The hosts are `local` or
/// reached through an `ssh` that fails at once (no network is ever
/// tried), the seeds' shared caches and build hosts are left out; the
/// snippets exist; nixpkgs is the tests'. 400 mutants by default (each is
/// a few processes).
#[test]
fn apply_dry_run_takes_any_fleet() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let ssh = bin.join("ssh");
    std::fs::write(
        &ssh,
        "#!/bin/sh\necho 'ssh: no network in this test' >&2\nexit 255\n",
    )
    .unwrap();
    std::fs::set_permissions(&ssh, std::fs::Permissions::from_mode(0o755)).unwrap();
    for f in [
        "a.nix", "web.nix", "db.nix", "ok.nix", "w.nix", "v.nix", "svc.nix",
    ] {
        std::fs::write(dir.path().join(f), "{ services.nginx.enable = true; }\n").unwrap();
    }
    std::fs::write(dir.path().join("svc.json"), "{}\n").unwrap();
    std::os::unix::fs::symlink(
        util::root().join("tests/fake-nixpkgs"),
        dir.path().join("nixpkgs"),
    )
    .unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let nix_path = format!(
        "nixpkgs={}",
        util::root().join("tests/fake-nixpkgs").display()
    );
    let seeds: Vec<Vec<u8>> = seeds(&["fuzz/seeds/fleet"], ".toml")
        .into_iter()
        .map(|s| {
            String::from_utf8_lossy(&s)
                .lines()
                .filter(|l| !l.starts_with("cache") && !l.starts_with("build-host"))
                .map(|l| format!("{l}\n"))
                .collect::<String>()
                .into_bytes()
        })
        .collect();
    let counts = std::cell::RefCell::new([0usize; 3]);
    let property = |data: &[u8]| {
        let state = tempfile::tempdir().unwrap();
        let fleet = dir.path().join("fleet.toml");
        std::fs::write(&fleet, data).unwrap();
        let text = String::from_utf8_lossy(data);
        let out = util::run(
            util::nixunits()
                .current_dir(dir.path())
                .env("PATH", &path)
                .env("NIX_PATH", &nix_path)
                .env("NIX_CONFIG", "substituters =\nsandbox = false\n")
                .env("HOME", dir.path())
                .arg("--state-dir")
                .arg(state.path().join("state"))
                .arg("--nix-dir")
                .arg(util::root().join("nix"))
                .args(["apply", "--dry-run", "--color", "never"])
                .arg(&fleet),
        );
        let (stdout, stderr) = (
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
        );
        assert!(!stderr.contains("panicked"), "{text}\n{stderr}");
        match out.status.code() {
            Some(2) => {
                assert!(
                    stderr.starts_with("nixunits: "),
                    "exit 2 without a message: {text}\n{stderr}"
                );
                assert!(stdout.is_empty(), "exit 2 after a plan: {text}\n{stdout}");
                assert!(
                    !state.path().join("state").exists(),
                    "exit 2, and the state directory was written: {text}\n{stderr}"
                );
                counts.borrow_mut()[0] += 1;
            }
            Some(0 | 1) => {
                assert!(
                    stdout.contains("(dry run: nothing is changed)"),
                    "no plan: {text}\n{stdout}\n{stderr}"
                );
                counts.borrow_mut()[usize::from(out.status.code() == Some(1)) + 1] += 1;
            }
            other => panic!("exit {other:?}: {text}\n{stdout}\n{stderr}"),
        }
    };
    run_fleet_mutants(
        "apply --dry-run",
        &seeds,
        property,
        cases_or(400).min(4000),
        3,
    );
    let [usage, planned, failed] = *counts.borrow();
    eprintln!(
        "apply --dry-run: {usage} exit 2, {planned} plans, {failed} plans with a host failed"
    );
    assert!(usage > 0 && planned + failed > 0, "both outcomes tried");
}
