//! nixunits against the oracle corpora: `tests/oracle/types-*/`, snippets
//! judged by real NixOS (nixpkgs of 2020, `scripts/oracle-judge`), checked
//! here without Nix against a schema recorded from that tree
//! (`scripts/oracle-schema`, `tests/oracle/schema-nixos-20.09pre.json`).
//!
//! - `type` cases: a case NixOS accepts must get no error about the
//!   options it forces (a false error fails the test); a case NixOS rejects
//!   should get an error naming one of them (found; the test fails below
//!   95 % found).
//! - `eval` cases: every value nixunits knows of a forced option (the
//!   merge of the snippet's definitions, `types::merge::value`) must equal
//!   the value NixOS recorded; unknown is allowed, and counted.
//!
//! The figures are printed, and every miss listed. A corpus folder added
//! later is measured as soon as the schema is recorded again.

#![allow(clippy::unwrap_used, clippy::print_stdout, clippy::print_stderr)]

mod util;

use std::path::{Path, PathBuf};

use nixunits_eval::data::Data;
use nixunits_eval::module::show_path;
use nixunits_eval::schema::{Lookup, OptionInfo, Schema};
use serde_json::Value;
use util::{nixunits, root, run};

const SCHEMA: &str = "tests/oracle/schema-nixos-20.09pre.json";

struct Case {
    case: String,
    kind: String,
    options: Vec<Vec<String>>,
    accepted: bool,
    error: String,
    values: Option<Vec<Value>>,
}

fn corpora() -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(root().join("tests/oracle"))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_dir()
                && p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("types-"))
        })
        .collect();
    out.sort();
    out
}

fn cases(dir: &Path) -> Vec<Case> {
    let cases: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(dir.join("cases.json")).unwrap()).unwrap();
    let verdicts: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("verdicts.json")).unwrap()).unwrap();
    cases
        .iter()
        .map(|c| {
            let name = c["case"].as_str().unwrap().to_owned();
            let v = verdicts["verdicts"]
                .as_array()
                .unwrap()
                .iter()
                .find(|v| v["case"] == c["case"])
                .unwrap_or_else(|| panic!("{}: no verdict for {name}", dir.display()));
            Case {
                options: serde_json::from_value(c["options"].clone()).unwrap(),
                kind: c["kind"].as_str().unwrap().to_owned(),
                accepted: v["accepted"].as_bool().unwrap(),
                error: v["error"].as_str().unwrap_or_default().to_owned(),
                values: v
                    .get("values")
                    .and_then(|x| serde_json::from_value(x.clone()).ok()),
                case: name,
            }
        })
        .collect()
}

/// Whether `message` names the option `path` (its dotted name, quoted as
/// Nix quotes it or not, followed by the end of a name).
fn names(message: &str, path: &[String]) -> bool {
    [show_path(path), path.join(".")].iter().any(|p| {
        message.match_indices(p.as_str()).any(|(i, _)| {
            let before = message[..i].chars().next_back();
            let after = message[i + p.len()..].chars().next();
            !before.is_some_and(|c| c.is_alphanumeric() || c == '.' || c == '_')
                && after.is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == '-'))
        })
    })
}

/// Whether the schema has the option at `path` (or options below it).
fn known(schema: &Schema, path: &[String]) -> bool {
    match schema.lookup(path) {
        Lookup::Option(info, _, _) if !info.loc.is_empty() => true,
        _ => schema.options().iter().any(|o| {
            o.loc.len() > path.len()
                && o.loc
                    .iter()
                    .zip(path)
                    .all(|(a, b)| a == b || a == "*" || (a.starts_with('<') && a.ends_with('>')))
        }),
    }
}

/// A value as the judge records it: paths, derivations and functions
/// marked.
fn recorded(d: &Data) -> Option<Value> {
    Some(match d {
        Data::Path(p) => serde_json::json!({ "_path": p }),
        Data::Function => serde_json::json!({ "_function": true }),
        Data::List(items) => Value::Array(items.iter().map(recorded).collect::<Option<_>>()?),
        Data::Attrs(a) if d.is_derivation() == Some(true) => {
            serde_json::json!({ "_derivation": a.map.get("name").and_then(|n| n.to_json())? })
        }
        Data::Attrs(a) => {
            let mut m = serde_json::Map::new();
            for (k, v) in &a.map {
                m.insert(k.clone(), recorded(v)?);
            }
            Value::Object(m)
        }
        // Nix 2.8 records floats with 6 significant digits.
        Data::Float(f) => serde_json::from_str(&nix_float(*f)).ok()?,
        d => d.to_json()?,
    })
}

fn nix_float(f: f64) -> String {
    nixunits_eval::data::float_repr(f)
}

