//! `nixunits lsp` driven as an editor drives it, over pipes: initialize,
//! diagnostics on open and change (ranges in UTF-16 by default, UTF-8 when
//! offered, with multi-byte characters before the error), hover and
//! completion from the schema, malformed messages answered without
//! stopping, shutdown and exit.

#![allow(clippy::unwrap_used, clippy::print_stdout, clippy::print_stderr)]

mod util;

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::Duration;

use serde_json::{json, Value};
use util::{nixunits, root, run};

struct Client {
    child: Child,
    stdin: ChildStdin,
    rx: Receiver<Value>,
    next_id: i64,
    /// Every message received, in order.
    seen: std::cell::RefCell<Vec<Value>>,
    _state: tempfile::TempDir,
}

fn frame(body: &str) -> String {
    format!("Content-Length: {}\r\n\r\n{body}", body.len())
}

impl Client {
    fn start(encodings: &[&str]) -> Client {
        Client::start_with(encodings, &[])
    }

    fn start_with(encodings: &[&str], env: &[(&str, &str)]) -> Client {
        let mut c = Client::spawn(env, &[]);
        let caps = if encodings.is_empty() {
            json!({})
        } else {
            json!({ "general": { "positionEncodings": encodings } })
        };
        let init = c.request(
            "initialize",
            json!({ "processId": null, "rootUri": null, "capabilities": caps }),
        );
        assert!(
            init["result"]["capabilities"]["hoverProvider"]
                .as_bool()
                .unwrap(),
            "{init}"
        );
        c.notify("initialized", json!({}));
        c
    }

    /// The server, not yet initialized.
    fn spawn(env: &[(&str, &str)], args: &[&str]) -> Client {
        let state = tempfile::tempdir().unwrap();
        let out = run(nixunits()
            .arg("--state-dir")
            .arg(state.path())
            .args(["schema", "import"])
            .arg(root().join("eval/test_data/schema/options.json")));
        assert!(out.status.success());
        let mut child = nixunits()
            .arg("--state-dir")
            .arg(state.path())
            .arg("lsp")
            .args(args)
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let (tx, rx) = channel();
        std::thread::spawn(move || loop {
            let mut len = 0usize;
            loop {
                let mut line = String::new();
                if stdout.read_line(&mut line).unwrap_or(0) == 0 {
                    return;
                }
                let line = line.trim_end();
                if line.is_empty() {
                    break;
                }
                if let Some(v) = line.strip_prefix("Content-Length: ") {
                    len = v.parse().unwrap();
                }
            }
            let mut body = vec![0; len];
            stdout.read_exact(&mut body).unwrap();
            if tx.send(serde_json::from_slice(&body).unwrap()).is_err() {
                return;
            }
        });
        Client {
            child,
            stdin,
            rx,
            next_id: 1,
            seen: std::cell::RefCell::new(Vec::new()),
            _state: state,
        }
    }

    fn send(&mut self, v: &Value) {
        self.stdin
            .write_all(frame(&v.to_string()).as_bytes())
            .unwrap();
        self.stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.send_request(method, params);
        self.wait(|m| m["id"] == json!(id))
    }

    /// Sends a request without waiting for its answer; its id.
    fn send_request(&mut self, method: &str, params: Value) -> i64 {
        let id = self.next_id;
        self.next_id += 1;
        let mut msg = json!({ "jsonrpc": "2.0", "id": id, "method": method });
        if !params.is_null() {
            msg["params"] = params;
        }
        self.send(&msg);
        id
    }

    fn wait(&self, pred: impl Fn(&Value) -> bool) -> Value {
        loop {
            let m = self
                .rx
                .recv_timeout(Duration::from_secs(60))
                .expect("no answer from the server");
            self.seen.borrow_mut().push(m.clone());
            if pred(&m) {
                return m;
            }
        }
    }

    /// Where the first message received so far that `pred` holds for is.
    fn position(&self, pred: impl Fn(&Value) -> bool) -> Option<usize> {
        self.seen.borrow().iter().position(pred)
    }

    fn diagnostics(&self, uri: &str) -> Vec<Value> {
        let m = self.wait(|m| {
            m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri
        });
        m["params"]["diagnostics"].as_array().unwrap().clone()
    }
}

