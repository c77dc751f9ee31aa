//! Name resolution: what binds each name of a file, and what reads each
//! binding, as Nix's `bindVars` decides it.
//!
//! One walk over the merged attribute sets of [`crate::lower`] (Nix binds
//! variables in the merged `ExprAttrs`, so a value added to a `rec` set by
//! an attribute path sees its names) records every scope — `let`, `rec`
//! sets and legacy `let { … }`, functions (argument and formals), `with` —
//! every binding, and every reference with its [`Resolution`]:
//!
//! - a binding of an enclosing scope: lexical bindings win over every
//!   `with`, whatever the nesting;
//! - one of Nix's global names ([`crate::globals`]), lexical too: they come
//!   before any `with`;
//! - otherwise the innermost enclosing `with`, and at evaluation the
//!   enclosing ones in turn (Nix's `fromWith` / `prevWith`);
//! - otherwise nothing: Nix rejects the file ("undefined variable").
//!
//! It is computed once per file, on first use ([`Lowered::names`]), and
//! read by every check that is about names (`undefined_variable`, the
//! unused-name warnings) and by the evaluator's variable lookup, which
//! goes `up` as many scopes as the resolution says instead of searching by
//! name. The evaluator makes one scope at run time for each scope here
//! (a `let`, a recursive set, a function call, a `with`), which is what
//! makes the count hold.

use std::cell::OnceCell;
use std::collections::{HashMap, HashSet};
use std::ops::Range;

use rnix::{TextRange, TextSize};

use crate::ast::{Expr, ExprKind};
use crate::globals::is_global;
use crate::lower::{for_each_child, name_children, Lowered, NodeId, Value};

/// Index of a [`Scope`] in [`NameResolution::scopes`].
pub type ScopeId = usize;
/// Index of a [`Binding`] in [`NameResolution::bindings`].
pub type BindingId = usize;
/// Index of a [`Reference`] in [`NameResolution::references`].
pub type ReferenceId = usize;

/// What makes a scope.
#[derive(Debug, Clone, Copy)]
pub enum ScopeKind {
    /// `let … in …`: the merged set of its bindings.
    Let(NodeId),
    /// A recursive set: `rec { … }` (its node's `literal` is the set) or
    /// a legacy `let { … }`.
    Rec(NodeId),
    /// A function (its range): its argument and formals.
    Lambda(TextRange),
    /// `with e; …` (its range): binds no name of its own; names nothing
    /// else binds may come from it.
    With(TextRange),
}

/// A scope.
#[derive(Debug)]
pub struct Scope {
    /// What makes it.
    pub kind: ScopeKind,
    /// The scope it is in.
    pub parent: Option<ScopeId>,
    /// The names it binds (none for a `with`).
    pub bindings: Range<BindingId>,
    /// For a `with`: the references that may come from it (bound by no
    /// lexical scope, below it), in the order resolved.
    pub reads: Vec<ReferenceId>,
}

/// How a name is bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BindingKind {
    /// A binding of `let … in`.
    Let,
    /// An attribute of a recursive set or of a legacy `let { … }`.
    Rec,
    /// A function's argument (`x:`, `args@{ … }`).
    Arg,
    /// A formal of a function's pattern (`{ x, … }:`).
    Formal,
}

/// A name a scope binds.
#[derive(Debug)]
pub struct Binding {
    /// The name.
    pub name: String,
    /// Where it is bound (the attribute path, the argument, the formal).
    pub range: TextRange,
    /// How.
    pub kind: BindingKind,
    /// The scope that binds it.
    pub scope: ScopeId,
    /// The range of its value when it is an expression of its own (`x =
    /// e;`; not a set made from attribute paths, not `inherit`).
    pub value: Option<TextRange>,
    /// The references that read it, in the order resolved.
    pub reads: Vec<ReferenceId>,
}

