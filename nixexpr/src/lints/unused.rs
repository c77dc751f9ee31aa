//! `unused_binding`, `unused_argument`, `unused_with`, `escaping_with`,
//! `empty_let`, `redundant_rec`: what a snippet binds and never uses (the
//! warnings of nil, nixd's nixf-tidy, statix and deadnix that service
//! snippets need).
//!
//! **What**: the scope analysis of `undefined_variable`, with every use
//! recorded. A `let` binding no value or body reads; a function's argument
//! or formal its body never reads (a module's own arguments — `config`,
//! `lib`, `pkgs`, `options`, `modulesPath`, `id`, `network`, `properties`,
//! … — and names starting with `_` are exempt: NixOS passes them whether
//! used or not); a `with e;` no name below it can come from (every name is
//! bound by a `let`, an argument or Nix itself, which all win over `with`);
//! a name that may come from a `with` inside another `with` (`with pkgs;
//! with lib; x`: which one, only evaluation tells); `let in`; `rec { … }`
//! whose attributes never refer to each other.
//!
//! **Why**: dead code hides mistakes (a misspelt reference leaves the
//! binding unused), nested `with` makes names ambiguous, and `rec` invites
//! infinite recursion. Nix accepts all of them: warnings. `# nixunits:
//! allow(CODE)` on the line, or the line above, silences one.
//!
//! **Example**: `let port = 80; in { services.nginx.enable = true; }`

use super::{Context, Lint};
use crate::ast::{Expr, ExprKind, Formals};
use crate::diagnostic::{Diagnostic, Edit, Severity};
use crate::globals::is_global;
use crate::lower::{for_each_child, name_children, Lowered, NodeId, Value};
use crate::version::NixVersion;
use rnix::{TextRange, TextSize};

macro_rules! lint {
    ($name:ident, $code:literal, $summary:literal, $run:expr) => {
        /// The check.
        pub const $name: Lint = Lint {
            code: $code,
            severity: Severity::Warning,
            parity: false,
            summary: $summary,
            run: $run,
        };
    };
}

/// One analysis finds all six: it runs with the first, the others are
/// listed for their codes and summaries.
fn all(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    out.extend(analyze(cx));
}

