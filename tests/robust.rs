//! Never crash, never hang: the crash shapes met on real trees checked
//! without an internal error, every `.nix` file of the repository checked
//! without one, a bug (injected) made into one diagnostic in `check`,
//! `eval` and the language server, and hostile snippets cut short within
//! their bounds of time and memory.

#![allow(clippy::unwrap_used, clippy::print_stdout, clippy::print_stderr)]

mod util;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use util::{nixunits, require, root, run};

/// The diagnostics of `check --format json` over `files`, per file.
fn check_json(args: &[&str], files: &[PathBuf]) -> (Output, Vec<Value>) {
    let state = tempfile::tempdir().unwrap();
    let out = run(nixunits()
        .current_dir(root())
        .arg("--state-dir")
        .arg(state.path())
        .args(["check", "--format", "json"])
        .args(args)
        .args(files));
    let parsed: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "check printed no JSON ({e}), exit {:?}:\n{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out, parsed.as_array().unwrap().clone())
}

fn codes(file: &Value) -> Vec<String> {
    file["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_owned())
        .collect()
}

fn internal_errors(files: &[Value]) -> Vec<String> {
    files
        .iter()
        .flat_map(|f| {
            f["diagnostics"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|d| d["code"] == "internal_error")
                .map(move |d| format!("{}: {}", f["file"], d["message"]))
        })
        .collect()
}

/// The `.nix` files below `dir`, `target/` and `.git` left out.
fn nix_files_below(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if p.is_dir() {
            if name != "target" && name != ".git" && name != "fuzz" {
                nix_files_below(&p, out);
            }
        } else if name.ends_with(".nix") {
            out.push(p);
        }
    }
}

#[test]
fn the_crash_shapes_of_real_trees_check_without_internal_error() {
    let dir = root().join("tests/robust");
    let files = util::nix_files_in(&dir);
    assert!(files.len() >= 3, "{files:?}");
    let (out, reports) = check_json(&[], &files);
    assert_eq!(out.status.code(), Some(0), "{reports:?}");
    assert_eq!(internal_errors(&reports), Vec::<String>::new());
    // And the evaluation went through the imports: the values are known.
    let e = run(nixunits()
        .current_dir(&dir)
        .args(["eval", "--json", "with-imported-helpers.nix"]));
    util::assert_exit(&e, 0);
    let defs: Value = serde_json::from_slice(&e.stdout).unwrap();
    let value_of = |path: &str| {
        defs.as_array()
            .unwrap()
            .iter()
            .find(|d| {
                d["path"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| p.as_str().unwrap())
                    .collect::<Vec<_>>()
                    .join(".")
                    == path
            })
            .map(|d| d["value"].clone())
    };
    assert_eq!(
        value_of("services.nginx.virtualHosts.site.serverName"),
        Some(Value::from("www.example.org"))
    );
    assert_eq!(
        value_of("networking.firewall.allowedTCPPorts"),
        Some(serde_json::json!([443]))
    );
}

#[test]
fn every_nix_file_of_the_repository_checks_without_internal_error() {
    let mut files = Vec::new();
    nix_files_below(&root(), &mut files);
    assert!(files.len() > 300, "{} files", files.len());
    // With evaluation, as a user runs it; the hostile snippets make it cut
    // short, within these bounds.
    let (out, reports) = check_json(&["--eval-timeout", "2s", "--eval-memory", "64MiB"], &files);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(reports.len() >= files.len());
    assert_eq!(internal_errors(&reports), Vec::<String>::new());
}

/// A `nixunits` command that panics (an injected fault, debug builds) on
/// snippets containing `marker`.
fn faulty(marker: &str) -> Command {
    let mut c = nixunits();
    c.env("NIXUNITS_FAULT_PANIC", marker);
    c
}

