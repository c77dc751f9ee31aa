//! The `nixunits` command: argument parsing, dispatch, exit codes and
//! error printing. Only this crate spawns processes or prints.

/// `println!` whose write error returns from the enclosing function instead
/// of panicking: `nixunits list | head` ends quietly (see [`report`]).
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout(), $($arg)*)?
    }};
}

mod args;
mod build;
mod cache;
mod check;
mod enter;
mod evalcmd;
mod fleet;
mod generations;
mod index;
mod input;
mod lsp;
mod net;
mod nft;
mod nix;
mod proc;
mod proxy;
mod remote;
mod runtime;
mod schema;
mod systemd;
mod term;

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;

use args::{Cli, ColorChoice, Command};

// Checking thousands of files builds many small trees: jemalloc makes that
// markedly cheaper than glibc's allocator (scripts/bench-eval), and unlike
// mimalloc it does not touch the large, mostly unused allocations sled
// makes on open (which cost a build 13 ms).
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

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

/// The pages of `cmd` and its visible subcommands, named as the main page
/// names them (`nixunits-cache-stats`).
fn man_pages(cmd: &clap::Command, name: &str, out: &mut Vec<(String, clap::Command)>) {
    let page = cmd
        .clone()
        .name(name.to_owned())
        .bin_name(name.replace('-', " "));
    out.push((name.to_owned(), page));
    // Built, so that clap's own `help` subcommand, which the page lists, is
    // there too.
    let mut built = cmd.clone();
    built.build();
    for sub in built.get_subcommands().filter(|s| !s.is_hide_set()) {
        man_pages(sub, &format!("{name}-{}", sub.get_name()), out);
    }
}

/// `man [COMMAND…] [--out-dir DIR]`
fn man(command: &[String], out_dir: Option<&std::path::Path>) -> anyhow::Result<()> {
    let mut pages = Vec::new();
    man_pages(
        &<Cli as clap::CommandFactory>::command(),
        "nixunits",
        &mut pages,
    );
    if let Some(dir) = out_dir {
        std::fs::create_dir_all(dir)?;
        for (name, page) in pages {
            let mut buf = Vec::new();
            clap_mangen::Man::new(page).render(&mut buf)?;
            std::fs::write(dir.join(format!("{name}.1")), buf)?;
        }
        return Ok(());
    }
    let want = std::iter::once("nixunits")
        .chain(command.iter().map(String::as_str))
        .collect::<Vec<_>>()
        .join("-");
    let Some((_, page)) = pages.into_iter().find(|(n, _)| *n == want) else {
        return Err(UsageError(format!(
            "no manual page {want}: `nixunits man` lists the commands"
        ))
        .into());
    };
    clap_mangen::Man::new(page).render(&mut std::io::stdout())?;
    Ok(())
}

