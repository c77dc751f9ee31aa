//! Nix parsing for nixunits: pure, no I/O.
//!
//! Two front ends over the same text:
//!
//! - [`tree::parse`]: rnix's lossless tree, for tools that want the source
//!   exactly as written. Never fails.
//! - [`check`]: a port of Nix's own lexer and grammar ([`lexer`],
//!   [`parser`]), Nix's parse-time desugaring ([`lower`]) and the checks Nix
//!   makes while parsing, plus nixunits' own ([`lints`]). Its verdict is
//!   Nix's: the parity test holds it to `nix-instantiate --parse`.
//!
//! Diagnostics are data ([`Diagnostic`]); rendering is the CLI's.

pub mod ast;
pub mod canonical;
pub mod diagnostic;
pub mod globals;
pub mod lexer;
pub mod lints;
pub mod lower;
pub mod parser;
pub mod scope;
pub mod tree;
pub mod version;

pub use diagnostic::{Diagnostic, Edit, Fix, LineCol, LineIndex, Related, Severity};
pub use rnix::{TextRange, TextSize};
pub use version::NixVersion;

/// Runs `f` with enough stack for one more level of a recursive walk:
/// nesting is bounded ([`parser::MAX_DEPTH`]), but not every thread has a
/// large stack (a test thread has 2 MiB), so it grows on demand.
pub(crate) fn with_stack<R>(f: impl FnOnce() -> R) -> R {
    stacker::maybe_grow(64 * 1024, 4 * 1024 * 1024, f)
}

/// What to check, and as which Nix.
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    /// The Nix whose parser is modelled.
    pub version: NixVersion,
    /// Only what Nix's parser checks (any Nix file, module or not).
    pub parse_only: bool,
    /// The `pipe-operators` experimental feature is on.
    pub pipe_operators: bool,
}

/// The part of `src` Nix reads: all of it. (Nix 2.8 hands the whole file
/// to its lexer: a NUL byte is text in strings and comments and ends the
/// input where a token would start, which the lexer models.)
pub fn nix_visible(src: &str) -> &str {
    src
}

/// Checks one file. Never fails and never panics: every problem is a
/// diagnostic. The result is sorted by position.
pub fn check(src: &str, opts: &CheckOptions) -> Vec<Diagnostic> {
    check_then(src, opts, |_, _, _, _| ()).0
}

