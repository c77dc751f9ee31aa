//! Values of the partial evaluator: known ones, and `Unknown` — anything
//! that depends on `pkgs`, `config`, an unknown builtin or the outside
//! world. Unknown is an answer, never a guess.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use nixunits_nixexpr::ast::{Expr, Formals, Ident};
use nixunits_nixexpr::lower::{Lowered, NodeId};
use nixunits_nixexpr::TextRange;

/// Where a value was defined: a file (index into the evaluator's file
/// table) and a byte range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Loc {
    /// The file.
    pub file: u32,
    /// The range.
    pub range: TextRange,
}

/// A value.
#[derive(Clone)]
pub enum Value<'a> {
    /// `null`
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A string.
    Str(Rc<str>),
    /// A path (absolute).
    Path(Rc<str>),
    /// A list.
    List(Rc<Vec<Thunk<'a>>>),
    /// An attribute set.
    Attrs(Rc<Attrs<'a>>),
    /// A function.
    Lambda(Rc<Closure<'a>>),
    /// A builtin or `lib` function, with the arguments it has so far.
    Prim(Rc<Prim<'a>>),
    /// `lib` (or `pkgs.lib`): its known functions, the rest unknown.
    Lib,
    /// `pkgs`: unknown, but for `pkgs.lib`.
    Pkgs,
    /// `builtins`.
    Builtins,
    /// Not known statically.
    Unknown,
}

/// An attribute set: static names, and definitions whose name is unknown.
#[derive(Default)]
pub struct Attrs<'a> {
    /// By name.
    pub map: BTreeMap<String, Slot<'a>>,
    /// Definitions under a name that is not known.
    pub unknown_names: Vec<Slot<'a>>,
}

/// A value in an attribute set or list, and where it was defined.
#[derive(Clone)]
pub struct Slot<'a> {
    /// The value.
    pub thunk: Thunk<'a>,
    /// Where.
    pub loc: Option<Loc>,
}

/// A function value.
pub struct Closure<'a> {
    /// `x:` or `args@`.
    pub arg: Option<&'a Ident>,
    /// `{ a, b ? 1, ... }`.
    pub formals: Option<&'a Formals>,
    /// The body.
    pub body: &'a Expr,
    /// The scope it closes over.
    pub env: Env<'a>,
    /// Its file.
    pub file: u32,
}

/// Builtin and `lib` functions the evaluator knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum PrimOp {
    MkIf,
    MkOverride,
    MkDefault,
    MkForce,
    MkMerge,
    MkOrder,
    MkBefore,
    MkAfter,
    /// `mkOverride 1500`
    MkOptionDefault,
    /// `mkOverride 10`
    MkVmOverride,
    OptionalAttrs,
    Optionals,
    OptionalString,
    ToString,
    Import,
    /// A builtin that reads or fetches from outside the snippet's tree:
    /// never evaluated.
    Outside(&'static str),
    /// A function of Nix's builtins or nixpkgs' lib on known values
    /// (`prims.rs`), by name.
    Fun(Fun),
}

/// The list and attribute-set functions service snippets use, from Nix's
/// builtins and nixpkgs' lib (`prims.rs` has their semantics).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Fun {
    // builtins
    Map,
    Filter,
    ListToAttrs,
    AttrNames,
    AttrValues,
    GenList,
    Elem,
    ElemAt,
    Length,
    Head,
    Tail,
    ToJson,
    Substring,
    StringLength,
    HasAttr,
    GetAttr,
    RemoveAttrs,
    IntersectAttrs,
    ReplaceStrings,
    ConcatStringsSep,
    ConcatMap,
    ConcatLists,
    Foldl,
    Div,
    MapAttrs,
    CompareVersions,
    IsAttrs,
    IsList,
    IsString,
    IsInt,
    IsBool,
    IsNull,
    // lib
    GenAttrs,
    MapAttrsPrime,
    MapAttrsToList,
    NameValuePair,
    FilterAttrs,
    RecursiveUpdate,
    Optional,
    Flatten,
    Unique,
    Range,
    ConcatStrings,
    ConcatMapStrings,
    ConcatMapStringsSep,
    HasPrefix,
    HasSuffix,
    SplitString,
    ToUpper,
    ToLower,
    BoolToString,
    EscapeShellArg,
    VersionAtLeast,
    VersionOlder,
}

impl Fun {
    /// How many arguments it takes.
    pub fn arity(self) -> usize {
        use Fun::*;
        match self {
            Substring | ReplaceStrings | Foldl | ConcatMapStringsSep => 3,
            Map | Filter | GenList | Elem | ElemAt | HasAttr | GetAttr | RemoveAttrs
            | IntersectAttrs | ConcatStringsSep | ConcatMap | Div | MapAttrs | CompareVersions
            | GenAttrs | MapAttrsPrime | MapAttrsToList | NameValuePair | FilterAttrs
            | RecursiveUpdate | Optional | Range | ConcatMapStrings | HasPrefix | HasSuffix
            | SplitString | VersionAtLeast | VersionOlder => 2,
            _ => 1,
        }
    }

