//! The interpreter: lazy, bounded, and honest about what it does not know.
//!
//! It evaluates the Nix-faithful tree of `nixexpr` (attribute sets come
//! merged by `nixexpr::lower`, exactly as Nix's parser merges them), with
//! thunks so that self-reference works as in Nix, a step budget and a
//! depth bound so that `let x = x; in x` or a huge list ends with a
//! diagnostic, and a `Loader` for `import` so that the crate does no I/O
//! itself.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;
use std::time::{Duration, Instant};

use nixunits_nixexpr::ast::{AttrName, BinOp, Expr, ExprKind, StrPart};
use nixunits_nixexpr::lexer::{unescape_ind_str, unescape_str};
use nixunits_nixexpr::lower::{lower, static_name, Lowered, NodeId, Value as LValue};
use nixunits_nixexpr::scope::Resolution;
use nixunits_nixexpr::{Diagnostic, NixVersion, Severity, TextRange};
use typed_arena::Arena;

use crate::value::*;

/// Reads files for `import`. Refuses what the snippet may not read.
pub trait Loader {
    /// The text of the file at `path` (absolute), or why not.
    fn load(&self, path: &str) -> Result<String, LoadError>;
}

/// Why an imported file was not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadError {
    /// It does not exist: Nix would fail (`import_missing`, an error).
    Missing(String),
    /// It may not be read (outside the snippet's directory, too large):
    /// `import_outside`, a warning; what it defines is unknown.
    Refused(String),
}

/// Bounds on the work of one evaluation. Reaching one stops the
/// evaluation: what is left is unknown, with a warning saying which bound
/// cut it short (`eval_budget`, `eval_depth`, `eval_timeout`,
/// `eval_memory`), never an error.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Evaluation steps (an expression evaluated, a value compared or
    /// converted; long primitives count their work).
    pub max_steps: u64,
    /// Nesting of evaluation (and of the values walked by equality,
    /// `toJSON`, `toString`, `flatten`, `recursiveUpdate`).
    pub max_depth: u32,
    /// Nesting of `import`.
    pub max_imports: usize,
    /// Wall-clock time of one evaluation; `None`: no deadline.
    pub timeout: Option<Duration>,
    /// Bytes of values the evaluation may make, counted as they are made
    /// (never given back): string bytes, list elements and attribute
    /// entries, each at an estimate of what it takes in memory
    /// ([`LIST_ELEMENT_BYTES`], [`ATTR_ENTRY_BYTES`]). A result that would
    /// go over is not made, so the peak stays below twice the budget.
    pub max_memory: u64,
}

/// What one list element is counted as (the pointer in the list, the
/// thunk it points to).
pub const LIST_ELEMENT_BYTES: u64 = 64;
/// What one attribute entry is counted as (the name, the slot, the map's
/// node).
pub const ATTR_ENTRY_BYTES: u64 = 128;

impl Limits {
    /// The default deadline of one evaluation.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);
    /// The default memory budget of one evaluation (256 MiB).
    pub const DEFAULT_MEMORY: u64 = 256 << 20;
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_steps: 2_000_000,
            max_depth: 500,
            max_imports: 16,
            timeout: Some(Self::DEFAULT_TIMEOUT),
            max_memory: Self::DEFAULT_MEMORY,
        }
    }
}

/// Where the trees of all files evaluated live, for the evaluator's
/// lifetime.
#[derive(Default)]
pub struct Store<'a> {
    exprs: Arena<Expr>,
    lowered: Arena<Lowered<'a>>,
    texts: Arena<String>,
}

impl Store<'_> {
    /// A new, empty store.
    pub fn new() -> Self {
        Store {
            exprs: Arena::new(),
            lowered: Arena::new(),
            texts: Arena::new(),
        }
    }
}

/// One file known to the evaluator.
pub struct File<'a> {
    /// Its name (a path).
    pub name: String,
    /// Its text.
    pub text: &'a str,
    /// Its merged attribute sets.
    pub lowered: &'a Lowered<'a>,
    /// Its tree.
    pub expr: &'a Expr,
    /// Where it was imported (none for the snippet itself).
    pub from: Option<Loc>,
}

/// The evaluator.
pub struct Evaluator<'a> {
    store: &'a Store<'a>,
    loader: &'a dyn Loader,
    limits: Limits,
    /// Files evaluated, by index.
    pub files: RefCell<Vec<File<'a>>>,
    importing: RefCell<Vec<String>>,
    steps: Cell<u64>,
    depth: Cell<u32>,
    stopped: Cell<bool>,
    /// When the evaluation must stop (`Limits::timeout` from its start).
    deadline: Option<Instant>,
    /// Bytes of values made so far (`Limits::max_memory`).
    made: Cell<u64>,
    /// Thunks and scopes that may close a reference cycle, cut when the
    /// evaluator is dropped; those no longer alive are pruned when the list
    /// reaches `knots_limit`.
    knots: RefCell<Vec<Knot<'a>>>,
    knots_limit: Cell<usize>,
    /// The expression being evaluated, where a bound that is reached
    /// outside of `eval` (a comparison, a primitive) is reported.
    here: Cell<Loc>,
    /// What went wrong, by file index.
    pub diagnostics: RefCell<Vec<(u32, Diagnostic)>>,
    globals: Env<'a>,
}

impl Drop for Evaluator<'_> {
    /// Cuts the reference cycles the evaluation made (see [`Knot`]).
    fn drop(&mut self) {
        for k in std::mem::take(self.knots.get_mut()) {
            k.cut();
        }
    }
}

fn warn(code: &'static str, range: TextRange, msg: impl Into<String>) -> Diagnostic {
    Diagnostic {
        severity: Severity::Warning,
        ..Diagnostic::error(code, range, msg)
    }
}

