//! The generations of a container from the command line: `rollback`,
//! `generations`, the migration of state directories made before
//! generations, and whether a running unit runs the live generation.
//! The generation itself (stage, fill, commit, switch, prune, verify) is
//! `nixunits_store::generation`.

use std::path::Path;

use anyhow::{Context, Result};
use nixunits_store::generation::{Damage, Stamp};
use nixunits_store::state::env_value;
use nixunits_store::{ContainerDir, ContainerId, StateDir, UnitDescription};
use serde::Serialize;

use crate::base::nix;
use crate::base::UsageError;
use crate::host::systemd;

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
    let conf = crate::commands::build::conf_for(&old.out_path, dir.id(), unit.as_ref())?;
    staged.fill(&old.out_path, &conf, &old.config, &old.unit_json, old.key)?;
    let g = staged.commit()?;
    dir.switch(&g)?;
    dir.remove_legacy()
        .with_context(|| format!("cannot remove the old files of {}", dir.dir.display()))?;
    Ok(())
}

/// Whether the unit, if it runs, runs another system than the live
/// generation's: `prepare` records the `SYSTEM_PATH` each start used.
/// No record: not known to be older.
pub fn runs_older(dir: &ContainerDir) -> bool {
    let Ok(ran) = std::fs::read_to_string(dir.running()) else {
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
/// unit.conf systemd read for this start). Best effort: on a full disk the
/// container still starts, and `build -r` then only misses that it runs
/// an older generation.
pub fn record_start(dir: &ContainerDir) {
    let Ok(path) = std::env::var("SYSTEM_PATH") else {
        return;
    };
    record_running(dir, &path);
}

/// Records the system the container runs now.
fn record_running(dir: &ContainerDir, path: &str) {
    if let Err(e) =
        nixunits_store::state::atomic_write(&dir.running(), format!("{path}\n").as_bytes())
    {
        #[allow(clippy::print_stderr)]
        {
            eprintln!(
                "warning: cannot record the started system in {}: {e}",
                dir.running().display()
            );
        }
    }
}

/// One row of `generations`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Row {
    generation: u64,
    live: bool,
    /// Whole and matching its stamp, its out path in the store.
    ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    problem: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    out_path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    created: Option<u64>,
}

fn rows(dir: &ContainerDir) -> Vec<Row> {
    let live = dir.live().map(|g| g.number);
    dir.generations()
        .iter()
        .map(|g| {
            // The stamp read once, then the files checked against it.
            let stamp: Option<Stamp> = g.stamp();
            let checked = match &stamp {
                Some(st) => g.check(st),
                None => Err(Damage::NoStamp(g.number)),
            };
            Row {
                generation: g.number,
                live: Some(g.number) == live,
                ok: checked.is_ok(),
                problem: checked.err().map(|e| e.to_string()),
                key: stamp.as_ref().map(|s| {
                    s.key
                        .map_or_else(|| "uncacheable".to_owned(), |k| k.to_string())
                }),
                out_path: stamp.as_ref().map(|s| s.out_path.clone()),
                created: stamp.as_ref().map(|s| s.created),
            }
        })
        .collect()
}

/// `generations <id> [--json]`
pub fn list(state: &StateDir, id: &str, json: bool) -> Result<()> {
    let id = crate::base::existing(state, id)?;
    let dir = state.container(&id);
    let rows = rows(&dir);
    if json {
        outln!("{}", serde_json::to_string(&rows)?);
        return Ok(());
    }
    if rows.is_empty() {
        outln!("{id} has no generations (declared by the NixOS module, or made before generations and not built since)");
        return Ok(());
    }
    outln!(
        "{:<4} {:<4} {:<20} {:<16} OUT PATH",
        "GEN",
        "LIVE",
        "CREATED",
        "KEY"
    );
    for r in rows {
        let key = r.key.as_deref().map_or("-", |k| &k[..k.len().min(16)]);
        let when = r.created.map_or_else(|| "-".to_owned(), utc);
        let out = match (&r.out_path, &r.problem) {
            (_, Some(p)) => format!("damaged: {p}"),
            (Some(o), None) => o.clone(),
            (None, None) => "-".to_owned(),
        };
        outln!(
            "{:<4} {:<4} {:<20} {:<16} {out}",
            r.generation,
            if r.live { "*" } else { "" },
            when,
            key
        );
    }
    Ok(())
}

/// RFC 3339 (UTC) of seconds since the epoch.
fn utc(secs: u64) -> String {
    humantime::format_rfc3339_seconds(std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs))
        .to_string()
}

/// `rollback <id> [--to N]`: makes generation N (default: the newest one
/// before the live one) live, with its resource limits, and restarts the
/// unit when it runs.
pub fn rollback(state: &StateDir, id: &str, to: Option<u64>) -> Result<()> {
    let id: ContainerId = crate::base::existing(state, id)?;
    let dir = state.container(&id);
    if dir.declared() {
        return Err(UsageError(format!(
            "container {id} is declared by the NixOS module: roll back the host's configuration instead"
        ))
        .into());
    }
    let _lock = state
        .lock(&id)
        .context("cannot take the container's lock")?;
    migrate(&dir)?;
    let live = dir.live().ok_or_else(|| {
        UsageError(format!(
            "container {id} has no generation to roll back from"
        ))
    })?;
    let target = match to {
        Some(n) => dir
            .generations()
            .into_iter()
            .find(|g| g.number == n)
            .ok_or_else(|| {
                UsageError(format!(
                    "container {id} has no generation {n} (`nixunits generations {id}` lists them)"
                ))
            })?,
        None => dir
            .generations()
            .into_iter()
            .rev()
            .find(|g| g.number < live.number)
            .ok_or_else(|| {
                UsageError(format!(
                    "generation {} is the oldest of {id}: nothing to roll back to",
                    live.number
                ))
            })?,
    };
    target.verify().map_err(|e| {
        UsageError(format!(
            "cannot roll {id} back to generation {}: {e}",
            target.number
        ))
    })?;
    if target.number == live.number {
        outln!("{id}: generation {} is already live", live.number);
        return Ok(());
    }
    let unit: UnitDescription = std::fs::read_to_string(target.unit_json())
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default();
    dir.switch(&target).context("cannot switch generations")?;
    systemd::apply_resources(&id, &unit.resource_lines())?;
    outln!(
        "{id}: generation {} is live (was {})",
        target.number,
        live.number
    );
    if systemd::is_active(&id) {
        systemd::control("restart", &id)?;
        outln!("  unit: {} restarted", systemd::unit_name(&id));
    }
    Ok(())
}

/// Where `prepare` keeps the unit description a start used.
pub fn started_unit_path(id: &ContainerId) -> std::path::PathBuf {
    std::path::Path::new(crate::host::runtime::RUN_DIR).join(format!("{id}.started.json"))
}

/// `update` after its build: a running container that runs an older
/// generation (`stale`) switches to the live one in place — the live
/// system's `bin/switch-to-configuration test`, run inside with the
/// container's own confinement (`nixunits nsenter`) — when its unit
/// description is the one it started with (network, binds, capabilities
/// and the rest are systemd-nspawn's and the host's, fixed at start);
/// else, or when the switch fails, it restarts. Not running: nothing
/// (the next start runs the live generation).
#[allow(clippy::print_stderr)]
pub fn update(
    state: &StateDir,
    dir: &ContainerDir,
    unit: &UnitDescription,
    stale: bool,
) -> Result<crate::host::systemd::Action> {
    use crate::host::systemd::Action;
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
        let exe = std::env::current_exe().context("where is this binary")?;
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
