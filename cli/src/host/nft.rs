//! A container's nftables table on the host, `inet nixunits-<id>`: its
//! published ports (DNAT from the host's addresses to the container's on
//! its first veth) and its inbound firewall (on traffic to the container's
//! veth addresses: routed, from the host, and bridged when the bridge
//! passes its traffic through the IP hooks). Written whole in one `nft -f`
//! transaction at `network-up`, deleted at `network-down` (ExecStopPost:
//! stop, failure, crash) and before every start (`prepare`: what a crash of
//! the host left). Every call of `nft` goes through here.
//!
//! Loopback ports are not here: the kernel does not send traffic from
//! `::1` to another interface, and for 127.0.0.1 only with
//! `route_localnet`, which also lets the container reach the host's
//! loopback services — `nixunits port-proxy` serves them (`proxy.rs`).

use std::io::Write;
use std::net::IpAddr;
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};
use nixunits_store::unit::{address_of, InterfaceKind, Link, Port};
use nixunits_store::{ContainerId, UnitDescription};

/// The table of a container (ids are `[a-z0-9-]`, valid nft names).
pub fn table(id: &ContainerId) -> String {
    format!("nixunits-{id}")
}

/// Where the container's published ports go: the first veth address of
/// each family, without prefix.
pub fn targets(links: &[Link]) -> (Option<IpAddr>, Option<IpAddr>) {
    let veths = || links.iter().filter(|l| l.kind == InterfaceKind::Veth);
    let six = veths().find_map(|l| l.ip6.as_deref().and_then(address_of));
    let four = veths().find_map(|l| l.ip4.as_deref().and_then(address_of));
    (six, four)
}

fn dnat_rules(port: &Port, six: Option<IpAddr>, four: Option<IpAddr>) -> Vec<String> {
    let l4 = port.proto.as_str();
    let (hp, p) = (port.host_port, port.port);
    let mut v = Vec::new();
    let want6 = matches!(port.host, None | Some(IpAddr::V6(_)));
    let want4 = matches!(port.host, None | Some(IpAddr::V4(_)));
    if let (true, Some(c)) = (want6, six) {
        let m = match port.host {
            Some(h) => format!("ip6 daddr {h}"),
            None => "fib daddr type local ip6 daddr != ::1".to_owned(),
        };
        v.push(format!("{m} {l4} dport {hp} dnat ip6 to [{c}]:{p}"));
    }
    if let (true, Some(c)) = (want4, four) {
        let m = match port.host {
            Some(h) => format!("ip daddr {h}"),
            None => "fib daddr type local ip daddr != 127.0.0.0/8".to_owned(),
        };
        v.push(format!("{m} {l4} dport {hp} dnat ip to {c}:{p}"));
    }
    v
}

/// The table's text, or none when the container publishes no port (but
/// loopback ones) and has no firewall.
pub fn ruleset(id: &ContainerId, unit: &UnitDescription, links: &[Link]) -> Option<String> {
    let ports: Vec<Port> = unit
        .parsed_ports()
        .into_iter()
        .filter(|p| !p.loopback())
        .collect();
    if ports.is_empty() && unit.firewall.is_none() {
        return None;
    }
    let (six, four) = targets(links);
    let mut t = format!("table inet {} {{\n", table(id));
    if !ports.is_empty() {
        let rules: Vec<String> = ports
            .iter()
            .flat_map(|p| dnat_rules(p, six, four))
            .map(|r| format!("    {r}\n"))
            .collect();
        let rules = rules.concat();
        // From other hosts (prerouting) and from this one (output).
        t.push_str(&format!(
            "  chain ports-in {{\n    type nat hook prerouting priority -100; policy accept;\n{rules}  }}\n"
        ));
        t.push_str(&format!(
            "  chain ports-local {{\n    type nat hook output priority -100; policy accept;\n{rules}  }}\n"
        ));
    }
    if unit.firewall.is_some() {
        let veth = |l: &&Link| l.kind == InterfaceKind::Veth;
        let inside6: Vec<String> = links
            .iter()
            .filter(veth)
            .filter_map(|l| l.ip6.as_deref().and_then(address_of))
            .map(|a| a.to_string())
            .collect();
        let inside4: Vec<String> = links
            .iter()
            .filter(veth)
            .filter_map(|l| l.ip4.as_deref().and_then(address_of))
            .map(|a| a.to_string())
            .collect();
        let mut inbound = String::from(
            "  chain inbound {\n    ct state established,related accept\n    ct state invalid drop\n    icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-solicit, nd-router-advert } accept\n    ct status dnat accept\n",
        );
        for a in unit.allowed_in() {
            let range = if a.first == a.last {
                a.first.to_string()
            } else {
                format!("{}-{}", a.first, a.last)
            };
            inbound.push_str(&format!("    {} dport {range} accept\n", a.proto.as_str()));
        }
        inbound.push_str("    meta l4proto tcp reject with tcp reset\n    reject\n  }\n");
        t.push_str(&inbound);
        let mut jumps = String::new();
        if !inside6.is_empty() {
            jumps.push_str(&format!(
                "    ip6 daddr {{ {} }} jump inbound\n",
                inside6.join(", ")
            ));
        }
        if !inside4.is_empty() {
            jumps.push_str(&format!(
                "    ip daddr {{ {} }} jump inbound\n",
                inside4.join(", ")
            ));
        }
        // Routed and bridged traffic (forward), the host's own (output).
        t.push_str(&format!(
            "  chain filter-forward {{\n    type filter hook forward priority 0; policy accept;\n{jumps}  }}\n"
        ));
        t.push_str(&format!(
            "  chain filter-output {{\n    type filter hook output priority 0; policy accept;\n{jumps}  }}\n"
        ));
    }
    t.push_str("}\n");
    Some(t)
}

