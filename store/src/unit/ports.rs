//! Published ports and the inbound firewall of a unit description:
//! `PROTO:[HOST_ADDRESS:]HOST_PORT:PORT` and `PROTO:PORT[-LAST]` parsed and
//! made canonical, and checked against the interfaces they need.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde::{Deserialize, Serialize};

use super::{InterfaceKind, UnitDescription, UnitError};
use crate::id::ContainerId;

/// The container's inbound firewall: closed but for published ports,
/// ICMPv6 neighbour discovery, replies, and `allowIn`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Firewall {
    /// `PROTO:PORT` or `PROTO:FIRST-LAST` (`tcp:5432`, `udp:6000-6010`).
    #[serde(default)]
    pub allow_in: Vec<String>,
}

/// A transport protocol of a port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Proto {
    /// TCP.
    Tcp,
    /// UDP.
    Udp,
}

impl Proto {
    /// `tcp` / `udp`.
    pub fn as_str(self) -> &'static str {
        match self {
            Proto::Tcp => "tcp",
            Proto::Udp => "udp",
        }
    }

    fn parse(s: &str) -> Option<Proto> {
        match s {
            "tcp" => Some(Proto::Tcp),
            "udp" => Some(Proto::Udp),
            _ => None,
        }
    }
}

/// A published port, parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Port {
    /// tcp or udp.
    pub proto: Proto,
    /// The host address it listens on; none: every address of the host
    /// (both families the container has).
    pub host: Option<IpAddr>,
    /// The port on the host.
    pub host_port: u16,
    /// The port in the container.
    pub port: u16,
}

impl Port {
    /// Parses `PROTO:[HOST_ADDRESS:]HOST_PORT:PORT` (an IPv6 host address
    /// in brackets); `PROTO:PORT` publishes a port under its own number.
    pub fn parse(s: &str) -> Result<Port, UnitError> {
        let bad = |why: &'static str| UnitError::BadPort {
            given: s.to_owned(),
            why,
        };
        let (proto, rest) = s
            .split_once(':')
            .ok_or_else(|| bad("PROTO:[HOST_ADDRESS:]HOST_PORT:PORT"))?;
        let proto = Proto::parse(proto).ok_or_else(|| bad("the protocol is tcp or udp"))?;
        let (host, ports) = if let Some(r) = rest.strip_prefix('[') {
            let (a, after) = r
                .split_once(']')
                .ok_or_else(|| bad("an IPv6 address in brackets: [::1]"))?;
            let a: Ipv6Addr = a
                .parse()
                .map_err(|_| bad("not an IPv6 address in the brackets"))?;
            let after = after
                .strip_prefix(':')
                .ok_or_else(|| bad("HOST_PORT after the address"))?;
            (Some(IpAddr::V6(a)), after)
        } else {
            let parts: Vec<&str> = rest.split(':').collect();
            match parts.len() {
                1 | 2 => (None, rest),
                3 => {
                    let a: Ipv4Addr = parts[0]
                        .parse()
                        .map_err(|_| bad("not an IPv4 address (IPv6 goes in brackets)"))?;
                    (Some(IpAddr::V4(a)), &rest[parts[0].len() + 1..])
                }
                _ => return Err(bad("too many ':' (an IPv6 address goes in brackets)")),
            }
        };
        let num = |p: &str| -> Result<u16, UnitError> {
            p.parse::<u16>()
                .ok()
                .filter(|n| *n != 0 && p == n.to_string())
                .ok_or_else(|| bad("a port is a number from 1 to 65535"))
        };
        let (host_port, port) = match ports.split_once(':') {
            Some((h, c)) => (num(h)?, num(c)?),
            None => {
                let n = num(ports)?;
                (n, n)
            }
        };
        if let Some(h) = host {
            if h.is_unspecified() || h.is_multicast() {
                return Err(bad("the host address is one of the host's unicast addresses (omit it for all of them)"));
            }
        }
        Ok(Port {
            proto,
            host,
            host_port,
            port,
        })
    }

    /// The canonical text: `tcp:8080:80`, `tcp:[::1]:8080:80`.
    pub fn canonical(&self) -> String {
        let host = match self.host {
            Some(IpAddr::V6(a)) => format!("[{a}]:"),
            Some(IpAddr::V4(a)) => format!("{a}:"),
            None => String::new(),
        };
        format!(
            "{}:{host}{}:{}",
            self.proto.as_str(),
            self.host_port,
            self.port
        )
    }

    /// Published on a loopback address (served by `nixunits port-proxy`:
    /// the kernel does not route loopback traffic to another interface).
    pub fn loopback(&self) -> bool {
        self.host.is_some_and(|h| h.is_loopback())
    }
}

/// An `allowIn` entry, parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allow {
    /// tcp or udp.
    pub proto: Proto,
    /// First port.
    pub first: u16,
    /// Last port (= first for one).
    pub last: u16,
}

