//! `nixunits lsp`: a language server over stdio, for snippets being
//! written. It publishes the `check` diagnostics (syntax, Nix parity,
//! scope, module shape, schema, policy) on open and on every change, clears
//! them on close, answers hover on an option definition (type and
//! description from the schema), completes option names under a typed
//! prefix and offers the findings' quick fixes.
//!
//! The messages come and go through `lsp-server` (`transport.rs`), typed
//! by `lsp-types`; this is the loop between them. It never waits for a
//! check: checks and hover's evaluation run on worker threads
//! (`pool.rs`), and the loop answers from the last results meanwhile.
//! Each document has a revision, new at every open and change; a result
//! for a revision that is no longer the document's is dropped. A hover or
//! code action that needs the current revision's results waits for them
//! (as a pending request, which `$/cancelRequest` cancels, and which a
//! newer change answers with `ContentModified`); completion needs only the
//! text and the schema, and is answered at once.
//!
//! Every request gets one answer, whatever it holds: an unknown method,
//! bad parameters, an id already in use, a request before `initialize` or
//! after `shutdown` are errors; a bug met while handling one (a panic) is
//! an `internal_error` answer and a line on standard error, and the
//! server goes on.

use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::sync::mpsc::{channel, Sender};
use std::sync::Arc;

use anyhow::{anyhow, Context, Result};
use lsp_server::{ErrorCode, ExtractError, Message, Notification, Request, RequestId, Response};
use lsp_types as lsp;
use lsp_types::notification::Notification as _;
use lsp_types::request::Request as _;
use nixunits_eval::module::Definition;
use nixunits_nixexpr::{Diagnostic, LineIndex, TextSize};
use serde_json::{json, Value};

use super::pool::{Done, Job, Kind, Outcome, Pool, Shared};
use super::position::Encoding;
use super::transport::{self, Incoming, Outgoing};
use crate::base::bug::{guard, internal_error};
use crate::base::term::message_with_notes;

/// How a server is set up.
pub struct Config {
    /// What every check needs (options, schema, policy, bounds).
    pub shared: Arc<Shared>,
    /// Worker threads for checks.
    pub workers: usize,
    /// Write what the server drops or fails on to standard error.
    pub log: bool,
}

impl Config {
    /// The default number of workers: the machine's parallelism, at
    /// least 2 (one file that takes its whole evaluation budget never
    /// holds up the others) and at most 4 (each may hold an evaluation's
    /// memory budget).
    pub fn default_workers() -> usize {
        std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 4))
    }
}

/// What the loop waits for.
enum Event {
    /// A frame from the client.
    Incoming(Incoming),
    /// The end of the input; why, when reading failed.
    End(Option<String>),
    /// A worker's result.
    Done(Done),
}

/// Where the server is in the protocol's life.
#[derive(PartialEq, Eq, Clone, Copy)]
enum Phase {
    Uninitialized,
    Running,
    ShutDown,
}

/// An open document.
struct Doc {
    uri: lsp::Uri,
    /// The client's version, given back with its diagnostics.
    version: i32,
    /// Ours: new at every open and change, never reused.
    rev: u64,
    text: Arc<str>,
    /// The findings of this revision's check, once done.
    checked: Option<Arc<Vec<Diagnostic>>>,
    /// This revision's definitions, once evaluated (or the bug met).
    defs: Option<std::result::Result<Arc<Vec<Definition>>, String>>,
    /// Whether an evaluation of this revision is queued or running.
    evaluating: bool,
}

/// What a pending request waits for.
enum Wait {
    Hover(lsp::Position),
    CodeAction(lsp::CodeActionParams),
}

/// A request waiting for a worker's result.
struct Pending {
    id: RequestId,
    method: &'static str,
    uri: String,
    rev: u64,
    wait: Wait,
}

struct Server {
    phase: Phase,
    encoding: Encoding,
    shared: Arc<Shared>,
    docs: HashMap<String, Doc>,
    pending: Vec<Pending>,
    pool: Pool,
    /// Jobs queued or running (each gives one `Done`).
    jobs: usize,
    out: Sender<Outgoing>,
    next_rev: u64,
    log: bool,
}

/// What handling a request gives.
enum Reply {
    /// The answer.
    Now(Response),
    /// It waits for a result (it is in `pending`).
    Later,
}

