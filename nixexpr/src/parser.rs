//! A recursive-descent parser for the grammar of Nix's `parser.y`, over the
//! tokens of [`crate::lexer`].
//!
//! Nix's parser is a bison GLR parser with precedence declarations; this one
//! accepts the same language:
//!
//! - operator precedence and associativity are bison's table, including the
//!   non-associative comparisons (`a == b == c` is an error) and the low
//!   precedence of `!` (`!a + b` is `!(a + b)`);
//! - the only real ambiguity, `{` opening either a formals pattern or an
//!   attribute set, is settled with at most three tokens of look-ahead, which
//!   picks the only branch that GLR would keep alive;
//! - like bison it stops at the first syntax error.
//!
//! Semantic errors that Nix raises while building its tree (duplicate
//! attributes, dynamic attributes in `let`, …) are not raised here: they are
//! lints over [`crate::lower`].

use crate::ast::*;
use crate::lexer::{LexError, Token, TokenKind as T};
use rnix::{TextRange, TextSize};

/// How deeply our recursive descent may go, a guard for our own stack and
/// work: Nix's parser gives up first (every level of nesting holds at
/// least one entry of its stack, [`NIX_STACK`]), so this is never what
/// rejects a file.
pub const MAX_DEPTH: u32 = 12_000;

/// Nix's parser (bison, `%glr-parser`, `YYMAXDEPTH` 10,000) says "memory
/// exhausted" when its stack would grow past this many entries.
pub const NIX_STACK: u32 = 10_000;

/// The entries of Nix's parser stack a construct holds while what it
/// contains is parsed (`cost`), and those its innermost level adds at its
/// deepest point (`extra`), measured with `scripts/nesting-limits` on Nix
/// 2.8: the deepest nesting of each construct Nix accepts, bare and under
/// 100 parentheses. `tests/parity.rs` holds the model to real Nix at each
/// construct's boundary, both ways.
#[derive(Debug, Clone, Copy)]
struct Ctx {
    cost: u32,
    extra: u32,
}

const fn ctx(cost: u32, extra: u32) -> Ctx {
    Ctx { cost, extra }
}

const TOP: Ctx = ctx(0, 5);
const PAREN: Ctx = ctx(1, 5);
const LIST: Ctx = ctx(2, 4);
/// A binding's value in `{ … }`; `ATTR_VALUE_SPLIT` when the `{` stood
/// where a function may start and an identifier followed it: bison's GLR
/// parser split there (formals or attribute set) until the `=`, and the
/// innermost level keeps about ten entries more.
const ATTR_VALUE: Ctx = ctx(4, 5);
const ATTR_VALUE_SPLIT: Ctx = ctx(4, 14);
const REC_ATTR_VALUE: Ctx = ctx(5, 3);
const LEGACY_LET_VALUE: Ctx = ctx(5, 3);
const ATTR_NAME_INTERP: Ctx = ctx(3, 5);
const INHERIT_FROM: Ctx = ctx(4, 5);
const LET_VALUE: Ctx = ctx(4, 5);
const LET_BODY: Ctx = ctx(3, 5);
const LAMBDA_BODY: Ctx = ctx(2, 3);
/// A function body after `{ … }:`, by how long bison's GLR parser could
/// not tell the formals from an attribute set: `{ a }:` and `{ }:` to the
/// `}`; `{ a, …` and `{ a ? …` to the first `,` or `?`; `{ ... }:` and
/// `x@{ … }:` not at all.
const FORMALS_BODY: Ctx = ctx(4, 14);
const FORMALS_BODY_SHORT_SPLIT: Ctx = ctx(4, 9);
const FORMALS_BODY_NO_SPLIT: Ctx = ctx(4, 3);
/// `x@` or `@x` holds two entries more.
const AT_PATTERN: u32 = 2;
const FORMAL_DEFAULT: Ctx = ctx(3, 9);
const IF_COND: Ctx = ctx(1, 8);
const IF_THEN: Ctx = ctx(3, 5);
const IF_ELSE: Ctx = ctx(5, 3);
const WITH_EXPR: Ctx = ctx(1, 6);
const WITH_BODY: Ctx = ctx(3, 5);
const ASSERT_COND: Ctx = ctx(1, 5);
const ASSERT_BODY: Ctx = ctx(3, 3);
const PREFIX_OP: Ctx = ctx(1, 4);
const OP_RIGHT: Ctx = ctx(2, 4);
const APP_ARG: Ctx = ctx(1, 4);
const OR_DEFAULT: Ctx = ctx(4, 4);
/// `"${` with nothing before it in the string; `"a${`, a later `${`, and
/// every `${` of an indented string or a path hold one more.
const INTERP_FIRST: Ctx = ctx(2, 5);
const INTERP: Ctx = ctx(3, 5);
/// An empty `{ }` where a function may start: both GLR branches stay
/// until its end, about this many entries over the stack below it.
const EMPTY_BRACES_SPLIT: u32 = 25;

