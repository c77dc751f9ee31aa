//! `schema generate`'s second step: the functions option types hide,
//! recovered from the files that declare them.
//!
//! Nix cannot show a closure, so the type tree Nix gives (`options.nix`)
//! knows only that a type has an `addCheck` or a `coercedTo` conversion.
//! Their source is in the declaring files (each option's `declarations`):
//! here the embedded evaluator reads those files with a `lib` whose types
//! keep their parts (`declare.nix`), walks each module's `options` down to
//! the option — through submodules, applying each module function as the
//! module system does, so that `addrOpts 4` binds `v = 4` — and writes the
//! function down as a [`Predicate`]: its source and the values of its free
//! variables.
//!
//! The tree Nix gave is the reference: the type found must have the same
//! shape (an `addCheck` over an `int` where Nix says so); otherwise, or
//! when anything on the way is not known, nothing is recovered for the
//! option and its check stays Nix's (no error, no guess).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::rc::Rc;

use nixunits_nixexpr::ast::{AttrName, Bind, Expr, ExprKind, StrPart};
use nixunits_nixexpr::lower::for_each_child;
use nixunits_nixexpr::NixVersion;

use super::predicate::{Frozen, Predicate};
use super::Ty;
use crate::eval::{Evaluator, Limits, Loader, Store};
use crate::schema::OptionInfo;
use crate::value::{Attrs, Closure, Env, Loc, Prim, PrimOp, Slot, Thunk, Value};

/// What was recovered.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    /// Options whose type hides a function.
    pub wanted: usize,
    /// Options whose every hidden function was recovered.
    pub recovered: usize,
    /// The functions written down (checks and conversions).
    pub functions: usize,
    /// Options left to Nix: each name, and why.
    pub left: Vec<String>,
    /// Options whose type reads the configuration (an `enum` of names the
    /// configuration gives): not judged.
    pub from_config: Vec<String>,
}

/// The source of the `lib` declarations are read with.
const DECLARE: &str = include_str!("declare.nix");

/// Work bounds: one declaring file's evaluation, and what one function
/// may close over.
const LIMITS: Limits = Limits {
    max_steps: 20_000_000,
    max_depth: 400,
    max_imports: 16,
    timeout: Some(std::time::Duration::from_secs(60)),
    max_memory: Limits::DEFAULT_MEMORY,
};
const MAX_FROZEN: usize = 20_000;
const MAX_NESTING: u32 = 12;

/// Recovers the functions hidden in the types of `options`, reading the
/// declaring files under `root` (the nixpkgs tree) through `loader`.
pub fn recover(options: &mut [OptionInfo], loader: &dyn Loader, root: &str) -> Report {
    let mut report = Report::default();
    let index: HashMap<Vec<String>, usize> = options
        .iter()
        .enumerate()
        .map(|(i, o)| (o.loc.clone(), i))
        .collect();
    // The files to read, each with the options it may declare.
    let mut by_file: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let mut wanted = Vec::new();
    for (i, o) in options.iter().enumerate() {
        // An alias is checked as the option it leads to.
        let Some(t) = o.type_tree.as_ref().filter(|_| o.renamed_to.is_none()) else {
            continue;
        };
        if hides_function(t) {
            wanted.push(i);
        } else if !may_hide(t) {
            continue;
        }
        // Its own declarations, then those of the options above it (a
        // submodule's options are found from the option holding it).
        let mut files: Vec<String> = o.declarations.clone();
        for k in (1..o.loc.len()).rev() {
            if let Some(&a) = index.get(&o.loc[..k]) {
                files.extend(options[a].declarations.iter().cloned());
            }
        }
        let mut seen = BTreeSet::new();
        for f in files {
            if seen.insert(f.clone()) {
                by_file.entry(f).or_default().push(i);
            }
        }
    }
    let mut done: BTreeSet<usize> = BTreeSet::new();
    let mut why: BTreeMap<usize, String> = BTreeMap::new();
    let root = root.trim_end_matches('/');
    for (file, opts) in by_file {
        let todo: Vec<usize> = opts.into_iter().filter(|i| !done.contains(i)).collect();
        if todo.is_empty() {
            continue;
        }
        if file.starts_with('<') {
            // `<unknown-file>`: a module with no file (a submodule's).
            continue;
        }
        let path = if file.starts_with('/') {
            file.clone()
        } else {
            format!("{root}/{file}")
        };
        let store = Store::new();
        let ev = Evaluator::new(&store, loader, LIMITS);
        let mut w = Walker::new(&ev, root);
        let Some(top) = w.file_module(&path) else {
            for i in todo {
                why.entry(i)
                    .or_insert_with(|| format!("{file} declares no options here"));
            }
            continue;
        };
        for i in todo {
            let o = &options[i];
            let Some(found) = top.iter().find_map(|opts| w.find(opts.clone(), &o.loc, 0)) else {
                why.entry(i)
                    .or_insert_with(|| format!("not found in {file}"));
                continue;
            };
            let Some(mut tree) = o.type_tree.clone() else {
                continue;
            };
            let hidden = hides_function(&tree);
            let mut n = 0;
            let before = w.from_config;
            if !w.align(&mut tree, &found, &mut n) || hides_function(&tree) {
                why.insert(
                    i,
                    format!("the type declared in {file} is not the one Nix shows, or not known"),
                );
                continue;
            }
            if w.from_config > before {
                report.from_config.push(crate::module::show_path(&o.loc));
                options[i].type_tree = Some(tree.clone());
            }
            if n == 0 {
                continue;
            }
            if !hidden {
                // A check Nix's tree could not show (an addCheck over an
                // integer family): found in the file.
                wanted.push(i);
            }
            report.functions += n;
            options[i].type_tree = Some(tree);
            done.insert(i);
        }
    }
    report.wanted = wanted.len();
    for i in wanted {
        if done.contains(&i) {
            report.recovered += 1;
        } else {
            report.left.push(format!(
                "{}: {}",
                crate::module::show_path(&options[i].loc),
                why.get(&i).map_or("no declaring file", String::as_str)
            ));
        }
    }
    report
}

