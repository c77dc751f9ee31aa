//! `nixunits lsp`: a language server over stdio, for snippets being
//! written. It publishes the `check` diagnostics (syntax, Nix parity,
//! scope, module shape, schema, policy) on open and on every change, clears
//! them on close, answers hover on an option definition (type and
//! description from the schema) and completes option names under a typed
//! prefix.
//!
//! The framing is read here rather than by `lsp-server`, whose reader stops
//! at the first malformed message: a client that sends bad JSON gets a
//! JSON-RPC error and the server goes on. The message types are
//! `lsp-types`'.

use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::path::PathBuf;

use anyhow::{Context, Result};
use lsp_types as lsp;
use nixunits_nixexpr::{CheckOptions, Diagnostic, LineIndex, Severity, TextSize};
use serde_json::{json, Value};

use crate::base::bug::{guard, internal_error};
use crate::base::term::message_with_notes;
use crate::commands::check::{check_text, Extra};
use crate::commands::eval;

/// Where positions count in: UTF-16 code units (the default) or bytes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Utf16,
    Utf8,
}

struct Server {
    docs: HashMap<String, String>,
    encoding: Encoding,
    opts: CheckOptions,
    extra: Extra,
    shutdown: bool,
}

/// Reads one framed message: `Ok(None)` at the end of input, `Err` with the
/// raw body when it is not JSON.
fn read_message(input: &mut impl BufRead) -> Result<Option<std::result::Result<Value, String>>> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if input.read_line(&mut line)? == 0 {
            return Ok(None);
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                length = v.trim().parse::<usize>().ok();
            }
        }
    }
    let Some(n) = length else {
        return Ok(Some(Err("missing Content-Length".into())));
    };
    if n > 64 << 20 {
        return Ok(Some(Err(format!("a message of {n} bytes"))));
    }
    let mut body = vec![0; n];
    input.read_exact(&mut body)?;
    Ok(Some(
        serde_json::from_slice(&body).map_err(|e| e.to_string()),
    ))
}

fn write_message(out: &mut impl Write, v: &Value) -> Result<()> {
    let body = serde_json::to_string(v)?;
    write!(out, "Content-Length: {}\r\n\r\n{body}", body.len())?;
    out.flush()?;
    Ok(())
}

fn error(id: Value, code: i64, message: impl Into<String>) -> Value {
    json!({ "jsonrpc": "2.0", "id": id, "error": { "code": code, "message": message.into() } })
}

/// The `file://` URI of an absolute path, percent-encoded (all but
/// unreserved characters and `/`).
fn file_uri(p: &std::path::Path) -> String {
    let mut out = String::from("file://");
    for &b in p.as_os_str().as_encoded_bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The file path of a `file://` URI, percent-decoded.
fn path_of(uri: &str) -> PathBuf {
    let raw = uri.strip_prefix("file://").unwrap_or(uri).as_bytes();
    let hex = |i: usize| raw.get(i).and_then(|&c| char::from(c).to_digit(16));
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if let (b'%', Some(h), Some(l)) = (raw[i], hex(i + 1), hex(i + 2)) {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(raw[i]);
            i += 1;
        }
    }
    PathBuf::from(String::from_utf8_lossy(&out).into_owned())
}

impl Server {
    fn position(&self, text: &str, idx: &LineIndex, offset: TextSize) -> lsp::Position {
        let (line, start) = idx.line_of(offset);
        let end = (u32::from(offset) as usize).min(text.len());
        let seg = text.get(start as usize..end).unwrap_or_default();
        let character = match self.encoding {
            Encoding::Utf8 => seg.len(),
            Encoding::Utf16 => seg.encode_utf16().count(),
        };
        lsp::Position {
            line: line as u32,
            character: character as u32,
        }
    }

    fn offset(&self, text: &str, pos: lsp::Position) -> usize {
        let mut start = 0;
        for _ in 0..pos.line {
            match text[start..].find('\n') {
                Some(i) => start += i + 1,
                None => return text.len(),
            }
        }
        let line = &text[start..text[start..].find('\n').map_or(text.len(), |i| start + i)];
        let mut units = 0usize;
        for (i, c) in line.char_indices() {
            if units >= pos.character as usize {
                return start + i;
            }
            units += match self.encoding {
                Encoding::Utf8 => c.len_utf8(),
                Encoding::Utf16 => c.len_utf16(),
            };
        }
        start + line.len()
    }