fn nft(script: &str, what: &str) -> Result<()> {
    let mut child = Command::new("nft")
        .args(["-f", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .context("cannot run nft (Debian: apt install nftables; NixOS: networking.nftables.enable or pkgs.nftables)")?;
    child
        .stdin
        .take()
        .context("nft's standard input")?
        .write_all(script.as_bytes())
        .context("cannot write to nft")?;
    let out = child.wait_with_output().context("nft")?;
    if !out.status.success() {
        bail!(
            "nft failed to {what} ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

/// Whether `nft` can be run (a container without ports and firewall needs
/// none).
fn have_nft() -> bool {
    crate::base::nix::which("nft").is_some()
}

/// Replaces the container's table, in one transaction (an existing table,
/// from a previous run, goes in the same one).
pub fn apply(id: &ContainerId, unit: &UnitDescription, links: &[Link]) -> Result<()> {
    let Some(rules) = ruleset(id, unit, links) else {
        return Ok(());
    };
    if unit.firewall.is_some() && links.iter().any(|l| l.bridge.is_some()) {
        bridge_through_ip_hooks()?;
    }
    let t = table(id);
    nft(
        &format!("table inet {t}\ndelete table inet {t}\n{rules}"),
        &format!("install the table {t}"),
    )
}

/// Deletes the container's table, if there is one.
pub fn remove(id: &ContainerId) -> Result<()> {
    if !have_nft() {
        return Ok(());
    }
    let t = table(id);
    nft(
        &format!("table inet {t}\ndelete table inet {t}\n"),
        &format!("delete the table {t}"),
    )
}

/// Bridged traffic passes the IP hooks only with br_netfilter's
/// `bridge-nf-call-ip(6)tables` (per network namespace since Linux 5.3):
/// the firewall of a container on a bridge needs it.
fn bridge_through_ip_hooks() -> Result<()> {
    for f in ["bridge-nf-call-ip6tables", "bridge-nf-call-iptables"] {
        let p = std::path::Path::new("/proc/sys/net/bridge").join(f);
        if !p.exists() {
            bail!(
                "the firewall of a container on a bridge needs the kernel's br_netfilter (modprobe br_netfilter): {} is missing",
                p.display()
            );
        }
        if std::fs::read_to_string(&p).is_ok_and(|v| v.trim() == "1") {
            continue;
        }
        std::fs::write(&p, "1").with_context(|| format!("cannot write {}", p.display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(json: serde_json::Value) -> UnitDescription {
        serde_json::from_value::<UnitDescription>(json)
            .unwrap()
            .normalize()
            .unwrap()
    }

    #[test]
    fn ports_and_firewall_make_one_table() {
        let id: ContainerId = "web".parse().unwrap();
        let u = unit(serde_json::json!({
            "network": { "ip6": "fd00::2/64", "host_ip6": "fd00::1/64", "ip4": "10.0.0.2/24", "host_ip4": "10.0.0.1/24" },
            "ports": ["tcp:8080:80", "udp:[2001:db8::1]:53", "tcp:[::1]:8081:80"],
            "firewall": { "allowIn": ["tcp:5432", "udp:6000-6010"] }
        }));
        let t = ruleset(&id, &u, &u.network.links(&id)).unwrap();
        assert!(t.starts_with("table inet nixunits-web {\n"));
        assert!(t.contains(
            "fib daddr type local ip6 daddr != ::1 tcp dport 8080 dnat ip6 to [fd00::2]:80\n"
        ));
        assert!(t.contains(
            "fib daddr type local ip daddr != 127.0.0.0/8 tcp dport 8080 dnat ip to 10.0.0.2:80\n"
        ));
        assert!(t.contains("ip6 daddr 2001:db8::1 udp dport 53 dnat ip6 to [fd00::2]:53\n"));
        // The loopback port is the proxy's, not a rule.
        assert!(!t.contains("8081"));
        assert!(
            t.contains("tcp dport 5432 accept\n") && t.contains("udp dport 6000-6010 accept\n")
        );
        assert!(t.contains("ip6 daddr { fd00::2 } jump inbound\n"));
        assert!(t.contains("ip daddr { 10.0.0.2 } jump inbound\n"));
        // Nothing to do, no table.
        let plain = unit(
            serde_json::json!({ "network": { "ip6": "fd00::2/64", "host_ip6": "fd00::1/64" } }),
        );
        assert!(ruleset(&id, &plain, &plain.network.links(&id)).is_none());
    }
}
