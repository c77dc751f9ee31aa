//! The container's network, configured from the host as soon as the
//! container runs (`nixunits network-up <id>`, the unit's ExecStartPost):
//! addresses and routes on both sides of the veth, or on the interface
//! moved inside, then the net-ready marker inside (DESIGN §4). Every call
//! of `ip` and `nsenter` goes through here.
//!
//! Idempotent: addresses and routes are `replace`d, so running it again
//! (a restart, by hand) changes nothing that is right.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result};
use nixunits_store::unit::{host_veth_name, NetworkMode};
use nixunits_store::{ContainerId, StateDir, UnitDescription};

use crate::proc::stdout_of;
use crate::systemd;

/// Where the marker goes, inside the container.
pub const NET_READY: &str = "run/nixunits/net-ready";

fn ip(netns_of: Option<u32>, args: &[&str]) -> Result<()> {
    let mut c = match netns_of {
        Some(pid) => {
            let mut c = Command::new("nsenter");
            c.arg(format!("--target={pid}"))
                .arg("--net")
                .arg("--")
                .arg("ip");
            c
        }
        None => Command::new("ip"),
    };
    let side = if netns_of.is_some() {
        "in the container"
    } else {
        "on the host"
    };
    stdout_of(c.args(args), &format!("ip {} {side}", args.join(" ")))?;
    Ok(())
}

/// Adds an address (replacing it if present), without duplicate address
/// detection for IPv6: the addresses are ours, and DAD would hold them
/// back for a second or two after start.
fn addr(netns_of: Option<u32>, address: &str, dev: &str) -> Result<()> {
    if address.contains(':') {
        ip(
            netns_of,
            &["-6", "addr", "replace", address, "dev", dev, "nodad"],
        )
    } else {
        ip(netns_of, &["addr", "replace", address, "dev", dev])
    }
}

fn routes(pid: u32, unit: &UnitDescription, dev: &str) -> Result<()> {
    if let Some(gw) = &unit.network.ip6route {
        ip(
            Some(pid),
            &["-6", "route", "replace", "default", "via", gw, "dev", dev],
        )?;
    }
    if let Some(gw) = &unit.network.ip4route {
        ip(
            Some(pid),
            &["route", "replace", "default", "via", gw, "dev", dev],
        )?;
    }
    Ok(())
}

/// Configures the network of a running container and drops the marker.
pub fn network_up(state: &StateDir, id: &ContainerId) -> Result<()> {
    let dir = state.container(id);
    let text = std::fs::read_to_string(dir.unit_json())
        .with_context(|| format!("no unit description for {id}"))?;
    let unit: UnitDescription =
        serde_json::from_str(&text).with_context(|| format!("{}", dir.unit_json().display()))?;
    // As ExecStartPost, systemd gives the unit's main process (systemd-nspawn)
    // as $MAINPID: once it is gone, no machine will register.
    let main_pid = std::env::var("MAINPID")
        .ok()
        .filter(|p| !p.is_empty() && p != "0");
    let alive = || {
        main_pid
            .as_ref()
            .is_none_or(|p| std::path::Path::new("/proc").join(p).exists())
    };
    let pid = systemd::leader_while(id, std::time::Duration::from_secs(10), alive)?;
    let n = &unit.network;
    ip(Some(pid), &["link", "set", "lo", "up"])?;
    if let Some(iface) = &n.interface {
        ip(Some(pid), &["link", "set", iface, "up"])?;
        for a in [&n.ip6, &n.ip4].into_iter().flatten() {
            addr(Some(pid), a, iface)?;
        }
        routes(pid, &unit, iface)?;
    } else if n.mode() == NetworkMode::Veth {
        let host = host_veth_name(id);
        ip(None, &["link", "set", &host, "up"])?;
        for a in [&n.host_ip6, &n.host_ip4].into_iter().flatten() {
            addr(None, a, &host)?;
        }
        ip(Some(pid), &["link", "set", "host0", "up"])?;
        for a in [&n.ip6, &n.ip4].into_iter().flatten() {
            addr(Some(pid), a, "host0")?;
        }
        routes(pid, &unit, "host0")?;
    }
    // The marker, written through the container's root as its init sees it.
    let marker = Path::new("/proc")
        .join(pid.to_string())
        .join("root")
        .join(NET_READY);
    if let Some(d) = marker.parent() {
        std::fs::create_dir_all(d).with_context(|| format!("cannot create {}", d.display()))?;
    }
    std::fs::write(&marker, format!("{}\n", unit.canonical_json()))
        .with_context(|| format!("cannot write {}", marker.display()))?;
    Ok(())
}