#[test]
fn a_bug_is_one_internal_error_of_its_file() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    let files = [
        write("a.nix", "{ services.a.enable = true; x = ; }\n"),
        write("b.nix", "{ services.b.enable = true; } # FAULT-HERE\n"),
        write("c.nix", "let z = 1; in { services.c.enable = true; }\n"),
    ];
    let state = tempfile::tempdir().unwrap();
    // Many files on worker threads, and one of them alone.
    for many in [true, false] {
        let mut c = faulty("FAULT-HERE");
        c.arg("--state-dir")
            .arg(state.path())
            .args(["check", "--format", "json"]);
        if many {
            c.args(&files);
        } else {
            c.arg(&files[1]);
        }
        let out = run(&mut c);
        assert_eq!(out.status.code(), Some(1), "{out:?}");
        assert!(
            !String::from_utf8_lossy(&out.stderr).contains("panicked"),
            "the panic is not printed: {out:?}"
        );
        let reports: Value = serde_json::from_slice(&out.stdout).unwrap();
        let reports = reports.as_array().unwrap();
        let b = reports
            .iter()
            .find(|r| r["file"].as_str().unwrap().ends_with("b.nix"))
            .unwrap();
        assert_eq!(codes(b), ["internal_error"]);
        let d = &b["diagnostics"][0];
        let msg = d["message"].as_str().unwrap();
        assert!(
            msg.contains("nixunits failed while evaluating this file")
                && msg.contains("a fault injected by NIXUNITS_FAULT_PANIC")
                && msg.contains("commands/eval.rs"),
            "{msg}"
        );
        assert!(
            d["notes"][0]
                .as_str()
                .unwrap()
                .contains("a bug in nixunits"),
            "{d}"
        );
        if many {
            // The other files are checked as without the fault.
            let a = reports
                .iter()
                .find(|r| r["file"].as_str().unwrap().ends_with("a.nix"))
                .unwrap();
            assert_eq!(codes(a), ["syntax_error"]);
            let c = reports
                .iter()
                .find(|r| r["file"].as_str().unwrap().ends_with("c.nix"))
                .unwrap();
            assert_eq!(codes(c), ["unused_binding"]);
        }
    }
    // The human format names it too.
    let out = run(faulty("FAULT-HERE")
        .arg("--state-dir")
        .arg(state.path())
        .args(["check", "--color", "never"])
        .arg(&files[1]));
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("error[internal_error]: nixunits failed"),
        "{text}"
    );

    // `eval`: exit 1, the message on stderr, no panic printed.
    let out = run(faulty("FAULT-HERE").arg("eval").arg(&files[1]));
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("error[internal_error]") && !err.contains("panicked"),
        "{err}"
    );
}

