//! The `nixunits` command: the command line parsed (`args`), dispatched to
//! its command (`commands/`, `lsp/`), the exit code chosen and the error
//! printed. The rooms are the crate's library (`lib.rs`); only this crate
//! spawns processes or prints; the rooms and what each may import are in
//! `docs/ARCHITECTURE.md`.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;

use nixunits::args::{self, Cli, Command, SchemaCommand};
use nixunits::base::UsageError;
use nixunits::commands::{
    apply, build, cache, check, doctor, eval, fleet_host, generations, hooks, ip6, lifecycle, man,
    run, schema, target, update,
};
use nixunits::lsp;

// Checking thousands of files builds many small trees: jemalloc makes that
// markedly cheaper than glibc's allocator (scripts/bench-eval), and unlike
// mimalloc it does not touch the large, mostly unused allocations sled
// makes on open (which cost a build 13 ms).
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    let mut cli = match Cli::try_parse_from(args::rewrite_seed_options(std::env::args_os())) {
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
    if let Err(e) = cli.global.make_absolute() {
        return report(e.into());
    }
    let state = nixunits_store::StateDir::new(&cli.global.state_dir);
    if let Some(host) = cli.global.target_host.clone() {
        return exit_with(target::on_target(&cli, &state, &host));
    }
    if cli.command.touches_state() {
        run::sweep(&state);
    }
    let global = &cli.global;
    // Colours for what goes to standard output (check) or error (the rest).
    let stdout_color = || global.color.enabled(std::io::stdout().is_terminal());
    let stderr_color = || global.color.enabled(std::io::stderr().is_terminal());
    let done = |r: anyhow::Result<()>| r.map(|()| true);
    let result = match &cli.command {
        Command::Check(a) => check::run(a, global, stdout_color()),
        Command::Build(a) => done(build::resolve(a, global, stderr_color()).and_then(build::act)),
        Command::Update(a) => done(update::run(a, global, stderr_color())),
        Command::Run(a) => return exit_with(run::run(a, global, stderr_color())),
        Command::Doctor(a) => doctor::run(a, &state, stdout_color()),
        Command::Apply(a) => apply::run(a, global, stderr_color()),
        Command::FleetState => done(fleet_host::state(&state)),
        Command::FleetInstall => fleet_host::install(&state),
        Command::Ip6 { id, json } => done(ip6::ip6(id, *json)),
        Command::Eval { file, json } => eval::run(file, *json),
        Command::Cache(c) => done(cache::run(c, &state)),
        Command::Schema(SchemaCommand::Import { file }) => done(schema::import(&state, file)),
        Command::Schema(SchemaCommand::Generate { nixpkgs }) => {
            done(schema::generate(&state, nixpkgs.as_deref()))
        }
        Command::Start(a) => done(lifecycle::control("start", &state, &a.id)),
        Command::Stop(a) => done(lifecycle::control("stop", &state, &a.id)),
        Command::Restart(a) => done(lifecycle::control("restart", &state, &a.id)),
        Command::Enable(a) => done(lifecycle::enable(&state, &a.id, true)),
        Command::Disable(a) => done(lifecycle::enable(&state, &a.id, false)),
        Command::Status(a) => done(lifecycle::status(&state, &a.id, a.json)),
        Command::List(a) => done(lifecycle::list(&state, a.json)),
        Command::Rollback { id, to } => done(generations::rollback(&state, id, *to)),
        Command::Generations(a) => done(generations::list(&state, &a.id, a.json)),
        Command::Delete { id, yes } => done(lifecycle::delete(&state, id, *yes)),
        Command::Install { prefix } => done(lifecycle::install(&state, prefix.as_deref())),
        Command::Prepare(a) => done(hooks::prepare(&state, &a.id)),
        Command::NetworkUp(a) => done(hooks::network_up(&state, &a.id)),
        Command::NetworkDown(a) => done(hooks::network_down(&state, &a.id)),
        Command::PortProxy { specs } => done(hooks::port_proxy(specs)),
        Command::InstallSystem {
            id,
            system,
            unit_json,
            start,
            restart,
        } => done(target::install_system(
            &state, id, system, unit_json, *start, *restart,
        )),
        Command::Nsenter { id, net, command } => {
            return exit_with(lifecycle::nsenter(&state, id, *net, command))
        }
        Command::Logs { id, follow, lines } => {
            return exit_with(lifecycle::logs(&state, id, *follow, *lines))
        }
        Command::External(args) => return exit_with(lifecycle::external(args)),
        Command::Lsp {
            schema,
            policy,
            nix_version,
            bounds,
        } => {
            return exit_with(lsp::serve(
                schema.clone(),
                policy.clone(),
                nix_version.clone(),
                bounds.clone(),
                global,
            ))
        }
        Command::Completions { shell } => done(man::completions(*shell)),
        Command::Man { command, out_dir } => done(man::man(command, out_dir.as_deref())),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => report(e),
    }
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

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
