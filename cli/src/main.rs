//! The `nixunits` command: argument parsing, dispatch, exit codes and
//! error printing. Only this crate spawns processes or prints.

mod args;
mod build;
mod cache;
mod check;
mod nix;
mod systemd;

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;

use args::{Cli, ColorChoice, Command};

/// Bad usage or invalid input: exit code 2, nothing changed.
#[derive(Debug)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

fn color_for(choice: ColorChoice, terminal: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse_from(args::rewrite_seed_options(std::env::args_os())) {
        Ok(c) => c,
        Err(e) => {
            // clap prints help/version to stdout (exit 0) and errors to
            // stderr; usage errors exit 2 as everywhere else.
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let result = match &cli.command {
        Command::Check(a) => {
            let color = color_for(cli.global.color, std::io::stdout().is_terminal());
            check::run(a, color, cli.global.quiet)
        }
        Command::Build(a) => {
            let color = color_for(cli.global.color, std::io::stderr().is_terminal());
            build::resolve(a, &cli.global, color)
                .and_then(build::act)
                .map(|()| true)
        }
        Command::Ip6 { id, json } => ip6(id, *json).map(|()| true),
        Command::Cache(c) => {
            cache::run(c, &nixunits_store::StateDir::new(&cli.global.state_dir)).map(|()| true)
        }
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            if is_broken_pipe(&e) {
                return ExitCode::SUCCESS;
            }
            #[allow(clippy::print_stderr)]
            {
                eprintln!("nixunits: {e:#}");
            }
            if e.downcast_ref::<UsageError>().is_some() {
                ExitCode::from(2)
            } else {
                ExitCode::from(1)
            }
        }
    }
}

/// `nixunits ip6 <ID>`: the automatic addresses of `-6`.
#[allow(clippy::print_stdout)]
fn ip6(id: &str, json: bool) -> anyhow::Result<()> {
    let id: nixunits_store::ContainerId = id
        .parse()
        .map_err(|e: nixunits_store::id::InvalidId| UsageError(e.to_string()))?;
    let (ip, host) = nixunits_store::unit::auto_ip6(&id).map_err(|e| UsageError(e.to_string()))?;
    let strip = |a: &str| a.split('/').next().unwrap_or_default().to_owned();
    if json {
        println!(
            "{}",
            serde_json::json!({ "id": id.as_str(), "ip6": strip(&ip), "hostIp6": strip(&host), "prefix": 112 })
        );
    } else {
        println!("ip6: {}", strip(&ip));
        println!("hostIp6: {}", strip(&host));
    }
    Ok(())
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
