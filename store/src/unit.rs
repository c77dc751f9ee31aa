//! The unit description: what besides the snippet makes a container
//! (DESIGN §3 `-j/--unit`, §4 `unit.json`): network, capabilities, binds,
//! resources, properties. Its canonical JSON is part of the build key.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::id::ContainerId;

/// Network settings, with the NixOS module's field names.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Network {
    /// Host side of the veth, IPv6 (`addr/prefix`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_ip6: Option<String>,
    /// Container side, IPv6.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip6: Option<String>,
    /// Host side of the veth, IPv4.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_ip4: Option<String>,
    /// Container side, IPv4.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip4: Option<String>,
    /// A host interface moved into the container.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interface: Option<String>,
    /// IPv6 default route (gateway) inside.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip6route: Option<String>,
    /// IPv4 default route (gateway) inside.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip4route: Option<String>,
    /// Several interfaces, each a veth (optionally on a host bridge), a
    /// macvlan or ipvlan on a host interface, or a moved host interface.
    /// Instead of the flat keys above, which describe one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub interfaces: Vec<Interface>,
    /// Name servers of the container's `/etc/resolv.conf` (addresses).
    /// Empty: the host's upstream servers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dns: Vec<String>,
}

/// What an entry of `network.interfaces` is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InterfaceKind {
    /// A veth pair: `host0` inside for the first (systemd-nspawn's
    /// `--network-veth`, or `--network-bridge` with a bridge), the others
    /// `--network-veth-extra`.
    #[default]
    Veth,
    /// A macvlan on a host interface (`--network-macvlan`), `mv-PARENT`
    /// inside.
    Macvlan,
    /// An ipvlan (L2) on a host interface (`--network-ipvlan`),
    /// `iv-PARENT` inside.
    Ipvlan,
    /// An existing host interface moved inside (`--network-interface`).
    Moved,
}

impl InterfaceKind {
    /// `veth`, `macvlan`, `ipvlan`, `moved`.
    pub fn as_str(self) -> &'static str {
        match self {
            InterfaceKind::Veth => "veth",
            InterfaceKind::Macvlan => "macvlan",
            InterfaceKind::Ipvlan => "ipvlan",
            InterfaceKind::Moved => "moved",
        }
    }
}

/// One entry of `network.interfaces`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Interface {
    /// What it is.
    #[serde(rename = "type")]
    pub kind: InterfaceKind,
    /// veth (not the first, which is `host0`): its name inside.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// veth: the host bridge its host side joins.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bridge: Option<String>,
    /// macvlan, ipvlan: the host interface it sits on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// macvlan: a fixed MAC address (else systemd-nspawn's, stable per
    /// machine name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mac: Option<String>,
    /// moved: the host interface.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interface: Option<String>,
    /// veth: the host side's IPv6 address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_ip6: Option<String>,
    /// The IPv6 address inside.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip6: Option<String>,
    /// veth: the host side's IPv4 address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_ip4: Option<String>,
    /// The IPv4 address inside.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip4: Option<String>,
    /// IPv6 default route through this interface (a link-local gateway may
    /// name it: `fe80::1%eth1`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip6route: Option<String>,
    /// IPv4 default route through this interface.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip4route: Option<String>,
}

/// An interface as the container gets it: names on both sides, the
/// systemd-nspawn argument that makes it, its addresses and routes. The
/// flat `network` keys make one (or none: private).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// What it is.
    pub kind: InterfaceKind,
    /// Its name inside the container.
    pub inside: String,
    /// veth: the host side's name.
    pub host: Option<String>,
    /// veth: the bridge the host side joins.
    pub bridge: Option<String>,
    /// macvlan: the fixed MAC.
    pub mac: Option<String>,
    /// The systemd-nspawn argument.
    pub nspawn_arg: String,
    /// Addresses inside (canonical, with prefix).
    pub ip6: Option<String>,
    /// IPv4 inside.
    pub ip4: Option<String>,
    /// veth: the host side's addresses.
    pub host_ip6: Option<String>,
    /// IPv4, host side.
    pub host_ip4: Option<String>,
    /// IPv6 gateway (no zone).
    pub ip6route: Option<String>,
    /// IPv4 gateway.
    pub ip4route: Option<String>,
}

/// How a container is connected (the `networkMode` of `nix/lib.nix`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetworkMode {
    /// Its own network namespace with only `lo`.
    Private,
    /// A veth pair, addresses on both sides.
    Veth,
    /// A host interface moved inside.
    Interface,
    /// A list of interfaces (`network.interfaces`).
    Interfaces,
}

impl NetworkMode {
    /// `private`, `veth`, `interface`.
    pub fn as_str(self) -> &'static str {
        match self {
            NetworkMode::Private => "private",
            NetworkMode::Veth => "veth",
            NetworkMode::Interface => "interface",
            NetworkMode::Interfaces => "interfaces",
        }
    }
}

impl Network {
    /// The interfaces the container gets, in order (the flat keys make one,
    /// or none for a private network).
    pub fn links(&self, id: &ContainerId) -> Vec<Link> {
        let plain = |kind, inside: String, nspawn_arg: String| Link {
            kind,
            inside,
            host: None,
            bridge: None,
            mac: None,
            nspawn_arg,
            ip6: None,
            ip4: None,
            host_ip6: None,
            host_ip4: None,
            ip6route: None,
            ip4route: None,
        };
        if self.interfaces.is_empty() {
            let link = match self.mode() {
                NetworkMode::Interface => {
                    let i = self.interface.clone().unwrap_or_default();
                    plain(
                        InterfaceKind::Moved,
                        i.clone(),
                        format!("--network-interface={i}"),
                    )
                }
                NetworkMode::Veth => Link {
                    host: Some(host_veth_name(id)),
                    ..plain(InterfaceKind::Veth, "host0".into(), "--network-veth".into())
                },
                _ => return Vec::new(),
            };
            return vec![Link {
                ip6: self.ip6.clone(),
                ip4: self.ip4.clone(),
                host_ip6: self.host_ip6.clone(),
                host_ip4: self.host_ip4.clone(),
                ip6route: self.ip6route.as_deref().map(|g| without_zone(g).to_owned()),
                ip4route: self.ip4route.clone(),
                ..link
            }];
        }
        let mut veths = 0;
        self.interfaces
            .iter()
            .map(|i| {
                let base = match i.kind {
                    InterfaceKind::Veth => {
                        veths += 1;
                        if veths == 1 {
                            match &i.bridge {
                                Some(b) => Link {
                                    host: Some(host_bridge_veth_name(id)),
                                    bridge: Some(b.clone()),
                                    ..plain(
                                        InterfaceKind::Veth,
                                        "host0".into(),
                                        format!("--network-bridge={b}"),
                                    )
                                },
                                None => Link {
                                    host: Some(host_veth_name(id)),
                                    ..plain(
                                        InterfaceKind::Veth,
                                        "host0".into(),
                                        "--network-veth".into(),
                                    )
                                },
                            }
                        } else {
                            let k = veths - 1;
                            let host = extra_veth_name(id, k);
                            let inside = i.name.clone().unwrap_or_else(|| format!("eth{k}"));
                            Link {
                                host: Some(host.clone()),
                                bridge: i.bridge.clone(),
                                ..plain(
                                    InterfaceKind::Veth,
                                    inside.clone(),
                                    format!("--network-veth-extra={host}:{inside}"),
                                )
                            }
                        }
                    }
                    kind @ (InterfaceKind::Macvlan | InterfaceKind::Ipvlan) => {
                        let parent = i.parent.clone().unwrap_or_default();
                        let flag = if kind == InterfaceKind::Macvlan {
                            "macvlan"
                        } else {
                            "ipvlan"
                        };
                        Link {
                            mac: i.mac.clone(),
                            ..plain(
                                kind,
                                vlan_inside(kind, &parent),
                                format!("--network-{flag}={parent}"),
                            )
                        }
                    }
                    InterfaceKind::Moved => {
                        let m = i.interface.clone().unwrap_or_default();
                        plain(
                            InterfaceKind::Moved,
                            m.clone(),
                            format!("--network-interface={m}"),
                        )
                    }
                };
                Link {
                    ip6: i.ip6.clone(),
                    ip4: i.ip4.clone(),
                    host_ip6: i.host_ip6.clone(),
                    host_ip4: i.host_ip4.clone(),
                    ip6route: i.ip6route.as_deref().map(|g| without_zone(g).to_owned()),
                    ip4route: i.ip4route.clone(),
                    ..base
                }
            })
            .collect()
    }

