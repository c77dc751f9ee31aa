//! The `nixunits` command as a user runs it: golden output for every
//! check, formats, exit codes, standard input, colours.

#![allow(clippy::unwrap_used, clippy::print_stdout, clippy::print_stderr)]

mod util;

use std::path::Path;

use util::{assert_exit, expect_file, nix_files_in, nix_files_under, nixunits, root, run};

fn test_data() -> std::path::PathBuf {
    root().join("nixexpr/test_data")
}

/// The names of the `.nix` files of `dir`.
fn nix_files(dir: &Path) -> Vec<String> {
    nix_files_in(dir)
        .iter()
        .map(|p| p.file_name().unwrap().to_str().unwrap().to_owned())
        .collect()
}

/// Every file of `test_data/err` and `test_data/ok`: the human and JSON
/// renderings are golden files beside it (`UPDATE_EXPECT=1` blesses);
/// `err` files have errors, `ok` files none.
#[test]
fn golden_diagnostics() {
    let mut failures = Vec::new();
    for (dir, want_errors) in [("err", true), ("ok", false)] {
        let base = test_data().join(dir);
        let files = nix_files(&base);
        assert!(files.len() >= 5, "{dir}: {files:?}");
        for f in files {
            let mut seen_codes = Vec::new();
            for (format, ext) in [("human", "human"), ("json", "json")] {
                let out = run(nixunits().current_dir(&base).args([
                    "check",
                    "--nix-version",
                    "2.24",
                    "--color",
                    "never",
                    "--format",
                    format,
                    &f,
                ]));
                let code = out.status.code();
                assert_eq!(
                    code,
                    Some(if want_errors { 1 } else { 0 }),
                    "{dir}/{f} ({format}): exit {code:?}"
                );
                let stdout = String::from_utf8(out.stdout).unwrap();
                if format == "json" {
                    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
                    for d in v[0]["diagnostics"].as_array().unwrap() {
                        seen_codes.push(d["code"].as_str().unwrap().to_owned());
                    }
                }
                let golden = base.join(f.replace(".nix", &format!(".{ext}")));
                failures.extend(expect_file(&golden, &stdout));
            }
            // A file named after a check must trigger that check.
            let stem = f.trim_end_matches(".nix");
            if let Some(code) = ["module_shape", "duplicate_attr"]
                .iter()
                .find(|c| stem.starts_with(*c))
            {
                assert!(seen_codes.iter().any(|c| c == code), "{f}: {seen_codes:?}");
            } else if dir == "err" && stem != "multibyte" {
                assert!(seen_codes.iter().any(|c| c == stem), "{f}: {seen_codes:?}");
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn examples_pass_the_full_check() {
    let files = nix_files_under(&root().join("examples"));
    assert!(files.len() >= 5);
    let out = run(nixunits().arg("check").args(&files));
    assert_exit(&out, 0);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.ends_with(&format!("checked {} files: no problems\n", files.len())),
        "{stdout}"
    );
}

#[test]
fn errfmt_lines() {
    let out = run(nixunits().current_dir(test_data().join("err")).args([
        "check",
        "--format",
        "errfmt",
        "duplicate_attr_dotted.nix",
        "undefined_variable.nix",
    ]));
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        stdout,
        "duplicate_attr_dotted.nix>4:3:E:duplicate_attr:attribute 'services.nginx.enable' already defined\n\
         undefined_variable.nix>3:34:E:undefined_variable:undefined variable 'pkgs'\n\
         undefined_variable.nix>4:39:E:undefined_variable:undefined variable 'uid'\n"
    );
}

/// GitHub's documented syntax: `::error file={name},line={line},col={col},
/// endLine={endLine},endColumn={endColumn},title={title}::{message}`, with
/// `%`, CR, LF escaped in the message and also `:` and `,` in properties.
#[test]
fn github_annotations() {
    let dir = tempfile::tempdir().unwrap();
    let name = "we,ird:name.nix";
    std::fs::write(dir.path().join(name), "{ a = 1; a = 2; }\n").unwrap();
    let out = run(nixunits()
        .current_dir(dir.path())
        .args(["check", "--format", "github", name]));
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "{stdout}");
    let line = lines[0];
    let (head, message) = line
        .strip_prefix("::error ")
        .unwrap()
        .split_once("::")
        .unwrap();
    let props: Vec<(&str, &str)> = head
        .split(',')
        .map(|p| p.split_once('=').unwrap())
        .collect();
    let keys: Vec<&str> = props.iter().map(|p| p.0).collect();
    assert_eq!(
        keys,
        ["file", "line", "col", "endLine", "endColumn", "title"]
    );
    assert_eq!(props[0].1, "we%2Cird%3Aname.nix");
    assert_eq!(
        &props[1..],
        &[
            ("line", "1"),
            ("col", "10"),
            ("endLine", "1"),
            ("endColumn", "11"),
            ("title", "duplicate_attr")
        ]
    );
    assert_eq!(message, "attribute 'a' already defined");
    // Notes travel on escaped newlines, never raw ones.
    let out = run(nixunits()
        .args([
            "check",
            "--format",
            "github",
            "--stdin-filename",
            "s.nix",
            "-",
        ])
        .stdin(stdin_of("[ 1 ]")));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.lines().count(), 1);
    assert!(stdout.contains("%0A"), "{stdout}");
}