impl<'a> Evaluator<'a> {
    /// An evaluator over `store`, loading imports through `loader`.
    pub fn new(store: &'a Store<'a>, loader: &'a dyn Loader, limits: Limits) -> Self {
        // Nix's global names are answered by `global` when a lookup reaches
        // the top: no table to build for every file.
        let vars = BTreeMap::new();
        let globals = Rc::new(Scope {
            vars: RefCell::new(vars),
            with: None,
            parent: None,
        });
        Evaluator {
            store,
            loader,
            limits,
            files: RefCell::new(Vec::new()),
            importing: RefCell::new(Vec::new()),
            steps: Cell::new(0),
            depth: Cell::new(0),
            stopped: Cell::new(false),
            deadline: limits.timeout.map(|t| Instant::now() + t),
            made: Cell::new(0),
            knots: RefCell::new(Vec::new()),
            knots_limit: Cell::new(4096),
            here: Cell::new(Loc {
                file: 0,
                range: TextRange::default(),
            }),
            diagnostics: RefCell::new(Vec::new()),
            globals,
        }
    }

    fn diag(&self, file: u32, d: Diagnostic) {
        let mut ds = self.diagnostics.borrow_mut();
        if !ds
            .iter()
            .any(|(f, x)| *f == file && x.code == d.code && x.range == d.range)
        {
            ds.push((file, d));
        }
    }

    /// Records a warning at `at`.
    pub fn report(&self, at: Loc, code: &'static str, msg: String) {
        self.diag(at.file, warn(code, at.range, msg));
    }

    /// Adds a file; `None` (with a diagnostic at `from`) when it does not
    /// parse.
    pub fn add_file(&self, name: &str, text: String, from: Option<Loc>) -> Option<u32> {
        match nixunits_nixexpr::parse_ast(&text) {
            Ok(e) => {
                let idx = self.add_parsed(name, text, e);
                self.files.borrow_mut()[idx as usize].from = from;
                Some(idx)
            }
            Err(e) => {
                if let Some(at) = from {
                    self.diag(
                        at.file,
                        warn(
                            "import_error",
                            at.range,
                            format!("{name} does not parse: {}", e.message),
                        ),
                    );
                }
                None
            }
        }
    }

    /// Adds a parsed file.
    pub fn add_parsed(&self, name: &str, text: String, expr: Expr) -> u32 {
        let text: &'a str = self.store.texts.alloc(text);
        let expr: &'a Expr = self.store.exprs.alloc(expr);
        let lowered: &'a Lowered<'a> =
            self.store
                .lowered
                .alloc(lower(expr, text, NixVersion::CURRENT));
        self.add_borrowed(name, text, expr, lowered)
    }

    /// Adds a file parsed and merged by the caller (`nixexpr::check_then`).
    pub fn add_borrowed(
        &self,
        name: &str,
        text: &'a str,
        expr: &'a Expr,
        lowered: &'a Lowered<'a>,
    ) -> u32 {
        let mut files = self.files.borrow_mut();
        files.push(File {
            name: name.to_owned(),
            text,
            lowered,
            expr,
            from: None,
        });
        files.len() as u32 - 1
    }

