//! The lossless tree: rnix's syntax tree, every byte kept, for tools that
//! want the source exactly as written (formatting, refactoring).
//!
//! Verdicts do not come from here: rnix recovers from errors and guesses at
//! tokens the way an editor wants, and accepts things Nix rejects (and the
//! reverse); [`crate::check`] is the Nix-faithful path.

use crate::diagnostic::{range, Diagnostic};
use crate::lexer::{lex, TokenKind};
use crate::NixVersion;
use rnix::ParseError;

/// An rnix parse: the tree and rnix's own complaints.
#[derive(Clone)]
pub struct Parse {
    /// The root of the lossless tree.
    pub root: rnix::Root,
    /// What rnix could not parse, as diagnostics with code `rnix_syntax`.
    pub errors: Vec<Diagnostic>,
}

/// Parses with rnix. Never fails: a broken file gives a tree with error
/// nodes, and errors.
pub fn parse(src: &str) -> Parse {
    // rnix recurses once per nesting level and bounds only some constructs
    // (at 512 levels; `[[[…` not at all): hostile nesting never reaches it.
    let depth = nesting(src);
    if depth > RNIX_MAX_DEPTH {
        let msg = format!("expression nested {depth} levels deep (more than {RNIX_MAX_DEPTH})");
        return Parse {
            root: rnix::Root::parse("").tree(),
            errors: vec![Diagnostic::error("too_deep", range(0, 0), msg)],
        };
    }
    let p = crate::with_stack(|| rnix::Root::parse(src));
    let end = src.len();
    let errors = p
        .errors()
        .iter()
        .map(|e| {
            let r = match e {
                ParseError::Unexpected(r)
                | ParseError::UnexpectedExtra(r)
                | ParseError::UnexpectedWanted(_, r, _)
                | ParseError::UnexpectedDoubleBind(r)
                | ParseError::DuplicatedArgs(r, _) => *r,
                _ => range(end, end),
            };
            Diagnostic::error("rnix_syntax", r, e.to_string())
        })
        .collect();
    Parse {
        root: p.tree(),
        errors,
    }
}

/// rnix's own recursion limit.
const RNIX_MAX_DEPTH: usize = 512;

/// How deeply rnix will recurse: the depth of the expression as our parser
/// reads it (measured without recursion: `a ++ b ++ …`, `x: y: …`, `let …
/// in let …` nest as deeply as brackets do); for a file our parser rejects,
/// an estimate from the tokens.
fn nesting(src: &str) -> usize {
    let lexed = lex(src, NixVersion::CURRENT);
    match crate::parser::parse(src, &lexed.tokens, lexed.error) {
        Ok(e) => {
            let mut max = 0;
            let mut todo = vec![(&e, 1usize)];
            while let Some((e, d)) = todo.pop() {
                max = max.max(d);
                crate::lower::for_each_child(e, |c| todo.push((c, d + 1)));
            }
            max
        }
        Err(e) if e.kind == crate::parser::SyntaxErrorKind::TooDeep => usize::MAX,
        Err(_) => token_nesting(src),
    }
}

/// The deepest nesting of `(`, `[`, `{` and `${` (as Nix's lexer sees
/// them, so not inside strings or comments), or the longest run of prefix
/// operators.
fn token_nesting(src: &str) -> usize {
    let (mut depth, mut max, mut run) = (0usize, 0usize, 0usize);
    for t in lex(src, NixVersion::CURRENT).tokens {
        match t.kind {
            TokenKind::LParen | TokenKind::LBrack | TokenKind::LBrace | TokenKind::DollarCurly => {
                depth += 1
            }
            TokenKind::RParen | TokenKind::RBrack | TokenKind::RBrace => {
                depth = depth.saturating_sub(1)
            }
            _ => {}
        }
        run = if matches!(t.kind, TokenKind::Minus | TokenKind::Bang) {
            run + 1
        } else {
            0
        };
        max = max.max(depth).max(run);
    }
    max
}

#[cfg(test)]
mod tests {
    use rnix::ast::Expr;

    #[test]
    fn gives_a_tree_even_when_broken() {
        let ok = super::parse("{ a = 1; }");
        assert!(ok.errors.is_empty());
        assert!(matches!(ok.root.expr(), Some(Expr::AttrSet(_))));
        let bad = super::parse("{ a = ; }");
        assert!(!bad.errors.is_empty());
        assert_eq!(bad.root.to_string(), "{ a = ; }");
    }
}
