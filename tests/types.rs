//! Option types as the module system checks them (`eval/src/types`):
//! a schema with a type tree for each constructor of nixpkgs'
//! `lib/types.nix`, and snippets that NixOS 20.09 accepts or rejects, as
//! its `check` and `merge` functions (read in `lib/types.nix` and
//! `lib/modules.nix` of 2020) decide; and `strMatching` patterns held to
//! real `builtins.match`.

#![allow(clippy::unwrap_used, clippy::print_stdout, clippy::print_stderr)]

mod util;

use std::path::Path;
use std::process::Command;

use serde_json::{json, Value};
use util::{nixunits, require, run};

fn opt(loc: &str, desc: &str, tree: Value) -> Value {
    json!({ "loc": loc.split('.').collect::<Vec<_>>(), "type": desc, "typeTree": tree, "description": format!("{loc} (test)") })
}

fn schema() -> Value {
    let s = json!({"str": {}});
    let lines = json!({"separatedString": "\n"});
    Value::Array(vec![
        opt("a.bool", "boolean", json!({"bool": {}})),
        opt("a.int", "signed integer", json!({"int": {}})),
        opt(
            "a.port",
            "16 bit unsigned integer; between 0 and 65535 (both inclusive)",
            json!({"ints": {"min": 0, "max": 65535}}),
        ),
        opt("a.float", "floating point number", json!({"float": {}})),
        opt("a.str", "string", s.clone()),
        opt(
            "a.lines",
            "strings concatenated with \"\\n\"",
            lines.clone(),
        ),
        opt(
            "a.tag",
            "string matching the pattern [a-z][a-z0-9-]*",
            json!({"strMatching": "[a-z][a-z0-9-]*"}),
        ),
        opt("a.path", "path", json!({"path": {}})),
        opt("a.pkg", "package", json!({"package": {}})),
        opt(
            "a.pkgs",
            "list of packages",
            json!({"listOf": {"package": {}}}),
        ),
        opt(
            "a.enum",
            "one of <bool>, <bool>, \"admin\"",
            json!({"enum": [true, false, "admin"]}),
        ),
        opt(
            "a.startAt",
            "string or list of strings",
            json!({"either": [s, {"listOf": s}]}),
        ),
        opt(
            "a.oneOf",
            "boolean or signed integer or string",
            json!({"either": [{"either": [{"bool": {}}, {"int": {}}]}, s]}),
        ),
        opt(
            "a.listen",
            "list of strings or string convertible to it",
            json!({"coercedTo": {"from": s, "to": {"listOf": s}}}),
        ),
        opt(
            "a.text",
            "strings concatenated with \"\\n\" or list of strings convertible to it",
            json!({"coercedTo": {"from": {"listOf": s}, "to": lines}}),
        ),
        opt(
            "a.mode",
            "null or unsigned integer, meaning >=0 or one of \"a\", \"b\" convertible to it",
            json!({"nullOr": {"coercedTo": {"from": {"enum": ["a", "b"]}, "to": {"ints": {"min": 0}}}}}),
        ),
        opt(
            "a.env",
            "attribute set of list of stringss",
            json!({"attrsOf": {"listOf": s}}),
        ),
        opt(
            "a.hosts",
            "list of string or submodules",
            json!({"listOf": {"either": [s, {"submodule": {}}]}}),
        ),
        opt(
            "a.users",
            "attribute set of submodules",
            json!({"attrsOf": {"submodule": {}}}),
        ),
        opt(
            "a.users.<name>.uid",
            "null or signed integer",
            json!({"nullOr": {"int": {}}}),
        ),
        opt("a.users.<name>.shell", "string", s.clone()),
        opt("a.uniq", "list of strings", json!({"uniq": {"listOf": s}})),
        opt(
            "a.nonEmpty",
            "non-empty list of strings",
            json!({"nonEmptyListOf": s}),
        ),
        opt(
            "a.either2",
            "list of signed integers or list of strings",
            json!({"either": [{"listOf": {"int": {}}}, {"listOf": s}]}),
        ),
        opt("a.unspec", "unspecified", json!({"unspecified": {}})),
        opt("a.opaque", "custom", json!({"opaque": "custom"})),
        opt(
            "a.checked",
            "string",
            json!({"addCheck": {"type": s, "at": "addCheck"}}),
        ),
        opt(
            "systemd.services",
            "attribute set of submodules",
            json!({"attrsOf": {"submodule": {}}}),
        ),
        opt(
            "systemd.services.<name>.serviceConfig",
            "attribute set of systemd options",
            json!({"addCheck": {"type": {"attrsOf": {"opaque": "systemd option"}}, "at": "addCheck"}}),
        ),
        opt(
            "systemd.services.<name>.enable",
            "boolean",
            json!({"bool": {}}),
        ),
        // Functions recovered from a tree (`schema generate`), written as
        // `types::predicate` keeps them: source, the values they close
        // over, where they are written.
        opt(
            "a.prefix",
            "signed integer",
            json!({"addCheck": {"type": {"int": {}}, "at": "addCheck", "check": {
                "fn": "n: n >= 1 && n <= max", "env": {"max": {"int": 32}}, "at": "net.nix:7"}}}),
        ),
        opt(
            "a.section",
            "attribute set of systemd options",
            json!({"addCheck": {"type": {"attrsOf": {"opaque": "systemd option"}}, "at": "addCheck", "check": {
                "fn": "attrs: let bad = filter (n: !(elem n allowed)) (attrNames attrs); in if bad == [ ] then true else builtins.trace \"fields not allowed: ${concatStringsSep \" \" bad}\" false",
                "env": {
                    "allowed": {"list": [{"str": "Mode"}, {"str": "Size"}]},
                    "filter": {"lib": "filter"}, "elem": {"lib": "elem"},
                    "attrNames": {"lib": "attrNames"}, "concatStringsSep": {"lib": "concatStringsSep"}
                },
                "at": "unit.nix:3"}}}),
        ),
        opt(
            "a.json",
            "JSON value",
            json!({"rec": {"id": "JSON value@0", "type": {"nullOr": {"either": [
                {"either": [{"str": {}}, {"int": {}}]},
                {"either": [{"lazyAttrsOf": {"ref": "JSON value@0"}}, {"listOf": {"ref": "JSON value@0"}}]}
            ]}}}}),
        ),
        opt(
            "a.script",
            "strings concatenated with \"\\n\" or list of strings convertible to it",
            json!({"coercedTo": {"from": {"listOf": s}, "to": lines, "convert": {
                "fn": "(concatStringsSep \"\\n\")", "env": {"concatStringsSep": {"lib": "concatStringsSep"}}}}}),
        ),
        opt("a.enable", "boolean", json!({"bool": {}})),
    ])
}

