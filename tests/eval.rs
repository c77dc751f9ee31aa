//! The embedded evaluator: golden definitions for every snippet of
//! `eval/test_data` and `examples/` (`UPDATE_EXPECT=1` blesses); the same
//! snippets, where self-contained, evaluated by real Nix with a tiny
//! builtins-only stand-in for `lib`, flattened here, and compared; and
//! hostile input ending in bounded time with a clear diagnostic.

#![allow(clippy::unwrap_used, clippy::print_stdout, clippy::print_stderr)]

mod util;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use serde_json::Value;
use util::{expect_file, nix_files_in, nixunits, require, root, run};

fn snippets() -> Vec<std::path::PathBuf> {
    let mut v = nix_files_in(&root().join("eval/test_data"));
    v.extend(nix_files_in(&root().join("examples")));
    v
}

fn eval_json(file: &Path) -> (Vec<Value>, String) {
    let out = run(nixunits()
        .current_dir(file.parent().unwrap())
        .arg("eval")
        .arg(file.file_name().unwrap())
        .arg("--json"));
    assert!(
        out.status.success(),
        "{}: {}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    (
        serde_json::from_slice(&out.stdout).unwrap(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn golden_definitions() {
    let files = snippets();
    assert!(files.len() >= 40, "{}", files.len());
    let mut failures = Vec::new();
    for f in &files {
        let (defs, _) = eval_json(f);
        let pretty = serde_json::to_string_pretty(&defs).unwrap() + "\n";
        let golden = f.with_extension("defs.json");
        failures.extend(expect_file(&golden, &pretty));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A builtins-only stand-in for the part of nixpkgs' lib the snippets use,
/// with lib's own representation of mkIf & co.
const STUB_LIB: &str = r#"
  rec {
    mkIf = condition: content: { _type = "if"; inherit condition content; };
    mkOverride = priority: content: { _type = "override"; inherit priority content; };
    mkDefault = mkOverride 1000;
    mkForce = mkOverride 50;
    mkMerge = contents: { _type = "merge"; inherit contents; };
    mkOrder = priority: content: { _type = "order"; inherit priority content; };
    mkBefore = mkOrder 500;
    mkAfter = mkOrder 1500;
    optionalAttrs = c: a: if c then a else { };
    optionals = c: l: if c then l else [ ];
    optionalString = c: s: if c then s else "";
  }
"#;

/// Numbers as doubles: Nix writes the float 3.0 as `3`, serde as `3.0`.
fn norm(v: &Value) -> Value {
    match v {
        Value::Number(n) => serde_json::json!(n.as_f64().unwrap()),
        Value::Array(a) => Value::Array(a.iter().map(norm).collect()),
        Value::Object(o) => Value::Object(o.iter().map(|(k, x)| (k.clone(), norm(x))).collect()),
        x => x.clone(),
    }
}

/// The module system's own top-level names, listed here again on purpose:
/// the oracle shares nothing with the evaluator it checks.
const MODULE_KEYS: &[&str] = &[
    "_file",
    "key",
    "disabledModules",
    "imports",
    "options",
    "config",
    "meta",
    "freeformType",
    "_class",
];

/// Flattens a module value as the NixOS module system pushes definitions
/// down (written apart from the evaluator's own, on purpose).
fn flatten(v: &Value, path: &mut Vec<String>, prio: i64, cond: &str, out: &mut BTreeSet<String>) {
    if let Some(o) = v.as_object() {
        if let Some(t) = o.get("_type").and_then(Value::as_str) {
            match t {
                "if" => {
                    let c = match (cond, o["condition"].as_bool().unwrap()) {
                        ("false", _) | (_, false) => "false",
                        _ => "true",
                    };
                    return flatten(&o["content"], path, prio, c, out);
                }
                "merge" => {
                    for x in o["contents"].as_array().unwrap() {
                        flatten(x, path, prio, cond, out);
                    }
                    return;
                }
                "override" => {
                    return flatten(
                        &o["content"],
                        path,
                        o["priority"].as_i64().unwrap(),
                        cond,
                        out,
                    )
                }
                "order" => return flatten(&o["content"], path, prio, cond, out),
                _ => {}
            }
        }
        if o.is_empty() && !path.is_empty() {
            out.insert(format!(
                "{} = {} @{prio} if {cond}",
                path.join("."),
                norm(v)
            ));
            return;
        }
        for (k, x) in o {
            path.push(k.clone());
            flatten(x, path, prio, cond, out);
            path.pop();
        }
        return;
    }
    out.insert(format!(
        "{} = {} @{prio} if {cond}",
        path.join("."),
        norm(v)
    ));
}

#[test]
fn definitions_match_real_nix() {
    let nix = require("nix-instantiate", "nix-bin");
    let mut compared = 0;
    for f in snippets() {
        let text = std::fs::read_to_string(&f).unwrap();
        if !text.starts_with("# nix-compare") {
            continue;
        }
        let expr = format!(
            "let lib = {STUB_LIB}; m = import {}; args = {{ inherit lib; pkgs = {{ inherit lib; }}; config = {{ }}; options = {{ }}; }}; \
             in if builtins.isFunction m then m args else m",
            f.display()
        );
        let out = run(Command::new(&nix).args(["--eval", "--strict", "--json", "-E", &expr]));
        assert!(
            out.status.success(),
            "{}: {}",
            f.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        let module: Value = serde_json::from_slice(&out.stdout).unwrap();
        let config = match module.as_object() {
            Some(o)
                if !o.contains_key("_type")
                    && (o.contains_key("config") || o.contains_key("options")) =>
            {
                o.get("config")
                    .cloned()
                    .unwrap_or(Value::Object(Default::default()))
            }
            Some(o) if !o.contains_key("_type") => Value::Object(
                o.iter()
                    .filter(|(k, _)| !MODULE_KEYS.contains(&k.as_str()))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            ),
            _ => module.clone(),
        };
        let mut want = BTreeSet::new();
        flatten(&config, &mut Vec::new(), 100, "true", &mut want);

        let (defs, _) = eval_json(&f);
        let got: BTreeSet<String> = defs
            .iter()
            .map(|d| {
                assert!(d["known"].as_bool().unwrap(), "{}: {d}", f.display());
                let path: Vec<&str> = d["path"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| p.as_str().unwrap())
                    .collect();
                format!(
                    "{} = {} @{} if {}",
                    path.join("."),
                    norm(&d["value"]),
                    d["priority"],
                    d["condition"].as_str().unwrap()
                )
            })
            .collect();
        assert_eq!(got, want, "{}: the evaluator and Nix disagree", f.display());
        compared += 1;
    }
    assert!(compared >= 30, "only {compared} snippets compared with Nix");
}

fn warnings_of(file: &str) -> (Vec<Value>, String) {
    eval_json(&root().join("eval/test_data").join(file))
}

#[test]
fn hostile_input_is_bounded_and_explained() {
    let (defs, err) = warnings_of("44-import-outside.nix");
    assert!(
        err.contains("import_outside") && err.contains("/etc/passwd is not read"),
        "{err}"
    );
    assert!(
        defs.iter().any(|d| d["path"][0] == "services"),
        "the rest still evaluates"
    );
    let (_, err) = warnings_of("45-read-file.nix");
    assert!(
        err.contains("not_evaluated") && err.contains("builtins.readFile"),
        "{err}"
    );
    let (_, err) = warnings_of("46-fetchurl.nix");
    assert!(err.contains("not_evaluated"), "{err}");
    let (_, err) = warnings_of("47-self-reference.nix");
    assert!(err.contains("infinite_recursion"), "{err}");
    let (_, err) = warnings_of("43-import-cycle.nix");
    assert!(err.contains("import_cycle"), "{err}");
    let (defs, err) = warnings_of("51-runaway.nix");
    assert!(
        err.contains("eval_depth") || err.contains("eval_budget"),
        "{err}"
    );
    assert!(defs
        .iter()
        .any(|d| d["path"] == serde_json::json!(["services", "y", "enable"])));

    // Huge strings, deep nesting, a step budget: all end.
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "string.nix",
            format!("{{ services.x.s = \"{}\"; }}", "a".repeat(900_000)),
        ),
        (
            "nest.nix",
            format!(
                "{{ services.x.v = {}1{}; }}",
                "[".repeat(3000),
                "]".repeat(3000)
            ),
        ),
        (
            "loop.nix",
            "let f = n: if n == 0 then 0 else 1 + f (n - 1); in { services.x.v = f 100000000; }"
                .to_owned(),
        ),
        (
            "wide.nix",
            format!("{{ services.x.l = [ {} ]; }}", "{ a = 1; } ".repeat(50_000)),
        ),
    ];
    for (name, text) in cases {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        let out = run(nixunits()
            .current_dir(dir.path())
            .args(["eval", name, "--json"]));
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let defs: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
        assert!(!defs.is_empty(), "{name}");
    }
}