fn stdin_of(text: &str) -> std::process::Stdio {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("in");
    std::fs::write(&p, text).unwrap();
    std::fs::File::open(&p).unwrap().into()
}

#[test]
fn stdin_with_a_name() {
    let out = run(nixunits()
        .args([
            "check",
            "--format",
            "errfmt",
            "--stdin-filename",
            "snippet.nix",
            "-",
        ])
        .stdin(stdin_of("{ x = y; }")));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "snippet.nix>1:7:E:undefined_variable:undefined variable 'y'\n"
    );
    let out = run(nixunits().args(["check", "-"]).stdin(stdin_of("{ }")));
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn exit_code_2_for_usage_errors_and_unreadable_files() {
    let dir = tempfile::tempdir().unwrap();
    let ok = dir.path().join("ok.nix");
    std::fs::write(&ok, "{ }").unwrap();
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec![
                "check".into(),
                dir.path().join("missing.nix").display().to_string(),
            ],
            "cannot read",
        ),
        (
            vec!["check".into(), dir.path().display().to_string()],
            "cannot read",
        ),
        (
            vec![
                "check".into(),
                "--nix-version".into(),
                "banana".into(),
                ok.display().to_string(),
            ],
            "not a Nix version",
        ),
        (
            vec![
                "check".into(),
                "--format".into(),
                "xml".into(),
                ok.display().to_string(),
            ],
            "invalid value",
        ),
        (vec!["check".into()], "required"),
        (
            vec!["check".into(), "-".into(), "-".into()],
            "standard input",
        ),
    ];
    for (args, needle) in cases {
        let out = run(nixunits().args(&args));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?} printed a report");
    }
}

#[test]
fn colours_follow_the_flag() {
    let file = test_data().join("err/duplicate_formal.nix");
    let always = run(nixunits().args(["check", "--color", "always"]).arg(&file));
    assert!(String::from_utf8_lossy(&always.stdout).contains("\x1b["));
    let never = run(nixunits().args(["check", "--color", "never"]).arg(&file));
    assert!(!String::from_utf8_lossy(&never.stdout).contains("\x1b["));
    // Not a terminal: auto means none, and NO_COLOR is honoured as well.
    let auto = run(nixunits().arg("check").arg(&file).env("NO_COLOR", "1"));
    assert!(!String::from_utf8_lossy(&auto.stdout).contains("\x1b["));
}