    /// The builtin of that name (`builtins.x`).
    pub fn builtin(name: &str) -> Option<Fun> {
        use Fun::*;
        Some(match name {
            "map" => Map,
            "filter" => Filter,
            "listToAttrs" => ListToAttrs,
            "attrNames" => AttrNames,
            "attrValues" => AttrValues,
            "genList" => GenList,
            "elem" => Elem,
            "elemAt" => ElemAt,
            "length" => Length,
            "head" => Head,
            "tail" => Tail,
            "toJSON" => ToJson,
            "substring" => Substring,
            "stringLength" => StringLength,
            "hasAttr" => HasAttr,
            "getAttr" => GetAttr,
            "removeAttrs" => RemoveAttrs,
            "intersectAttrs" => IntersectAttrs,
            "replaceStrings" => ReplaceStrings,
            "concatStringsSep" => ConcatStringsSep,
            "concatMap" => ConcatMap,
            "concatLists" => ConcatLists,
            "foldl'" => Foldl,
            "div" => Div,
            "mapAttrs" => MapAttrs,
            "compareVersions" => CompareVersions,
            "isAttrs" => IsAttrs,
            "isList" => IsList,
            "isString" => IsString,
            "isInt" => IsInt,
            "isBool" => IsBool,
            "isNull" => IsNull,
            _ => return None,
        })
    }

    /// The function of that name in nixpkgs' lib (and its `lib.attrsets`,
    /// `lib.strings`, `lib.lists`, `lib.trivial`), builtins it re-exports
    /// included.
    pub fn lib(name: &str) -> Option<Fun> {
        use Fun::*;
        Some(match name {
            "genAttrs" => GenAttrs,
            "mapAttrs" => MapAttrs,
            "mapAttrs'" => MapAttrsPrime,
            "mapAttrsToList" => MapAttrsToList,
            "nameValuePair" => NameValuePair,
            "filterAttrs" => FilterAttrs,
            "recursiveUpdate" => RecursiveUpdate,
            "optional" => Optional,
            "flatten" => Flatten,
            "unique" => Unique,
            "range" => Range,
            "concatStrings" => ConcatStrings,
            "concatMapStrings" => ConcatMapStrings,
            "concatMapStringsSep" => ConcatMapStringsSep,
            "hasPrefix" => HasPrefix,
            "hasSuffix" => HasSuffix,
            "splitString" => SplitString,
            "toUpper" => ToUpper,
            "toLower" => ToLower,
            "boolToString" => BoolToString,
            "escapeShellArg" => EscapeShellArg,
            "versionAtLeast" => VersionAtLeast,
            "versionOlder" => VersionOlder,
            "filter" | "attrNames" | "attrValues" | "genList" | "elem" | "elemAt" | "length"
            | "head" | "tail" | "substring" | "stringLength" | "hasAttr" | "getAttr"
            | "removeAttrs" | "intersectAttrs" | "replaceStrings" | "concatStringsSep"
            | "concatMap" | "concatLists" | "foldl'" | "listToAttrs" | "isAttrs" | "isList"
            | "isString" | "isInt" | "isBool" | "compareVersions" => return Fun::builtin(name),
            _ => return None,
        })
    }
}

impl PrimOp {
    /// How many arguments it takes.
    pub fn arity(self) -> usize {
        match self {
            PrimOp::MkIf | PrimOp::MkOverride | PrimOp::MkOrder => 2,
            PrimOp::OptionalAttrs | PrimOp::Optionals | PrimOp::OptionalString => 2,
            PrimOp::Fun(f) => f.arity(),
            _ => 1,
        }
    }

    /// The `lib` function of that name.
    pub fn lib(name: &str) -> Option<PrimOp> {
        Some(match name {
            "mkIf" => PrimOp::MkIf,
            "mkOverride" => PrimOp::MkOverride,
            "mkDefault" => PrimOp::MkDefault,
            "mkForce" => PrimOp::MkForce,
            "mkMerge" => PrimOp::MkMerge,
            "mkOrder" => PrimOp::MkOrder,
            "mkBefore" => PrimOp::MkBefore,
            "mkAfter" => PrimOp::MkAfter,
            "optionalAttrs" => PrimOp::OptionalAttrs,
            "optionals" => PrimOp::Optionals,
            "optionalString" => PrimOp::OptionalString,
            "mkOptionDefault" => PrimOp::MkOptionDefault,
            "mkVMOverride" => PrimOp::MkVmOverride,
            "toString" => PrimOp::ToString,
            _ => return Fun::lib(name).map(PrimOp::Fun),
        })
    }

