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
    std::fs::write(repo.join("good.nix"), "{ services.nginx.enable = true; }\n").unwrap();
    std::fs::write(
        repo.join("bad.nix"),
        "{ services.nginx.enable = true\n  services.nginx.user = \"x\"; }\n",
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
    let hook = |files: &[&str]| {
        run(Command::new(&pre_commit)
            .current_dir(repo)
            .env("PATH", &path)
            .env("PRE_COMMIT_HOME", repo.join(".cache"))
            .args([
                "try-repo",
                root().to_str().unwrap(),
                "nixunits-check",
                "--files",
            ])
            .args(files))
    };
    let out = hook(&["good.nix"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("nixunits check") && text.contains("Passed"),
        "{text}"
    );
    let out = hook(&["good.nix", "bad.nix"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{text}");
    assert!(
        text.contains("Failed") && text.contains("bad.nix>2:23:E:syntax_error"),
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
}