/// [`check`], then `then` with the tree and the merged attribute sets when
/// the file parsed: a caller that goes on to evaluate the file neither
/// parses nor merges it again.
pub fn check_then<R>(
    src: &str,
    opts: &CheckOptions,
    then: impl FnOnce(&str, &ast::Expr, &lower::Lowered<'_>, &[Diagnostic]) -> R,
) -> (Vec<Diagnostic>, Option<R>) {
    let src = nix_visible(src);
    let lexed = lexer::lex(src, opts.version);
    let parsed = parser::parse(src, &lexed.tokens, lexed.error);
    let mut out = Vec::new();
    let (ast, err) = match parsed {
        Ok(ast) => (Some(ast), None),
        Err(e) => (None, Some(e)),
    };
    if let Some(e) = err {
        let code = match e.kind {
            parser::SyntaxErrorKind::Unexpected => "syntax_error",
            parser::SyntaxErrorKind::PathTrailingSlash => "path_trailing_slash",
            parser::SyntaxErrorKind::TooDeep => "too_deep",
            parser::SyntaxErrorKind::NulInString => "nul_in_string",
        };
        let mut d = Diagnostic::error(code, e.range, e.message);
        // A Nix without pipe operators reads `|>` and `<|` as two tokens
        // and says only "unexpected invalid token": say what it is.
        let at = usize::from(e.range.start());
        let pipe = src
            .get(at..at + 2)
            .filter(|t| *t == "|>")
            .or_else(|| src.get(at.checked_sub(1)?..at + 1).filter(|t| *t == "<|"));
        if let (Some(p), false) = (pipe, opts.version.has_pipe_operators()) {
            d = d.with_note(format!(
                "`{p}` is a pipe operator, from Nix 2.24 with the experimental feature pipe-operators; this is Nix {} (--nix-version)",
                opts.version
            ));
        }
        // Nix stops at its first error in time: its lexer's (an integer
        // out of range) and its parser's actions (a duplicate attribute or
        // formal, a dynamic name in `let`) before the syntax error come
        // first.
        if let Some(first) = earlier_error(src, &lexed.tokens, lexed.error, opts, e.range.start()) {
            out.push(first);
        }
        out.push(d);
    }
    let lowered = ast.as_ref().map(|a| lower::lower(a, src, opts.version));
    let cx = lints::Context {
        src,
        tokens: &lexed.tokens,
        ast: ast.as_ref(),
        lowered: lowered.as_ref(),
        opts,
    };
    for lint in lints::LINTS.iter().filter(|l| l.parity || !opts.parse_only) {
        (lint.run)(&cx, &mut out);
    }
    out.sort_by_key(|d| (d.range.start(), d.range.end()));
    nix_first(&mut out);
    let more = match (&ast, &lowered) {
        (Some(a), Some(l)) => Some(then(src, a, l, &out)),
        _ => None,
    };
    (out, more)
}

/// Puts first the error Nix would report (it stops at its first): what its
/// lexer and parser find, in the order they find it, before what it finds
/// after parsing (undefined variables); the rest stays in file order.
fn nix_first(out: &mut [Diagnostic]) {
    let phase = |d: &Diagnostic| match d.code {
        "undefined_variable" => 1,
        c if lints::LINTS.iter().any(|l| l.parity && l.code == c)
            || matches!(
                c,
                "syntax_error" | "path_trailing_slash" | "too_deep" | "nul_in_string"
            ) =>
        {
            0
        }
        _ => 2,
    };
    let first = out
        .iter()
        .enumerate()
        .filter(|(_, d)| d.severity == Severity::Error && phase(d) < 2)
        .min_by_key(|(i, d)| (phase(d), *i))
        .map(|(i, _)| i);
    if let Some(i) = first {
        out[..=i].rotate_right(1);
    }
}

/// The error Nix's parser actions report before a syntax error at `at`, if
/// any: a duplicate attribute or formal, or a dynamic name in `let`,
/// checked as each binding or pattern is reduced. (The lexer's errors are
/// found from the tokens, parse or not.)
fn earlier_error(
    src: &str,
    tokens: &[lexer::Token],
    lex_error: Option<lexer::LexError>,
    opts: &CheckOptions,
    at: TextSize,
) -> Option<Diagnostic> {
    let mut candidates: Vec<(TextSize, Diagnostic)> = Vec::new();
    let (_, recorded) = parser::parse_recording(src, tokens, lex_error);
    for (done, e) in &recorded {
        let lowered = lower::lower(e, src, opts.version);
        let cx = lints::Context {
            src,
            tokens,
            ast: Some(e),
            lowered: Some(&lowered),
            opts,
        };
        let mut found = Vec::new();
        for lint in lints::LINTS.iter().filter(|l| {
            matches!(
                l.code,
                "duplicate_attr" | "duplicate_formal" | "dynamic_attr"
            )
        }) {
            (lint.run)(&cx, &mut found);
        }
        if let Some(d) = found.into_iter().min_by_key(|d| d.range.start()) {
            candidates.push((TextSize::from(*done), d));
            break;
        }
    }
    candidates
        .into_iter()
        .filter(|(t, _)| *t < at)
        .min_by_key(|(t, _)| *t)
        .map(|(_, d)| d)
}

/// Calls `f` on `e` and every expression below it.
pub fn walk<'a>(e: &'a ast::Expr, f: &mut dyn FnMut(&'a ast::Expr)) {
    lints::walk(e, f);
}

/// Parses `src` into the Nix-faithful tree, or the first syntax error (as
/// Nix reports it).
pub fn parse_ast(src: &str) -> Result<ast::Expr, parser::SyntaxError> {
    let src = nix_visible(src);
    let lexed = lexer::lex(src, NixVersion::CURRENT);
    parser::parse(src, &lexed.tokens, lexed.error)
}

/// Whether Nix would reject the file: any error among the diagnostics.
pub fn has_errors(diags: &[Diagnostic]) -> bool {
    diags.iter().any(|d| d.severity == Severity::Error)
}

/// Whether `# nixunits: allow(CODE, …)` on the diagnostic's line, or on the
/// line above (a comment before a binding), silences it. What Nix itself
/// rejects (a parity check) cannot be silenced: Nix would still fail.
pub fn suppressed(src: &str, d: &Diagnostic) -> bool {
    let parity = matches!(
        d.code,
        "syntax_error" | "path_trailing_slash" | "too_deep" | "nul_in_string"
    ) || lints::LINTS.iter().any(|l| l.parity && l.code == d.code);
    if parity {
        return false;
    }
    let at = usize::from(d.range.start()).min(src.len());
    let line_start = src[..at].rfind('\n').map_or(0, |i| i + 1);
    let line_end = src[at..].find('\n').map_or(src.len(), |i| at + i);
    let prev_start = src[..line_start.saturating_sub(1)]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let lines = [
        &src[line_start..line_end],
        if line_start == 0 {
            ""
        } else {
            &src[prev_start..line_start - 1]
        },
    ];
    lines.iter().any(|l| allows(l, d.code))
}

fn allows(line: &str, code: &str) -> bool {
    let Some(hash) = line.find('#') else {
        return false;
    };
    let comment = line[hash + 1..].trim_start();
    let Some(rest) = comment.strip_prefix("nixunits:") else {
        return false;
    };
    let Some(list) = rest.trim_start().strip_prefix("allow(") else {
        return false;
    };
    list.split(')')
        .next()
        .is_some_and(|l| l.split(',').any(|c| c.trim() == code))
}
