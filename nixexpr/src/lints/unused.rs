//! `unused_binding`, `unused_argument`, `unused_with`, `escaping_with`,
//! `empty_let`, `redundant_rec`: what a snippet binds and never uses (the
//! warnings of nil, nixd's nixf-tidy, statix and deadnix that service
//! snippets need).
//!
//! **What**: read off the file's name resolution ([`crate::scope`], the
//! one `undefined_variable` and the evaluator read). A `let` binding no
//! value or body reads; a function's argument
//! or formal its body never reads (a module's own arguments — `config`,
//! `lib`, `pkgs`, `options`, `modulesPath`, `id`, `network`, `properties`,
//! … — and names starting with `_` are exempt: NixOS passes them whether
//! used or not); a `with e;` no name below it can come from (every name is
//! bound by a `let`, an argument or Nix itself, which all win over `with`);
//! a name that may come from a `with` inside another `with` (`with pkgs;
//! with lib; x`: which one, only evaluation tells); `let in`; `rec { … }`
//! whose attributes no name reads (a variable in it, or an `inherit x;` of
//! a set inside it: both read the `rec` set's `x`).
//!
//! **Why**: dead code hides mistakes (a misspelt reference leaves the
//! binding unused), nested `with` makes names ambiguous, and `rec` invites
//! infinite recursion. Nix accepts all of them: warnings. `# nixunits:
//! allow(CODE)` on the line, or the line above, silences one.
//!
//! **Example**: `let port = 80; in { services.nginx.enable = true; }`

use std::collections::HashMap;

use super::{Context, Lint};
use crate::ast::{Expr, ExprKind};
use crate::diagnostic::{Diagnostic, Edit, Severity};
use crate::scope::{BindingKind, Reference, Resolution, ScopeId, ScopeKind};
use rnix::{TextRange, TextSize};

macro_rules! lint {
    ($name:ident, $code:literal, $summary:literal, $run:expr) => {
        /// The check.
        pub const $name: Lint = Lint {
            code: $code,
            severity: Severity::Warning,
            parity: false,
            summary: $summary,
            run: $run,
        };
    };
}

/// One pass over the name resolution finds all six: it runs with the
/// first, the others are listed for their codes and summaries.
fn all(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    out.extend(analyze(cx));
}

