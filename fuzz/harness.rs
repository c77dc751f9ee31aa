#![allow(dead_code)] // each target uses one of the functions
//! What each fuzz target does with one input, shared by the libFuzzer
//! targets (`fuzz_targets/`, `cargo fuzz`) and the seeded run CI makes
//! (`tests/fuzz.rs`, `cargo test`): one definition of the properties.

use nixunits_eval::eval::{Limits, LoadError, Loader};
use nixunits_eval::module::{evaluate, Args};
use nixunits_nixexpr::{check, CheckOptions, NixVersion};
use nixunits_store::{ContainerId, UnitDescription};

/// The parser and every lint (`nixexpr::check`, with and without
/// `--parse-only`, for the two Nix versions that differ most) and rnix's
/// lossless tree take any bytes.
pub fn check_bytes(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    for version in [NixVersion::CURRENT, NixVersion::V2_8] {
        for parse_only in [false, true] {
            let opts = CheckOptions {
                version,
                parse_only,
                pipe_operators: !parse_only,
            };
            let _ = check(&text, &opts);
        }
    }
    let _ = nixunits_nixexpr::tree::parse(&text);
}

/// The files a fuzzed snippet may import: itself (a cycle), a helper, one
/// refused and none else.
struct Files<'a>(&'a str);

impl Loader for Files<'_> {
    fn load(&self, path: &str) -> Result<String, LoadError> {
        match path {
            "/fuzz/snippet.nix" => Ok(self.0.to_owned()),
            "/fuzz/lib.nix" => Ok(
                "{ lib, ... }: { x = lib.mkDefault [ 1 \"a\" ]; y = import ./snippet.nix; }"
                    .to_owned(),
            ),
            "/fuzz/outside.nix" => Err(LoadError::Refused("outside".into())),
            _ => Err(LoadError::Missing("it does not exist".into())),
        }
    }
}

/// The evaluator over a snippet (`module::evaluate`) takes any text, within
/// small bounds (so that a run tries many inputs).
pub fn eval_bytes(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let limits = Limits {
        max_steps: 100_000,
        timeout: Some(std::time::Duration::from_secs(2)),
        max_memory: 32 << 20,
        ..Limits::default()
    };
    let args = Args {
        id: Some("fuzz".to_owned()),
    };
    let _ = evaluate("/fuzz/snippet.nix", &text, &Files(&text), limits, &args);
}

/// The unit description (`unit.json`, `-j`): any bytes parse or fail; a
/// description that validates has a canonical JSON that parses back to
/// itself, systemd-nspawn arguments and a `unit.conf`.
pub fn unit_json_bytes(data: &[u8]) {
    let Ok(unit) = serde_json::from_slice::<UnitDescription>(data) else {
        return;
    };
    let Ok(unit) = unit.normalize() else {
        return;
    };
    let canonical = unit.canonical_json();
    let again: UnitDescription = match serde_json::from_str(&canonical) {
        Ok(u) => u,
        Err(e) => panic!("the canonical JSON {canonical} does not parse: {e}"),
    };
    match again.normalize() {
        Ok(again) => assert_eq!(
            again.canonical_json(),
            canonical,
            "canonical JSON is stable"
        ),
        Err(e) => panic!("the canonical JSON {canonical} does not validate: {e}"),
    }
    let id: ContainerId = match "fuzz-1".parse() {
        Ok(id) => id,
        Err(e) => panic!("{e}"),
    };
    let _ = unit.nspawn_args(&id);
    let _ = unit.conf_text(&id, "/nix/store/00000000000000000000000000000000-system");
    let _ = unit.network.links(&id);
    let _ = unit.parsed_ports();
    let _ = unit.allowed_in();
    let _ = unit.addresses();
}

