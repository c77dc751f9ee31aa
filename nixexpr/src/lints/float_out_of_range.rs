//! `float_out_of_range`: a float literal too large or too small for a
//! double.
//!
//! **What**: Nix reads floats with C's `strtod` and rejects the file when it
//! reports a range error: a value that overflows to infinity, or one so
//! close to zero that it underflows (below about 2.2e-308).
//!
//! **Why**: the file would not evaluate at all ("invalid float").
//!
//! **Example**: `{ x = 1.0e400; y = 1.0e-310; }`

use super::{Context, Lint};
use crate::diagnostic::{range, Diagnostic, Severity};
use crate::lexer::TokenKind;

/// The check.
pub const LINT: Lint = Lint {
    code: "float_out_of_range",
    severity: Severity::Error,
    parity: true,
    summary: "float literal that over- or underflows a double",
    run,
};

/// Whether `strtod` would set `ERANGE` for this literal.
fn out_of_range(text: &str) -> bool {
    let Ok(v) = text.parse::<f64>() else {
        return true;
    };
    if v.is_infinite() {
        return true;
    }
    let mantissa = text.split(['e', 'E']).next().unwrap_or(text);
    let nonzero = mantissa.bytes().any(|b| (b'1'..=b'9').contains(&b));
    (v == 0.0 && nonzero) || (v != 0.0 && v.abs() < f64::MIN_POSITIVE)
}

fn run(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for t in cx.tokens.iter().filter(|t| t.kind == TokenKind::Float) {
        let text = t.text(cx.src);
        if out_of_range(text) {
            out.push(Diagnostic::error(
                LINT.code,
                range(t.start as usize, t.end as usize),
                format!("invalid float '{text}'"),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn strtod_range() {
        for ok in [
            "1.5", "1.", ".5", "1.e5", "0.0", "0.0e-999", "1.7e308", "2.3e-308",
        ] {
            assert!(!super::out_of_range(ok), "{ok}");
        }
        for bad in ["1.8e308", "1.0e-310", "1.0e-400"] {
            assert!(super::out_of_range(bad), "{bad}");
        }
    }
}
