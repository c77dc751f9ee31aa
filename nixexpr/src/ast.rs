//! The syntax tree of the Nix-faithful front end: one node per production of
//! Nix's grammar (`parser.y`), before any of the desugaring Nix's parser
//! actions do (attribute paths are kept as written; [`crate::lower`] merges
//! them the way Nix does).
//!
//! This is not the editor tree (that is rnix's, see [`crate::tree`]): it is
//! what the parity checks and the module-shape check walk.

use rnix::TextRange;

/// An expression and its source range.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    /// What it is.
    pub kind: ExprKind,
    /// Where it is.
    pub range: TextRange,
}

/// A name as written, with its range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ident {
    /// The name.
    pub name: String,
    /// Where it is.
    pub range: TextRange,
}

/// The expression kinds of Nix's grammar.
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub enum ExprKind {
    /// A variable reference.
    Var(String),
    /// `__curPos`
    CurPos,
    Int,
    Float,
    /// `"…"`
    Str(Vec<StrPart>),
    /// `''…''`
    IndStr(Vec<StrPart>),
    /// `./a/${b}`
    Path(Vec<StrPart>),
    /// `~/a/${b}`
    HPath(Vec<StrPart>),
    /// `<nixpkgs>`
    SPath,
    Uri,
    /// `( e )`: Nix keeps no node for it; kept here for ranges.
    Paren(Box<Expr>),
    /// `{ … }` or `rec { … }`
    Attrs {
        rec: bool,
        binds: Vec<Bind>,
    },
    /// `let { …; body = …; }`
    LegacyLet(Vec<Bind>),
    List(Vec<Expr>),
    /// `e.a.b or d`
    Select {
        expr: Box<Expr>,
        path: Vec<AttrName>,
        default: Option<Box<Expr>>,
    },
    /// `f or`: Nix's backwards-compatibility rule, a call of `f` with the
    /// variable `or`.
    OrCall {
        func: Box<Expr>,
        or_range: TextRange,
    },
    /// `e ? a.b`
    HasAttr {
        expr: Box<Expr>,
        path: Vec<AttrName>,
    },
    Apply(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Neg(Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    If(Box<Expr>, Box<Expr>, Box<Expr>),
    Assert(Box<Expr>, Box<Expr>),
    With(Box<Expr>, Box<Expr>),
    Let(Vec<Bind>, Box<Expr>),
    Lambda {
        arg: Option<Ident>,
        formals: Option<Formals>,
        body: Box<Expr>,
    },
}

/// Binary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum BinOp {
    Impl,
    Or,
    And,
    Eq,
    Neq,
    Lt,
    Gt,
    Leq,
    Geq,
    Update,
    Add,
    Sub,
    Mul,
    Div,
    Concat,
    PipeInto,
    PipeFrom,
}

/// A piece of a string or path literal.
#[derive(Debug, Clone, PartialEq)]
pub enum StrPart {
    /// Literal text: the range of the token (still escaped).
    Lit(TextRange),
    /// `${ e }`
    Interp(Expr),
}

/// `{ a, b ? 1, ... }`
#[derive(Debug, Clone, PartialEq)]
pub struct Formals {
    /// The formals in source order.
    pub entries: Vec<Formal>,
    /// Whether `...` is present.
    pub ellipsis: bool,
}

/// One formal argument.
#[derive(Debug, Clone, PartialEq)]
pub struct Formal {
    /// Its name.
    pub name: Ident,
    /// Its default, if any.
    pub default: Option<Expr>,
}

/// One binding of an attribute set or `let`.
#[derive(Debug, Clone, PartialEq)]
pub enum Bind {
    /// `a.b.c = value;`
    Value {
        /// The attribute path, never empty.
        path: Vec<AttrName>,
        /// The value.
        value: Expr,
        /// The range of the path.
        range: TextRange,
    },
    /// `inherit a b;` or `inherit (e) a b;`
    Inherit {
        /// `(e)`, if present.
        from: Option<Expr>,
        /// The names.
        names: Vec<AttrName>,
        /// The range of the whole `inherit …;`.
        range: TextRange,
    },
}

/// One element of an attribute path.
#[derive(Debug, Clone, PartialEq)]
pub enum AttrName {
    /// `a` (or `or`).
    Ident(Ident),
    /// `"a"`: static when it has no interpolation.
    Str {
        /// The parts.
        parts: Vec<StrPart>,
        /// The range, quotes included.
        range: TextRange,
    },
    /// `${e}`: static when `e` is a plain string.
    Interp {
        /// The expression inside.
        expr: Box<Expr>,
        /// The range, `${` and `}` included.
        range: TextRange,
    },
}

impl AttrName {
    /// The source range.
    pub fn range(&self) -> TextRange {
        match self {
            AttrName::Ident(i) => i.range,
            AttrName::Str { range, .. } | AttrName::Interp { range, .. } => *range,
        }
    }
}

impl Expr {
    /// The expression inside any number of parentheses (Nix has no node for
    /// them).
    pub fn unparen(&self) -> &Expr {
        let mut e = self;
        while let ExprKind::Paren(inner) = &e.kind {
            e = inner;
        }
        e
    }
}
