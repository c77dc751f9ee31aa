//! The generations of a container from the command line: `rollback`,
//! `generations`. The generation itself (stage, fill, commit, switch, prune, verify) is
//! `nixunits_store::generation`.

use anyhow::{Context, Result};
use nixunits_store::generation::{Damage, Stamp};
use nixunits_store::{ContainerDir, ContainerId, StateDir, UnitDescription};
use serde::Serialize;

use crate::base::UsageError;
use crate::host::install::migrate;
use crate::host::systemd;

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
