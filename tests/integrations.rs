//! The CI and editor integrations that are not the language server: SARIF
//! validated against the SARIF 2.1.0 JSON schema, the pre-commit hook in a
//! throwaway repository with pre-commit from PyPI, shell completions and
//! the manual page.

#![allow(clippy::unwrap_used, clippy::print_stdout, clippy::print_stderr)]

mod util;

use std::path::PathBuf;
use std::process::Command;

use util::{nixunits, require, root, run};

fn sarif_schema() -> PathBuf {
    let p = PathBuf::from(
        std::env::var("NIXUNITS_SARIF_SCHEMA")
            .unwrap_or_else(|_| "/var/cache/nixunits-test/sarif-2.1.0-rtm.5.json".into()),
    );
    assert!(
        p.is_file(),
        "the SARIF 2.1.0 schema is not at {} (NIXUNITS_SARIF_SCHEMA): scripts/test fetches it (npm package @microsoft/jest-sarif)",
        p.display()
    );
    p
}

#[test]
fn sarif_validates_against_its_schema() {
    let schema = sarif_schema();
    let py = require("python3", "python3");
    let ok = run(Command::new(&py).args(["-c", "import jsonschema"]));
    assert!(
        ok.status.success(),
        "python3 lacks jsonschema: `pip install jsonschema` (scripts/test does)"
    );
    let dir = tempfile::tempdir().unwrap();
    let files = ["bad name.nix", "ok.nix"];
    std::fs::write(
        dir.path().join(files[0]),
        "{ pkgs, ... }: {\n  x = y;\n  systemd.package = pkgs.systemd;\n  a = 1; a = 2;\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join(files[1]),
        "{ services.nginx.enable = true; }\n",
    )
    .unwrap();
    let out = run(nixunits()
        .current_dir(dir.path())
        .args(["check", "--format", "sarif"])
        .args(files));
    assert_eq!(out.status.code(), Some(1));
    let sarif = dir.path().join("out.sarif");
    std::fs::write(&sarif, &out.stdout).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["version"], "2.1.0");
    let results = v["runs"][0]["results"].as_array().unwrap();
    assert!(results
        .iter()
        .any(|r| r["ruleId"] == "duplicate_attr" && r["level"] == "error"));
    assert_eq!(
        results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "bad%20name.nix"
    );
    // Columns count characters; the first definition of a duplicate is a
    // related location.
    assert_eq!(v["runs"][0]["columnKind"], "unicodeCodePoints");
    let dup = results
        .iter()
        .find(|r| r["ruleId"] == "duplicate_attr")
        .unwrap();
    let rel = &dup["relatedLocations"][0];
    assert_eq!(rel["physicalLocation"]["region"]["startLine"], 4);
    assert_eq!(rel["physicalLocation"]["region"]["startColumn"], 3);
    assert!(rel["message"]["text"].as_str().unwrap().contains("first"));
    let check = run(Command::new(&py)
        .args([
            "-c",
            "import json, sys, jsonschema\n\
         s = json.load(open(sys.argv[1])); d = json.load(open(sys.argv[2]))\n\
         jsonschema.validators.validator_for(s)(s).validate(d)\nprint('valid')",
        ])
        .arg(&schema)
        .arg(&sarif));
    assert!(
        check.status.success(),
        "SARIF does not validate: {}",
        String::from_utf8_lossy(&check.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&check.stdout).trim(), "valid");
}