/// The parts of `ours` that are known, compared with `want`: `Err` with
/// the first difference; `Ok(n)` with how many known leaves agree.
fn compare(ours: &Data, want: &Value, at: &str) -> Result<usize, String> {
    match (ours, want) {
        (Data::Unknown, _) => Ok(0),
        (Data::Attrs(a), Value::Object(w)) if d_is_plain(ours) => {
            let mut n = 0;
            for (k, v) in &a.map {
                match w.get(k) {
                    Some(x) => n += compare(v, x, &format!("{at}.{k}"))?,
                    None if matches!(v, Data::Unknown) => {}
                    None => return Err(format!("{at}.{k}: NixOS has no such attribute")),
                }
            }
            if !a.more && a.map.len() != w.len() {
                return Err(format!("{at}: NixOS has more attributes"));
            }
            Ok(n)
        }
        (Data::List(items), Value::Array(w))
            if items.iter().all(Data::is_known) || items.len() != w.len() =>
        {
            if items.len() != w.len() {
                if items.iter().all(Data::is_known) {
                    return Err(format!("{at}: {} elements, NixOS {}", items.len(), w.len()));
                }
                return Ok(0);
            }
            let mut n = 0;
            for (i, (x, y)) in items.iter().zip(w).enumerate() {
                n += compare(x, y, &format!("{at}[{i}]"))?;
            }
            Ok(n)
        }
        (Data::List(items), Value::Array(w)) => {
            let mut n = 0;
            for (i, (x, y)) in items.iter().zip(w).enumerate() {
                n += compare(x, y, &format!("{at}[{i}]"))?;
            }
            Ok(n)
        }
        (d, w) => match recorded(d) {
            Some(v) if v == *w || floats_equal(&v, w) => Ok(1),
            Some(v) => Err(format!("{at}: ours {v}, NixOS {w}")),
            None => Ok(0),
        },
    }
}

fn d_is_plain(d: &Data) -> bool {
    d.is_derivation() != Some(true)
}

fn floats_equal(a: &Value, b: &Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) if a.is_f64() || b.is_f64() => nix_float(x) == nix_float(y),
        _ => false,
    }
}

