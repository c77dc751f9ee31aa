//! Containers that live for one command (`nixunits run`): everything one
//! made — its unit, state and GC roots, nftables table, veths, drop-ins,
//! the files of its start in `/run/nixunits` — removed at the end of the
//! run, or, for a run that was killed, by the next nixunits command that
//! touches the state directory ([`sweep`]). A live run holds
//! `$STATE/runs/<id>.lock` (`nixunits_store::StateDir::try_run_lock`) for
//! its whole life, so nothing removes a container whose run still lives.

use anyhow::{Context, Result};
use nixunits_store::{ContainerId, StateDir, UnitDescription};

use super::{net, systemd, RUN_DIR};

/// What run containers' ids start with.
pub const PREFIX: &str = "run-";

/// Removes every trace of run container `id`; each piece may already be
/// gone (a run killed half-way, a removal killed half-way). The caller
/// holds the run's lock. Order: the unit stopped first (its stop hook
/// removes the table and the proxy), then what a stop could leave, then
/// the files, the directory last but the locks.
pub fn remove(state: &StateDir, id: &ContainerId) -> Result<()> {
    let dir = state.container(id);
    // Waits for a nix-build a killed run left (it holds this lock until
    // it has died with its parent).
    let lock = state.lock(id).context("cannot take the container's lock")?;
    // Stopped whatever it is doing (a killed run may have left it
    // starting); a unit systemd knows nothing of is no error.
    if systemd::is_active(id)
        || matches!(
            systemd::active_state(id).as_str(),
            "activating" | "deactivating" | "reloading" | "refreshing"
        )
    {
        systemd::control("stop", id)?;
    }
    systemd::reset_failed(id);
    let unit: Option<UnitDescription> = std::fs::read_to_string(dir.unit_json())
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok());
    // Its nftables table and port proxy exist only with ports or a
    // firewall, host-side links only with a veth.
    if let Some(u) = &unit {
        if !u.ports.is_empty() || u.firewall.is_some() {
            net::network_down(id, Some(u))?;
        }
        net::remove_host_links(id, u)?;
    }
    systemd::apply_resources(id, &[])?;
    if let Ok(entries) = std::fs::read_dir(RUN_DIR) {
        let prefix = format!("{id}.");
        for e in entries.flatten() {
            if e.file_name().to_string_lossy().starts_with(&prefix) {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
    // The result links are the GC roots: removing the directory releases them.
    match std::fs::remove_dir_all(&dir.dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(e).with_context(|| format!("cannot remove {}", dir.dir.display()));
        }
        _ => {}
    }
    drop(lock);
    let _ = std::fs::remove_file(state.lock_path(id));
    Ok(())
}

/// Removes what killed runs left: each run lock nobody holds is a run
/// that died without cleaning up. Returns a line per container looked at
/// (removed, or why not); a lock that cannot be taken (a live run, a
/// state directory this user cannot write) is left alone. Costs one
/// `readdir` when there is nothing to do.
pub fn sweep(state: &StateDir) -> Vec<String> {
    let mut said = Vec::new();
    for id in state.run_ids() {
        let Ok(Some(lock)) = state.try_run_lock(&id) else {
            continue;
        };
        match remove(state, &id) {
            Ok(()) => {
                let _ = lock.release();
                said.push(format!(
                    "removed {id}, left by a nixunits run that was killed"
                ));
            }
            Err(e) => said.push(format!(
                "cannot remove {id}, left by a nixunits run that was killed: {e:#}"
            )),
        }
    }
    said
}
