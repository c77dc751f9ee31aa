//! The `host` room: everything that touches the running host. systemd and
//! machined (`systemd.rs`: every `systemctl`, `machinectl`, `journalctl`),
//! the template unit and its ExecStartPre (`template.rs`, `prepare.rs`),
//! the container's network from the host (`net.rs`: every `ip`; `nft.rs`:
//! every `nft`; `proxy.rs`: loopback ports), entering a container
//! (`enter.rs`), the containers of `run` and what killed runs left
//! (`ephemeral.rs`), what `doctor` asks of the host (`health.rs`), what runs and switching it in place (`running.rs`,
//! `status.rs`), and installing a generation on this host (`install.rs`).
//!
//! Must not: import `commands`, `remote`, `lsp` or `args`; print to
//! standard output (warnings go to standard error); reach other hosts.

pub mod enter;
pub mod ephemeral;
pub mod health;
pub mod install;
pub mod net;
pub mod nft;
pub mod prepare;
pub mod proxy;
pub mod running;
pub mod status;
pub mod systemd;
pub mod template;

/// Where nixunits keeps what one start of a container uses (its
/// systemd-nspawn arguments, its resolv.conf, the unit description it
/// started with, the system it runs): a tmpfs, gone with the host's next
/// boot. The template unit reads `RUN_DIR/<id>.env`.
pub const RUN_DIR: &str = "/run/nixunits";

/// [`RUN_DIR`], or `$NIXUNITS_RUN_DIR` (tests without systemd, as
/// `$NIXUNITS_SYSTEMD_DIR` for the unit directory).
pub fn run_dir() -> std::path::PathBuf {
    std::env::var_os("NIXUNITS_RUN_DIR").map_or_else(|| RUN_DIR.into(), Into::into)
}
