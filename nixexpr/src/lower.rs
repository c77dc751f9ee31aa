//! What Nix's parser actions do while they build the tree: attribute paths
//! are merged into nested attribute sets (`addAttr` in `parser.y`), and
//! literal names are decided static or dynamic.
//!
//! Nix raises "attribute already defined" here, and here it decides which
//! expressions survive at all: Nix before 2.17 drops the dynamic attributes
//! of a second literal definition of an attribute set, and the `rec` of any
//! such literal is lost in the merge. The scope check must see the merged
//! structure to agree with Nix, so this module builds it once for the whole
//! file and records the duplicates it meets.

use std::cell::OnceCell;
use std::collections::{BTreeMap, HashMap};

use rnix::TextRange;

use crate::ast::*;
use crate::lexer::{unescape_ind_str, unescape_str};
use crate::scope::NameResolution;
use crate::version::NixVersion;

/// Index of a [`Node`] in [`Lowered::nodes`].
pub type NodeId = usize;

/// An attribute set after merging: Nix's `ExprAttrs`.
#[derive(Debug, Default)]
pub struct Node<'a> {
    /// Static attributes.
    pub attrs: BTreeMap<String, Def<'a>>,
    /// Attributes whose name is computed.
    pub dynamic: Vec<DynDef<'a>>,
    /// `rec { … }` (or a `let`, or a legacy `let { … }`).
    pub rec: bool,
    /// The literal it was made from (an attribute set, `let` or legacy
    /// `let`); none for a set made from attribute paths (`a.b = 1;`).
    pub literal: Option<&'a Expr>,
}

/// One static attribute.
#[derive(Debug)]
pub struct Def<'a> {
    /// Its value.
    pub value: Value<'a>,
    /// Where it was defined (the attribute path, or the `inherit`).
    pub range: TextRange,
}

/// A dynamic attribute.
#[derive(Debug)]
pub struct DynDef<'a> {
    /// The name expression.
    pub name: &'a AttrName,
    /// Its value.
    pub value: Value<'a>,
}

/// The value of an attribute.
#[derive(Debug, Clone, Copy)]
pub enum Value<'a> {
    /// Any expression but an attribute-set literal.
    Expr(&'a Expr),
    /// An attribute set: a literal, or one made from an attribute path.
    Attrs(NodeId),
    /// `inherit x;`: the variable of the attribute's own name, looked up in
    /// the enclosing scope (at this range).
    Inherited(TextRange),
    /// `inherit (e) x;`: `e` is evaluated inside the set's own scope.
    InheritFrom(&'a Expr),
}

/// A duplicate definition Nix's parser rejects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateAttr {
    /// The attribute as Nix names it in its message (`a.b`).
    pub name: String,
    /// The second definition.
    pub range: TextRange,
    /// The first definition.
    pub previous: TextRange,
}

/// The merged attribute sets of one file.
#[derive(Debug, Default)]
pub struct Lowered<'a> {
    /// All nodes.
    pub nodes: Vec<Node<'a>>,
    /// The node of each attribute-set literal, `let` and legacy `let` that is
    /// not itself merged into another set, keyed by the expression's address.
    pub by_expr: HashMap<*const Expr, NodeId>,
    /// Duplicate definitions met while merging.
    pub duplicates: Vec<DuplicateAttr>,
    /// The Nix whose parser is modelled (its global names, for
    /// [`Lowered::names`]).
    pub version: NixVersion,
    /// The expression merged.
    root: Option<&'a Expr>,
    /// Its names, resolved on first use.
    names: OnceCell<NameResolution>,
}

impl<'a> Lowered<'a> {
    /// The node of an attribute-set literal, `let` or legacy `let`.
    pub fn node_of(&self, e: &Expr) -> Option<&Node<'a>> {
        self.by_expr
            .get(&(e as *const Expr))
            .map(|&id| &self.nodes[id])
    }

    /// What binds each name of the file, and what reads each binding:
    /// resolved on the first call, once per file, for every check and the
    /// evaluator.
    pub fn names(&self) -> &NameResolution {
        self.names.get_or_init(|| match self.root {
            Some(root) => crate::scope::resolve(self, root),
            None => NameResolution::default(),
        })
    }
}

