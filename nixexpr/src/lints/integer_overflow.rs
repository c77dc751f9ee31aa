//! `integer_overflow`: an integer literal that does not fit in 64 bits.
//!
//! **What**: Nix integers are signed 64-bit; a literal above
//! 9223372036854775807 is rejected while the file is read.
//!
//! **Why**: Nix refuses the whole file ("invalid integer"), so the container
//! would not build. Note that `-9223372036854775808` is rejected too: the
//! minus is an operator, applied to a literal that is already too large.
//!
//! **Example**: `{ services.foo.limit = 9223372036854775808; }`

use super::{Context, Lint};
use crate::diagnostic::{range, Diagnostic, Severity};
use crate::lexer::TokenKind;

/// The check.
pub const LINT: Lint = Lint {
    code: "integer_overflow",
    severity: Severity::Error,
    parity: true,
    summary: "integer literal larger than 64 bits",
    run,
};

fn run(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for t in cx.tokens.iter().filter(|t| t.kind == TokenKind::Int) {
        let text = t.text(cx.src);
        if text.parse::<i64>().is_err() {
            out.push(
                Diagnostic::error(
                    LINT.code,
                    range(t.start as usize, t.end as usize),
                    format!("invalid integer '{text}'"),
                )
                .with_note("Nix integers are signed 64-bit: the largest is 9223372036854775807"),
            );
        }
    }
}
