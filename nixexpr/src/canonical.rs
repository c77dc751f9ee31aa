//! What the build cache hashes of a snippet: its tokens without trivia, and
//! what it refers to outside itself.
//!
//! Pure: following the local paths (reading files) is the store's job; this
//! module only says which paths a file names and which constructs make a
//! build depend on something no key can capture.

use crate::ast::{AttrName, Expr, ExprKind, StrPart};
use crate::lexer::{lex, TokenKind};
use crate::lower::static_name;
use crate::version::NixVersion;
use crate::{nix_visible, parser, TextRange};

/// The canonical form of a Nix text: every token's kind and text, length
/// prefixed, without white space or comments. Two texts that differ only in
/// layout or comments have the same canonical form.
pub fn canonical_bytes(src: &str) -> Vec<u8> {
    let src = nix_visible(src);
    let lexed = lex(src, NixVersion::CURRENT);
    let mut out = Vec::with_capacity(src.len());
    for t in &lexed.tokens {
        out.push(t.kind as u8);
        // The spaces and newline after an opening `''` are layout.
        let text = if t.kind == TokenKind::IndStringOpen {
            "''"
        } else {
            t.text(src)
        };
        out.extend_from_slice(&(text.len() as u32).to_le_bytes());
        out.extend_from_slice(text.as_bytes());
    }
    out
}

/// A path literal the snippet names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathRef {
    /// As written: `./common.nix`, `/etc/x`, `~/y`.
    pub text: String,
    /// Where.
    pub range: TextRange,
}

/// Something that makes a build depend on more than its inputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Impurity {
    /// Why, in a sentence fragment: "`<foo>` depends on NIX_PATH".
    pub reason: String,
    /// Where.
    pub range: TextRange,
}

/// What a snippet refers to outside itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct References {
    /// Path literals, in source order.
    pub paths: Vec<PathRef>,
    /// Impure constructs, in source order.
    pub impurities: Vec<Impurity>,
}

/// Finds the path literals and impure constructs of `src`. A file that does
/// not parse has no references (it is rejected before any key is made).
pub fn references(src: &str) -> References {
    let src = nix_visible(src);
    let lexed = lex(src, NixVersion::CURRENT);
    let Ok(ast) = parser::parse(src, &lexed.tokens, lexed.error) else {
        return References::default();
    };
    let mut refs = References::default();
    crate::lints::walk(&ast, &mut |e| visit(e, src, &mut refs));
    refs
}

/// Builtins that fetch from the network; pure only with a hash.
const FETCHERS: &[&str] = &[
    "fetchurl",
    "fetchTarball",
    "fetchGit",
    "fetchTree",
    "fetchMercurial",
];

fn visit(e: &Expr, src: &str, refs: &mut References) {
    match &e.kind {
        ExprKind::Path(parts) | ExprKind::HPath(parts) => match parts.as_slice() {
            [StrPart::Lit(r)] => refs.paths.push(PathRef {
                text: src[*r].to_owned(),
                range: e.range,
            }),
            _ => refs.impurities.push(Impurity {
                reason: "a path built with `${…}` cannot be followed".to_owned(),
                range: e.range,
            }),
        },
        ExprKind::SPath => {
            let text = &src[e.range];
            let name = text.trim_start_matches('<').trim_end_matches('>');
            if name != "nixpkgs" && !name.starts_with("nixpkgs/") {
                refs.impurities.push(Impurity {
                    reason: format!("`{text}` depends on NIX_PATH"),
                    range: e.range,
                });
            }
        }
        ExprKind::Apply(f, arg) => {
            if let Some(name) = builtin_name(f, src) {
                if FETCHERS.contains(&name.as_str()) && !has_hash(arg, src) {
                    refs.impurities.push(Impurity {
                        reason: format!("`builtins.{name}` without a hash fetches whatever is there at build time"),
                        range: e.range,
                    });
                }
            }
        }
        _ => {}
    }
    if let Some(name) = builtin_name(e, src) {
        if matches!(name.as_str(), "getEnv" | "currentTime") {
            refs.impurities.push(Impurity {
                reason: format!("`builtins.{name}` differs from one build to the next"),
                range: e.range,
            });
        }
    }
}

/// `builtins.x`, `__x` or a global `x`: the builtin's name.
fn builtin_name(e: &Expr, src: &str) -> Option<String> {
    match &e.unparen().kind {
        ExprKind::Select {
            expr,
            path,
            default: None,
        } if path.len() == 1 => match &expr.unparen().kind {
            ExprKind::Var(v) if v == "builtins" => static_name(&path[0], src),
            _ => None,
        },
        ExprKind::Var(v) => match v.strip_prefix("__") {
            Some(n) => Some(n.to_owned()),
            None if matches!(
                v.as_str(),
                "fetchTarball" | "fetchGit" | "fetchTree" | "fetchMercurial"
            ) =>
            {
                Some(v.clone())
            }
            None => None,
        },
        _ => None,
    }
}

/// Whether a fetcher's argument pins the content: an attribute set literal
/// with `sha256`, `hash` or `narHash`.
fn has_hash(arg: &Expr, src: &str) -> bool {
    let ExprKind::Attrs { binds, .. } = &arg.unparen().kind else {
        return false;
    };
    binds.iter().any(|b| match b {
        crate::ast::Bind::Value { path, .. } => {
            matches!(
                static_name(&path[0], src).as_deref(),
                Some("sha256" | "hash" | "narHash")
            )
        }
        crate::ast::Bind::Inherit { names, .. } => names.iter().any(|n: &AttrName| {
            matches!(
                static_name(n, src).as_deref(),
                Some("sha256" | "hash" | "narHash")
            )
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_and_comments_do_not_matter() {
        let a = canonical_bytes("{ services.x.enable = true; }");
        let b = canonical_bytes("# a comment\n{\n  services.x.enable =   true; # yes\n}\n");
        let c = canonical_bytes("{ services.x.enable = false; }");
        assert_eq!(a, b);
        assert_ne!(a, c);
        // Inside strings, space is content.
        assert_ne!(canonical_bytes("\"a b\""), canonical_bytes("\"a  b\""));
    }

    #[test]
    fn finds_paths_and_impurities() {
        let r = references(
            "{ imports = [ ./a.nix ../b ]; x = <nixpkgs/lib>; y = <secrets>; z = builtins.getEnv \"HOME\"; \
             f = builtins.fetchurl { url = \"u\"; sha256 = \"h\"; }; g = builtins.fetchurl \"u\"; \
             h = fetchTarball { url = \"u\"; }; p = ./${\"x\"}; }",
        );
        let paths: Vec<&str> = r.paths.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(paths, ["./a.nix", "../b"]);
        let reasons: Vec<&str> = r.impurities.iter().map(|i| i.reason.as_str()).collect();
        assert_eq!(reasons.len(), 5, "{reasons:?}");
        assert!(reasons[0].contains("<secrets>"));
        assert!(reasons[1].contains("getEnv"));
        assert!(reasons[2].contains("fetchurl"));
        assert!(reasons[3].contains("fetchTarball"));
        assert!(reasons[4].contains("${"));
    }
}