/// Each case: a module's body, and what `check` must report about it:
/// nothing (NixOS accepts it), or a diagnostic whose code, severity and
/// message contain these.
const CASES: &[(&str, &[(&str, &str)])] = &[
    // Later branches of composite types.
    (r#"a.startAt = [ "daily" ];"#, &[]),
    (r#"a.startAt = "daily";"#, &[]),
    (
        "a.startAt = 5;",
        &[("error option_type", "`a.startAt` is the integer 5, but the option takes `string or list of strings`: not a string; not a list")],
    ),
    (r#"a.listen = "0.0.0.0";"#, &[]),
    (r#"a.listen = [ "a" "b" ];"#, &[]),
    (
        "a.listen = [ 1 ];",
        &[("error option_type", "`a.listen[1]` is the integer 1, but it must be `string`")],
    ),
    (r#"a.text = [ "a" "b" ];"#, &[]),
    (r#"a.text = "x";"#, &[]),
    (r#"a.mode = "a";"#, &[]),
    ("a.mode = 5;", &[]),
    ("a.mode = null;", &[]),
    (
        r#"a.mode = "c";"#,
        &[("error option_type", "`a.mode` is the string \"c\"")],
    ),
    ("a.enum = true;", &[]),
    (r#"a.enum = "admin";"#, &[]),
    (
        r#"a.enum = "true";"#,
        &[("error option_type", "not one of the values")],
    ),
    (r#"a.oneOf = "x";"#, &[]),
    ("a.oneOf = 5;", &[]),
    (
        "a.oneOf = 1.5;",
        &[("error option_type", "not a boolean; not an integer; not a string")],
    ),
    (r#"a.hosts = [ "x" { anything = 1; } ];"#, &[]),
    // Scalars, bounds, patterns.
    ("a.float = 1.5;", &[]),
    (
        "a.float = 1;",
        &[("error option_type", "an integer, not a float")],
    ),
    ("a.port = 80;", &[]),
    (
        "a.port = 70000;",
        &[("error option_type", "above 65535")],
    ),
    (r#"a.tag = "ok-1";"#, &[]),
    (
        r#"a.tag = "Bad_1";"#,
        &[("error option_type", "does not match the pattern [a-z][a-z0-9-]*")],
    ),
    (r#"a.path = "/srv";"#, &[]),
    ("a.path = ./x;", &[]),
    (
        r#"a.path = "srv";"#,
        &[("error option_type", "`a.path` is the string \"srv\"")],
    ),
    // Packages: a derivation or a store path.
    (r#"a.pkg = "/nix/store/0c1r8p9a1chrsbp6jgvvn0iz0kqpfd3k-hello";"#, &[]),
    ("{ pkgs, ... }: { a.pkgs = [ pkgs.hello ]; }", &[]),
    (
        r#"a.pkgs = [ "hello" ];"#,
        &[("error option_type", "`a.pkgs[1]` is the string \"hello\", but it must be `package`")],
    ),
    (
        r#"a.pkg = "/nix/store/0c1r8p9a1chrsbp6jgvvn0iz0kqpfd3k-hello/bin/hello";"#,
        &[("error option_type", "neither a derivation nor a store path")],
    ),
    // Element types.
    (
        r#"a.env.PATH = "/bin";"#,
        &[("error option_type", "`a.env.PATH` is the string \"/bin\", but it must be `list of string`")],
    ),
    (r#"a.env.PATH = [ "/bin" ];"#, &[]),
    (
        "a.nonEmpty = [ ];",
        &[("error option_type", "an empty list")],
    ),
    // 2020's either chooses the first branch whose (shallow) check passes.
    (
        r#"a.either2 = [ "a" ];"#,
        &[("error option_type", "`a.either2[1]` is the string \"a\", but it must be `signed integer`")],
    ),
    ("a.either2 = [ 1 ];", &[]),
    // Submodule options.
    ("a.users.x.uid = null;", &[]),
    (
        r#"a.users.x.uid = "1";"#,
        &[("error option_type", "`a.users.x.uid` is the string \"1\", but the option takes `null or signed integer`")],
    ),
    (
        "a.users.x.uidd = 1;",
        &[("error unknown_option", "the option `a.users.x.uidd` does not exist")],
    ),
    // Conflicts at one priority, judged after the priorities.
    (
        "{ lib, ... }: { a.bool = lib.mkMerge [ true false ]; }",
        &[("error option_conflict", "`a.bool` has conflicting definitions at one priority")],
    ),
    ("{ lib, ... }: { a.bool = lib.mkMerge [ true true ]; }", &[]),
    (
        "{ lib, ... }: { a.bool = lib.mkMerge [ (lib.mkDefault true) false ]; }",
        &[],
    ),
    (
        r#"{ lib, ... }: { a.str = lib.mkMerge [ (lib.mkForce "a") "b" ]; }"#,
        &[],
    ),
    (
        r#"{ lib, ... }: { a.uniq = lib.mkMerge [ [ "a" ] [ "a" ] ]; }"#,
        &[("error option_conflict", "`a.uniq` is defined 2 times at one priority")],
    ),
    (
        r#"{ lib, ... }: { a.pkg = lib.mkMerge [ "/nix/store/0c1r8p9a1chrsbp6jgvvn0iz0kqpfd3k-a" "/nix/store/0c1r8p9a1chrsbp6jgvvn0iz0kqpfd3k-a" ]; }"#,
        &[("error option_conflict", "`a.pkg` is defined 2 times")],
    ),
    (
        r#"{ lib, ... }: { a.unspec = lib.mkMerge [ 1 "a" ]; }"#,
        &[("error option_conflict", "cannot be merged")],
    ),
    (
        r#"{ lib, ... }: { a.unspec = lib.mkMerge [ [ 1 ] [ "a" ] ]; }"#,
        &[],
    ),
    (
        "{ lib, ... }: { a.mode = lib.mkMerge [ null 5 ]; }",
        &[("error option_conflict", "`a.mode` is defined both null")],
    ),
    (
        r#"{ lib, ... }: { a.lines = lib.mkMerge [ "a" "b" ]; }"#,
        &[],
    ),
    // A whole-set mkDefault is dropped at the option (or element) it
    // reaches, beside a definition of higher priority.
    (
        r#"{ lib, ... }: { systemd.services.web.serviceConfig = lib.mkMerge [ (lib.mkDefault { Restart = "bogus"; User = "x"; }) { Restart = "always"; } ]; }"#,
        &[],
    ),
    (
        r#"{ lib, ... }: { systemd.services.web = lib.mkMerge [ (lib.mkDefault { enable = "yes"; }) { enable = true; } ]; }"#,
        &[],
    ),
    (
        r#"{ lib, ... }: { systemd.services.web = lib.mkMerge [ (lib.mkDefault { enable = "yes"; }) { serviceConfig.User = "x"; } ]; }"#,
        &[],
    ),
    (
        r#"{ lib, ... }: { systemd.services = lib.mkMerge [ { web.enable = lib.mkDefault "yes"; } { web.enable = true; } ]; }"#,
        &[],
    ),
    (
        r#"{ lib, ... }: { systemd.services.web.enable = lib.mkDefault "yes"; }"#,
        &[("error option_type", "`systemd.services.web.enable` is the string \"yes\"")],
    ),
    // The known check of systemd's [Service] section.
    (
        r#"systemd.services.web.serviceConfig.Restart = "bogus";"#,
        &[("error option_type", "`systemd.services.web.serviceConfig` is an attribute set, but the option takes `attribute set of systemd options`: its `Restart` is the string \"bogus\", but systemd's [Service] section takes one of \"no\", \"on-success\"")],
    ),
    (r#"systemd.services.web.serviceConfig.Restart = "always";"#, &[]),
    (
        r#"{ lib, ... }: { systemd.services.web.serviceConfig.User = lib.mkMerge [ "a" "b" ]; }"#,
        &[("error option_conflict", "`systemd.services.web.serviceConfig.User` has conflicting definitions")],
    ),
    (
        r#"{ lib, ... }: { systemd.services.web.serviceConfig.ExecStart = lib.mkMerge [ [ "a" ] [ "b" ] ]; }"#,
        &[],
    ),
    // Properties below list elements are discharged there.
    (
        r#"{ lib, ... }: { a.pkgs = [ (lib.mkIf false "x") ]; }"#,
        &[],
    ),
    (
        r#"{ lib, ... }: { a.pkgs = [ (lib.mkIf true "x") ]; }"#,
        &[("error option_type", "`a.pkgs[1]` is the string \"x\"")],
    ),
    // Not judged: unknown values, checks Nix keeps, opaque types, mkIf false.
    ("{ config, ... }: { a.port = config.x; }", &[]),
    (r#"{ lib, ... }: { a.port = lib.mkIf false "x"; }"#, &[]),
    (r#"a.opaque = { x = [ 1 "a" ]; };"#, &[]),
    (r#"a.checked = "x";"#, &[]),
    (
        "a.checked = 1;",
        &[("error option_type", "`a.checked` is the integer 1")],
    ),
    // Under a condition not known statically: a warning.
    (
        r#"{ config, lib, ... }: { a.port = lib.mkIf config.x "80"; }"#,
        &[("warning option_type", "`a.port` is the string \"80\"")],
    ),
    // A condition on the snippet's own setting: known where the snippet
    // alone decides it (one plain definition of a type that does not
    // merge), else a warning still.
    (
        r#"{ config, lib, ... }: { a.enable = true; a.port = lib.mkIf config.a.enable "80"; }"#,
        &[("error option_type", "`a.port` is the string \"80\"")],
    ),
    (
        r#"{ config, lib, ... }: { a.enable = false; a.port = lib.mkIf config.a.enable "80"; }"#,
        &[],
    ),
    (
        r#"{ config, lib, ... }: { a.enable = lib.mkDefault true; a.port = lib.mkIf config.a.enable "80"; }"#,
        &[("warning option_type", "`a.port` is the string \"80\"")],
    ),
    (
        r#"{ config, lib, ... }: { a.enable = true; a.port = lib.mkIf (!config.a.enable) "80"; }"#,
        &[],
    ),
    // `require`, the module system's older name of `imports` (NixOS's
    // own tests use it).
    (
        r#"{ require = [ { a.port = "80"; } ]; }"#,
        &[("error option_type", "`a.port` is the string \"80\"")],
    ),
    // An option the snippet declares itself is its own (NixOS's tests
    // declare some in their machines).
    (
        r#"{ lib, ... }: { options.my.steps = lib.mkOption { type = lib.types.lines; }; config.my.steps = "a"; }"#,
        &[],
    ),
    (
        r#"{ lib, ... }: { options.my.steps = lib.mkOption { }; config = { my.steps = "a"; a.port = "80"; }; }"#,
        &[("error option_type", "`a.port` is the string \"80\"")],
    ),
    // A module not read may declare any option: one the schema does not
    // know is a warning then (the types of those it knows still hold).
    (
        r#"{ imports = [ <modules/my.nix> ]; my.opt = 1; a.port = "80"; }"#,
        &[
            ("warning unknown_option", "the option `my` does not exist"),
            ("error option_type", "`a.port` is the string \"80\""),
        ],
    ),
    // Checks recovered from the tree: run on each definition.
    ("a.prefix = 24;", &[]),
    (
        "a.prefix = 33;",
        &[("error option_type", "`a.prefix` is the integer 33, but the option takes `signed integer`: it fails the check `n: n >= 1 && n <= max` of net.nix:7, with max = 32")],
    ),
    ("{ config, ... }: { a.prefix = config.x; }", &[]),
    (r#"a.section = { Mode = "0755"; Size = 4; };"#, &[]),
    (
        r#"a.section.Mod = "0755";"#,
        &[("error option_type", "its check fails: fields not allowed: Mod")],
    ),
    // Each definition is checked on its own, as the module system does.
    (
        r#"{ lib, ... }: { a.section = lib.mkMerge [ { Mode = "1"; } { Sise = 4; } ]; }"#,
        &[("error option_type", "fields not allowed: Sise")],
    ),
    // Recursive types: each level judged, however deep.
    (r#"a.json = { a.b = [ 1 "x" { c = null; d = [ [ 2 ] ]; } ]; };"#, &[]),
    (
        "a.json = { a.b = [ { c = [ ./p ]; } ]; };",
        &[("error option_type", "`a.json.a.b[1].c[1]` is the path")],
    ),
    (
        r#"{ lib, ... }: { a.json = lib.mkMerge [ { a.b = "x"; } { a.b = "y"; } ]; }"#,
        &[("error option_conflict", "`a.json.a.b` has conflicting definitions")],
    ),
    // A coercedTo's conversion, run in its check.
    (r#"a.script = [ "a" "b" ];"#, &[]),
    (r#"a.script = "a";"#, &[]),
    (
        r#"a.script = [ "sleep" 5 ];"#,
        &[("error option_type", "its conversion to `strings concatenated with \"\\n\"` ((concatStringsSep \"\\n\")) fails: cannot coerce an integer to a string")],
    ),
];

#[test]
fn types_as_the_module_system_checks_them() {
    let tmp = tempfile::tempdir().unwrap();
    let schema_file = tmp.path().join("schema.json");
    std::fs::write(&schema_file, serde_json::to_string(&schema()).unwrap()).unwrap();
    let mut files = Vec::new();
    for (i, (body, _)) in CASES.iter().enumerate() {
        let text = if body.starts_with('{') {
            (*body).to_owned()
        } else {
            format!("{{ {body} }}")
        };
        let f = tmp.path().join(format!("case{i:03}.nix"));
        std::fs::write(&f, text).unwrap();
        files.push(f);
    }
    let out = run(nixunits()
        .arg("--state-dir")
        .arg(tmp.path().join("state"))
        .args(["check", "--format", "json", "--policy"])
        .arg(allow_all(tmp.path()))
        .arg("--schema")
        .arg(&schema_file)
        .args(&files));
    let reports: Vec<Value> = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    let mut wrong = Vec::new();
    for ((body, want), report) in CASES.iter().zip(&reports) {
        let got: Vec<String> = report["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["code"] != "unused_argument")
            .map(|d| {
                format!(
                    "{} {} {}",
                    d["severity"].as_str().unwrap(),
                    d["code"].as_str().unwrap(),
                    d["message"].as_str().unwrap()
                )
            })
            .collect();
        let ok = got.len() == want.len()
            && want
                .iter()
                .zip(&got)
                .all(|((head, msg), g)| g.starts_with(&format!("{head} ")) && g.contains(msg));
        if !ok {
            wrong.push(format!("{body}\n    want: {want:?}\n    got:  {got:?}"));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} cases:\n{}",
        wrong.len(),
        CASES.len(),
        wrong.join("\n")
    );
}

/// A policy with no rules: these cases are about types.
fn allow_all(dir: &Path) -> std::path::PathBuf {
    let p = dir.join("policy.toml");
    std::fs::write(&p, "").unwrap();
    p
}

/// Patterns (the 2020 tree's `strMatching` patterns, and POSIX corners)
/// against strings: each verdict of the translated pattern equals real
/// `builtins.match`'s; an untranslatable pattern is never judged.
#[test]
fn patterns_match_as_builtins_match() {
    let nix = require("nix-instantiate", "nix-bin");
    let patterns: &[&str] = &[
        "(http|https|nfs|smb)://.+",
        ".+",
        ".{1,64}",
        "[0-9a-f]+\\$[0-9a-f]{64}",
        "[A-Za-z0-9+-_]+",
        "[[:digit:].]+[KMGTP]?",
        "[[:digit:]]+:[[:digit:]]+",
        "[[:digit:]]+[Hdwmy]",
        "[^/{}]+",
        "^$|^[[:alpha:]]([[:alnum:]_-]{0,61}[[:alnum:]])?$",
        "compat|md5",
        "none|(auto,)?(lz4|zstd|zlib|lzma)(,[[:digit:]]{1,2})?",
        "[^\n\r]*\n?",
        "a.c",
        "\\d+",
        "[\\.]+",
        "[]a]+",
        "[^]a]+",
        "a|",
        "(ab)*?",
        "x{2}",
        "[a-]+",
        "é+",
        "[[:space:]]*",
        "[[:upper:]][[:lower:]]*",
    ];
    let strings: &[&str] = &[
        "",
        "a",
        "abc",
        "a\nc",
        "80",
        "10:20",
        "5d",
        "1.5G",
        "https://x",
        "md5",
        "auto,zstd,3",
        "host-name",
        "-bad",
        "d",
        "dd",
        "\\",
        ".",
        "]a]",
        "ab",
        "abab",
        "xx",
        "a-",
        "éé",
        "é",
        " \t",
        "Abc",
        "ABC",
        "/x",
        "0123abc$",
        "line\n",
        "two\nlines\n",
    ];
    let tmp = tempfile::tempdir().unwrap();
    // Real Nix, a pattern at a time: `None` when Nix refuses the pattern
    // (then every definition fails in NixOS; ours must not judge).
    let list = strings
        .iter()
        .map(|s| nix_str(s))
        .collect::<Vec<_>>()
        .join(" ");
    let real: Vec<Option<Vec<bool>>> = patterns
        .iter()
        .map(|p| {
            let expr = format!(
                "map (s: builtins.match {} s != null) [ {list} ]",
                nix_str(p)
            );
            let out = run(Command::new(&nix).args(["--eval", "--strict", "--json", "-E", &expr]));
            if out.status.success() {
                Some(serde_json::from_slice(&out.stdout).unwrap())
            } else {
                let err = String::from_utf8_lossy(&out.stderr);
                assert!(err.contains("invalid regular expression"), "{p:?}: {err}");
                None
            }
        })
        .collect();
    // Ours: an option per pattern, a file per (pattern, string).
    let schema: Vec<Value> = patterns
        .iter()
        .enumerate()
        .map(|(i, p)| {
            opt(
                &format!("p.p{i}"),
                &format!("string matching the pattern {p}"),
                json!({ "strMatching": p }),
            )
        })
        .collect();
    let schema_file = tmp.path().join("schema.json");
    std::fs::write(&schema_file, serde_json::to_string(&schema).unwrap()).unwrap();
    let mut files = Vec::new();
    for i in 0..patterns.len() {
        for (j, s) in strings.iter().enumerate() {
            let f = tmp.path().join(format!("p{i}-{j}.nix"));
            std::fs::write(&f, format!("{{ p.p{i} = {}; }}", nix_str(s))).unwrap();
            files.push((i, j, f));
        }
    }
    let out = run(nixunits()
        .arg("--state-dir")
        .arg(tmp.path().join("state"))
        .args(["check", "--format", "json", "--policy"])
        .arg(allow_all(tmp.path()))
        .arg("--schema")
        .arg(&schema_file)
        .args(files.iter().map(|f| &f.2)));
    let reports: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let mut wrong = Vec::new();
    let mut judged = std::collections::BTreeSet::new();
    for ((i, j, _), r) in files.iter().zip(&reports) {
        let rejected = r["errors"].as_u64().unwrap() > 0;
        if rejected {
            judged.insert(*i);
        }
        let verdict = match &real[*i] {
            Some(v) => v[*j],
            None if rejected => {
                wrong.push(format!(
                    "{:?}: Nix refuses the pattern; ours judges it",
                    patterns[*i]
                ));
                continue;
            }
            None => continue,
        };
        // A pattern the translation does not take is never judged.
        if rejected == verdict {
            wrong.push(format!(
                "{:?} on {:?}: Nix {}, ours {}",
                patterns[*i],
                strings[*j],
                if verdict { "matches" } else { "does not match" },
                if rejected { "rejects" } else { "accepts" }
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    let not_judged: Vec<&str> = (0..patterns.len())
        .filter(|i| !judged.contains(i) && real[*i].as_ref().is_some_and(|v| v.iter().any(|m| !m)))
        .map(|i| patterns[i])
        .collect();
    println!("patterns not judged: {not_judged:?}");
    assert!(
        not_judged.is_empty(),
        "valid patterns not translated: {not_judged:?}"
    );
}

fn nix_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '$' => out.push_str("\\$"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Whether `message` names the option `path` (dotted, quoted as Nix
/// quotes it or not).
fn names_option(message: &str, path: &[String]) -> bool {
    let dotted = path.join(".");
    let shown = nixunits_eval::module::show_path(path);
    [shown, dotted].iter().any(|p| {
        message.match_indices(p.as_str()).any(|(i, _)| {
            let after = message[i + p.len()..].chars().next();
            after.is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == '-'))
        })
    })
}

/// The checks and conversions `schema generate` recovers from the 2020
/// tree (`types::recover`), and conditions on a snippet's own settings,
/// against real NixOS: `tests/types-nixos/`, cases written from the
/// declarations (addrOpts, networkd's, systemd-nspawn's and the
/// `[Service]` section's `checkUnitConfig`, picom, bees, tinc, tsm-client,
/// locale, hylafax, monero, postgrey, printers, wireguard's and
/// wg-quick's, sslh's, smartdns's conversions, traefik's recursive JSON
/// value), judged by `scripts/oracle-judge` with that tree; checked here
/// against the schema `scripts/oracle-schema` records from it. No case
/// NixOS accepts gets an error; every case it rejects gets one naming the
/// option, but those the case list says are missed (and why).
#[test]
fn checks_from_the_tree_agree_with_nixos() {
    let dir = util::root().join("tests/types-nixos");
    let cases: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(dir.join("cases.json")).unwrap()).unwrap();
    let verdicts: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("verdicts.json")).unwrap()).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let files: Vec<String> = cases
        .iter()
        .map(|c| c["case"].as_str().unwrap().to_owned())
        .collect();
    let out = run(nixunits()
        .current_dir(dir.join("cases"))
        .arg("--state-dir")
        .arg(tmp.path().join("state"))
        .args(["check", "--format", "json", "--policy"])
        .arg(allow_all(tmp.path()))
        .arg("--schema")
        .arg(util::root().join("tests/oracle/schema-nixos-20.09pre.json"))
        .args(&files));
    let reports: Vec<Value> = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    let mut wrong = Vec::new();
    let (mut rejected, mut found) = (0, 0);
    for (c, report) in cases.iter().zip(&reports) {
        let name = c["case"].as_str().unwrap();
        let verdict = verdicts["verdicts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["case"] == c["case"])
            .unwrap_or_else(|| panic!("no verdict for {name}: run scripts/oracle-judge"));
        let options: Vec<Vec<String>> = serde_json::from_value(c["options"].clone()).unwrap();
        let errors: Vec<String> = report["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["severity"] == "error")
            .map(|d| d["message"].as_str().unwrap().to_owned())
            .filter(|m| options.iter().any(|o| names_option(m, o)))
            .collect();
        let missed = c["expect"]
            .as_str()
            .is_some_and(|e| e.starts_with("missed"));
        if verdict["accepted"].as_bool().unwrap() {
            if let Some(e) = errors.first() {
                wrong.push(format!("{name}: NixOS accepts it, nixunits says: {e}"));
            }
        } else {
            rejected += 1;
            if errors.is_empty() {
                if !missed {
                    wrong.push(format!(
                        "{name}: NixOS rejects it ({}), nixunits says nothing",
                        verdict["error"].as_str().unwrap_or_default()
                    ));
                }
            } else {
                found += 1;
            }
        }
    }
    println!("tests/types-nixos: {found} of {rejected} rejections found");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