    /// Evaluates file `idx` to a value.
    pub fn eval_file(&self, idx: u32) -> Value<'a> {
        let expr = self.files.borrow()[idx as usize].expr;
        self.eval(expr, &self.globals.clone(), idx)
    }

    fn text(&self, file: u32) -> &'a str {
        self.files.borrow()[file as usize].text
    }

    fn lowered(&self, file: u32) -> &'a Lowered<'a> {
        self.files.borrow()[file as usize].lowered
    }

    /// Forces a thunk.
    pub fn force(&self, t: &Thunk<'a>) -> Value<'a> {
        match t.start() {
            Err(v) => v,
            Ok(None) => Value::Unknown, // a cycle: reported where it started
            Ok(Some(code)) => {
                let v = match code {
                    Code::Expr(e, env, file) => self.eval(e, &env, file),
                    Code::Node(lw, id, env, file) => self.node(lw, id, &env, file),
                    Code::Var(name, env, loc) => self.lookup(&name, &env, loc),
                    Code::Select(e, name, env, file) => {
                        let v = self.eval(e, &env, file);
                        self.select_name(&v, &name)
                    }
                };
                if matches!(
                    v,
                    Value::List(_) | Value::Attrs(_) | Value::Lambda(_) | Value::Prim(_)
                ) {
                    self.knot(t.knot());
                }
                t.finish(v.clone());
                v
            }
        }
    }

    /// Records a thunk or scope that may close a cycle.
    fn knot(&self, k: Knot<'a>) {
        let mut ks = self.knots.borrow_mut();
        if ks.len() >= self.knots_limit.get() {
            ks.retain(Knot::alive);
            self.knots_limit.set((ks.len() * 2).max(4096));
        }
        ks.push(k);
    }

    /// Whether a bound stopped the evaluation.
    pub fn stopped(&self) -> bool {
        self.stopped.get()
    }

    /// Stops the evaluation, with the warning `code` at the current place.
    fn stop(&self, code: &'static str, msg: String) {
        if self.stopped.replace(true) {
            return;
        }
        let at = self.here.get();
        self.diag(at.file, warn(code, at.range, msg));
    }

    fn budget(&self, file: u32, range: TextRange) -> bool {
        self.here.set(Loc { file, range });
        self.work(1)
    }

    /// Counts `units` steps of work; false (and the evaluation stopped)
    /// when a bound of steps or time is reached.
    pub(crate) fn work(&self, units: u64) -> bool {
        if self.stopped.get() {
            return false;
        }
        let before = self.steps.get();
        let s = before.saturating_add(units);
        self.steps.set(s);
        if s > self.limits.max_steps {
            self.stop(
                "eval_budget",
                format!(
                    "evaluation cut short after {} steps; the rest is unknown",
                    self.limits.max_steps
                ),
            );
            return false;
        }
        // The clock is read every 1,024 steps: a step is far shorter.
        if let Some(deadline) = self.deadline {
            if (before >> 10 != s >> 10 || units > 1) && Instant::now() > deadline {
                let t = self.limits.timeout.unwrap_or_default();
                self.stop(
                    "eval_timeout",
                    format!(
                        "evaluation cut short after {} (--eval-timeout); the rest is unknown",
                        show_duration(t)
                    ),
                );
                return false;
            }
        }
        true
    }

    /// Whether `bytes` more may be made; false (and the evaluation
    /// stopped) when that would go over the memory budget. Asked before a
    /// value whose size is the product of others' is made.
    pub(crate) fn fits(&self, bytes: u64) -> bool {
        if self.stopped.get() {
            return false;
        }
        if self.made.get().saturating_add(bytes) > self.limits.max_memory {
            self.stop(
                "eval_memory",
                format!(
                    "evaluation cut short: its values would take more than {} (--eval-memory); the rest is unknown",
                    show_bytes(self.limits.max_memory)
                ),
            );
            return false;
        }
        true
    }

    /// How many bytes may still be made.
    pub(crate) fn room(&self) -> usize {
        usize::try_from(self.limits.max_memory.saturating_sub(self.made.get()))
            .unwrap_or(usize::MAX)
    }

    /// Counts a value just made (one no other holds yet) against the
    /// memory budget; `Unknown` instead when it goes over.
    fn account(&self, v: Value<'a>) -> Value<'a> {
        let bytes = match &v {
            Value::Str(s) | Value::Path(s) if Rc::strong_count(s) == 1 => s.len() as u64,
            Value::List(l) if Rc::strong_count(l) == 1 => l.len() as u64 * LIST_ELEMENT_BYTES,
            Value::Attrs(a) if Rc::strong_count(a) == 1 => {
                (a.map.len() + a.unknown_names.len()) as u64 * ATTR_ENTRY_BYTES
            }
            _ => return v,
        };
        if bytes == 0 {
            return v;
        }
        if !self.fits(bytes) {
            return Value::Unknown;
        }
        self.made.set(self.made.get() + bytes);
        v
    }

    /// Runs `f` one level deeper (a walk over nested values): `None`, and
    /// the evaluation stopped, when the depth bound or another bound is
    /// reached. The stack grows on demand, as in `eval`.
    pub(crate) fn nested<R>(&self, f: impl FnOnce() -> Option<R>) -> Option<R> {
        if !self.work(1) {
            return None;
        }
        let d = self.depth.get() + 1;
        if d > self.limits.max_depth {
            let at = self.here.get();
            self.diag(
                at.file,
                warn(
                    "eval_depth",
                    at.range,
                    format!(
                        "values nested more than {} levels deep; unknown from here",
                        self.limits.max_depth
                    ),
                ),
            );
            return None;
        }
        self.depth.set(d);
        let r = stacker::maybe_grow(256 * 1024, 4 * 1024 * 1024, f);
        self.depth.set(d - 1);
        r
    }

    /// Evaluates an expression.
    pub fn eval(&self, e: &'a Expr, env: &Env<'a>, file: u32) -> Value<'a> {
        if !self.budget(file, e.range) {
            return Value::Unknown;
        }
        let d = self.depth.get() + 1;
        if d > self.limits.max_depth {
            self.diag(
                file,
                warn(
                    "eval_depth",
                    e.range,
                    format!(
                        "evaluation nested more than {} levels; unknown from here",
                        self.limits.max_depth
                    ),
                ),
            );
            return Value::Unknown;
        }
        self.depth.set(d);
        // Asking how much stack is left costs more than a level of
        // evaluation; every 16 levels is often enough (a level uses far
        // less than the 256 KiB red zone / 16).
        let v = if d.is_multiple_of(16) {
            stacker::maybe_grow(256 * 1024, 4 * 1024 * 1024, || {
                self.eval_inner(e, env, file)
            })
        } else {
            self.eval_inner(e, env, file)
        };
        self.depth.set(d - 1);
        self.account(v)
    }

    fn loc(file: u32, range: TextRange) -> Option<Loc> {
        Some(Loc { file, range })
    }

    fn eval_inner(&self, e: &'a Expr, env: &Env<'a>, file: u32) -> Value<'a> {
        let src = self.text(file);
        match &e.kind {
            ExprKind::Var(name) => self.lookup(
                name,
                env,
                Loc {
                    file,
                    range: e.range,
                },
            ),
            ExprKind::CurPos | ExprKind::HPath(_) | ExprKind::SPath | ExprKind::OrCall { .. } => {
                Value::Unknown
            }
            ExprKind::Int => src[e.range].parse().map_or(Value::Unknown, Value::Int),
            ExprKind::Float => src[e.range].parse().map_or(Value::Unknown, Value::Float),
            ExprKind::Uri => Value::Str(src[e.range].into()),
            ExprKind::Str(parts) => {
                let mut out = String::new();
                for p in parts {
                    match p {
                        StrPart::Lit(r) => out.push_str(&unescape_str(&src[*r])),
                        StrPart::Interp(x) => match self.coerce(self.eval(x, env, file)) {
                            Some(s) if self.fits((out.len() + s.len()) as u64) => out.push_str(&s),
                            _ => return Value::Unknown,
                        },
                    }
                }
                Value::Str(out.into())
            }
            ExprKind::IndStr(parts) => {
                let mut pieces = Vec::new();
                let mut size = 0;
                for p in parts {
                    match p {
                        StrPart::Lit(r) => pieces.push((true, unescape_ind_str(&src[*r]))),
                        StrPart::Interp(x) => match self.coerce(self.eval(x, env, file)) {
                            Some(s) => {
                                size += s.len();
                                if !self.fits(size as u64) {
                                    return Value::Unknown;
                                }
                                pieces.push((false, s))
                            }
                            None => return Value::Unknown,
                        },
                    }
                }
                Value::Str(nixunits_nixexpr::lower::strip_indentation(&pieces).into())
            }
            ExprKind::Path(parts) => match parts.as_slice() {
                [StrPart::Lit(r)] => Value::Path(self.resolve_path(&src[*r], file).into()),
                _ => Value::Unknown,
            },
            ExprKind::Paren(x) => self.eval(x, env, file),
            ExprKind::Attrs { .. } | ExprKind::LegacyLet(_) | ExprKind::Let(..) => {
                let lw = self.lowered(file);
                let Some(&id) = lw.by_expr.get(&(e as *const Expr)) else {
                    return Value::Unknown;
                };
                match &e.kind {
                    ExprKind::Let(_, body) => {
                        let scope = self.rec_scope(lw, id, env, file);
                        self.eval(body, &scope, file)
                    }
                    ExprKind::LegacyLet(_) => {
                        let v = self.node(lw, id, env, file);
                        self.select_name(&v, "body")
                    }
                    _ => self.node(lw, id, env, file),
                }
            }
            ExprKind::List(items) => Value::List(Rc::new(
                items
                    .iter()
                    .map(|x| Thunk::new(Code::Expr(x, env.clone(), file)))
                    .collect(),
            )),
            ExprKind::Select {
                expr,
                path,
                default,
            } => {
                let mut v = self.eval(expr, env, file);
                for n in path {
                    let Some(name) = self.attr_name(n, env, file) else {
                        return Value::Unknown;
                    };
                    v = match &v {
                        Value::Attrs(a) => match a.map.get(&name) {
                            Some(s) => self.force(&s.thunk),
                            None => match default {
                                Some(d) => return self.eval(d, env, file),
                                None if a.unknown_names.is_empty() => {
                                    self.diag(
                                        file,
                                        warn(
                                            "missing_attribute",
                                            n.range(),
                                            format!("attribute '{name}' missing"),
                                        ),
                                    );
                                    return Value::Unknown;
                                }
                                None => return Value::Unknown,
                            },
                        },
                        Value::Unknown => return Value::Unknown,
                        other => self.select_name(other, &name),
                    };
                }
                v
            }
            ExprKind::HasAttr { expr, path } => {
                let mut v = self.eval(expr, env, file);
                for n in path {
                    let Some(name) = self.attr_name(n, env, file) else {
                        return Value::Unknown;
                    };
                    match &v {
                        Value::Attrs(a) => match a.map.get(&name) {
                            Some(s) => v = self.force(&s.thunk),
                            None if a.unknown_names.is_empty() => return Value::Bool(false),
                            None => return Value::Unknown,
                        },
                        Value::Unknown | Value::Lib | Value::Pkgs | Value::Builtins => {
                            return Value::Unknown
                        }
                        _ => return Value::Bool(false),
                    }
                }
                Value::Bool(true)
            }
            ExprKind::Apply(f, x) => {
                let fv = self.eval(f, env, file);
                let arg = Thunk::new(Code::Expr(x, env.clone(), file));
                self.apply(
                    fv,
                    arg,
                    Loc {
                        file,
                        range: e.range,
                    },
                )
            }
            ExprKind::Not(x) => match self.eval(x, env, file) {
                Value::Bool(b) => Value::Bool(!b),
                _ => Value::Unknown,
            },
            ExprKind::Neg(x) => match self.eval(x, env, file) {
                Value::Int(i) => i.checked_neg().map_or(Value::Unknown, Value::Int),
                Value::Float(f) => Value::Float(-f),
                _ => Value::Unknown,
            },
            ExprKind::Binary(op, a, b) => self.binary(*op, a, b, env, file),
            ExprKind::If(c, t, f) => match self.eval(c, env, file) {
                Value::Bool(true) => self.eval(t, env, file),
                Value::Bool(false) => self.eval(f, env, file),
                _ => Value::Unknown,
            },
            ExprKind::Assert(c, body) => match self.eval(c, env, file) {
                Value::Bool(false) => {
                    self.diag(
                        file,
                        warn("assertion_failed", c.range, "this assertion is false"),
                    );
                    Value::Unknown
                }
                _ => self.eval(body, env, file),
            },
            ExprKind::With(scope, body) => {
                let w = Thunk::new(Code::Expr(scope, env.clone(), file));
                let inner = Rc::new(Scope {
                    vars: RefCell::new(BTreeMap::new()),
                    with: Some(w),
                    parent: Some(env.clone()),
                });
                self.eval(body, &inner, file)
            }
            ExprKind::Lambda { arg, formals, body } => Value::Lambda(Rc::new(Closure {
                arg: arg.as_ref(),
                formals: formals.as_ref(),
                body,
                env: env.clone(),
                file,
            })),
        }
    }

    /// A string for interpolation: strings as they are; anything else
    /// (paths go to the store, numbers are an error in Nix) unknown.
    fn coerce(&self, v: Value<'a>) -> Option<String> {
        match v {
            Value::Str(s) => Some(s.to_string()),
            _ => None,
        }
    }

    fn resolve_path(&self, text: &str, file: u32) -> String {
        if text.starts_with('/') {
            return normalize(text);
        }
        let name = self.files.borrow()[file as usize].name.clone();
        let dir = name.rsplit_once('/').map_or(".", |(d, _)| d).to_owned();
        normalize(&format!("{dir}/{text}"))
    }

    fn attr_name(&self, n: &'a AttrName, env: &Env<'a>, file: u32) -> Option<String> {
        if let Some(s) = static_name(n, self.text(file)) {
            return Some(s);
        }
        let v = match n {
            AttrName::Interp { expr, .. } => self.eval(expr, env, file),
            AttrName::Str { parts, range } => {
                let e: &'a Expr = self.store.exprs.alloc(Expr {
                    kind: ExprKind::Str(parts.clone()),
                    range: *range,
                });
                self.eval(e, env, file)
            }
            AttrName::Ident(i) => return Some(i.name.clone()),
        };
        match v {
            Value::Str(s) => Some(s.to_string()),
            _ => None,
        }
    }

    /// The value of the variable `name` at `at`, as the file's name
    /// resolution (`nixexpr::scope`) resolved it: a binding `up` scopes out
    /// (each scope of the resolution is one `Scope` here), a global, or
    /// the innermost `with` and then the enclosing ones.
    fn lookup(&self, name: &str, env: &Env<'a>, at: Loc) -> Value<'a> {
        let resolution = self
            .lowered(at.file)
            .names()
            .at(at.range)
            .map(|r| r.resolution);
        match resolution {
            Some(Resolution::Binding { up, .. }) => {
                let t = ancestor(env, up).and_then(|s| s.vars.borrow().get(name).cloned());
                match t {
                    Some(t) => self.force_at(&t, at),
                    None => Value::Unknown,
                }
            }
            Some(Resolution::Global) => global(name),
            Some(Resolution::With { up, .. }) => {
                let mut s = ancestor(env, up);
                while let Some(scope) = s {
                    if let Some(w) = &scope.with {
                        match self.force(w) {
                            Value::Attrs(a) => {
                                if let Some(slot) = a.map.get(name) {
                                    return self.force(&slot.thunk);
                                }
                                if !a.unknown_names.is_empty() {
                                    return Value::Unknown;
                                }
                            }
                            Value::Lib => return self.select_name(&Value::Lib, name),
                            Value::Builtins => return self.select_name(&Value::Builtins, name),
                            _ => return Value::Unknown,
                        }
                    }
                    s = scope.parent.clone();
                }
                Value::Unknown
            }
            // Nix rejects the file (the checks report it).
            Some(Resolution::Undefined) | None => Value::Unknown,
        }
    }

    /// Forces a variable's thunk, reporting a cycle at the use.
    fn force_at(&self, t: &Thunk<'a>, at: Loc) -> Value<'a> {
        if t.is_busy() {
            self.diag(
                at.file,
                warn(
                    "infinite_recursion",
                    at.range,
                    "this value depends on itself",
                ),
            );
            return Value::Unknown;
        }
        self.force(t)
    }

    fn select_name(&self, v: &Value<'a>, name: &str) -> Value<'a> {
        let prim = |op| {
            Value::Prim(Rc::new(Prim {
                op,
                args: Vec::new(),
                at: None,
            }))
        };
        match v {
            Value::Attrs(a) => a
                .map
                .get(name)
                .map_or(Value::Unknown, |s| self.force(&s.thunk)),
            // nixpkgs' lib and its sections (`lib.modules.mkIf`,
            // `lib.attrsets.mapAttrs`, …): one namespace here.
            Value::Lib
                if matches!(
                    name,
                    "modules" | "attrsets" | "strings" | "lists" | "trivial" | "options"
                ) =>
            {
                Value::Lib
            }
            Value::Lib => PrimOp::lib(name).map_or(Value::Unknown, prim),
            Value::Pkgs if name == "lib" => Value::Lib,
            Value::Builtins => PrimOp::builtin(name).map_or(Value::Unknown, prim),
            _ => Value::Unknown,
        }
    }

    /// The scope of a recursive set or `let`: its names bound to its values.
    fn rec_scope(&self, lw: &'a Lowered<'a>, id: NodeId, env: &Env<'a>, file: u32) -> Env<'a> {
        let scope = Rc::new(Scope {
            vars: RefCell::new(BTreeMap::new()),
            with: None,
            parent: Some(env.clone()),
        });
        self.knot(Knot::scope(&scope));
        let node = &lw.nodes[id];
        let mut vars = BTreeMap::new();
        for (name, def) in &node.attrs {
            vars.insert(
                name.clone(),
                self.def_thunk(lw, name, def.value, env, &scope, file),
            );
        }
        *scope.vars.borrow_mut() = vars;
        scope
    }

    fn def_thunk(
        &self,
        lw: &'a Lowered<'a>,
        name: &str,
        value: LValue<'a>,
        outer: &Env<'a>,
        inner: &Env<'a>,
        file: u32,
    ) -> Thunk<'a> {
        match value {
            LValue::Expr(e) => Thunk::new(Code::Expr(e, inner.clone(), file)),
            LValue::Attrs(child) => Thunk::new(Code::Node(lw, child, inner.clone(), file)),
            LValue::Inherited(r) => Thunk::new(Code::Var(
                name.to_owned(),
                outer.clone(),
                Loc { file, range: r },
            )),
            LValue::InheritFrom(e) => {
                Thunk::new(Code::Select(e, name.to_owned(), inner.clone(), file))
            }
        }
    }

    /// A merged attribute set as a value.
    fn node(&self, lw: &'a Lowered<'a>, id: NodeId, env: &Env<'a>, file: u32) -> Value<'a> {
        let node = &lw.nodes[id];
        let inner = if node.rec {
            self.rec_scope(lw, id, env, file)
        } else {
            env.clone()
        };
        let mut attrs = Attrs::default();
        for (name, def) in &node.attrs {
            let thunk = if node.rec {
                inner
                    .vars
                    .borrow()
                    .get(name)
                    .cloned()
                    .unwrap_or_else(|| Thunk::value(Value::Unknown))
            } else {
                self.def_thunk(lw, name, def.value, env, &inner, file)
            };
            attrs.map.insert(
                name.clone(),
                Slot {
                    thunk,
                    loc: Self::loc(file, def.range),
                },
            );
        }
        for d in &node.dynamic {
            let thunk = self.def_thunk(lw, "", d.value, env, &inner, file);
            let slot = Slot {
                thunk,
                loc: Self::loc(file, d.name.range()),
            };
            match self.attr_name(d.name, &inner, file) {
                Some(n) => {
                    attrs.map.insert(n, slot);
                }
                None => attrs.unknown_names.push(slot),
            }
        }
        Value::Attrs(Rc::new(attrs))
    }

    /// Applies a function.
    pub fn apply(&self, f: Value<'a>, arg: Thunk<'a>, at: Loc) -> Value<'a> {
        match f {
            Value::Lambda(c) => {
                let scope = Rc::new(Scope {
                    vars: RefCell::new(BTreeMap::new()),
                    with: None,
                    parent: Some(c.env.clone()),
                });
                let mut vars = BTreeMap::new();
                let mut defaults = false;
                if let Some(a) = c.arg {
                    vars.insert(a.name.clone(), arg.clone());
                }
                if let Some(fs) = c.formals {
                    let given = self.force(&arg);
                    for f in &fs.entries {
                        let t = match &given {
                            Value::Attrs(a) => match (a.map.get(&f.name.name), &f.default) {
                                (Some(s), _) => s.thunk.clone(),
                                (None, Some(d)) if a.unknown_names.is_empty() => {
                                    defaults = true;
                                    Thunk::new(Code::Expr(d, scope.clone(), c.file))
                                }
                                _ => Thunk::value(Value::Unknown),
                            },
                            _ => Thunk::value(Value::Unknown),
                        };
                        vars.insert(f.name.name.clone(), t);
                    }
                }
                *scope.vars.borrow_mut() = vars;
                if defaults {
                    self.knot(Knot::scope(&scope));
                }
                self.eval(c.body, &scope, c.file)
            }
            Value::Prim(p) => {
                let mut args = p.args.clone();
                args.push(arg);
                let prim = Prim {
                    op: p.op,
                    args,
                    at: p.at.or(Some(at)),
                };
                if prim.args.len() < prim.op.arity() {
                    Value::Prim(Rc::new(prim))
                } else {
                    self.run_prim(&prim, at)
                }
            }
            _ => Value::Unknown,
        }
    }

    fn typed(&self, ty: &str, fields: Vec<(&str, Thunk<'a>)>) -> Value<'a> {
        let mut a = Attrs::default();
        a.map.insert(
            "_type".into(),
            Slot {
                thunk: Thunk::value(Value::Str(ty.into())),
                loc: None,
            },
        );
        for (k, t) in fields {
            a.map.insert(
                k.into(),
                Slot {
                    thunk: t,
                    loc: None,
                },
            );
        }
        Value::Attrs(Rc::new(a))
    }

    fn run_prim(&self, p: &Prim<'a>, at: Loc) -> Value<'a> {
        let arg = |i: usize| p.args[i].clone();
        let int = |i: i64| Thunk::value(Value::Int(i));
        match p.op {
            PrimOp::MkIf => self.typed("if", vec![("condition", arg(0)), ("content", arg(1))]),
            PrimOp::MkOverride => {
                self.typed("override", vec![("priority", arg(0)), ("content", arg(1))])
            }
            PrimOp::MkDefault => self.typed(
                "override",
                vec![("priority", int(1000)), ("content", arg(0))],
            ),
            PrimOp::MkForce => {
                self.typed("override", vec![("priority", int(50)), ("content", arg(0))])
            }
            PrimOp::MkMerge => self.typed("merge", vec![("contents", arg(0))]),
            PrimOp::MkOrder => self.typed("order", vec![("priority", arg(0)), ("content", arg(1))]),
            PrimOp::MkBefore => {
                self.typed("order", vec![("priority", int(500)), ("content", arg(0))])
            }
            PrimOp::MkAfter => {
                self.typed("order", vec![("priority", int(1500)), ("content", arg(0))])
            }
            PrimOp::MkOptionDefault => self.typed(
                "override",
                vec![("priority", int(1500)), ("content", arg(0))],
            ),
            PrimOp::MkVmOverride => {
                self.typed("override", vec![("priority", int(10)), ("content", arg(0))])
            }
            PrimOp::Fun(f) => self.run_fun(f, &p.args, at),
            PrimOp::OptionalAttrs => match self.force(&arg(0)) {
                Value::Bool(true) => self.force(&arg(1)),
                Value::Bool(false) => Value::Attrs(Rc::new(Attrs::default())),
                // What it defines, under a condition not known statically.
                _ => self.typed("if", vec![("condition", arg(0)), ("content", arg(1))]),
            },
            PrimOp::Optionals => match self.force(&arg(0)) {
                Value::Bool(true) => self.force(&arg(1)),
                Value::Bool(false) => Value::List(Rc::new(Vec::new())),
                _ => Value::Unknown,
            },
            PrimOp::OptionalString => match self.force(&arg(0)) {
                Value::Bool(true) => self.force(&arg(1)),
                Value::Bool(false) => Value::Str("".into()),
                _ => Value::Unknown,
            },
            PrimOp::ToString => match self.to_string_value(&self.force(&arg(0))) {
                Some(s) => Value::Str(s.into()),
                None => Value::Unknown,
            },
            PrimOp::Import => match self.force(&arg(0)) {
                Value::Path(p) => self.import(&p, at),
                Value::Str(s) if s.starts_with('/') => self.import(&s, at),
                _ => Value::Unknown,
            },
            PrimOp::Outside(name) => {
                self.diag(
                    at.file,
                    warn(
                        "not_evaluated",
                        at.range,
                        format!("{name} is not evaluated: it reads outside the snippet"),
                    ),
                );
                Value::Unknown
            }
        }
    }

    /// `import PATH`: the file's value, through the loader.
    pub fn import(&self, path: &str, at: Loc) -> Value<'a> {
        let path = normalize(path);
        if self.importing.borrow().contains(&path) {
            self.diag(
                at.file,
                warn(
                    "import_cycle",
                    at.range,
                    format!(
                        "{path} imports itself (through {})",
                        self.importing.borrow().join(" → ")
                    ),
                ),
            );
            return Value::Unknown;
        }
        if self.importing.borrow().len() >= self.limits.max_imports {
            self.diag(
                at.file,
                warn(
                    "import_depth",
                    at.range,
                    format!("imports nested more than {} deep", self.limits.max_imports),
                ),
            );
            return Value::Unknown;
        }
        let existing = self.files.borrow().iter().position(|f| f.name == path);
        let idx = match existing {
            Some(i) => i as u32,
            None => match self.loader.load(&path) {
                Ok(text) => match self.add_file(&path, text, Some(at)) {
                    Some(i) => i,
                    None => return Value::Unknown,
                },
                Err(LoadError::Refused(why)) => {
                    self.diag(
                        at.file,
                        warn(
                            "import_outside",
                            at.range,
                            format!("{path} is not read: {why}"),
                        ),
                    );
                    return Value::Unknown;
                }
                Err(LoadError::Missing(why)) => {
                    self.diag(
                        at.file,
                        Diagnostic::error(
                            "import_missing",
                            at.range,
                            format!("{path} cannot be imported: {why} (Nix would fail here)"),
                        ),
                    );
                    return Value::Unknown;
                }
            },
        };
        self.importing.borrow_mut().push(path);
        let v = self.eval_file(idx);
        self.importing.borrow_mut().pop();
        v
    }

    fn binary(&self, op: BinOp, a: &'a Expr, b: &'a Expr, env: &Env<'a>, file: u32) -> Value<'a> {
        use Value::*;
        match op {
            BinOp::And => match self.eval(a, env, file) {
                Bool(false) => Bool(false),
                Bool(true) => match self.eval(b, env, file) {
                    Bool(x) => Bool(x),
                    _ => Unknown,
                },
                _ => match self.eval(b, env, file) {
                    Bool(false) => Bool(false),
                    _ => Unknown,
                },
            },
            BinOp::Or => match self.eval(a, env, file) {
                Bool(true) => Bool(true),
                Bool(false) => match self.eval(b, env, file) {
                    Bool(x) => Bool(x),
                    _ => Unknown,
                },
                _ => match self.eval(b, env, file) {
                    Bool(true) => Bool(true),
                    _ => Unknown,
                },
            },
            BinOp::Impl => match self.eval(a, env, file) {
                Bool(false) => Bool(true),
                Bool(true) => match self.eval(b, env, file) {
                    Bool(x) => Bool(x),
                    _ => Unknown,
                },
                _ => Unknown,
            },
            BinOp::PipeInto => {
                let x = Thunk::new(Code::Expr(a, env.clone(), file));
                let f = self.eval(b, env, file);
                self.apply(
                    f,
                    x,
                    Loc {
                        file,
                        range: b.range,
                    },
                )
            }
            BinOp::PipeFrom => {
                let x = Thunk::new(Code::Expr(b, env.clone(), file));
                let f = self.eval(a, env, file);
                self.apply(
                    f,
                    x,
                    Loc {
                        file,
                        range: a.range,
                    },
                )
            }
            _ => {
                let (x, y) = (self.eval(a, env, file), self.eval(b, env, file));
                arith(op, x, y, self)
            }
        }
    }

    /// Structural equality when both sides are known, deeply.
    pub(crate) fn equal(&self, x: &Value<'a>, y: &Value<'a>) -> Option<bool> {
        self.nested(|| self.equal_inner(x, y))
    }

    fn equal_inner(&self, x: &Value<'a>, y: &Value<'a>) -> Option<bool> {
        use Value::*;
        Some(match (x, y) {
            (Null, Null) => true,
            (Bool(a), Bool(b)) => a == b,
            (Int(a), Int(b)) => a == b,
            (Float(a), Float(b)) => a == b,
            (Int(a), Float(b)) | (Float(b), Int(a)) => (*a as f64) == *b,
            (Str(a), Str(b)) | (Path(a), Path(b)) => a == b,
            (List(a), List(b)) => {
                if a.len() != b.len() {
                    return Some(false);
                }
                for (p, q) in a.iter().zip(b.iter()) {
                    if !self.equal(&self.force(p), &self.force(q))? {
                        return Some(false);
                    }
                }
                true
            }
            (Attrs(a), Attrs(b)) => {
                if !a.unknown_names.is_empty() || !b.unknown_names.is_empty() {
                    return None;
                }
                if a.map.len() != b.map.len() || a.map.keys().ne(b.map.keys()) {
                    return Some(false);
                }
                for (p, q) in a.map.values().zip(b.map.values()) {
                    if !self.equal(&self.force(&p.thunk), &self.force(&q.thunk))? {
                        return Some(false);
                    }
                }
                true
            }
            (Unknown, _)
            | (_, Unknown)
            | (Lambda(_), _)
            | (_, Lambda(_))
            | (Prim(_), _)
            | (_, Prim(_)) => return None,
            (Lib | Pkgs | Builtins, _) | (_, Lib | Pkgs | Builtins) => return None,
            _ => false,
        })
    }
}

fn arith<'a>(op: BinOp, x: Value<'a>, y: Value<'a>, ev: &Evaluator<'a>) -> Value<'a> {
    use Value::*;
    let num = |a: &Value<'_>| match a {
        Int(i) => Some(*i as f64),
        Float(f) => Some(*f),
        _ => None,
    };
    match op {
        BinOp::Add => match (&x, &y) {
            (Int(a), Int(b)) => a.checked_add(*b).map_or(Unknown, Int),
            (Str(a), Str(b)) | (Path(a), Str(b)) | (Path(a), Path(b))
                if !ev.fits((a.len() + b.len()) as u64) =>
            {
                Unknown
            }
            (Str(a), Str(b)) => Str(format!("{a}{b}").into()),
            (Path(a), Str(b)) | (Path(a), Path(b)) => Path(normalize(&format!("{a}{b}")).into()),
            _ => match (num(&x), num(&y)) {
                (Some(a), Some(b)) => Float(a + b),
                _ => Unknown,
            },
        },
        BinOp::Sub => match (&x, &y) {
            (Int(a), Int(b)) => a.checked_sub(*b).map_or(Unknown, Int),
            _ => match (num(&x), num(&y)) {
                (Some(a), Some(b)) => Float(a - b),
                _ => Unknown,
            },
        },
        BinOp::Mul => match (&x, &y) {
            (Int(a), Int(b)) => a.checked_mul(*b).map_or(Unknown, Int),
            _ => match (num(&x), num(&y)) {
                (Some(a), Some(b)) => Float(a * b),
                _ => Unknown,
            },
        },
        BinOp::Div => match (&x, &y) {
            (Int(_), Int(0)) => Unknown,
            (Int(a), Int(b)) => a.checked_div(*b).map_or(Unknown, Int),
            _ => match (num(&x), num(&y)) {
                (Some(a), Some(b)) if b != 0.0 => Float(a / b),
                _ => Unknown,
            },
        },
        BinOp::Concat => match (&x, &y) {
            (List(a), List(b)) if !ev.fits((a.len() + b.len()) as u64 * LIST_ELEMENT_BYTES) => {
                Unknown
            }
            (List(a), List(b)) => List(Rc::new(a.iter().chain(b.iter()).cloned().collect())),
            _ => Unknown,
        },
        BinOp::Update => match (&x, &y) {
            (Attrs(a), Attrs(b))
                if !ev.fits((a.map.len() + b.map.len()) as u64 * ATTR_ENTRY_BYTES) =>
            {
                Unknown
            }
            (Attrs(a), Attrs(b)) => {
                let mut m = crate::value::Attrs {
                    map: a.map.clone(),
                    unknown_names: a.unknown_names.clone(),
                };
                for (k, v) in &b.map {
                    m.map.insert(k.clone(), v.clone());
                }
                m.unknown_names.extend(b.unknown_names.iter().cloned());
                Attrs(Rc::new(m))
            }
            _ => Unknown,
        },
        BinOp::Eq | BinOp::Neq => match ev.equal(&x, &y) {
            Some(e) => Bool(if op == BinOp::Eq { e } else { !e }),
            None => Unknown,
        },
        BinOp::Lt | BinOp::Gt | BinOp::Leq | BinOp::Geq => {
            let ord = match (&x, &y) {
                (Str(a), Str(b)) => Some(a.cmp(b)),
                _ => match (num(&x), num(&y)) {
                    (Some(a), Some(b)) => a.partial_cmp(&b),
                    _ => None,
                },
            };
            match ord {
                Some(o) => Bool(match op {
                    BinOp::Lt => o.is_lt(),
                    BinOp::Gt => o.is_gt(),
                    BinOp::Leq => o.is_le(),
                    _ => o.is_ge(),
                }),
                None => Unknown,
            }
        }
        _ => Unknown,
    }
}

/// The scope `up` scopes out from `env`.
fn ancestor<'a>(env: &Env<'a>, up: u32) -> Option<Env<'a>> {
    let mut s = env;
    for _ in 0..up {
        s = s.parent.as_ref()?;
    }
    Some(s.clone())
}