fn error(id: RequestId, code: ErrorCode, message: impl Into<String>) -> Response {
    Response::new_err(id, code as i32, message.into())
}

fn ok(id: RequestId, result: impl serde::Serialize) -> Response {
    match serde_json::to_value(result) {
        Ok(v) => Response::new_ok(id, v),
        Err(e) => error(
            id,
            ErrorCode::InternalError,
            format!("writing the answer: {e}"),
        ),
    }
}

fn invalid_params(id: RequestId, e: ExtractError<Request>) -> Response {
    let why = match e {
        ExtractError::JsonError { method, error } => format!("{method}: {error}"),
        ExtractError::MethodMismatch(r) => format!("unexpected method {}", r.method),
    };
    error(id, ErrorCode::InvalidParams, why)
}

impl Server {
    fn log(&self, what: &str) {
        if self.log {
            #[allow(clippy::print_stderr)]
            {
                eprintln!("nixunits lsp: {what}");
            }
        }
    }

    fn send(&self, m: impl Into<Message>) -> Result<()> {
        self.out
            .send(Outgoing::Message(m.into()))
            .map_err(|_| anyhow!("the output is closed"))
    }

    fn publish(
        &self,
        uri: lsp::Uri,
        version: Option<i32>,
        diagnostics: Vec<lsp::Diagnostic>,
    ) -> Result<()> {
        let params = lsp::PublishDiagnosticsParams {
            uri,
            diagnostics,
            version,
        };
        self.send(Notification::new(
            lsp::notification::PublishDiagnostics::METHOD.to_owned(),
            params,
        ))
    }

    fn push(&mut self, job: Job) {
        self.jobs += 1;
        self.pool.push(job);
    }

    fn forget(&mut self, uri: &str) {
        self.jobs -= self.pool.forget(uri);
    }

    /// Answers every pending request that can no longer be answered
    /// (the server shuts down or exits) with `ServerCancelled`.
    fn cancel_all(&mut self, why: &str) -> Result<()> {
        for p in std::mem::take(&mut self.pending) {
            self.send(error(p.id, ErrorCode::ServerCancelled, why))?;
        }
        Ok(())
    }

    /// A new revision of `uri` (opened or changed): its results and
    /// queued jobs are dropped, its pending requests answered with
    /// `ContentModified`, and a check queued.
    fn revise(&mut self, uri: lsp::Uri, version: i32, text: String) -> Result<()> {
        let key = uri.to_string();
        self.next_rev += 1;
        let rev = self.next_rev;
        let text: Arc<str> = text.into();
        self.forget(&key);
        self.modified(&key)?;
        self.docs.insert(
            key.clone(),
            Doc {
                uri,
                version,
                rev,
                text: text.clone(),
                checked: None,
                defs: None,
                evaluating: false,
            },
        );
        self.push(Job {
            uri: key,
            rev,
            text,
            kind: Kind::Check,
            encoding: self.encoding,
        });
        Ok(())
    }

