//! The running host: systemd, systemd-nspawn, the network, nftables, the
//! port proxy, nsenter.

pub mod enter;
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
/// started with): a tmpfs, gone with the host's next boot.
pub const RUN_DIR: &str = "/run/nixunits";