/// Why parsing stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyntaxErrorKind {
    /// A token the grammar does not allow here.
    Unexpected,
    /// The lexer's "path has a trailing slash".
    PathTrailingSlash,
    /// Deeper than Nix's parser stack ([`NIX_STACK`]) or our own guard
    /// ([`MAX_DEPTH`]).
    TooDeep,
    /// A NUL byte in a string (Nix 2.26 and later).
    NulInString,
}

/// The first syntax error, as Nix would report it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// What kind of error.
    pub kind: SyntaxErrorKind,
    /// Where.
    pub range: TextRange,
    /// Nix's wording: `syntax error, unexpected '}', expecting ';'`.
    pub message: String,
}

type PResult<X> = Result<X, SyntaxError>;

/// Parses a token stream (from [`crate::lexer::lex`]) into an expression.
pub fn parse(src: &str, tokens: &[Token], lex_error: Option<LexError>) -> PResult<Expr> {
    Parser::new(src, tokens, lex_error, None).whole()
}

/// Parses as [`parse`] and also returns, in the order Nix's parser reduces
/// them, each attribute set, `let` and formals pattern completed before the
/// parse stopped, with the offset it was complete at: what Nix's parser
/// actions had checked (duplicates) before a later syntax error.
pub fn parse_recording(
    src: &str,
    tokens: &[Token],
    lex_error: Option<LexError>,
) -> (PResult<Expr>, Vec<(u32, Expr)>) {
    let mut p = Parser::new(src, tokens, lex_error, Some(Vec::new()));
    let r = p.whole();
    (r, p.recorded.take().unwrap_or_default())
}

struct Parser<'a> {
    src: &'a str,
    toks: &'a [Token],
    pos: usize,
    depth: u32,
    /// The entries Nix's parser stack holds for the constructs open here.
    stack: u32,
    /// What the innermost of them adds at its deepest point.
    extra: u32,
    /// The token where the current `expr` (a place a function may start)
    /// began.
    expr_start: usize,
    lex_error: Option<LexError>,
    /// When set: each attribute set, `let` and formals pattern as Nix's
    /// parser reduces it (where its actions check duplicates), with the
    /// offset it is complete at.
    recorded: Option<Vec<(u32, Expr)>>,
}

fn range(start: u32, end: u32) -> TextRange {
    TextRange::new(TextSize::from(start), TextSize::from(end.max(start)))
}

/// Bison's name for a token, as it appears in Nix's messages.
pub fn describe(k: T) -> &'static str {
    match k {
        T::Id => "ID",
        T::Int => "INT",
        T::Float => "FLOAT",
        T::Path => "PATH",
        T::HPath => "HPATH",
        T::SPath => "SPATH",
        T::Uri => "URI",
        T::Str => "STR",
        T::IndStr => "IND_STR",
        T::DollarCurly => "DOLLAR_CURLY",
        T::IndStringOpen => "IND_STRING_OPEN",
        T::IndStringClose => "IND_STRING_CLOSE",
        T::PathEnd => "PATH_END",
        T::If => "IF",
        T::Then => "THEN",
        T::Else => "ELSE",
        T::Assert => "ASSERT",
        T::With => "WITH",
        T::Let => "LET",
        T::In => "IN",
        T::Rec => "REC",
        T::Inherit => "INHERIT",
        T::OrKw => "OR_KW",
        T::Ellipsis => "ELLIPSIS",
        T::Eq => "EQ",
        T::Neq => "NEQ",
        T::Leq => "LEQ",
        T::Geq => "GEQ",
        T::And => "AND",
        T::Or => "OR",
        T::Impl => "IMPL",
        T::Update => "UPDATE",
        T::Concat => "CONCAT",
        T::PipeFrom => "PIPE_FROM",
        T::PipeInto => "PIPE_INTO",
        T::LBrace => "'{'",
        T::RBrace => "'}'",
        T::LBrack => "'['",
        T::RBrack => "']'",
        T::LParen => "'('",
        T::RParen => "')'",
        T::Semi => "';'",
        T::Colon => "':'",
        T::Comma => "','",
        T::Dot => "'.'",
        T::At => "'@'",
        T::Question => "'?'",
        T::Assign => "'='",
        T::Lt => "'<'",
        T::Gt => "'>'",
        T::Plus => "'+'",
        T::Minus => "'-'",
        T::Star => "'*'",
        T::Slash => "'/'",
        T::Bang => "'!'",
        T::Quote => "'\"'",
        T::Invalid | T::Error => "invalid token",
        T::Eof => "end of file",
    }
}

