//! The lifecycle commands: `start stop restart status list delete`,
//! `install` (the template unit), and `prepare` (the unit's ExecStartPre).

use std::collections::BTreeMap;
use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;

use anyhow::{Context, Result};
use nixunits_store::unit::{host_veth_name, without_prefix, NetworkMode};
use nixunits_store::{ContainerId, StateDir, UnitDescription};
use serde::Serialize;

use crate::base::nix;
use crate::base::UsageError;
use crate::host::systemd;

/// The template unit, with `@…@` placeholders.
const TEMPLATE: &str = include_str!("../../../nix/nixunits@.service");

/// A container's addresses, without their prefixes, as `build`, `status`
/// and `list` show them (the first nixunits' `ip6:`/`hostIp6:` lines).
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Addresses {
    #[serde(skip_serializing_if = "Option::is_none")]
    ip6: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    host_ip6: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ip4: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    host_ip4: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    interface: Option<String>,
    /// `network.interfaces`: each as `TYPE ADDRESS…` (the first
    /// addresses of each family are also in ip6/ip4 above).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    interfaces: Vec<String>,
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

    /// `  ip6: …` lines.
    pub fn print(&self) -> std::io::Result<()> {
        for (name, v) in [
            ("ip6", &self.ip6),
            ("hostIp6", &self.host_ip6),
            ("ip4", &self.ip4),
            ("hostIp4", &self.host_ip4),
            ("interface", &self.interface),
        ] {
            if let Some(v) = v {
                outln!("  {name}: {v}");
            }
        }
        for (k, i) in self.interfaces.iter().enumerate() {
            outln!("  interfaces[{k}]: {i}");
        }
        Ok(())
    }
}

/// One container's state (`status --json`, an element of `list --json`).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Status {
    id: String,
    unit: String,
    pub(crate) active_state: String,
    sub_state: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    active_enter_timestamp: Option<String>,
    /// Registered with machined.
    machine: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    leader: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) out_path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    key: Option<String>,
    network_mode: &'static str,
    #[serde(flatten)]
    addresses: Addresses,
    #[serde(skip_serializing_if = "Option::is_none")]
    host_veth: Option<String>,
    /// The live generation.
    #[serde(skip_serializing_if = "Option::is_none")]
    generation: Option<u64>,
    /// Declared by the NixOS module (its unit.conf lives in /etc/nixunits).
    pub(crate) declared: bool,
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

/// `status <id>`
pub fn status(state: &StateDir, id: &str, json: bool) -> Result<()> {
    let id = crate::base::existing(state, id)?;
    let s = statuses(state, std::slice::from_ref(&id))?.remove(0);
    if json {
        outln!("{}", serde_json::to_string(&s)?);
        return Ok(());
    }
    outln!("Container : {}", s.id);
    outln!("  unit: {} {} ({})", s.unit, s.active_state, s.sub_state);
    if let Some(t) = &s.active_enter_timestamp {
        outln!("  since: {t}");
    }
    match s.leader {
        Some(l) => outln!("  machine: registered, leader PID {l}"),
        None => outln!("  machine: not registered"),
    }
    outln!("  network: {}", s.network_mode);
    s.addresses.print()?;
    if let Some(v) = &s.host_veth {
        outln!("  hostVeth: {v}");
    }
    if let Some(o) = &s.out_path {
        outln!("  result: {o}");
    }
    if let Some(g) = s.generation {
        outln!("  generation: {g}");
    }
    Ok(())
}

/// `list`
pub fn list(state: &StateDir, json: bool) -> Result<()> {
    let all = statuses(state, &state.container_ids())?;
    if json {
        outln!("{}", serde_json::to_string(&all)?);
        return Ok(());
    }
    outln!(
        "{:<32} {:<10} {:<10} {:<8} ADDRESS",
        "ID",
        "ACTIVE",
        "SUB",
        "NETWORK"
    );
    for s in all {
        let addr = s.addresses.first().unwrap_or("-");
        outln!(
            "{:<32} {:<10} {:<10} {:<8} {addr}",
            s.id,
            s.active_state,
            s.sub_state,
            s.network_mode
        );
    }
    Ok(())
}

