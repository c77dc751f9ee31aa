//! The network of a unit description: the flat keys of one interface or
//! `interfaces`, checked and made canonical, and the one list of links
//! both forms become (`Network::links`: systemd-nspawn's argument and the
//! names on both sides). Addresses are `address.rs`, interface names as
//! systemd-nspawn makes them `naming.rs`.
//!
//! In `nixunits-store`'s unit description (`unit/mod.rs`).

mod address;
mod naming;

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use super::UnitError;
use crate::id::ContainerId;
pub use address::{
    address_of, auto_ip6, canonical_address, check_address, without_prefix, without_zone,
    DEFAULT_PREFIX4, DEFAULT_PREFIX6,
};
use address::{canonical_gateway, check_pair};
use naming::vlan_inside;
pub use naming::{extra_veth_name, host_bridge_veth_name, host_veth_name, shorten_ifname};

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

    /// Checks the network and puts its addresses in canonical form (the
    /// part of [`UnitDescription::normalize`](super::UnitDescription::normalize)
    /// that reads only the network).
    pub(super) fn normalize(&mut self) -> Result<(), UnitError> {
        let n = self;
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
        Ok(())
    }
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
