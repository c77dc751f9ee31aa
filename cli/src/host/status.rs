//! What runs: the state of containers as systemd and `/proc` tell it
//! (`status`, `list`, `fleet-state`), and their addresses as shown.

use std::collections::BTreeMap;

use anyhow::Result;
use nixunits_store::unit::{host_veth_name, without_prefix, NetworkMode};
use nixunits_store::{ContainerId, StateDir, UnitDescription};
use serde::Serialize;

use super::systemd;

/// A container's addresses, without their prefixes, as `build`, `status`
/// and `list` show them (the first nixunits' `ip6:`/`hostIp6:` lines).
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Addresses {
    #[serde(skip_serializing_if = "Option::is_none")]
    /// The container's first IPv6 address.
    pub ip6: Option<String>,
    /// The host side of its first IPv6 address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host_ip6: Option<String>,
    /// The container's first IPv4 address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip4: Option<String>,
    /// The host side of its first IPv4 address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host_ip4: Option<String>,
    /// The host interface moved into it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interface: Option<String>,
    /// `network.interfaces`: each as `TYPE ADDRESS…` (the first
    /// addresses of each family are also in ip6/ip4 above).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub interfaces: Vec<String>,
}

impl Addresses {
    /// The addresses of a network description.
    pub fn of(n: &nixunits_store::unit::Network) -> Addresses {
        let addr = |a: &Option<String>| a.as_deref().map(|a| without_prefix(a).to_owned());
        let first = |f: fn(&nixunits_store::unit::Interface) -> &Option<String>| {
            n.interfaces.iter().find_map(|i| addr(f(i)))
        };
        let interfaces = n
            .interfaces
            .iter()
            .map(|i| {
                let mut v = vec![i.kind.as_str().to_owned()];
                v.extend(
                    [&i.bridge, &i.parent, &i.interface]
                        .into_iter()
                        .flatten()
                        .map(|x| format!("on {x}")),
                );
                v.extend([&i.ip6, &i.ip4].into_iter().flatten().cloned());
                v.join(" ")
            })
            .collect();
        Addresses {
            ip6: addr(&n.ip6).or_else(|| first(|i| &i.ip6)),
            host_ip6: addr(&n.host_ip6).or_else(|| first(|i| &i.host_ip6)),
            ip4: addr(&n.ip4).or_else(|| first(|i| &i.ip4)),
            host_ip4: addr(&n.host_ip4).or_else(|| first(|i| &i.host_ip4)),
            interface: n.interface.clone(),
            interfaces,
        }
    }

    /// The first address, for one-line listings.
    pub fn first(&self) -> Option<&str> {
        self.ip6.as_deref().or(self.ip4.as_deref())
    }
}

/// One container's state (`status --json`, an element of `list --json`).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Status {
    /// The container's id.
    pub id: String,
    /// Its unit (`nixunits@<id>.service`).
    pub unit: String,
    /// The unit's `ActiveState`.
    pub active_state: String,
    /// The unit's `SubState`.
    pub sub_state: String,
    /// When the unit last became active.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active_enter_timestamp: Option<String>,
    /// Registered with machined.
    pub machine: bool,
    /// The PID of its init, as the host sees it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub leader: Option<u32>,
    /// The live generation's system.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub out_path: Option<String>,
    /// The live generation's build key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// `private`, `veth` or `interface`.
    pub network_mode: &'static str,
    /// Its addresses.
    #[serde(flatten)]
    pub addresses: Addresses,
    /// The host side of its veth.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host_veth: Option<String>,
    /// The live generation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generation: Option<u64>,
    /// Declared by the NixOS module (its unit.conf lives in /etc/nixunits).
    pub declared: bool,
}

/// The container's init, from its unit's main process (systemd-nspawn, a
/// child subreaper): its child that is PID 1 of its own PID namespace (the
/// `Leader` machined registers), read from `/proc`.
fn leader_of(main_pid: u32) -> Option<u32> {
    let children =
        std::fs::read_to_string(format!("/proc/{main_pid}/task/{main_pid}/children")).ok()?;
    children
        .split_whitespace()
        .filter_map(|p| p.parse::<u32>().ok())
        .find(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/status"))
                .ok()
                .and_then(|st| {
                    st.lines().find_map(|l| l.strip_prefix("NSpid:")).map(|v| {
                        v.split_whitespace().count() > 1 && v.split_whitespace().last() == Some("1")
                    })
                })
                .unwrap_or(false)
        })
}

/// The states of `ids` with one query to systemd whatever their number
/// (`systemctl show` of every unit, its main process included) and reads
/// of `/proc` for the leaders: no `machinectl` (its `list` asks every
/// machine for its addresses, its `show` costs a round trip per machine).
pub fn statuses(state: &StateDir, ids: &[ContainerId]) -> Result<Vec<Status>> {
    let units: Vec<String> = ids.iter().map(systemd::unit_name).collect();
    let shown = systemd::show_units(
        &units,
        &[
            "Id",
            "ActiveState",
            "SubState",
            "ActiveEnterTimestamp",
            "MainPID",
        ],
    )?;
    let by_unit: BTreeMap<&str, &BTreeMap<String, String>> = shown
        .iter()
        .filter_map(|m| Some((m.get("Id")?.as_str(), m)))
        .collect();
    let leaders: BTreeMap<String, u32> = ids
        .iter()
        .zip(&units)
        .filter_map(|(id, u)| {
            let main: u32 = by_unit.get(u.as_str())?.get("MainPID")?.parse().ok()?;
            (main > 0).then_some(())?;
            Some((id.to_string(), leader_of(main)?))
        })
        .collect();
    let registered: Vec<String> = leaders.keys().cloned().collect();
    Ok(ids
        .iter()
        .zip(&units)
        .map(|(id, unit)| {
            let dir = state.container(id);
            let props = by_unit.get(unit.as_str());
            let get = |k: &str| {
                props
                    .and_then(|p| p.get(k))
                    .cloned()
                    .filter(|v| !v.is_empty())
            };
            let desc: UnitDescription = std::fs::read_to_string(dir.unit_json())
                .ok()
                .and_then(|t| serde_json::from_str(&t).ok())
                .unwrap_or_default();
            let n = desc.network;
            let mode = n.mode();
            Status {
                id: id.to_string(),
                unit: unit.clone(),
                active_state: get("ActiveState").unwrap_or_else(|| "unknown".into()),
                sub_state: get("SubState").unwrap_or_else(|| "unknown".into()),
                active_enter_timestamp: get("ActiveEnterTimestamp"),
                machine: registered.contains(&id.to_string()),
                leader: leaders.get(id.as_str()).copied(),
                out_path: dir.installed_out_path().map(|p| p.display().to_string()),
                key: dir.installed_key().map(|k| k.to_string()),
                network_mode: mode.as_str(),
                addresses: Addresses::of(&n),
                host_veth: (mode == NetworkMode::Veth).then(|| host_veth_name(id)),
                generation: dir.live().map(|g| g.number),
                declared: dir.declared(),
            }
        })
        .collect())
}