/// Merges every attribute set of `expr` as Nix `version` does.
pub fn lower<'a>(expr: &'a Expr, src: &'a str, version: NixVersion) -> Lowered<'a> {
    let mut l = Lowerer {
        src,
        version,
        out: Lowered {
            version,
            root: Some(expr),
            ..Lowered::default()
        },
    };
    l.walk(expr);
    l.out
}

/// The static name of an attribute-path element, or `None` when Nix treats
/// it as dynamic. `"a"` and `${"a"}` are static; `"${a}"` is not.
pub fn static_name(name: &AttrName, src: &str) -> Option<String> {
    match name {
        AttrName::Ident(i) => Some(i.name.clone()),
        AttrName::Str { parts, .. } => static_str(parts, src),
        AttrName::Interp { expr: e, .. } => match &e.unparen().kind {
            ExprKind::Str(parts) => static_str(parts, src),
            ExprKind::IndStr(parts) => match parts.as_slice() {
                [] => Some(String::new()),
                [StrPart::Lit(r)] => Some(strip_single_indented(&unescape_ind_str(&src[*r]))),
                _ => None,
            },
            _ => None,
        },
    }
}

fn static_str(parts: &[StrPart], src: &str) -> Option<String> {
    match parts {
        [] => Some(String::new()),
        [StrPart::Lit(r)] => Some(unescape_str(&src[*r])),
        _ => None,
    }
}

/// Nix's `stripIndentation` for an indented string made of one piece.
pub fn strip_single_indented(s: &str) -> String {
    strip_indentation(&[(true, s.to_owned())])
}

/// Nix's `stripIndentation` over the pieces of an indented string:
/// (literal text?, content). Interpolations end the leading white space of
/// a line without counting as indentation.
pub fn strip_indentation(pieces: &[(bool, String)]) -> String {
    let mut at_start = true;
    let mut min = usize::MAX;
    let mut cur = 0usize;
    for (lit, s) in pieces {
        if !lit {
            if at_start {
                at_start = false;
                min = min.min(cur);
            }
            continue;
        }
        for c in s.chars() {
            if at_start {
                match c {
                    ' ' => cur += 1,
                    '\n' => cur = 0,
                    _ => {
                        at_start = false;
                        min = min.min(cur);
                    }
                }
            } else if c == '\n' {
                at_start = true;
                cur = 0;
            }
        }
    }
    let mut out = String::new();
    let mut at_start = true;
    let mut dropped = 0usize;
    let n = pieces.len();
    for (i, (lit, s)) in pieces.iter().enumerate() {
        if !lit {
            at_start = false;
            dropped = 0;
            out.push_str(s);
            continue;
        }
        let mut piece = String::new();
        for c in s.chars() {
            if at_start {
                match c {
                    ' ' => {
                        if dropped >= min {
                            piece.push(c);
                        }
                        dropped += 1;
                    }
                    '\n' => {
                        dropped = 0;
                        piece.push(c);
                    }
                    _ => {
                        at_start = false;
                        dropped = 0;
                        piece.push(c);
                    }
                }
            } else {
                piece.push(c);
                if c == '\n' {
                    at_start = true;
                }
            }
        }
        // The last line is dropped when it has only spaces.
        if i + 1 == n {
            if let Some(p) = piece.rfind('\n') {
                if piece[p + 1..].bytes().all(|b| b == b' ') {
                    piece.truncate(p + 1);
                }
            }
        }
        out.push_str(&piece);
    }
    out
}

/// How Nix prints an attribute path in "already defined" messages.
fn show_path(path: &[AttrName], src: &str) -> String {
    path.iter()
        .map(|n| static_name(n, src).unwrap_or_else(|| "\"${...}\"".to_owned()))
        .collect::<Vec<_>>()
        .join(".")
}

struct Lowerer<'a> {
    src: &'a str,
    version: NixVersion,
    out: Lowered<'a>,
}

impl<'a> Lowerer<'a> {
    fn new_node(&mut self, rec: bool, literal: Option<&'a Expr>) -> NodeId {
        self.out.nodes.push(Node {
            rec,
            literal,
            ..Node::default()
        });
        self.out.nodes.len() - 1
    }

