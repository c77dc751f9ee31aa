//! `nixunits run (-cc EXPR | -cf FILE | --flake-attr DIR#ATTR) [build's
//! options] [-- CMD…]`: a container that exists for one command. It is
//! built as `build` builds (the cache shared, so the same snippet again is
//! a hit), started, the command run inside as `nsenter` runs it (with the
//! container's own confinement; default: a shell), then the container is
//! stopped and removed — unit, state, GC roots, nftables table, veths —
//! whatever ended the command. Its id is `run-<hash of the arguments>`
//! (`-2`, `-3`… beside a live run of the same arguments); the run holds
//! `$STATE/runs/<id>.lock` for its life, and what a killed run leaves is
//! removed by the next nixunits command that touches the state directory
//! (`host::ephemeral::sweep`).
//!
//! Exit status: the command's; 128 + N when a signal N ended the run (130
//! for Ctrl-C, 143 for SIGTERM); 1 or 2 as `build` when it could not start.

use std::io::Write as _;

use anyhow::{anyhow, Result};
use nixunits_store::StateDir;

use super::build;
use crate::args::{Global, RunArgs};
use crate::base::input::MAX_SNIPPET;
use crate::base::signals::{Catcher, Phase};
use crate::base::usage;
use crate::host::{enter, ephemeral};

/// How many runs of the same arguments may live side by side.
const SIDE_BY_SIDE: u32 = 9;

/// `run`: the command's exit code.
pub fn run(args: &RunArgs, global: &Global, color: bool) -> Result<i32> {
    let b = &args.build;
    if !b.id.is_empty() {
        return Err(usage(format!(
            "run names its own container (run-<hash>): {:?} is not an option; the command goes after `--`",
            b.id
        )));
    }
    if b.json {
        return Err(usage(
            "run's standard output is the command's: --json is build's",
        ));
    }
    let state = StateDir::new(&global.state_dir);
    // Caught from the start: a Ctrl-C during the build still cleans up.
    let signals = Catcher::install()?;
    let base = run_id(args);
    for n in 1..=SIDE_BY_SIDE {
        let id = if n == 1 {
            base.clone()
        } else {
            format!("{base}-{n}")
        };
        let mut this = b.clone();
        this.id = id;
        this.start = true;
        // Bad input is said here, before anything is written.
        let plan = build::resolve(&this, global, color)?;
        if b.dry_run {
            build::act(plan)?;
            return Ok(0);
        }
        let id = plan.id().clone();
        let dir = state.container(&id).dir;
        let lock_existed = state.run_lock_path(&id).exists();
        if dir.exists() && !lock_existed {
            continue; // someone's own container of that name: never touched
        }
        let Some(lock) = state.try_run_lock(&id)? else {
            continue; // a live run of the same arguments
        };
        if dir.exists() {
            // A leftover the sweep could not remove (it tries again), or a
            // container made meanwhile: left as it is, and no lock file
            // of ours beside it.
            if !lock_existed {
                let _ = lock.release();
            }
            continue;
        }
        return Ok(run_locked(
            &state,
            plan.for_run(),
            lock,
            &args.command,
            &signals,
            global.quiet,
        ));
    }
    Err(anyhow!(
        "{SIDE_BY_SIDE} runs of these arguments are live ({base} to {base}-{SIDE_BY_SIDE})"
    ))
}

/// Build, start, the command, then the removal, whatever happened.
fn run_locked(
    state: &StateDir,
    plan: build::Plan,
    lock: nixunits_store::state::RunLock,
    command: &[String],
    signals: &Catcher,
    quiet: bool,
) -> i32 {
    let id = plan.id().clone();
    let outcome = (|| -> Result<i32> {
        build::act(plan)?;
        if let Some(sig) = signals.received() {
            return Ok(128 + sig);
        }
        signals.enter(Phase::Command);
        if !quiet {
            say(&format!("{id}: started; entering it"));
        }
        enter::spawn(state, &id, command)
    })();
    signals.enter(Phase::Cleanup);
    let code = match (signals.received(), outcome) {
        (Some(sig), _) => {
            say(&format!("{id}: interrupted (signal {sig}); removing it"));
            128 + sig
        }
        (None, Ok(code)) => code,
        (None, Err(e)) => {
            say(&format!("{e:#}"));
            if e.downcast_ref::<crate::base::UsageError>().is_some() {
                2
            } else {
                1
            }
        }
    };
    match ephemeral::remove(state, &id) {
        Ok(()) => {
            let _ = lock.release();
        }
        Err(e) => {
            // The lock file stays: the next nixunits command removes it.
            say(&format!(
                "{id}: cannot remove it ({e:#}); the next nixunits command will"
            ));
            return if code == 0 { 1 } else { code };
        }
    }
    code
}

#[allow(clippy::print_stderr)]
fn say(what: &str) {
    let _ = writeln!(std::io::stderr(), "nixunits run: {what}");
}

/// `run-<hash>`: eight hex digits of what the arguments say (the snippet,
/// the unit description, the network and nixpkgs options), so that a run
/// of the same arguments gets the same id — a snippet that reads its `id`
/// is then a cache hit too.
fn run_id(args: &RunArgs) -> String {
    let b = &args.build;
    let read = |p: &std::path::Path| {
        std::fs::File::open(p)
            .and_then(|f| {
                let mut v = Vec::new();
                std::io::Read::read_to_end(&mut std::io::Read::take(f, MAX_SNIPPET), &mut v)?;
                Ok(v)
            })
            .unwrap_or_default()
    };
    let mut h = blake3::Hasher::new();
    h.update(b"nixunits/run/v1\0");
    let parts = format!(
        "{:?}",
        (
            &b.config,
            &b.config_file,
            &b.flake_attr,
            &b.unit,
            &b.net,
            &b.credentials,
            &b.nixpkgs,
            &b.flake,
            &b.flake_input,
        )
    );
    h.update(parts.as_bytes());
    for f in [&b.config_file, &b.unit].into_iter().flatten() {
        h.update(&read(f));
    }
    let hex = h.finalize().to_hex();
    format!("{}{}", ephemeral::PREFIX, &hex[..8])
}

/// Removes what killed runs left (a warning each): before every command
/// that touches the state directory.
pub fn sweep(state: &StateDir) {
    for line in ephemeral::sweep(state) {
        #[allow(clippy::print_stderr)]
        {
            eprintln!("nixunits: {line}");
        }
    }
}