/// Runs `check` on one hostile file under an address-space limit (so
/// that going over the bound fails the run), returning its codes.
fn check_hostile(file: &Path, limit: u64, timeout: &str) -> (Output, Vec<String>, Duration) {
    let prlimit = require("prlimit", "util-linux");
    let state = tempfile::tempdir().unwrap();
    let start = Instant::now();
    let mut child = Command::new(prlimit)
        .arg(format!("--as={limit}"))
        .arg(env!("CARGO_BIN_EXE_nixunits"))
        .arg("--state-dir")
        .arg(state.path())
        .args([
            "check",
            "--format",
            "json",
            "--eval-timeout",
            timeout,
            "--eval-memory",
            "64MiB",
        ])
        .arg(file)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A hang is a failure, not a slow pass: the bound is at most 60 s of
    // evaluation, and two minutes are far beyond it on any machine.
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if start.elapsed() > Duration::from_secs(120) {
            child.kill().unwrap();
            panic!("{} hung: still running after 60 s", file.display());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    let took = start.elapsed();
    let reports: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{}: no JSON ({e}), exit {:?}: {}",
            file.display(),
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let codes = codes(&reports[0]);
    (out, codes, took)
}

#[test]
fn hostile_snippets_are_cut_short_within_their_bounds() {
    // The address space the process may take: its own mappings (threads'
    // stacks, the allocator's arenas) measured on a harmless snippet, plus
    // twice the 64 MiB budget (a result over it is not made, so the peak
    // stays under twice the budget), plus room for the trees.
    let dir = root().join("tests/robust/hostile");
    let harmless = root().join("tests/robust/let-imported-values.nix");
    let mut limit: u64 = 256 << 20;
    loop {
        let (out, _, _) = check_hostile(&harmless, limit, "3s");
        if out.status.code() == Some(0) {
            break;
        }
        limit += 64 << 20;
        assert!(
            limit < 4 << 30,
            "a harmless snippet fails under 4 GiB: {out:?}"
        );
    }
    let limit = limit + 2 * (64 << 20) + (128 << 20);
    eprintln!("address space limit: {} MiB", limit >> 20);
    let expected: &[(&str, &[&str])] = &[
        ("deep-recursion.nix", &["eval_depth"]),
        (
            "exponential-genlist.nix",
            &["eval_budget", "eval_memory", "eval_timeout"],
        ),
        ("doubling-list.nix", &["eval_memory"]),
        ("doubling-string.nix", &["eval_memory"]),
        ("joined-product.nix", &["eval_memory"]),
        ("replace-product.nix", &["eval_memory"]),
        ("nested-folds.nix", &["eval_budget", "eval_timeout"]),
        ("thunk-chain.nix", &["eval_depth"]),
        ("quadratic-unique.nix", &["eval_budget", "eval_timeout"]),
        ("deep-data.nix", &["eval_depth"]),
        ("import-cycle.nix", &["import_cycle", "infinite_recursion"]),
        // No bound needed: it is evaluated whole, in time.
        ("many-overrides.nix", &[]),
    ];
    for (name, any_of) in expected {
        // The clock is the one bound a loaded machine moves: a file meant
        // for another bound gets a timeout it never reaches, so that the
        // bound it meets is the same on every machine.
        let timeout = if any_of.contains(&"eval_timeout") {
            "3s"
        } else {
            "60s"
        };
        let (out, codes, took) = check_hostile(&dir.join(name), limit, timeout);
        eprintln!("{name}: {codes:?} in {took:.1?}");
        assert_eq!(
            out.status.code(),
            Some(0),
            "{name}: a warning, not an error or a crash: {codes:?} {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            any_of.is_empty() || codes.iter().any(|c| any_of.contains(&c.as_str())),
            "{name}: expected one of {any_of:?}, got {codes:?}"
        );
        assert!(!codes.contains(&"internal_error".to_owned()), "{name}");
    }
    // Every hostile file is listed above.
    assert_eq!(
        util::nix_files_in(&dir)
            .iter()
            .filter(|p| !p.ends_with("import-cycle-other.nix"))
            .count(),
        expected.len()
    );
}

#[test]
fn the_bounds_are_flags_with_sane_values() {
    let f = root().join("tests/robust/hostile/doubling-string.nix");
    for (flag, bad) in [
        ("--eval-timeout", "0s"),
        ("--eval-timeout", "soon"),
        ("--eval-memory", "0"),
        ("--eval-memory", "12 parsecs"),
        ("--eval-memory", "99999999999GiB"),
    ] {
        let out = run(nixunits().args(["check", flag, bad]).arg(&f));
        assert_eq!(out.status.code(), Some(2), "{flag} {bad}: {out:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(flag),
            "{flag} {bad}: {out:?}"
        );
    }
    // A smaller budget cuts the doubling earlier, and says how much.
    let (out, reports) = check_json(&["--eval-memory", "1MiB"], &[f]);
    assert_eq!(out.status.code(), Some(0));
    let d = reports[0]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "eval_memory")
        .cloned()
        .unwrap();
    assert_eq!(d["severity"], "warning");
    assert!(
        d["message"]
            .as_str()
            .unwrap()
            .contains("1MiB (--eval-memory)"),
        "{d}"
    );
}
