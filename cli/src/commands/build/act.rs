//! Carrying out a build's plan under the container's lock: lookup, then
//! `nix-build` (or `--build-host`) on a miss, a new generation installed
//! and switched to, the unit (re)started or switched in place; and what
//! `apply` needs of a plan for a system with no container here (where it
//! already is, what evaluates it, its record once built).

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use nixunits_store::state::atomic_write;
use nixunits_store::{ContainerDir, StateDir};

use super::lookup::{known_system, lookup, record, Source};
use super::plan::{warn, Plan, Shared};
use super::show::{print_dry_run, print_outcome, Outcome, Progress};
use crate::base::nix::systems::SystemArgs;
use crate::base::{nix, usage};
use crate::host::systemd;

/// Carries out the plan, under the container's lock. A first build that
/// fails before its generation is live leaves no container behind (a
/// start that fails after it does not undo the install).
pub fn act(plan: Plan) -> Result<()> {
    let dir = plan.state.container(&plan.id);
    if plan.args.dry_run {
        let mut warnings = Vec::new();
        let (source, out) = lookup(&plan, &dir, &mut warnings)?;
        return print_dry_run(&plan, &dir, source, out.as_deref());
    }
    // What killed first builds left (this id's is removed by its stage).
    plan.state.remove_unfinished();
    std::fs::create_dir_all(&dir.dir)
        .with_context(|| format!("cannot create {}", dir.dir.display()))?;
    let lock = plan
        .state
        .lock(&plan.id)
        .context("cannot take the container's lock")?;
    let result = act_locked(&plan, &dir, &lock);
    if result.is_err() && is_empty_container(&dir) {
        forget_first_build(&plan.state, &dir);
    }
    drop(lock);
    result
}

/// lookup → build (or take from the store) → install a generation →
/// (re)start.
pub(super) fn act_locked(
    plan: &Plan,
    dir: &ContainerDir,
    lock: &nixunits_store::state::Lock,
) -> Result<()> {
    let mut warnings = Vec::new();
    crate::host::install::migrate(dir)?;
    let (source, known_out) = lookup(plan, dir, &mut warnings)?;
    for w in &warnings {
        warn(plan.args, w);
    }
    let previous = dir.installed_out_path();
    let previous_key = dir.installed_key();
    let (generation, out_path, build_ms) = match (source, known_out) {
        (Source::Installed, Some(out)) => {
            let live = dir
                .live()
                .context("an installed hit without a live generation")?;
            (live.number, out, None)
        }
        (source, known_out) => {
            let staged = dir.stage().context("cannot start a new generation")?;
            let result = staged.generation().result();
            let (out, build_ms) = match known_out {
                Some(out) if !source.builds() => {
                    nix::add_root(&out, &result)?;
                    (out, None)
                }
                _ => {
                    let started = Instant::now();
                    let out = run_nix_build(plan, dir, result, lock)?;
                    (out, Some(started.elapsed().as_millis() as u64))
                }
            };
            let key = plan.cacheable().then_some(plan.key);
            let conf = crate::host::install::conf_for(&out, &plan.id, Some(&plan.unit))?;
            staged
                .fill(
                    &out,
                    &conf,
                    plan.text.as_bytes(),
                    plan.unit_json.as_bytes(),
                    key,
                )
                .context("cannot write the new generation")?;
            if (source.builds() || source == Source::Substituted) && plan.cacheable() {
                record(plan, &out, build_ms.unwrap_or(0))?;
            }
            // Built here: shared, signed, for the other hosts.
            if let (
                true,
                true,
                Some(Shared {
                    url,
                    secret_key: Some(k),
                }),
            ) = (source.builds(), plan.cacheable(), plan.shared.as_ref())
            {
                if let Err(e) = crate::remote::index::push(url, k, &plan.system_key, &out) {
                    warn(
                        plan.args,
                        &format!("cannot push to the shared cache {url}: {e:#}"),
                    );
                }
            }
            let g = staged
                .commit()
                .context("cannot complete the new generation")?;
            dir.switch(&g)
                .context("cannot switch to the new generation")?;
            dir.prune(
                plan.args.keep,
                crate::host::running::running_system(dir).as_deref(),
            )
            .context("cannot remove old generations")?;
            systemd::apply_resources(&plan.id, &plan.unit.resource_lines())?;
            (g.number, out, build_ms)
        }
    };
    // Another system, or the same system for another unit description (a
    // system serves every container of its snippet).
    let changed = previous.as_deref() != Some(Path::new(&out_path))
        || (plan.cacheable() && previous_key != Some(plan.key));
    let stale = changed || crate::host::running::runs_older(dir);
    let action = if plan.args.update {
        crate::host::running::switch_to_live(&plan.state, dir, &plan.unit, stale)?
    } else {
        systemd::apply(&plan.id, plan.args.start, plan.args.restart, stale)?
    };
    let outcome = Outcome {
        id: plan.id.to_string(),
        addresses: crate::host::status::Addresses::of(&plan.unit.network),
        key: plan.key.to_string(),
        source,
        uncacheable: plan.config.uncacheable.clone(),
        out_path,
        generation,
        build_ms,
        changed,
        unit: action.as_str(),
        warnings,
    };
    print_outcome(
        plan.args,
        &outcome,
        &plan.id,
        action,
        stale && !plan.args.restart && !plan.args.update,
    )
}