    /// The mode: an interface wins; any container address means a veth.
    pub fn mode(&self) -> NetworkMode {
        if !self.interfaces.is_empty() {
            NetworkMode::Interfaces
        } else if self.interface.is_some() {
            NetworkMode::Interface
        } else if self.ip6.is_some() || self.ip4.is_some() {
            NetworkMode::Veth
        } else {
            NetworkMode::Private
        }
    }
}

/// Resource limits (systemd properties of the unit).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Resources {
    /// `MemoryMax=` (`512M`, `2G`, `infinity`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_max: Option<String>,
    /// `TasksMax=`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tasks_max: Option<u64>,
    /// `CPUQuota=` (`50%`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_quota: Option<String>,
}

/// Everything about a container but its snippet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UnitDescription {
    /// Network mode and addresses.
    #[serde(default)]
    pub network: Network,
    /// Capabilities kept beyond the default set (`CAP_NET_ADMIN`).
    #[serde(default)]
    pub caps_allow: Vec<String>,
    /// Bind mounts, in systemd-nspawn's `--bind=` syntax (`SRC[:DST[:OPTS]]`).
    #[serde(default)]
    pub bind: Vec<String>,
    /// Resource limits.
    #[serde(default)]
    pub resources: Resources,
    /// Free-form values the snippet receives as the `properties` argument.
    #[serde(default = "empty_object")]
    pub properties: serde_json::Value,
    /// Secrets as systemd credentials: name → a file on the host, passed
    /// with systemd-nspawn's `--load-credential=NAME:PATH` and read inside
    /// from `$CREDENTIALS_DIRECTORY` (services: `LoadCredential=NAME`).
    /// The path is described here, never the secret.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub credentials: std::collections::BTreeMap<String, String>,
    /// Ports published on the host: `PROTO:[HOST_ADDRESS:]HOST_PORT:PORT`
    /// (`tcp:8080:80`, `udp:[::1]:5353:53`, `tcp:127.0.0.1:8080:80`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<String>,
    /// Inbound filtering on the host side of the container's veths;
    /// absent: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub firewall: Option<Firewall>,
}

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

impl Default for UnitDescription {
    fn default() -> Self {
        UnitDescription {
            network: Network::default(),
            caps_allow: Vec::new(),
            bind: Vec::new(),
            resources: Resources::default(),
            properties: empty_object(),
            credentials: std::collections::BTreeMap::new(),
            ports: Vec::new(),
            firewall: None,
        }
    }
}

fn empty_object() -> serde_json::Value {
    serde_json::Value::Object(serde_json::Map::new())
}

/// An invalid unit description.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnitError {
    /// Not an address with an optional prefix.
    #[error("{field}: {given:?} is not an {family} address (ADDRESS or ADDRESS/PREFIX, prefix at most {max})")]
    BadAddress {
        /// Which field.
        field: &'static str,
        /// What was given.
        given: String,
        /// `IPv6` / `IPv4`.
        family: &'static str,
        /// Largest prefix.
        max: u8,
    },
    /// A combination that makes no network.
    #[error("{0}")]
    BadCombination(String),
    /// A bad interface name.
    #[error(
        "interface {0:?}: a Linux interface name is 1 to 15 characters, no '/', ':' or white space"
    )]
    BadInterface(String),
    /// A capability name that is not one.
    #[error(
        "capsAllow: {0:?} is not a capability name (CAP_ and upper-case letters, digits, '_')"
    )]
    BadCapability(String),
    /// An address that parses but cannot serve (see [`check_address`]).
    #[error("{field}: {given} {rule}")]
    UnusableAddress {
        /// The field.
        field: &'static str,
        /// The address given (canonical).
        given: String,
        /// The rule it breaks.
        rule: &'static str,
    },
    /// The two sides of a veth do not make one link.
    #[error("{0}")]
    BadPair(String),
    /// A bad bind.
    #[error(
        "bind: {0:?} must be an absolute path without white space, optionally `:DEST[:OPTIONS]`"
    )]
    BadBind(String),
    /// A credential that cannot be passed safely.
    #[error("credentials.{name}: {why}")]
    BadCredential {
        /// Its name.
        name: String,
        /// What is wrong.
        why: &'static str,
    },
    /// Properties must be an object.
    #[error("properties must be a JSON object")]
    BadProperties,
    /// A resource limit systemd would not take.
    #[error("resources.{field}: {given:?} is not {expected}")]
    BadResource {
        /// Which limit.
        field: &'static str,
        /// What was given.
        given: String,
        /// What it must be.
        expected: &'static str,
    },
    /// A bad published port.
    #[error("ports: {given:?}: {why}")]
    BadPort {
        /// What was given.
        given: String,
        /// What is wrong.
        why: &'static str,
    },
    /// A bad firewall entry.
    #[error("firewall.allowIn: {given:?}: {why}")]
    BadAllow {
        /// What was given.
        given: String,
        /// What is wrong.
        why: &'static str,
    },
    /// Something wrong in one entry of `network.interfaces`.
    #[error("network.interfaces[{index}] ({kind}): {error}")]
    InInterface {
        /// Its index.
        index: usize,
        /// Its type.
        kind: &'static str,
        /// What is wrong.
        error: Box<UnitError>,
    },
    /// A bad name server.
    #[error("network.dns: {0:?} is not an IPv4 or IPv6 address (no prefix, no port)")]
    BadDns(String),
    /// A bad MAC address.
    #[error(
        "mac: {0:?} is not a unicast MAC address (six hex pairs separated by ':', the first even)"
    )]
    BadMac(String),
    /// This id's automatic address is not valid.
    #[error("the automatic IPv6 address of {id:?} is not valid (its CRC32 {crc:#x} has fewer than 5 hex digits): give --ip6 and --host-ip6")]
    NoAutoAddress {
        /// The id.
        id: String,
        /// Its CRC32.
        crc: u32,
    },
}

