//! The `remote` room: other hosts and caches. SSH and `nix copy` for
//! `--target-host` and `--build-host` (`ssh.rs`), the shared build index in
//! a Nix binary cache (`index.rs`), and a fleet's conversation with its
//! hosts (`fleet.rs`).
//!
//! Must not: import `commands`, `host`, `lsp` or `args` (what a host does
//! with what it is sent is the nixunits running there); print.

pub mod fleet;
pub mod index;
pub mod ssh;
