//! The `lsp` room: the language server (`nixunits lsp`), over the same
//! checks as `check`: the transport on `lsp-server` (`transport.rs`), the
//! loop that answers (`server.rs`), the checks on worker threads
//! (`pool.rs`), positions and URIs (`position.rs`).
//!
//! Must not: touch the running host or other hosts (`host`, `remote`);
//! write to standard output but the protocol's messages.

mod pool;
mod position;
mod server;
mod transport;

pub use pool::Shared;
pub use server::{serve_frames, Config};
pub use transport::{read_all, Incoming, MAX_MESSAGE};

use std::path::PathBuf;

use anyhow::Result;

use crate::args::{CheckArgs, EvalBounds, Format, Global};
use crate::commands::check;

/// `lsp [--schema FILE] [--policy FILE] [--nix-version V]`: serves until
/// the client exits; the exit code.
pub fn serve(
    schema: Option<PathBuf>,
    policy: Option<PathBuf>,
    nix_version: Option<String>,
    bounds: EvalBounds,
    global: &Global,
) -> Result<i32> {
    let a = CheckArgs {
        files: Vec::new(),
        format: Format::Human,
        stdin_filename: String::new(),
        parse_only: false,
        nix_version,
        experimental: Vec::new(),
        schema,
        policy,
        no_eval: false,
        bounds,
    };
    let opts = check::options(&a)?;
    let extra = check::Extra::resolve(&a, global)?;
    server::run(Config {
        shared: std::sync::Arc::new(Shared { opts, extra }),
        workers: Config::default_workers(),
        log: true,
    })
}