/// The default prefix when an address is given without one.
pub const DEFAULT_PREFIX6: u8 = 112;
/// The default IPv4 prefix.
pub const DEFAULT_PREFIX4: u8 = 24;

/// Parses `ADDRESS[/PREFIX]` and returns it canonical (`fc00::2/112`).
pub fn canonical_address(field: &'static str, s: &str, v6: bool) -> Result<String, UnitError> {
    let (family, max, default) = if v6 {
        ("IPv6", 128, DEFAULT_PREFIX6)
    } else {
        ("IPv4", 32, DEFAULT_PREFIX4)
    };
    let bad = || UnitError::BadAddress {
        field,
        given: s.to_owned(),
        family,
        max,
    };
    let (addr, prefix) = match s.split_once('/') {
        Some((a, p)) => {
            let p: u8 = p.parse().map_err(|_| bad())?;
            if p > max || p.to_string() != s.split_once('/').map_or("", |x| x.1) {
                return Err(bad());
            }
            (a, p)
        }
        None => (s, default),
    };
    let ip: IpAddr = if v6 {
        IpAddr::V6(Ipv6Addr::from_str(addr).map_err(|_| bad())?)
    } else {
        IpAddr::V4(Ipv4Addr::from_str(addr).map_err(|_| bad())?)
    };
    Ok(format!("{ip}/{prefix}"))
}

/// A gateway without its `%zone`.
pub fn without_zone(s: &str) -> &str {
    s.split_once('%').map_or(s, |(a, _)| a)
}

/// `ADDRESS/PREFIX` without its prefix (the whole text when it has none).
pub fn without_prefix(s: &str) -> &str {
    s.split_once('/').map_or(s, |(a, _)| a)
}

/// The address part of a canonical `ADDRESS/PREFIX`.
pub fn address_of(s: &str) -> Option<IpAddr> {
    without_prefix(s).parse().ok()
}

/// The automatic IPv6 addresses of `-6`, bit-exact with the first nixunits:
/// `c = format!("{:x}", crc32(id))`, container `fc00::{c[..4]}:{c[4..]}:2/112`,
/// host `…:1/112`. Returns (container, host).
pub fn auto_ip6(id: &ContainerId) -> Result<(String, String), UnitError> {
    let crc = crc32fast::hash(id.as_str().as_bytes());
    let c = format!("{crc:x}");
    if c.len() <= 4 {
        // `fc00::abcd::2` is what the first nixunits produced: not an address.
        return Err(UnitError::NoAutoAddress {
            id: id.to_string(),
            crc,
        });
    }
    let (a, b) = c.split_at(4);
    let mk = |last: u8| {
        canonical_address(
            "ip6",
            &format!("fc00::{a}:{b}:{last}/{DEFAULT_PREFIX6}"),
            true,
        )
    };
    Ok((mk(2)?, mk(1)?))
}

/// The host side of a container's veth, named as systemd-nspawn names it:
/// `ve-<id>` when that fits the kernel's 15 bytes, else its first 11 bytes
/// and 4 characters of a SipHash-2-4 of the whole name (nspawn's
/// `net_shorten_ifname`, with its key).
pub fn host_veth_name(id: &ContainerId) -> String {
    shorten_ifname(format!("ve-{id}"))
}

/// The host side of a veth on a bridge (`--network-bridge`): `vb-<id>`,
/// shortened the same way.
pub fn host_bridge_veth_name(id: &ContainerId) -> String {
    shorten_ifname(format!("vb-{id}"))
}

/// systemd-nspawn's `net_shorten_ifname`: a name longer than 15 bytes
/// becomes its first 11 and 4 characters of its SipHash-2-4.
pub fn shorten_ifname(name: String) -> String {
    use std::hash::Hasher;
    const IFNAMSIZ: usize = 16;
    const KEY: [u8; 16] = [
        0xe1, 0x90, 0xa4, 0x04, 0xa8, 0xef, 0x4b, 0x51, 0x8c, 0xcc, 0xc3, 0x3a, 0x9f, 0x11, 0xfc,
        0xa2,
    ];
    const URLSAFE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    if name.len() < IFNAMSIZ {
        return name;
    }
    let mut h = siphasher::sip::SipHasher24::new_with_key(&KEY);
    h.write(name.as_bytes());
    let h = h.finish();
    let mut out = name[..IFNAMSIZ - 5].to_owned();
    for shift in [18, 12, 6, 0] {
        out.push(URLSAFE[((h >> shift) & 63) as usize] as char);
    }
    out
}

/// The host side of the `k`-th extra veth (`--network-veth-extra`, k ≥ 1):
/// `vx<k>-<id>` when it fits 15 bytes, else its first 8 bytes and 7 hex
/// digits of the SHA-256 of the id (`nix/lib.nix` computes the same with
/// `builtins.hashString`).
pub fn extra_veth_name(id: &ContainerId, k: usize) -> String {
    use sha2::Digest;
    let name = format!("vx{k}-{id}");
    if name.len() <= 15 {
        return name;
    }
    let hash = sha2::Sha256::digest(id.as_str().as_bytes());
    let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
    format!("{}{}", &name[..8], &hex[..7])
}

/// `ADDRESS/PREFIX` split (a canonical address always has its prefix).
fn split_prefix(canonical: &str) -> Option<(IpAddr, u8)> {
    let (a, p) = canonical.split_once('/')?;
    Some((a.parse().ok()?, p.parse().ok()?))
}

/// The first `prefix` bits of an address, as a number.
fn network_of(ip: IpAddr, prefix: u8) -> u128 {
    let (bits, width) = match ip {
        IpAddr::V4(a) => (u128::from(u32::from(a)), 32),
        IpAddr::V6(a) => (u128::from(a), 128),
    };
    let host_bits = width - u32::from(prefix);
    if host_bits >= 128 {
        0
    } else {
        bits >> host_bits << host_bits
    }
}