    /// Visits every expression once; attribute-set literals become nodes.
    fn walk(&mut self, e: &'a Expr) {
        crate::with_stack(|| self.walk_inner(e));
    }

    fn walk_inner(&mut self, e: &'a Expr) {
        match &e.kind {
            ExprKind::Attrs { rec, binds } => {
                let id = self.binds(binds, *rec, e);
                self.out.by_expr.insert(e as *const Expr, id);
            }
            ExprKind::LegacyLet(binds) => {
                let id = self.binds(binds, true, e);
                self.out.by_expr.insert(e as *const Expr, id);
            }
            ExprKind::Let(binds, body) => {
                let id = self.binds(binds, true, e);
                self.out.by_expr.insert(e as *const Expr, id);
                self.walk(body);
            }
            _ => for_each_child(e, |c| self.walk(c)),
        }
    }

    fn walk_name(&mut self, n: &'a AttrName) {
        name_children(n, &mut |e| self.walk(e));
    }

    fn binds(&mut self, binds: &'a [Bind], rec: bool, literal: &'a Expr) -> NodeId {
        let id = self.new_node(rec, Some(literal));
        for b in binds {
            match b {
                Bind::Value { path, value, range } => {
                    for n in path {
                        self.walk_name(n);
                    }
                    let literal = value.unparen();
                    let v = match &literal.kind {
                        ExprKind::Attrs { rec, binds } => {
                            Value::Attrs(crate::with_stack(|| self.binds(binds, *rec, literal)))
                        }
                        _ => {
                            self.walk(value);
                            Value::Expr(value)
                        }
                    };
                    self.add_attr(id, path, v, *range);
                }
                Bind::Inherit { from, names, .. } => {
                    if let Some(f) = from {
                        self.walk(f);
                    }
                    for n in names {
                        self.walk_name(n);
                        // A dynamic name is an error of its own
                        // (`dynamic_attr`); Nix stops there.
                        let Some(name) = static_name(n, self.src) else {
                            continue;
                        };
                        let range = n.range();
                        if let Some(prev) = self.out.nodes[id].attrs.get(&name) {
                            let previous = prev.range;
                            self.out.duplicates.push(DuplicateAttr {
                                name,
                                range,
                                previous,
                            });
                            continue;
                        }
                        let value = match from {
                            Some(f) => Value::InheritFrom(f),
                            None => Value::Inherited(range),
                        };
                        self.out.nodes[id].attrs.insert(name, Def { value, range });
                    }
                }
            }
        }
        id
    }

    /// `addAttr` of `parser.y`.
    fn add_attr(
        &mut self,
        mut node: NodeId,
        path: &'a [AttrName],
        value: Value<'a>,
        range: TextRange,
    ) {
        let (last, init) = match path.split_last() {
            Some(x) => x,
            None => return,
        };
        for n in init {
            match static_name(n, self.src) {
                Some(name) => {
                    let existing = self.out.nodes[node]
                        .attrs
                        .get(&name)
                        .map(|d| (d.value, d.range));
                    match existing {
                        Some((Value::Attrs(child), _)) => node = child,
                        Some((_, previous)) => {
                            self.dup(path, range, previous);
                            return;
                        }
                        None => {
                            let child = self.new_node(false, None);
                            self.out.nodes[node].attrs.insert(
                                name,
                                Def {
                                    value: Value::Attrs(child),
                                    range,
                                },
                            );
                            node = child;
                        }
                    }
                }
                None => {
                    let child = self.new_node(false, None);
                    self.out.nodes[node].dynamic.push(DynDef {
                        name: n,
                        value: Value::Attrs(child),
                    });
                    node = child;
                }
            }
        }
        let Some(name) = static_name(last, self.src) else {
            self.out.nodes[node]
                .dynamic
                .push(DynDef { name: last, value });
            return;
        };
        let existing = self.out.nodes[node]
            .attrs
            .get(&name)
            .map(|d| (d.value, d.range));
        match (existing, value) {
            (None, _) => {
                self.out.nodes[node]
                    .attrs
                    .insert(name, Def { value, range });
            }
            (Some((Value::Attrs(target), _)), Value::Attrs(source)) => {
                // Both are attribute sets: merge one level.
                let src_node = std::mem::take(&mut self.out.nodes[source]);
                for (k, def) in src_node.attrs {
                    if let Some(prev) = self.out.nodes[target].attrs.get(&k) {
                        let previous = prev.range;
                        self.out.duplicates.push(DuplicateAttr {
                            name: k,
                            range: def.range,
                            previous,
                        });
                        continue;
                    }
                    self.out.nodes[target].attrs.insert(k, def);
                }
                if self.version.merges_nested_dynamic_attrs() {
                    self.out.nodes[target].dynamic.extend(src_node.dynamic);
                }
            }
            (Some((_, previous)), _) => self.dup(path, range, previous),
        }
    }

