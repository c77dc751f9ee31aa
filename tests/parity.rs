//! Parse verdicts identical to Nix's: real `nix-instantiate --parse` is the
//! oracle for every file of the corpus (the examples, the hand-written edge
//! cases of `nixexpr/test_data/parity`, and deterministic mutants of them),
//! and `nixunits check --parse-only` must give the same verdict on 100 %.

#![allow(clippy::unwrap_used, clippy::print_stdout, clippy::print_stderr)]

mod util;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use util::{nix_files_under, nixunits, require, root, run};

/// SplitMix64: a fixed, dependency-free generator, so the mutants are the
/// same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// The seeds: examples and hand-written edge cases.
fn seeds() -> Vec<(String, String)> {
    let mut files = nix_files_under(&root().join("examples"));
    files.extend(nix_files_under(&root().join("nixexpr/test_data")));
    // The project's own Nix code, once there is some.
    if root().join("nix").is_dir() {
        files.extend(nix_files_under(&root().join("nix")));
    }
    files
        .into_iter()
        .map(|p| {
            (
                p.display().to_string(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect()
}

/// Char boundaries of `s`, including its end.
fn boundaries(s: &str) -> Vec<usize> {
    s.char_indices().map(|(i, _)| i).chain([s.len()]).collect()
}

/// Mutants of one seed: deleted characters, duplicated and dropped lines,
/// a duplicate attribute inserted after a `{`, and inserted grammar tokens.
fn mutate(text: &str, rng: &mut Rng) -> Vec<String> {
    const TOKENS: &[&str] = &[
        "{", "}", "[", "]", "(", ")", ";", ":", ",", ".", "@", "?", "=", "<", ">", "+", "-", "/",
        "!", "\"", "'", "$", "\\", "~", "#", "|", "${", "''", "//", "...", "or", "in", "let",
        "rec", "inherit", "/*", "*/", "./", "x:", ".0", "e5", " ", "\n", "a", "1",
    ];
    let mut out = Vec::new();
    let b = boundaries(text);
    if b.len() > 1 {
        for _ in 0..12 {
            let i = rng.below(b.len() - 1);
            out.push(format!("{}{}", &text[..b[i]], &text[b[i + 1]..]));
        }
        for _ in 0..6 {
            let i = b[rng.below(b.len())];
            let t = TOKENS[rng.below(TOKENS.len())];
            out.push(format!("{}{t}{}", &text[..i], &text[i..]));
        }
    }
    let lines: Vec<&str> = text.split('\n').collect();
    for _ in 0..3 {
        let j = rng.below(lines.len());
        let mut dup = lines.clone();
        dup.insert(j, lines[j]);
        out.push(dup.join("\n"));
        let mut drop = lines.clone();
        drop.remove(rng.below(lines.len()));
        out.push(drop.join("\n"));
    }
    let braces: Vec<usize> = text.match_indices('{').map(|(i, _)| i + 1).collect();
    for _ in 0..2 {
        if !braces.is_empty() {
            let i = braces[rng.below(braces.len())];
            out.push(format!("{} a = 1; a = 2; {}", &text[..i], &text[i..]));
        }
    }
    out
}

/// Nix's verdict on each file: `Some(message)` when it rejects it.
fn nix_verdicts(files: &[PathBuf]) -> Vec<Option<String>> {
    let nix = require("nix-instantiate", "nix-bin");
    let next = AtomicUsize::new(0);
    let results: Vec<Mutex<Option<Option<String>>>> =
        files.iter().map(|_| Mutex::new(None)).collect();
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= files.len() {
                    break;
                }
                let out = run(Command::new(&nix).arg("--parse").arg(&files[i]));
                let verdict = if out.status.success() {
                    None
                } else {
                    Some(String::from_utf8_lossy(&out.stderr).trim().to_owned())
                };
                *results[i].lock().unwrap() = Some(verdict);
            });
        }
    });
    results
        .into_iter()
        .map(|m| m.into_inner().unwrap().unwrap())
        .collect()
}