/// Why an address cannot be a container's or a host side's own, if it
/// cannot: the unspecified address, loopback, multicast, link-local (a
/// link-local address is made by the kernel; as a gateway it is fine),
/// and in IPv4 the network and broadcast addresses of its subnet (but on
/// /31 and /32 links, which have none).
pub fn check_address(field: &'static str, canonical: &str) -> Result<(), UnitError> {
    let Some((ip, prefix)) = split_prefix(canonical) else {
        return Ok(());
    };
    let rule = match ip {
        _ if ip.is_unspecified() => Some("is the unspecified address: give the container's own"),
        _ if ip.is_loopback() => Some("is a loopback address: each side of a link needs its own"),
        _ if ip.is_multicast() => Some("is a multicast address, which no interface can have as its own"),
        IpAddr::V6(a) if a.segments()[0] & 0xffc0 == 0xfe80 => {
            Some("is link-local (fe80::/10): the kernel makes those; give a global or unique local address (fc00::/7)")
        }
        IpAddr::V4(a) if a.is_link_local() => Some("is link-local (169.254.0.0/16): give an address of your own subnet"),
        IpAddr::V4(a) if a.is_broadcast() => Some("is the broadcast address"),
        IpAddr::V4(a) if prefix <= 30 => {
            let net = network_of(ip, prefix);
            let all = net | ((1u128 << (32 - prefix)) - 1);
            let me = u128::from(u32::from(a));
            if me == net {
                Some("is the network address of its subnet (the first one): give a host address")
            } else if me == all {
                Some("is the broadcast address of its subnet (the last one): give a host address")
            } else {
                None
            }
        }
        _ => None,
    };
    match rule {
        Some(rule) => Err(UnitError::UnusableAddress {
            field,
            given: canonical.to_owned(),
            rule,
        }),
        None => Ok(()),
    }
}

/// The two sides of a veth: different addresses in one subnet (the same
/// prefix, the same network).
fn check_pair(family: &str, inside: &str, host: &str) -> Result<(), UnitError> {
    let (Some((a, pa)), Some((b, pb))) = (split_prefix(inside), split_prefix(host)) else {
        return Ok(());
    };
    if a == b {
        return Err(UnitError::BadPair(format!(
            "the container and the host have the same {family} address {a}: each side of the veth needs its own"
        )));
    }
    if pa != pb || network_of(a, pa) != network_of(b, pb) {
        return Err(UnitError::BadPair(format!(
            "the container's {inside} and the host's {host} are not in one subnet: the two sides of a veth must share the prefix and the network"
        )));
    }
    Ok(())
}

/// A gateway: an address without prefix, neither unspecified nor
/// multicast; an IPv6 one may name its interface (`fe80::1%eth0`), which
/// must then be `dev`. Returned without the zone.
fn canonical_gateway(
    field: &'static str,
    given: &str,
    v6: bool,
    dev: &str,
) -> Result<String, UnitError> {
    let (addr, zone) = match given.split_once('%') {
        Some((a, z)) if v6 => (a, Some(z)),
        _ => (given, None),
    };
    if let Some(z) = zone {
        if z != dev {
            return Err(UnitError::BadCombination(format!(
                "{field}: {given:?} names the interface {z:?}, but this route goes through {dev:?}"
            )));
        }
    }
    let c = canonical_address(field, addr, v6)?;
    let gw = address_of(&c);
    if gw.is_some_and(|g| g.is_unspecified() || g.is_multicast()) {
        return Err(UnitError::UnusableAddress {
            field,
            given: without_prefix(&c).to_owned(),
            rule: "cannot be a gateway (unspecified or multicast)",
        });
    }
    Ok(without_prefix(&c).to_owned())
}

/// The name of a macvlan or ipvlan inside (`mv-PARENT`, `iv-PARENT`,
/// shortened as systemd-nspawn does).
fn vlan_inside(kind: InterfaceKind, parent: &str) -> String {
    let prefix = if kind == InterfaceKind::Macvlan {
        "mv-"
    } else {
        "iv-"
    };
    shorten_ifname(format!("{prefix}{parent}"))
}

/// Checks one entry of `network.interfaces` and makes its addresses
/// canonical.
fn normalize_interface(i: &mut Interface, veth_index: usize) -> Result<(), UnitError> {
    use InterfaceKind::*;
    let kind = i.kind;
    let first_veth = kind == Veth && veth_index == 0;
    let refuse = |what: &str, why: &str| Err(UnitError::BadCombination(format!("{what}: {why}")));
    let only = |set: bool, key: &str, kinds: &str| {
        if set {
            refuse(key, &format!("only for {kinds}"))
        } else {
            Ok(())
        }
    };
    only(i.bridge.is_some() && kind != Veth, "bridge", "a veth")?;
    only(
        i.name.is_some() && kind != Veth,
        "name",
        "a veth (other interfaces have the name systemd-nspawn gives)",
    )?;
    only(
        i.parent.is_some() && !matches!(kind, Macvlan | Ipvlan),
        "parent",
        "a macvlan or an ipvlan",
    )?;
    only(i.mac.is_some() && kind != Macvlan, "mac", "a macvlan")?;
    only(
        i.interface.is_some() && kind != Moved,
        "interface",
        "a moved interface",
    )?;
    for (key, v) in [
        ("bridge", &i.bridge),
        ("name", &i.name),
        ("parent", &i.parent),
        ("interface", &i.interface),
    ] {
        if let Some(v) = v {
            if !valid_interface(v) {
                return Err(UnitError::BadInterface(v.clone()));
            }
            if key == "name" && (v == "host0" || v == "lo") {
                return refuse("name", &format!("{v:?} is taken inside"));
            }
        }
    }
    if first_veth && i.name.is_some() {
        return refuse(
            "name",
            "the first veth is host0 inside (systemd-nspawn names it); names are for the others",
        );
    }
    match kind {
        Macvlan | Ipvlan if i.parent.is_none() => {
            return refuse(
                "parent",
                "a macvlan or ipvlan needs the host interface it sits on",
            )
        }
        Moved if i.interface.is_none() => {
            return refuse(
                "interface",
                "a moved interface needs the host interface's name",
            )
        }
        _ => {}
    }
    if let Some(m) = i.mac.as_mut() {
        let bytes: Vec<Option<u8>> = m
            .split(':')
            .map(|b| {
                (b.len() == 2)
                    .then(|| u8::from_str_radix(b, 16).ok())
                    .flatten()
            })
            .collect();
        if bytes.len() != 6
            || bytes.iter().any(Option::is_none)
            || bytes[0].is_some_and(|b| b & 1 == 1)
        {
            return Err(UnitError::BadMac(m.clone()));
        }
        *m = m.to_ascii_lowercase();
    }
    for (field, v, v6) in [
        ("ip6", &mut i.ip6, true),
        ("host_ip6", &mut i.host_ip6, true),
        ("ip4", &mut i.ip4, false),
        ("host_ip4", &mut i.host_ip4, false),
    ] {
        if let Some(a) = v.as_mut() {
            *a = canonical_address(field, a, v6)?;
            check_address(field, a)?;
        }
    }
    if kind != Veth && (i.host_ip6.is_some() || i.host_ip4.is_some()) {
        return refuse("host_ip6/host_ip4", "only a veth has a host side");
    }
    if kind == Veth {
        if i.bridge.is_some() {
            if i.host_ip6.is_some() || i.host_ip4.is_some() {
                return refuse(
                    "host_ip6/host_ip4",
                    "a veth on a bridge has no address of its own on the host side: the bridge has the host's",
                );
            }
        } else {
            for (a, b, fam) in [(&i.ip6, &i.host_ip6, "6"), (&i.ip4, &i.host_ip4, "4")] {
                if a.is_some() != b.is_some() {
                    return refuse(
                        &format!("ip{fam}"),
                        &format!(
                            "a veth without a bridge needs both sides: ip{fam} and host_ip{fam}"
                        ),
                    );
                }
            }
            for (fam, a, b) in [("IPv6", &i.ip6, &i.host_ip6), ("IPv4", &i.ip4, &i.host_ip4)] {
                if let (Some(a), Some(b)) = (a, b) {
                    check_pair(fam, a, b)?;
                }
            }
        }
    }
    let dev = i.name.clone().unwrap_or_else(|| match kind {
        Veth if first_veth => "host0".to_owned(),
        Veth => format!("eth{veth_index}"),
        Macvlan | Ipvlan => vlan_inside(kind, i.parent.as_deref().unwrap_or_default()),
        Moved => i.interface.clone().unwrap_or_default(),
    });
    for (field, v, v6, addr) in [
        ("ip6route", &mut i.ip6route, true, i.ip6.is_some()),
        ("ip4route", &mut i.ip4route, false, i.ip4.is_some()),
    ] {
        if let Some(a) = v.as_mut() {
            if !addr {
                return refuse(field, "needs an address of its family on this interface");
            }
            *a = canonical_gateway(field, a, v6, &dev)?;
        }
    }
    Ok(())
}