/// Binding power of a binary operator: (level, right-associative,
/// non-associative). Higher binds tighter. `!` sits at 7 and unary minus
/// above every binary operator, as in bison's table.
fn binary(k: T) -> Option<(u8, BinOp, bool, bool)> {
    Some(match k {
        T::PipeInto => (1, BinOp::PipeInto, false, false),
        T::PipeFrom => (1, BinOp::PipeFrom, true, false),
        T::Impl => (2, BinOp::Impl, true, false),
        T::Or => (3, BinOp::Or, false, false),
        T::And => (4, BinOp::And, false, false),
        T::Eq => (5, BinOp::Eq, false, true),
        T::Neq => (5, BinOp::Neq, false, true),
        T::Lt => (6, BinOp::Lt, false, true),
        T::Gt => (6, BinOp::Gt, false, true),
        T::Leq => (6, BinOp::Leq, false, true),
        T::Geq => (6, BinOp::Geq, false, true),
        T::Update => (7, BinOp::Update, true, false),
        T::Plus => (9, BinOp::Add, false, false),
        T::Minus => (9, BinOp::Sub, false, false),
        T::Star => (10, BinOp::Mul, false, false),
        T::Slash => (10, BinOp::Div, false, false),
        T::Concat => (11, BinOp::Concat, true, false),
        _ => return None,
    })
}
const NOT_LEVEL: u8 = 8;
const HAS_ATTR_LEVEL: u8 = 12;
const NEGATE_LEVEL: u8 = 13;

/// Tokens that can start an `expr_select` (and so an argument).
fn starts_select(k: T) -> bool {
    matches!(
        k,
        T::Id
            | T::Int
            | T::Float
            | T::Quote
            | T::IndStringOpen
            | T::Path
            | T::HPath
            | T::SPath
            | T::Uri
            | T::LParen
            | T::Let
            | T::Rec
            | T::LBrace
            | T::LBrack
    )
}

impl<'a> Parser<'a> {
    fn new(
        src: &'a str,
        toks: &'a [Token],
        lex_error: Option<LexError>,
        recorded: Option<Vec<(u32, Expr)>>,
    ) -> Self {
        Parser {
            src,
            toks,
            pos: 0,
            depth: 0,
            stack: 0,
            extra: TOP.extra,
            expr_start: usize::MAX,
            lex_error,
            recorded,
        }
    }

    /// The whole input: one expression, then the end.
    fn whole(&mut self) -> PResult<Expr> {
        let e = self.expr()?;
        if self.kind() != T::Eof {
            return Err(self.unexpected(&["end of file"]));
        }
        Ok(e)
    }

    fn tok(&self) -> Token {
        self.toks[self.pos.min(self.toks.len() - 1)]
    }
    fn kind(&self) -> T {
        self.tok().kind
    }
    fn peek(&self, n: usize) -> T {
        self.toks[(self.pos + n).min(self.toks.len() - 1)].kind
    }
    fn bump(&mut self) -> Token {
        let t = self.tok();
        if self.pos < self.toks.len() - 1 {
            self.pos += 1;
        }
        t
    }
    fn prev_end(&self) -> u32 {
        if self.pos == 0 {
            0
        } else {
            self.toks[self.pos - 1].end
        }
    }

