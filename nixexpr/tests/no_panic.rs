//! No input makes parsing or checking panic, hang or overflow the stack:
//! random bytes, random soups of Nix tokens, and deep nesting.

#![allow(clippy::unwrap_used, clippy::print_stdout, clippy::print_stderr)]

use nixunits_nixexpr::{check, has_errors, tree, CheckOptions, NixVersion};
use proptest::prelude::*;

fn all_options() -> Vec<CheckOptions> {
    let mut v = Vec::new();
    for version in [NixVersion::V2_8, NixVersion::CURRENT] {
        for parse_only in [false, true] {
            v.push(CheckOptions {
                version,
                parse_only,
                pipe_operators: !parse_only,
            });
        }
    }
    v
}

fn check_everything(src: &str) {
    for o in all_options() {
        let diags = check(src, &o);
        for d in &diags {
            assert!(
                u32::from(d.range.end()) as usize <= src.len(),
                "{d:?} outside {} bytes",
                src.len()
            );
        }
    }
    let _ = tree::parse(src);
}

const TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    "(",
    ")",
    ";",
    ":",
    ",",
    ".",
    "@",
    "?",
    "=",
    "==",
    "!=",
    "<",
    ">",
    "<=",
    ">=",
    "+",
    "-",
    "*",
    "/",
    "//",
    "++",
    "!",
    "&&",
    "||",
    "->",
    "|>",
    "<|",
    "\"",
    "''",
    "'",
    "${",
    "$",
    "\\",
    "~",
    "#",
    "/*",
    "*/",
    "...",
    "or",
    "in",
    "let",
    "rec",
    "inherit",
    "with",
    "assert",
    "if",
    "then",
    "else",
    "a",
    "b",
    "x:",
    "./p",
    "~/p",
    "<p>",
    "a/",
    "1",
    "1.5",
    "1e",
    "9999999999999999999",
    "1e400",
    "http://x",
    "__curPos",
    "é",
    "\n",
    " ",
    "\0",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        check_everything(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn token_soup(idx in proptest::collection::vec(0..TOKENS.len(), 0..120)) {
        let src: String = idx.iter().map(|&i| TOKENS[i]).collect::<Vec<_>>().join(" ");
        check_everything(&src);
        let glued: String = idx.iter().map(|&i| TOKENS[i]).collect();
        check_everything(&glued);
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    // Each with the deepest nesting Nix 2.8 accepts (tests/parity.rs).
    for (open, close, deepest) in [
        ("(", ")", 9_995),
        ("[", "]", 4_998),
        ("{ a = ", "; }", 2_496),
        ("x: ", "", 4_998),
        ("- ", "", 9_996),
        ("! ", "", 9_996),
        ("\"${", "}\"", 4_997),
        ("[] ++ ", "", 4_997),
        ("if true then 1 else ", "", 1_999),
    ] {
        let n = 100_000;
        let src = format!("{}1{}", open.repeat(n), close.repeat(n));
        let diags = check(&src, &CheckOptions::default());
        assert!(
            diags.iter().any(|d| d.code == "too_deep"),
            "{open}: {:?}",
            diags.first()
        );
        let _ = tree::parse(&src);
        // At the bound: a real tree, in bounded time, every check run.
        let n = deepest;
        let src = format!("{}1{}", open.repeat(n), close.repeat(n));
        assert!(
            !check(&src, &CheckOptions::default())
                .iter()
                .any(|d| d.code == "too_deep"),
            "{open}"
        );
        let _ = tree::parse(&src);
    }
    // Nesting that real files have is fine.
    let src = format!("{}{{ }}{}", "(".repeat(200), ")".repeat(200));
    assert!(!has_errors(&check(&src, &CheckOptions::default())));
    assert!(tree::parse(&src).errors.is_empty());
}

#[test]
fn huge_flat_input_is_fine() {
    let parse_only = CheckOptions {
        parse_only: true,
        ..CheckOptions::default()
    };
    let src = format!("[ {} ]", "1 ".repeat(500_000));
    assert!(!has_errors(&check(&src, &parse_only)));
    let src = format!(
        "{{ {} }}",
        (0..50_000)
            .map(|i| format!("a{i} = {i};"))
            .collect::<String>()
    );
    assert!(!has_errors(&check(&src, &CheckOptions::default())));
}
