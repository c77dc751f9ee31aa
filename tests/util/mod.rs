//! Shared helpers for the integration tests (ripgrep's `tests/util.rs`).
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::print_stdout,
    clippy::print_stderr
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// A `nixunits` command with a clean environment for reproducible output.
pub fn nixunits() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_nixunits"));
    c.env_remove("NIXUNITS_NIX_VERSION")
        .env_remove("NO_COLOR")
        .stdin(Stdio::null());
    c
}

/// Runs a command, returning its output.
pub fn run(c: &mut Command) -> Output {
    c.output()
        .unwrap_or_else(|e| panic!("cannot run {c:?}: {e}"))
}

/// A program that must be installed for the test: fails, never skips,
/// naming the package that provides it.
pub fn require(program: &str, package: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|d| d.join(program))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!("`{program}` is not on PATH: this test needs it. Install Debian's `{package}` (scripts/test does).")
        })
}

/// Compares `actual` with the golden file `path`; with UPDATE_EXPECT=1,
/// writes it instead. Returns a description of the difference, if any.
pub fn expect_file(path: &Path, actual: &str) -> Option<String> {
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(path, actual).unwrap();
        return None;
    }
    let expected = std::fs::read_to_string(path).unwrap_or_default();
    if expected == actual {
        None
    } else {
        Some(format!(
            "{} differs (UPDATE_EXPECT=1 blesses):\n--- expected\n{expected}\n--- actual\n{actual}",
            path.display()
        ))
    }
}

/// Asserts that `out` exited with `code`, showing its output otherwise.
pub fn assert_exit(out: &Output, code: i32) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The `.nix` files of `dir` itself (not of its subdirectories), sorted.
pub fn nix_files_in(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "nix"))
        .collect();
    v.sort();
    v
}

/// Every `.nix` file below `dir`, sorted.
pub fn nix_files_under(dir: &Path) -> Vec<PathBuf> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    let mut out = Vec::new();
    for p in entries {
        if p.is_dir() {
            out.extend(nix_files_under(&p));
        } else if p.extension().is_some_and(|e| e == "nix") {
            out.push(p);
        }
    }
    out
}