fn valid_interface(s: &str) -> bool {
    (1..=15).contains(&s.len())
        && s != "."
        && s != ".."
        && !s
            .chars()
            .any(|c| c == '/' || c == ':' || c.is_whitespace() || c.is_control())
}

/// Capabilities systemd-nspawn grants by default that a service container
/// does not need: dropped unless `capsAllow` lists them. The same list as
/// `nix/lib.nix`'s `droppedByDefault` (`tests/nix_lib.rs` holds them equal).
pub const DROPPED_BY_DEFAULT: &[&str] = &[
    "CAP_AUDIT_CONTROL",
    "CAP_LINUX_IMMUTABLE",
    "CAP_MKNOD",
    "CAP_NET_BROADCAST",
    "CAP_SYS_BOOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_TTY_CONFIG",
];

/// System-call groups denied to every container (`nix/lib.nix`'s
/// `deniedSyscallGroups`).
pub const DENIED_SYSCALL_GROUPS: &[&str] = &[
    "@clock",
    "@cpu-emulation",
    "@debug",
    "@module",
    "@obsolete",
    "@raw-io",
    "@swap",
];

impl UnitDescription {
    /// The systemd-nspawn arguments this description asks for: network
    /// mode, no new privileges, the denied system-call groups, the
    /// capabilities dropped (but those `capsAllow` keeps) and kept, the
    /// binds. What `prepare` hands to the template unit, whatever the
    /// built `unit.conf` says; the same list as `nix/lib.nix`'s
    /// `nspawnArgs`.
    pub fn nspawn_args(&self, id: &ContainerId) -> Vec<String> {
        let links = self.network.links(id);
        let mut out: Vec<String> = if links.is_empty() {
            vec!["--private-network".to_owned()]
        } else {
            links.into_iter().map(|l| l.nspawn_arg).collect()
        };
        out.push("--no-new-privileges=yes".to_owned());
        out.extend(
            DENIED_SYSCALL_GROUPS
                .iter()
                .map(|g| format!("--system-call-filter=~{g}")),
        );
        let dropped: Vec<&str> = DROPPED_BY_DEFAULT
            .iter()
            .copied()
            .filter(|c| !self.caps_allow.iter().any(|a| a == c))
            .collect();
        if !dropped.is_empty() {
            out.push(format!("--drop-capability={}", dropped.join(",")));
        }
        if !self.caps_allow.is_empty() {
            out.push(format!("--capability={}", self.caps_allow.join(",")));
        }
        out.extend(self.bind.iter().map(|b| format!("--bind={b}")));
        out.extend(
            self.credentials
                .iter()
                .map(|(name, path)| format!("--load-credential={name}:{path}")),
        );
        out
    }