#[test]
fn oracle_corpora() {
    let dirs = corpora();
    assert!(!dirs.is_empty(), "no corpus in tests/oracle/types-*/");
    let text = std::fs::read_to_string(root().join(SCHEMA))
        .unwrap_or_else(|e| panic!("{SCHEMA}: {e}: run scripts/oracle-schema NIXPKGS"));
    let options: Vec<OptionInfo> = serde_json::from_str(&text).unwrap();
    let schema = Schema::new(options);
    let tmp = tempfile::tempdir().unwrap();
    let policy = tmp.path().join("policy.toml");
    std::fs::write(&policy, "").unwrap();
    let mut failures = Vec::new();
    for dir in dirs {
        let corpus = dir.file_name().unwrap().to_string_lossy().into_owned();
        let cases = cases(&dir);
        let missing: Vec<String> = cases
            .iter()
            .flat_map(|c| c.options.iter().map(move |o| (c, o)))
            .filter(|(_, o)| !known(&schema, o))
            .map(|(c, o)| format!("{}: {}", c.case, show_path(o)))
            .collect();
        if !missing.is_empty() {
            failures.push(format!(
                "{corpus}: options missing from {SCHEMA} (run scripts/oracle-schema /path/to/nixpkgs-2020):\n  {}",
                missing.join("\n  ")
            ));
            continue;
        }
        let (mut accepted, mut rejected, mut found) = (0, 0, 0);
        let mut false_errors = Vec::new();
        let mut misses = Vec::new();
        let mut elsewhere = Vec::new();
        let (mut values_known, mut values_unknown, mut values_agree) = (0, 0, 0);
        let mut value_diffs = Vec::new();
        for c in &cases {
            let file = dir.join("cases").join(&c.case);
            if c.kind == "eval" {
                let (u, k, a, d) = eval_case(&schema, &file, c);
                values_unknown += u;
                values_known += k;
                values_agree += a;
                value_diffs.extend(d.into_iter().map(|d| format!("{}: {d}", c.case)));
                continue;
            }
            let out = run(nixunits()
                .current_dir(dir.join("cases"))
                .arg("--state-dir")
                .arg(tmp.path().join("state"))
                .args(["check", "--format", "json", "--policy"])
                .arg(&policy)
                .arg("--schema")
                .arg(root().join(SCHEMA))
                .arg(&c.case));
            let reports: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
                panic!("{}: {e}: {}", c.case, String::from_utf8_lossy(&out.stderr))
            });
            let errors: Vec<String> = reports
                .iter()
                .flat_map(|r| r["diagnostics"].as_array().cloned().unwrap_or_default())
                .filter(|d| d["severity"] == "error")
                .map(|d| {
                    format!(
                        "[{}] {}",
                        d["code"].as_str().unwrap(),
                        d["message"].as_str().unwrap()
                    )
                })
                .collect();
            let about: Vec<&String> = errors
                .iter()
                .filter(|e| c.options.iter().any(|o| names(e, o)))
                .collect();
            if c.accepted {
                accepted += 1;
                if !about.is_empty() {
                    false_errors.push(format!("{}: {}", c.case, about[0]));
                } else if !errors.is_empty() {
                    elsewhere.push(format!("{}: {}", c.case, errors[0]));
                }
            } else {
                rejected += 1;
                if about.is_empty() {
                    misses.push(format!(
                        "{}: NixOS: {}{}",
                        c.case,
                        c.error,
                        errors
                            .first()
                            .map(|e| format!("\n      ours (not naming the option): {e}"))
                            .unwrap_or_default()
                    ));
                } else {
                    found += 1;
                }
            }
        }
        println!(
            "{corpus}: {} type cases ({accepted} accepted, {rejected} rejected by NixOS): {} false errors, rejections found {found}/{rejected} ({:.1} %)",
            accepted + rejected,
            false_errors.len(),
            100.0 * f64::from(found) / f64::from(rejected.max(1))
        );
        println!(
            "{corpus}: eval cases: {values_known} option values known ({values_agree} values agree with NixOS), {values_unknown} unknown, {} different",
            value_diffs.len()
        );
        for f in &false_errors {
            println!("  false error: {f}");
        }
        for m in &misses {
            println!("  missed: {m}");
        }
        for e in &elsewhere {
            println!("  accepted, an error about another option: {e}");
        }
        for d in &value_diffs {
            println!("  value differs: {d}");
        }
        if !false_errors.is_empty() {
            failures.push(format!("{corpus}: {} false errors", false_errors.len()));
        }
        if f64::from(found) < 0.95 * f64::from(rejected) {
            failures.push(format!(
                "{corpus}: {found}/{rejected} rejections found, below 95 %"
            ));
        }
        if !value_diffs.is_empty() {
            failures.push(format!(
                "{corpus}: {} values differ from NixOS's",
                value_diffs.len()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// One `eval` case: (unknown, known, agreeing, differences).
fn eval_case(schema: &Schema, file: &Path, c: &Case) -> (usize, usize, usize, Vec<String>) {
    let text = std::fs::read_to_string(file).unwrap();
    let (defs, _) = nixunits_eval_file(schema, file, &text);
    let values = c.values.clone().unwrap_or_default();
    let mut out = (0, 0, 0, Vec::new());
    for (o, want) in c.options.iter().zip(&values) {
        let v = nixunits_eval::types::merge::value(schema, &defs, o);
        match compare(&v, want, &show_path(o)) {
            Ok(0) => {
                out.0 += 1;
                println!("  unknown value: {}: {}", c.case, show_path(o));
            }
            Ok(_) => {
                out.1 += 1;
                out.2 += 1;
            }
            Err(e) => {
                out.1 += 1;
                out.3.push(e);
            }
        }
    }
    out
}

/// The definitions of a file, as `nixunits eval --json` has them but with
/// their values' kinds: through the library.
fn nixunits_eval_file(
    schema: &Schema,
    file: &Path,
    text: &str,
) -> (Vec<nixunits_eval::module::Definition>, ()) {
    struct Dir(PathBuf);
    impl nixunits_eval::eval::Loader for Dir {
        fn load(&self, path: &str) -> Result<String, nixunits_eval::eval::LoadError> {
            let p = Path::new(path);
            if !p.starts_with(&self.0) {
                return Err(nixunits_eval::eval::LoadError::Refused("outside".into()));
            }
            std::fs::read_to_string(p)
                .map_err(|e| nixunits_eval::eval::LoadError::Missing(e.to_string()))
        }
    }
    let dir = Dir(file.parent().unwrap().to_path_buf());
    let run = |args: &nixunits_eval::module::Args| {
        nixunits_eval::module::evaluate(
            &file.display().to_string(),
            text,
            &dir,
            nixunits_eval::eval::Limits::default(),
            args,
        )
    };
    // As `check` does: `config` holds what the snippet alone decides (the
    // judge adds no module that forces an option).
    let first = run(&nixunits_eval::module::Args::default());
    let e = nixunits_eval::config::settle(schema, text, first, &[], |config| {
        run(&nixunits_eval::module::Args {
            config: Some(config),
            ..Default::default()
        })
    });
    (e.definitions, ())
}
