//! The slow work of the server, on worker threads: checking a document
//! (what `check` reports, up to the evaluation's time budget) and
//! evaluating it for hover. The server's own thread only hands jobs over
//! and takes their results, so it answers meanwhile.
//!
//! A job is for one revision of a document. Queued jobs of a document that
//! changed are dropped ([`Pool::forget`]); one already running cannot be
//! stopped (the evaluation has no cancellation, only its bounds), and its
//! result is dropped by the server when it arrives for a revision that is
//! no longer the document's.

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;

use anyhow::{Context, Result};
use lsp_types as lsp;
use nixunits_eval::module::Definition;
use nixunits_nixexpr::{CheckOptions, Diagnostic, LineIndex, Severity, TextSize};

use super::position::{file_uri, path_of, Encoding};
use crate::base::bug::{guard, internal_error};
use crate::base::term::message_with_notes;
use crate::commands::check::{self, check_text, Extra};
use crate::commands::eval;

/// What every check needs, shared by the workers.
pub struct Shared {
    /// The checks' options (Nix version, parse only).
    pub opts: CheckOptions,
    /// Schema, policy, evaluation bounds.
    pub extra: Extra,
}

/// What a job computes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    /// The diagnostics, published when done.
    Check,
    /// The definitions, for hover.
    Definitions,
}

/// One job: a revision of a document.
pub struct Job {
    /// The document.
    pub uri: String,
    /// Its revision.
    pub rev: u64,
    /// Its text at that revision.
    pub text: Arc<str>,
    /// What to compute.
    pub kind: Kind,
    /// How the client counts positions.
    pub encoding: Encoding,
}

/// What a job found.
pub enum Outcome {
    /// A check: the diagnostics as published, and as found (with their
    /// fixes, for code actions).
    Checked {
        /// For `textDocument/publishDiagnostics`.
        published: Vec<lsp::Diagnostic>,
        /// The document's own findings.
        main: Vec<Diagnostic>,
    },
    /// The document's own definitions, or the bug met evaluating it.
    Definitions(std::result::Result<Vec<Definition>, String>),
}

/// A job done.
pub struct Done {
    /// The document.
    pub uri: String,
    /// The revision it was for.
    pub rev: u64,
    /// What it found.
    pub outcome: Outcome,
}

#[derive(Default)]
struct Queue {
    jobs: VecDeque<Job>,
    closed: bool,
}

/// The workers and their queue.
pub struct Pool {
    queue: Arc<(Mutex<Queue>, Condvar)>,
    workers: Vec<JoinHandle<()>>,
}

/// Where a worker hands what it did: `false` when nobody listens any more.
pub type Sink = Arc<dyn Fn(Done) -> bool + Send + Sync>;

impl Pool {
    /// Starts `n` workers (64 MiB stacks, as `check`'s).
    pub fn start(n: usize, shared: Arc<Shared>, sink: Sink) -> Result<Pool> {
        let queue: Arc<(Mutex<Queue>, Condvar)> = Arc::default();
        let mut workers = Vec::new();
        for i in 0..n.max(1) {
            let (queue, shared, sink) = (queue.clone(), shared.clone(), sink.clone());
            let w = std::thread::Builder::new()
                .name(format!("nixunits-lsp-{i}"))
                .stack_size(64 << 20)
                .spawn(move || {
                    while let Some(job) = next(&queue) {
                        if !sink(run(&shared, &job)) {
                            break;
                        }
                    }
                })
                .context("starting the language server's workers")?;
            workers.push(w);
        }
        Ok(Pool { queue, workers })
    }

    fn with<T>(&self, f: impl FnOnce(&mut Queue) -> T) -> T {
        let (lock, ready) = &*self.queue;
        let r = f(&mut lock.lock().unwrap_or_else(PoisonError::into_inner));
        ready.notify_all();
        r
    }

    /// Queues a job.
    pub fn push(&self, job: Job) {
        self.with(|q| q.jobs.push_back(job));
    }

