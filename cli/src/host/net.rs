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
use nixunits_store::unit::Link;
use nixunits_store::{ContainerId, StateDir, UnitDescription};

use super::systemd;
use crate::base::proc::stdout_of;

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

fn routes(pid: u32, link: &Link) -> Result<()> {
    let dev = link.inside.as_str();
    if let Some(gw) = &link.ip6route {
        ip(
            Some(pid),
            &["-6", "route", "replace", "default", "via", gw, "dev", dev],
        )?;
    }
    if let Some(gw) = &link.ip4route {
        ip(
            Some(pid),
            &["route", "replace", "default", "via", gw, "dev", dev],
        )?;
    }
    Ok(())
}

/// Configures one interface on both sides.
fn link_up(pid: u32, link: &Link) -> Result<()> {
    if let Some(host) = &link.host {
        // The first veth on a bridge is attached by systemd-nspawn
        // (--network-bridge); extra ones here.
        if let Some(br) = &link.bridge {
            ip(None, &["link", "set", host, "master", br])?;
        }
        ip(None, &["link", "set", host, "up"])?;
        for a in [&link.host_ip6, &link.host_ip4].into_iter().flatten() {
            addr(None, a, host)?;
        }
    }
    if let Some(mac) = &link.mac {
        ip(Some(pid), &["link", "set", &link.inside, "down"])?;
        ip(Some(pid), &["link", "set", &link.inside, "address", mac])?;
    }
    ip(Some(pid), &["link", "set", &link.inside, "up"])?;
    for a in [&link.ip6, &link.ip4].into_iter().flatten() {
        addr(Some(pid), a, &link.inside)?;
    }
    routes(pid, link)
}

/// Configures the network of a running container, publishes its ports,
/// sets up its firewall, and drops the marker.
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
    ip(Some(pid), &["link", "set", "lo", "up"])?;
    let links = unit.network.links(id);
    for link in &links {
        link_up(pid, link)
            .with_context(|| format!("interface {} ({})", link.inside, link.kind.as_str()))?;
    }
    super::nft::apply(id, &unit, &links)?;
    super::proxy::start(state, id, &unit, &links)?;
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

/// `network-down <id>`, the unit's ExecStopPost (after a stop, a failure or
/// a crash of the container): its nftables table and its loopback proxy
/// go. `prepare` calls it too, before a start, for what a crash of the
/// host left.
/// A host without nftables support (no `nf_tables` in its kernel, `nft`
/// installed or not) still runs containers that publish no port and have no
/// firewall: for those a failure to remove a table is a warning.
#[allow(clippy::print_stderr)]
pub fn network_down(id: &ContainerId, unit: Option<&UnitDescription>) -> Result<()> {
    super::proxy::stop(id);
    match super::nft::remove(id) {
        Err(e) if unit.is_some_and(|u| u.ports.is_empty() && u.firewall.is_none()) => {
            eprintln!("nixunits: {id}: warning: {e:#}");
            Ok(())
        }
        r => r,
    }
}

/// Deletes the host side of a container's veths that outlived it
/// (systemd-nspawn deletes them when it exits; one killed outright does
/// not). Only links of the kinds nspawn creates are touched.
pub fn remove_host_links(id: &ContainerId, unit: &UnitDescription) -> Result<()> {
    for link in unit.network.links(id) {
        let Some(host) = &link.host else { continue };
        if Path::new("/sys/class/net").join(host).exists() {
            ip(None, &["link", "delete", host])?;
        }
    }
    Ok(())
}

/// Where `prepare` writes a container's resolv.conf (bound read-only on
/// its /etc/resolv.conf).
pub fn resolv_path(id: &ContainerId) -> std::path::PathBuf {
    super::run_dir().join(format!("{id}.resolv.conf"))
}

/// The name servers (and search domains) of a resolv.conf text.
fn servers_of(text: &str) -> (Vec<std::net::IpAddr>, Vec<String>) {
    let mut servers = Vec::new();
    let mut other = Vec::new();
    for line in text.lines() {
        let mut w = line.split_whitespace();
        match w.next() {
            Some("nameserver") => {
                // `fe80::1%eth0` has a zone; those are not the container's.
                if let Some(a) = w.next().and_then(|a| a.parse().ok()) {
                    servers.push(a);
                }
            }
            Some("search" | "domain" | "options") => other.push(line.trim().to_owned()),
            _ => {}
        }
    }
    (servers, other)
}