    /// The builtin of that name (`builtins.x` or a global).
    pub fn builtin(name: &str) -> Option<PrimOp> {
        Some(match name {
            "toString" => PrimOp::ToString,
            "import" => PrimOp::Import,
            n if Fun::builtin(n).is_some() => PrimOp::Fun(Fun::builtin(n)?),
            "readFile" | "readDir" | "pathExists" | "fetchurl" | "fetchTarball" | "fetchGit"
            | "fetchTree" | "fetchMercurial" | "getEnv" | "scopedImport" | "storePath" | "path"
            | "filterSource" | "hashFile" => PrimOp::Outside(match name {
                "readFile" => "builtins.readFile",
                "readDir" => "builtins.readDir",
                "pathExists" => "builtins.pathExists",
                "getEnv" => "builtins.getEnv",
                "scopedImport" => "scopedImport",
                "storePath" => "builtins.storePath",
                "path" => "builtins.path",
                "filterSource" => "builtins.filterSource",
                "hashFile" => "builtins.hashFile",
                _ => "a builtins.fetch* function",
            }),
            _ => return None,
        })
    }
}

/// A primitive with the arguments collected so far.
pub struct Prim<'a> {
    /// Which.
    pub op: PrimOp,
    /// Its arguments.
    pub args: Vec<Thunk<'a>>,
    /// Where it was called (for diagnostics).
    pub at: Option<Loc>,
}

/// A lexical scope: names, or a `with`.
pub struct Scope<'a> {
    /// Names bound here (filled after the scope exists: recursive
    /// bindings close over it).
    pub vars: RefCell<BTreeMap<String, Thunk<'a>>>,
    /// The attribute set of a `with`.
    pub with: Option<Thunk<'a>>,
    /// The enclosing scope.
    pub parent: Option<Env<'a>>,
}

/// A scope chain.
pub type Env<'a> = Rc<Scope<'a>>;

/// What a thunk computes.
#[derive(Clone)]
pub enum Code<'a> {
    /// An expression in a scope.
    Expr(&'a Expr, Env<'a>, u32),
    /// A merged attribute set (from `lower`) in a scope.
    Node(&'a Lowered<'a>, NodeId, Env<'a>, u32),
    /// A variable of a scope (`inherit x;`).
    Var(String, Env<'a>, Loc),
    /// An attribute of an expression's value (`inherit (e) x;`).
    Select(&'a Expr, String, Env<'a>, u32),
}

enum State<'a> {
    Pending(Code<'a>),
    Busy,
    Done(Value<'a>),
}

/// A lazily computed value.
#[derive(Clone)]
pub struct Thunk<'a>(Rc<RefCell<State<'a>>>);

impl<'a> Thunk<'a> {
    /// A thunk for `code`.
    pub fn new(code: Code<'a>) -> Self {
        Thunk(Rc::new(RefCell::new(State::Pending(code))))
    }

    /// An already computed value.
    pub fn value(v: Value<'a>) -> Self {
        Thunk(Rc::new(RefCell::new(State::Done(v))))
    }

    /// Where the expression of a thunk not yet forced is written (a list
    /// element of `imports`, to point at it).
    pub fn loc(&self) -> Option<Loc> {
        match &*self.0.borrow() {
            State::Pending(Code::Expr(e, _, file)) => Some(Loc {
                file: *file,
                range: e.range,
            }),
            _ => None,
        }
    }

    /// Takes the code to run, marking the thunk busy; `Err` with the value
    /// when it is done, `Ok(None)` when it is already being computed (a
    /// cycle).
    pub(crate) fn start(&self) -> Result<Option<Code<'a>>, Value<'a>> {
        let mut s = self.0.borrow_mut();
        match &*s {
            State::Done(v) => Err(v.clone()),
            State::Busy => Ok(None),
            State::Pending(_) => match std::mem::replace(&mut *s, State::Busy) {
                State::Pending(c) => Ok(Some(c)),
                _ => Ok(None),
            },
        }
    }

    /// Whether it is being computed (a use now is a cycle).
    pub fn is_busy(&self) -> bool {
        matches!(&*self.0.borrow(), State::Busy)
    }

    /// Records the computed value.
    pub(crate) fn finish(&self, v: Value<'a>) {
        *self.0.borrow_mut() = State::Done(v);
    }

    /// Its knot (see [`Knot`]).
    pub(crate) fn knot(&self) -> Knot<'a> {
        Knot(Tie::Thunk(Rc::downgrade(&self.0)))
    }

    /// When this is the last handle: takes what the thunk holds into
    /// `work` (leaving it empty), so that it is dropped there.
    fn take_into(&self, work: &mut Vec<Part<'a>>) {
        if Rc::strong_count(&self.0) != 1 {
            return;
        }
        let Ok(mut s) = self.0.try_borrow_mut() else {
            return;
        };
        match std::mem::replace(&mut *s, State::Busy) {
            State::Done(v) => work.push(Part::Value(v)),
            State::Pending(c) => work.push(Part::Code(c)),
            State::Busy => {}
        }
    }
}

