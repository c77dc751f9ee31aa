//! The running host: systemd, systemd-nspawn, the network, nftables, the
//! port proxy, nsenter.

pub mod enter;
pub mod net;
pub mod nft;
pub mod proxy;
pub mod runtime;
pub mod systemd;