    /// Answers the requests waiting on `uri` with `ContentModified`.
    fn modified(&mut self, uri: &str) -> Result<()> {
        let (stale, keep): (Vec<_>, Vec<_>) = std::mem::take(&mut self.pending)
            .into_iter()
            .partition(|p| p.uri == uri);
        self.pending = keep;
        for p in stale {
            self.send(error(
                p.id,
                ErrorCode::ContentModified,
                "the document changed before the answer was ready",
            ))?;
        }
        Ok(())
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

    /// One request: its answer, or `Later`.
    fn on_request(&mut self, req: Request) -> Result<Reply> {
        use lsp::request::{CodeActionRequest, Completion, HoverRequest, Initialize, Shutdown};
        let id = req.id.clone();
        match self.phase {
            Phase::Uninitialized if req.method != Initialize::METHOD => {
                return Ok(Reply::Now(error(
                    id,
                    ErrorCode::ServerNotInitialized,
                    format!("{} before initialize", req.method),
                )));
            }
            Phase::ShutDown => {
                return Ok(Reply::Now(error(
                    id,
                    ErrorCode::InvalidRequest,
                    format!("{} after shutdown", req.method),
                )));
            }
            _ => {}
        }
        if self.pending.iter().any(|p| p.id == id) {
            return Ok(Reply::Now(error(
                id,
                ErrorCode::InvalidRequest,
                format!(
                    "the id {} is already in use by a request not yet answered",
                    req.id
                ),
            )));
        }
        Ok(match req.method.as_str() {
            Initialize::METHOD if self.phase == Phase::Uninitialized => {
                let result = self.initialize(&req.params);
                self.phase = Phase::Running;
                Reply::Now(Response::new_ok(id, result))
            }
            Initialize::METHOD => Reply::Now(error(
                id,
                ErrorCode::InvalidRequest,
                "initialize was already received",
            )),
            Shutdown::METHOD => {
                self.cancel_all("the server shuts down")?;
                self.phase = Phase::ShutDown;
                Reply::Now(Response::new_ok(id, Value::Null))
            }
            HoverRequest::METHOD => match req.extract::<lsp::HoverParams>(HoverRequest::METHOD) {
                Ok((id, p)) => {
                    let at = p.text_document_position_params;
                    self.wait_or_answer(
                        id,
                        HoverRequest::METHOD,
                        at.text_document.uri.as_str(),
                        Wait::Hover(at.position),
                    )?
                }
                Err(e) => Reply::Now(invalid_params(id, e)),
            },
            CodeActionRequest::METHOD => {
                match req.extract::<lsp::CodeActionParams>(CodeActionRequest::METHOD) {
                    Ok((id, p)) => {
                        let uri = p.text_document.uri.to_string();
                        self.wait_or_answer(
                            id,
                            CodeActionRequest::METHOD,
                            &uri,
                            Wait::CodeAction(p),
                        )?
                    }
                    Err(e) => Reply::Now(invalid_params(id, e)),
                }
            }
            Completion::METHOD => match req.extract::<lsp::CompletionParams>(Completion::METHOD) {
                Ok((id, p)) => Reply::Now(ok(id, self.completion(&p.text_document_position))),
                Err(e) => Reply::Now(invalid_params(id, e)),
            },
            m => Reply::Now(error(
                id,
                ErrorCode::MethodNotFound,
                format!("unknown method {m}"),
            )),
        })
    }

    /// Answers a request about a document from its current revision's
    /// results, or keeps it pending until they are there (queuing the
    /// evaluation hover needs).
    fn wait_or_answer(
        &mut self,
        id: RequestId,
        method: &'static str,
        uri: &str,
        wait: Wait,
    ) -> Result<Reply> {
        let Some(doc) = self.docs.get_mut(uri) else {
            // Not open: nothing to say.
            return Ok(Reply::Now(match wait {
                Wait::Hover(_) => Response::new_ok(id, Value::Null),
                Wait::CodeAction(_) => Response::new_ok(id, json!([])),
            }));
        };
        let ready = match wait {
            Wait::Hover(_) => doc.defs.is_some(),
            Wait::CodeAction(_) => doc.checked.is_some(),
        };
        let pending = Pending {
            id,
            method,
            uri: uri.to_owned(),
            rev: doc.rev,
            wait,
        };
        if ready {
            return Ok(Reply::Now(self.answer(&pending)));
        }
        if matches!(pending.wait, Wait::Hover(_)) && !doc.evaluating {
            doc.evaluating = true;
            let job = Job {
                uri: uri.to_owned(),
                rev: doc.rev,
                text: doc.text.clone(),
                kind: Kind::Definitions,
                encoding: self.encoding,
            };
            self.push(job);
        }
        self.pending.push(pending);
        Ok(Reply::Later)
    }

    /// The answer of a request whose results are there. A bug met on the
    /// way is its `internal_error`.
    fn answer(&self, p: &Pending) -> Response {
        let id = p.id.clone();
        let result = guard(|| -> std::result::Result<Value, String> {
            let Some(doc) = self.docs.get(&p.uri).filter(|d| d.rev == p.rev) else {
                return Ok(Value::Null);
            };
            Ok(match &p.wait {
                Wait::Hover(pos) => match &doc.defs {
                    Some(Ok(defs)) => self.hover(&doc.text, defs, *pos).unwrap_or(Value::Null),
                    Some(Err(why)) => return Err(why.clone()),
                    None => Value::Null,
                },
                Wait::CodeAction(params) => match &doc.checked {
                    Some(main) => self.code_actions(&doc.text, main, params),
                    None => json!([]),
                },
            })
        });
        match result {
            Ok(Ok(v)) => Response::new_ok(id, v),
            Ok(Err(why)) | Err(why) => {
                let d = internal_error(&format!("handling {}", p.method), &why);
                self.log(&d.message);
                error(id, ErrorCode::InternalError, message_with_notes(&d))
            }
        }
    }

    /// A worker's result: kept (and published, for a check) when it is
    /// for the document's current revision, dropped otherwise (and after
    /// shutdown); the requests it was waited for are answered.
    fn on_done(&mut self, done: Done) -> Result<()> {
        self.jobs = self.jobs.saturating_sub(1);
        if self.phase == Phase::ShutDown {
            // The client waits for the exit: nothing more to say.
            return Ok(());
        }
        let Some(doc) = self.docs.get_mut(&done.uri).filter(|d| d.rev == done.rev) else {
            return Ok(());
        };
        match done.outcome {
            Outcome::Checked { published, main } => {
                doc.checked = Some(Arc::new(main));
                let (uri, version) = (doc.uri.clone(), doc.version);
                self.publish(uri, Some(version), published)?;
            }
            Outcome::Definitions(defs) => {
                doc.evaluating = false;
                doc.defs = Some(defs.map(Arc::new));
            }
        }
        let (ready, waiting): (Vec<_>, Vec<_>) = std::mem::take(&mut self.pending)
            .into_iter()
            .partition(|p| {
                p.uri == done.uri
                    && self.docs.get(&p.uri).is_some_and(|d| match p.wait {
                        Wait::Hover(_) => d.defs.is_some(),
                        Wait::CodeAction(_) => d.checked.is_some(),
                    })
            });
        self.pending = waiting;
        for p in ready {
            let r = self.answer(&p);
            self.send(r)?;
        }
        Ok(())
    }

    /// One notification; `Some(code)` on `exit`.
    fn on_notification(&mut self, n: Notification) -> Result<Option<i32>> {
        use lsp::notification::{
            Cancel, DidChangeTextDocument, DidCloseTextDocument, DidOpenTextDocument, Exit,
        };
        if n.method == Exit::METHOD {
            return Ok(Some(if self.phase == Phase::ShutDown { 0 } else { 1 }));
        }
        if self.phase != Phase::Running {
            self.log(&format!(
                "{} dropped: not initialized, or shut down",
                n.method
            ));
            return Ok(None);
        }
        let bad = |e: ExtractError<Notification>| match e {
            ExtractError::JsonError { method, error } => format!("{method} dropped: {error}"),
            ExtractError::MethodMismatch(n) => format!("{} dropped", n.method),
        };
        match n.method.as_str() {
            DidOpenTextDocument::METHOD => {
                match n.extract::<lsp::DidOpenTextDocumentParams>(DidOpenTextDocument::METHOD) {
                    Ok(p) => {
                        let d = p.text_document;
                        self.revise(d.uri, d.version, d.text)?;
                    }
                    Err(e) => self.log(&bad(e)),
                }
            }
            DidChangeTextDocument::METHOD => {
                match n.extract::<lsp::DidChangeTextDocumentParams>(DidChangeTextDocument::METHOD) {
                    Ok(p) => {
                        let key = p.text_document.uri.to_string();
                        let Some(doc) = self.docs.get(&key) else {
                            self.log(&format!("a change of {key}, which is not open, dropped"));
                            return Ok(None);
                        };
                        // Full synchronisation sends the whole text; a
                        // range, if a client sends one anyway, is applied
                        // (clamped to the text).
                        let mut text = doc.text.to_string();
                        for c in p.content_changes {
                            match c.range {
                                None => text = c.text,
                                Some(r) => {
                                    let a = self.encoding.offset(&text, r.start);
                                    let b = self.encoding.offset(&text, r.end);
                                    text.replace_range(a.min(b)..a.max(b), &c.text);
                                }
                            }
                        }
                        self.revise(p.text_document.uri, p.text_document.version, text)?;
                    }
                    Err(e) => self.log(&bad(e)),
                }
            }
            DidCloseTextDocument::METHOD => {
                match n.extract::<lsp::DidCloseTextDocumentParams>(DidCloseTextDocument::METHOD) {
                    Ok(p) => {
                        let key = p.text_document.uri.to_string();
                        self.docs.remove(&key);
                        self.forget(&key);
                        self.modified(&key)?;
                        self.publish(p.text_document.uri, None, Vec::new())?;
                    }
                    Err(e) => self.log(&bad(e)),
                }
            }
            Cancel::METHOD => match n.extract::<lsp::CancelParams>(Cancel::METHOD) {
                Ok(p) => {
                    let id = match p.id {
                        lsp::NumberOrString::Number(n) => RequestId::from(n),
                        lsp::NumberOrString::String(s) => RequestId::from(s),
                    };
                    // Only a pending request is cancelled; one answered
                    // already has its answer.
                    if let Some(i) = self.pending.iter().position(|p| p.id == id) {
                        let p = self.pending.remove(i);
                        self.send(error(p.id, ErrorCode::RequestCanceled, "cancelled"))?;
                    }
                }
                Err(e) => self.log(&bad(e)),
            },
            _ => {} // other notifications: nothing to do
        }
        Ok(None)
    }

    /// One frame from the client; `Some(code)` when the server should
    /// exit. A bug met while handling it fails that message alone.
    fn on_incoming(&mut self, incoming: Incoming) -> Result<Option<i32>> {
        match incoming {
            Incoming::Malformed(why) => {
                self.log(&format!("a frame that is not a message: {why}"));
                self.out
                    .send(Outgoing::ParseError(why))
                    .map_err(|_| anyhow!("the output is closed"))?;
            }
            Incoming::Message(Message::Request(req)) => {
                let (id, method) = (req.id.clone(), req.method.clone());
                match guard(|| self.on_request(req)) {
                    Ok(reply) => {
                        if let Reply::Now(r) = reply? {
                            self.send(r)?;
                        }
                    }
                    Err(why) => {
                        let d = internal_error(&format!("handling {method}"), &why);
                        self.log(&d.message);
                        self.pending.retain(|p| p.id != id);
                        self.send(error(id, ErrorCode::InternalError, message_with_notes(&d)))?;
                    }
                }
            }
            Incoming::Message(Message::Notification(n)) => {
                let method = n.method.clone();
                match guard(|| self.on_notification(n)) {
                    Ok(r) => return r,
                    Err(why) => {
                        let d = internal_error(&format!("handling {method}"), &why);
                        self.log(&d.message);
                    }
                }
            }
            Incoming::Message(Message::Response(r)) => {
                self.log(&format!(
                    "an answer to no request of ours (id {}) dropped",
                    r.id
                ));
            }
        }
        Ok(None)
    }

    fn hover(&self, text: &str, defs: &[Definition], pos: lsp::Position) -> Option<Value> {
        let offset = self.encoding.offset(text, pos) as u32;
        let d = defs
            .iter()
            .find(|d| d.range[0] <= offset && offset <= d.range[1])?;
        let path = nixunits_eval::module::show_path(&d.path);
        let mut md = format!("**{path}**");
        match &self.shared.extra.schema {
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
        let range = self.encoding.range(
            text,
            &idx,
            TextSize::from(d.range[0]),
            TextSize::from(d.range[1]),
        );
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
    fn code_actions(
        &self,
        text: &str,
        main: &[Diagnostic],
        params: &lsp::CodeActionParams,
    ) -> Value {
        let uri = &params.text_document.uri;
        let want = params.range;
        let idx = LineIndex::new(text);
        let range_of =
            |r: nixunits_nixexpr::TextRange| self.encoding.range(text, &idx, r.start(), r.end());
        let overlaps = |r: &lsp::Range| !(r.end < want.start || want.end < r.start);
        let actions: Vec<lsp::CodeAction> = main
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
                        changes: Some(std::iter::once((uri.clone(), edits)).collect()),
                        ..Default::default()
                    }),
                    is_preferred: Some(true),
                    ..Default::default()
                })
            })
            .collect();
        serde_json::to_value(actions).unwrap_or_else(|_| json!([]))
    }

    fn completion(&self, at: &lsp::TextDocumentPositionParams) -> Value {
        let (Some(doc), Some(schema)) = (
            self.docs.get(at.text_document.uri.as_str()),
            &self.shared.extra.schema,
        ) else {
            return json!([]);
        };
        let text = &doc.text;
        let offset = self.encoding.offset(text, at.position);
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
}

