//! A fleet's systems, one per system key: those already known (the
//! history, the shared index) rooted as they are; the others evaluated
//! all at once by worker processes (`base::nix::systems`: a chunk of
//! systems per Nix process, nixpkgs imported once in each) and realised
//! by one Nix invocation, here or on the build host, so that Nix's own
//! scheduler does the builds. A dry run evaluates and stops there: each
//! system's derivation is in the plan.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use anyhow::Result;

use super::show::SystemReport;
use crate::args::{ApplyArgs, Global};
use crate::base::nix;
use crate::base::nix::systems::{self, Evaluated, Workers};
use crate::base::{usage, UsageError};
use crate::commands::build::{known_fleet_system, system_args, system_built, Plan, Source};

/// What a dry run plans for a system it would build.
const TO_BUILD: &str = "(to be built)";

/// `--build-arg NAME=VALUE`s, checked: exit 2 before anything runs.
pub(super) fn build_args(args: &ApplyArgs) -> Result<Vec<(String, String)>> {
    args.build_args
        .iter()
        .map(|a| match a.split_once('=') {
            Some((n, v))
                if !n.is_empty() && !n.starts_with('-') && !n.contains(char::is_whitespace) =>
            {
                Ok((n.to_owned(), v.to_owned()))
            }
            _ => Err(usage(format!(
                "--build-arg {a:?}: give NAME=VALUE, a Nix option (max-jobs=4, builders=…)"
            ))),
        })
        .collect()
}

/// The systems of a fleet, `by_key` naming the plans of each: their
/// reports (in key order) and, per plan, the out path it is to run (or
/// [`TO_BUILD`] in a dry run).
pub(super) fn realise(
    args: &ApplyArgs,
    global: &Global,
    plans: &[Plan],
    by_key: &BTreeMap<String, Vec<usize>>,
    fleet_dir: &Path,
    options: &[(String, String)],
) -> Result<(Vec<SystemReport>, BTreeMap<usize, String>)> {
    let talk = !global.quiet && !args.json;
    let logs = fleet_dir.join("logs");
    let mut reports = Vec::new();
    // Known here, or to be built: (report index, its plan).
    let mut pending: Vec<(usize, &Plan)> = Vec::new();
    for (key, members) in by_key {
        let plan = &plans[members[0]];
        let root = fleet_dir.join("systems").join(key);
        let mut report = SystemReport {
            key: key.clone(),
            containers: members.iter().map(|&m| plans[m].id().to_string()).collect(),
            ..SystemReport::default()
        };
        match known_fleet_system(plan, &root) {
            Ok((source, Some(out))) => {
                report.source = Some(source);
                report.out_path = Some(out);
            }
            Ok((_, None)) => pending.push((reports.len(), plan)),
            Err(e) if e.downcast_ref::<UsageError>().is_some() => return Err(e),
            Err(e) => report.error = Some(format!("{e:#}")),
        }
        reports.push(report);
    }

    if !pending.is_empty() {
        let wanted: Vec<_> = pending
            .iter()
            .map(|(_, p)| system_args(p))
            .collect::<Result<_>>()?;
        let first = pending[0].1;
        let workers = Workers {
            nix_dir: first.nix_dir().to_path_buf(),
            nixpkgs: first.nixpkgs().to_path_buf(),
            jobs: args.workers.map_or_else(
                || std::thread::available_parallelism().map_or(1, usize::from),
                |w| w as usize,
            ),
            chunk: args.chunk as usize,
        };
        let chunks = systems::chunks(wanted.len(), workers.jobs, workers.chunk).len();
        #[allow(clippy::print_stderr)]
        if talk {
            eprintln!(
                "evaluating {} system(s): {} Nix process(es), {} at once",
                wanted.len(),
                chunks,
                workers.jobs.min(chunks)
            );
        }
        let started = Instant::now();
        let say = |k: usize, r: &Result<Evaluated, String>| {
            if !talk {
                return;
            }
            let report = &reports[pending[k].0];
            let what = match r {
                Ok(e) if global.verbose > 0 => match e.own_pkgs {
                    Some(true) => format!(
                        "{}, with a nixpkgs of its own (it sets nixpkgs.*)",
                        e.drv_path
                    ),
                    Some(false) => format!("{}, with the shared nixpkgs", e.drv_path),
                    None => e.drv_path.clone(),
                },
                Ok(_) => "evaluated".to_owned(),
                Err(_) => "evaluation FAILED".to_owned(),
            };
            #[allow(clippy::print_stderr)]
            {
                eprintln!(
                    "system {}… ({}): {what}",
                    &report.key[..12],
                    report.containers.join(" ")
                );
            }
        };
        let evaluation = systems::evaluate(&workers, &wanted, &say)?;
        #[allow(clippy::print_stderr)]
        if talk && global.verbose > 0 {
            eprintln!(
                "evaluated {} system(s) in {:.1} s by {} Nix process(es), at most {} at once and {} system(s) each; peak RSS of the largest: {}",
                wanted.len(),
                started.elapsed().as_secs_f64(),
                evaluation.processes,
                workers.jobs.min(chunks),
                workers.chunk,
                evaluation
                    .peak_rss_kib
                    .map_or_else(|| "unknown".to_owned(), |k| format!("{} MiB", k / 1024))
            );
        }
        let mut to_build: Vec<(usize, &Plan, Evaluated)> = Vec::new();
        for ((r, plan), result) in pending.iter().zip(evaluation.systems) {
            match result {
                Ok(e) => {
                    reports[*r].drv_path = Some(e.drv_path.clone());
                    reports[*r].own_pkgs = e.own_pkgs;
                    to_build.push((*r, plan, e));
                }
                Err(why) => reports[*r].error = Some(format!("evaluation failed: {why}")),
            }
        }
        if !args.dry_run && !to_build.is_empty() {
            build(talk, &logs, fleet_dir, options, &mut reports, &to_build)?;
        }
    }

    let mut out_of = BTreeMap::new();
    for (report, members) in reports.iter().zip(by_key.values()) {
        // A dry run plans a system it would build as one that changes.
        let planned = report
            .out_path
            .clone()
            .or_else(|| (report.error.is_none() && args.dry_run).then(|| TO_BUILD.to_owned()));
        if let Some(o) = planned {
            for &m in members {
                out_of.insert(m, o.clone());
            }
        }
    }
    Ok((reports, out_of))
}