#[test]
fn the_pre_commit_hook_runs_in_a_repository() {
    let pre_commit = require("pre-commit", "pre-commit (PyPI)");
    require("git", "git");
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    let git = |args: &[&str]| {
        let out = run(Command::new("git")
            .current_dir(repo)
            .args(args)
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@t")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@t"));
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    git(&["init", "-q"]);
    std::fs::create_dir(repo.join("containers")).unwrap();
    std::fs::write(
        repo.join("containers/good.nix"),
        "{ services.nginx.enable = true; }\n",
    )
    .unwrap();
    // A repository's own Nix files, which are not modules.
    std::fs::write(
        repo.join("default.nix"),
        "{ pkgs ? import <nixpkgs> { } }: pkgs.callPackage ./package.nix { }\n",
    )
    .unwrap();
    std::fs::write(
        repo.join("shell.nix"),
        "{ pkgs ? import <nixpkgs> { } }:\npkgs.mkShell { packages = [ pkgs.cargo ]; }\n",
    )
    .unwrap();
    git(&["add", "."]);
    let bin_dir = PathBuf::from(env!("CARGO_BIN_EXE_nixunits"))
        .parent()
        .unwrap()
        .to_path_buf();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    // Both hooks over every file, as `pre-commit run --all-files` does.
    let hooks = || {
        run(Command::new(&pre_commit)
            .current_dir(repo)
            .env("PATH", &path)
            .env("PRE_COMMIT_HOME", repo.join(".cache"))
            .args(["try-repo", root().to_str().unwrap(), "--all-files"]))
    };
    // The full checks would fail default.nix (not a module): the hooks
    // pass because it is not a snippet.
    assert_eq!(
        run(nixunits().current_dir(repo).args(["check", "default.nix"]))
            .status
            .code(),
        Some(1)
    );
    let out = hooks();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("nixunits check (snippets)") && text.contains("nixunits check --parse-only"),
        "{text}"
    );
    // A bad snippet fails the snippet hook; a syntax error anywhere fails
    // the other.
    std::fs::write(
        repo.join("containers/bad.nix"),
        "{ services.nginx.enable = true\n  services.nginx.user = \"x\"; }\n",
    )
    .unwrap();
    std::fs::write(
        repo.join("shell.nix"),
        "{ pkgs ? import <nixpkgs> { } }: pkgs.mkShell {\n",
    )
    .unwrap();
    git(&["add", "."]);
    let out = hooks();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{text}");
    assert!(
        text.contains("containers/bad.nix>2:23:E:syntax_error")
            && text.contains("shell.nix>2:1:E:syntax_error"),
        "{text}"
    );
}

#[test]
fn completions_and_manual() {
    for (shell, needle) in [
        ("bash", "_nixunits()"),
        ("zsh", "#compdef nixunits"),
        ("fish", "complete -c nixunits"),
    ] {
        let out = run(nixunits().args(["completions", shell]));
        assert!(out.status.success());
        assert!(
            String::from_utf8_lossy(&out.stdout).contains(needle),
            "{shell}"
        );
    }
    let out = run(nixunits().arg("man"));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with(".ie") || text.contains(".TH nixunits"),
        "{}",
        &text[..text.len().min(200)]
    );
    assert!(text.contains("build"));
    // Every page a page names exists: written all at once, each reference
    // `nixunits\-x(1)` has its file, and `nixunits man x` prints it.
    let dir = tempfile::tempdir().unwrap();
    let out = run(nixunits().args(["man", "--out-dir"]).arg(dir.path()));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut referenced = 0;
    for page in std::fs::read_dir(dir.path()).unwrap() {
        let text = std::fs::read_to_string(page.unwrap().path()).unwrap();
        for name in text
            .split(|c: char| c.is_whitespace())
            .filter_map(|w| w.strip_suffix("(1)"))
            .map(|w| w.replace("\\-", "-"))
        {
            referenced += 1;
            assert!(
                dir.path().join(format!("{name}.1")).is_file(),
                "{name}(1) has no page"
            );
        }
    }
    assert!(referenced > 20, "{referenced}");
    let check = run(nixunits().args(["man", "check"]));
    assert!(String::from_utf8_lossy(&check.stdout).contains(".TH nixunits-check 1"));
    let none = run(nixunits().args(["man", "no-such-command"]));
    assert_eq!(none.status.code(), Some(2));
}