/// Serves on standard input and output until `exit` (or the end of the
/// input); the exit code. The workers are not waited for: a check still
/// running ends with the process.
pub fn run(config: Config) -> Result<i32> {
    serve_with(
        |tx| {
            std::thread::Builder::new()
                .name("nixunits-lsp-reader".into())
                .spawn(move || feed(std::io::BufReader::new(std::io::stdin()), &tx))
                .map(drop)
                .context("starting the reader")
        },
        std::io::stdout(),
        config,
        false,
    )
}

/// Serves the frames of `input` (as [`transport::read_all`] reads them)
/// in this process, writing to `output`; the exit code. For the tests
/// that drive the server in process, as a client that sends everything,
/// closes its end and reads on: at the end of the input, the checks
/// still queued or running are published and the requests still waiting
/// answered once their results are there (not cancelled, as when a
/// client goes away).
pub fn serve_frames(
    input: Vec<Incoming>,
    output: impl Write + Send + 'static,
    config: Config,
) -> Result<i32> {
    serve_with(
        move |tx| {
            for i in input {
                if tx.send(Event::Incoming(i)).is_err() {
                    return Ok(());
                }
            }
            let _ = tx.send(Event::End(None));
            Ok(())
        },
        output,
        config,
        true,
    )
}

/// Reads `input` into the loop's events. A bug met while reading ends the
/// input, with the reason, never silently.
fn feed(input: impl BufRead, tx: &Sender<Event>) {
    let result = guard(|| transport::read(input, |i| tx.send(Event::Incoming(i)).is_ok()));
    let why = match result {
        Ok(Ok(())) => None,
        Ok(Err(e)) => Some(format!("reading a message: {e}")),
        Err(bug) => Some(format!("a bug while reading a message: {bug}")),
    };
    let _ = tx.send(Event::End(why));
}