/// `delete <id>`: stop, remove state and GC root. Asks unless `yes`;
/// refuses containers the NixOS module declares.
#[allow(clippy::print_stderr)]
pub fn delete(state: &StateDir, id: &str, yes: bool) -> Result<()> {
    let id = crate::base::existing(state, id)?;
    let dir = state.container(&id);
    if dir.declared() {
        return Err(UsageError(format!(
            "container {id} is declared by the NixOS module (nixunits.{id}): remove it from the configuration instead"
        ))
        .into());
    }
    if !yes {
        if !std::io::stdin().is_terminal() {
            return Err(UsageError(format!(
                "delete asks before removing {id}; pass -y to confirm"
            ))
            .into());
        }
        eprint!(
            "Delete container {id} and all its state in {}? [y/N] ",
            dir.dir.display()
        );
        std::io::stderr().flush()?;
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer)?;
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            outln!("kept {id}");
            return Ok(());
        }
    }
    remove(state, &id)?;
    outln!("deleted {id}");
    Ok(())
}

/// Stops a container and removes its state and GC roots (`delete -y`,
/// `apply` removing what its fleet no longer names).
pub fn remove(state: &StateDir, id: &ContainerId) -> Result<()> {
    let dir = state.container(id);
    let _lock = state.lock(id).context("cannot take the container's lock")?;
    if systemd::is_active(id) {
        systemd::control("stop", id)?;
    }
    systemd::apply_resources(id, &[])?;
    // The result link is the GC root: removing the directory releases it.
    std::fs::remove_dir_all(&dir.dir)
        .with_context(|| format!("cannot remove {}", dir.dir.display()))?;
    let _ = std::fs::remove_file(state.lock_path(id));
    Ok(())
}

/// Where `prepare` writes the arguments the template unit passes to
/// systemd-nspawn (`EnvironmentFile=-/run/nixunits/%i.env`).
pub const RUN_DIR: &str = "/run/nixunits";

/// `prepare <id>`, the unit's ExecStartPre: the floor first — the
/// systemd-nspawn arguments come from the unit description (`unit.json`),
/// never from the built `unit.conf`, which may only repeat them (a conf
/// that asks for anything else is refused, naming both files) — then what
/// systemd-nspawn needs of the root (the directory, `/usr` and
/// `/etc/os-release`, which it looks for to accept a directory as an OS
/// tree).
pub fn prepare(state: &StateDir, id: &str) -> Result<()> {
    let id = crate::base::existing(state, id)?;
    let dir = state.container(&id);
    let (mut args, unit) = floor_args(&dir)?;
    let env = std::path::Path::new(RUN_DIR).join(format!("{id}.env"));
    std::fs::create_dir_all(RUN_DIR).with_context(|| format!("cannot create {RUN_DIR}"))?;
    // What a previous run left if it ended without its ExecStopPost (a
    // crash of the host, systemd's): its nftables table, its proxy.
    crate::host::net::network_down(&id, Some(&unit))?;
    // What this start runs with, for `update` to compare.
    let started = crate::commands::generations::started_unit_path(&id);
    nixunits_store::state::atomic_write(&started, unit.canonical_json().as_bytes())
        .with_context(|| format!("cannot write {}", started.display()))?;
    // A network of its own: its own resolv.conf, never the host's stub.
    if !unit.network.links(&id).is_empty() {
        args.push(crate::host::net::write_resolv(&id, &unit)?);
    }
    nixunits_store::state::atomic_write(
        &env,
        format!(
            "# Written by nixunits prepare from {}: the systemd-nspawn arguments of this start.\nNIXUNITS_ARGS={}\n",
            dir.unit_json().display(),
            env_quote(&args.join(" "))
        )
        .as_bytes(),
    )
    .with_context(|| format!("cannot write {}", env.display()))?;
    // The unit is starting, so a machine of this name is what is left of
    // the previous run, still closing: systemd-nspawn would fail with
    // "Machine already exists". Let it go, or end it.
    systemd::wait_machine_gone(&id, std::time::Duration::from_secs(10))?;
    crate::commands::generations::record_start(&dir);
    let root = dir.root();
    for d in ["etc", "usr", "var/lib", "var/log"] {
        std::fs::create_dir_all(root.join(d))
            .with_context(|| format!("cannot create {}", root.join(d).display()))?;
    }
    let os_release = root.join("etc/os-release");
    // A link counts, even dangling: a payload's /etc/os-release may point
    // into a /usr that is bound in only when systemd-nspawn runs.
    if std::fs::symlink_metadata(&os_release).is_err() {
        std::fs::write(&os_release, "")
            .with_context(|| format!("cannot create {}", os_release.display()))?;
    }
    Ok(())
}

