//! `nixunits update`: `build`, then a running container brought to the
//! new generation — in place with its `switch-to-configuration test` when
//! only the system changed, else a restart. Without a snippet, a running
//! container is brought to the generation that is live already (one that
//! `build` without `-r` installed).

use anyhow::{Context, Result};
use nixunits_store::{StateDir, UnitDescription};
use serde::Serialize;

use super::build;
use crate::args::{BuildArgs, Global, NetArgs};
use crate::base::{existing, usage};
use crate::host::install::migrate;
use crate::host::running::{runs_older, switch_to_live};
use crate::host::systemd::{self, Action};

/// `update ID [(-cc EXPR | -cf FILE) …]`
pub fn run(args: &BuildArgs, global: &Global, color: bool) -> Result<()> {
    if args.config.is_none() && args.config_file.is_none() {
        return to_live(args, global);
    }
    build::act(build::resolve(args, global, color)?.for_update())
}

/// What `update` without a snippet did (`--json`).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Outcome {
    id: String,
    generation: u64,
    out_path: String,
    /// Whether it ran another generation than the live one.
    stale: bool,
    unit: &'static str,
}

/// `update ID`: the live generation is what the container should run; a
/// running container on an older one (as `prepare` recorded its start) is
/// switched in place, or restarted when its unit description changed.
/// Not running: nothing (its next start runs the live generation), or a
/// start with `-s`.
fn to_live(args: &BuildArgs, global: &Global) -> Result<()> {
    let needs_snippet: Vec<&str> = [
        ("-j/--unit", args.unit.is_some()),
        ("network options", args.net != NetArgs::default()),
        ("--credential", !args.credentials.is_empty()),
        ("-f/--force", args.force),
    ]
    .into_iter()
    .filter_map(|(what, given)| given.then_some(what))
    .collect();
    if !needs_snippet.is_empty() {
        return Err(usage(format!(
            "update {} without a snippet switches the container to its live generation; {} change what is built: give the snippet too (-cc or -cf)",
            args.id,
            needs_snippet.join(", ")
        )));
    }
    let state = StateDir::new(&global.state_dir);
    let id = existing(&state, &args.id)?;
    let dir = state.container(&id);
    let _lock = (!args.dry_run)
        .then(|| state.lock(&id).context("cannot take the container's lock"))
        .transpose()?;
    if !args.dry_run {
        migrate(&dir)?;
    }
    let (Some(live), Some(out_path)) = (dir.live(), dir.installed_out_path()) else {
        return Err(usage(format!(
            "container {id} has no generation to switch to: build it first"
        )));
    };
    let unit: UnitDescription = std::fs::read_to_string(dir.unit_json())
        .ok()
        .and_then(|t| serde_json::from_str::<UnitDescription>(&t).ok())
        .and_then(|u| u.normalize().ok())
        .with_context(|| {
            format!(
                "{} is not a valid unit description",
                dir.unit_json().display()
            )
        })?;
    let active = systemd::is_active(&id);
    let stale = active && runs_older(&dir);
    let action = if args.dry_run {
        Action::None
    } else if active {
        switch_to_live(&state, &dir, &unit, stale)?
    } else {
        systemd::apply(&id, args.start, false, false)?
    };
    let outcome = Outcome {
        id: id.to_string(),
        generation: live.number,
        out_path: out_path.display().to_string(),
        stale,
        unit: action.as_str(),
    };
    if args.json {
        outln!("{}", serde_json::to_string(&outcome)?);
        return Ok(());
    }
    if global.quiet {
        return Ok(());
    }
    let unit_name = systemd::unit_name(&id);
    outln!(
        "Container : {id}{}",
        if args.dry_run {
            " (dry run: nothing is changed)"
        } else {
            ""
        }
    );
    outln!(
        "  generation: {} ({})",
        outcome.generation,
        outcome.out_path
    );
    let how = match (active, stale, action) {
        (_, _, a) if a != Action::None => a.as_str().to_owned(),
        (false, _, _) => "is not running: its next start runs the live generation".to_owned(),
        (true, false, _) => "runs the live generation".to_owned(),
        (true, true, _) => "runs an older generation: `nixunits update` switches it".to_owned(),
    };
    outln!("  unit: {unit_name} {how}");
    Ok(())
}
