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
    let more = match (&ast, &lowered) {
        (Some(a), Some(l)) => Some(then(src, a, l, &out)),
        _ => None,
    };
    (out, more)
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
