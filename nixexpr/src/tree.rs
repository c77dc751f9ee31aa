//! The editor tree: rnix's lossless syntax tree, for tools that walk the
//! source as written (the evaluator, the language server).
//!
//! Verdicts do not come from here: rnix recovers from errors and guesses at
//! tokens the way an editor wants, and accepts things Nix rejects (and the
//! reverse); [`crate::check`] is the Nix-faithful path.

use crate::diagnostic::{range, Diagnostic};
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
    let p = rnix::Root::parse(src);
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
