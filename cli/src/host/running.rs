//! What a container runs, as its starts recorded it (`running`, the unit
//! description of the start), whether that is the live generation, and
//! switching a running container to the live generation in place
//! (`update`).

use std::path::Path;

use anyhow::{Context, Result};
use nixunits_store::state::env_value;
use nixunits_store::{ContainerDir, ContainerId, StateDir, UnitDescription};

use super::run_dir;
use super::systemd::{self, Action};

/// Whether the unit, if it runs, runs another system than the live
/// generation's: `prepare` records the `SYSTEM_PATH` each start used.
/// No record: not known to be older.
pub fn runs_older(dir: &ContainerDir) -> bool {
    let Ok(ran) = std::fs::read_to_string(running_path(dir.id())) else {
        return false;
    };
    let Ok(conf) = std::fs::read_to_string(dir.unit_conf()) else {
        return false;
    };
    if env_value(&conf, "SYSTEM_PATH").is_some_and(|live| live != ran.trim()) {
        return true;
    }
    // The same system (shared by containers of one snippet) under another
    // unit description: what systemd-nspawn and the host set up at start
    // differs.
    let started = std::fs::read_to_string(started_unit_path(dir.id())).ok();
    let live = std::fs::read_to_string(dir.unit_json())
        .ok()
        .and_then(|t| serde_json::from_str::<UnitDescription>(&t).ok())
        .and_then(|u| u.normalize().ok())
        .map(|u| u.canonical_json());
    matches!((started, live), (Some(s), Some(l)) if s.trim() != l)
}

/// `prepare`'s record of what this start runs (its environment has the
/// unit.conf systemd read for this start), in `/run`: what runs is the
/// running host's, gone with a reboot, and a full state directory cannot
/// take it away (found by the soak: the record was skipped on a full disk
/// and `build -r` no longer knew what ran). Best effort still: the
/// container starts without it.
pub fn record_start(dir: &ContainerDir) {
    let Ok(path) = std::env::var("SYSTEM_PATH") else {
        return;
    };
    record_running(dir, &path);
}

/// Records the system the container runs now.
fn record_running(dir: &ContainerDir, path: &str) {
    let record = running_path(dir.id());
    let written = std::fs::create_dir_all(run_dir()).and_then(|()| {
        nixunits_store::state::atomic_write(&record, format!("{path}\n").as_bytes())
    });
    if let Err(e) = written {
        #[allow(clippy::print_stderr)]
        {
            eprintln!(
                "warning: cannot record the started system in {}: {e}",
                record.display()
            );
        }
    }
    // The record's place before it moved to /run.
    let _ = std::fs::remove_file(dir.dir.join("running"));
}

/// The system the container runs, as its start recorded it, while its
/// unit is active.
pub fn running_system(dir: &ContainerDir) -> Option<String> {
    if !systemd::is_active(dir.id()) {
        return None;
    }
    let ran = std::fs::read_to_string(running_path(dir.id())).ok()?;
    Some(ran.trim().to_owned()).filter(|r| !r.is_empty())
}

/// Where `prepare` records the system a start runs (its `SYSTEM_PATH`).
pub fn running_path(id: &ContainerId) -> std::path::PathBuf {
    run_dir().join(format!("{id}.running"))
}

/// Where `prepare` keeps the unit description a start used.
pub fn started_unit_path(id: &ContainerId) -> std::path::PathBuf {
    run_dir().join(format!("{id}.started.json"))
}

/// `update`: a running container that runs an older
/// generation (`stale`) switches to the live one in place — the live
/// system's `bin/switch-to-configuration test`, run inside with the
/// container's own confinement (`nixunits nsenter`) — when its unit
/// description is the one it started with (network, binds, capabilities
/// and the rest are systemd-nspawn's and the host's, fixed at start);
/// else, or when the switch fails, it restarts. Not running: nothing
/// (the next start runs the live generation).
#[allow(clippy::print_stderr)]
pub fn switch_to_live(
    state: &StateDir,
    dir: &ContainerDir,
    unit: &UnitDescription,
    stale: bool,
) -> Result<Action> {
    let id = dir.id();
    if !systemd::is_active(id) || !stale {
        return Ok(Action::None);
    }
    let started = std::fs::read_to_string(started_unit_path(id)).unwrap_or_default();
    let conf = std::fs::read_to_string(dir.unit_conf()).unwrap_or_default();
    let system = nixunits_store::state::env_value(&conf, "SYSTEM_PATH");
    let switch = system
        .as_deref()
        .map(|s| Path::new(s).join("bin/switch-to-configuration"));
    let why_not = if started.trim() != unit.canonical_json() {
        Some("its unit description changed".to_owned())
    } else if !switch.as_deref().is_some_and(Path::is_file) {
        Some("the new system has no bin/switch-to-configuration".to_owned())
    } else {
        None
    };
    if let (None, Some(switch), Some(system)) = (&why_not, &switch, &system) {
        let exe = crate::base::proc::this_exe()?;
        let status = std::process::Command::new(exe)
            .arg("--state-dir")
            .arg(state.root())
            .args(["nsenter", id.as_str(), "--"])
            .arg(switch)
            .arg("test")
            .stdin(std::process::Stdio::null())
            .status()
            .context("cannot run nixunits nsenter")?;
        if status.success() {
            record_running(dir, system);
            return Ok(Action::Switched);
        }
        eprintln!(
            "nixunits: {id}: switch-to-configuration test failed ({status}): restarting instead"
        );
    } else if let Some(w) = why_not {
        eprintln!("nixunits: {id}: {w}: restarting");
    }
    systemd::control("restart", id)?;
    Ok(Action::Restarted)
}