/// Whether a tree has a type whose name an `addCheck` over it keeps (the
/// integer families, `uniq`, `nonEmptyListOf`, `nonEmptyStr`): Nix's tree
/// cannot tell, the declaring file can.
fn may_hide(t: &Ty) -> bool {
    match t {
        Ty::Ints { .. } | Ty::Uniq(_) | Ty::NonEmptyListOf(_) | Ty::Enum(_) => true,
        Ty::AddCheck { at, ty, .. } => at.is_empty() || may_hide(ty),
        Ty::CoercedTo { from, to, .. } => may_hide(from) || may_hide(to),
        Ty::ListOf(x)
        | Ty::AttrsOf(x)
        | Ty::LazyAttrsOf(x)
        | Ty::LoaOf(x)
        | Ty::NullOr(x)
        | Ty::FunctionTo(x)
        | Ty::Rec { ty: x, .. } => may_hide(x),
        Ty::Either(ts) => ts.iter().any(may_hide),
        _ => false,
    }
}

/// A tree node an `addCheck` may hide under (it keeps their name).
fn hides_name(t: &Ty) -> bool {
    match t {
        Ty::Ints { .. } | Ty::Uniq(_) | Ty::NonEmptyListOf(_) => true,
        Ty::AddCheck { at, .. } => at.is_empty(),
        _ => false,
    }
}

/// Whether a tree has an `addCheck` or a `coercedTo` whose function is
/// not written down.
pub fn hides_function(t: &Ty) -> bool {
    match t {
        Ty::AddCheck { ty, check, at, .. } => {
            // `nonEmptyStr` and the integer families are checks of lib
            // modelled as what they are (no `at`).
            (check.is_none() && !at.is_empty()) || hides_function(ty)
        }
        Ty::CoercedTo { from, to, convert } => {
            convert.is_none() || hides_function(from) || hides_function(to)
        }
        Ty::ListOf(x)
        | Ty::NonEmptyListOf(x)
        | Ty::AttrsOf(x)
        | Ty::LazyAttrsOf(x)
        | Ty::LoaOf(x)
        | Ty::Uniq(x)
        | Ty::NullOr(x)
        | Ty::FunctionTo(x)
        | Ty::Rec { ty: x, .. } => hides_function(x),
        Ty::Either(ts) => ts.iter().any(hides_function),
        _ => false,
    }
}

fn placeholder(s: &str) -> bool {
    s == "*" || (s.starts_with('<') && s.ends_with('>'))
}

struct Walker<'e, 'a> {
    ev: &'e Evaluator<'a>,
    root: String,
    lib: Value<'a>,
    /// The module arguments (`lib`, `pkgs`; the rest unknown).
    args: Value<'a>,
    /// A location for calls made here.
    here: Loc,
    /// Each file's lambdas by the address of their body.
    lambdas: HashMap<u32, HashMap<usize, &'a Expr>>,
    frozen: usize,
    /// Types found to read the configuration (left to Nix).
    from_config: usize,
}

