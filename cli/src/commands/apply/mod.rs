//! `nixunits apply FLEET.toml`: hosts × containers declared in one file,
//! converged with the parts nixunits already has — the system key (one
//! build per system, the history), `nix copy` over SSH, and the nixunits
//! installed on each host (`fleet-state`, `fleet-install`, hidden
//! commands). No agent, no scheduler of our own.
//!
//! Three phases: resolve and realise the systems here (every input checked
//! first: bad input is exit 2 before anything runs; the systems to build
//! evaluated at once by worker processes and realised by one Nix
//! invocation, `systems.rs`); read every host's
//! containers and compute its plan, printed whole; act on each host
//! (copy, then one `fleet-install` with all its actions). Hosts are worked
//! on `jobs` at a time; a host that fails does not stop the others.
//!
//! In the `commands` room (`commands/mod.rs` says what it may import);
//! the hosts' side of the conversation is `remote/fleet.rs`.

mod file;
mod plan;
mod show;
mod systems;

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Context, Result};
use nixunits_store::StateDir;

use crate::args::{ApplyArgs, Global};
use crate::base::{usage, UsageError};
use crate::remote::fleet::{act_on, parallel, read_state, Actions, Target};
use file::load;
use plan::{diff, Desired, HostPlan};
use show::{print_plan, print_summary, HostReport, Outcome, Progress};

/// What FLEET.toml declares, as `apply` reads and checks it before
/// anything else (nothing resolved, built or contacted).
#[derive(Debug)]
pub struct Declared {
    /// The fleet's name.
    pub name: String,
    /// Its hosts' names.
    pub hosts: Vec<String>,
    /// Each container's id and the hosts it is declared for.
    pub containers: Vec<(String, Vec<String>)>,
}

/// Reads FLEET.toml as `apply` does first; a problem is a usage error
/// (exit 2) naming its key. For the tests that fuzz the fleet file.
pub fn declared(path: &std::path::Path) -> Result<Declared> {
    let fleet = load(path, true)?;
    Ok(Declared {
        name: fleet.name,
        hosts: fleet.hosts.into_iter().map(|(h, _)| h).collect(),
        containers: fleet
            .containers
            .into_iter()
            .map(|w| (w.args.id, w.hosts))
            .collect(),
    })
}

/// `apply FLEET.toml`. `Ok(false)` when a host did not converge.
pub fn run(args: &ApplyArgs, global: &Global, color: bool) -> Result<bool> {
    let fleet = load(&args.file, args.dry_run)?;
    let build_args = systems::build_args(args)?;
    let jobs = args.jobs.map_or(fleet.jobs, |j| j as usize);
    let state = StateDir::new(&global.state_dir);

    // Every container resolved (checked, keyed) before anything runs.
    let mut plans = Vec::new();
    for w in &fleet.containers {
        let plan = crate::commands::build::resolve_with(&w.args, global, color, false).map_err(
            |e| match e.downcast_ref::<UsageError>() {
                Some(u) => usage(format!("containers.{} ({}): {u}", w.group, w.args.id)),
                None => e,
            },
        )?;
        plans.push(plan);
    }

    // One system per system key, realised here.
    let mut by_key: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, p) in plans.iter().enumerate() {
        by_key
            .entry(p.system_key().to_string())
            .or_default()
            .push(i);
    }
    let fleet_dir = state.root().join("fleets").join(&fleet.name);
    if !args.dry_run {
        let logs = fleet_dir.join("logs");
        std::fs::create_dir_all(&logs)
            .with_context(|| format!("cannot create {}", logs.display()))?;
    }
    let (systems, out_of) =
        systems::realise(args, global, &plans, &by_key, &fleet_dir, &build_args)?;

    // Every host read, its plan computed; the whole plan printed.
    let progress = Progress::new(&fleet.hosts, global.quiet || args.json);
    let currents = parallel(jobs, &fleet.hosts, |(h, t)| {
        progress.say(h, "reading its containers");
        match t {
            // This host: what `fleet-state` would say, without running
            // this program again.
            Target::Local => {
                crate::commands::fleet_host::current(&state).map_err(|e| format!("{e:#}"))
            }
            Target::Ssh(_) => read_state(t, &global.state_dir),
        }
    });
    let mut reports: Vec<HostReport> = Vec::new();
    for ((h, t), current) in fleet.hosts.iter().zip(currents) {
        let mut report = HostReport {
            name: h.clone(),
            target: t.to_string(),
            plan: None,
            results: Vec::new(),
            ok: true,
            error: None,
        };
        match current {
            Err(e) => {
                report.ok = false;
                report.error = Some(e);
            }
            Ok(current) => {
                let desired: Vec<Desired<'_>> = fleet
                    .containers
                    .iter()
                    .zip(&plans)
                    .enumerate()
                    .filter(|(_, (w, _))| w.hosts.contains(h))
                    .map(|(i, (w, p))| Desired {
                        id: p.id().as_str(),
                        system: out_of.get(&i).map(String::as_str),
                        unit: p.unit_json(),
                        start: w.start,
                    })
                    .collect();
                let plan = diff(&fleet.name, &desired, &current);
                if !plan.conflicts.is_empty() {
                    report.ok = false;
                    report.error = Some(plan.conflicts.join("; "));
                }
                report.plan = Some(plan);
            }
        }
        reports.push(report);
    }
    if !args.json {
        print_plan(&fleet, &systems, &reports, args.dry_run)?;
    }

    let work: Vec<usize> = (0..reports.len())
        .filter(|&i| !args.dry_run && reports[i].plan.as_ref().is_some_and(|p| !p.is_noop()))
        .collect();
    for (i, r) in reports
        .iter()
        .enumerate()
        .filter(|(i, _)| !work.contains(i))
    {
        let msg = match (r.ok, args.dry_run) {
            (false, _) => "FAILED",
            (true, true) => "planned",
            (true, false) => "unchanged",
        };
        progress.finish(&fleet.hosts[i].0, msg);
    }
    if !args.dry_run {
        let none = HostPlan::default();
        let acted = parallel(jobs, &work, |&i| {
            let (h, t) = &fleet.hosts[i];
            let plan = reports[i].plan.as_ref().unwrap_or(&none);
            let actions = Actions {
                fleet: fleet.name.clone(),
                remove: plan.remove.clone(),
                install: plan.install.clone(),
                start: plan.start.clone(),
                disable: plan.disable.clone(),
            };
            let r = act_on(t, &global.state_dir, &actions, &|m| progress.say(h, m));
            progress.finish(h, if r.1.is_none() { "done" } else { "FAILED" });
            r
        });
        for (&i, (done, error)) in work.iter().zip(acted) {
            reports[i].results = done;
            if let Some(e) = error {
                reports[i].ok = false;
                reports[i].error = Some(match reports[i].error.take() {
                    Some(prev) => format!("{prev}; {e}"),
                    None => e,
                });
            }
        }
        // GC roots of systems this fleet no longer names.
        let keep: BTreeSet<&String> = by_key.keys().collect();
        for e in std::fs::read_dir(fleet_dir.join("systems"))
            .into_iter()
            .flatten()
            .flatten()
        {
            if !keep.contains(&e.file_name().to_string_lossy().into_owned()) {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
    let built_ok = systems.iter().all(|s| s.error.is_none());
    let converged = built_ok && reports.iter().all(|r| r.ok);
    let outcome = Outcome {
        fleet: fleet.name.clone(),
        dry_run: args.dry_run,
        systems,
        hosts: reports,
        converged,
    };
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&outcome)?);
    } else {
        print_summary(&outcome)?;
    }
    Ok(converged)
}