/// FLEET.toml (`apply`'s first step, `commands::apply::declared`): any
/// bytes are a fleet or a usage error (exit 2) with a message, never
/// another error or a panic; a fleet that reads has a valid name, its
/// containers valid ids, each declared for hosts the file declares, at
/// most once per host.
pub fn fleet_bytes(data: &[u8]) {
    use std::collections::BTreeSet;
    let dir = std::env::temp_dir().join(format!(
        "nixunits-fuzz-fleet-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    let path = dir.join("fleet.toml");
    if let Err(e) = std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&path, data)) {
        panic!("cannot write {}: {e}", path.display());
    }
    match nixunits::commands::apply::declared(&path) {
        Ok(d) => {
            assert!(
                !d.name.is_empty() && d.name.len() <= 64,
                "the fleet's name {:?}",
                d.name
            );
            assert!(!d.hosts.is_empty(), "a fleet without hosts");
            let mut seen = BTreeSet::new();
            for (id, hosts) in &d.containers {
                if let Err(e) = id.parse::<ContainerId>() {
                    panic!("container id {id:?} accepted: {e}");
                }
                assert!(!hosts.is_empty(), "{id} on no host");
                for h in hosts {
                    assert!(d.hosts.contains(h), "{id} on {h}, not declared");
                    assert!(seen.insert((id.clone(), h.clone())), "{id} twice on {h}");
                }
            }
        }
        Err(e) => {
            assert!(
                e.downcast_ref::<nixunits::base::UsageError>().is_some(),
                "not a usage error (exit 2): {e:#}"
            );
            assert!(!e.to_string().trim().is_empty(), "an empty message");
        }
    }
}

/// The options schema of the tests, loaded once.
fn lsp_shared() -> std::sync::Arc<nixunits::lsp::Shared> {
    static SHARED: std::sync::OnceLock<std::sync::Arc<nixunits::lsp::Shared>> =
        std::sync::OnceLock::new();
    SHARED
        .get_or_init(|| {
            let path = concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../eval/test_data/schema/options.json"
            );
            let schema = match nixunits::commands::schema::load(std::path::Path::new(path)) {
                Ok(s) => s,
                Err(e) => panic!("the tests' schema: {e:#}"),
            };
            std::sync::Arc::new(nixunits::lsp::Shared {
                opts: CheckOptions::default(),
                extra: nixunits::commands::check::Extra {
                    eval: true,
                    schema: Some(schema),
                    policy: nixunits_eval::policy::Policy::default_policy().compile(),
                    cwd: None,
                    limits: Limits {
                        max_steps: 100_000,
                        timeout: Some(std::time::Duration::from_secs(2)),
                        max_memory: 32 << 20,
                        ..Limits::default()
                    },
                },
            })
        })
        .clone()
}

/// Snippets a session edits: valid ones with options of the schema,
/// broken ones, non-ASCII text, an import, an evaluation that fails.
const LSP_TEXTS: &[&str] = &[
    "{\n  services.nginx.user = \"héllo 😀\";\n}\n",
    "{\n  # café ≠ coffee, 😀\n  services.nginx.user = \"x\"; x = ;\n}\n",
    "{ config, ... }:\n{\n  environment.systemPackages = [ pkgs.htop ];\n  services.nginx = let\n    unused = 1;\n  in rec { enable = true; };\n}\n",
    "{ lib, ... }: {\n  services = lib.mkIf true {\n    redis.servers.x.po",
    "{\n  services.\"ngi",
    "{ lib, ... }: { imports = [ ./other.nix ]; services.nginx.enable = lib.mkForce (throw \"no\"); }",
    "let x = x; in { a = x; }",
    "{\r\n  a = 1;\r  b = \"\u{0}\";\n}",
    "",
];

/// Bytes taken from the front of the input, zeros once it is used up.
struct Take<'a>(&'a [u8]);

impl Take<'_> {
    fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }

    fn bytes(&mut self, n: usize) -> &[u8] {
        let (a, b) = self.0.split_at(n.min(self.0.len()));
        self.0 = b;
        a
    }

    /// A small number mostly, sometimes one far out of range.
    fn number(&mut self) -> u64 {
        match self.byte() {
            250 => u64::from(u32::MAX),
            251 => 1 << 40,
            252 => u64::MAX,
            b => u64::from(b % 12),
        }
    }
}