impl Allow {
    /// Parses `PROTO:PORT` or `PROTO:FIRST-LAST`.
    pub fn parse(s: &str) -> Result<Allow, UnitError> {
        let bad = |why: &'static str| UnitError::BadAllow {
            given: s.to_owned(),
            why,
        };
        let (proto, ports) = s
            .split_once(':')
            .ok_or_else(|| bad("PROTO:PORT or PROTO:FIRST-LAST"))?;
        let proto = Proto::parse(proto).ok_or_else(|| bad("the protocol is tcp or udp"))?;
        let num = |p: &str| -> Result<u16, UnitError> {
            p.parse::<u16>()
                .ok()
                .filter(|n| *n != 0 && p == n.to_string())
                .ok_or_else(|| bad("a port is a number from 1 to 65535"))
        };
        let (first, last) = match ports.split_once('-') {
            Some((a, b)) => (num(a)?, num(b)?),
            None => {
                let n = num(ports)?;
                (n, n)
            }
        };
        if first > last {
            return Err(bad("the range goes from the lower port to the higher"));
        }
        Ok(Allow { proto, first, last })
    }

    /// `tcp:5432`, `udp:6000-6010`.
    pub fn canonical(&self) -> String {
        if self.first == self.last {
            format!("{}:{}", self.proto.as_str(), self.first)
        } else {
            format!("{}:{}-{}", self.proto.as_str(), self.first, self.last)
        }
    }
}

impl UnitDescription {
    /// Interfaces, ports and firewall taken together: names inside unique,
    /// one default route per family, every published port and the firewall
    /// on a veth with an address of their family. Ports and `allowIn` are
    /// made canonical.
    pub(super) fn check_links_ports_firewall(&mut self) -> Result<(), UnitError> {
        // Any valid id will do: names of the host sides are not checked here.
        let probe: ContainerId = "x".parse().map_err(|_| UnitError::BadProperties)?;
        let links = self.network.links(&probe);
        let mut seen = std::collections::BTreeSet::new();
        for l in &links {
            if !seen.insert(l.inside.clone()) {
                return Err(UnitError::BadCombination(format!(
                    "network.interfaces: two interfaces are named {:?} inside (a parent used twice, or a name given twice)",
                    l.inside
                )));
            }
        }
        for (fam, count) in [
            (
                "IPv6",
                links.iter().filter(|l| l.ip6route.is_some()).count(),
            ),
            (
                "IPv4",
                links.iter().filter(|l| l.ip4route.is_some()).count(),
            ),
        ] {
            if count > 1 {
                return Err(UnitError::BadCombination(format!(
                    "network.interfaces: {count} interfaces set an {fam} default route; give it on one"
                )));
            }
        }
        let veth6 = links
            .iter()
            .any(|l| l.kind == InterfaceKind::Veth && l.ip6.is_some());
        let veth4 = links
            .iter()
            .any(|l| l.kind == InterfaceKind::Veth && l.ip4.is_some());
        let mut published = std::collections::BTreeSet::new();
        for p in self.ports.iter_mut() {
            let port = Port::parse(p)?;
            let bad = |why: String| UnitError::BadCombination(format!("ports: {p:?}: {why}"));
            match port.host {
                // The loopback proxy forwards to either family.
                Some(_) if port.loopback() && (veth6 || veth4) => {}
                Some(IpAddr::V6(_)) if !veth6 => {
                    return Err(bad("the container has no IPv6 address on a veth to forward it to".into()))
                }
                Some(IpAddr::V4(_)) if !veth4 => {
                    return Err(bad("the container has no IPv4 address on a veth to forward it to".into()))
                }
                None if !veth6 && !veth4 => {
                    return Err(bad(
                        "the container has no address on a veth to forward it to (ports are published from the host to a veth's address)".into(),
                    ))
                }
                _ => {}
            }
            if !published.insert((port.proto, port.host, port.host_port)) {
                return Err(bad("published twice".into()));
            }
            *p = port.canonical();
        }
        if let Some(fw) = self.firewall.as_mut() {
            if let Some(l) = links.iter().find(|l| l.kind != InterfaceKind::Veth) {
                return Err(UnitError::BadCombination(format!(
                    "firewall: the container's {} interface {:?} has no host side to filter on; a firewall needs every interface to be a veth",
                    l.kind.as_str(),
                    l.inside
                )));
            }
            if !veth6 && !veth4 {
                return Err(UnitError::BadCombination(
                    "firewall: the container has no address on a veth (a private network needs none)".into(),
                ));
            }
            for a in fw.allow_in.iter_mut() {
                *a = Allow::parse(a)?.canonical();
            }
        }
        Ok(())
    }

    /// The published ports, parsed (valid after `normalize`).
    pub fn parsed_ports(&self) -> Vec<Port> {
        self.ports
            .iter()
            .filter_map(|p| Port::parse(p).ok())
            .collect()
    }

    /// The firewall's `allowIn`, parsed.
    pub fn allowed_in(&self) -> Vec<Allow> {
        self.firewall
            .iter()
            .flat_map(|f| f.allow_in.iter())
            .filter_map(|a| Allow::parse(a).ok())
            .collect()
    }
}