/// A local stub resolver (systemd-resolved's 127.0.0.53, dnsmasq on
/// 127.0.0.1, ::1): unreachable from the container's own network.
fn local(a: &std::net::IpAddr) -> bool {
    a.is_loopback() || a.is_unspecified()
}

/// The container's resolv.conf: `dns` when given; else the host's name
/// servers, or — when the host's file names only local stubs — the
/// upstream servers systemd-resolved lists (`upstream`). Never a local
/// address. Returns the text and, when no server is known, a warning.
pub fn resolv_conf(
    dns: &[String],
    host: Option<&str>,
    upstream: Option<&str>,
) -> (String, Option<String>) {
    let mut out = String::from("# Written by nixunits prepare.\n");
    let (servers, other) = if dns.is_empty() {
        let (h, o) = servers_of(host.unwrap_or_default());
        let usable: Vec<_> = h.iter().filter(|a| !local(a)).copied().collect();
        if !usable.is_empty() {
            (usable, o)
        } else {
            let (u, uo) = servers_of(upstream.unwrap_or_default());
            (u.into_iter().filter(|a| !local(a)).collect(), uo)
        }
    } else {
        (
            dns.iter().filter_map(|d| d.parse().ok()).collect(),
            Vec::new(),
        )
    };
    for l in other {
        out.push_str(&l);
        out.push('\n');
    }
    for s in &servers {
        out.push_str(&format!("nameserver {s}\n"));
    }
    let warning = servers.is_empty().then(|| {
        "no name server for the container: the host's /etc/resolv.conf names only local resolvers and systemd-resolved lists no upstream ones; give network.dns".to_owned()
    });
    (out, warning)
}

/// Writes the container's resolv.conf; returns the systemd-nspawn argument
/// that binds it.
#[allow(clippy::print_stderr)]
pub fn write_resolv(id: &ContainerId, unit: &UnitDescription) -> Result<String> {
    let host = std::fs::read_to_string("/etc/resolv.conf").ok();
    let upstream = std::fs::read_to_string("/run/systemd/resolve/resolv.conf").ok();
    let (text, warning) = resolv_conf(&unit.network.dns, host.as_deref(), upstream.as_deref());
    if let Some(w) = warning {
        eprintln!("nixunits: {id}: {w}");
    }
    let path = resolv_path(id);
    nixunits_store::state::atomic_write(&path, text.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(format!("--bind-ro={}:/etc/resolv.conf", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolv_conf_never_names_a_local_stub() {
        let stub = "nameserver 127.0.0.53\noptions edns0 trust-ad\nsearch lan\n";
        let upstream = "nameserver 192.0.2.53\nnameserver 2001:db8::53\nsearch lan\n";
        let (t, w) = resolv_conf(&[], Some(stub), Some(upstream));
        assert_eq!(
            t,
            "# Written by nixunits prepare.\nsearch lan\nnameserver 192.0.2.53\nnameserver 2001:db8::53\n"
        );
        assert!(w.is_none());
        // The host's own servers when they are reachable.
        let (t, _) = resolv_conf(
            &[],
            Some("nameserver 198.51.100.1\nnameserver ::1\n"),
            Some(upstream),
        );
        assert!(
            t.contains("nameserver 198.51.100.1\n")
                && !t.contains("::1")
                && !t.contains("192.0.2.53")
        );
        // Given servers win.
        let (t, _) = resolv_conf(&["fd00:53::1".into()], Some(stub), Some(upstream));
        assert!(t.ends_with("nameserver fd00:53::1\n") && !t.contains("192.0.2.53"));
        // Nothing usable: no server, a warning, still no 127.x.
        let (t, w) = resolv_conf(&[], Some(stub), Some("nameserver 127.0.0.1\n"));
        assert!(!t.contains("127.") && !t.contains("nameserver"));
        assert!(w.unwrap().contains("network.dns"));
    }
}