/// Many files are checked in parallel; the report keeps the given order.
#[test]
fn many_files_keep_their_order() {
    let dir = tempfile::tempdir().unwrap();
    let mut names = Vec::new();
    for i in 0..200 {
        let name = format!("f{i:03}.nix");
        let text = if i % 3 == 0 {
            format!("{{ x{i} = y; }}")
        } else {
            "{ }".to_owned()
        };
        std::fs::write(dir.path().join(&name), text).unwrap();
        names.push(name);
    }
    names.reverse();
    let out = run(nixunits()
        .current_dir(dir.path())
        .args(["check", "--format", "json"])
        .args(&names));
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let files: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    assert_eq!(files, names);
    let with_errors = v
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["errors"] == 1)
        .count();
    assert_eq!(with_errors, 67);
}

#[test]
fn parse_only_skips_nixunits_checks() {
    let file = test_data().join("err/module_shape_list.nix");
    assert_eq!(
        run(nixunits().arg("check").arg(&file)).status.code(),
        Some(1)
    );
    assert_eq!(
        run(nixunits().args(["check", "--parse-only"]).arg(&file))
            .status
            .code(),
        Some(0)
    );
}

/// A reader that stops early (`nixunits list | head -1`) ends the command
/// quietly: exit 0, no panic, whatever the command prints.
#[test]
fn a_closed_stdout_is_not_a_crash() {
    let state = tempfile::tempdir().unwrap();
    let example = root().join("examples/postgresql.nix");
    let runs: [&[&str]; 6] = [
        &["eval", example.to_str().unwrap()],
        &["check", example.to_str().unwrap()],
        &["ip6", "pg"],
        &["list"],
        &["completions", "bash"],
        &["man"],
    ];
    for args in runs {
        // The read end is closed before the command starts: its first
        // write fails with EPIPE.
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = nixunits()
            .arg("--state-dir")
            .arg(state.path())
            .args(args)
            .stdout(writer)
            .stderr(std::process::Stdio::piped())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
    }
}

/// Control characters of checked files never reach the terminal: the
/// source line, messages built from names in the file, and the file's own
/// name are escaped (`\u{1b}`) in human, errfmt and GitHub output; the
/// caret still points at the same character.
#[test]
fn terminal_output_escapes_control_characters() {
    let dir = tempfile::tempdir().unwrap();
    // The issue's file, a set with an escape in an attribute name, and a
    // file whose name holds one.
    let files = [
        ("e.nix", "{ a = \"\x1b]0;PWNED\x07\x1b[2J\"; a = 1; }"),
        ("name.nix", "{ \"x\x1b[2Jy\" = 1; \"x\x1b[2Jy\" = 2; }"),
        ("evil\x1b[2J\u{9b}.nix", "{ b = 1; b = 2; }"),
    ];
    let paths: Vec<std::path::PathBuf> = files
        .iter()
        .map(|(name, text)| {
            let p = dir.path().join(name);
            std::fs::write(&p, text).unwrap();
            p
        })
        .collect();
    for format in ["human", "errfmt", "github"] {
        let out = run(nixunits()
            .args(["check", "--color", "always", "--format", format])
            .args(&paths));
        assert_exit(&out, 1);
        let text = String::from_utf8(out.stdout).unwrap();
        // Colour codes are ours (human, --color always); anything else
        // that is a control character came from a file.
        let without_colours = text
            .split('\x1b')
            .enumerate()
            .map(|(i, part)| {
                if i == 0 {
                    part.to_owned()
                } else {
                    // Our SGR sequences: `[` digits and `;` then `m`.
                    let end = part.find('m').map_or(0, |m| m + 1);
                    assert!(
                        part.starts_with('[')
                            && part[1..end.max(1) - 1]
                                .bytes()
                                .all(|b| b.is_ascii_digit() || b == b';'),
                        "{format}: a raw escape from a file: {text:?}"
                    );
                    part[end..].to_owned()
                }
            })
            .collect::<String>();
        assert!(
            !without_colours
                .chars()
                .any(|c| c.is_control() && c != '\n' && c != '\t'),
            "{format}: {text:?}"
        );
        assert!(
            text.contains("\\u{1b}"),
            "{format}: not shown escaped: {text:?}"
        );
    }
    // The caret still points at the second `a` (human, no colours).
    let out = run(nixunits()
        .args(["check", "--color", "never"])
        .arg(&paths[0]));
    let text = String::from_utf8(out.stdout).unwrap();
    let src = text.lines().find(|l| l.contains("PWNED")).unwrap();
    let caret = text
        .lines()
        .skip_while(|l| !l.contains("PWNED"))
        .nth(1)
        .unwrap();
    let col = caret.find('^').unwrap();
    assert_eq!(&src[col..col + 1], "a", "{text}");
    // JSON keeps the text as it is (escaped by JSON itself).
    let out = run(nixunits()
        .args(["check", "--format", "json"])
        .arg(&paths[1]));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v[0]["diagnostics"][0]["message"]
        .as_str()
        .unwrap()
        .contains('\x1b'));
}