fn slot<'a>(v: Value<'a>) -> Slot<'a> {
    Slot {
        thunk: Thunk::value(v),
        loc: None,
    }
}

fn open_attrs<'a>(map: BTreeMap<String, Slot<'a>>) -> Value<'a> {
    Value::Attrs(Rc::new(Attrs {
        map,
        unknown_names: vec![slot(Value::Unknown)],
    }))
}

impl<'e, 'a> Walker<'e, 'a> {
    fn new(ev: &'e Evaluator<'a>, root: &str) -> Self {
        let here_file = match nixunits_nixexpr::parse_ast("null") {
            Ok(e) => ev.add_parsed("<recover>", "null".into(), e),
            Err(_) => 0,
        };
        let here = Loc {
            file: here_file,
            range: Default::default(),
        };
        let prims: BTreeMap<String, Slot<'a>> = crate::value::LIB_NAMES
            .iter()
            .filter_map(|n| {
                PrimOp::lib(n).map(|op| {
                    (
                        (*n).to_owned(),
                        slot(Value::Prim(Rc::new(Prim {
                            op,
                            args: Vec::new(),
                            at: None,
                        }))),
                    )
                })
            })
            .collect();
        let declare = match nixunits_nixexpr::parse_ast(DECLARE) {
            Ok(e) => {
                let f = ev.add_parsed("<nixunits declare.nix>", DECLARE.into(), e);
                ev.eval_file(f)
            }
            Err(_) => Value::Unknown,
        };
        let given: BTreeMap<String, Slot<'a>> =
            [("prims".to_owned(), slot(open_attrs(prims)))].into();
        let lib = ev.apply(
            declare,
            Thunk::value(Value::Attrs(Rc::new(Attrs {
                map: given,
                unknown_names: Vec::new(),
            }))),
            here,
        );
        let mut a = BTreeMap::new();
        a.insert("lib".to_owned(), slot(lib.clone()));
        a.insert("pkgs".to_owned(), slot(Value::Pkgs));
        a.insert(
            "modulesPath".to_owned(),
            slot(Value::Path(format!("{root}/nixos/modules").into())),
        );
        // NixOS's `utils` argument is the tree's `nixos/lib/utils.nix`
        // (given `pkgs` in 2020, `{ lib, config, pkgs }` later: a set
        // that serves as both); without it a module's `with utils;` would
        // hide every name of `lib` behind it.
        let utils_path = format!("{root}/nixos/lib/utils.nix");
        let utils = match ev.import(&utils_path, here) {
            f @ Value::Lambda(_) => {
                let mut u = BTreeMap::new();
                u.insert("lib".to_owned(), slot(lib.clone()));
                u.insert("pkgs".to_owned(), slot(Value::Pkgs));
                ev.apply(f, Thunk::value(open_attrs(u)), here)
            }
            _ => Value::Unknown,
        };
        a.insert("utils".to_owned(), slot(utils));
        Walker {
            ev,
            root: root.to_owned(),
            lib,
            args: open_attrs(a),
            here,
            lambdas: HashMap::new(),
            frozen: 0,
            from_config: 0,
        }
    }