/// Our verdicts, from one run of the real CLI over all files.
fn our_verdicts(files: &[PathBuf], extra: &[&str]) -> Vec<Option<String>> {
    let out = run(nixunits()
        .args(["check", "--parse-only", "--format", "json"])
        .args(extra)
        .args(files));
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "nixunits check failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let reports = json.as_array().unwrap();
    assert_eq!(reports.len(), files.len());
    reports
        .iter()
        .zip(files)
        .map(|(r, f)| {
            assert_eq!(r["file"].as_str().unwrap(), f.display().to_string());
            let errors = r["diagnostics"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|d| d["severity"] == "error")
                .map(|d| {
                    format!(
                        "{}: {}",
                        d["code"].as_str().unwrap(),
                        d["message"].as_str().unwrap()
                    )
                })
                .collect::<Vec<_>>();
            (!errors.is_empty()).then(|| errors.join("; "))
        })
        .collect()
}

#[test]
fn parse_verdicts_match_nix_on_the_whole_corpus() {
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    let mut seen = BTreeSet::new();
    let mut rng = Rng(0x6e69_7875_6e69_7473);
    let seeds = seeds();
    assert!(
        seeds.len() >= 60,
        "the corpus lost its seeds: {}",
        seeds.len()
    );
    let mut write = |text: String, files: &mut Vec<PathBuf>| {
        if seen.insert(text.clone()) {
            let p = dir.path().join(format!("{:05}.nix", seen.len()));
            std::fs::write(&p, &text).unwrap();
            files.push(p);
        }
    };
    for (_, text) in &seeds {
        write(text.clone(), &mut files);
    }
    let originals = files.len();
    for (_, text) in &seeds {
        for m in mutate(text, &mut rng) {
            write(m, &mut files);
        }
    }
    let mutants = files.len() - originals;
    assert!(mutants >= 2000, "only {mutants} distinct mutants");

    let nix = nix_verdicts(&files);
    let ours = our_verdicts(&files, &["--nix-version", "2.8"]);
    let mut mismatches = Vec::new();
    for ((f, n), o) in files.iter().zip(&nix).zip(&ours) {
        if n.is_some() != o.is_some() {
            let text = std::fs::read_to_string(f).unwrap();
            mismatches.push(format!(
                "{}\n  nix:  {n:?}\n  ours: {o:?}\n  text: {text:?}",
                f.display()
            ));
        }
    }
    let rejected = nix.iter().filter(|v| v.is_some()).count();
    println!(
        "parity: {} files ({originals} seeds, {mutants} mutants), Nix rejects {rejected}; {} disagree",
        files.len(),
        mismatches.len()
    );
    assert!(
        rejected > files.len() / 4 && rejected < files.len(),
        "a corpus that Nix {rejected} / {} rejects tests little",
        files.len()
    );
    assert!(
        mismatches.is_empty(),
        "{} verdicts differ from Nix's:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

/// The hard-coded global names are Nix 2.8's: each is accepted as a bare
/// variable, and the names added later are not.
#[test]
fn globals_match_nix() {
    let nix = require("nix-instantiate", "nix-bin");
    let globals = nixunits_globals();
    let list = format!("[ {} ]", globals.join(" "));
    let out = run(Command::new(&nix).args(["--parse", "-E", &list]));
    assert!(
        out.status.success(),
        "Nix rejects one of our globals: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    for later in [
        "break",
        "__traceVerbose",
        "__fetchClosure",
        "__getFlake",
        "__warn",
    ] {
        let out = run(Command::new(&nix).args(["--parse", "-E", later]));
        assert!(
            !out.status.success(),
            "Nix 2.8 knows `{later}`, which we model as added later"
        );
    }
}

/// The list of globals, read from the source that defines it.
fn nixunits_globals() -> Vec<String> {
    let src = std::fs::read_to_string(root().join("nixexpr/src/globals.rs")).unwrap();
    let start = src.find("GLOBALS_2_8: &[&str] = &[").unwrap();
    let body = &src[start..src[start..].find("];").unwrap() + start];
    let names: Vec<String> = body
        .split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect();
    assert!(names.len() > 100, "{names:?}");
    names
}

/// Each modelled difference between Nix versions, with the version chosen
/// explicitly and with the version detected from the `nix` on PATH.
#[test]
fn version_differences() {
    require("nix", "nix-bin");
    let dir = tempfile::tempdir().unwrap();
    let file = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    // Nix < 2.17 drops the dynamic attributes of a merged literal, so the
    // undefined `y` inside goes unnoticed; 2.17 merges and finds it.
    let merged = file("merged.nix", "{ a = { b = 1; }; a = { ${y} = 1; }; }");
    // `|>` is two tokens before 2.24, a disabled feature after.
    let pipe = file("pipe.nix", "x: x |> builtins.length");
    let verdict = |f: &Path, extra: &[&str]| -> Option<String> {
        our_verdicts(&[f.to_path_buf()], extra).remove(0)
    };

    assert_eq!(verdict(&merged, &["--nix-version", "2.8"]), None);
    assert_eq!(
        verdict(&merged, &[]),
        None,
        "auto-detection should pick the Nix 2.8 on PATH"
    );
    let v = verdict(&merged, &["--nix-version", "2.17"]).unwrap();
    assert!(v.contains("undefined variable 'y'"), "{v}");

    let v = verdict(&pipe, &["--nix-version", "2.8"]).unwrap();
    assert!(v.starts_with("syntax_error"), "{v}");
    let v = verdict(&pipe, &["--nix-version", "2.24"]).unwrap();
    assert!(v.starts_with("pipe_operator"), "{v}");
    assert_eq!(
        verdict(
            &pipe,
            &["--nix-version", "2.24", "--experimental", "pipe-operators"]
        ),
        None
    );
}

/// NUL bytes and lone CRs, as Nix 2.8 reads them: a NUL is text in strings
/// and comments and ends the input where a token would start; CR, CRLF and
/// LF each end a line. Every seed with a NUL at random places, and with its
/// line breaks turned into lone CRs: the same verdicts as real Nix, and for
/// syntax errors after lone CRs the same line and column.
#[test]
fn nul_bytes_and_lone_crs_match_nix() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng(0x6e75_6c63_7273_3238);
    let mut texts: Vec<Vec<u8>> = vec![
        b"{ a = \"x\x00y\"; }".to_vec(),
        b"{ a = ''x\x00y''; }".to_vec(),
        b"# c\x00omment\n{ a = 1; }".to_vec(),
        b"/* \x00 */ 1".to_vec(),
        b"{ a = 1;\x00 b = 2; }".to_vec(),
        b"{ a = 1; }\x00 garbage".to_vec(),
        b"{ a\x00b = 1; }".to_vec(),
        b"{ a = \"x\x00y\"; b = ; }".to_vec(),
        b"\"a\x00${\"b\"}\"".to_vec(),
        b"\"a\\\x00b\"".to_vec(),
        b"''a''\\\x00b''".to_vec(),
        b"{\r a = 1;\r b = ; }".to_vec(),
        b"{\r\n a = 1;\r\r b = ; }".to_vec(),
    ];
    for (_, seed) in seeds() {
        let cuts = boundaries(&seed);
        for _ in 0..3 {
            let at = cuts[rng.below(cuts.len())];
            let mut t = seed.as_bytes()[..at].to_vec();
            t.push(0);
            t.extend_from_slice(&seed.as_bytes()[at..]);
            texts.push(t);
        }
        if seed.contains('\n') {
            texts.push(seed.replace("\r\n", "\n").replace('\n', "\r").into_bytes());
        }
    }
    let files: Vec<PathBuf> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let p = dir.path().join(format!("{i:05}.nix"));
            std::fs::write(&p, t).unwrap();
            p
        })
        .collect();
    let nix = nix_verdicts(&files);
    let ours = our_verdicts(&files, &["--nix-version", "2.8"]);
    // Positions: Nix's `at FILE:LINE:COL:`, ours from the JSON report.
    let out = run(nixunits()
        .args([
            "check",
            "--parse-only",
            "--nix-version",
            "2.8",
            "--format",
            "json",
        ])
        .args(&files));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut mismatches = Vec::new();
    for (i, f) in files.iter().enumerate() {
        let (n, o) = (&nix[i], &ours[i]);
        if n.is_some() != o.is_some() {
            mismatches.push(format!(
                "{}: nix {n:?}, ours {o:?}, text {:?}",
                f.display(),
                String::from_utf8_lossy(&texts[i])
            ));
            continue;
        }
        let Some(n) = n else { continue };
        let marker = format!("at {}:", f.display());
        let nix_at = n
            .lines()
            .find_map(|l| l.trim().strip_prefix(&marker))
            .map(|s| s.trim_end_matches(':').to_owned());
        let d = &json[i]["diagnostics"][0]["start"];
        let our_at = format!("{}:{}", d["line"], d["col"]);
        // Where a lone CR ends a line: the line and column of a syntax error
        // (columns: Nix counts bytes, nixunits characters; ASCII here).
        // Positions of other errors, and of an end of file inside an
        // unterminated string, are not compared: the verdict is.
        let code = json[i]["diagnostics"][0]["code"].as_str().unwrap_or("");
        let crs = texts[i].contains(&b'\r') && !texts[i].contains(&0);
        if let (Some(nix_at), true) = (nix_at, crs && code == "syntax_error" && texts[i].is_ascii())
        {
            if nix_at != our_at {
                mismatches.push(format!(
                    "{}: nix at {nix_at}, ours at {our_at}, text {:?}",
                    f.display(),
                    String::from_utf8_lossy(&texts[i])
                ));
            }
        }
    }
    println!(
        "nul/cr parity: {} files, Nix rejects {}; {} disagree",
        files.len(),
        nix.iter().filter(|v| v.is_some()).count(),
        mismatches.len()
    );
    assert!(files.len() >= 200, "{}", files.len());
    assert!(
        mismatches.is_empty(),
        "{} differ from Nix:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

/// From Nix 2.26 a NUL byte in a string is an error (it cannot be a Nix
/// string); in comments it stays text.
#[test]
fn nul_in_a_string_is_an_error_from_nix_2_26() {
    let dir = tempfile::tempdir().unwrap();
    let s = dir.path().join("s.nix");
    std::fs::write(&s, b"{ a = \"x\x00y\"; }").unwrap();
    let c = dir.path().join("c.nix");
    std::fs::write(&c, b"# c\x00omment\n{ a = 1; }").unwrap();
    for (version, file, code) in [("2.8", &s, 0), ("2.26", &s, 1), ("2.26", &c, 0)] {
        let out = run(nixunits()
            .args([
                "check",
                "--parse-only",
                "--format",
                "errfmt",
                "--nix-version",
                version,
            ])
            .arg(file));
        assert_eq!(
            out.status.code(),
            Some(code),
            "{version} {}: {out:?}",
            file.display()
        );
        if code == 1 {
            assert!(String::from_utf8_lossy(&out.stdout).contains(
                "E:nul_in_string:input string 'x\\u{0}y' cannot be represented as Nix string because it contains null bytes"
            ), "{out:?}");
        }
    }
}

/// Nesting families: `make(n)` nests a construct `n` levels deep (the same
/// as `scripts/nesting-limits`, and mixtures of them).
/// A family: its name and how to nest it `n` levels deep.
type Family = (&'static str, Box<dyn Fn(usize) -> String + Sync>);

fn nesting_families() -> Vec<Family> {
    fn wrap(n: usize, open: &str, leaf: &str, close: &str) -> String {
        format!("{}{leaf}{}", open.repeat(n), close.repeat(n))
    }
    fn cycle(n: usize, levels: &[(&str, &str)], leaf: &str) -> String {
        let mut s = String::new();
        for i in 0..n {
            s.push_str(levels[i % levels.len()].0);
        }
        s.push_str(leaf);
        for i in (0..n).rev() {
            s.push_str(levels[i % levels.len()].1);
        }
        s
    }
    vec![
        ("paren", Box::new(|n| wrap(n, "(", "1", ")"))),
        ("list", Box::new(|n| wrap(n, "[", "", "]"))),
        ("list_leaf_int", Box::new(|n| wrap(n, "[", "1", "]"))),
        ("attrs", Box::new(|n| wrap(n, "{ a = ", "1", "; }"))),
        (
            "attrs_leaf_list",
            Box::new(|n| wrap(n, "{ a = ", "[]", "; }")),
        ),
        (
            "attrs_leaf_attrs",
            Box::new(|n| wrap(n, "{ a = ", "{}", "; }")),
        ),
        ("rec_attrs", Box::new(|n| wrap(n, "rec { a = ", "1", "; }"))),
        (
            "legacy_let",
            Box::new(|n| wrap(n, "let { body = ", "1", "; }")),
        ),
        ("let", Box::new(|n| wrap(n, "let a = ", "1", "; in a"))),
        ("let_body", Box::new(|n| wrap(n, "let a = 1; in ", "1", ""))),
        ("lambda", Box::new(|n| wrap(n, "x: ", "1", ""))),
        ("formals", Box::new(|n| wrap(n, "{ a }: ", "1", ""))),
        (
            "formal_default",
            Box::new(|n| wrap(n, "{ a ? ", "1", " }: 1")),
        ),
        (
            "formals_multi",
            Box::new(|n| wrap(n, "{ a, b }: ", "1", "")),
        ),
        (
            "formals_ellipsis",
            Box::new(|n| wrap(n, "{ ... }: ", "1", "")),
        ),
        ("formals_at", Box::new(|n| wrap(n, "x@{ a }: ", "1", ""))),
        (
            "formals_at_after",
            Box::new(|n| wrap(n, "{ a }@x: ", "1", "")),
        ),
        (
            "list_attrs",
            Box::new(|n| wrap(n, "[ { a = ", "1", "; } ]")),
        ),
        (
            "attrs_interp_first",
            Box::new(|n| wrap(n, "{ ${\"a\"} = ", "1", "; }")),
        ),
        (
            "if_cond",
            Box::new(|n| wrap(n, "if ", "true", " then 1 else 1")),
        ),
        (
            "if_then",
            Box::new(|n| wrap(n, "if true then ", "1", " else 1")),
        ),
        (
            "if_else",
            Box::new(|n| wrap(n, "if true then 1 else ", "1", "")),
        ),
        ("with", Box::new(|n| wrap(n, "with {}; ", "1", ""))),
        ("with_expr", Box::new(|n| wrap(n, "with (", "{}", "); 1"))),
        ("assert", Box::new(|n| wrap(n, "assert true; ", "1", ""))),
        (
            "assert_cond",
            Box::new(|n| wrap(n, "assert (", "true", "); 1")),
        ),
        ("not", Box::new(|n| wrap(n, "!", "true", ""))),
        ("neg", Box::new(|n| wrap(n, "-", "1", ""))),
        ("concat", Box::new(|n| wrap(n, "[] ++ ", "[]", ""))),
        ("impl", Box::new(|n| wrap(n, "true -> ", "true", ""))),
        ("update", Box::new(|n| wrap(n, "{} // ", "{}", ""))),
        ("plus_paren", Box::new(|n| wrap(n, "1 + (", "1", ")"))),
        ("minus_paren", Box::new(|n| wrap(n, "1 - (", "1", ")"))),
        ("eq_paren", Box::new(|n| wrap(n, "1 == (", "1", ")"))),
        ("list_paren", Box::new(|n| wrap(n, "[ (", "1", ") ]"))),
        (
            "apply_paren",
            Box::new(|n| format!("let f = 1; in {}", wrap(n, "f (", "1", ")"))),
        ),
        (
            "or_default",
            Box::new(|n| format!("let a = 1; in {}", wrap(n, "a.b or (", "1", ")"))),
        ),
        (
            "select_paren",
            Box::new(|n| format!("let a = 1; in {}", wrap(n, "(", "a.b", ")"))),
        ),
        (
            "has_attr_paren",
            Box::new(|n| format!("let a = 1; in {}", wrap(n, "(", "a ? b", ")"))),
        ),
        ("paren_leaf_attrs", Box::new(|n| wrap(n, "(", "{}", ")"))),
        ("paren_leaf_list", Box::new(|n| wrap(n, "(", "[]", ")"))),
        ("paren_leaf_str", Box::new(|n| wrap(n, "(", "\"a\"", ")"))),
        ("str_interp", Box::new(|n| wrap(n, "\"${", "1", "}\""))),
        (
            "str_interp_text",
            Box::new(|n| wrap(n, "\"a${", "1", "}\"")),
        ),
        ("ind_interp", Box::new(|n| wrap(n, "''${", "1", "}''"))),
        (
            "attr_name_interp",
            Box::new(|n| wrap(n, "{ ${", "\"a\"", "} = 1; }")),
        ),
        (
            "inherit_from",
            Box::new(|n| wrap(n, "{ inherit (", "{}", ") a; }")),
        ),
        (
            "mix_paren_list_attrs",
            Box::new(|n| cycle(n, &[("(", ")"), ("[ ", " ]"), ("{ a = ", "; }")], "1")),
        ),
        (
            "mix_lambda_if_with",
            Box::new(|n| {
                cycle(
                    n,
                    &[("x: ", ""), ("if true then ", " else 1"), ("with {}; ", "")],
                    "1",
                )
            }),
        ),
        (
            "mix_let_interp_not",
            Box::new(|n| {
                cycle(
                    n,
                    &[("\"${", "}\""), ("!(", ")"), ("let a = 1; in ", "")],
                    "true",
                )
            }),
        ),
    ]
}

/// The deepest nesting of a family our parser accepts.
fn our_nesting_limit(make: &(dyn Fn(usize) -> String + Sync)) -> usize {
    let opts = nixunits_nixexpr::CheckOptions {
        parse_only: true,
        ..Default::default()
    };
    let accepts = |n: usize| {
        !nixunits_nixexpr::check(&make(n), &opts)
            .iter()
            .any(|d| d.severity == nixunits_nixexpr::Severity::Error)
    };
    assert!(accepts(1), "{}", make(1));
    // Every level holds at least one entry: never deeper than 10,000.
    let (mut lo, mut hi) = (1, 10_001);
    while hi - lo > 1 {
        let mid = (lo + hi) / 2;
        if accepts(mid) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    lo
}

/// Nix's parser stack (10,000 entries) overflows at a depth that depends
/// on the construct; ours must reject exactly there. For each family: the
/// deepest nesting we accept, Nix accepts too, and one level more Nix
/// rejects with "memory exhausted".
#[test]
fn nesting_limits_match_nix() {
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    let mut names = Vec::new();
    let families = nesting_families();
    // Our limits, found in parallel (each probe parses a deep file).
    let next = AtomicUsize::new(0);
    let limits: Vec<Mutex<usize>> = families.iter().map(|_| Mutex::new(0)).collect();
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some((_, make)) = families.get(i) else {
                    break;
                };
                *limits[i].lock().unwrap() = our_nesting_limit(&**make);
            });
        }
    });
    for ((name, make), n) in families.iter().zip(limits) {
        let n = n.into_inner().unwrap();
        assert!(n > 1000, "{name}: {n}");
        for (depth, tag) in [(n, "deepest"), (n + 1, "over")] {
            let f = dir.path().join(format!("{name}-{tag}.nix"));
            std::fs::write(&f, make(depth)).unwrap();
            files.push(f);
            names.push(format!("{name} at {depth} ({tag})"));
        }
    }
    let verdicts = nix_verdicts(&files);
    let mut wrong = Vec::new();
    for (i, v) in verdicts.iter().enumerate() {
        let deepest = i % 2 == 0;
        let ok = if deepest {
            v.is_none()
        } else {
            v.as_deref().is_some_and(|e| e.contains("memory exhausted"))
        };
        if !ok {
            wrong.push(format!("{}: Nix says {v:?}", names[i]));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// When a file has several errors, Nix reports the first it meets: its
/// lexer's and its parser actions' (duplicates, checked as each binding is
/// reduced) before a later syntax error, and all of those before what it
/// checks after parsing (undefined variables). Our first diagnostic is
/// that one.
#[test]
fn the_first_error_is_nixs() {
    let cases = [
        "{ a = 1; a = 2; b = ; }",
        "{ a = 99999999999999999999; b = ; }",
        "{ x = { a = 1; }; y = 2 z; a = 1; a = 2; }",
        "{ a, b, a }: c",
        "let ${\"x\"} = 1; in [ 1 2",
        "let a = 1; a = 2; in { b = ; }",
        "{ b = undefinedThing; c = { d = 1; d = 2; }; }",
        "x: { a.b = 1; a.b = 2; } y",
    ];
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<PathBuf> = cases
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let f = dir.path().join(format!("c{i}.nix"));
            std::fs::write(&f, c).unwrap();
            f
        })
        .collect();
    let nix = nix_verdicts(&files);
    let out = run(nixunits()
        .args(["check", "--parse-only", "--format", "json"])
        .args(&files));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for (i, report) in json.as_array().unwrap().iter().enumerate() {
        let theirs = nix[i].as_deref().expect("Nix rejects each case");
        let theirs = theirs
            .lines()
            .find_map(|l| l.strip_prefix("error: "))
            .unwrap();
        let first = report["diagnostics"][0]["message"].as_str().unwrap();
        assert!(
            theirs.starts_with(first),
            "{}: Nix says {theirs:?}, our first is {first:?}",
            cases[i]
        );
    }
}