/// `--target-host`: `build` here then install there; the lifecycle
/// commands run there.
fn on_target(cli: &Cli, state: &nixunits_store::StateDir, host: &str) -> anyhow::Result<i32> {
    use anyhow::Context as _;
    match &cli.command {
        Command::Build(a) => {
            remote::check_remote(host)?;
            // Built (or hit) here, recorded in this host's state; started
            // only there.
            let mut here = a.clone();
            here.start = false;
            here.restart = false;
            let color = color_for(cli.global.color, std::io::stderr().is_terminal());
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
            remote::install(host, id.as_str(), &system, unit_json.trim(), a.start, a.restart)?;
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
            remote::check_remote(host)?;
            let argv = args::rewrite_seed_options(std::env::args_os());
            remote::forward(host, &argv)
        }
        _ => Err(UsageError(
            "--target-host applies to build, start, stop, restart, status, list, delete, rollback and generations".into(),
        )
        .into()),
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
    let state = nixunits_store::StateDir::new(&cli.global.state_dir);
    if let Some(host) = cli.global.target_host.clone() {
        return exit_with(on_target(&cli, &state, &host));
    }
    let result = match &cli.command {
        Command::Check(a) => {
            let color = color_for(cli.global.color, std::io::stdout().is_terminal());
            check::run(a, &cli.global, color)
        }
        Command::Build(a) => {
            let color = color_for(cli.global.color, std::io::stderr().is_terminal());
            build::resolve(a, &cli.global, color)
                .and_then(build::act)
                .map(|()| true)
        }
        Command::Update(a) => {
            let color = color_for(cli.global.color, std::io::stderr().is_terminal());
            build::resolve(a, &cli.global, color)
                .map(build::Plan::for_update)
                .and_then(build::act)
                .map(|()| true)
        }
        Command::Apply(a) => {
            let color = color_for(cli.global.color, std::io::stderr().is_terminal());
            fleet::run(a, &cli.global, color)
        }
        Command::FleetState => fleet::state(&state).map(|()| true),
        Command::FleetInstall => fleet::install(&state),
        Command::Ip6 { id, json } => ip6(id, *json).map(|()| true),
        Command::Eval { file, json, schema } => match schema {
            Some(p) => schema::load(p).map(Some),
            None => schema::stored(&state),
        }
        .and_then(|s| evalcmd::run(file, *json, s.as_ref())),
        Command::Cache(c) => cache::run(c, &state).map(|()| true),
        Command::Schema(args::SchemaCommand::Import { file }) => {
            schema::import(&state, file).map(|()| true)
        }
        Command::Schema(args::SchemaCommand::Generate { nixpkgs }) => {
            schema::generate(&state, nixpkgs.as_deref()).map(|()| true)
        }
        Command::Start(a) => control("start", &state, &a.id),
        Command::Stop(a) => control("stop", &state, &a.id),
        Command::Restart(a) => control("restart", &state, &a.id),
        Command::Enable(a) => runtime::existing(&state, &a.id)
            .and_then(|id| systemd::enable(&id, true))
            .map(|()| true),
        Command::Disable(a) => runtime::existing(&state, &a.id)
            .and_then(|id| systemd::enable(&id, false))
            .map(|()| true),
        Command::Status(a) => runtime::status(&state, &a.id, a.json).map(|()| true),
        Command::List(a) => runtime::list(&state, a.json).map(|()| true),
        Command::Rollback { id, to } => generations::rollback(&state, id, *to).map(|()| true),
        Command::Generations(a) => generations::list(&state, &a.id, a.json).map(|()| true),
        Command::Delete { id, yes } => runtime::delete(&state, id, *yes).map(|()| true),
        Command::Install { prefix } => runtime::install(&state, prefix.as_deref()).map(|()| true),
        Command::Prepare(a) => runtime::prepare(&state, &a.id).map(|()| true),
        Command::NetworkUp(a) => runtime::existing(&state, &a.id)
            .and_then(|id| net::network_up(&state, &id))
            .map(|()| true),
        Command::NetworkDown(a) => {
            a.id.parse::<nixunits_store::ContainerId>()
                .map_err(|e| anyhow::Error::from(UsageError(e.to_string())))
                .and_then(|id| {
                    // The container may be gone (deleted while it ran).
                    let unit = std::fs::read_to_string(state.container(&id).unit_json())
                        .ok()
                        .and_then(|t| serde_json::from_str(&t).ok());
                    net::network_down(&id, unit.as_ref())
                })
                .map(|()| true)
        }
        Command::PortProxy { specs } => proxy::run(specs).map(|()| true),
        Command::InstallSystem {
            id,
            system,
            unit_json,
            start,
            restart,
        } => build::install_system(&state, id, system, unit_json, *start, *restart, None).and_then(
            |line| {
                outln!("{line}");
                Ok(true)
            },
        ),
        Command::Nsenter { id, net, command } => {
            return exit_with(runtime::existing(&state, id).and_then(|id| {
                if *net {
                    enter::run_in_network(&id, command)
                } else {
                    enter::run(&state, &id, command)
                }
            }));
        }
        Command::Logs { id, follow, lines } => {
            return exit_with(
                runtime::existing(&state, id)
                    .and_then(|id| systemd::logs(&state, &id, *follow, *lines)),
            );
        }
        Command::External(args) => return exit_with(systemd::machinectl_passthrough(args)),
        Command::Lsp {
            schema,
            policy,
            nix_version,
        } => {
            let a = args::CheckArgs {
                files: Vec::new(),
                format: args::Format::Human,
                stdin_filename: String::new(),
                parse_only: false,
                nix_version: nix_version.clone(),
                experimental: Vec::new(),
                schema: schema.clone(),
                policy: policy.clone(),
                no_eval: false,
            };
            return exit_with(
                check::options(&a)
                    .and_then(|opts| Ok((opts, check::Extra::resolve(&a, &cli.global)?)))
                    .and_then(|(opts, extra)| lsp::run(extra, opts)),
            );
        }
        Command::Completions { shell } => {
            // Into memory first: clap_complete panics on a failed write.
            let mut cmd = <Cli as clap::CommandFactory>::command();
            let mut script = Vec::new();
            clap_complete::generate(*shell, &mut cmd, "nixunits", &mut script);
            std::io::Write::write_all(&mut std::io::stdout(), &script)
                .map(|()| true)
                .map_err(Into::into)
        }
        Command::Man { command, out_dir } => man(command, out_dir.as_deref()).map(|()| true),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => report(e),
    }
}

/// `start|stop|restart <id>` of an existing container.
fn control(verb: &str, state: &nixunits_store::StateDir, id: &str) -> anyhow::Result<bool> {
    let id = runtime::existing(state, id)?;
    systemd::control(verb, &id)?;
    Ok(true)
}

/// The exit code of a command that runs another (nsenter, machinectl).
fn exit_with(r: anyhow::Result<i32>) -> ExitCode {
    match r {
        Ok(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
        Err(e) => report(e),
    }
}

/// Prints the error; exit 2 for bad input, 1 otherwise. A closed pipe
/// (`nixunits list | head`) is not an error.
fn report(e: anyhow::Error) -> ExitCode {
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

/// A container id from the command line; a bad one is a usage error.
pub fn parse_id(id: &str) -> Result<nixunits_store::ContainerId, UsageError> {
    id.parse()
        .map_err(|e: nixunits_store::id::InvalidId| UsageError(e.to_string()))
}

/// `nixunits ip6 <ID>`: the automatic addresses of `-6`.
fn ip6(id: &str, json: bool) -> anyhow::Result<()> {
    let id = parse_id(id)?;
    let (ip, host) = nixunits_store::unit::auto_ip6(&id).map_err(|e| UsageError(e.to_string()))?;
    let strip = nixunits_store::unit::without_prefix;
    if json {
        outln!(
            "{}",
            serde_json::json!({ "id": id.as_str(), "ip6": strip(&ip), "hostIp6": strip(&host), "prefix": 112 })
        );
    } else {
        outln!("ip6: {}", strip(&ip));
        outln!("hostIp6: {}", strip(&host));
    }
    Ok(())
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
