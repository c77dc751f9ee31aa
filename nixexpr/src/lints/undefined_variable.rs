//! `undefined_variable`: a name that nothing binds.
//!
//! **What**: a reference the file's name resolution ([`crate::scope`], as
//! Nix's `bindVars` does it over the merged attribute sets) finds bound by
//! no `let`, `rec`, function argument or formal, `inherit` (which looks in
//! the enclosing scope; `inherit (e)` evaluates `e` inside the set's own),
//! nor by Nix's global names (`builtins`, `map`, `__add`, …). Inside `with
//! e;` every name is possibly defined, so nothing there is reported. `f or`
//! is a call of `f` with the variable `or`.
//!
//! **Why**: Nix rejects the whole file before evaluating anything:
//! "undefined variable 'pkgs'". In a snippet this is usually a missing
//! module argument: `{ pkgs, ... }:`.
//!
//! **Example**: `{ environment.systemPackages = [ pkgs.htop ]; }`

use super::{Context, Lint};
use crate::ast::{Expr, ExprKind};
use crate::diagnostic::{Diagnostic, Severity};
use crate::scope::{Reference, Resolution};
use rnix::TextRange;

/// The check.
pub const LINT: Lint = Lint {
    code: "undefined_variable",
    severity: Severity::Error,
    parity: true,
    summary: "variable that nothing binds",
    run,
};

fn run(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let (Some(ast), Some(lowered)) = (cx.ast, cx.lowered) else {
        return;
    };
    let names = lowered.names();
    let mut found: Vec<&Reference> = names
        .references
        .iter()
        .filter(|r| r.resolution == Resolution::Undefined)
        .collect();
    found.sort_by_key(|r| (r.range.start(), r.range.end()));
    for r in found {
        let name = names.name(r);
        let mut d = Diagnostic::error(LINT.code, r.range, format!("undefined variable '{name}'"));
        if let Some(note) = hint(name) {
            d = d.with_note(note);
            if let Some(edit) = add_argument(ast, cx.src, name) {
                d = d.with_fix(format!("take `{name}` as a module argument"), vec![edit]);
            }
        }
        out.push(d);
    }
}

/// The edit that makes `name` a module argument: into the top function's
/// formals (`{ config, ... }:` → `{ config, pkgs, ... }:`), or a function
/// around a module that is a bare set. None for a function of `x:`.
fn add_argument(ast: &Expr, src: &str, name: &str) -> Option<crate::diagnostic::Edit> {
    use rnix::TextSize;
    let top = ast.unparen();
    let at = |pos: TextSize, text: String| crate::diagnostic::Edit {
        range: TextRange::new(pos, pos),
        text,
    };
    match &top.kind {
        ExprKind::Lambda {
            formals: Some(fs), ..
        } => match fs.entries.last() {
            // After the last formal (and its default).
            Some(last) => {
                let end = last
                    .default
                    .as_ref()
                    .map_or(last.name.range.end(), |d| d.range.end());
                Some(at(end, format!(", {name}")))
            }
            None => {
                // `{ ... }:` or `{ }:`: right after the brace.
                let open = src[usize::from(top.range.start())..].find('{')?;
                let pos = top.range.start() + TextSize::from(open as u32 + 1);
                Some(at(pos, format!(" {name},")))
            }
        },
        ExprKind::Lambda { .. } => None,
        _ => Some(at(top.range.start(), format!("{{ {name}, ... }}:\n"))),
    }
}

fn hint(name: &str) -> Option<String> {
    match name {
        "pkgs" | "lib" | "config" | "options" | "modulesPath" | "id" | "network" | "properties" => Some(format!(
            "`{name}` is a module argument: take it in the snippet's function, `{{ {name}, ... }}: {{ … }}`"
        )),
        _ => None,
    }
}