/// The values of Nix's global names the evaluator knows; others unknown.
fn global<'a>(name: &str) -> Value<'a> {
    match name {
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        "null" => Value::Null,
        "builtins" => Value::Builtins,
        // Nix's global functions (the rest are `builtins.x` or `__x`).
        "map" | "toString" | "import" | "removeAttrs" | "isNull" => prim_value(name),
        n => match n.strip_prefix("__") {
            Some(b) if b != "curPos" => prim_value(b),
            _ => Value::Unknown,
        },
    }
}

fn prim_value<'a>(name: &str) -> Value<'a> {
    match PrimOp::builtin(name) {
        Some(op) => Value::Prim(Rc::new(Prim {
            op,
            args: Vec::new(),
            at: None,
        })),
        None => Value::Unknown,
    }
}

/// A duration as the flags take it (`500ms`, `5s`).
pub fn show_duration(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{}ms", d.as_millis())
    }
}

/// A size as the flags take it (`256MiB`, `1500KiB`, `100B`).
pub fn show_bytes(b: u64) -> String {
    match b {
        b if b >= 1 << 30 && b % (1 << 30) == 0 => format!("{}GiB", b >> 30),
        b if b >= 1 << 20 && b % (1 << 20) == 0 => format!("{}MiB", b >> 20),
        b if b >= 1 << 10 && b % (1 << 10) == 0 => format!("{}KiB", b >> 10),
        b => format!("{b}B"),
    }
}

