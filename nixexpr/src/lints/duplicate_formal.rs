//! `duplicate_formal`: a function argument named twice.
//!
//! **What**: `{ a, a }: …`, and `{ a }@a: …` / `a@{ a }: …`, where the
//! name bound to the whole argument is also a formal.
//!
//! **Why**: Nix rejects the file: "duplicate formal function argument".
//!
//! **Example**: `{ config, lib, config, ... }: { }`

use super::{walk, Context, Lint};
use crate::ast::ExprKind;
use crate::diagnostic::{Diagnostic, Severity};

/// The check.
pub const LINT: Lint = Lint {
    code: "duplicate_formal",
    severity: Severity::Error,
    parity: true,
    summary: "function argument named twice",
    run,
};

fn run(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(ast) = cx.ast else { return };
    walk(ast, &mut |e| {
        let ExprKind::Lambda {
            arg,
            formals: Some(formals),
            ..
        } = &e.kind
        else {
            return;
        };
        let mut names: Vec<_> = formals.entries.iter().map(|f| &f.name).collect();
        names.sort_by(|a, b| (&a.name, a.range.start()).cmp(&(&b.name, b.range.start())));
        for w in names.windows(2) {
            if w[0].name == w[1].name {
                out.push(
                    Diagnostic::error(
                        LINT.code,
                        w[1].range,
                        format!("duplicate formal function argument '{}'", w[1].name),
                    )
                    .with_related(w[0].range, "first named here"),
                );
            }
        }
        if let Some(arg) = arg {
            if let Some(f) = formals.entries.iter().find(|f| f.name.name == arg.name) {
                out.push(
                    Diagnostic::error(
                        LINT.code,
                        arg.range,
                        format!("duplicate formal function argument '{}'", arg.name),
                    )
                    .with_related(f.name.range, "also a formal here"),
                );
            }
        }
    });
}
