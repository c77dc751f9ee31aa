//! `--target-host USER@HOST`, both sides: here, `build` builds (or hits)
//! and hands the system over, the lifecycle commands are forwarded; there,
//! the hidden `install-system` makes it the container's new generation.

use std::io::IsTerminal;

use anyhow::{Context, Result};
use nixunits_store::StateDir;

use super::build;
use crate::args::{self, Cli, Command};
use crate::base::{parse_id, UsageError};
use crate::host::install;
use crate::remote::ssh;

/// `--target-host`: `build` here then install there; the lifecycle
/// commands run there.
pub fn on_target(cli: &Cli, state: &StateDir, host: &str) -> Result<i32> {
    ssh::check_host("--target-host", host)?;
    match &cli.command {
        Command::Build(a) => {
            ssh::check_remote(host)?;
            // Built (or hit) here, recorded in this host's state; started
            // only there.
            let mut here = a.clone();
            here.start = false;
            here.restart = false;
            let color = cli.global.color.enabled(std::io::stderr().is_terminal());
            build::act(build::resolve(&here, &cli.global, color)?)?;
            let id = parse_id(&a.id)?;
            let dir = state.container(&id);
            let system = dir
                .installed_out_path()
                .context("the build installed nothing")?
                .display()
                .to_string();
            let unit_json = std::fs::read_to_string(dir.unit_json())
                .with_context(|| format!("cannot read {}", dir.unit_json().display()))?;
            ssh::install(host, id.as_str(), &system, unit_json.trim(), a.start, a.restart)?;
            Ok(0)
        }
        Command::Start(_)
        | Command::Stop(_)
        | Command::Restart(_)
        | Command::Status(_)
        | Command::List(_)
        | Command::Delete { .. }
        | Command::Rollback { .. }
        | Command::Generations(_) => {
            ssh::check_remote(host)?;
            let argv = args::rewrite_seed_options(std::env::args_os());
            ssh::forward(host, &argv)
        }
        _ => Err(UsageError(
            "--target-host applies to build, start, stop, restart, status, list, delete, rollback and generations".into(),
        )
        .into()),
    }
}

/// `install-system ID --system PATH --unit-json JSON [-s] [-r]`, what
/// `build --target-host` runs on the target.
pub fn install_system(
    state: &StateDir,
    id: &str,
    system: &str,
    unit_json: &str,
    start: bool,
    restart: bool,
) -> Result<()> {
    let line = install::install_system(state, id, system, unit_json, start, restart, None)?;
    outln!("{line}");
    Ok(())
}
