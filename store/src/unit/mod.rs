//! The unit description: what besides the snippet makes a container
//! (DESIGN §3 `-j/--unit`, §4 `unit.json`): network, capabilities, binds,
//! resources, properties. Its canonical JSON is part of the build key.
//!
//! This file holds the description, its checks and its canonical JSON;
//! the network (interfaces, addresses, names) is `network/`, published
//! ports and the firewall `ports.rs`, what it asks of systemd-nspawn
//! `nspawn.rs`.
//!
//! In `nixunits-store`, which spawns nothing and prints nothing.

mod network;
mod nspawn;
mod ports;
#[cfg(test)]
mod tests;

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

pub use network::{
    address_of, auto_ip6, canonical_address, check_address, extra_veth_name, host_bridge_veth_name,
    host_veth_name, shorten_ifname, without_prefix, without_zone, Interface, InterfaceKind, Link,
    Network, NetworkMode, DEFAULT_PREFIX4, DEFAULT_PREFIX6,
};
pub use nspawn::{DENIED_SYSCALL_GROUPS, DROPPED_BY_DEFAULT};
pub use ports::{Allow, Firewall, Port, Proto};

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

impl UnitDescription {
    /// Checks the description and puts addresses in canonical form.
    pub fn normalize(mut self) -> Result<Self, UnitError> {
        self.network.normalize()?;
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
