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

/// Every builtin and lib function the evaluator knows, on known values,
/// against real Nix: each expression evaluated by `nixunits eval` and by
/// `nix-instantiate --eval --strict` with the fake nixpkgs' lib (and, when
/// `NIXUNITS_REAL_NIXPKGS_LIB` names a real nixpkgs lib, with that too —
/// the manual, "Validation"), written as `lib.x`, with `with lib;`
/// and with `inherit (lib) …`.
#[test]
fn functions_match_real_nix() {
    let nix = require("nix-instantiate", "nix-bin");
    // (the expression with `lib.`, the names it takes from lib)
    let exprs: &[&str] = &[
        "builtins.map (x: x * 2) [ 1 2 3 ]",
        "map (n: \"host-${n}\") [ \"a\" \"b\" ]",
        "builtins.filter (x: x > 1) [ 1 2 3 ]",
        "lib.filter (s: lib.hasPrefix \"a\" s) [ \"ab\" \"ba\" \"ac\" ]",
        "builtins.listToAttrs [ { name = \"a\"; value = 1; } { name = \"a\"; value = 2; } { name = \"b\"; value = 3; } ]",
        "builtins.attrNames { b = 1; a = 2; \"c d\" = 3; }",
        "builtins.attrValues { b = 1; a = 2; }",
        "builtins.genList (i: i * i) 4",
        "lib.genList (i: \"x${toString i}\") 2",
        "builtins.elem 2 [ 1 2 3 ]",
        "builtins.elem { a = 1; } [ { a = 1; } ]",
        "lib.elem \"z\" [ \"a\" ]",
        "builtins.length [ 1 [ 2 3 ] ]",
        "builtins.head [ \"first\" \"second\" ]",
        "builtins.tail [ 1 2 3 ]",
        "builtins.elemAt [ \"a\" \"b\" ] 1",
        "builtins.toJSON { a = [ 1 2 ]; b = \"c\\nd\"; c = null; d = true; e = { }; }",
        "builtins.toJSON [ 1.5 \"x\" ]",
        "builtins.substring 1 3 \"hello\"",
        "builtins.substring 2 (-1) \"hello\"",
        "builtins.substring 10 2 \"hello\"",
        "builtins.stringLength \"héllo\"",
        "builtins.hasAttr \"a\" { a = 1; }",
        "builtins.hasAttr \"b\" { a = 1; }",
        "builtins.getAttr \"a\" { a = 42; }",
        "builtins.removeAttrs { a = 1; b = 2; c = 3; } [ \"a\" \"c\" \"z\" ]",
        "builtins.intersectAttrs { a = null; c = null; } { a = 1; b = 2; c = 3; }",
        "builtins.replaceStrings [ \"a\" \"an\" ] [ \"o\" \"X\" ] \"banana\"",
        "builtins.replaceStrings [ \"\" ] [ \"-\" ] \"abc\"",
        "builtins.replaceStrings [ \"$\" \"b\" ] [ \"\\\\$\" \"B\" ] \"a$b\"",
        "builtins.concatStringsSep \", \" [ \"a\" \"b\" \"c\" ]",
        "builtins.concatStringsSep \"\" [ ]",
        "builtins.concatMap (x: [ x x ]) [ 1 2 ]",
        "builtins.concatLists [ [ 1 ] [ ] [ 2 3 ] ]",
        "builtins.foldl' (acc: x: acc + x) 0 [ 1 2 3 4 ]",
        "builtins.foldl' (acc: x: acc // { ${x} = true; }) { } [ \"a\" \"b\" ]",
        "builtins.div 7 2",
        "builtins.div (-7) 2",
        "builtins.div 7.0 2",
        "toString [ 1 \"a\" [ true null false ] 2.5 ]",
        "toString 1.5",
        "toString 3",
        "toString true",
        "builtins.mapAttrs (n: v: \"${n}=${toString v}\") { a = 1; b = 2; }",
        "builtins.compareVersions \"2.3pre1\" \"2.3\"",
        "lib.genAttrs [ \"a\" \"b\" ] (n: { enable = true; name = n; })",
        "lib.mapAttrs (n: v: v + 1) { a = 1; }",
        "lib.mapAttrs' (n: v: lib.nameValuePair \"p-${n}\" (v * 10)) { a = 1; b = 2; }",
        "lib.mapAttrsToList (n: v: \"${n}:${toString v}\") { web = 80; db = 5432; }",
        "lib.nameValuePair \"x\" [ 1 ]",
        "lib.filterAttrs (n: v: v > 100) { web = 80; db = 5432; }",
        "lib.filterAttrs (n: v: n != \"a\") { a = 1; b = 2; }",
        "lib.recursiveUpdate { a.b = 1; a.c = 2; d = 1; } { a.b = 3; e = 4; }",
        "lib.recursiveUpdate { a = 1; } { a.b = 2; }",
        "lib.optional true \"x\"",
        "lib.optional false \"x\"",
        "lib.flatten [ 1 [ 2 [ 3 [ ] ] ] ]",
        "lib.unique [ 3 1 3 2 1 ]",
        "lib.range 2 5",
        "lib.range 5 2",
        "lib.concatMapStrings (x: x + \";\") [ \"a\" \"b\" ]",
        "lib.concatMapStringsSep \"\\n\" (x: \"- ${x}\") [ \"a\" \"b\" ]",
        "lib.hasPrefix \"foo\" \"foobar\"",
        "lib.hasPrefix \"bar\" \"foobar\"",
        "lib.hasSuffix \".conf\" \"nginx.conf\"",
        "lib.splitString \".\" \"a.b..c\"",
        "lib.splitString \", \" \"x, y\"",
        "lib.toUpper \"Hello, world 1\"",
        "lib.toLower \"HeLLo\"",
        "lib.boolToString true",
        "lib.boolToString false",
        "lib.escapeShellArg \"it's here\"",
        "lib.escapeShellArg \"plain/path-1.0\"",
        "lib.versionAtLeast \"21.05\" \"20.09\"",
        "lib.versionAtLeast \"20.09\" \"21.05\"",
        "lib.versionAtLeast \"23.05pre\" \"23.05\"",
        "lib.versionOlder \"1.2\" \"1.10\"",
        "lib.mkOptionDefault 1",
        "lib.mkVMOverride { a = 1; }",
        "lib.modules.mkIf true 1",
        "lib.attrsets.mapAttrsToList (n: v: n) { a = 1; }",
        "lib.strings.concatStringsSep \"-\" [ \"a\" \"b\" ]",
        "lib.lists.flatten [ [ 1 ] 2 ]",
        "lib.trivial.boolToString true",
        "lib.attrsets.filterAttrs (n: v: v) { a = true; b = false; }",
        "lib.strings.hasSuffix \"x\" \"ax\"",
        "lib.lists.unique [ \"a\" \"a\" ]",
    ];
    let real_lib = std::env::var_os("NIXUNITS_REAL_NIXPKGS_LIB");
    let fake_lib = root().join("tests/fake-nixpkgs/lib");
    let mut libs = vec![fake_lib.display().to_string()];
    if let Some(r) = &real_lib {
        libs.push(Path::new(r).display().to_string());
    }
    // Styles: `lib.x`; `with lib;` (the bare names); `inherit (lib) …`.
    let bare = |e: &str| {
        let mut s = e.to_owned();
        for sec in ["modules.", "attrsets.", "strings.", "lists.", "trivial."] {
            s = s.replace(&format!("lib.{sec}"), "lib.");
        }
        s.replace("lib.", "")
    };
    let lib_names: BTreeSet<String> = exprs
        .iter()
        .flat_map(|e| {
            bare(&e.replace("builtins.", "B."))
                .split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '.'))
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .filter(|w| {
            [
                "genAttrs",
                "mapAttrs",
                "mapAttrs'",
                "mapAttrsToList",
                "nameValuePair",
                "filterAttrs",
                "recursiveUpdate",
                "optional",
                "flatten",
                "unique",
                "range",
                "concatMapStrings",
                "concatMapStringsSep",
                "hasPrefix",
                "hasSuffix",
                "splitString",
                "toUpper",
                "toLower",
                "boolToString",
                "escapeShellArg",
                "versionAtLeast",
                "versionOlder",
                "mkOptionDefault",
                "mkVMOverride",
                "mkIf",
                "filter",
                "genList",
                "elem",
                "concatStringsSep",
            ]
            .contains(&w.as_str())
        })
        .collect();
    type Style<'s> = (&'s str, Box<dyn Fn(&str) -> String>, String);
    let styles: Vec<Style<'_>> = vec![
        ("lib.x", Box::new(|e: &str| e.to_owned()), String::new()),
        (
            "with lib;",
            Box::new(move |e: &str| bare(e)),
            "with lib; ".to_owned(),
        ),
        (
            "inherit (lib)",
            Box::new(move |e: &str| bare(e)),
            format!(
                "let inherit (lib) {}; in ",
                lib_names.iter().cloned().collect::<Vec<_>>().join(" ")
            ),
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    let mut wrong = Vec::new();
    for (style, write, prefix) in &styles {
        let items: Vec<String> = exprs.iter().map(|e| write(e)).collect();
        // Real Nix: the list of all, each in a one-element list.
        let list = items
            .iter()
            .map(|e| format!("[ ({e}) ]"))
            .collect::<Vec<_>>()
            .join("\n  ");
        let mut per_lib: Vec<Vec<Value>> = Vec::new();
        for lib in &libs {
            let out = run(Command::new(&nix).args([
                "--eval",
                "--strict",
                "--json",
                "-E",
                &format!("let lib = import {lib}; in {prefix}[\n  {list}\n]"),
            ]));
            assert!(
                out.status.success(),
                "{style} with {lib}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            per_lib.push(serde_json::from_slice(&out.stdout).unwrap());
        }
        if per_lib.len() == 2 {
            assert_eq!(
                per_lib[0], per_lib[1],
                "{style}: the fake lib differs from the real one"
            );
        }
        // Ours: a module defining r<i> = [ (expr) ].
        let defs: String = items
            .iter()
            .enumerate()
            .map(|(i, e)| format!("  r{i} = [ ({e}) ];\n"))
            .collect();
        let f = dir.path().join(format!(
            "{}.nix",
            style.replace([' ', ';', '(', ')', '.'], "_")
        ));
        std::fs::write(&f, format!("{{ lib, ... }}:\n{prefix}{{\n{defs}}}\n")).unwrap();
        let (ours, _) = eval_json(&f);
        for (i, e) in items.iter().enumerate() {
            let want = &per_lib[0][i];
            let got = ours
                .iter()
                .find(|d| d["path"] == serde_json::json!([format!("r{i}")]));
            match got {
                Some(d) if d["known"] == true && d.get("value") == Some(want) => {}
                Some(d) => wrong.push(format!(
                    "{style}: {e}\n    Nix: {want}\n    ours: {}",
                    d.get("value")
                        .map_or("unknown".to_owned(), |v| v.to_string())
                )),
                None => wrong.push(format!("{style}: {e}: no definition")),
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} differ:\n{}",
        wrong.len(),
        exprs.len() * styles.len(),
        wrong.join("\n")
    );
}

/// The value at `path` inside a JSON value.
fn json_at<'v>(v: &'v Value, path: &[String]) -> Option<&'v Value> {
    path.iter().try_fold(v, |v, k| v.get(k))
}

