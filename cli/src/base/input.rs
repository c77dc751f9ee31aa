//! What every command that reads snippets shares, below them all (so that
//! `build`, `check`, `eval` and the language server import it and not
//! each other): the size limit of a snippet and the working directory
//! positions are printed relative to.

use std::path::PathBuf;

/// The largest snippet accepted (`build`, and files `import` reaches).
pub const MAX_SNIPPET: u64 = 1 << 20;

/// The current directory, resolved.
pub fn cwd() -> Option<PathBuf> {
    std::env::current_dir()
        .ok()
        .and_then(|c| std::fs::canonicalize(c).ok())
}
