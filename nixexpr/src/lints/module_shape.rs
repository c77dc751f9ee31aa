//! `module_shape`: the snippet is not a NixOS module.
//!
//! **What**: nixunits imports each snippet as a NixOS module. A module is
//! an attribute set (`{ services.nginx.enable = true; }`), or a function of
//! module arguments that returns one (`{ pkgs, ... }: { … }`), or something
//! that statically yields one (`let … in { … }`, `a // b`, `lib.mkIf c { … }`,
//! `lib.mkMerge [ … ]`, a path to a module file). Reported:
//!
//! - a value that is certainly not a module: a list, a string, a number;
//! - a function returning a function (`{ config, ... }: { pkgs, ... }: …`);
//! - a required argument that no module receives (the available ones are
//!   `config lib pkgs options modulesPath`, and from nixunits `id network
//!   properties`);
//! - a formals pattern without `...`: NixOS passes more arguments than any
//!   snippet names, and such a function rejects them.
//!
//! Anything not statically known (`import ./x.nix`, a variable) passes.
//!
//! **Why**: the build would fail late, inside `nix-build`, with a message
//! about the module system rather than the snippet.
//!
//! **Example**: `[ { services.nginx.enable = true; } ]`

use super::{Context, Lint};
use crate::ast::{BinOp, Expr, ExprKind};
use crate::diagnostic::{Diagnostic, Severity};

/// The check.
pub const LINT: Lint = Lint {
    code: "module_shape",
    severity: Severity::Error,
    parity: false,
    summary: "snippet that is not a NixOS module",
    run,
};

/// The arguments every snippet may take.
pub const MODULE_ARGS: &[&str] = &[
    "config",
    "lib",
    "pkgs",
    "options",
    "modulesPath",
    "id",
    "network",
    "properties",
];

const WHAT: &str = "a NixOS module is an attribute set, or a function of module arguments returning one: `{ pkgs, ... }: { … }`";

fn available() -> String {
    format!("available module arguments: {}", MODULE_ARGS.join(", "))
}

fn run(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(ast) = cx.ast else { return };
    let e = strip(ast);
    if let ExprKind::Lambda { formals, body, .. } = &e.kind {
        if let Some(fs) = formals {
            for f in fs.entries.iter().filter(|f| f.default.is_none()) {
                if !MODULE_ARGS.contains(&f.name.name.as_str()) {
                    out.push(
                        Diagnostic::error(
                            LINT.code,
                            f.name.range,
                            format!("no module receives an argument '{}'", f.name.name),
                        )
                        .with_note(available())
                        .with_note(
                            "give it a default (`name ? value`) or take it from `properties`",
                        ),
                    );
                }
            }
            if !fs.ellipsis {
                out.push(
                    Diagnostic::error(LINT.code, e.range, "module function without `...`")
                        .with_note("NixOS calls every module with more arguments than it names; end the pattern with `...`")
                        .with_note(available()),
                );
            }
        }
        let body = strip(body);
        if matches!(body.kind, ExprKind::Lambda { .. }) {
            out.push(
                Diagnostic::error(
                    LINT.code,
                    body.range,
                    "a module function returns a function",
                )
                .with_note(WHAT)
                .with_note(available()),
            );
        } else {
            not_a_module(body, out);
        }
    } else {
        not_a_module(e, out);
    }
}

/// Looks through what does not change the value's shape.
fn strip(mut e: &Expr) -> &Expr {
    loop {
        e = match &e.kind {
            ExprKind::Paren(x)
            | ExprKind::Let(_, x)
            | ExprKind::With(_, x)
            | ExprKind::Assert(_, x) => x,
            _ => return e,
        };
    }
}

/// Reports `e` if it certainly is not a module value.
fn not_a_module(e: &Expr, out: &mut Vec<Diagnostic>) {
    let e = strip(e);
    let what = match &e.kind {
        ExprKind::List(_) => "a list",
        ExprKind::Str(_) | ExprKind::IndStr(_) | ExprKind::Uri => "a string",
        ExprKind::Int | ExprKind::Float | ExprKind::Neg(_) => "a number",
        ExprKind::Not(_) => "a boolean",
        ExprKind::Binary(BinOp::Update, a, b) => {
            crate::with_stack(|| {
                not_a_module(a, out);
                not_a_module(b, out);
            });
            return;
        }
        ExprKind::Binary(BinOp::Concat, ..) => "a list",
        // `+` may build a path to a module file.
        ExprKind::Binary(BinOp::Add, ..) => return,
        ExprKind::Binary(BinOp::Sub | BinOp::Mul | BinOp::Div, ..) => "a number",
        ExprKind::Binary(..) => "a boolean",
        ExprKind::If(_, t, f) => {
            crate::with_stack(|| {
                not_a_module(t, out);
                not_a_module(f, out);
            });
            return;
        }
        _ => return,
    };
    out.push(
        Diagnostic::error(
            LINT.code,
            e.range,
            format!("this snippet is {what}, not a NixOS module"),
        )
        .with_note(WHAT)
        .with_note(available()),
    );
}