fn lsp_frame(stream: &mut Vec<u8>, body: &[u8]) {
    stream.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
    stream.extend_from_slice(body);
}

/// The stream of a session drawn from `data`: initialize (mostly), then
/// opens, changes (whole texts, ranges in and out of the document),
/// closes, hovers, completions, code actions, cancellations, unknown
/// methods, bad parameters, odd and reused ids, answers to nothing,
/// frames of garbage, bad headers, sometimes shutdown; at the end,
/// shutdown and exit or the end of the input.
fn lsp_script(data: &[u8]) -> Vec<u8> {
    use serde_json::{json, Value};
    let mut t = Take(data);
    let mut out = Vec::new();
    let next_id = std::cell::Cell::new(1i64);
    let send = |out: &mut Vec<u8>, v: Value| lsp_frame(out, v.to_string().as_bytes());
    let uri = |k: u8| format!("file:///fuzz/doc{}.nix", k % 3);
    let request = |out: &mut Vec<u8>, method: &str, params: Value| {
        let id = next_id.get();
        next_id.set(id + 1);
        send(
            out,
            json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }),
        );
    };
    // The first byte: whether to initialize, and how to end.
    let first = t.byte();
    if first % 8 != 0 {
        request(
            &mut out,
            "initialize",
            json!({ "capabilities": { "general": { "positionEncodings": if t.byte() % 2 == 0 { json!(["utf-8"]) } else { json!(["utf-16"]) } } } }),
        );
        send(
            &mut out,
            json!({ "jsonrpc": "2.0", "method": "initialized", "params": {} }),
        );
    }
    let mut steps = 0;
    while !t.0.is_empty() && steps < 64 {
        steps += 1;
        let op = t.byte() % 16;
        let k = t.byte();
        let pos = |t: &mut Take<'_>| json!({ "line": t.number(), "character": t.number() });
        let text = |t: &mut Take<'_>| -> String {
            match t.byte() % 4 {
                0 => {
                    let n = usize::from(t.byte());
                    String::from_utf8_lossy(t.bytes(n)).into_owned()
                }
                _ => LSP_TEXTS[usize::from(t.byte()) % LSP_TEXTS.len()].to_owned(),
            }
        };
        match op {
            0 => {
                let text = text(&mut t);
                send(
                    &mut out,
                    json!({ "jsonrpc": "2.0", "method": "textDocument/didOpen", "params": { "textDocument": { "uri": uri(k), "languageId": "nix", "version": t.byte(), "text": text } } }),
                );
            }
            1 => {
                let text = text(&mut t);
                send(
                    &mut out,
                    json!({ "jsonrpc": "2.0", "method": "textDocument/didChange", "params": { "textDocument": { "uri": uri(k), "version": t.byte() }, "contentChanges": [ { "text": text } ] } }),
                );
            }
            2 => {
                let (start, end) = (pos(&mut t), pos(&mut t));
                let n = usize::from(t.byte() % 16);
                let piece = String::from_utf8_lossy(t.bytes(n)).into_owned();
                send(
                    &mut out,
                    json!({ "jsonrpc": "2.0", "method": "textDocument/didChange", "params": { "textDocument": { "uri": uri(k), "version": t.byte() }, "contentChanges": [ { "range": { "start": start, "end": end }, "text": piece } ] } }),
                );
            }
            3 => send(
                &mut out,
                json!({ "jsonrpc": "2.0", "method": "textDocument/didClose", "params": { "textDocument": { "uri": uri(k) } } }),
            ),
            4 => {
                let p = pos(&mut t);
                request(
                    &mut out,
                    "textDocument/hover",
                    json!({ "textDocument": { "uri": uri(k) }, "position": p }),
                );
            }
            5 => {
                let p = pos(&mut t);
                request(
                    &mut out,
                    "textDocument/completion",
                    json!({ "textDocument": { "uri": uri(k) }, "position": p }),
                );
            }
            6 => {
                let (start, end) = (pos(&mut t), pos(&mut t));
                request(
                    &mut out,
                    "textDocument/codeAction",
                    json!({ "textDocument": { "uri": uri(k) }, "range": { "start": start, "end": end }, "context": { "diagnostics": [] } }),
                );
            }
            7 => {
                let id = i64::from(t.byte() % 8) + next_id.get() - 8;
                send(
                    &mut out,
                    json!({ "jsonrpc": "2.0", "method": "$/cancelRequest", "params": { "id": id } }),
                );
            }
            8 => request(
                &mut out,
                [
                    "workspace/symbol",
                    "textDocument/formatting",
                    "$/unknown",
                    "exit",
                ][usize::from(k) % 4],
                json!({}),
            ),
            9 => {
                let bad = [
                    json!(null),
                    json!([]),
                    json!({ "textDocument": 1 }),
                    json!({ "textDocument": { "uri": "not a uri" }, "position": { "line": -1, "character": 0 } }),
                    json!("x"),
                ];
                let method = [
                    "textDocument/hover",
                    "textDocument/codeAction",
                    "textDocument/completion",
                    "textDocument/didOpen",
                    "$/cancelRequest",
                ][usize::from(k) % 5];
                let params = bad[usize::from(t.byte()) % bad.len()].clone();
                if t.byte() % 2 == 0 {
                    request(&mut out, method, params);
                } else {
                    send(
                        &mut out,
                        json!({ "jsonrpc": "2.0", "method": method, "params": params }),
                    );
                }
            }
            10 => {
                let id = [
                    json!("s"),
                    json!(next_id.get() - 1),
                    json!(-5),
                    json!(1i64 << 40),
                    json!(1.5),
                    json!(null),
                    json!([1]),
                ][usize::from(k) % 7]
                    .clone();
                let p = pos(&mut t);
                send(
                    &mut out,
                    json!({ "jsonrpc": "2.0", "id": id, "method": "textDocument/hover", "params": { "textDocument": { "uri": uri(t.byte()) }, "position": p } }),
                );
            }
            11 => {
                let n = usize::from(t.byte());
                let garbage = t.bytes(n).to_vec();
                lsp_frame(&mut out, &garbage);
            }
            12 => {
                let n = usize::from(t.byte() % 32);
                let garbage = t.bytes(n).to_vec();
                out.extend_from_slice(&garbage);
                out.extend_from_slice(b"\r\n");
            }
            13 => send(
                &mut out,
                json!({ "jsonrpc": "2.0", "id": k, "result": { "x": 1 } }),
            ),
            14 if k % 4 == 0 => request(&mut out, "shutdown", json!(null)),
            _ => {
                let method = [
                    "initialized",
                    "workspace/didChangeConfiguration",
                    "$/setTrace",
                    "textDocument/didSave",
                ][usize::from(k) % 4];
                send(
                    &mut out,
                    json!({ "jsonrpc": "2.0", "method": method, "params": {} }),
                );
            }
        }
    }
    if first & 0x40 != 0 {
        request(&mut out, "shutdown", json!(null));
        send(&mut out, json!({ "jsonrpc": "2.0", "method": "exit" }));
    }
    out
}

