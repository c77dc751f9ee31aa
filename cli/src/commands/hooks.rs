//! The template unit's hooks, hidden commands systemd runs: `prepare`
//! (ExecStartPre), `network-up` (ExecStartPost), `network-down`
//! (ExecStopPost), and `port-proxy` (the loopback ports' transient unit).

use anyhow::Result;
use nixunits_store::StateDir;

use crate::base::{existing, parse_id};
use crate::host::{net, prepare, proxy};

/// `prepare <id>`
pub fn prepare(state: &StateDir, id: &str) -> Result<()> {
    let id = existing(state, id)?;
    prepare::prepare(state, &id)
}

/// `network-up <id>`
pub fn network_up(state: &StateDir, id: &str) -> Result<()> {
    let id = existing(state, id)?;
    net::network_up(state, &id)
}

/// `network-down <id>`: the container may be gone (deleted while it ran).
pub fn network_down(state: &StateDir, id: &str) -> Result<()> {
    let id = parse_id(id)?;
    let unit = std::fs::read_to_string(state.container(&id).unit_json())
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok());
    net::network_down(&id, unit.as_ref())
}

/// `port-proxy SPEC…`
pub fn port_proxy(specs: &[proxy::Spec]) -> Result<()> {
    proxy::run(specs)
}