/// Policy and schema apply to every definition wherever it was written:
/// findings in imported files (and imports of imports) are reported at
/// their own place with the import chain; every bad `imports` entry of
/// every file is reported, a missing one as an error. Golden output of
/// `check` (human, errfmt) and of the `build` that refuses the snippet.
#[test]
fn imported_files_are_checked() {
    let schema = root().join("eval/test_data/schema/options.json");
    let golden = root().join("tests/imports/expected");
    let rooted =
        |s: &[u8]| String::from_utf8_lossy(s).replace(&root().display().to_string(), "$ROOT");
    let mut problems = Vec::new();
    for (format, file) in [("human", "check.human"), ("errfmt", "check.errfmt")] {
        let out = run(nixunits()
            .current_dir(root())
            .args(["check", "--color", "never", "--format", format, "--schema"])
            .arg(&schema)
            .arg("tests/imports/main.nix"));
        assert_exit(&out, 1);
        problems.extend(expect_file(&golden.join(file), &rooted(&out.stdout)));
    }
    // build refuses it before anything runs (exit 2), naming the imported
    // files' findings too.
    let state = tempfile::tempdir().unwrap();
    let out = run(nixunits()
        .current_dir(root())
        .env("NIX_PATH", "nixpkgs=/nonexistent")
        .arg("--state-dir")
        .arg(state.path())
        .args([
            "--color",
            "never",
            "build",
            "imp",
            "-cf",
            "tests/imports/main.nix",
            "--dry-run",
        ]));
    assert_exit(&out, 2);
    problems.extend(expect_file(
        &golden.join("build.stderr"),
        &rooted(&out.stderr),
    ));
    assert!(
        std::fs::read_dir(state.path()).unwrap().next().is_none(),
        "a refused build wrote into the state directory"
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // The imported file checked on its own reports its own findings once.
    let out = run(nixunits().current_dir(root()).args([
        "check",
        "--format",
        "errfmt",
        "tests/imports/main.nix",
        "tests/imports/parts/host.nix",
    ]));
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        text.matches("host.nix>5:3:E:policy_deny").count(),
        1,
        "{text}"
    );
}

/// `eval` of a file that does not parse or is not a module prints the
/// diagnostics and exits 1 (it evaluated nothing); option paths are
/// printed as Nix prints them (`etc."a.conf".text`).
#[test]
fn eval_refuses_what_is_not_a_module() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text, code) in [
        ("syntax.nix", "{ a = ; }", "syntax_error"),
        ("list.nix", "[ 1 2 ]", "module_shape"),
    ] {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        let out = run(nixunits().arg("eval").arg(&p));
        assert_exit(&out, 1);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(&format!("error[{code}]")) && stderr.contains("is not evaluated"),
            "{stderr}"
        );
        assert!(out.stdout.is_empty());
    }
    let p = dir.path().join("quoted.nix");
    std::fs::write(&p, "{ environment.etc.\"a.conf\".text = \"x\"; }").unwrap();
    let out = run(nixunits().arg("eval").arg(&p));
    assert_exit(&out, 0);
    assert!(
        String::from_utf8_lossy(&out.stdout).starts_with("environment.etc.\"a.conf\".text = \"x\""),
        "{out:?}"
    );
}

