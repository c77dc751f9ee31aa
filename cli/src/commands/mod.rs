//! The `commands` room: one file (or folder) per command — the parse
//! result in, a plan resolved, then acted on through the rooms below, and
//! what the user sees printed. `build/` and `apply/` are folders; `check`
//! also checks for `build` and the language server, `eval` also reads the
//! snippet's imports for `check`; `hooks` are the template unit's hidden
//! commands, `fleet_host` those `apply` runs on each host, `target` both
//! sides of `--target-host`.
//!
//! Must not: import `lsp` or `main`; run `ip`, `nft`, `systemctl`,
//! `machinectl` or `ssh` itself (that is `host/` and `remote/`).

pub mod apply;
pub mod build;
pub mod cache;
pub mod check;
pub mod doctor;
pub mod eval;
pub mod fleet_host;
pub mod generations;
pub mod hooks;
pub mod ip6;
pub mod lifecycle;
pub mod man;
pub mod run;
pub mod schema;
pub mod target;
pub mod update;
