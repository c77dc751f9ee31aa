//! The lifecycle commands: `start stop restart enable disable status list
//! delete install nsenter logs`, and what is passed to machinectl.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;

use anyhow::Result;
use nixunits_store::StateDir;

use crate::base::{existing, UsageError};
use crate::host::install::remove;
use crate::host::status::{statuses, Addresses};
use crate::host::{enter, systemd, template};

/// A container's addresses as `  ip6: …` lines.
pub fn print_addresses(a: &Addresses) -> std::io::Result<()> {
    for (name, v) in [
        ("ip6", &a.ip6),
        ("hostIp6", &a.host_ip6),
        ("ip4", &a.ip4),
        ("hostIp4", &a.host_ip4),
        ("interface", &a.interface),
    ] {
        if let Some(v) = v {
            outln!("  {name}: {v}");
        }
    }
    for (k, i) in a.interfaces.iter().enumerate() {
        outln!("  interfaces[{k}]: {i}");
    }
    Ok(())
}

/// `status <id>`
pub fn status(state: &StateDir, id: &str, json: bool) -> Result<()> {
    let id = existing(state, id)?;
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
    print_addresses(&s.addresses)?;
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

/// `list`; what killed first builds left goes first.
pub fn list(state: &StateDir, json: bool) -> Result<()> {
    state.remove_unfinished();
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
    let id = existing(state, id)?;
    let dir = state.container(&id);
    if dir.declared() {
        return Err(UsageError(format!(
            "container {id} is declared by the NixOS module (nixunits.{id}): remove it from the configuration instead"
        ))
        .into());
    }
    if state.run_is_live(&id) {
        return Err(UsageError(format!(
            "container {id} belongs to a live nixunits run, which removes it when its command ends"
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

/// `install [--prefix DIR]`: the template unit; with no prefix, systemd
/// reloaded.
pub fn install(state: &StateDir, prefix: Option<&Path>) -> Result<()> {
    let path = template::write(state, prefix)?;
    outln!("wrote {}", path.display());
    if prefix.is_none() {
        systemd::daemon_reload()?;
        outln!("systemd reloaded");
    }
    Ok(())
}

/// `start|stop|restart <id>` of an existing container.
pub fn control(verb: &str, state: &StateDir, id: &str) -> Result<()> {
    let id = existing(state, id)?;
    systemd::control(verb, &id)
}

/// `enable|disable <id>`
pub fn enable(state: &StateDir, id: &str, on: bool) -> Result<()> {
    let id = existing(state, id)?;
    systemd::enable(&id, on)
}

/// `nsenter|shell <id> [-n] [-- CMD…]`: the command's exit code.
pub fn nsenter(state: &StateDir, id: &str, net: bool, command: &[String]) -> Result<i32> {
    let id = existing(state, id)?;
    if net {
        enter::run_in_network(&id, command)
    } else {
        enter::run(state, &id, command)
    }
}

/// `logs <id> [-f] [-n N]`: journalctl's exit code.
pub fn logs(state: &StateDir, id: &str, follow: bool, lines: Option<u32>) -> Result<i32> {
    let id = existing(state, id)?;
    systemd::logs(state, &id, follow, lines)
}

/// Anything else: machinectl's exit code.
pub fn external(args: &[std::ffi::OsString]) -> Result<i32> {
    systemd::machinectl_passthrough(args)
}
