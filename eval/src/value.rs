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
    OptionalAttrs,
    Optionals,
    OptionalString,
    ToString,
    Import,
    /// A builtin that reads or fetches from outside the snippet's tree:
    /// never evaluated.
    Outside(&'static str),
}

impl PrimOp {
    /// How many arguments it takes.
    pub fn arity(self) -> usize {
        match self {
            PrimOp::MkIf | PrimOp::MkOverride | PrimOp::MkOrder => 2,
            PrimOp::OptionalAttrs | PrimOp::Optionals | PrimOp::OptionalString => 2,
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
            _ => return None,
        })
    }

    /// The builtin of that name (`builtins.x` or a global).
    pub fn builtin(name: &str) -> Option<PrimOp> {
        Some(match name {
            "toString" => PrimOp::ToString,
            "import" => PrimOp::Import,
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
}