/// `apply`: where the system of a plan already is, with no container
/// here — the history, the shared index (not in a dry run) — rooted at
/// `root` (left as it is when it already names the system, so that an
/// unchanged fleet runs no Nix process). `(Source::Miss, None)`: it must be
/// built ([`system_args`], then [`system_built`]). A dry run looks and
/// changes nothing. A snippet that cannot be cached is exit 2: a fleet
/// shares one build per snippet.
pub fn known_fleet_system(plan: &Plan, root: &Path) -> Result<(Source, Option<String>)> {
    if !plan.cacheable() {
        return Err(usage(format!(
            "{}: the snippet cannot be cached ({}), and a fleet shares one build per snippet",
            plan.id,
            plan.config.uncacheable.join(", ")
        )));
    }
    let mut warnings = Vec::new();
    let known = known_system(plan, &mut warnings);
    for w in &warnings {
        warn(plan.args, w);
    }
    let (source, known) = known?;
    if plan.args.dry_run {
        return Ok((source, known));
    }
    let Some(out) = known else {
        return Ok((source, None));
    };
    if let Some(d) = root.parent() {
        std::fs::create_dir_all(d).with_context(|| format!("cannot create {}", d.display()))?;
    }
    if std::fs::read_link(root).ok().as_deref() != Some(Path::new(&out)) {
        nix::add_root(&out, root)?;
    }
    if source == Source::Substituted {
        record(plan, &out, 0)?;
    }
    Ok((source, Some(out)))
}

/// `apply`: what evaluates the system of a plan (`nix/systems.nix`'s
/// arguments). A fleet's snippets are files.
pub fn system_args(plan: &Plan) -> Result<SystemArgs> {
    let Some(config_file) = plan.file.clone() else {
        return Err(usage("a fleet's snippets are files"));
    };
    // A lock's pin is fetched when the store does not have it.
    plan.nixpkgs
        .tree()
        .map_err(|e| usage(format!("nixpkgs {e}")))?;
    Ok(SystemArgs {
        id: plan.id.to_string(),
        config_file,
        unit_json: plan.unit_json.clone(),
        flakes: plan.flakes,
    })
}

/// `apply`: a system built for a plan (realised and rooted): recorded in
/// the history, and pushed to the shared index when there is one (a push
/// that fails is a warning).
pub fn system_built(plan: &Plan, out: &str, build_ms: u64) -> Result<()> {
    record(plan, out, build_ms)?;
    if let Some(Shared {
        url,
        secret_key: Some(k),
    }) = plan.shared.as_ref()
    {
        if let Err(e) = crate::remote::index::push(url, k, &plan.system_key, out) {
            warn(
                plan.args,
                &format!("cannot push to the shared cache {url}: {e:#}"),
            );
        }
    }
    Ok(())
}

/// A container directory with nothing installed (what a failed first
/// build leaves).
pub(super) fn is_empty_container(dir: &ContainerDir) -> bool {
    dir.live().is_none() && dir.legacy().is_none() && !dir.declared()
}

/// Removes what a failed first build made, keeping its log in
/// `$STATE/logs/<id>.build.log`: `status` then says "no container".
pub(super) fn forget_first_build(state: &StateDir, dir: &ContainerDir) {
    dir.forget(&state.root().join("logs"));
}

/// Runs `nix-build` with its out-link in the generation being made.
pub(super) fn run_nix_build(
    plan: &Plan,
    dir: &ContainerDir,
    out_link: PathBuf,
    lock: &nixunits_store::state::Lock,
) -> Result<String> {
    // A lock's pin may not be in the store yet: fetched now, for the build.
    plan.nixpkgs
        .tree()
        .map_err(|e| usage(format!("nixpkgs {e}")))?;
    let req = plan.build_request(dir, out_link);
    if plan.file.is_none() {
        atomic_write(&req.config_file, plan.text.as_bytes())?;
    }
    let progress = Progress::new(plan.args, plan.id.as_str());
    let mut on_line = |line: &str| progress.line(line);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let fd = std::os::fd::AsRawFd::as_raw_fd(lock);
    let result = match &plan.build_host {
        Some(host) => crate::remote::ssh::build_on(host, &req, &dir.build_log()),
        None => rt.block_on(nix::build(&req, &dir.build_log(), Some(fd), &mut on_line)),
    };
    progress.finish();
    if plan.file.is_none() {
        let _ = std::fs::remove_file(&req.config_file);
    }
    let log = if dir.live().is_some() {
        dir.build_log()
    } else {
        plan.state
            .root()
            .join("logs")
            .join(format!("{}.build.log", plan.id))
    };
    result.with_context(|| {
        format!(
            "building {} failed; the log is in {}",
            plan.id,
            log.display()
        )
    })
}