fn serve_with(
    start_input: impl FnOnce(Sender<Event>) -> Result<()>,
    output: impl Write + Send + 'static,
    config: Config,
    wait: bool,
) -> Result<i32> {
    let (events, rx) = channel::<Event>();
    let (out, out_rx) = channel::<Outgoing>();
    let writer = std::thread::Builder::new()
        .name("nixunits-lsp-writer".into())
        .spawn(move || transport::write(output, &out_rx))
        .context("starting the writer")?;
    let shared = config.shared;
    let done = events.clone();
    let pool = Pool::start(
        config.workers,
        shared.clone(),
        Arc::new(move |d| done.send(Event::Done(d)).is_ok()),
    )?;
    start_input(events)?;
    let mut server = Server {
        phase: Phase::Uninitialized,
        encoding: Encoding::Utf16,
        shared,
        docs: HashMap::new(),
        pending: Vec::new(),
        pool,
        jobs: 0,
        out,
        next_rev: 0,
        log: config.log,
    };
    let end_code = |s: &Server| if s.phase == Phase::ShutDown { 0 } else { 1 };
    let mut ended = false;
    let result = (|| -> Result<i32> {
        loop {
            // The reader and the workers hold senders: the loop ends at
            // `exit` or at the end of the input, which the reader always
            // sends.
            let Ok(event) = rx.recv() else {
                return Ok(end_code(&server));
            };
            match event {
                Event::Incoming(i) => {
                    if let Some(code) = server.on_incoming(i)? {
                        server.cancel_all("the server exits")?;
                        return Ok(code);
                    }
                }
                Event::Done(d) => {
                    server.on_done(d)?;
                    if ended && server.pending.is_empty() && server.jobs == 0 {
                        return Ok(end_code(&server));
                    }
                }
                Event::End(why) => {
                    if let Some(why) = why {
                        server.cancel_all("the input ended")?;
                        return Err(anyhow!(why));
                    }
                    if !wait {
                        server.cancel_all("the input ended")?;
                    }
                    if server.pending.is_empty() && (!wait || server.jobs == 0) {
                        return Ok(end_code(&server));
                    }
                    // Each pending request waits for a job queued or
                    // running, and each job gives a result: it comes.
                    ended = true;
                }
            }
        }
    })();
    let Server { pool, out, .. } = server;
    pool.close(wait);
    drop(out);
    let written = writer
        .join()
        .map_err(|_| anyhow!("the writer failed"))?
        .context("writing a message");
    let code = result?;
    written?;
    Ok(code)
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
