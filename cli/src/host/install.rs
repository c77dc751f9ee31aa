//! Installing on this host: a generation made live from a system already
//! in the store (`install-system`, `fleet-install`), the text of its
//! `unit.conf`, the migration of state directories made before
//! generations, the check that no other container uses an address, and
//! removing a container.

use std::path::Path;

use anyhow::{Context, Result};
use nixunits_store::generation::out_path_holds;
use nixunits_store::state::atomic_write;
use nixunits_store::{ContainerDir, ContainerId, StateDir, UnitDescription};

use super::{running, systemd};
use crate::base::{nix, usage};

/// The file in a container's directory naming the fleet that manages it
/// (`apply`): the containers a fleet may remove are those it installed.
pub const FLEET_TAG: &str = "fleet";

/// Refuses an address another container already uses.
pub fn check_address_conflicts(
    state: &StateDir,
    id: &ContainerId,
    unit: &UnitDescription,
) -> Result<()> {
    let ours = unit.addresses();
    if ours.is_empty() {
        return Ok(());
    }
    for other in state.container_ids().into_iter().filter(|o| o != id) {
        let Ok(text) = std::fs::read_to_string(state.container(&other).unit_json()) else {
            continue;
        };
        let Ok(theirs) = serde_json::from_str::<UnitDescription>(&text) else {
            continue;
        };
        if let Some(a) = theirs.addresses().into_iter().find(|a| ours.contains(a)) {
            return Err(usage(format!(
                "address {a} is already used by container {other}"
            )));
        }
    }
    Ok(())
}

/// The text of a generation's `unit.conf`: written from the unit
/// description for a system (the same text as `nix/lib.nix`'s `confText`),
/// or the container's own conf in a store path of the layout before
/// systems were shared.
pub fn conf_for(out: &str, id: &ContainerId, unit: Option<&UnitDescription>) -> Result<Vec<u8>> {
    let legacy = Path::new(out)
        .join("etc/nixunits")
        .join(format!("{id}.conf"));
    if legacy.is_file() {
        return std::fs::read(&legacy).with_context(|| format!("cannot read {}", legacy.display()));
    }
    let unit = unit.context("a system without its container's unit description")?;
    Ok(unit.conf_text(id, out).into_bytes())
}

/// Moves what the layout before generations installed (a top-level
/// `result`, `config.nix`, `unit.json`, `key`) into generation 1 and
/// makes it live. The out path is rooted again from its new place before
/// the old link goes, so the store never sees it unrooted. Under the
/// container's lock.
pub fn migrate(dir: &ContainerDir) -> Result<()> {
    if dir.has_legacy_leftovers() {
        // Killed between the switch and the removal: finish the removal.
        return dir
            .remove_legacy()
            .with_context(|| format!("cannot remove the old files of {}", dir.dir.display()));
    }
    let Some(old) = dir.legacy() else {
        return Ok(());
    };
    let staged = dir.stage()?;
    nix::add_root(&old.out_path, &staged.generation().result())?;
    let unit: Option<UnitDescription> = serde_json::from_slice(&old.unit_json).ok();
    let conf = conf_for(&old.out_path, dir.id(), unit.as_ref())?;
    staged.fill(&old.out_path, &conf, &old.config, &old.unit_json, old.key)?;
    let g = staged.commit()?;
    dir.switch(&g)?;
    dir.remove_legacy()
        .with_context(|| format!("cannot remove the old files of {}", dir.dir.display()))?;
    Ok(())
}

/// `install-system ID --system PATH --unit-json JSON [-s] [-r]`: a system
/// built elsewhere (`build --target-host`), already in this store, becomes
/// the container's new generation: no evaluation here. The unit
/// description is checked as `build` checks it.
pub fn install_system(
    state: &StateDir,
    id: &str,
    system: &str,
    unit_json: &str,
    start: bool,
    restart: bool,
    fleet: Option<&str>,
) -> Result<String> {
    let id = crate::base::parse_id(id)?;
    let unit: UnitDescription =
        serde_json::from_str(unit_json).map_err(|e| usage(format!("--unit-json: {e}")))?;
    let unit = unit.normalize().map_err(|e| usage(e.to_string()))?;
    if !out_path_holds(system, &id) {
        return Err(usage(format!(
            "{system} is not a NixOS system in this store (copy it first: nix copy --to ssh://…)"
        )));
    }
    check_address_conflicts(state, &id, &unit)?;
    let dir = state.container(&id);
    std::fs::create_dir_all(&dir.dir)
        .with_context(|| format!("cannot create {}", dir.dir.display()))?;
    let _lock = state
        .lock(&id)
        .context("cannot take the container's lock")?;
    migrate(&dir)?;
    let previous = dir.installed_out_path();
    let previous_json = std::fs::read_to_string(dir.unit_json()).ok();
    let staged = dir.stage().context("cannot start a new generation")?;
    nix::add_root(system, &staged.generation().result())?;
    let conf = unit.conf_text(&id, system);
    staged
        .fill(
            system,
            conf.as_bytes(),
            b"# installed with build --target-host: the snippet stays on the building host\n",
            unit.canonical_json().as_bytes(),
            None,
        )
        .context("cannot write the new generation")?;
    let g = staged
        .commit()
        .context("cannot complete the new generation")?;
    if let Some(f) = fleet {
        // Before the switch: a container `apply` installed is always
        // one it will know as its own.
        atomic_write(&dir.dir.join(FLEET_TAG), format!("{f}\n").as_bytes())?;
        // Started by the fleet means at boot too, before the switch: a
        // host that reboots in the middle runs it again.
        if systemd::is_enabled(&id) != start {
            systemd::enable(&id, start)?;
        }
    }
    dir.switch(&g)
        .context("cannot switch to the new generation")?;
    dir.prune(3, running::running_system(&dir).as_deref())
        .context("cannot remove old generations")?;
    systemd::apply_resources(&id, &unit.resource_lines())?;
    let changed = previous.as_deref() != Some(Path::new(system))
        || previous_json.as_deref().map(str::trim) != Some(unit.canonical_json().as_str());
    let stale = changed || running::runs_older(&dir);
    let action = if fleet.is_some() && !start {
        // A fleet's container that runs is never left on an older system,
        // whether or not the fleet starts it (found by the soak: `status`
        // named the new system while the old one ran).
        systemd::restart_if_stale(&id, stale)?
    } else {
        systemd::apply(&id, start, restart, stale)?
    };
    Ok(format!(
        "{id}: generation {} ({system}), unit {}",
        g.number,
        action.as_str()
    ))
}

/// Stops and disables a container and removes its state and GC roots (`delete -y`,
/// `apply` removing what its fleet no longer names).
pub fn remove(state: &StateDir, id: &ContainerId) -> Result<()> {
    let dir = state.container(id);
    let _lock = state.lock(id).context("cannot take the container's lock")?;
    if systemd::is_active(id) {
        systemd::control("stop", id)?;
    }
    // Not started at boot any more: a container made later under the same
    // id must not inherit the enablement.
    if systemd::is_enabled(id) {
        systemd::enable(id, false)?;
    }
    systemd::apply_resources(id, &[])?;
    // The result link is the GC root: removing the directory releases it.
    std::fs::remove_dir_all(&dir.dir)
        .with_context(|| format!("cannot remove {}", dir.dir.display()))?;
    let _ = std::fs::remove_file(state.lock_path(id));
    Ok(())
}