/// What a reference refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    /// A binding of the scope `up` scopes out from the reference (0: the
    /// innermost scope around it).
    Binding {
        /// The binding.
        id: BindingId,
        /// How many scopes out its scope is.
        up: u32,
    },
    /// One of Nix's global names.
    Global,
    /// Bound by no lexical scope: the innermost `with` around it, `up`
    /// scopes out; at evaluation, the enclosing `with`s in turn.
    With {
        /// The innermost `with`.
        scope: ScopeId,
        /// How many scopes out it is.
        up: u32,
    },
    /// Nothing binds it: Nix rejects the file.
    Undefined,
}

/// A use of a name: a variable, the `or` of `f or`, the name of an
/// `inherit x;` (which reads the scope around the set).
#[derive(Debug)]
pub struct Reference {
    /// The name, when no binding has it ([`NameResolution::name`]).
    name: Box<str>,
    /// Where it is.
    pub range: TextRange,
    /// What it refers to.
    pub resolution: Resolution,
}

/// The scopes, bindings and references of one file.
#[derive(Debug, Default)]
pub struct NameResolution {
    /// Every scope, outer ones first.
    pub scopes: Vec<Scope>,
    /// Every binding, by scope, in the order each scope binds them.
    pub bindings: Vec<Binding>,
    /// Every reference, in the order resolved (the order of the walk:
    /// attributes by name, then dynamic ones, then a `let`'s body).
    pub references: Vec<Reference>,
    /// References by where they start, sorted: made for the first
    /// [`NameResolution::at`] (the evaluator's; the checks go through
    /// them all).
    by_start: OnceCell<Vec<(TextSize, ReferenceId)>>,
}

impl NameResolution {
    /// The reference at `range`, if one is there.
    pub fn at(&self, range: TextRange) -> Option<&Reference> {
        let index = self.by_start.get_or_init(|| {
            let mut v: Vec<_> = (self.references.iter().enumerate())
                .map(|(i, r)| (r.range.start(), i))
                .collect();
            v.sort_unstable();
            v
        });
        let i = index
            .binary_search_by_key(&range.start(), |&(start, _)| start)
            .ok()?;
        let r = &self.references[index[i].1];
        (r.range == range).then_some(r)
    }

    /// The name `r` reads.
    pub fn name<'s>(&'s self, r: &'s Reference) -> &'s str {
        match r.resolution {
            Resolution::Binding { id, .. } => &self.bindings[id].name,
            _ => &r.name,
        }
    }

    /// The innermost `with` around scope `s`, `s` excluded.
    pub fn enclosing_with(&self, s: ScopeId) -> Option<ScopeId> {
        let mut p = self.scopes[s].parent;
        while let Some(i) = p {
            if matches!(self.scopes[i].kind, ScopeKind::With(_)) {
                return Some(i);
            }
            p = self.scopes[i].parent;
        }
        None
    }

    /// The bindings of scope `s`.
    pub fn bindings_of(&self, s: ScopeId) -> &[Binding] {
        &self.bindings[self.scopes[s].bindings.clone()]
    }
}

/// Resolves every name of a file: what [`Lowered::names`] computes once.
pub(crate) fn resolve<'a>(lowered: &Lowered<'a>, root: &'a Expr) -> NameResolution {
    let mut r = Resolver {
        lowered,
        out: NameResolution::default(),
        frames: Vec::new(),
        visible: HashMap::new(),
        withs: Vec::new(),
        inherited_from: HashSet::new(),
    };
    r.expr(root);
    r.out
}

struct Resolver<'l, 'a> {
    lowered: &'l Lowered<'a>,
    out: NameResolution,
    /// The scopes open here, outermost first.
    frames: Vec<ScopeId>,
    /// Each name bound here: its bindings, innermost last, with the depth
    /// (in `frames`) of their scope.
    visible: HashMap<&'l str, Vec<(BindingId, usize)>>,
    /// The `with`s open here, innermost last, with their depth.
    withs: Vec<(ScopeId, usize)>,
    /// The `inherit (e)` expressions walked: one such `e` is the value of
    /// each name it inherits, and is walked once.
    inherited_from: HashSet<*const Expr>,
}