const BROKEN: &str =
    "{\n  # café ≠ coffee, 😀\n  services.nginx.user = \"héllo wörld 😀\"; x = ;\n}\n";
const FIXED: &str = "{\n  # café ≠ coffee, 😀\n  services.nginx.user = \"héllo wörld 😀\";\n}\n";

#[test]
fn a_session_as_an_editor_runs_it() {
    let mut c = Client::start(&[]);
    let uri = "file:///tmp/nixunits-lsp/snippet.nix";
    c.notify("textDocument/didOpen", json!({ "textDocument": { "uri": uri, "languageId": "nix", "version": 1, "text": BROKEN } }));
    let diags = c.diagnostics(uri);
    assert_eq!(diags.len(), 1, "{diags:?}");
    let d = &diags[0];
    assert_eq!(d["code"], "syntax_error");
    // The `;` after `x = ` on line 2, counted in UTF-16 code units.
    let line = BROKEN.lines().nth(2).unwrap();
    let byte = line.find("= ;").unwrap() + 2;
    let utf16 = line[..byte].encode_utf16().count();
    assert_ne!(
        utf16, byte,
        "the line must have multi-byte characters before the error"
    );
    assert_eq!(
        d["range"]["start"],
        json!({ "line": 2, "character": utf16 })
    );

    c.notify("textDocument/didChange", json!({ "textDocument": { "uri": uri, "version": 2 }, "contentChanges": [ { "text": FIXED } ] }));
    assert_eq!(c.diagnostics(uri), Vec::<Value>::new());

    // Hover on `user`: the option's type and description from the schema.
    let col = FIXED.lines().nth(2).unwrap().find("user").unwrap() + 1;
    let hover = c.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": uri }, "position": { "line": 2, "character": col } }),
    );
    let text = hover["result"]["contents"]["value"]
        .as_str()
        .unwrap_or_default();
    assert!(
        text.contains("services.nginx.user") && text.contains("`string`"),
        "{hover}"
    );

    // Completion under a typed prefix.
    let partial = "{\n  services.ngi\n}\n";
    c.notify("textDocument/didChange", json!({ "textDocument": { "uri": uri, "version": 3 }, "contentChanges": [ { "text": partial } ] }));
    let _ = c.diagnostics(uri);
    let items = c.request(
        "textDocument/completion",
        json!({ "textDocument": { "uri": uri }, "position": { "line": 1, "character": 14 } }),
    );
    let labels: Vec<&str> = items["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["nginx"], "{items}");
    let items = c.request(
        "textDocument/completion",
        json!({ "textDocument": { "uri": uri }, "position": { "line": 1, "character": 11 } }),
    );
    assert!(
        items["result"].as_array().unwrap().len() > 20,
        "all services: {items}"
    );

    // Nested sets, quoted names and submodules follow the same lookup as
    // the checks; internal options are never offered.
    let labels_at = |c: &mut Client, text: &str, version: u64| -> Vec<String> {
        c.notify("textDocument/didChange", json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": [ { "text": text } ] }));
        let _ = c.diagnostics(uri);
        let last = text.lines().count() - 1;
        let col = text.lines().last().unwrap().chars().count();
        let items = c.request(
            "textDocument/completion",
            json!({ "textDocument": { "uri": uri }, "position": { "line": last, "character": col } }),
        );
        items["result"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["label"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        labels_at(&mut c, "{ config, ... }: {\n  services = {\n    ngi", 4),
        ["nginx"]
    );
    assert_eq!(labels_at(&mut c, "{\n  services.\"ngi", 5), ["nginx"]);
    assert_eq!(
        labels_at(
            &mut c,
            "{\n  services.nginx.virtualHosts.\"a.example\" = {\n    forc",
            6
        ),
        ["forceSSL"]
    );
    assert_eq!(
        labels_at(
            &mut c,
            "{ lib, ... }: {\n  services = lib.mkIf true {\n    redis.servers.x.po",
            7
        ),
        ["port"]
    );
    assert!(labels_at(&mut c, "{\n  _mod", 8).is_empty());

    // Closing clears.
    c.notify(
        "textDocument/didClose",
        json!({ "textDocument": { "uri": uri } }),
    );
    assert_eq!(c.diagnostics(uri), Vec::<Value>::new());

    // Malformed messages: an error each, and the server goes on.
    c.stdin.write_all(frame("{ not json").as_bytes()).unwrap();
    c.stdin.flush().unwrap();
    let e = c.wait(|m| m.get("error").is_some());
    assert_eq!(e["error"]["code"], -32700);
    let e = c.request("workspace/nonsense", json!({}));
    assert_eq!(e["error"]["code"], -32601);
    let e = c.request("textDocument/hover", Value::Null);
    assert_eq!(e["error"]["code"], -32602);

    let r = c.request("shutdown", Value::Null);
    assert!(r["result"].is_null() && r.get("error").is_none(), "{r}");
    c.notify("exit", Value::Null);
    let status = c.child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
}

#[test]
fn utf8_positions_when_offered() {
    let mut c = Client::start(&["utf-8", "utf-16"]);
    let uri = "file:///tmp/nixunits-lsp/u8.nix";
    c.notify("textDocument/didOpen", json!({ "textDocument": { "uri": uri, "languageId": "nix", "version": 1, "text": BROKEN } }));
    let d = &c.diagnostics(uri)[0];
    let line = BROKEN.lines().nth(2).unwrap();
    let byte = line.find("= ;").unwrap() + 2;
    assert_eq!(d["range"]["start"], json!({ "line": 2, "character": byte }));
    c.request("shutdown", Value::Null);
    c.notify("exit", Value::Null);
    assert_eq!(c.child.wait().unwrap().code(), Some(0));
}

/// Findings in files the document imports (policy, schema, bad imports of
/// imports) are published on the document, at the import that brings
/// them in, with the place in the imported file as related information.
#[test]
fn imported_files_findings_reach_the_editor() {
    let mut c = Client::start(&[]);
    let path = root().join("tests/imports/main.nix");
    let uri = format!("file://{}", path.display());
    let text = std::fs::read_to_string(&path).unwrap();
    c.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": uri, "languageId": "nix", "version": 1, "text": text } }),
    );
    let diags = c.diagnostics(&uri);
    let shown = serde_json::to_string_pretty(&diags)
        .unwrap()
        .replace(&root().display().to_string(), "$ROOT");
    let golden = root().join("tests/imports/expected/lsp.json");
    if let Some(diff) = util::expect_file(&golden, &format!("{shown}\n")) {
        panic!("{diff}");
    }
    // The deepest one: at `./parts/host.nix` in main.nix (line 6), pointing
    // into deeper.nix.
    let wrappers = diags
        .iter()
        .find(|d| d["message"].as_str().unwrap().contains("security.wrappers"))
        .unwrap();
    assert_eq!(wrappers["range"]["start"]["line"], 5);
    assert!(wrappers["relatedInformation"][0]["location"]["uri"]
        .as_str()
        .unwrap()
        .ends_with("tests/imports/parts/deeper.nix"));
    assert_eq!(
        wrappers["relatedInformation"][0]["location"]["range"]["start"]["line"],
        4
    );
}

/// The manual's Neovim setup (`docs/manual/editors.md`), run as written in
/// real Neovim (Debian 12 ships 0.7.2, the oldest it claims): a snippet
/// with a syntax error and an undefined variable is opened, and the
/// server's diagnostics arrive in the buffer.
#[test]
fn the_manual_neovim_setup_works() {
    let nvim = util::require("nvim", "neovim");
    let page = std::fs::read_to_string(root().join("docs/manual/editors.md")).unwrap();
    let block = page
        .split("```lua\n")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .expect("the manual's lua block");
    let setup: String = block
        .lines()
        .map(|l| l.strip_prefix("  ").unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(setup.contains("nixunits"), "{setup}");
    let dir = tempfile::tempdir().unwrap();
    let snippet = dir.path().join("broken.nix");
    std::fs::write(&snippet, "{ lib, ... }: {\n  x = y;\n  a = 1; a = 2;\n}\n").unwrap();
    let result = dir.path().join("diagnostics.txt");
    let init = dir.path().join("init.lua");
    std::fs::write(
        &init,
        format!(
            "{setup}\n\
             vim.cmd('filetype on')\n\
             vim.cmd('edit {file}')\n\
             vim.wait(20000, function() return #vim.diagnostic.get(0) >= 2 end, 100)\n\
             local out = {{ 'filetype=' .. vim.bo.filetype }}\n\
             for _, d in ipairs(vim.diagnostic.get(0)) do\n\
               table.insert(out, (d.lnum + 1) .. ':' .. (d.col + 1) .. ':' .. (d.source or '') .. ':' .. d.message)\n\
             end\n\
             vim.fn.writefile(out, '{result}')\n\
             vim.cmd('qa!')\n",
            file = snippet.display(),
            result = result.display()
        ),
    )
    .unwrap();
    let bin_dir = std::path::PathBuf::from(env!("CARGO_BIN_EXE_nixunits"))
        .parent()
        .unwrap()
        .to_path_buf();
    let out = run(std::process::Command::new(nvim)
        .current_dir(dir.path())
        .env(
            "PATH",
            format!(
                "{}:{}",
                bin_dir.display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .env("HOME", dir.path())
        .env("XDG_STATE_HOME", dir.path())
        .args(["--headless", "-n", "-i", "NONE", "-u"])
        .arg(&init));
    let got = std::fs::read_to_string(&result).unwrap_or_else(|_| {
        panic!(
            "Neovim wrote no diagnostics: {} {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    eprintln!("{got}");
    assert!(got.starts_with("filetype=nix"), "{got}");
    assert!(
        got.contains("2:7:") && got.contains("undefined variable 'y'"),
        "{got}"
    );
    assert!(
        got.contains("3:10:") && got.contains("already defined"),
        "{got}"
    );
}

/// Applies LSP text edits (UTF-16 positions, ASCII text here) to `text`.
fn apply_edits(text: &str, edits: &[Value]) -> String {
    let offset = |p: &Value| {
        let (line, ch) = (
            p["line"].as_u64().unwrap() as usize,
            p["character"].as_u64().unwrap() as usize,
        );
        text.split_inclusive('\n')
            .take(line)
            .map(str::len)
            .sum::<usize>()
            + ch
    };
    let mut spans: Vec<(usize, usize, String)> = edits
        .iter()
        .map(|e| {
            (
                offset(&e["range"]["start"]),
                offset(&e["range"]["end"]),
                e["newText"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    spans.sort_by_key(|s| std::cmp::Reverse(s.0));
    let mut out = text.to_owned();
    for (a, b, t) in spans {
        out.replace_range(a..b, &t);
    }
    out
}

/// Quick fixes: a missing module argument is added to the formals, an
/// unused binding removed, a redundant `rec` dropped; applied, the file is
/// clean of them.
#[test]
fn code_actions_fix_what_they_say() {
    let mut c = Client::start(&[]);
    let uri = "file:///tmp/nixunits-lsp/fix.nix";
    let text = "{ config, ... }:\n{\n  environment.systemPackages = [ pkgs.htop ];\n  services.nginx = let\n    unused = 1;\n    port = 80;\n  in rec { enable = true; };\n}\n";
    c.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": uri, "languageId": "nix", "version": 1, "text": text } }),
    );
    let codes: Vec<String> = c
        .diagnostics(uri)
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_owned())
        .collect();
    for want in ["undefined_variable", "unused_binding", "redundant_rec"] {
        assert!(codes.iter().any(|c| c == want), "{codes:?}");
    }
    let r = c.request(
        "textDocument/codeAction",
        json!({ "textDocument": { "uri": uri }, "range": { "start": { "line": 0, "character": 0 }, "end": { "line": 8, "character": 0 } }, "context": { "diagnostics": [] } }),
    );
    let actions = r["result"].as_array().unwrap();
    let titles: Vec<&str> = actions
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert!(
        titles.contains(&"take `pkgs` as a module argument"),
        "{titles:?}"
    );
    assert!(
        titles.contains(&"remove the unused binding `unused`"),
        "{titles:?}"
    );
    assert!(titles.contains(&"remove `rec`"), "{titles:?}");
    let mut fixed = text.to_owned();
    // One at a time, each on the text the server last saw (as an editor does).
    for (v, title) in [
        "take `pkgs` as a module argument",
        "remove the unused binding `unused`",
        "remove `rec`",
    ]
    .iter()
    .enumerate()
    {
        c.notify("textDocument/didChange", json!({ "textDocument": { "uri": uri, "version": v + 2 }, "contentChanges": [ { "text": fixed } ] }));
        let _ = c.diagnostics(uri);
        let r = c.request(
            "textDocument/codeAction",
            json!({ "textDocument": { "uri": uri }, "range": { "start": { "line": 0, "character": 0 }, "end": { "line": 9, "character": 0 } }, "context": { "diagnostics": [] } }),
        );
        let action = r["result"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["title"] == *title)
            .unwrap()
            .clone();
        let edits = action["edit"]["changes"][uri].as_array().unwrap().clone();
        fixed = apply_edits(&fixed, &edits);
    }
    assert_eq!(
        fixed,
        "{ config, pkgs, ... }:\n{\n  environment.systemPackages = [ pkgs.htop ];\n  services.nginx = let\n    port = 80;\n  in { enable = true; };\n}\n"
    );
    c.notify("textDocument/didChange", json!({ "textDocument": { "uri": uri, "version": 9 }, "contentChanges": [ { "text": fixed } ] }));
    let left: Vec<String> = c
        .diagnostics(uri)
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(left, ["unused_binding"], "only `port` is left: {left:?}");
    c.request("shutdown", Value::Null);
    c.notify("exit", Value::Null);
    assert_eq!(c.child.wait().unwrap().code(), Some(0));
}

/// A bug met while handling a message (a fault injected in debug builds:
/// evaluation panics on snippets containing a marker) fails that message
/// alone: the document gets an `internal_error` diagnostic, a request an
/// error, and the server answers the next ones.
#[test]
fn a_bug_fails_one_message_not_the_server() {
    let mut c = Client::start_with(&[], &[("NIXUNITS_FAULT_PANIC", "FAULT-HERE")]);
    let bad = "file:///tmp/nixunits-lsp/bad.nix";
    let text = "{\n  services.nginx.user = \"x\"; # FAULT-HERE\n}\n";
    c.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": bad, "languageId": "nix", "version": 1, "text": text } }),
    );
    let diags = c.diagnostics(bad);
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert_eq!(diags[0]["code"], "internal_error");
    assert!(
        diags[0]["message"]
            .as_str()
            .unwrap()
            .contains("a bug in nixunits"),
        "{diags:?}"
    );
    // Hover evaluates the document: the request fails, with the reason.
    let e = c.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": bad }, "position": { "line": 1, "character": 12 } }),
    );
    assert_eq!(e["error"]["code"], -32603, "{e}");
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("nixunits failed while handling textDocument/hover"),
        "{e}"
    );
    // The server goes on: another document is checked as usual.
    let good = "file:///tmp/nixunits-lsp/good.nix";
    c.notify("textDocument/didOpen", json!({ "textDocument": { "uri": good, "languageId": "nix", "version": 1, "text": BROKEN } }));
    assert_eq!(c.diagnostics(good)[0]["code"], "syntax_error");
    let hover = c.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": good }, "position": { "line": 0, "character": 0 } }),
    );
    assert!(hover.get("error").is_none(), "{hover}");
    c.request("shutdown", Value::Null);
    c.notify("exit", Value::Null);
    assert_eq!(c.child.wait().unwrap().code(), Some(0));
}

/// The `.nix` files below `dir` (`target/` and `.git` left out), sorted.
fn nix_files_below(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = rd.map(|e| e.unwrap().path()).collect();
    entries.sort();
    for p in entries {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if p.is_dir() && !p.is_symlink() {
            if name != "target" && name != ".git" {
                nix_files_below(&p, out);
            }
        } else if name.ends_with(".nix") {
            out.push(p);
        }
    }
}

/// The largest char boundary of `s` at or before `i`.
fn boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// A session over a large sample, as an editor drives one: each file is
/// opened, changed in the middle, truncated, replaced by garbage, hovered
/// and closed, and the server answers after every step (its diagnostics
/// for that document, the hover's reply), with no internal error. In CI
/// the sample is this repository's `.nix` files and test data; with
/// `NIXUNITS_LSP_SAMPLE=DIR` it is every `NIXUNITS_LSP_SAMPLE_EVERY`-th
/// (default 20th) file of DIR.
#[test]
fn a_session_over_a_sample_answers_after_every_step() {
    let (files, label) = match std::env::var_os("NIXUNITS_LSP_SAMPLE") {
        Some(dir) => {
            let every: usize = std::env::var("NIXUNITS_LSP_SAMPLE_EVERY")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(20);
            let mut all = Vec::new();
            nix_files_below(std::path::Path::new(&dir), &mut all);
            let label = format!("every {every}th of {} files of {dir:?}", all.len());
            (all.into_iter().step_by(every).collect::<Vec<_>>(), label)
        }
        None => {
            let mut all = Vec::new();
            nix_files_below(&root(), &mut all);
            (all, "this repository".to_owned())
        }
    };
    assert!(files.len() > 100, "{label}: {} files", files.len());
    let mut c = Client::start(&[]);
    let started = std::time::Instant::now();
    let mut steps = 0usize;
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    for (n, path) in files.iter().enumerate() {
        let Ok(bytes) = std::fs::read(path) else {
            continue;
        };
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let uri = format!("file://{}", path.display()).replace(' ', "%20");
        let mid = boundary(&text, text.len() / 2);
        // Printable garbage with Nix's punctuation, from a fixed seed.
        let garbage: String = (0..64 + n % 200)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let alphabet = b"{}[]();:=.,@?!'\"$\\ \n\tab1/<>+-*~#";
                char::from(alphabet[(seed % alphabet.len() as u64) as usize])
            })
            .collect();
        let versions = [
            format!("{}{{ x = ${{ ;{}", &text[..mid], &text[mid..]),
            text[..mid].to_owned(),
            garbage,
            text.clone(),
        ];
        c.notify("textDocument/didOpen", json!({ "textDocument": { "uri": uri, "languageId": "nix", "version": 1, "text": text } }));
        let check = |c: &Client, what: &str| {
            let d = c.diagnostics(&uri);
            assert!(
                d.iter().all(|d| d["code"] != "internal_error"),
                "{} ({what}): {d:?}",
                path.display()
            );
        };
        check(&c, "opened");
        for (i, v) in versions.iter().enumerate() {
            c.notify("textDocument/didChange", json!({ "textDocument": { "uri": uri, "version": i + 2 }, "contentChanges": [ { "text": v } ] }));
            check(&c, &format!("version {}", i + 2));
            let line = v.lines().count() / 2;
            let h = c.request(
                "textDocument/hover",
                json!({ "textDocument": { "uri": uri }, "position": { "line": line, "character": 4 } }),
            );
            assert!(h.get("error").is_none(), "{}: {h}", path.display());
            steps += 2;
        }
        c.notify(
            "textDocument/didClose",
            json!({ "textDocument": { "uri": uri } }),
        );
        assert_eq!(c.diagnostics(&uri), Vec::<Value>::new());
        steps += 2;
    }
    eprintln!(
        "{label}: {} files, {steps} steps answered in {:.1?}",
        files.len(),
        started.elapsed()
    );
    c.request("shutdown", Value::Null);
    c.notify("exit", Value::Null);
    assert_eq!(c.child.wait().unwrap().code(), Some(0));
}

/// A snippet whose check takes seconds (the evaluation of 100,000
/// definitions, `tests/robust/hostile`).
fn slow_snippet() -> String {
    std::fs::read_to_string(root().join("tests/robust/hostile/many-overrides.nix")).unwrap()
}

fn is_diagnostics_of(m: &Value, uri: &str) -> bool {
    m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri
}

/// A check that takes long does not hold up the server: while a slow
/// snippet is being checked, another document is opened, checked, hovered
/// and completed, and all of that is answered before the slow snippet's
/// diagnostics arrive. (The old server, one message at a time, answered
/// nothing until the slow check was done.)
#[test]
fn a_slow_check_does_not_hold_up_the_others() {
    let mut c = Client::start(&[]);
    let slow = "file:///tmp/nixunits-lsp/slow.nix";
    let quick = "file:///tmp/nixunits-lsp/quick.nix";
    c.notify("textDocument/didOpen", json!({ "textDocument": { "uri": slow, "languageId": "nix", "version": 1, "text": slow_snippet() } }));
    c.notify("textDocument/didOpen", json!({ "textDocument": { "uri": quick, "languageId": "nix", "version": 1, "text": FIXED } }));
    assert_eq!(c.diagnostics(quick), Vec::<Value>::new());
    let col = FIXED.lines().nth(2).unwrap().find("user").unwrap() + 1;
    let hover = c.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": quick }, "position": { "line": 2, "character": col } }),
    );
    assert!(
        hover["result"]["contents"]["value"]
            .as_str()
            .unwrap()
            .contains("services.nginx.user"),
        "{hover}"
    );
    let items = c.request(
        "textDocument/completion",
        json!({ "textDocument": { "uri": quick }, "position": { "line": 2, "character": 11 } }),
    );
    assert!(!items["result"].as_array().unwrap().is_empty(), "{items}");
    let answered = c.position(|m| m["id"] == items["id"]).unwrap();
    // The slow snippet's diagnostics come, after all that.
    let slow_diags = c.diagnostics(slow);
    let published = c.position(|m| is_diagnostics_of(m, slow)).unwrap();
    assert!(
        answered < published,
        "the slow check was published (message {published}) before the other document's answers (message {answered})"
    );
    assert!(
        slow_diags.iter().all(|d| d["code"] != "internal_error"),
        "{slow_diags:?}"
    );
    c.request("shutdown", Value::Null);
    c.notify("exit", Value::Null);
    assert_eq!(c.child.wait().unwrap().code(), Some(0));
}

/// Results of a revision that is no longer the document's are dropped:
/// a slow version replaced at once by a quick one is never published, not
/// even when its check ends after the quick one's.
#[test]
fn a_newer_version_drops_the_older_results() {
    let mut c = Client::start(&[]);
    let doc = "file:///tmp/nixunits-lsp/edited.nix";
    let other = "file:///tmp/nixunits-lsp/same-slow.nix";
    c.notify("textDocument/didOpen", json!({ "textDocument": { "uri": doc, "languageId": "nix", "version": 1, "text": slow_snippet() } }));
    c.notify("textDocument/didChange", json!({ "textDocument": { "uri": doc, "version": 2 }, "contentChanges": [ { "text": BROKEN } ] }));
    let m = c.wait(|m| is_diagnostics_of(m, doc));
    assert_eq!(m["params"]["version"], 2, "{m}");
    assert_eq!(m["params"]["diagnostics"][0]["code"], "syntax_error", "{m}");
    // The same slow text, checked after the first began: by the time it
    // is published, the first check (of version 1) has ended too.
    c.notify("textDocument/didOpen", json!({ "textDocument": { "uri": other, "languageId": "nix", "version": 1, "text": slow_snippet() } }));
    let _ = c.diagnostics(other);
    let of_doc: Vec<Value> = c
        .seen
        .borrow()
        .iter()
        .filter(|m| is_diagnostics_of(m, doc))
        .map(|m| m["params"]["version"].clone())
        .collect();
    assert_eq!(of_doc, [json!(2)], "only version 2 is published");
    c.request("shutdown", Value::Null);
    c.notify("exit", Value::Null);
    assert_eq!(c.child.wait().unwrap().code(), Some(0));
}

/// A request that waits for a check (hover needs the current revision
/// evaluated) is cancelled by `$/cancelRequest`, answered with
/// `ContentModified` when the document changes first, and with an error
/// when the server shuts down first; shutdown itself is answered at once,
/// while the slow check runs, and nothing is published after it.
#[test]
fn waiting_requests_are_cancelled_modified_or_shut_down() {
    let mut c = Client::start(&[]);
    let slow = "file:///tmp/nixunits-lsp/waiting.nix";
    c.notify("textDocument/didOpen", json!({ "textDocument": { "uri": slow, "languageId": "nix", "version": 1, "text": slow_snippet() } }));
    let hover = |c: &mut Client| {
        c.send_request(
            "textDocument/hover",
            json!({ "textDocument": { "uri": slow }, "position": { "line": 7, "character": 4 } }),
        )
    };
    let id = hover(&mut c);
    c.notify("$/cancelRequest", json!({ "id": id }));
    let r = c.wait(|m| m["id"] == id);
    assert_eq!(r["error"]["code"], -32800, "{r}");

    let id = hover(&mut c);
    c.notify("textDocument/didChange", json!({ "textDocument": { "uri": slow, "version": 2 }, "contentChanges": [ { "text": slow_snippet() + "\n" } ] }));
    let r = c.wait(|m| m["id"] == id);
    assert_eq!(r["error"]["code"], -32801, "{r}");

    let id = hover(&mut c);
    let r = c.request("shutdown", Value::Null);
    assert!(r.get("error").is_none(), "{r}");
    let waiting = c
        .position(|m| m["id"] == id)
        .expect("answered before shutdown");
    assert_eq!(c.seen.borrow()[waiting]["error"]["code"], -32802);
    // After shutdown: requests are refused, and the checks still running
    // publish nothing.
    let e = c.request(
        "textDocument/completion",
        json!({ "textDocument": { "uri": slow }, "position": { "line": 0, "character": 0 } }),
    );
    assert_eq!(e["error"]["code"], -32600, "{e}");
    c.notify("exit", Value::Null);
    assert_eq!(c.child.wait().unwrap().code(), Some(0));
    while let Ok(m) = c.rx.recv_timeout(Duration::from_secs(5)) {
        c.seen.borrow_mut().push(m);
    }
    assert_eq!(c.position(|m| is_diagnostics_of(m, slow)), None);
}

/// The protocol's rules and a client's mistakes: a request before
/// `initialize` is refused, an id in use by a waiting request is refused,
/// an answer to nothing is dropped, a frame with a bad header or a length
/// too large to read is answered with a parse error, and the requests
/// after them are answered as usual.
#[test]
fn protocol_mistakes_are_answered_and_the_server_goes_on() {
    let mut c = Client::spawn(&[], &[]);
    let e = c.request("textDocument/hover", json!({ "textDocument": { "uri": "file:///x.nix" }, "position": { "line": 0, "character": 0 } }));
    assert_eq!(e["error"]["code"], -32002, "{e}");
    let init = c.request("initialize", json!({ "capabilities": {} }));
    assert!(init.get("result").is_some(), "{init}");
    let again = c.request("initialize", json!({ "capabilities": {} }));
    assert_eq!(again["error"]["code"], -32600, "{again}");

    // Two requests with one id, the first still waiting for the slow check.
    let slow = "file:///tmp/nixunits-lsp/ids.nix";
    c.notify("textDocument/didOpen", json!({ "textDocument": { "uri": slow, "languageId": "nix", "version": 1, "text": slow_snippet() } }));
    let hover = json!({ "jsonrpc": "2.0", "id": "twice", "method": "textDocument/hover", "params": { "textDocument": { "uri": slow }, "position": { "line": 7, "character": 4 } } });
    c.send(&hover);
    c.send(&hover);
    let first = c.wait(|m| m["id"] == "twice");
    assert_eq!(first["error"]["code"], -32600, "{first}");
    // An answer to a request the server never made.
    c.send(&json!({ "jsonrpc": "2.0", "id": 99, "result": null }));

    for bad in [
        "Content-Length: 12\r\nX-Junk\r\n\r\n{\"a\":false}".to_owned(),
        format!("Content-Length: {}\r\n\r\n", u64::MAX),
        "\u{0}\u{1}garbage\r\n\r\n".to_owned(),
    ] {
        c.stdin.write_all(bad.as_bytes()).unwrap();
        let e = c.wait(|m| m.get("error").is_some() && m["id"].is_null());
        assert_eq!(e["error"]["code"], -32700, "{bad:?}: {e}");
        let r = c.request(
            "textDocument/completion",
            json!({ "textDocument": { "uri": slow }, "position": { "line": 0, "character": 0 } }),
        );
        assert!(r["result"].is_array(), "after {bad:?}: {r}");
    }
    // The first hover is still answered, once its evaluation is done.
    let second = c.wait(|m| m["id"] == "twice");
    assert!(second.get("result").is_some(), "{second}");
    c.request("shutdown", Value::Null);
    c.notify("exit", Value::Null);
    assert_eq!(c.child.wait().unwrap().code(), Some(0));
}