    fn force(&self, v: Value<'a>) -> Value<'a> {
        self.ev.force(&Thunk::value(v))
    }

    fn get(&self, v: &Value<'a>, name: &str) -> Option<Value<'a>> {
        match v {
            Value::Attrs(a) => a.map.get(name).map(|s| self.ev.force(&s.thunk)),
            _ => None,
        }
    }

    fn type_of(&self, v: &Value<'a>) -> Option<String> {
        match self.get(v, "_type")? {
            Value::Str(s) => Some(s.to_string()),
            _ => None,
        }
    }

    /// The `options` of the module in a file (and of its imports).
    fn file_module(&mut self, path: &str) -> Option<Vec<Value<'a>>> {
        let m = self.ev.import(path, self.here);
        let out = self.module_options(m, 0);
        (!out.is_empty()).then_some(out)
    }

    /// The `options` sets a module declares: its own and its imports'.
    fn module_options(&mut self, m: Value<'a>, depth: u32) -> Vec<Value<'a>> {
        if depth > 8 {
            return Vec::new();
        }
        let m = match m {
            Value::Path(p) => self.ev.import(&p, self.here),
            Value::Lambda(_) => self.ev.apply(m, Thunk::value(self.args.clone()), self.here),
            m => m,
        };
        let m = match m {
            // A function returning a function (rare): applied again.
            Value::Lambda(_) => self.ev.apply(m, Thunk::value(self.args.clone()), self.here),
            m => m,
        };
        let mut out = Vec::new();
        if let Some(o) = self.get(&m, "options") {
            out.push(o);
        }
        if let Some(Value::List(items)) = self.get(&m, "imports") {
            for it in items.iter() {
                let v = self.ev.force(it);
                out.extend(self.module_options(v, depth + 1));
            }
        }
        out
    }

    /// The type of the option at `loc` below a set of options.
    fn find(&mut self, opts: Value<'a>, loc: &[String], depth: u32) -> Option<Value<'a>> {
        if depth > 16 {
            return None;
        }
        let mut v = opts;
        for (i, part) in loc.iter().enumerate() {
            if self.type_of(&v).as_deref() == Some("option") {
                let t = self.get(&v, "type")?;
                return self.descend(t, &loc[i..], depth);
            }
            if placeholder(part) {
                return None;
            }
            v = self.get(&v, part)?;
        }
        if self.type_of(&v).as_deref() == Some("option") {
            self.get(&v, "type")
        } else {
            None
        }
    }

    fn parts(&self, t: &Value<'a>) -> Option<(String, Value<'a>)> {
        let n = self.get(t, "__nixunits")?;
        match self.get(&n, "con")? {
            Value::Str(c) => Some((c.to_string(), n)),
            _ => None,
        }
    }

    /// Below a type, the rest of an option's path (`*`, `<name>`, a
    /// submodule's options).
    fn descend(&mut self, t: Value<'a>, rest: &[String], depth: u32) -> Option<Value<'a>> {
        if rest.is_empty() {
            return Some(t);
        }
        let (con, n) = self.parts(&t)?;
        match con.as_str() {
            "listOf" | "nonEmptyListOf" if rest[0] == "*" => {
                let e = self.get(&n, "elemType")?;
                self.descend(e, &rest[1..], depth)
            }
            "attrsOf" | "lazyAttrsOf" | "loaOf" if placeholder(&rest[0]) => {
                let e = self.get(&n, "elemType")?;
                self.descend(e, &rest[1..], depth)
            }
            "nullOr" | "uniq" => {
                let e = self.get(&n, "elemType")?;
                self.descend(e, rest, depth)
            }
            "addCheck" => {
                let e = self.get(&n, "inner")?;
                self.descend(e, rest, depth)
            }
            "coercedTo" => {
                let e = self.get(&n, "to")?;
                self.descend(e, rest, depth)
            }
            "either" => {
                let side = match rest[0].as_str() {
                    "<either 0>" => "left",
                    "<either 1>" => "right",
                    _ => return None,
                };
                let e = self.get(&n, side)?;
                self.descend(e, &rest[1..], depth)
            }
            "submodule" => {
                let Some(Value::List(ms)) = self.get(&n, "modules") else {
                    return None;
                };
                for m in ms.iter() {
                    let m = self.ev.force(m);
                    for opts in self.module_options(m, 0) {
                        if let Some(t) = self.find(opts, rest, depth + 1) {
                            return Some(t);
                        }
                    }
                }
                None
            }
            _ => None,
        }
    }

    /// Matches the tree Nix gave with the type found, writing down the
    /// functions where the tree hides one; false when they differ.
    fn align(&mut self, tree: &mut Ty, sym: &Value<'a>, n: &mut usize) -> bool {
        let sym = self.force(sym.clone());
        // A check a module set with `//` (`str // { check = …; }`)
        // replaces the type's own.
        let own_check = self.get(&sym, "check");
        let Some((con, parts)) = self.parts(&sym) else {
            return matches!(tree, Ty::Opaque(_) | Ty::Ref(_));
        };
        if con == "addCheck" && own_check.is_none() && hides_name(tree) {
            // An addCheck over a type whose name it keeps: Nix's tree
            // shows the type alone.
            let inner = std::mem::replace(tree, Ty::Opaque(String::new()));
            *tree = Ty::AddCheck {
                ty: Box::new(inner),
                at: "addCheck".into(),
                check: None,
                known: None,
            };
        }
        match tree {
            Ty::AddCheck { ty, check, at, .. } => {
                if at.is_empty() {
                    // A check of lib's, modelled as what it is.
                    return con == "nonEmptyStr" || con == "ints";
                }
                let (f, inner) = match own_check {
                    Some(f) => {
                        // The type below, its own addChecks replaced too.
                        let mut inner = sym.clone();
                        while let Some((c, p)) = self.parts(&inner) {
                            if c != "addCheck" {
                                break;
                            }
                            match self.get(&p, "inner") {
                                Some(i) => inner = i,
                                None => return false,
                            }
                        }
                        (f, inner)
                    }
                    None if con == "addCheck" => {
                        match (self.get(&parts, "check"), self.get(&parts, "inner")) {
                            (Some(f), Some(i)) => (f, i),
                            _ => return false,
                        }
                    }
                    None => return false,
                };
                let Some(p) = self.freeze_fn(&f) else {
                    return false;
                };
                *check = Some(p);
                *n += 1;
                // The type below keeps the module's `check` when it was set
                // with `//`: matched by its constructor alone.
                match self.parts(&inner) {
                    Some((c, p)) if c != "addCheck" => self.align_plain(ty, &c, &p, n),
                    _ => self.align(ty, &inner, n),
                }
            }
            // A replaced check where Nix's tree shows none: not the same
            // type.
            _ if own_check.is_some() && con != "mkOptionType" => false,
            _ => self.align_plain(tree, &con, &parts, n),
        }
    }

    /// [`Walker::align`] of a tree node that is not an `addCheck`: the
    /// constructor `con` with its `parts`.
    fn align_plain(&mut self, tree: &mut Ty, con: &str, parts: &Value<'a>, n: &mut usize) -> bool {
        let c = con;
        let sub = |w: &mut Self, t: &mut Ty, k: &str, n: &mut usize| match w.get(parts, k) {
            Some(v) => w.align(t, &v, n),
            None => false,
        };
        match tree {
            Ty::Rec { ty, .. } => self.align_plain(ty, con, parts, n),
            Ty::Ref(_) | Ty::Opaque(_) => true,
            Ty::Bool {} => c == "bool",
            Ty::Int {} => c == "int",
            Ty::Ints { .. } => c == "ints",
            Ty::Float {} => c == "float",
            Ty::Number { .. } => c == "number",
            Ty::Str {} => c == "str",
            Ty::StrMatching(_) => c == "strMatching",
            Ty::SeparatedString(_) => c == "separatedString",
            Ty::Path {} => c == "path",
            Ty::Package {} => c == "package",
            Ty::Attrs {} => c == "attrs",
            Ty::Anything {} => c == "anything",
            Ty::Unspecified {} => c == "unspecified",
            Ty::Raw {} => c == "raw",
            Ty::Enum(_) => {
                if c != "enum" {
                    return false;
                }
                // Values read from the configuration (`enum (attrNames
                // cfg.templates)`) are those of the configuration Nix
                // evaluated, not a user's: the type is not judged.
                if !self.known_values(parts) {
                    *tree = Ty::Opaque(tree.describe());
                    self.from_config += 1;
                }
                true
            }
            Ty::Submodule { .. } => c == "submodule",
            Ty::ListOf(x) => c == "listOf" && sub(self, x, "elemType", n),
            Ty::NonEmptyListOf(x) => c == "nonEmptyListOf" && sub(self, x, "elemType", n),
            Ty::AttrsOf(x) => c == "attrsOf" && sub(self, x, "elemType", n),
            Ty::LazyAttrsOf(x) => c == "lazyAttrsOf" && sub(self, x, "elemType", n),
            Ty::LoaOf(x) => c == "loaOf" && sub(self, x, "elemType", n),
            Ty::Uniq(x) => c == "uniq" && sub(self, x, "elemType", n),
            Ty::NullOr(x) => c == "nullOr" && sub(self, x, "elemType", n),
            Ty::FunctionTo(x) => c == "functionTo" && sub(self, x, "elemType", n),
            Ty::Either(ts) => {
                if c != "either" {
                    return false;
                }
                // Branches in order, however they nest (a 2020 tree reads
                // `oneOf`'s side of a coercedTo from its description).
                let mut branches = Vec::new();
                if !self.branches(parts, &mut branches, 0) {
                    return false;
                }
                let mut mine: Vec<&mut Ty> = Vec::new();
                flat_either(ts, &mut mine);
                mine.len() == branches.len()
                    && mine
                        .into_iter()
                        .zip(branches)
                        .all(|(t, b)| self.align(t, &b, n))
            }
            Ty::CoercedTo { from, to, convert } => {
                if c != "coercedTo" {
                    return false;
                }
                if convert.is_none() {
                    let Some(f) = self.get(parts, "convert") else {
                        return false;
                    };
                    match self.freeze_fn(&f) {
                        Some(p) => {
                            *convert = Some(p);
                            *n += 1;
                        }
                        None => return false,
                    }
                }
                sub(self, from, "from", n) && sub(self, to, "to", n)
            }
            // Handled by `align`.
            Ty::AddCheck { .. } => false,
        }
    }

    /// Whether an `enum`'s values are known where it is declared.
    fn known_values(&self, parts: &Value<'a>) -> bool {
        match self.get(parts, "values") {
            Some(Value::List(items)) => items.iter().all(|t| {
                matches!(
                    self.ev.force(t),
                    Value::Str(_) | Value::Int(_) | Value::Bool(_) | Value::Null | Value::Float(_)
                )
            }),
            _ => false,
        }
    }

    /// The branches of a (nested) `either`, in order.
    fn branches(&self, parts: &Value<'a>, out: &mut Vec<Value<'a>>, depth: u32) -> bool {
        if depth > 64 {
            return false;
        }
        for side in ["left", "right"] {
            let Some(b) = self.get(parts, side) else {
                return false;
            };
            let b = self.force(b);
            let plain = self.get(&b, "check").is_none();
            match self.parts(&b) {
                Some((c, p)) if c == "either" && plain => {
                    if !self.branches(&p, out, depth + 1) {
                        return false;
                    }
                }
                _ => out.push(b),
            }
        }
        true
    }

    // --- writing functions down ---------------------------------------

    /// A function value written down; `None` when it cannot be.
    fn freeze_fn(&mut self, f: &Value<'a>) -> Option<Predicate> {
        self.frozen = 0;
        match self.freeze(f, 0) {
            Frozen::Lambda(p) => Some(p),
            // A function of lib (`singleton`), maybe applied to some of its
            // arguments (`concatStringsSep "\n"`): written as a call.
            f @ (Frozen::Lib(_) | Frozen::Builtins(_) | Frozen::Apply { .. }) => {
                let mut env = BTreeMap::new();
                let source = render(&f, &mut env)?;
                Some(Predicate {
                    source,
                    env,
                    at: String::new(),
                })
            }
            _ => None,
        }
    }

    fn lambda_expr(&mut self, c: &Closure<'a>) -> Option<&'a Expr> {
        let file = c.file;
        if !self.lambdas.contains_key(&file) {
            let mut m = HashMap::new();
            let top: &'a Expr = self.ev.files.borrow().get(file as usize)?.expr;
            index_lambdas(top, &mut m, 0);
            self.lambdas.insert(file, m);
        }
        let key = std::ptr::from_ref::<Expr>(c.body) as usize;
        self.lambdas.get(&file)?.get(&key).copied()
    }

    fn closure(&mut self, c: &Closure<'a>, depth: u32) -> Frozen {
        if depth > MAX_NESTING {
            return Frozen::Unknown {};
        }
        let Some(e) = self.lambda_expr(c) else {
            return Frozen::Unknown {};
        };
        let mut names = BTreeSet::new();
        if !free_vars(e, &mut Vec::new(), &mut names) {
            // A `with` inside: its names cannot be told apart.
            return Frozen::Unknown {};
        }
        let (text, name) = {
            let files = self.ev.files.borrow();
            let Some(f) = files.get(c.file as usize) else {
                return Frozen::Unknown {};
            };
            (f.text, f.name.clone())
        };
        let source = text
            .get(usize::from(e.range.start())..usize::from(e.range.end()))
            .unwrap_or_default()
            .to_owned();
        let line = text
            .get(..usize::from(e.range.start()))
            .unwrap_or_default()
            .matches('\n')
            .count()
            + 1;
        let file = name
            .strip_prefix(&format!("{}/", self.root))
            .unwrap_or(&name)
            .to_owned();
        let mut env = BTreeMap::new();
        for n in names {
            if let Some(v) = self.resolve(&n, &c.env, depth) {
                env.insert(n, v);
            }
        }
        Frozen::Lambda(Predicate {
            source,
            env,
            at: format!("{file}:{line}"),
        })
    }

    fn is_lib(&self, v: &Value<'a>) -> bool {
        match (v, &self.lib) {
            (Value::Attrs(a), Value::Attrs(b)) => Rc::ptr_eq(a, b),
            (Value::Lib, _) => true,
            _ => false,
        }
    }

    /// A free variable's value, as the evaluator would find it: lexical
    /// bindings first, then Nix's globals (not written down), then the
    /// innermost `with` that has it.
    fn resolve(&mut self, name: &str, env: &Env<'a>, depth: u32) -> Option<Frozen> {
        let mut s = Some(env.clone());
        while let Some(scope) = s {
            let found = scope.vars.borrow().get(name).cloned();
            if let Some(t) = found {
                let v = self.ev.force(&t);
                return Some(self.freeze(&v, depth + 1));
            }
            s = scope.parent.clone();
        }
        if nixunits_nixexpr::globals::is_global(name, NixVersion::CURRENT) {
            return None;
        }
        let mut s = Some(env.clone());
        while let Some(scope) = s {
            if let Some(w) = &scope.with {
                let v = self.ev.force(w);
                if self.is_lib(&v) {
                    return Some(Frozen::Lib(name.to_owned()));
                }
                match v {
                    Value::Builtins => return Some(Frozen::Builtins(name.to_owned())),
                    Value::Attrs(a) => {
                        if let Some(x) = a.map.get(name) {
                            let x = self.ev.force(&x.thunk);
                            return Some(self.freeze(&x, depth + 1));
                        }
                        if !a.unknown_names.is_empty() {
                            return Some(Frozen::Unknown {});
                        }
                    }
                    _ => return Some(Frozen::Unknown {}),
                }
            }
            s = scope.parent.clone();
        }
        None
    }

    fn freeze(&mut self, v: &Value<'a>, depth: u32) -> Frozen {
        self.frozen += 1;
        if self.frozen > MAX_FROZEN || depth > 64 {
            return Frozen::Unknown {};
        }
        if self.is_lib(v) {
            return Frozen::Lib(String::new());
        }
        match v {
            Value::Null => Frozen::Null {},
            Value::Bool(b) => Frozen::Bool(*b),
            Value::Int(i) => Frozen::Int(*i),
            Value::Float(f) => Frozen::Float(*f),
            Value::Str(s) => Frozen::Str(s.to_string()),
            Value::Path(p) => Frozen::Path(p.to_string()),
            Value::List(items) => Frozen::List(
                items
                    .iter()
                    .map(|t| {
                        let x = self.ev.force(t);
                        self.freeze(&x, depth + 1)
                    })
                    .collect(),
            ),
            Value::Attrs(a) => {
                let mut m = BTreeMap::new();
                for (k, s) in &a.map {
                    let x = self.ev.force(&s.thunk);
                    m.insert(k.clone(), self.freeze(&x, depth + 1));
                }
                if a.unknown_names.is_empty() {
                    Frozen::Attrs(m)
                } else {
                    Frozen::OpenAttrs(m)
                }
            }
            Value::Lambda(c) => self.closure(c, depth + 1),
            Value::Prim(p) => {
                let f = match p.op.name() {
                    Some(("lib", n)) => Frozen::Lib(n.to_owned()),
                    Some((_, n)) => Frozen::Builtins(n.to_owned()),
                    None => return Frozen::Unknown {},
                };
                if p.args.is_empty() {
                    f
                } else {
                    let args = p
                        .args
                        .iter()
                        .map(|t| {
                            let x = self.ev.force(t);
                            self.freeze(&x, depth + 1)
                        })
                        .collect();
                    Frozen::Apply {
                        f: Box::new(f),
                        args,
                    }
                }
            }
            Value::Lib => Frozen::Lib(String::new()),
            Value::Builtins => Frozen::Builtins(String::new()),
            Value::Pkgs => Frozen::Pkgs {},
            Value::PartStr(_) | Value::Unknown => Frozen::Unknown {},
        }
    }
}

/// A function of lib or builtins, maybe applied to literal arguments, as
/// Nix source (the lib names it uses bound in `env`).
fn render(f: &Frozen, env: &mut BTreeMap<String, Frozen>) -> Option<String> {
    Some(match f {
        Frozen::Lib(n) if !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric()) => {
            env.insert(n.clone(), f.clone());
            n.clone()
        }
        Frozen::Builtins(n) if !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric()) => {
            format!("builtins.{n}")
        }
        Frozen::Apply { f, args } => {
            let mut out = format!("({}", render(f, env)?);
            for a in args {
                out.push(' ');
                out.push_str(&match a {
                    Frozen::Int(i) if *i >= 0 => i.to_string(),
                    Frozen::Bool(b) => b.to_string(),
                    Frozen::Null {} => "null".into(),
                    Frozen::Str(s) => nix_string(s),
                    _ => return None,
                });
            }
            out.push(')');
            out
        }
        _ => return None,
    })
}

/// A string as a Nix string literal.
fn nix_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '$' => out.push_str("\\$"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The branches of a tree's (nested) `either`, in order.
fn flat_either<'t>(ts: &'t mut [Ty], out: &mut Vec<&'t mut Ty>) {
    for t in ts {
        match t {
            Ty::Either(inner) => flat_either(inner, out),
            t => out.push(t),
        }
    }
}

/// Every lambda of a tree, by the address of its body.
fn index_lambdas<'a>(e: &'a Expr, out: &mut HashMap<usize, &'a Expr>, depth: u32) {
    if depth > 2_000 {
        return;
    }
    if let ExprKind::Lambda { body, .. } = &e.kind {
        out.insert(std::ptr::from_ref::<Expr>(body.as_ref()) as usize, e);
    }
    for_each_child(e, |c| index_lambdas(c, out, depth + 1));
}

/// The names a binding list binds (`let`, `rec`). A quoted name
/// (`let "a" = …;`) is not counted: a free name it shadows is then written
/// down needlessly, never wrongly (the binding shadows it again when the
/// function runs).
fn bound_names(binds: &[Bind]) -> Vec<String> {
    let mut out = Vec::new();
    for b in binds {
        match b {
            Bind::Value { path, .. } => {
                if let Some(AttrName::Ident(i)) = path.first() {
                    out.push(i.name.clone());
                }
            }
            Bind::Inherit { names, .. } => {
                for n in names {
                    if let AttrName::Ident(i) = n {
                        out.push(i.name.clone());
                    }
                }
            }
        }
    }
    out
}

/// The free variables of `e` (names not bound inside it); false when
/// `e` has a `with` (its names may come from it).
fn free_vars(e: &Expr, bound: &mut Vec<String>, out: &mut BTreeSet<String>) -> bool {
    let note = |n: &str, bound: &Vec<String>, out: &mut BTreeSet<String>| {
        if !bound.iter().any(|b| b == n) {
            out.insert(n.to_owned());
        }
    };
    match &e.kind {
        ExprKind::Var(n) => {
            note(n, bound, out);
            true
        }
        ExprKind::With(..) => false,
        ExprKind::OrCall { func, .. } => {
            note("or", bound, out);
            free_vars(func, bound, out)
        }
        ExprKind::Lambda { arg, formals, body } => {
            let k = bound.len();
            if let Some(a) = arg {
                bound.push(a.name.clone());
            }
            if let Some(fs) = formals {
                bound.extend(fs.entries.iter().map(|f| f.name.name.clone()));
            }
            let mut ok = true;
            if let Some(fs) = formals {
                for d in fs.entries.iter().filter_map(|f| f.default.as_ref()) {
                    ok &= free_vars(d, bound, out);
                }
            }
            ok &= free_vars(body, bound, out);
            bound.truncate(k);
            ok
        }
        ExprKind::Let(binds, _)
        | ExprKind::LegacyLet(binds)
        | ExprKind::Attrs { rec: true, binds } => {
            let k = bound.len();
            let mut ok = inherits(binds, bound, out);
            bound.extend(bound_names(binds));
            if let ExprKind::LegacyLet(_) = &e.kind {
                bound.push("body".into());
            }
            ok &= binds_free(binds, bound, out);
            if let ExprKind::Let(_, body) = &e.kind {
                ok &= free_vars(body, bound, out);
            }
            bound.truncate(k);
            ok
        }
        ExprKind::Attrs { rec: false, binds } => {
            inherits(binds, bound, out) && binds_free(binds, bound, out)
        }
        _ => {
            let mut ok = true;
            for_each_child(e, |c| ok &= free_vars(c, bound, out));
            ok
        }
    }
}

/// `inherit x;` reads `x` in the enclosing scope.
fn inherits(binds: &[Bind], bound: &[String], out: &mut BTreeSet<String>) -> bool {
    for b in binds {
        if let Bind::Inherit {
            from: None, names, ..
        } = b
        {
            for n in names {
                if let AttrName::Ident(i) = n {
                    if !bound.contains(&i.name) {
                        out.insert(i.name.clone());
                    }
                }
            }
        }
    }
    true
}

/// The free variables of a binding list's values (and dynamic names).
fn binds_free(binds: &[Bind], bound: &mut Vec<String>, out: &mut BTreeSet<String>) -> bool {
    let mut ok = true;
    for b in binds {
        match b {
            Bind::Value { path, value, .. } => {
                for n in path {
                    if let AttrName::Interp { expr, .. } = n {
                        ok &= free_vars(expr, bound, out);
                    } else if let AttrName::Str { parts, .. } = n {
                        for p in parts {
                            if let StrPart::Interp(x) = p {
                                ok &= free_vars(x, bound, out);
                            }
                        }
                    }
                }
                ok &= free_vars(value, bound, out);
            }
            Bind::Inherit { from: Some(x), .. } => ok &= free_vars(x, bound, out),
            Bind::Inherit { .. } => {}
        }
    }
    ok
}