/// `|>` and `<|` under a Nix without pipe operators: Nix's own message (two
/// tokens, "unexpected invalid token"), and a note that says what they are.
#[test]
fn pipe_operators_under_an_older_nix_are_named() {
    let dir = tempfile::tempdir().unwrap();
    for (text, op) in [("x: x |> f", "|>"), ("f <| x", "<|")] {
        let p = dir.path().join("p.nix");
        std::fs::write(&p, text).unwrap();
        let out = run(nixunits()
            .args([
                "check",
                "--parse-only",
                "--format",
                "json",
                "--nix-version",
                "2.8",
            ])
            .arg(&p));
        assert_exit(&out, 1);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let d = &v[0]["diagnostics"][0];
        assert_eq!(d["code"], "syntax_error", "{d}");
        assert!(
            d["message"]
                .as_str()
                .unwrap()
                .contains("unexpected invalid token"),
            "{d}"
        );
        assert!(
            d["notes"][0]
                .as_str()
                .unwrap()
                .starts_with(&format!("`{op}` is a pipe operator, from Nix 2.24")),
            "{d}"
        );
    }
}

/// The examples of `check`, `eval` and `ip6` in the README and the manual
/// (`docs/manual`) are real output: each block starting `$ nixunits
/// check|eval|ip6 …` is run from the repository's root; its lines are the
/// output's first lines (all of it unless the block ends with `…`).
#[test]
fn readme_and_manual_examples_are_real_output() {
    let mut pages = vec![root().join("README.md")];
    pages.extend(
        std::fs::read_dir(root().join("docs/manual"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "md")),
    );
    pages.sort();
    let mut seen = Vec::new();
    for page in &pages {
        let text = std::fs::read_to_string(page).unwrap();
        let name = page.strip_prefix(root()).unwrap().display().to_string();
        // The fenced blocks, in order.
        let mut blocks: Vec<Vec<&str>> = Vec::new();
        let mut open: Option<Vec<&str>> = None;
        for line in text.lines() {
            if line.trim_start().starts_with("```") {
                match open.take() {
                    Some(b) => blocks.push(b),
                    None => open = Some(Vec::new()),
                }
            } else if let Some(b) = open.as_mut() {
                b.push(line);
            }
        }
        for block in &blocks {
            let mut lines = block.iter().copied();
            let Some(cmd) = lines.next().and_then(|l| l.strip_prefix("$ nixunits ")) else {
                continue;
            };
            let args: Vec<&str> = cmd.split_whitespace().collect();
            if !matches!(args.first(), Some(&"check" | &"eval" | &"ip6")) {
                continue;
            }
            seen.push(format!("{name}: {cmd}"));
            let shown: Vec<&str> = lines.collect();
            let elided = shown.last() == Some(&"…");
            let shown = if elided {
                &shown[..shown.len() - 1]
            } else {
                &shown[..]
            };
            let out = run(nixunits().current_dir(root()).args(&args));
            let text = String::from_utf8_lossy(&out.stdout);
            let real: Vec<&str> = text.lines().collect();
            if elided {
                assert!(
                    real.len() >= shown.len() && real[..shown.len()] == *shown,
                    "{name}: $ nixunits {cmd}\nshows:\n{}\nreal:\n{text}",
                    shown.join("\n")
                );
            } else {
                assert_eq!(real, shown, "{name}: $ nixunits {cmd}");
            }
        }
    }
    // The README's tour, and the manual's check, eval and ip6 examples.
    for want in [
        "README.md: check",
        "docs/manual/checking.md: check",
        "docs/manual/validation.md: eval",
        "docs/manual/building.md: ip6",
    ] {
        assert!(
            seen.iter().any(|s| s.starts_with(want)),
            "no example {want:?} among {seen:?}"
        );
    }
}