    fn unexpected(&self, expecting: &[&str]) -> SyntaxError {
        let t = self.tok();
        if t.kind == T::Error {
            return match self.lex_error {
                Some(LexError::NulInString) => SyntaxError {
                    kind: SyntaxErrorKind::NulInString,
                    range: range(t.start, t.end),
                    message: format!(
                        "input string '{}' cannot be represented as Nix string because it contains null bytes",
                        self.src.get(t.start as usize..t.end as usize).unwrap_or("")
                    ),
                },
                Some(LexError::PathTrailingSlash) | None => SyntaxError {
                    kind: SyntaxErrorKind::PathTrailingSlash,
                    range: range(t.start, t.end),
                    message: "path has a trailing slash".to_owned(),
                },
            };
        }
        let mut message = format!("syntax error, unexpected {}", describe(t.kind));
        if !expecting.is_empty() {
            message.push_str(", expecting ");
            message.push_str(&expecting.join(" or "));
        }
        SyntaxError {
            kind: SyntaxErrorKind::Unexpected,
            range: range(t.start, t.end),
            message,
        }
    }

    fn expect(&mut self, k: T) -> PResult<Token> {
        if self.kind() == k {
            Ok(self.bump())
        } else {
            Err(self.unexpected(&[describe(k)]))
        }
    }

    /// Runs `f` inside a construct that holds `c.cost` entries of Nix's
    /// parser stack.
    fn within<R>(&mut self, c: Ctx, f: impl FnOnce(&mut Self) -> PResult<R>) -> PResult<R> {
        let saved = (self.stack, self.extra);
        self.stack += c.cost;
        self.extra = c.extra;
        let r = f(self);
        (self.stack, self.extra) = saved;
        r
    }

    /// A leaf that adds `add` entries at its deepest point: Nix's parser
    /// overflows when the total passes [`NIX_STACK`].
    fn leaf(&self, add: u32) -> PResult<()> {
        if self.stack + add > NIX_STACK {
            let t = self.tok();
            return Err(SyntaxError {
                kind: SyntaxErrorKind::TooDeep,
                range: range(t.start, t.end),
                message: format!(
                    "memory exhausted: nested too deeply for Nix's parser (its stack holds {NIX_STACK} entries)"
                ),
            });
        }
        Ok(())
    }

