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
}

impl NetworkMode {
    /// `private`, `veth`, `interface`.
    pub fn as_str(self) -> &'static str {
        match self {
            NetworkMode::Private => "private",
            NetworkMode::Veth => "veth",
            NetworkMode::Interface => "interface",
        }
    }
}

impl Network {
    /// The mode: an interface wins; any container address means a veth.
    pub fn mode(&self) -> NetworkMode {
        if self.interface.is_some() {
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
    use std::hash::Hasher;
    const IFNAMSIZ: usize = 16;
    const KEY: [u8; 16] = [
        0xe1, 0x90, 0xa4, 0x04, 0xa8, 0xef, 0x4b, 0x51, 0x8c, 0xcc, 0xc3, 0x3a, 0x9f, 0x11, 0xfc,
        0xa2,
    ];
    const URLSAFE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let name = format!("ve-{id}");
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
    pub fn nspawn_args(&self) -> Vec<String> {
        let n = &self.network;
        let mut out = vec![match n.mode() {
            NetworkMode::Interface => {
                format!(
                    "--network-interface={}",
                    n.interface.as_deref().unwrap_or_default()
                )
            }
            NetworkMode::Veth => "--network-veth".to_owned(),
            NetworkMode::Private => "--private-network".to_owned(),
        }];
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
        for (field, v, v6) in [
            ("ip6route", &mut n.ip6route, true),
            ("ip4route", &mut n.ip4route, false),
        ] {
            if let Some(a) = v.as_mut() {
                let c = canonical_address(field, a, v6)?;
                let gw = address_of(&c);
                if gw.is_some_and(|g| g.is_unspecified() || g.is_multicast()) {
                    return Err(UnitError::UnusableAddress {
                        field,
                        given: without_prefix(&c).to_owned(),
                        rule: "cannot be a gateway (unspecified or multicast)",
                    });
                }
                *a = without_prefix(&c).to_owned();
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
        Ok(self)
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
        [&n.ip6, &n.host_ip6, &n.ip4, &n.host_ip4]
            .into_iter()
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
            .nspawn_args()
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
