//! `pipe_operator`: `|>` or `<|` without the `pipe-operators` feature.
//!
//! **What**: Nix 2.24 added the pipe operators behind the experimental
//! feature `pipe-operators`; without it Nix rejects them, and Nix before
//! 2.24 does not know them at all (there `|>` is a syntax error).
//!
//! **Why**: the host's Nix builds the container: a snippet that needs an
//! experimental feature fails there unless the host enables it. Pass
//! `--experimental pipe-operators` when it does.
//!
//! **Example**: `{ x = [ 1 2 ] |> builtins.length; }`

use super::{Context, Lint};
use crate::diagnostic::{range, Diagnostic, Severity};
use crate::lexer::TokenKind;

/// The check.
pub const LINT: Lint = Lint {
    code: "pipe_operator",
    severity: Severity::Error,
    parity: true,
    summary: "pipe operator without the pipe-operators experimental feature",
    run,
};

fn run(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    if cx.opts.pipe_operators {
        return;
    }
    for t in cx
        .tokens
        .iter()
        .filter(|t| matches!(t.kind, TokenKind::PipeInto | TokenKind::PipeFrom))
    {
        out.push(
            Diagnostic::error(
                LINT.code,
                range(t.start as usize, t.end as usize),
                "experimental Nix feature 'pipe-operators' is disabled",
            )
            .with_note("enable it on the host and pass `--experimental pipe-operators`, or call the function directly"),
        );
    }
}
