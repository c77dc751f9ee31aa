//! `prepare`, the template unit's ExecStartPre: the floor of a start
//! (systemd-nspawn's arguments from the unit description, never more than
//! it asks for), what a crashed run left removed, the root made ready.

use anyhow::{Context, Result};
use nixunits_store::ContainerId;
use nixunits_store::{StateDir, UnitDescription};

use super::{net, run_dir, running, systemd};

/// `prepare <id>`, the unit's ExecStartPre: the floor first — the
/// systemd-nspawn arguments come from the unit description (`unit.json`),
/// never from the built `unit.conf`, which may only repeat them (a conf
/// that asks for anything else is refused, naming both files) — then what
/// systemd-nspawn needs of the root (the directory, `/usr` and
/// `/etc/os-release`, which it looks for to accept a directory as an OS
/// tree).
pub fn prepare(state: &StateDir, id: &ContainerId) -> Result<()> {
    let dir = state.container(id);
    let (mut args, unit) = floor_args(&dir)?;
    let env = run_dir().join(format!("{id}.env"));
    std::fs::create_dir_all(run_dir())
        .with_context(|| format!("cannot create {}", run_dir().display()))?;
    // What a previous run left if it ended without its ExecStopPost (a
    // crash of the host, systemd's): its nftables table, its proxy.
    net::network_down(id, Some(&unit))?;
    // What this start runs with, for `update` to compare.
    let started = running::started_unit_path(id);
    nixunits_store::state::atomic_write(&started, unit.canonical_json().as_bytes())
        .with_context(|| format!("cannot write {}", started.display()))?;
    // A network of its own: its own resolv.conf, never the host's stub.
    if !unit.network.links(id).is_empty() {
        args.push(net::write_resolv(id, &unit)?);
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
    systemd::wait_machine_gone(id, std::time::Duration::from_secs(10))?;
    running::record_start(&dir);
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