    fn enter(&mut self) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            let t = self.tok();
            return Err(SyntaxError {
                kind: SyntaxErrorKind::TooDeep,
                range: range(t.start, t.end),
                message: format!("expression nested more than {MAX_DEPTH} levels deep"),
            });
        }
        Ok(())
    }

    /// Records a completed construct (recording mode only).
    fn record(&mut self, start: u32, kind: impl FnOnce(Box<Expr>) -> ExprKind) {
        if self.recorded.is_some() {
            let e = self.node(start, kind(self.placeholder()));
            let at = self.prev_end();
            if let Some(r) = self.recorded.as_mut() {
                r.push((at, e));
            }
        }
    }

    /// A placeholder body for a recorded pattern or `let`.
    fn placeholder(&self) -> Box<Expr> {
        Box::new(Expr {
            kind: ExprKind::Int,
            range: range(self.prev_end(), self.prev_end()),
        })
    }

    fn node(&self, start: u32, kind: ExprKind) -> Expr {
        Expr {
            kind,
            range: range(start, self.prev_end()),
        }
    }

    fn ident(&self, t: Token) -> Ident {
        Ident {
            name: t.text(self.src).to_owned(),
            range: range(t.start, t.end),
        }
    }

    /// `expr: expr_function`
    fn expr(&mut self) -> PResult<Expr> {
        self.enter()?;
        let saved = std::mem::replace(&mut self.expr_start, self.pos);
        let e = crate::with_stack(|| self.function());
        self.expr_start = saved;
        self.depth -= 1;
        e
    }

    /// `expr` inside a construct.
    fn expr_in(&mut self, c: Ctx) -> PResult<Expr> {
        self.within(c, Self::expr)
    }

    fn function(&mut self) -> PResult<Expr> {
        let start = self.tok().start;
        match self.kind() {
            T::Id if self.peek(1) == T::Colon => {
                let t = self.bump();
                let arg = self.ident(t);
                self.bump();
                let body = self.expr_in(LAMBDA_BODY)?;
                Ok(self.node(
                    start,
                    ExprKind::Lambda {
                        arg: Some(arg),
                        formals: None,
                        body: Box::new(body),
                    },
                ))
            }
            T::Id if self.peek(1) == T::At => {
                let t = self.bump();
                let arg = self.ident(t);
                self.bump();
                self.expect(T::LBrace)?;
                let formals = self.formals()?;
                self.record(start, |b| ExprKind::Lambda {
                    arg: Some(arg.clone()),
                    formals: Some(formals.clone()),
                    body: b,
                });
                self.expect(T::Colon)?;
                let body = self.expr_in(ctx(
                    FORMALS_BODY_NO_SPLIT.cost + AT_PATTERN,
                    FORMALS_BODY_NO_SPLIT.extra,
                ))?;
                Ok(self.node(
                    start,
                    ExprKind::Lambda {
                        arg: Some(arg),
                        formals: Some(formals),
                        body: Box::new(body),
                    },
                ))
            }
            T::LBrace if self.opens_formals() => {
                let body_ctx = match (self.peek(1), self.peek(2)) {
                    (T::Ellipsis, _) => FORMALS_BODY_NO_SPLIT,
                    (T::Id, T::Comma | T::Question) => FORMALS_BODY_SHORT_SPLIT,
                    _ => FORMALS_BODY,
                };
                self.bump();
                let formals = self.formals()?;
                let arg = if self.kind() == T::At {
                    self.bump();
                    let t = self.expect(T::Id)?;
                    Some(self.ident(t))
                } else {
                    None
                };
                self.record(start, |b| ExprKind::Lambda {
                    arg: arg.clone(),
                    formals: Some(formals.clone()),
                    body: b,
                });
                if self.kind() != T::Colon {
                    return Err(self.unexpected(if arg.is_some() {
                        &["':'"]
                    } else {
                        &["':'", "'@'"]
                    }));
                }
                self.bump();
                let body_ctx = if arg.is_some() {
                    ctx(body_ctx.cost + AT_PATTERN, body_ctx.extra)
                } else {
                    body_ctx
                };
                let body = self.expr_in(body_ctx)?;
                Ok(self.node(
                    start,
                    ExprKind::Lambda {
                        arg,
                        formals: Some(formals),
                        body: Box::new(body),
                    },
                ))
            }
            T::Assert | T::With => {
                let k = self.bump().kind;
                let (c, b) = if k == T::Assert {
                    (ASSERT_COND, ASSERT_BODY)
                } else {
                    (WITH_EXPR, WITH_BODY)
                };
                let cond = self.expr_in(c)?;
                self.expect(T::Semi)?;
                let body = self.expr_in(b)?;
                let (a, b) = (Box::new(cond), Box::new(body));
                Ok(self.node(
                    start,
                    if k == T::Assert {
                        ExprKind::Assert(a, b)
                    } else {
                        ExprKind::With(a, b)
                    },
                ))
            }
            T::Let if self.peek(1) != T::LBrace => {
                self.bump();
                let binds = self.binds(T::In, LET_VALUE)?;
                self.record(start, |b| ExprKind::Let(binds.clone(), b));
                self.expect(T::In)?;
                let body = self.expr_in(LET_BODY)?;
                Ok(self.node(start, ExprKind::Let(binds, Box::new(body))))
            }
            _ => self.if_(),
        }
    }

    /// After `{` in function position: does a formals pattern follow? Only
    /// one of the two readings can survive these tokens, so this is the
    /// branch bison's GLR parser keeps.
    fn opens_formals(&self) -> bool {
        match self.peek(1) {
            T::Ellipsis => true,
            T::Id => matches!(self.peek(2), T::Comma | T::Question | T::RBrace),
            T::RBrace => matches!(self.peek(2), T::Colon | T::At),
            _ => false,
        }
    }

    /// `formals '}'`, the `{` already taken.
    fn formals(&mut self) -> PResult<Formals> {
        let mut entries = Vec::new();
        let mut ellipsis = false;
        loop {
            match self.kind() {
                T::RBrace => {
                    self.bump();
                    break;
                }
                T::Ellipsis => {
                    self.bump();
                    ellipsis = true;
                    self.expect(T::RBrace)?;
                    break;
                }
                T::Id => {
                    let t = self.bump();
                    let name = self.ident(t);
                    let default = if self.kind() == T::Question {
                        self.bump();
                        Some(self.expr_in(FORMAL_DEFAULT)?)
                    } else {
                        None
                    };
                    entries.push(Formal { name, default });
                    match self.kind() {
                        T::Comma => {
                            self.bump();
                        }
                        T::RBrace => {
                            self.bump();
                            break;
                        }
                        _ => return Err(self.unexpected(&["'}'"])),
                    }
                }
                _ => return Err(self.unexpected(&["'}'"])),
            }
        }
        Ok(Formals { entries, ellipsis })
    }

    fn if_(&mut self) -> PResult<Expr> {
        if self.kind() != T::If {
            return self.op(0);
        }
        let start = self.bump().start;
        let c = self.expr_in(IF_COND)?;
        self.expect(T::Then)?;
        let t = self.expr_in(IF_THEN)?;
        self.expect(T::Else)?;
        let e = self.expr_in(IF_ELSE)?;
        Ok(self.node(start, ExprKind::If(Box::new(c), Box::new(t), Box::new(e))))
    }

    /// Operators with a binding power above `min`.
    fn op(&mut self, min: u8) -> PResult<Expr> {
        let start = self.tok().start;
        let mut lhs = self.prefix()?;
        loop {
            let k = self.kind();
            if k == T::Question {
                if HAS_ATTR_LEVEL <= min {
                    break;
                }
                self.bump();
                let path = self.attrpath()?;
                lhs = self.node(
                    start,
                    ExprKind::HasAttr {
                        expr: Box::new(lhs),
                        path,
                    },
                );
                continue;
            }
            let Some((level, op, right, nonassoc)) = binary(k) else {
                break;
            };
            if level <= min {
                break;
            }
            self.bump();
            let next_min = if right { level - 1 } else { level };
            let rhs = crate::with_stack(|| self.within(OP_RIGHT, |p| p.op(next_min)))?;
            lhs = self.node(start, ExprKind::Binary(op, Box::new(lhs), Box::new(rhs)));
            let next = binary(self.kind());
            if let Some((l2, op2, ..)) = next {
                if l2 == level && (nonassoc || (level == 1 && op2 != op)) {
                    return Err(self.unexpected(&[]));
                }
            }
        }
        Ok(lhs)
    }

    fn prefix(&mut self) -> PResult<Expr> {
        let start = self.tok().start;
        match self.kind() {
            T::Bang | T::Minus => {
                self.enter()?;
                let k = self.bump().kind;
                let level = if k == T::Bang {
                    NOT_LEVEL
                } else {
                    NEGATE_LEVEL
                };
                let operand = crate::with_stack(|| self.within(PREFIX_OP, |p| p.op(level)));
                self.depth -= 1;
                let operand = Box::new(operand?);
                Ok(self.node(
                    start,
                    if k == T::Bang {
                        ExprKind::Not(operand)
                    } else {
                        ExprKind::Neg(operand)
                    },
                ))
            }
            _ => self.app(),
        }
    }

    fn app(&mut self) -> PResult<Expr> {
        let start = self.tok().start;
        let mut f = self.select()?;
        while starts_select(self.kind()) {
            let arg = self.within(APP_ARG, Self::select)?;
            f = self.node(start, ExprKind::Apply(Box::new(f), Box::new(arg)));
        }
        Ok(f)
    }

    fn select(&mut self) -> PResult<Expr> {
        crate::with_stack(|| self.select_inner())
    }

    fn select_inner(&mut self) -> PResult<Expr> {
        let start = self.tok().start;
        let e = self.simple()?;
        match self.kind() {
            T::Dot => {
                self.bump();
                let path = self.attrpath()?;
                let default = if self.kind() == T::OrKw {
                    self.bump();
                    Some(Box::new(self.within(OR_DEFAULT, Self::select)?))
                } else {
                    None
                };
                Ok(self.node(
                    start,
                    ExprKind::Select {
                        expr: Box::new(e),
                        path,
                        default,
                    },
                ))
            }
            T::OrKw => {
                let t = self.bump();
                Ok(self.node(
                    start,
                    ExprKind::OrCall {
                        func: Box::new(e),
                        or_range: range(t.start, t.end),
                    },
                ))
            }
            _ => Ok(e),
        }
    }

    fn simple(&mut self) -> PResult<Expr> {
        let t = self.tok();
        let start = t.start;
        // Where Nix's parser stack is deepest: at the leaves. A selection
        // or `?` after an identifier, and any literal that is not a number
        // or identifier, hold one entry more.
        let at_expr_start = self.pos == self.expr_start;
        match t.kind {
            T::Id => {
                let more = u32::from(matches!(self.peek(1), T::Dot | T::Question));
                self.leaf(self.extra + more)?;
            }
            T::Int | T::Float | T::SPath | T::Uri => self.leaf(self.extra)?,
            T::Quote | T::IndStringOpen | T::Path | T::HPath | T::LBrack => {
                self.leaf(self.extra + 1)?;
            }
            T::LBrace if self.peek(1) == T::RBrace => {
                self.leaf(if at_expr_start {
                    EMPTY_BRACES_SPLIT
                } else {
                    self.extra + 1
                })?;
            }
            _ => {}
        }
        let kind = match t.kind {
            T::Id => {
                self.bump();
                let name = t.text(self.src);
                if name == "__curPos" {
                    ExprKind::CurPos
                } else {
                    ExprKind::Var(name.to_owned())
                }
            }
            T::Int => {
                self.bump();
                ExprKind::Int
            }
            T::Float => {
                self.bump();
                ExprKind::Float
            }
            T::SPath => {
                self.bump();
                ExprKind::SPath
            }
            T::Uri => {
                self.bump();
                ExprKind::Uri
            }
            T::Quote => ExprKind::Str(self.string()?),
            T::IndStringOpen => {
                self.bump();
                let mut parts = Vec::new();
                loop {
                    match self.kind() {
                        T::IndStr => {
                            let t = self.bump();
                            parts.push(StrPart::Lit(range(t.start, t.end)));
                        }
                        T::DollarCurly => parts.push(self.interpolation(INTERP)?),
                        T::IndStringClose => {
                            self.bump();
                            break;
                        }
                        _ => {
                            return Err(self.unexpected(&[
                                "IND_STR",
                                "DOLLAR_CURLY",
                                "IND_STRING_CLOSE",
                            ]))
                        }
                    }
                }
                ExprKind::IndStr(parts)
            }
            T::Path | T::HPath => {
                self.bump();
                let mut parts = Vec::new();
                loop {
                    match self.kind() {
                        T::Str => {
                            // Before the first `${`, a literal piece must be
                            // followed by one (`string_parts_interpolated`).
                            if !parts.iter().any(|p| matches!(p, StrPart::Interp(_)))
                                && !parts.is_empty()
                            {
                                return Err(self.unexpected(&["DOLLAR_CURLY"]));
                            }
                            let t = self.bump();
                            parts.push(StrPart::Lit(range(t.start, t.end)));
                        }
                        T::DollarCurly => parts.push(self.interpolation(INTERP)?),
                        T::PathEnd => {
                            if matches!(parts.as_slice(), [StrPart::Lit(_)]) {
                                return Err(self.unexpected(&["DOLLAR_CURLY"]));
                            }
                            self.bump();
                            break;
                        }
                        _ => return Err(self.unexpected(&["PATH_END"])),
                    }
                }
                // The first literal is the path token itself.
                let mut all = vec![StrPart::Lit(range(t.start, t.end))];
                all.extend(parts);
                if t.kind == T::Path {
                    ExprKind::Path(all)
                } else {
                    ExprKind::HPath(all)
                }
            }
            T::LParen => {
                self.bump();
                let e = self.expr_in(PAREN)?;
                self.expect(T::RParen)?;
                ExprKind::Paren(Box::new(e))
            }
            T::Let => {
                self.bump();
                self.expect(T::LBrace)?;
                let binds = self.binds(T::RBrace, LEGACY_LET_VALUE)?;
                self.expect(T::RBrace)?;
                self.record(start, |_| ExprKind::LegacyLet(binds.clone()));
                ExprKind::LegacyLet(binds)
            }
            T::Rec | T::LBrace => {
                let rec = self.bump().kind == T::Rec;
                if rec {
                    self.expect(T::LBrace)?;
                }
                let values = if rec {
                    REC_ATTR_VALUE
                } else if at_expr_start && matches!(self.kind(), T::Id | T::OrKw) {
                    ATTR_VALUE_SPLIT
                } else {
                    ATTR_VALUE
                };
                let binds = self.binds(T::RBrace, values)?;
                self.expect(T::RBrace)?;
                self.record(start, |_| ExprKind::Attrs {
                    rec,
                    binds: binds.clone(),
                });
                ExprKind::Attrs { rec, binds }
            }
            T::LBrack => {
                self.bump();
                self.enter()?;
                let mut items = Vec::new();
                while self.kind() != T::RBrack {
                    if !starts_select(self.kind()) {
                        return Err(self.unexpected(&[]));
                    }
                    items.push(self.within(LIST, Self::select)?);
                }
                self.depth -= 1;
                self.bump();
                ExprKind::List(items)
            }
            _ => return Err(self.unexpected(&[])),
        };
        Ok(self.node(start, kind))
    }

    /// `'"' string_parts '"'`, at the opening quote.
    fn string(&mut self) -> PResult<Vec<StrPart>> {
        self.expect(T::Quote)?;
        let mut parts: Vec<StrPart> = Vec::new();
        loop {
            match self.kind() {
                T::Str => {
                    if matches!(parts.as_slice(), [StrPart::Lit(_)]) {
                        return Err(self.unexpected(&["DOLLAR_CURLY"]));
                    }
                    let t = self.bump();
                    parts.push(StrPart::Lit(range(t.start, t.end)));
                }
                T::DollarCurly => {
                    let c = if parts.is_empty() {
                        INTERP_FIRST
                    } else {
                        INTERP
                    };
                    parts.push(self.interpolation(c)?);
                }
                T::Quote => {
                    self.bump();
                    return Ok(parts);
                }
                _ => return Err(self.unexpected(&["'\"'"])),
            }
        }
    }

    /// `DOLLAR_CURLY expr '}'`
    fn interpolation(&mut self, c: Ctx) -> PResult<StrPart> {
        self.expect(T::DollarCurly)?;
        let e = self.expr_in(c)?;
        self.expect(T::RBrace)?;
        Ok(StrPart::Interp(e))
    }

    fn attr_name(&mut self) -> PResult<AttrName> {
        match self.kind() {
            T::Id | T::OrKw => {
                let t = self.bump();
                Ok(AttrName::Ident(self.ident(t)))
            }
            T::Quote => {
                let start = self.tok().start;
                let parts = self.string()?;
                Ok(AttrName::Str {
                    parts,
                    range: range(start, self.prev_end()),
                })
            }
            T::DollarCurly => {
                let start = self.bump().start;
                let e = self.expr_in(ATTR_NAME_INTERP)?;
                self.expect(T::RBrace)?;
                Ok(AttrName::Interp {
                    expr: Box::new(e),
                    range: range(start, self.prev_end()),
                })
            }
            _ => Err(self.unexpected(&[])),
        }
    }

    fn attrpath(&mut self) -> PResult<Vec<AttrName>> {
        let mut path = vec![self.attr_name()?];
        while self.kind() == T::Dot {
            self.bump();
            path.push(self.attr_name()?);
        }
        Ok(path)
    }

    /// `binds`, up to (not including) `end`.
    fn binds(&mut self, end: T, values: Ctx) -> PResult<Vec<Bind>> {
        let mut binds = Vec::new();
        let set_start = self.prev_end();
        loop {
            // Nix's parser adds each binding as it reduces it, checking
            // for a duplicate then: record the bindings so far.
            if !binds.is_empty() {
                if end == T::In {
                    self.record(set_start, |b| ExprKind::Let(binds.clone(), b));
                } else {
                    self.record(set_start, |_| ExprKind::Attrs {
                        rec: false,
                        binds: binds.clone(),
                    });
                }
            }
            let k = self.kind();
            if k == end {
                return Ok(binds);
            }
            let start = self.tok().start;
            match k {
                T::Inherit => {
                    self.bump();
                    let from = if self.kind() == T::LParen {
                        self.bump();
                        let e = self.expr_in(INHERIT_FROM)?;
                        self.expect(T::RParen)?;
                        Some(e)
                    } else {
                        None
                    };
                    let mut names = Vec::new();
                    while matches!(self.kind(), T::Id | T::OrKw | T::Quote | T::DollarCurly) {
                        names.push(self.attr_name()?);
                    }
                    self.expect(T::Semi)?;
                    binds.push(Bind::Inherit {
                        from,
                        names,
                        range: range(start, self.prev_end()),
                    });
                }
                T::Id | T::OrKw | T::Quote | T::DollarCurly => {
                    let path = self.attrpath()?;
                    let path_range = range(start, self.prev_end());
                    if self.kind() != T::Assign {
                        return Err(self.unexpected(&["'.'", "'='"]));
                    }
                    self.bump();
                    let value = self.expr_in(values)?;
                    self.expect(T::Semi)?;
                    binds.push(Bind::Value {
                        path,
                        value,
                        range: path_range,
                    });
                }
                _ => return Err(self.unexpected(&[describe(end)])),
            }
        }
    }
}