/// `apply` refuses a bad fleet before anything runs: exit 2, the problem
/// named with its key, no state written, no host contacted (the targets
/// do not exist).
#[test]
fn apply_refuses_bad_fleets() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    std::fs::write(
        dir.path().join("ok.nix"),
        "{ services.nginx.enable = true; }",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("bad.nix"),
        "{ services.nginx.enable = true; services.nginx.enable = false; }",
    )
    .unwrap();
    let hosts = "[hosts.a]\ntarget = \"root@nowhere.invalid\"\n";
    let cases = [
        ("", "no [hosts.NAME]"),
        ("hosts = 1\n", "invalid type"),
        (
            &format!("{hosts}[containers.web]\nsnippet = \"ok.nix\"\nhosts = [\"b\"]\n") as &str,
            "containers.web.hosts names \"b\"",
        ),
        (
            &format!("{hosts}[containers.web]\nsnippet = \"ok.nix\"\nhosts = [\"a\"]\ncount = 0\n"),
            "containers.web.count is 0",
        ),
        (
            &format!("{hosts}[containers.web]\nsnippet = \"missing.nix\"\nhosts = [\"a\"]\n"),
            "containers.web (web): cannot read",
        ),
        (
            &format!("{hosts}[containers.web]\nsnippet = \"bad.nix\"\nhosts = [\"a\"]\n"),
            "containers.web (web): the snippet is rejected",
        ),
        (
            &format!(
                "{hosts}[containers.web]\nsnippet = \"ok.nix\"\nhosts = [\"a\"]\nrestart = true\n"
            ),
            "unknown field `restart`",
        ),
    ];
    for (text, needle) in cases {
        let file = dir.path().join("fleet.toml");
        std::fs::write(&file, text).unwrap();
        let out = run(nixunits()
            .arg("--state-dir")
            .arg(&state)
            .args(["apply", "--color", "never"])
            .arg(&file));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{text}: {stderr}");
        assert!(stderr.contains(needle), "{text}: {stderr}");
        assert!(out.stdout.is_empty(), "{text}: printed a plan");
        assert!(!state.exists(), "{text}: wrote state");
    }
}

#[test]
fn target_host_is_checked_as_build_host_is_before_anything_runs() {
    use std::os::unix::fs::PermissionsExt;
    // An ssh that records being run: it must not be.
    let dir = tempfile::tempdir().unwrap();
    let ssh = dir.path().join("ssh");
    std::fs::write(
        &ssh,
        format!("#!/bin/sh\ntouch '{}/ssh-ran'\n", dir.path().display()),
    )
    .unwrap();
    std::fs::set_permissions(&ssh, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!(
        "{}:{}",
        dir.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    for (host, by_env) in [
        ("-oProxyCommand=touch /tmp/owned", false),
        ("", false),
        ("root@a b", false),
        ("-oProxyCommand=x", true),
    ] {
        let mut c = nixunits();
        c.env("PATH", &path);
        if by_env {
            c.env("NIXUNITS_TARGET_HOST", host);
        } else {
            c.arg(format!("--target-host={host}"));
        }
        let out = run(c.args(["status", "web"]));
        assert_exit(&out, 2);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(&format!("--target-host {host:?}: give USER@HOST")),
            "{host:?}: {err}"
        );
    }
    // The same rule, the same words, as --build-host.
    let out = run(nixunits()
        .env("PATH", &path)
        .env(
            "NIX_PATH",
            format!("nixpkgs={}", root().join("tests/fake-nixpkgs").display()),
        )
        .arg("--state-dir")
        .arg(dir.path().join("state"))
        .arg("--nix-dir")
        .arg(root().join("nix"))
        .args([
            "build",
            "web",
            "-cc",
            "{ }",
            "--build-host=-oProxyCommand=x",
        ]));
    assert_exit(&out, 2);
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("--build-host \"-oProxyCommand=x\": give USER@HOST"));
    assert!(!dir.path().join("ssh-ran").exists(), "ssh was run");
}