impl<'l, 'a: 'l> Resolver<'l, 'a> {
    /// Opens a scope binding `names` (name, range, kind, value).
    fn open(
        &mut self,
        kind: ScopeKind,
        names: impl IntoIterator<Item = (&'l str, TextRange, BindingKind, Option<TextRange>)>,
    ) {
        let id = self.out.scopes.len();
        let depth = self.frames.len();
        let start = self.out.bindings.len();
        for (name, range, bkind, value) in names {
            self.visible
                .entry(name)
                .or_default()
                .push((self.out.bindings.len(), depth));
            self.out.bindings.push(Binding {
                name: name.to_owned(),
                range,
                kind: bkind,
                scope: id,
                value,
                reads: Vec::new(),
            });
        }
        let end = self.out.bindings.len();
        if let ScopeKind::With(_) = kind {
            self.withs.push((id, depth));
        }
        self.out.scopes.push(Scope {
            kind,
            parent: self.frames.last().copied(),
            bindings: start..end,
            reads: Vec::new(),
        });
        self.frames.push(id);
    }

    fn close(&mut self) {
        let Some(id) = self.frames.pop() else {
            return;
        };
        let scope = &self.out.scopes[id];
        if let ScopeKind::With(_) = scope.kind {
            self.withs.pop();
        }
        for b in &self.out.bindings[scope.bindings.clone()] {
            if let Some(v) = self.visible.get_mut(b.name.as_str()) {
                v.pop();
            }
        }
    }

    fn reference(&mut self, name: &str, range: TextRange) {
        let here = self.frames.len();
        let id = self.out.references.len();
        let resolution = if let Some(&(b, depth)) = self.visible.get(name).and_then(|v| v.last()) {
            self.out.bindings[b].reads.push(id);
            Resolution::Binding {
                id: b,
                up: (here - 1 - depth) as u32,
            }
        } else if is_global(name, self.lowered.version) {
            Resolution::Global
        } else if let Some(&(w, depth)) = self.withs.last() {
            for &(w, _) in &self.withs {
                self.out.scopes[w].reads.push(id);
            }
            Resolution::With {
                scope: w,
                up: (here - 1 - depth) as u32,
            }
        } else {
            Resolution::Undefined
        };
        let name = match resolution {
            // Its binding's.
            Resolution::Binding { .. } => Box::default(),
            _ => name.into(),
        };
        self.out.references.push(Reference {
            name,
            range,
            resolution,
        });
    }

    fn expr(&mut self, e: &'a Expr) {
        crate::with_stack(|| self.expr_inner(e));
    }

    fn expr_inner(&mut self, e: &'a Expr) {
        match &e.kind {
            ExprKind::Var(name) => self.reference(name, e.range),
            ExprKind::OrCall { func, or_range } => {
                self.expr(func);
                self.reference("or", *or_range);
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
                self.open(ScopeKind::With(e.range), []);
                self.expr(body);
                self.close();
            }
            ExprKind::Lambda { arg, formals, body } => {
                let arg = arg
                    .iter()
                    .map(|a| (a.name.as_str(), a.range, BindingKind::Arg, None));
                let named = formals.iter().flat_map(|fs| {
                    fs.entries.iter().map(|f| {
                        (
                            f.name.name.as_str(),
                            f.name.range,
                            BindingKind::Formal,
                            None,
                        )
                    })
                });
                self.open(ScopeKind::Lambda(e.range), arg.chain(named));
                if let Some(fs) = formals {
                    for d in fs.entries.iter().filter_map(|f| f.default.as_ref()) {
                        self.expr(d);
                    }
                }
                self.expr(body);
                self.close();
            }
            _ => for_each_child(e, |c| self.expr(c)),
        }
    }

    /// A merged attribute set: a recursive one (a `rec` set, a `let`, a
    /// legacy `let`) is a scope of its own; `body` is a `let`'s body.
    fn node(&mut self, id: NodeId, body: Option<&'a Expr>) {
        let lowered = self.lowered;
        let node = &lowered.nodes[id];
        // `inherit x;` looks outside the set, even a recursive one.
        for (name, def) in &node.attrs {
            if let Value::Inherited(range) = def.value {
                self.reference(name, range);
            }
        }
        if node.rec {
            let (kind, bkind) = match body {
                Some(_) => (ScopeKind::Let(id), BindingKind::Let),
                None => (ScopeKind::Rec(id), BindingKind::Rec),
            };
            let names = node.attrs.iter().map(|(name, def)| {
                let value = match def.value {
                    Value::Expr(v) => Some(v.range),
                    _ => None,
                };
                (name.as_str(), def.range, bkind, value)
            });
            self.open(kind, names);
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
            self.close();
        }
    }

    fn value(&mut self, v: Value<'a>) {
        match v {
            Value::Expr(e) => self.expr(e),
            Value::InheritFrom(e) => {
                if self.inherited_from.insert(e as *const Expr) {
                    self.expr(e);
                }
            }
            // Nested sets of a `rec` or `let` are sets of their own.
            Value::Attrs(child) => crate::with_stack(|| self.node(child, None)),
            Value::Inherited(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::version::NixVersion;

    /// Each reference of `src` as `name@offset: resolution`, the binding
    /// shown as `name@offset^up`.
    fn resolved(src: &str) -> Vec<String> {
        let ast = crate::parse_ast(src).expect("parses");
        let lowered = crate::lower::lower(&ast, src, NixVersion::CURRENT);
        let names = lowered.names();
        names
            .references
            .iter()
            .map(|r| {
                let what = match r.resolution {
                    Resolution::Binding { id, up } => {
                        let b = &names.bindings[id];
                        format!("{}@{}^{up}", b.name, u32::from(b.range.start()))
                    }
                    Resolution::Global => "global".to_owned(),
                    Resolution::With { scope, up } => match names.scopes[scope].kind {
                        ScopeKind::With(r) => format!("with@{}^{up}", u32::from(r.start())),
                        _ => "not a with".to_owned(),
                    },
                    Resolution::Undefined => "undefined".to_owned(),
                };
                format!("{}@{}: {what}", names.name(r), u32::from(r.range.start()))
            })
            .collect()
    }

    #[test]
    fn lexical_bindings_count_the_scopes_out() {
        // `a` is read from inside the second `let`, the function and the
        // `with`: three scopes out.
        assert_eq!(
            resolved("let a = 1; in with {}; x: let b = a; in b"),
            ["a@34: a@4^3", "b@40: b@30^0"]
        );
    }

    #[test]
    fn globals_and_lexical_names_win_over_with() {
        assert_eq!(
            resolved("x: with x; with y; [ x true z ]"),
            [
                "x@8: x@0^0",
                "y@16: with@3^0",
                "x@21: x@0^2",
                "true@23: global",
                "z@28: with@11^0",
            ]
        );
        assert_eq!(resolved("[ z ]"), ["z@2: undefined"]);
    }

    #[test]
    fn inherit_reads_the_scope_around_its_set() {
        // In a `rec` set, `inherit v;` is the `v` outside; in a set nested
        // in one, the `rec` set's own.
        assert_eq!(
            resolved("v: rec { inherit v; s = { inherit v; }; }"),
            ["v@17: v@0^0", "v@34: v@17^0"]
        );
        // `inherit (e)` evaluates `e` inside the set's own scope, once.
        assert_eq!(
            resolved("rec { e = {}; inherit (e) a b; }"),
            ["e@23: e@6^0"]
        );
    }

    #[test]
    fn a_value_merged_into_a_rec_set_sees_its_names() {
        // `a.y` goes into the `rec` set `a` (Nix's `addAttr`), whose scope
        // binds `x`.
        assert_eq!(
            resolved("{ a = rec { x = 1; }; a.y = x; }"),
            ["x@28: x@12^0"]
        );
    }

    #[test]
    fn shadowing_and_or() {
        assert_eq!(
            resolved("let or = 1; f = x: x; in rec { a = 1; b = a: a; c = f or; }"),
            [
                "x@19: x@16^0",
                "a@45: a@42^0",
                "f@52: f@12^1",
                "or@54: or@4^1",
            ]
        );
    }
}