    fn diagnostics(&self, uri: &str, text: &str) -> Vec<lsp::Diagnostic> {
        let checked = check_text(text, &path_of(uri), &self.opts, &self.extra);
        let idx = LineIndex::new(text);
        let range_in = |idx: &LineIndex, text: &str, start: TextSize, end: TextSize| lsp::Range {
            start: self.position(text, idx, start),
            end: self.position(text, idx, end),
        };
        let severity = |d: &Diagnostic| match d.severity {
            Severity::Error => lsp::DiagnosticSeverity::ERROR,
            Severity::Warning => lsp::DiagnosticSeverity::WARNING,
            Severity::Info => lsp::DiagnosticSeverity::INFORMATION,
        };
        let mut out: Vec<lsp::Diagnostic> = checked
            .main
            .iter()
            .map(|d| lsp::Diagnostic {
                range: range_in(&idx, text, d.range.start(), d.range.end()),
                severity: Some(severity(d)),
                code: Some(lsp::NumberOrString::String(d.code.to_owned())),
                source: Some("nixunits".to_owned()),
                message: message_with_notes(d),
                ..Default::default()
            })
            .collect();
        // A finding in an imported file is shown where this document
        // imports it, with the place in that file as related information.
        for i in &checked.imported {
            let Some((_, site)) = i.chain.first() else {
                continue;
            };
            let their = LineIndex::new(&i.text);
            let target = self.uri_of(&i.name);
            for d in &i.diagnostics {
                let at = their.line_col(&i.text, d.range.start());
                out.push(lsp::Diagnostic {
                    range: range_in(&idx, text, TextSize::from(site[0]), TextSize::from(site[1])),
                    severity: Some(severity(d)),
                    code: Some(lsp::NumberOrString::String(d.code.to_owned())),
                    source: Some("nixunits".to_owned()),
                    message: format!(
                        "{}:{}:{}: {}",
                        i.name,
                        at.line,
                        at.col,
                        message_with_notes(d)
                    ),
                    related_information: target.clone().map(|uri| {
                        vec![lsp::DiagnosticRelatedInformation {
                            location: lsp::Location {
                                uri,
                                range: range_in(&their, &i.text, d.range.start(), d.range.end()),
                            },
                            message: d.message.clone(),
                        }]
                    }),
                    ..Default::default()
                });
            }
        }
        out
    }