/// Removes `.` and `..` components, as Nix's `canonPath` does.
pub fn normalize(p: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for c in p.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    format!("/{}", out.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    struct NoFiles;
    impl Loader for NoFiles {
        fn load(&self, _: &str) -> Result<String, LoadError> {
            Err(LoadError::Missing("none".into()))
        }
    }

    /// Values that hold themselves (through their scope, their thunk or a
    /// function's default) are freed with the evaluator: the language
    /// server evaluates on every change, and `Rc` frees no cycle.
    #[test]
    fn an_evaluation_gives_back_its_cycles() {
        for src in [
            "let t = { a = t; b = [ t ]; }; in t",
            "rec { a = b; b = { c = a; }; }",
            "let f = { x ? y, y ? x }: { inherit x y; f = f; }; in f { }",
            "let xs = builtins.map (x: xs) [ 1 2 ]; in { inherit xs; }",
        ] {
            let store = Store::new();
            let ev = Evaluator::new(&store, &NoFiles, Limits::default());
            let idx = ev.add_file("/t.nix", src.to_owned(), None).unwrap();
            let v = ev.eval_file(idx);
            let Value::Attrs(a) = &v else {
                panic!("{src}: not a set");
            };
            // Forced, so that the cycles exist.
            for s in a.map.values() {
                let _ = ev.force(&s.thunk);
            }
            let weak = Rc::downgrade(a);
            drop(v);
            drop(ev);
            assert!(
                weak.upgrade().is_none(),
                "{src}: the set outlives its evaluation"
            );
        }
    }
}