    fn dup(&mut self, path: &[AttrName], range: TextRange, previous: TextRange) {
        let name = show_path(path, self.src);
        self.out.duplicates.push(DuplicateAttr {
            name,
            range,
            previous,
        });
    }
}

/// Calls `f` on each direct sub-expression of `e` (attribute names' and
/// string parts' interpolations included).
pub fn for_each_child<'a>(e: &'a Expr, mut f: impl FnMut(&'a Expr)) {
    let f = &mut f as &mut dyn FnMut(&'a Expr);
    match &e.kind {
        ExprKind::Var(_)
        | ExprKind::CurPos
        | ExprKind::Int
        | ExprKind::Float
        | ExprKind::SPath
        | ExprKind::Uri => {}
        ExprKind::Str(ps) | ExprKind::IndStr(ps) | ExprKind::Path(ps) | ExprKind::HPath(ps) => {
            parts_children(ps, f)
        }
        ExprKind::Paren(x) | ExprKind::Not(x) | ExprKind::Neg(x) => f(x),
        ExprKind::OrCall { func, .. } => f(func),
        ExprKind::Attrs { binds, .. } | ExprKind::LegacyLet(binds) => binds_children(binds, f),
        ExprKind::Let(binds, body) => {
            binds_children(binds, f);
            f(body);
        }
        ExprKind::List(xs) => xs.iter().for_each(f),
        ExprKind::Select {
            expr,
            path,
            default,
        } => {
            f(expr);
            path.iter().for_each(|n| name_children(n, f));
            if let Some(d) = default {
                f(d);
            }
        }
        ExprKind::HasAttr { expr, path } => {
            f(expr);
            path.iter().for_each(|n| name_children(n, f));
        }
        ExprKind::Apply(a, b)
        | ExprKind::Binary(_, a, b)
        | ExprKind::Assert(a, b)
        | ExprKind::With(a, b) => {
            f(a);
            f(b);
        }
        ExprKind::If(a, b, c) => {
            f(a);
            f(b);
            f(c);
        }
        ExprKind::Lambda { formals, body, .. } => {
            if let Some(fs) = formals {
                for d in fs.entries.iter().filter_map(|x| x.default.as_ref()) {
                    f(d);
                }
            }
            f(body);
        }
    }
}

fn parts_children<'a>(parts: &'a [StrPart], f: &mut dyn FnMut(&'a Expr)) {
    for p in parts {
        if let StrPart::Interp(e) = p {
            f(e);
        }
    }
}

fn binds_children<'a>(binds: &'a [Bind], f: &mut dyn FnMut(&'a Expr)) {
    for b in binds {
        match b {
            Bind::Value { path, value, .. } => {
                for n in path {
                    name_children(n, f);
                }
                f(value);
            }
            Bind::Inherit { from, names, .. } => {
                if let Some(e) = from {
                    f(e);
                }
                for n in names {
                    name_children(n, f);
                }
            }
        }
    }
}

/// Calls `f` on the expressions inside an attribute name.
pub fn name_children<'a>(n: &'a AttrName, f: &mut dyn FnMut(&'a Expr)) {
    match n {
        AttrName::Ident(_) => {}
        AttrName::Str { parts, .. } => parts_children(parts, f),
        AttrName::Interp { expr, .. } => f(expr),
    }
}