    /// The URI of a file the evaluation named (relative to the working
    /// directory, or absolute).
    fn uri_of(&self, name: &str) -> Option<lsp::Uri> {
        let p = std::path::Path::new(name);
        let abs = if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.extra.cwd.as_ref()?.join(p)
        };
        file_uri(&abs).parse().ok()
    }

    fn publish(
        &self,
        out: &mut impl Write,
        uri: &str,
        diagnostics: Vec<lsp::Diagnostic>,
    ) -> Result<()> {
        let params = json!({ "uri": uri, "diagnostics": diagnostics });
        write_message(
            out,
            &json!({ "jsonrpc": "2.0", "method": "textDocument/publishDiagnostics", "params": params }),
        )
    }

    fn initialize(&mut self, params: &Value) -> Value {
        let offered: Vec<String> = params
            .pointer("/capabilities/general/positionEncodings")
            .and_then(|v| serde_json::from_value(v.clone()).ok())
            .unwrap_or_default();
        self.encoding = if offered.iter().any(|e| e == "utf-8") {
            Encoding::Utf8
        } else {
            Encoding::Utf16
        };
        let caps = lsp::ServerCapabilities {
            position_encoding: Some(if self.encoding == Encoding::Utf8 {
                lsp::PositionEncodingKind::UTF8
            } else {
                lsp::PositionEncodingKind::UTF16
            }),
            text_document_sync: Some(lsp::TextDocumentSyncCapability::Kind(
                lsp::TextDocumentSyncKind::FULL,
            )),
            hover_provider: Some(lsp::HoverProviderCapability::Simple(true)),
            completion_provider: Some(lsp::CompletionOptions {
                trigger_characters: Some(vec![".".to_owned()]),
                ..Default::default()
            }),
            code_action_provider: Some(lsp::CodeActionProviderCapability::Simple(true)),
            ..Default::default()
        };
        json!({ "capabilities": caps, "serverInfo": { "name": "nixunits", "version": env!("CARGO_PKG_VERSION") } })
    }

    fn doc_at(&self, params: &Value) -> Option<(String, lsp::Position)> {
        let uri = params.pointer("/textDocument/uri")?.as_str()?.to_owned();
        let pos: lsp::Position = serde_json::from_value(params.get("position")?.clone()).ok()?;
        Some((uri, pos))
    }

    fn hover(&self, params: &Value) -> Option<Value> {
        let (uri, pos) = self.doc_at(params)?;
        let text = self.docs.get(&uri)?;
        let offset = self.offset(text, pos) as u32;
        let (e, main) = eval::evaluate_file(
            &path_of(&uri),
            text,
            None,
            self.extra.cwd.as_deref(),
            self.extra.limits,
        );
        let d = e
            .definitions
            .iter()
            .find(|d| d.file == main && d.range[0] <= offset && offset <= d.range[1])?;
        let path = nixunits_eval::module::show_path(&d.path);
        let mut md = format!("**{path}**");
        match &self.extra.schema {
            Some(s) => match s.lookup(&d.path) {
                nixunits_eval::schema::Lookup::Option(info, _, depth) if !info.loc.is_empty() => {
                    let opt = nixunits_eval::module::show_path(&d.path[..depth]);
                    md = format!(
                        "**{opt}** — `{}`{}\n\n{}",
                        info.ty,
                        if info.read_only { " (read-only)" } else { "" },
                        info.description
                    );
                }
                nixunits_eval::schema::Lookup::Option(info, ..)
                    if info.renamed_to.is_some() || info.removed.is_some() =>
                {
                    if let Some(to) = &info.renamed_to {
                        md.push_str(&format!(
                            "\n\nrenamed to **{to}** (NixOS takes the old name with a warning)"
                        ));
                    }
                    if let Some(why) = &info.removed {
                        md.push_str(&format!("\n\nremoved from NixOS: {why}"));
                    }
                }
                _ => md.push_str("\n\nnot an option of the loaded schema"),
            },
            None => md.push_str("\n\nno schema loaded (`nixunits schema import|generate`)"),
        }
        if let Some(v) = &d.value {
            md.push_str(&format!("\n\nvalue here: `{v}`"));
        }
        let idx = LineIndex::new(text);
        let range = lsp::Range {
            start: self.position(text, &idx, TextSize::from(d.range[0])),
            end: self.position(text, &idx, TextSize::from(d.range[1])),
        };
        let hover = lsp::Hover {
            contents: lsp::HoverContents::Markup(lsp::MarkupContent {
                kind: lsp::MarkupKind::Markdown,
                value: md,
            }),
            range: Some(range),
        };
        serde_json::to_value(hover).ok()
    }

    /// The fixes of the findings in the requested range (quick fixes: add
    /// a missing module argument, remove an unused binding, drop a
    /// redundant `rec`).
    fn code_actions(&self, params: &Value) -> Value {
        let Some(uri) = params.pointer("/textDocument/uri").and_then(Value::as_str) else {
            return json!([]);
        };
        let Some(text) = self.docs.get(uri) else {
            return json!([]);
        };
        let want: Option<lsp::Range> = params
            .get("range")
            .and_then(|r| serde_json::from_value(r.clone()).ok());
        let checked = check_text(text, &path_of(uri), &self.opts, &self.extra);
        let idx = LineIndex::new(text);
        let range_of = |r: nixunits_nixexpr::TextRange| lsp::Range {
            start: self.position(text, &idx, r.start()),
            end: self.position(text, &idx, r.end()),
        };
        let overlaps = |r: &lsp::Range| want.is_none_or(|w| !(r.end < w.start || w.end < r.start));
        let Ok(url) = uri.parse::<lsp::Uri>() else {
            return json!([]);
        };
        let actions: Vec<lsp::CodeAction> = checked
            .main
            .iter()
            .filter_map(|d| {
                let fix = d.fix.as_ref()?;
                let at = range_of(d.range);
                if !overlaps(&at) {
                    return None;
                }
                let edits = fix
                    .edits
                    .iter()
                    .map(|e| lsp::TextEdit {
                        range: range_of(e.range),
                        new_text: e.text.clone(),
                    })
                    .collect();
                Some(lsp::CodeAction {
                    title: fix.title.clone(),
                    kind: Some(lsp::CodeActionKind::QUICKFIX),
                    diagnostics: Some(vec![lsp::Diagnostic {
                        range: at,
                        code: Some(lsp::NumberOrString::String(d.code.to_owned())),
                        source: Some("nixunits".to_owned()),
                        message: message_with_notes(d),
                        ..Default::default()
                    }]),
                    edit: Some(lsp::WorkspaceEdit {
                        changes: Some(std::iter::once((url.clone(), edits)).collect()),
                        ..Default::default()
                    }),
                    is_preferred: Some(true),
                    ..Default::default()
                })
            })
            .collect();
        serde_json::to_value(actions).unwrap_or_else(|_| json!([]))
    }

    fn completion(&self, params: &Value) -> Value {
        let Some((uri, pos)) = self.doc_at(params) else {
            return json!([]);
        };
        let (Some(text), Some(schema)) = (self.docs.get(&uri), &self.extra.schema) else {
            return json!([]);
        };
        let offset = self.offset(text, pos);
        let (parts, partial) = completion_context(&text[..offset]);
        let items: Vec<lsp::CompletionItem> = schema
            .children(&parts)
            .into_iter()
            .filter(|(name, _)| name.starts_with(&partial))
            .map(|(name, info)| lsp::CompletionItem {
                kind: Some(if info.is_some() {
                    lsp::CompletionItemKind::PROPERTY
                } else {
                    lsp::CompletionItemKind::MODULE
                }),
                detail: info.map(|i| i.ty.clone()),
                documentation: info.map(|i| lsp::Documentation::String(i.description.clone())),
                label: name,
                ..Default::default()
            })
            .collect();
        serde_json::to_value(items).unwrap_or_else(|_| json!([]))
    }

    /// Handles one message; `Some(code)` when the server should exit.
    fn handle(&mut self, msg: Value, out: &mut impl Write) -> Result<Option<i32>> {
        let id = msg.get("id").cloned();
        let Some(method) = msg.get("method").and_then(Value::as_str).map(str::to_owned) else {
            if let Some(id) = id {
                write_message(out, &error(id, -32600, "not a request: no method"))?;
            }
            return Ok(None);
        };
        let params = msg.get("params").cloned();
        let need = |p: &Option<Value>| p.clone().filter(|v| !v.is_null());
        match (method.as_str(), id) {
            ("initialize", Some(id)) => {
                let result = self.initialize(&params.unwrap_or(Value::Null));
                write_message(
                    out,
                    &json!({ "jsonrpc": "2.0", "id": id, "result": result }),
                )?;
            }
            ("shutdown", Some(id)) => {
                self.shutdown = true;
                write_message(out, &json!({ "jsonrpc": "2.0", "id": id, "result": null }))?;
            }
            (
                m @ ("textDocument/hover" | "textDocument/codeAction" | "textDocument/completion"),
                Some(id),
            ) => {
                let reply = match need(&params) {
                    Some(p) => {
                        let result = match m {
                            "textDocument/hover" => self.hover(&p).unwrap_or(Value::Null),
                            "textDocument/codeAction" => self.code_actions(&p),
                            _ => self.completion(&p),
                        };
                        json!({ "jsonrpc": "2.0", "id": id, "result": result })
                    }
                    None => error(id, -32602, format!("{m} needs params")),
                };
                write_message(out, &reply)?;
            }
            (m, Some(id)) => write_message(out, &error(id, -32601, format!("unknown method {m}")))?,
            ("exit", None) => return Ok(Some(if self.shutdown { 0 } else { 1 })),
            ("textDocument/didOpen", None) => {
                if let Some(p) = need(&params)
                    .and_then(|p| serde_json::from_value::<lsp::DidOpenTextDocumentParams>(p).ok())
                {
                    let uri = p.text_document.uri.to_string();
                    let d = self.diagnostics(&uri, &p.text_document.text);
                    self.docs.insert(uri.clone(), p.text_document.text);
                    self.publish(out, &uri, d)?;
                }
            }
            ("textDocument/didChange", None) => {
                if let Some(p) = need(&params).and_then(|p| {
                    serde_json::from_value::<lsp::DidChangeTextDocumentParams>(p).ok()
                }) {
                    let uri = p.text_document.uri.to_string();
                    // Full synchronisation: the last change is the text.
                    if let Some(c) = p.content_changes.into_iter().last() {
                        let d = self.diagnostics(&uri, &c.text);
                        self.docs.insert(uri.clone(), c.text);
                        self.publish(out, &uri, d)?;
                    }
                }
            }
            ("textDocument/didClose", None) => {
                if let Some(uri) = params
                    .as_ref()
                    .and_then(|p| p.pointer("/textDocument/uri"))
                    .and_then(Value::as_str)
                {
                    self.docs.remove(uri);
                    self.publish(out, uri, Vec::new())?;
                }
            }
            _ => {} // other notifications: nothing to do
        }
        Ok(None)
    }
}

