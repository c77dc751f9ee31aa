//! The checks, one file each, listed once in [`LINTS`]. Each file opens with
//! what it finds, why it matters, and an example; that doc comment is the
//! documentation of its code.
//!
//! Besides these, the parser itself reports `syntax_error`,
//! `path_trailing_slash` and `too_deep` (see [`crate::parser`]).

use crate::ast::Expr;
use crate::diagnostic::{Diagnostic, Severity};
use crate::lexer::Token;
use crate::lower::Lowered;
use crate::CheckOptions;

mod duplicate_attr;
mod duplicate_formal;
mod dynamic_attr;
mod float_out_of_range;
mod integer_overflow;
mod module_shape;
mod pipe_operator;
mod undefined_variable;
mod unused;

/// What a check sees.
pub struct Context<'a> {
    /// The source, as Nix sees it (cut at the first NUL).
    pub src: &'a str,
    /// Its tokens.
    pub tokens: &'a [Token],
    /// The tree, when the file parsed.
    pub ast: Option<&'a Expr>,
    /// The merged attribute sets, when the file parsed.
    pub lowered: Option<&'a Lowered<'a>>,
    /// The options of this run.
    pub opts: &'a CheckOptions,
}

/// One check.
pub struct Lint {
    /// Its stable code.
    pub code: &'static str,
    /// The severity of what it reports.
    pub severity: Severity,
    /// Whether Nix's own parser makes this check (so `--parse-only` runs it
    /// and the parity test holds it to Nix's verdict).
    pub parity: bool,
    /// One line for `--list-checks` and the docs.
    pub summary: &'static str,
    /// Runs the check.
    pub run: fn(&Context<'_>, &mut Vec<Diagnostic>),
}

/// Every check, in the order they run.
pub const LINTS: &[&Lint] = &[
    &integer_overflow::LINT,
    &float_out_of_range::LINT,
    &pipe_operator::LINT,
    &duplicate_attr::LINT,
    &duplicate_formal::LINT,
    &dynamic_attr::LINT,
    &undefined_variable::LINT,
    &module_shape::LINT,
    &unused::UNUSED_BINDING,
    &unused::UNUSED_ARGUMENT,
    &unused::UNUSED_WITH,
    &unused::ESCAPING_WITH,
    &unused::EMPTY_LET,
    &unused::REDUNDANT_REC,
];

/// Calls `f` on `e` and every expression below it.
pub(crate) fn walk<'a>(e: &'a Expr, f: &mut dyn FnMut(&'a Expr)) {
    f(e);
    crate::with_stack(|| crate::lower::for_each_child(e, |c| walk(c, f)));
}