/// The leaves of a configuration: paths to values that are not non-empty
/// attribute sets.
fn leaves(v: &Value, path: &mut Vec<String>, out: &mut Vec<(Vec<String>, Value)>) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            for (k, x) in m {
                path.push(k.clone());
                leaves(x, path, out);
                path.pop();
            }
        }
        other => out.push((path.clone(), other.clone())),
    }
}

/// The realistic snippets of `eval/test_data/corpus` (every function of
/// the evaluator's list, `with lib;` and `inherit (lib)` styles, imports,
/// whole-set `mkDefault`/`mkForce`), each evaluated by `nixunits eval` and
/// by real Nix with a module system: the fake nixpkgs' (free-form options,
/// merged as `lib.evalModules` merges `attrsOf anything`) and, when
/// `NIXUNITS_REAL_NIXPKGS_LIB` is set, nixpkgs' own `lib.evalModules` with a
/// free-form `attrsOf anything`, which must agree. Every option path and
/// value is identical, or ours is unknown there.
#[test]
fn the_corpus_matches_the_module_system() {
    let nix = require("nix-instantiate", "nix-bin");
    let dir = root().join("eval/test_data/corpus");
    let files: Vec<_> = nix_files_in(&dir);
    assert!(files.len() >= 60, "{}", files.len());
    let fake = root().join("tests/fake-nixpkgs");
    let args = "{ id = \"corpus\"; network = { }; properties = { }; }";
    let real = std::env::var_os("NIXUNITS_REAL_NIXPKGS_LIB");
    let (mut same, mut unknown, mut wrong) = (0usize, 0usize, Vec::new());
    for f in &files {
        let mut exprs = vec![format!(
            "removeAttrs (import {}/nixos/lib/eval-config.nix {{ modules = [ {} ]; specialArgs = {args}; }}).config [ \"system\" ]",
            fake.display(),
            f.display()
        )];
        if let Some(lib) = &real {
            exprs.push(format!(
                "let lib = import {}; in removeAttrs (lib.evalModules {{ modules = [ {{ freeformType = lib.types.attrsOf lib.types.anything; }} {} ]; specialArgs = {args} // {{ pkgs = import {} {{ }}; }}; }}).config [ \"_module\" ]",
                Path::new(lib).display(),
                f.display(),
                fake.display()
            ));
        }
        let refs: Vec<Value> = exprs
            .iter()
            .map(|e| {
                let out = run(Command::new(&nix).args(["--eval", "--strict", "--json", "-E", e]));
                assert!(
                    out.status.success(),
                    "{}: {}",
                    f.display(),
                    String::from_utf8_lossy(&out.stderr)
                );
                serde_json::from_slice(&out.stdout).unwrap()
            })
            .collect();
        if refs.len() == 2 {
            assert_eq!(
                refs[0],
                refs[1],
                "{}: the fake module system differs from lib.evalModules",
                f.display()
            );
        }
        let reference = &refs[0];
        let (defs, _) = eval_json(f);
        let effective: Vec<&Value> = defs
            .iter()
            .filter(|d| d["condition"] == "true" && d.get("overridden").is_none())
            .collect();
        let path_of = |d: &Value| -> Vec<String> {
            d["path"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p.as_str().unwrap().to_owned())
                .collect()
        };
        let unknown_at: Vec<Vec<String>> = defs
            .iter()
            .filter(|d| d["known"] == false || d["condition"] == "unknown")
            .map(path_of)
            .collect();
        // Ours by path: lists defined more than once are concatenated.
        let mut ours: Vec<(Vec<String>, Value)> = Vec::new();
        for d in effective.iter().filter(|d| d.get("value").is_some()) {
            let (p, v) = (path_of(d), d["value"].clone());
            match ours.iter_mut().find(|(q, _)| *q == p) {
                Some((_, Value::Array(a))) if v.is_array() => {
                    a.extend(v.as_array().unwrap().iter().cloned())
                }
                Some(_) => {}
                None => ours.push((p, v)),
            }
        }
        let covered = |p: &[String]| {
            unknown_at
                .iter()
                .any(|u| p.starts_with(u) || u.starts_with(p))
        };
        let mut ref_leaves = Vec::new();
        leaves(reference, &mut Vec::new(), &mut ref_leaves);
        for (p, v) in &ref_leaves {
            let mine = ours
                .iter()
                .find(|(q, _)| p.starts_with(q))
                .and_then(|(q, x)| json_at(x, &p[q.len()..]));
            match mine {
                Some(x) if x == v => same += 1,
                _ if covered(p) => unknown += 1,
                other => wrong.push(format!(
                    "{}: {}: module system {v}, ours {other:?}",
                    f.display(),
                    p.join(".")
                )),
            }
        }
        for (p, v) in &ours {
            if json_at(reference, p) != Some(v) && !covered(p) {
                wrong.push(format!(
                    "{}: {}: ours {v}, module system {:?}",
                    f.display(),
                    p.join("."),
                    json_at(reference, p)
                ));
            }
        }
    }
    eprintln!(
        "corpus: {} files, {same} option values identical, {unknown} unknown to the evaluator",
        files.len()
    );
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert!(
        same >= 10 * unknown.max(1),
        "{same} identical, {unknown} unknown"
    );
}