/// Serves on standard input and output until `exit`.
pub fn run(extra: Extra, opts: CheckOptions) -> Result<i32> {
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut server = Server {
        docs: HashMap::new(),
        encoding: Encoding::Utf16,
        opts,
        extra,
        shutdown: false,
    };
    loop {
        match read_message(&mut input).context("reading a message")? {
            None => return Ok(if server.shutdown { 0 } else { 1 }),
            Some(Err(why)) => write_message(
                &mut out,
                &error(Value::Null, -32700, format!("parse error: {why}")),
            )?,
            Some(Ok(msg)) => {
                // A bug met while handling one message fails that message
                // (a request gets an error), not the server.
                let id = msg.get("id").cloned();
                let method = msg.get("method").and_then(Value::as_str).map(str::to_owned);
                match guard(|| server.handle(msg, &mut out)) {
                    Ok(handled) => {
                        if let Some(code) = handled? {
                            return Ok(code);
                        }
                    }
                    Err(why) => {
                        let what = method.unwrap_or_else(|| "a message".to_owned());
                        let d = internal_error(&format!("handling {what}"), &why);
                        match id {
                            Some(id) => {
                                write_message(&mut out, &error(id, -32603, message_with_notes(&d)))?
                            }
                            None => {
                                #[allow(clippy::print_stderr)]
                                {
                                    eprintln!("nixunits lsp: {}", d.message);
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{file_uri, path_of};
    use std::path::Path;

    #[test]
    fn file_uris_become_paths() {
        assert_eq!(path_of("file:///srv/a%20b.nix"), Path::new("/srv/a b.nix"));
        for p in ["/srv/a b.nix", "/srv/été/%x.nix", "/a/b-c_d~e.nix"] {
            assert_eq!(path_of(&file_uri(Path::new(p))), Path::new(p));
        }
        assert_eq!(
            path_of("file:///srv/%C3%A9t%C3%A9.nix"),
            Path::new("/srv/été.nix")
        );
        // Not an escape: kept as written, never a panic.
        assert_eq!(path_of("file:///srv/%é.nix"), Path::new("/srv/%é.nix"));
        assert_eq!(path_of("file:///srv/%aé.nix"), Path::new("/srv/%aé.nix"));
        assert_eq!(path_of("file:///srv/%+f%2"), Path::new("/srv/%+f%2"));
    }
}

/// The attribute path being typed at the end of `before`, and its last,
/// partial name: the dotted path of the token (quoted names unquoted:
/// `services."ngi`), after the paths of the attribute sets it is inside
/// (`services = { nginx.virtualHosts = { x = { forc`). A set that is a
/// function's body (`{ … }: {`) is the top; `mkIf c {`, `[ {`, `( {` are
/// looked through, to the binding they are the value of.
pub fn completion_context(before: &str) -> (Vec<String>, String) {
    let b = before.as_bytes();
    let path_char = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'\'' | b'.');
    // Back over a dotted path with quoted names; returns where it starts.
    let path_start = |mut i: usize| -> usize {
        while i > 0 {
            let c = b[i - 1];
            if path_char(c) {
                i -= 1;
            } else if c == b'"' {
                // The opening quote of this name.
                match before[..i - 1].rfind('"') {
                    Some(q) => i = q,
                    None => break,
                }
            } else {
                break;
            }
        }
        i
    };
    // An unfinished quoted name: `services."ngi`.
    let unclosed_quote = before.bytes().filter(|c| *c == b'"').count() % 2 == 1;
    let token_start = if unclosed_quote {
        let q = before.rfind('"').unwrap_or(0);
        path_start(q)
    } else {
        path_start(b.len())
    };
    let token = &before[token_start..];
    let mut parts = nixunits_eval::schema::split_name(token);
    let partial = parts.pop().unwrap_or_default();
    // Outward through the enclosing sets: an unmatched `{` right after
    // `PATH =` adds PATH; after `:` it is a function's body, the top; after
    // anything else (`mkIf c {`, `[ {`), the `=` of the binding it is in
    // decides, found further back.
    let mut outer: Vec<Vec<String>> = Vec::new();
    let mut i = token_start;
    let mut depth = 0usize;
    let mut in_value = false;
    let binding_path = |eq: usize| -> (usize, Vec<String>) {
        let mut k = eq;
        while k > 0 && b[k - 1].is_ascii_whitespace() {
            k -= 1;
        }
        let start = path_start(k);
        (start, nixunits_eval::schema::split_name(&before[start..k]))
    };
    while i > 0 {
        i -= 1;
        match b[i] {
            b'"' => {
                if let Some(q) = before[..i].rfind('"') {
                    i = q;
                }
            }
            b'}' | b']' | b')' => depth += 1,
            b'{' | b'[' | b'(' if depth > 0 => depth -= 1,
            b';' if depth == 0 => in_value = false,
            b'=' if depth == 0
                && in_value
                && !matches!(
                    i.checked_sub(1).map(|k| b[k]),
                    Some(b'=' | b'!' | b'<' | b'>')
                )
                && b.get(i + 1) != Some(&b'=') =>
            {
                let (start, p) = binding_path(i);
                outer.push(p);
                i = start;
                in_value = false;
            }
            b'{' | b'[' | b'(' => {
                let mut j = i;
                while j > 0 && b[j - 1].is_ascii_whitespace() {
                    j -= 1;
                }
                match j.checked_sub(1).map(|k| b[k]) {
                    Some(b'=') if b[i] == b'{' => {
                        let (start, p) = binding_path(j - 1);
                        outer.push(p);
                        i = start;
                        in_value = false;
                    }
                    Some(b':') | None if b[i] == b'{' => break,
                    _ => in_value = true,
                }
            }
            _ => {}
        }
    }
    let mut path: Vec<String> = outer.into_iter().rev().flatten().collect();
    path.extend(parts);
    path.retain(|p| !p.is_empty());
    (path, partial)
}

#[cfg(test)]
mod completion_tests {
    use super::completion_context;

    #[test]
    fn completion_follows_nested_sets_and_quotes() {
        let cases = [
            ("{\n  services.ngi", (vec!["services"], "ngi")),
            (
                "{ config, ... }: {\n  services = {\n    ngi",
                (vec!["services"], "ngi"),
            ),
            (
                "{ services = { nginx.virtualHosts = { x = { forc",
                (vec!["services", "nginx", "virtualHosts", "x"], "forc"),
            ),
            (
                "{ services = { nginx = { enable = true; }; redis.",
                (vec!["services", "redis"], ""),
            ),
            (
                "{ lib, ... }: { services = lib.mkIf true { ngi",
                (vec!["services"], "ngi"),
            ),
            ("{ services.\"ngi", (vec!["services"], "ngi")),
            (
                "{ environment.etc.\"a.conf\".te",
                (vec!["environment", "etc", "a.conf"], "te"),
            ),
            ("{ x = \"}{\"; services = { ngi", (vec!["services"], "ngi")),
        ];
        for (text, (path, partial)) in cases {
            let (p, q) = completion_context(text);
            assert_eq!(
                (p.iter().map(String::as_str).collect::<Vec<_>>(), q.as_str()),
                (path, partial),
                "{text:?}"
            );
        }
    }
}