/// The evaluated systems realised by one Nix invocation (here, or on the
/// build host, then copied back), each rooted at its key's GC root and
/// recorded in the history.
fn build(
    talk: bool,
    logs: &Path,
    fleet_dir: &Path,
    options: &[(String, String)],
    reports: &mut [SystemReport],
    to_build: &[(usize, &Plan, Evaluated)],
) -> Result<()> {
    std::fs::create_dir_all(fleet_dir.join("systems"))?;
    let drvs: Vec<String> = to_build
        .iter()
        .map(|(_, _, e)| e.drv_path.clone())
        .collect();
    let outs: Vec<String> = to_build.iter().map(|(_, _, e)| e.out.clone()).collect();
    let roots: Vec<_> = to_build
        .iter()
        .map(|(r, _, _)| fleet_dir.join("systems").join(&reports[*r].key))
        .collect();
    let log = logs.join("realise.log");
    let build_host = to_build[0].1.build_host();
    #[allow(clippy::print_stderr)]
    if talk {
        eprintln!(
            "building {} system(s) with one nix-store --realise{}",
            drvs.len(),
            build_host.map_or_else(String::new, |h| format!(" on {h}"))
        );
    }
    let started = Instant::now();
    let results = match build_host {
        None => systems::realise(&drvs, &outs, &roots, options, &log)?,
        Some(host) => crate::remote::ssh::realise_on(
            host,
            &drvs,
            &outs,
            &systems::option_args(options),
            &log,
        )?
        .into_iter()
        .zip(outs.iter().zip(&roots))
        .map(|(r, (out, root))| {
            r.and_then(|()| nix::add_root(out, root).map_err(|e| format!("{e:#}")))
        })
        .collect(),
    };
    let build_ms = started.elapsed().as_millis() as u64;
    for ((r, plan, e), result) in to_build.iter().zip(results) {
        match result {
            Ok(()) => {
                system_built(plan, &e.out, build_ms)?;
                reports[*r].source = Some(Source::Miss);
                reports[*r].out_path = Some(e.out.clone());
            }
            Err(why) => {
                reports[*r].error = Some(format!(
                    "building the system of {} failed: {why}",
                    plan.id()
                ));
            }
        }
    }
    Ok(())
}
