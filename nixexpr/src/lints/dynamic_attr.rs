//! `dynamic_attr`: a computed name where Nix needs a fixed one.
//!
//! **What**: `let ${x} = 1; in …` and `inherit ${x};` (or `inherit "${x}";`).
//! A name is fixed when it is an identifier, a plain string (`"a"`), or
//! `${…}` around a plain string (`${"a"}`); anything interpolated is
//! computed. Computed names are fine in attribute sets, and deeper in a
//! `let` path (`let a.${x} = 1; in …`).
//!
//! **Why**: Nix rejects the file: "dynamic attributes not allowed in let" /
//! "… in inherit".
//!
//! **Example**: `let ${name} = 1; in { }`

use super::{walk, Context, Lint};
use crate::ast::{Bind, ExprKind};
use crate::diagnostic::{Diagnostic, Severity};
use crate::lower::static_name;

/// The check.
pub const LINT: Lint = Lint {
    code: "dynamic_attr",
    severity: Severity::Error,
    parity: true,
    summary: "computed attribute name in let or inherit",
    run,
};

fn run(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(ast) = cx.ast else { return };
    walk(ast, &mut |e| {
        let (binds, is_let) = match &e.kind {
            ExprKind::Let(binds, _) => (binds, true),
            ExprKind::Attrs { binds, .. } | ExprKind::LegacyLet(binds) => (binds, false),
            _ => return,
        };
        for b in binds {
            match b {
                Bind::Value { path, .. } if is_let => {
                    if static_name(&path[0], cx.src).is_none() {
                        out.push(Diagnostic::error(
                            LINT.code,
                            path[0].range(),
                            "dynamic attributes not allowed in let",
                        ));
                    }
                }
                Bind::Inherit { names, .. } => {
                    for n in names.iter().filter(|n| static_name(n, cx.src).is_none()) {
                        out.push(Diagnostic::error(
                            LINT.code,
                            n.range(),
                            "dynamic attributes not allowed in inherit",
                        ));
                    }
                }
                Bind::Value { .. } => {}
            }
        }
    });
}
