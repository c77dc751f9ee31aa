//! The language server (`nixunits lsp`).

mod server;

pub use server::run;