/// The systemd-nspawn arguments of a start: those the unit description
/// asks for. The built conf's `NSPAWN_ARGS` (from the environment systemd
/// read it into, else the file) may lack some — a stale build, an older
/// nix-dir: the floor restores them — but not ask for more.
fn floor_args(dir: &nixunits_store::ContainerDir) -> Result<(Vec<String>, UnitDescription)> {
    let json = dir.unit_json();
    let text = std::fs::read_to_string(&json).with_context(|| {
        format!(
            "cannot read {}: no container starts without its unit description",
            json.display()
        )
    })?;
    let unit: UnitDescription = serde_json::from_str::<UnitDescription>(&text)
        .map_err(anyhow::Error::from)
        .and_then(|u| u.normalize().map_err(anyhow::Error::from))
        .with_context(|| format!("{} is not a valid unit description", json.display()))?;
    let expected = unit.nspawn_args(dir.id());
    let conf_text = std::fs::read_to_string(dir.unit_conf()).unwrap_or_default();
    // unit.conf is an environment file: a variable systemd-nspawn (or the
    // dynamic loader) reads, `SYSTEMD_SECCOMP=0` say, would lower the floor
    // without any argument. Only the variables nixunits writes.
    let strangers: Vec<&str> = conf_text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with(';'))
        .map(|l| l.split_once('=').map_or(l, |(k, _)| k).trim())
        .filter(|k| !CONF_KEYS.contains(k))
        .collect();
    if !strangers.is_empty() {
        anyhow::bail!(
            "refusing to start {}: {} sets {}, which nixunits never writes (it has only {})",
            dir.id(),
            dir.unit_conf().display(),
            strangers.join(", "),
            CONF_KEYS.join(", ")
        );
    }
    let from_conf = |key: &str| -> Option<String> {
        std::env::var(key)
            .ok()
            .or_else(|| nixunits_store::state::env_value(&conf_text, key))
    };
    let asked = from_conf("NSPAWN_ARGS").unwrap_or_default();
    let extra: Vec<&str> = asked
        .split_whitespace()
        .filter(|a| !expected.iter().any(|e| e == a))
        .collect();
    let mode = unit.network.mode().as_str();
    let conf_mode = from_conf("NETWORK_MODE");
    if !extra.is_empty() || conf_mode.as_deref().is_some_and(|m| m != mode) {
        let mut what = Vec::new();
        if !extra.is_empty() {
            what.push(format!("systemd-nspawn arguments {}", extra.join(" ")));
        }
        if let Some(m) = conf_mode.filter(|m| m != mode) {
            what.push(format!("the network mode {m}"));
        }
        anyhow::bail!(
            "refusing to start {}: {} asks for {}, which {} does not describe (network {mode}, capsAllow {:?}, bind {:?}); rebuild it with `nixunits build` or correct the unit description",
            dir.id(),
            dir.unit_conf().display(),
            what.join(" and "),
            json.display(),
            unit.caps_allow,
            unit.bind
        );
    }
    Ok((expected, unit))
}

/// The variables of a `unit.conf` (`nix/lib.nix`'s `confText`).
const CONF_KEYS: &[&str] = &[
    "SYSTEM_PATH",
    "NSPAWN_ARGS",
    "NETWORK_MODE",
    "HOST_IP6",
    "IP6",
    "HOST_IP4",
    "IP4",
    "INTERFACE",
    "IP6_ROUTE",
    "IP4_ROUTE",
];

/// A value for an environment file: double-quoted when it has white
/// space, quotes or backslashes (as `nix/lib.nix`'s `confText` writes).
fn env_quote(v: &str) -> String {
    if v.contains([' ', '"', '\\']) {
        format!("\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\""))
    } else {
        v.to_owned()
    }
}

/// `install [--prefix DIR]`: the template unit, with this binary's path,
/// systemd-nspawn's and the state directory filled in.
pub fn install(state: &StateDir, prefix: Option<&Path>) -> Result<()> {
    let exe = std::env::current_exe().context("where is this binary")?;
    let exe = std::fs::canonicalize(&exe).unwrap_or(exe);
    let nspawn = nix::which("systemd-nspawn")
        .context("systemd-nspawn is not on PATH (Debian: apt install systemd-container)")?;
    let text = render_template(&exe, &nspawn, state.root());
    let dir = prefix.unwrap_or(Path::new("/")).join("etc/systemd/system");
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let path = dir.join("nixunits@.service");
    nixunits_store::state::atomic_write(&path, text.as_bytes())?;
    outln!("wrote {}", path.display());
    if prefix.is_none() {
        systemd::daemon_reload()?;
        outln!("systemd reloaded");
    }
    Ok(())
}

/// The template with its placeholders filled.
pub fn render_template(exe: &Path, nspawn: &Path, state: &Path) -> String {
    TEMPLATE
        .replace("@nixunits@", &exe.display().to_string())
        .replace("@systemdNspawn@", &nspawn.display().to_string())
        .replace("@stateDir@", &state.display().to_string())
}
