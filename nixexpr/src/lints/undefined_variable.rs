//! `undefined_variable`: a name that nothing binds.
//!
//! **What**: scope analysis as Nix's `bindVars` does it, over the merged
//! attribute sets: `let`, `rec`, function arguments and formals, `inherit`
//! (which looks in the enclosing scope; `inherit (e)` evaluates `e` inside
//! the set's own), and Nix's global names (`builtins`, `map`, `__add`, …).
//! Inside `with e;` every name is possibly defined, so nothing there is
//! reported. `f or` is a call of `f` with the variable `or`.
//!
//! **Why**: Nix rejects the whole file before evaluating anything:
//! "undefined variable 'pkgs'". In a snippet this is usually a missing
//! module argument: `{ pkgs, ... }:`.
//!
//! **Example**: `{ environment.systemPackages = [ pkgs.htop ]; }`

use super::{Context, Lint};
use crate::ast::{Expr, ExprKind};
use crate::diagnostic::{Diagnostic, Severity};
use crate::globals::is_global;
use crate::lower::{for_each_child, name_children, Lowered, NodeId, Value};
use crate::version::NixVersion;
use rnix::TextRange;

/// The check.
pub const LINT: Lint = Lint {
    code: "undefined_variable",
    severity: Severity::Error,
    parity: true,
    summary: "variable that nothing binds",
    run,
};

fn run(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let (Some(ast), Some(lowered)) = (cx.ast, cx.lowered) else {
        return;
    };
    let mut s = Scopes {
        lowered,
        frames: Vec::new(),
        version: cx.opts.version,
        found: Vec::new(),
    };
    s.expr(ast);
    s.found.sort_by_key(|(r, _)| (r.start(), r.end()));
    s.found.dedup();
    for (range, name) in s.found {
        let mut d = Diagnostic::error(LINT.code, range, format!("undefined variable '{name}'"));
        if let Some(note) = hint(&name) {
            d = d.with_note(note);
            if let Some(edit) = add_argument(ast, cx.src, &name) {
                d = d.with_fix(format!("take `{name}` as a module argument"), vec![edit]);
            }
        }
        out.push(d);
    }
}

/// The edit that makes `name` a module argument: into the top function's
/// formals (`{ config, ... }:` → `{ config, pkgs, ... }:`), or a function
/// around a module that is a bare set. None for a function of `x:`.
fn add_argument(ast: &Expr, src: &str, name: &str) -> Option<crate::diagnostic::Edit> {
    use rnix::TextSize;
    let top = ast.unparen();
    let at = |pos: TextSize, text: String| crate::diagnostic::Edit {
        range: TextRange::new(pos, pos),
        text,
    };
    match &top.kind {
        ExprKind::Lambda {
            formals: Some(fs), ..
        } => match fs.entries.last() {
            // After the last formal (and its default).
            Some(last) => {
                let end = last
                    .default
                    .as_ref()
                    .map_or(last.name.range.end(), |d| d.range.end());
                Some(at(end, format!(", {name}")))
            }
            None => {
                // `{ ... }:` or `{ }:`: right after the brace.
                let open = src[usize::from(top.range.start())..].find('{')?;
                let pos = top.range.start() + TextSize::from(open as u32 + 1);
                Some(at(pos, format!(" {name},")))
            }
        },
        ExprKind::Lambda { .. } => None,
        _ => Some(at(top.range.start(), format!("{{ {name}, ... }}:\n"))),
    }
}

fn hint(name: &str) -> Option<String> {
    match name {
        "pkgs" | "lib" | "config" | "options" | "modulesPath" | "id" | "network" | "properties" => Some(format!(
            "`{name}` is a module argument: take it in the snippet's function, `{{ {name}, ... }}: {{ … }}`"
        )),
        _ => None,
    }
}

enum Frame<'l> {
    Names(Vec<&'l str>),
    With,
}

struct Scopes<'l, 'a> {
    lowered: &'l Lowered<'a>,
    frames: Vec<Frame<'l>>,
    version: NixVersion,
    found: Vec<(TextRange, String)>,
}

impl<'l, 'a: 'l> Scopes<'l, 'a> {
    fn lookup(&mut self, name: &str, range: TextRange) {
        let mut with = false;
        for f in self.frames.iter().rev() {
            match f {
                Frame::With => with = true,
                Frame::Names(ns) => {
                    if ns.contains(&name) {
                        return;
                    }
                }
            }
        }
        if !with && !is_global(name, self.version) {
            self.found.push((range, name.to_owned()));
        }
    }

    fn expr(&mut self, e: &'a Expr) {
        crate::with_stack(|| self.expr_inner(e));
    }

    fn expr_inner(&mut self, e: &'a Expr) {
        match &e.kind {
            ExprKind::Var(name) => self.lookup(name, e.range),
            ExprKind::OrCall { func, or_range } => {
                self.expr(func);
                self.lookup("or", *or_range);
            }
            ExprKind::Attrs { .. } | ExprKind::LegacyLet(_) => {
                if let Some(&id) = self.lowered.by_expr.get(&(e as *const Expr)) {
                    self.node(id, None);
                }
            }
            ExprKind::Let(_, body) => match self.lowered.by_expr.get(&(e as *const Expr)) {
                Some(&id) => self.node(id, Some(body)),
                None => self.expr(body),
            },
            ExprKind::With(scope, body) => {
                self.expr(scope);
                self.frames.push(Frame::With);
                self.expr(body);
                self.frames.pop();
            }
            ExprKind::Lambda { arg, formals, body } => {
                let mut names: Vec<&'l str> = arg.iter().map(|a| a.name.as_str()).collect();
                if let Some(fs) = formals {
                    names.extend(fs.entries.iter().map(|f| f.name.name.as_str()));
                }
                self.frames.push(Frame::Names(names));
                if let Some(fs) = formals {
                    for d in fs.entries.iter().filter_map(|f| f.default.as_ref()) {
                        self.expr(d);
                    }
                }
                self.expr(body);
                self.frames.pop();
            }
            _ => for_each_child(e, |c| self.expr(c)),
        }
    }

    /// A merged attribute set; a `rec` one (or a `let`) is a scope of its
    /// own, and `body` is the `let`'s body.
    fn node(&mut self, id: NodeId, body: Option<&'a Expr>) {
        let lowered = self.lowered;
        let node = &lowered.nodes[id];
        // `inherit x;` looks outside the set, even a recursive one.
        for (name, def) in &node.attrs {
            if let Value::Inherited(range) = def.value {
                self.lookup(name, range);
            }
        }
        if node.rec {
            self.frames.push(Frame::Names(
                node.attrs.keys().map(String::as_str).collect(),
            ));
        }
        for def in node.attrs.values() {
            self.value(def.value);
        }
        for d in &node.dynamic {
            name_children(d.name, &mut |e| self.expr(e));
            self.value(d.value);
        }
        if let Some(b) = body {
            self.expr(b);
        }
        if node.rec {
            self.frames.pop();
        }
    }

    fn value(&mut self, v: Value<'a>) {
        match v {
            Value::Expr(e) | Value::InheritFrom(e) => self.expr(e),
            Value::Attrs(child) => crate::with_stack(|| self.node(child, None)),
            Value::Inherited(_) => {}
        }
    }
}