    /// Checks the description and puts addresses in canonical form.
    pub fn normalize(mut self) -> Result<Self, UnitError> {
        let n = &mut self.network;
        let flat = [
            &n.ip6,
            &n.host_ip6,
            &n.ip4,
            &n.host_ip4,
            &n.interface,
            &n.ip6route,
            &n.ip4route,
        ];
        if !n.interfaces.is_empty() && flat.iter().any(|v| v.is_some()) {
            return Err(UnitError::BadCombination(
                "network: give either the keys of one interface (ip6, host_ip6, ip4, host_ip4, interface, ip6route, ip4route) or `interfaces`, not both".into(),
            ));
        }
        let mut vethn = 0;
        for (index, i) in n.interfaces.iter_mut().enumerate() {
            let veth_index = vethn;
            if i.kind == InterfaceKind::Veth {
                vethn += 1;
            }
            normalize_interface(i, veth_index).map_err(|e| UnitError::InInterface {
                index,
                kind: i.kind.as_str(),
                error: Box::new(e),
            })?;
        }
        for d in n.dns.iter_mut() {
            let a: IpAddr = d.parse().map_err(|_| UnitError::BadDns(d.clone()))?;
            *d = a.to_string();
        }
        for (field, v, v6) in [
            ("ip6", &mut n.ip6, true),
            ("host_ip6", &mut n.host_ip6, true),
            ("ip4", &mut n.ip4, false),
            ("host_ip4", &mut n.host_ip4, false),
        ] {
            if let Some(a) = v.as_mut() {
                *a = canonical_address(field, a, v6)?;
                check_address(field, a)?;
            }
        }
        if n.interface.is_none() {
            for (fam, a, b) in [("IPv6", &n.ip6, &n.host_ip6), ("IPv4", &n.ip4, &n.host_ip4)] {
                if let (Some(a), Some(b)) = (a, b) {
                    check_pair(fam, a, b)?;
                }
            }
        }
        let flat_dev = n.interface.clone().unwrap_or_else(|| "host0".to_owned());
        for (field, v, v6) in [
            ("ip6route", &mut n.ip6route, true),
            ("ip4route", &mut n.ip4route, false),
        ] {
            if let Some(a) = v.as_mut() {
                *a = canonical_gateway(field, a, v6, &flat_dev)?;
            }
        }
        match &n.interface {
            Some(i) => {
                if !valid_interface(i) {
                    return Err(UnitError::BadInterface(i.clone()));
                }
                if n.host_ip6.is_some() || n.host_ip4.is_some() {
                    return Err(UnitError::BadCombination(
                        "--interface moves a host interface inside: there is no host side, so no --host-ip6/--host-ip4".into(),
                    ));
                }
            }
            None => {
                for (a, b, fam) in [(&n.ip6, &n.host_ip6, "6"), (&n.ip4, &n.host_ip4, "4")] {
                    if a.is_some() != b.is_some() {
                        return Err(UnitError::BadCombination(format!(
                            "a veth needs both sides: give --ip{fam} and --host-ip{fam} together (or --interface)"
                        )));
                    }
                }
            }
        }
        if n.ip6route.is_some() && n.ip6.is_none() {
            return Err(UnitError::BadCombination(
                "--ip6-route needs an IPv6 address inside (--ip6 or -6)".into(),
            ));
        }
        if n.ip4route.is_some() && n.ip4.is_none() {
            return Err(UnitError::BadCombination(
                "--ip4-route needs an IPv4 address inside (--ip4)".into(),
            ));
        }
        for c in &self.caps_allow {
            let ok = c.starts_with("CAP_")
                && c.len() > 4
                && c.bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
            if !ok {
                return Err(UnitError::BadCapability(c.clone()));
            }
        }
        self.caps_allow.sort();
        self.caps_allow.dedup();
        for b in &self.bind {
            // NIXUNITS_ARGS is split at white space.
            if !b.starts_with('/') || b.chars().any(|c| c.is_control() || c.is_whitespace()) {
                return Err(UnitError::BadBind(b.clone()));
            }
        }
        for (name, path) in &self.credentials {
            let bad = |why| UnitError::BadCredential {
                name: name.clone(),
                why,
            };
            let name_ok = !name.is_empty()
                && name.len() <= 255
                && name != "."
                && name != ".."
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b));
            if !name_ok {
                return Err(bad("a credential name is 1 to 255 characters of A-Z, a-z, 0-9, '_', '.', '-' (not . or ..)"));
            }
            if !path.starts_with('/') || path.chars().any(|c| c.is_control() || c.is_whitespace()) {
                return Err(bad("the value is the absolute path of the file on the host that holds the secret (no white space), not the secret itself"));
            }
            if path.starts_with("/nix/store") {
                return Err(bad("a secret in /nix/store is readable by every user of the host: keep it in a root-only file (/run/keys/…, /etc/…)"));
            }
        }
        if !self.properties.is_object() {
            return Err(UnitError::BadProperties);
        }
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if let Some(m) = &self.resources.memory_max {
            let ok = m == "infinity"
                || m.strip_suffix('%').is_some_and(digits)
                || m.strip_suffix(['K', 'M', 'G', 'T']).is_some_and(digits)
                || digits(m);
            if !ok {
                return Err(UnitError::BadResource {
                    field: "memoryMax",
                    given: m.clone(),
                    expected: "bytes (512M, 2G), a percentage or infinity",
                });
            }
        }
        if let Some(q) = &self.resources.cpu_quota {
            if !q.strip_suffix('%').is_some_and(digits) {
                return Err(UnitError::BadResource {
                    field: "cpuQuota",
                    given: q.clone(),
                    expected: "a percentage (50%, 200%)",
                });
            }
        }
        self.check_links_ports_firewall()?;
        Ok(self)
    }

    /// Interfaces, ports and firewall taken together: names inside unique,
    /// one default route per family, every published port and the firewall
    /// on a veth with an address of their family. Ports and `allowIn` are
    /// made canonical.
    fn check_links_ports_firewall(&mut self) -> Result<(), UnitError> {
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

    /// The text of `unit.conf` for a container of this description running
    /// `system_path`: what `nix/lib.nix`'s `confText` writes (`tests/nix_lib.rs`
    /// holds them equal), so that a system built once serves every
    /// container of its snippet without evaluating again.
    pub fn conf_text(&self, id: &ContainerId, system_path: &str) -> String {
        let n = &self.network;
        let quote = |v: &str| {
            if v.contains([' ', '"', '\\']) {
                format!("\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\""))
            } else {
                v.to_owned()
            }
        };
        let vars: [(&str, Option<String>); 10] = [
            ("HOST_IP4", n.host_ip4.clone()),
            ("HOST_IP6", n.host_ip6.clone()),
            ("INTERFACE", n.interface.clone()),
            ("IP4", n.ip4.clone()),
            ("IP4_ROUTE", n.ip4route.clone()),
            ("IP6", n.ip6.clone()),
            ("IP6_ROUTE", n.ip6route.clone()),
            ("NETWORK_MODE", Some(n.mode().as_str().to_owned())),
            ("NSPAWN_ARGS", Some(self.nspawn_args(id).join(" "))),
            ("SYSTEM_PATH", Some(system_path.to_owned())),
        ];
        vars.iter()
            .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}={}\n", quote(v))))
            .collect()
    }

    /// The canonical JSON: fields in a fixed order, object keys sorted, no
    /// white space.
    pub fn canonical_json(&self) -> String {
        let v = serde_json::to_value(self).unwrap_or_default();
        let mut out = String::new();
        write_canonical(&v, &mut out);
        out
    }

    /// The `[Service]` lines of the resource limits, empty when none is set.
    pub fn resource_lines(&self) -> Vec<String> {
        let r = &self.resources;
        let mut v = Vec::new();
        if let Some(m) = &r.memory_max {
            v.push(format!("MemoryMax={m}"));
        }
        if let Some(t) = r.tasks_max {
            v.push(format!("TasksMax={t}"));
        }
        if let Some(q) = &r.cpu_quota {
            v.push(format!("CPUQuota={q}"));
        }
        v
    }

    /// The addresses in use (container and host sides).
    pub fn addresses(&self) -> Vec<IpAddr> {
        let n = &self.network;
        let flat = [&n.ip6, &n.host_ip6, &n.ip4, &n.host_ip4];
        let listed = n
            .interfaces
            .iter()
            .flat_map(|i| [&i.ip6, &i.host_ip6, &i.ip4, &i.host_ip4]);
        flat.into_iter()
            .chain(listed)
            .flatten()
            .filter_map(|a| address_of(a))
            .collect()
    }
}