    /// Drops the queued jobs of `uri` (it changed, or closed); how many.
    pub fn forget(&self, uri: &str) -> usize {
        self.with(|q| {
            let before = q.jobs.len();
            q.jobs.retain(|j| j.uri != uri);
            before - q.jobs.len()
        })
    }

    /// Drops every queued job; each worker ends after the job it runs.
    /// With `wait`, returns when they have.
    pub fn close(self, wait: bool) {
        self.with(|q| {
            q.jobs.clear();
            q.closed = true;
        });
        if wait {
            for w in self.workers {
                let _ = w.join();
            }
        }
    }
}

fn next(queue: &(Mutex<Queue>, Condvar)) -> Option<Job> {
    let (lock, ready) = queue;
    let mut q = lock.lock().unwrap_or_else(PoisonError::into_inner);
    loop {
        if q.closed {
            return None;
        }
        if let Some(j) = q.jobs.pop_front() {
            return Some(j);
        }
        q = ready.wait(q).unwrap_or_else(PoisonError::into_inner);
    }
}

/// Runs one job. Never panics: a bug met on the way is an
/// `internal_error` diagnostic (a check) or the failure of the hovers
/// waiting for it (definitions).
fn run(shared: &Shared, job: &Job) -> Done {
    let path = path_of(&job.uri);
    let outcome = match job.kind {
        Kind::Check => {
            let checked = check_text(&job.text, &path, &shared.opts, &shared.extra);
            let published = guard(|| diagnostics(&checked, &job.text, job.encoding, &shared.extra))
                .unwrap_or_else(|why| {
                    let d = internal_error("reporting this file's findings", &why);
                    vec![lsp::Diagnostic {
                        severity: Some(lsp::DiagnosticSeverity::ERROR),
                        code: Some(lsp::NumberOrString::String(d.code.to_owned())),
                        source: Some("nixunits".to_owned()),
                        message: message_with_notes(&d),
                        ..Default::default()
                    }]
                });
            Outcome::Checked {
                published,
                main: checked.main,
            }
        }
        Kind::Definitions => Outcome::Definitions(guard(|| {
            let (e, main) = eval::evaluate_file(
                &path,
                &job.text,
                None,
                shared.extra.cwd.as_deref(),
                shared.extra.limits,
            );
            e.definitions
                .into_iter()
                .filter(|d| d.file == main)
                .collect()
        })),
    };
    Done {
        uri: job.uri.clone(),
        rev: job.rev,
        outcome,
    }
}

fn severity(d: &Diagnostic) -> lsp::DiagnosticSeverity {
    match d.severity {
        Severity::Error => lsp::DiagnosticSeverity::ERROR,
        Severity::Warning => lsp::DiagnosticSeverity::WARNING,
        Severity::Info => lsp::DiagnosticSeverity::INFORMATION,
    }
}

/// The diagnostics of a check as LSP publishes them.
fn diagnostics(
    checked: &check::Checked,
    text: &str,
    encoding: Encoding,
    extra: &Extra,
) -> Vec<lsp::Diagnostic> {
    let idx = LineIndex::new(text);
    let mut out: Vec<lsp::Diagnostic> = checked
        .main
        .iter()
        .map(|d| lsp::Diagnostic {
            range: encoding.range(text, &idx, d.range.start(), d.range.end()),
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
        let target = uri_of(extra, &i.name);
        for d in &i.diagnostics {
            let at = their.line_col(&i.text, d.range.start());
            out.push(lsp::Diagnostic {
                range: encoding.range(text, &idx, TextSize::from(site[0]), TextSize::from(site[1])),
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
                            range: encoding.range(&i.text, &their, d.range.start(), d.range.end()),
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
fn uri_of(extra: &Extra, name: &str) -> Option<lsp::Uri> {
    let p = std::path::Path::new(name);
    let abs = if p.is_absolute() {
        p.to_path_buf()
    } else {
        extra.cwd.as_ref()?.join(p)
    };
    file_uri(&abs).parse().ok()
}