/// The frames of the server's output.
fn lsp_output(mut out: &[u8]) -> Vec<serde_json::Value> {
    let mut msgs = Vec::new();
    while !out.is_empty() {
        let Some(end) = out.windows(4).position(|w| w == b"\r\n\r\n") else {
            panic!(
                "output without a header end: {:?}",
                String::from_utf8_lossy(out)
            );
        };
        let header = String::from_utf8_lossy(&out[..end]).into_owned();
        let Some(n) = header
            .strip_prefix("Content-Length: ")
            .and_then(|n| n.parse::<usize>().ok())
        else {
            panic!("a bad header in the output: {header:?}");
        };
        let body = &out[end + 4..end + 4 + n];
        match serde_json::from_slice(body) {
            Ok(v) => msgs.push(v),
            Err(e) => panic!(
                "the server wrote something that is not JSON ({e}): {:?}",
                String::from_utf8_lossy(body)
            ),
        }
        out = &out[end + 4 + n..];
    }
    msgs
}

/// A buffer the server writes to while the harness holds it.
#[derive(Clone, Default)]
struct Shared(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self.0.lock() {
            Ok(mut v) => v.extend_from_slice(buf),
            Err(p) => p.into_inner().extend_from_slice(buf),
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// What the language server's sessions reached, over a run: how many
/// answers had each error code (0: a result, 1: a non-empty result), how
/// many diagnostics were published. A run that reaches nothing tests
/// nothing: `tests/fuzz.rs` prints them and checks each path was taken.
pub static LSP_REACHED: std::sync::Mutex<std::collections::BTreeMap<String, usize>> =
    std::sync::Mutex::new(std::collections::BTreeMap::new());

fn reached(what: String) {
    let mut m = match LSP_REACHED.lock() {
        Ok(m) => m,
        Err(p) => p.into_inner(),
    };
    *m.entry(what).or_default() += 1;
}

/// The language server, in process, over a stream drawn from `data`
/// (a session script, or, when `data` starts with a `Content-Length`
/// header, the stream itself): it returns, every request it read before
/// `exit` is answered exactly once, every frame that is not a message is
/// answered with a parse error, nothing is an internal error (a caught
/// panic), and what it writes is framed JSON.
pub fn lsp_bytes(data: &[u8]) {
    use lsp_server::Message;
    use nixunits::lsp::Incoming;
    let stream = if data.len() >= 15 && data[..15].eq_ignore_ascii_case(b"content-length:") {
        data.to_vec()
    } else {
        lsp_script(data)
    };
    let incoming = nixunits::lsp::read_all(&stream[..]);
    // What the server must answer: the requests before `exit`, the frames
    // that are not messages.
    let mut requests: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut malformed = 0;
    for i in &incoming {
        match i {
            Incoming::Message(Message::Request(r)) => {
                *requests
                    .entry(serde_json::json!(r.id).to_string())
                    .or_default() += 1;
            }
            Incoming::Message(Message::Notification(n)) if n.method == "exit" => break,
            Incoming::Malformed(_) => malformed += 1,
            Incoming::Message(_) => {}
        }
    }
    let out = Shared::default();
    let config = nixunits::lsp::Config {
        shared: lsp_shared(),
        workers: 2,
        log: false,
    };
    let code = match nixunits::lsp::serve_frames(incoming, out.clone(), config) {
        Ok(c) => c,
        Err(e) => panic!("the server failed: {e:#}"),
    };
    assert!(code == 0 || code == 1, "exit code {code}");
    let written = match out.0.lock() {
        Ok(v) => v.clone(),
        Err(p) => p.into_inner().clone(),
    };
    let mut answers: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut parse_errors = 0;
    for m in lsp_output(&written) {
        if m.get("method").is_some() {
            if m["method"] == "textDocument/publishDiagnostics" {
                let ds = m["params"]["diagnostics"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
                reached(format!(
                    "diagnostics {}",
                    if ds.is_empty() { "none" } else { "some" }
                ));
                assert!(
                    ds.iter().all(|d| d["code"] != "internal_error"),
                    "an internal error: {m}"
                );
            }
            continue;
        }
        let error = m.get("error");
        assert!(
            m.get("result").is_some() != error.is_some(),
            "an answer with neither or both of result and error: {m}"
        );
        if let Some(e) = error {
            assert_ne!(e["code"], -32603, "an internal error: {m}");
            reached(format!("error {}", e["code"]));
        } else {
            let r = &m["result"];
            let empty = r.is_null() || r.as_array().is_some_and(Vec::is_empty);
            reached(format!("result {}", if empty { "empty" } else { "some" }));
        }
        if m["id"].is_null() {
            assert_eq!(m["error"]["code"], -32700, "{m}");
            parse_errors += 1;
        } else {
            *answers.entry(m["id"].to_string()).or_default() += 1;
        }
    }
    assert_eq!(
        parse_errors, malformed,
        "frames that are not messages and their answers"
    );
    assert_eq!(answers, requests, "requests and their answers, by id");
}
