//! `duplicate_attr`: an attribute defined twice in one set or `let`.
//!
//! **What**: `{ a = 1; a = 2; }`, and every way of writing the same name:
//! `"a"`, `${"a"}`, a dotted path (`a.b = 1; a.b = 2;`), `inherit a;` beside
//! `a = …;`, or a path through an attribute that is not a set literal
//! (`a = x; a.b = 1;`). Two set literals for one name are merged, one level
//! deep, as Nix does: `{ a = { b = 1; }; a.c = 2; }` is fine,
//! `{ a.b.c = 1; a = { b.d = 2; }; }` is not (the second literal's `b`
//! clashes with the first's).
//!
//! **Why**: Nix rejects the file: "attribute 'a' already defined at …".
//!
//! **Example**: `{ services.nginx.enable = true; services.nginx.enable = false; }`

use super::{Context, Lint};
use crate::diagnostic::{Diagnostic, Severity};

/// The check.
pub const LINT: Lint = Lint {
    code: "duplicate_attr",
    severity: Severity::Error,
    parity: true,
    summary: "attribute defined twice",
    run,
};

fn run(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(lowered) = cx.lowered else { return };
    for d in &lowered.duplicates {
        out.push(
            Diagnostic::error(
                LINT.code,
                d.range,
                format!("attribute '{}' already defined", d.name),
            )
            .with_related(d.previous, "first defined here"),
        );
    }
}