fn listed(_: &Context<'_>, _: &mut Vec<Diagnostic>) {}

lint!(
    UNUSED_BINDING,
    "unused_binding",
    "a `let` binding nothing reads",
    all
);
lint!(
    UNUSED_ARGUMENT,
    "unused_argument",
    "a function argument its body never reads",
    listed
);
lint!(
    UNUSED_WITH,
    "unused_with",
    "a `with` no name below it comes from",
    listed
);
lint!(
    ESCAPING_WITH,
    "escaping_with",
    "a name that may come from either of nested `with`s",
    listed
);
lint!(EMPTY_LET, "empty_let", "`let in` with no binding", listed);
lint!(
    REDUNDANT_REC,
    "redundant_rec",
    "`rec` whose attributes never refer to each other",
    listed
);

/// Arguments NixOS passes every module, used or not.
const MODULE_ARGS: &[&str] = &[
    "config",
    "lib",
    "pkgs",
    "options",
    "modulesPath",
    "specialArgs",
    "utils",
    "name",
    "id",
    "network",
    "properties",
];

fn analyze(cx: &Context<'_>) -> Vec<Diagnostic> {
    let Some(lowered) = cx.lowered else {
        return Vec::new();
    };
    let names = lowered.names();
    let mut out = Vec::new();
    for b in &names.bindings {
        if !b.reads.is_empty() || b.name.starts_with('_') {
            continue;
        }
        match b.kind {
            BindingKind::Let => {
                let mut d = Diagnostic::warning(
                    "unused_binding",
                    b.range,
                    format!("`{}` is bound but never used", b.name),
                );
                let whole = b
                    .value
                    .and_then(|v| binding_extent(cx.src, b.range.start(), v.end()));
                if let Some(whole) = whole {
                    d = d.with_fix(
                        format!("remove the unused binding `{}`", b.name),
                        vec![Edit {
                            range: whole,
                            text: String::new(),
                        }],
                    );
                }
                out.push(d);
            }
            BindingKind::Arg | BindingKind::Formal if !MODULE_ARGS.contains(&b.name.as_str()) => {
                out.push(Diagnostic::warning(
                    "unused_argument",
                    b.range,
                    format!("the argument `{}` is never used", b.name),
                ));
            }
            _ => {}
        }
    }
    // The first name (in the order resolved) that may come from a `with`
    // or from one around it, for each such inner `with`.
    let mut escaping: HashMap<ScopeId, &Reference> = HashMap::new();
    for r in &names.references {
        if let Resolution::With { scope, .. } = r.resolution {
            if names.enclosing_with(scope).is_some() {
                escaping.entry(scope).or_insert(r);
            }
        }
    }
    for (id, scope) in names.scopes.iter().enumerate() {
        match scope.kind {
            ScopeKind::With(w) => {
                let keyword = keyword(w.start(), 4);
                if scope.reads.is_empty() {
                    out.push(
                        Diagnostic::warning(
                            "unused_with",
                            keyword,
                            "no name below this `with` comes from it",
                        )
                        .with_note("every name used below is bound by a `let`, an argument or Nix itself, which win over `with`"),
                    );
                }
                if let Some(r) = escaping.get(&id) {
                    out.push(
                        Diagnostic::warning(
                            "escaping_with",
                            r.range,
                            format!("`{}` may come from this `with` or an enclosing one", names.name(r)),
                        )
                        .with_related(keyword, "the inner `with`")
                        .with_note("which one provides it is decided only when the file is evaluated: name its source (`lib.x`, `pkgs.x`) or `inherit (…) x;`"),
                    );
                }
            }
            // `rec { … }` whose attributes no name in it reads. (A legacy
            // `let { … }` is recursive without the keyword.)
            ScopeKind::Rec(node) => {
                let Some(e) = lowered.nodes[node].literal else {
                    continue;
                };
                if !matches!(e.kind, ExprKind::Attrs { rec: true, .. })
                    || names.bindings_of(id).iter().any(|b| !b.reads.is_empty())
                {
                    continue;
                }
                let keyword = keyword(e.range.start(), 3);
                out.push(
                    Diagnostic::warning(
                        "redundant_rec",
                        keyword,
                        "`rec` is not needed: no attribute refers to another",
                    )
                    .with_fix(
                        "remove `rec`",
                        vec![Edit {
                            range: extend_spaces(cx.src, keyword),
                            text: String::new(),
                        }],
                    ),
                );
            }
            ScopeKind::Let(node) => {
                if let Some(Expr {
                    kind: ExprKind::Let(binds, _),
                    range,
                }) = lowered.nodes[node].literal
                {
                    if binds.is_empty() {
                        out.push(Diagnostic::warning(
                            "empty_let",
                            keyword(range.start(), 3),
                            "`let` without a binding",
                        ));
                    }
                }
            }
            ScopeKind::Lambda(_) => {}
        }
    }
    out.sort_by_key(|d| (d.range.start(), d.range.end()));
    out
}

/// The range of a keyword of `len` bytes at `start`.
fn keyword(start: TextSize, len: u32) -> TextRange {
    TextRange::new(start, start + TextSize::from(len))
}

/// `range` and the spaces after it.
fn extend_spaces(src: &str, range: TextRange) -> TextRange {
    let end = usize::from(range.end());
    let spaces = src[end..].len() - src[end..].trim_start_matches([' ', '\t']).len();
    TextRange::new(range.start(), range.end() + TextSize::from(spaces as u32))
}

/// From `start` to the `;` after `value_end`, and the line's end when only
/// white space follows: the text of a binding to remove.
fn binding_extent(src: &str, start: TextSize, value_end: TextSize) -> Option<TextRange> {
    let from = usize::from(value_end);
    let semi = from + src.get(from..)?.find(';')?;
    if !src[from..semi].trim().is_empty() {
        return None;
    }
    let mut end = semi + 1;
    let rest = &src[end..];
    let line = rest.find('\n').map_or(rest.len(), |n| n + 1);
    if rest[..line].trim().is_empty() {
        end += line;
        // The indentation before the binding goes with it.
        let before = &src[..usize::from(start)];
        let indent = before.len() - before.trim_end_matches([' ', '\t']).len();
        if before[..before.len() - indent].ends_with('\n') {
            return Some(TextRange::new(
                start - TextSize::from(indent as u32),
                TextSize::from(end as u32),
            ));
        }
    }
    Some(TextRange::new(start, TextSize::from(end as u32)))
}