/// A thunk or a scope that may close a reference cycle (a value that holds
/// its own thunk, a scope whose bindings' code holds the scope), held
/// without keeping it alive. `Rc` frees no cycle: the evaluator records
/// these as they are made and [`cut`](Knot::cut)s those still alive when
/// it is dropped, so an evaluation gives back all it took (the language
/// server evaluates on every change).
pub(crate) struct Knot<'a>(Tie<'a>);

enum Tie<'a> {
    Thunk(std::rc::Weak<RefCell<State<'a>>>),
    Scope(std::rc::Weak<Scope<'a>>),
}

impl<'a> Knot<'a> {
    /// The knot of a scope.
    pub(crate) fn scope(env: &Env<'a>) -> Self {
        Knot(Tie::Scope(Rc::downgrade(env)))
    }

    /// Whether what it points to is still alive.
    pub(crate) fn alive(&self) -> bool {
        match &self.0 {
            Tie::Thunk(w) => w.strong_count() > 0,
            Tie::Scope(w) => w.strong_count() > 0,
        }
    }

    /// Empties the thunk or the scope's bindings, if still alive: the
    /// cycles through it are gone.
    pub(crate) fn cut(&self) {
        match &self.0 {
            Tie::Thunk(w) => {
                if let Some(t) = w.upgrade() {
                    let old = t
                        .try_borrow_mut()
                        .ok()
                        .map(|mut s| std::mem::replace(&mut *s, State::Busy));
                    drop(old);
                }
            }
            Tie::Scope(w) => {
                if let Some(s) = w.upgrade() {
                    let old = s
                        .vars
                        .try_borrow_mut()
                        .ok()
                        .map(|mut v| std::mem::take(&mut *v));
                    drop(old);
                }
            }
        }
    }
}

/// What a drop takes apart: values, the code of thunks never forced,
/// scopes.
enum Part<'a> {
    Value(Value<'a>),
    Code(Code<'a>),
    Env(Env<'a>),
}

/// Drops `work` and everything only it holds, one part after the other.
///
/// Values nest as deep as a snippet makes them (`foldl' (acc: _: [ acc ])`
/// a hundred thousand times; a chain of scopes), and the drop glue Rust
/// writes would recurse once per level, overflowing the stack: so
/// [`Thunk`] and [`Scope`] hand what they alone hold to this loop, which
/// empties each part before it is dropped.
fn dismantle(mut work: Vec<Part<'_>>) {
    while let Some(part) = work.pop() {
        match part {
            Part::Value(Value::List(l)) => {
                if let Ok(items) = Rc::try_unwrap(l) {
                    for t in &items {
                        t.take_into(&mut work);
                    }
                }
            }
            Part::Value(Value::Attrs(a)) => {
                if let Ok(a) = Rc::try_unwrap(a) {
                    for s in a.map.values().chain(&a.unknown_names) {
                        s.thunk.take_into(&mut work);
                    }
                }
            }
            Part::Value(Value::Lambda(c)) => {
                if let Ok(c) = Rc::try_unwrap(c) {
                    work.push(Part::Env(c.env));
                }
            }
            Part::Value(Value::Prim(p)) => {
                if let Ok(p) = Rc::try_unwrap(p) {
                    for t in &p.args {
                        t.take_into(&mut work);
                    }
                }
            }
            Part::Value(_) => {}
            Part::Code(
                Code::Expr(_, env, _)
                | Code::Node(_, _, env, _)
                | Code::Var(_, env, _)
                | Code::Select(_, _, env, _),
            ) => work.push(Part::Env(env)),
            Part::Env(env) => {
                if let Ok(mut scope) = Rc::try_unwrap(env) {
                    scope.take_into(&mut work);
                }
            }
        }
    }
}

impl Drop for Thunk<'_> {
    fn drop(&mut self) {
        let mut work = Vec::new();
        self.take_into(&mut work);
        if !work.is_empty() {
            dismantle(work);
        }
    }
}

impl<'a> Scope<'a> {
    /// Takes what the scope holds into `work`, leaving it empty.
    fn take_into(&mut self, work: &mut Vec<Part<'a>>) {
        for t in std::mem::take(self.vars.get_mut()).values() {
            t.take_into(work);
        }
        if let Some(t) = self.with.take() {
            t.take_into(work);
        }
        if let Some(p) = self.parent.take() {
            work.push(Part::Env(p));
        }
    }
}

impl Drop for Scope<'_> {
    fn drop(&mut self) {
        let mut work = Vec::new();
        self.take_into(&mut work);
        if !work.is_empty() {
            dismantle(work);
        }
    }
}