fn write_canonical(v: &serde_json::Value, out: &mut String) {
    use serde_json::Value;
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                write_canonical(&m[k], out);
            }
            out.push('}');
        }
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(x, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> ContainerId {
        s.parse().unwrap()
    }

    #[test]
    fn auto_ip6_is_the_seeds() {
        assert_eq!(
            auto_ip6(&id("pg")).unwrap(),
            (
                "fc00::bd30:9ff2:2/112".into(),
                "fc00::bd30:9ff2:1/112".into()
            )
        );
        // An id whose CRC32 has a leading zero: 7 hex digits, split 4 + 3.
        let (name, crc) = (0..100_000)
            .map(|i| format!("c{i}"))
            .map(|n| {
                let c = crc32fast::hash(n.as_bytes());
                (n, c)
            })
            .find(|(_, c)| *c < 0x1000_0000 && *c >= 0x0100_0000)
            .unwrap();
        let c = format!("{crc:x}");
        assert_eq!(c.len(), 7);
        let (ip, host) = auto_ip6(&id(&name)).unwrap();
        let want: Ipv6Addr = format!("fc00::{}:{}:2", &c[..4], &c[4..]).parse().unwrap();
        assert_eq!(ip, format!("{want}/112"));
        assert!(host.ends_with(":1/112"));
    }

    #[test]
    fn veth_names_are_nspawns() {
        assert_eq!(host_veth_name(&id("pg")), "ve-pg");
        assert_eq!(host_veth_name(&id("abcdefghijkl")), "ve-abcdefghijkl");
        // Seen from systemd-nspawn 252 on this machine.
        assert_eq!(
            host_veth_name(&id("webfrontend-prod-01")),
            "ve-webfrontmXxr"
        );
    }

    #[test]
    fn addresses_are_checked_and_canonical() {
        assert_eq!(
            canonical_address("ip6", "FC00:0::0002", true).unwrap(),
            "fc00::2/112"
        );
        assert_eq!(
            canonical_address("ip4", "10.0.0.2/30", false).unwrap(),
            "10.0.0.2/30"
        );
        for bad in [
            "fc00::/129",
            "fc00::1/",
            "fc00::1/01",
            "10.0.0.1",
            "x",
            "fc00::1/-1",
            "",
        ] {
            assert!(canonical_address("ip6", bad, true).is_err(), "{bad}");
        }
        assert!(canonical_address("ip4", "10.0.0.300", false).is_err());
    }

    fn interfaces(json: serde_json::Value) -> Result<UnitDescription, String> {
        serde_json::from_value::<UnitDescription>(
            serde_json::json!({ "network": { "interfaces": json } }),
        )
        .map_err(|e| e.to_string())?
        .normalize()
        .map_err(|e| e.to_string())
    }

    #[test]
    fn interfaces_make_links_with_nspawns_names() {
        let u = interfaces(serde_json::json!([
            { "type": "veth", "bridge": "br0", "ip6": "fd00:1::2/64", "ip4": "10.1.0.2/24" },
            { "type": "veth", "ip6": "fd00:2::2/127", "host_ip6": "fd00:2::3/127", "ip6route": "fe80::1%eth1" },
            { "type": "macvlan", "parent": "p0", "mac": "02:AA:00:00:00:01", "ip4": "10.3.0.2/31", "ip4route": "10.3.0.3" },
            { "type": "ipvlan", "parent": "p1" },
            { "type": "moved", "interface": "dummy7", "ip6": "fd00:7::2/64" }
        ]))
        .unwrap();
        let links = u.network.links(&id("webfrontend-prod-01"));
        let names: Vec<(&str, Option<&str>, &str)> = links
            .iter()
            .map(|l| (l.inside.as_str(), l.host.as_deref(), l.nspawn_arg.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                (
                    "host0",
                    Some(host_bridge_veth_name(&id("webfrontend-prod-01")).as_str()),
                    "--network-bridge=br0"
                ),
                (
                    "eth1",
                    Some("vx1-webf62520c7"),
                    "--network-veth-extra=vx1-webf62520c7:eth1"
                ),
                ("mv-p0", None, "--network-macvlan=p0"),
                ("iv-p1", None, "--network-ipvlan=p1"),
                ("dummy7", None, "--network-interface=dummy7"),
            ]
        );
        assert_eq!(links[1].ip6route.as_deref(), Some("fe80::1"));
        assert_eq!(links[2].mac.as_deref(), Some("02:aa:00:00:00:01"));
        assert_eq!(u.network.mode(), NetworkMode::Interfaces);
        // Short ids keep their name.
        assert_eq!(extra_veth_name(&id("pg"), 2), "vx2-pg");
    }

    #[test]
    fn bad_interfaces_are_refused_naming_the_entry() {
        for (json, says) in [
            (
                serde_json::json!([{ "type": "macvlan" }]),
                "interfaces[0] (macvlan): parent",
            ),
            (
                serde_json::json!([{ "type": "veth", "name": "x", "ip6": "fd00::2/64", "host_ip6": "fd00::1/64" }]),
                "the first veth is host0",
            ),
            (
                serde_json::json!([{ "type": "veth", "bridge": "br0", "host_ip6": "fd00::1/64" }]),
                "the bridge has the host's",
            ),
            (
                serde_json::json!([{ "type": "veth", "ip6": "fd00::2/64" }]),
                "needs both sides",
            ),
            (
                serde_json::json!([{ "type": "moved", "interface": "e1", "host_ip4": "10.0.0.1/24" }]),
                "only a veth has a host side",
            ),
            (
                serde_json::json!([{ "type": "macvlan", "parent": "p0", "mac": "03:00:00:00:00:01" }]),
                "not a unicast MAC",
            ),
            (
                serde_json::json!([{ "type": "macvlan", "parent": "p0" }, { "type": "macvlan", "parent": "p0" }]),
                "two interfaces are named \"mv-p0\"",
            ),
            (
                serde_json::json!([{ "type": "moved", "interface": "e1", "ip6": "fd00::2/64", "ip6route": "fe80::1%eth0" }]),
                "names the interface \"eth0\"",
            ),
            (
                serde_json::json!([{ "type": "veth", "bridge": "br0", "ip4": "10.0.0.2/24", "ip4route": "10.0.0.1" },
                                { "type": "macvlan", "parent": "p0", "ip4": "10.1.0.2/24", "ip4route": "10.1.0.1" }]),
                "2 interfaces set an IPv4 default route",
            ),
            (
                serde_json::json!([{ "type": "veth", "bridge": "a/b" }]),
                "a Linux interface name",
            ),
            (serde_json::json!([{ "type": "tap" }]), "unknown variant"),
        ] {
            let e = interfaces(json.clone()).unwrap_err();
            assert!(e.contains(says), "{json}: {e}");
        }
        // Flat keys and a list: one or the other.
        let both: UnitDescription = serde_json::from_value(serde_json::json!({
            "network": { "ip6": "fd00::2/64", "host_ip6": "fd00::1/64", "interfaces": [{ "type": "ipvlan", "parent": "p0" }] }
        }))
        .unwrap();
        assert!(both
            .normalize()
            .unwrap_err()
            .to_string()
            .contains("not both"));
    }

    #[test]
    fn ports_firewall_and_dns_are_checked_and_canonical() {
        let with = |json: serde_json::Value| {
            serde_json::from_value::<UnitDescription>(json)
                .unwrap()
                .normalize()
                .map_err(|e| e.to_string())
        };
        let veth = serde_json::json!({ "ip6": "fd00::2/64", "host_ip6": "fd00::1/64" });
        let u = with(serde_json::json!({ "network": { "ip6": "fd00::2/64", "host_ip6": "fd00::1/64", "dns": ["2001:DB8::53"] },
            "ports": ["tcp:80", "udp:[0:0:0:0:0:0:0:1]:5353:53"], "firewall": { "allowIn": ["tcp:5432"] } })).unwrap();
        assert_eq!(u.ports, ["tcp:80:80", "udp:[::1]:5353:53"]);
        assert_eq!(u.network.dns, ["2001:db8::53"]);
        for (json, says) in [
            (
                serde_json::json!({ "network": veth, "ports": ["sctp:80"] }),
                "tcp or udp",
            ),
            (
                serde_json::json!({ "network": veth, "ports": ["tcp:0:80"] }),
                "1 to 65535",
            ),
            (
                serde_json::json!({ "network": veth, "ports": ["tcp:::1:80:80"] }),
                "brackets",
            ),
            (
                serde_json::json!({ "network": veth, "ports": ["tcp:10.0.0.1:80:80"] }),
                "no IPv4 address on a veth",
            ),
            (
                serde_json::json!({ "network": veth, "ports": ["tcp:80", "tcp:80:81"] }),
                "published twice",
            ),
            (
                serde_json::json!({ "ports": ["tcp:80"] }),
                "no address on a veth",
            ),
            (
                serde_json::json!({ "network": veth, "firewall": { "allowIn": ["tcp:90-80"] } }),
                "lower port",
            ),
            (
                serde_json::json!({ "network": { "interface": "eth1", "ip6": "fd00::2/64" }, "firewall": {} }),
                "no host side to filter on",
            ),
            (
                serde_json::json!({ "network": { "dns": ["127.0.0.53:53"] } }),
                "network.dns",
            ),
        ] {
            let e = with(json.clone()).unwrap_err();
            assert!(e.contains(says), "{json}: {e}");
        }
    }

    #[test]
    fn network_modes_and_prefixes() {
        let mut n = Network::default();
        assert_eq!(n.mode(), NetworkMode::Private);
        n.ip4 = Some("10.0.0.2/24".into());
        assert_eq!(n.mode(), NetworkMode::Veth);
        n.interface = Some("eth1".into());
        assert_eq!(n.mode(), NetworkMode::Interface);
        assert_eq!(without_prefix("fc00::2/112"), "fc00::2");
        assert_eq!(without_prefix("10.0.0.1"), "10.0.0.1");
    }

    #[test]
    fn combinations() {
        let mut u = UnitDescription::default();
        u.network.ip6 = Some("fc00::2".into());
        assert!(matches!(
            u.clone().normalize(),
            Err(UnitError::BadCombination(_))
        ));
        u.network.interface = Some("eth1".into());
        assert!(u.clone().normalize().is_ok());
        u.network.host_ip6 = Some("fc00::1".into());
        assert!(u.clone().normalize().is_err());
        u.network.interface = None;
        let n = u.normalize().unwrap();
        assert_eq!(
            n.canonical_json(),
            r#"{"bind":[],"capsAllow":[],"network":{"host_ip6":"fc00::1/112","ip6":"fc00::2/112"},"properties":{},"resources":{}}"#
        );
    }

    #[test]
    fn credentials_are_paths_never_in_the_store() {
        let with = |name: &str, path: &str| {
            let mut u = UnitDescription::default();
            u.credentials.insert(name.into(), path.into());
            u.normalize().map_err(|e| e.to_string())
        };
        let u = with("pg-pass", "/run/keys/pg-pass").unwrap();
        assert!(u
            .nspawn_args(&id("pg"))
            .contains(&"--load-credential=pg-pass:/run/keys/pg-pass".to_owned()));
        assert!(u
            .canonical_json()
            .contains(r#""credentials":{"pg-pass":"/run/keys/pg-pass"}"#));
        // None: the canonical JSON of containers without credentials is
        // what it was.
        assert!(!UnitDescription::default()
            .canonical_json()
            .contains("credentials"));
        for (name, path, says) in [
            ("pg-pass", "hunter2", "not the secret itself"),
            ("pg pass", "/run/keys/x", "credential name"),
            ("..", "/run/keys/x", "credential name"),
            ("pg-pass", "/nix/store/abc-secret", "readable by every user"),
            ("pg-pass", "/run/keys/a b", "no white space"),
        ] {
            let err = with(name, path).unwrap_err();
            assert!(err.contains(says), "{name} {path}: {err}");
        }
    }

    /// Item 6 of issue 11: each rule, with a message that names it.
    #[test]
    fn unusable_addresses_and_pairs() {
        let veth = |ip: &str, host: &str| {
            let mut u = UnitDescription::default();
            if ip.contains(':') {
                u.network.ip6 = Some(ip.into());
                u.network.host_ip6 = Some(host.into());
            } else {
                u.network.ip4 = Some(ip.into());
                u.network.host_ip4 = Some(host.into());
            }
            u.normalize().map(|_| ()).map_err(|e| e.to_string())
        };
        for (ip, host, says) in [
            ("fc00::2", "fc00::2", "the same IPv6 address"),
            ("10.0.0.2", "10.0.0.2", "the same IPv4 address"),
            ("::", "fc00::1", "unspecified"),
            ("0.0.0.0", "10.0.0.1", "unspecified"),
            ("ff02::1", "fc00::1", "multicast"),
            ("224.0.0.5", "10.0.0.1", "multicast"),
            ("fe80::2/64", "fe80::1/64", "link-local"),
            ("169.254.0.2", "169.254.0.1", "link-local"),
            ("::1", "fc00::1", "loopback"),
            ("127.0.0.2", "127.0.0.1", "loopback"),
            ("fc00::2/112", "fc00:1::1/112", "not in one subnet"),
            ("fc00::2/112", "fc00::1/64", "not in one subnet"),
            ("10.0.0.2/24", "10.0.1.1/24", "not in one subnet"),
            ("10.0.0.0/24", "10.0.0.1/24", "network address"),
            (
                "10.0.0.255/24",
                "10.0.0.1/24",
                "broadcast address of its subnet",
            ),
            ("10.0.0.2/24", "255.255.255.255/24", "broadcast"),
        ] {
            let err = veth(ip, host).expect_err(ip);
            assert!(err.contains(says), "{ip} {host}: {err}");
        }
        // /31 and /127 links, and a /30's two hosts, are fine.
        for (ip, host) in [
            ("10.0.0.0/31", "10.0.0.1/31"),
            ("fc00::0/127", "fc00::1/127"),
            ("10.0.0.1/30", "10.0.0.2/30"),
            ("192.0.2.2/24", "192.0.2.1/24"),
            ("2001:db8::2/64", "2001:db8::1/64"),
        ] {
            assert_eq!(veth(ip, host), Ok(()), "{ip} {host}");
        }
        // A link-local gateway is fine; a multicast one is not.
        let mut u = UnitDescription::default();
        u.network.ip6 = Some("2001:db8::2/64".into());
        u.network.host_ip6 = Some("2001:db8::1/64".into());
        u.network.ip6route = Some("fe80::1".into());
        assert!(u.clone().normalize().is_ok());
        u.network.ip6route = Some("ff02::2".into());
        assert!(u
            .normalize()
            .unwrap_err()
            .to_string()
            .contains("cannot be a gateway"));
    }

    #[test]
    fn canonical_json_sorts_properties() {
        let a: UnitDescription =
            serde_json::from_str(r#"{"properties":{"b":1,"a":{"y":2,"x":1}}}"#).unwrap();
        let b: UnitDescription =
            serde_json::from_str(r#"{ "properties" : { "a" : { "x":1, "y":2 }, "b": 1 } }"#)
                .unwrap();
        assert_eq!(a.canonical_json(), b.canonical_json());
        assert!(serde_json::from_str::<UnitDescription>(r#"{"netwrok":{}}"#).is_err());
    }
}