fn listed(_: &Context<'_>, _: &mut Vec<Diagnostic>) {}

lint!(
    UNUSED_BINDING,
    "unused_binding",
    "a `let` binding nothing reads",
    all
);
lint!(
    UNUSED_ARGUMENT,
    "unused_argument",
    "a function argument its body never reads",
    listed
);
lint!(
    UNUSED_WITH,
    "unused_with",
    "a `with` no name below it comes from",
    listed
);
lint!(
    ESCAPING_WITH,
    "escaping_with",
    "a name that may come from either of nested `with`s",
    listed
);
lint!(EMPTY_LET, "empty_let", "`let in` with no binding", listed);
lint!(
    REDUNDANT_REC,
    "redundant_rec",
    "`rec` whose attributes never refer to each other",
    listed
);

/// Arguments NixOS passes every module, used or not.
const MODULE_ARGS: &[&str] = &[
    "config",
    "lib",
    "pkgs",
    "options",
    "modulesPath",
    "specialArgs",
    "utils",
    "name",
    "id",
    "network",
    "properties",
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Let,
    Arg,
    Formal,
    Rec,
}

struct Binding {
    name: String,
    range: TextRange,
    kind: Kind,
    used: bool,
    /// The whole binding `name = value;` (a removal fix), when simple.
    whole: Option<TextRange>,
}

struct WithScope {
    keyword: TextRange,
    used: bool,
    /// A name below it that may also come from an outer `with`.
    escaping: Option<(String, TextRange)>,
}

enum Frame {
    Names(Vec<usize>),
    With(usize),
}

struct Scopes<'l, 'a> {
    lowered: &'l Lowered<'a>,
    src: &'l str,
    version: NixVersion,
    frames: Vec<Frame>,
    bindings: Vec<Binding>,
    withs: Vec<WithScope>,
    /// The `rec` keyword of `rec` sets whose attributes never refer to
    /// each other.
    recs: Vec<TextRange>,
    empty_lets: Vec<TextRange>,
}

fn analyze(cx: &Context<'_>) -> Vec<Diagnostic> {
    let (Some(ast), Some(lowered)) = (cx.ast, cx.lowered) else {
        return Vec::new();
    };
    let mut s = Scopes {
        lowered,
        src: cx.src,
        version: cx.opts.version,
        frames: Vec::new(),
        bindings: Vec::new(),
        withs: Vec::new(),
        recs: Vec::new(),
        empty_lets: Vec::new(),
    };
    s.expr(ast);
    // `rec { … }`: redundant when no value in it names one of its
    // attributes (read on the tree: a literal merged into its parent has
    // no node of its own).
    super::walk(ast, &mut |e| {
        let ExprKind::Attrs { rec: true, binds } = &e.kind else {
            return;
        };
        let mut names = Vec::new();
        for b in binds {
            match b {
                crate::ast::Bind::Value { path, .. } => {
                    names.extend(
                        path.first()
                            .and_then(|n| crate::lower::static_name(n, cx.src)),
                    );
                }
                crate::ast::Bind::Inherit { names: ns, .. } => {
                    names.extend(
                        ns.iter()
                            .filter_map(|n| crate::lower::static_name(n, cx.src)),
                    );
                }
            }
        }
        let mut refers = false;
        for b in binds {
            let mut look = |x: &Expr| {
                super::walk(x, &mut |v| {
                    if let ExprKind::Var(n) = &v.kind {
                        refers |= names.contains(n);
                    }
                });
            };
            match b {
                crate::ast::Bind::Value { path, value, .. } => {
                    look(value);
                    for n in path {
                        name_children(n, &mut |x| look(x));
                    }
                }
                crate::ast::Bind::Inherit { from: Some(f), .. } => look(f),
                crate::ast::Bind::Inherit { .. } => {}
            }
        }
        if !refers {
            let start = e.range.start();
            s.recs
                .push(TextRange::new(start, start + TextSize::from(3)));
        }
    });
    let mut out = Vec::new();
    for b in &s.bindings {
        if b.used || b.name.starts_with('_') {
            continue;
        }
        match b.kind {
            Kind::Let => {
                let mut d = Diagnostic::warning(
                    "unused_binding",
                    b.range,
                    format!("`{}` is bound but never used", b.name),
                );
                if let Some(whole) = b.whole {
                    d = d.with_fix(
                        format!("remove the unused binding `{}`", b.name),
                        vec![Edit {
                            range: whole,
                            text: String::new(),
                        }],
                    );
                }
                out.push(d);
            }
            Kind::Arg | Kind::Formal if !MODULE_ARGS.contains(&b.name.as_str()) => {
                out.push(Diagnostic::warning(
                    "unused_argument",
                    b.range,
                    format!("the argument `{}` is never used", b.name),
                ));
            }
            _ => {}
        }
    }
    for w in &s.withs {
        if !w.used {
            out.push(
                Diagnostic::warning(
                    "unused_with",
                    w.keyword,
                    "no name below this `with` comes from it",
                )
                .with_note("every name used below is bound by a `let`, an argument or Nix itself, which win over `with`"),
            );
        }
        if let Some((name, at)) = &w.escaping {
            out.push(
                Diagnostic::warning(
                    "escaping_with",
                    *at,
                    format!("`{name}` may come from this `with` or an enclosing one"),
                )
                .with_related(w.keyword, "the inner `with`")
                .with_note("which one provides it is decided only when the file is evaluated: name its source (`lib.x`, `pkgs.x`) or `inherit (…) x;`"),
            );
        }
    }
    for keyword in &s.recs {
        out.push(
            Diagnostic::warning(
                "redundant_rec",
                *keyword,
                "`rec` is not needed: no attribute refers to another",
            )
            .with_fix(
                "remove `rec`",
                vec![Edit {
                    range: extend_spaces(s.src, *keyword),
                    text: String::new(),
                }],
            ),
        );
    }
    for r in &s.empty_lets {
        out.push(Diagnostic::warning(
            "empty_let",
            *r,
            "`let` without a binding",
        ));
    }
    out.sort_by_key(|d| (d.range.start(), d.range.end()));
    out
}

/// `range` and the spaces after it.
fn extend_spaces(src: &str, range: TextRange) -> TextRange {
    let end = usize::from(range.end());
    let spaces = src[end..].len() - src[end..].trim_start_matches([' ', '\t']).len();
    TextRange::new(range.start(), range.end() + TextSize::from(spaces as u32))
}

/// From `start` to the `;` after `value_end`, and the line's end when only
/// white space follows: the text of a binding to remove.
fn binding_extent(src: &str, start: TextSize, value_end: TextSize) -> Option<TextRange> {
    let from = usize::from(value_end);
    let semi = from + src.get(from..)?.find(';')?;
    if !src[from..semi].trim().is_empty() {
        return None;
    }
    let mut end = semi + 1;
    let rest = &src[end..];
    let line = rest.find('\n').map_or(rest.len(), |n| n + 1);
    if rest[..line].trim().is_empty() {
        end += line;
        // The indentation before the binding goes with it.
        let before = &src[..usize::from(start)];
        let indent = before.len() - before.trim_end_matches([' ', '\t']).len();
        if before[..before.len() - indent].ends_with('\n') {
            return Some(TextRange::new(
                start - TextSize::from(indent as u32),
                TextSize::from(end as u32),
            ));
        }
    }
    Some(TextRange::new(start, TextSize::from(end as u32)))
}

impl<'l, 'a: 'l> Scopes<'l, 'a> {
    fn bind(
        &mut self,
        name: &str,
        range: TextRange,
        kind: Kind,
        whole: Option<TextRange>,
    ) -> usize {
        self.bindings.push(Binding {
            name: name.to_owned(),
            range,
            kind,
            used: false,
            whole,
        });
        self.bindings.len() - 1
    }

    fn lookup(&mut self, name: &str, range: TextRange) {
        // Lexical bindings win over every `with`, whatever the nesting.
        for f in self.frames.iter().rev() {
            if let Frame::Names(ids) = f {
                if let Some(&i) = ids.iter().rev().find(|&&i| self.bindings[i].name == name) {
                    self.bindings[i].used = true;
                    return;
                }
            }
        }
        if is_global(name, self.version) {
            return;
        }
        let withs: Vec<usize> = self
            .frames
            .iter()
            .rev()
            .filter_map(|f| match f {
                Frame::With(w) => Some(*w),
                Frame::Names(_) => None,
            })
            .collect();
        for &w in &withs {
            self.withs[w].used = true;
        }
        if let (Some(&inner), true) = (withs.first(), withs.len() > 1) {
            let w = &mut self.withs[inner];
            if w.escaping.is_none() {
                w.escaping = Some((name.to_owned(), range));
            }
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
                    self.node(id, None, Kind::Rec);
                }
            }
            ExprKind::Let(binds, body) => {
                if binds.is_empty() {
                    let start = e.range.start();
                    self.empty_lets
                        .push(TextRange::new(start, start + TextSize::from(3)));
                }
                match self.lowered.by_expr.get(&(e as *const Expr)) {
                    Some(&id) => self.node(id, Some(body), Kind::Let),
                    None => self.expr(body),
                }
            }
            ExprKind::With(scope, body) => {
                self.expr(scope);
                let start = e.range.start();
                self.withs.push(WithScope {
                    keyword: TextRange::new(start, start + TextSize::from(4)),
                    used: false,
                    escaping: None,
                });
                self.frames.push(Frame::With(self.withs.len() - 1));
                self.expr(body);
                self.frames.pop();
            }
            ExprKind::Lambda { arg, formals, body } => {
                let mut ids = Vec::new();
                if let Some(a) = arg {
                    ids.push(self.bind(&a.name, a.range, Kind::Arg, None));
                }
                if let Some(fs) = formals {
                    ids.extend(self.formals(fs));
                }
                self.frames.push(Frame::Names(ids));
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

    fn formals(&mut self, fs: &Formals) -> Vec<usize> {
        fs.entries
            .iter()
            .map(|f| self.bind(&f.name.name, f.name.range, Kind::Formal, None))
            .collect()
    }

    /// A merged attribute set; a `rec` one (or a `let`) is a scope of its
    /// own, and `body` is the `let`'s body.
    fn node(&mut self, id: NodeId, body: Option<&'a Expr>, kind: Kind) {
        let lowered = self.lowered;
        let node = &lowered.nodes[id];
        for (name, def) in &node.attrs {
            if let Value::Inherited(range) = def.value {
                self.lookup(name, range);
            }
        }
        let scope = node.rec;
        if scope {
            let src = self.src;
            let ids: Vec<usize> = node
                .attrs
                .iter()
                .map(|(name, def)| {
                    let whole = match def.value {
                        Value::Expr(v) if kind == Kind::Let => {
                            binding_extent(src, def.range.start(), v.range.end())
                        }
                        _ => None,
                    };
                    self.bind(name, def.range, kind, whole)
                })
                .collect();
            self.frames.push(Frame::Names(ids));
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
        if scope {
            self.frames.pop();
        }
    }

    fn value(&mut self, v: Value<'a>) {
        match v {
            Value::Expr(e) | Value::InheritFrom(e) => self.expr(e),
            // Nested sets of a `rec` or `let` are plain sets.
            Value::Attrs(child) => crate::with_stack(|| self.node(child, None, Kind::Rec)),
            Value::Inherited(_) => {}
        }
    }
}
