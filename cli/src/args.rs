//! The `args` room: the command line as clap parses it (DESIGN §3).
//! Nothing here acts: `main` dispatches these to the commands, which
//! resolve them into what to do.
//!
//! Must not: import `commands`, `remote` or `lsp`; run anything. It names
//! one type of `host` (the port proxy's argument, parsed by clap).

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Run NixOS service snippets in hardened systemd-nspawn containers,
/// without a host rebuild.
#[derive(Debug, Parser)]
#[command(name = "nixunits", version, about, max_term_width = 100)]
pub struct Cli {
    /// Global options.
    #[command(flatten)]
    pub global: Global,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Debug, Args)]
pub struct Global {
    /// Where containers, the cache and locks live.
    #[arg(
        long,
        global = true,
        env = "NIXUNITS_STATE_DIR",
        default_value = "/var/lib/nixunits"
    )]
    pub state_dir: PathBuf,
    /// The Nix files to build with (default: those installed with nixunits).
    #[arg(long, global = true, env = "NIXUNITS_NIX_DIR")]
    pub nix_dir: Option<PathBuf>,
    /// Say more.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Say only what went wrong.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Colours: auto (a terminal, and NO_COLOR unset), always, never.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Act on another host over SSH (`root@host`): `build` builds here and
    /// copies the system there (`nix copy`), installs and starts it through
    /// the nixunits installed there; start, stop, restart, status, list,
    /// delete, rollback, generations run there. SSH options: NIX_SSHOPTS.
    #[arg(
        long,
        global = true,
        value_name = "USER@HOST",
        env = "NIXUNITS_TARGET_HOST"
    )]
    pub target_host: Option<String>,
}

/// `--color`
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colours on a terminal, unless NO_COLOR is set.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

impl Global {
    /// The state directory as an absolute path: a relative one is taken
    /// from the working directory, since it is handed on to processes that
    /// do not share it (nix-build, systemd, the nixunits the unit runs).
    pub fn make_absolute(&mut self) -> Result<(), crate::base::UsageError> {
        self.state_dir = std::path::absolute(&self.state_dir).map_err(|e| {
            crate::base::UsageError(format!("--state-dir {:?}: {e}", self.state_dir))
        })?;
        Ok(())
    }
}

impl Command {
    /// Whether the command reads or changes the state directory as a user
    /// asks it to: before those, what killed `run`s left is removed. Not
    /// the template unit's hooks (systemd runs them for the very units a
    /// removal stops), nor what reads no state (check, eval, ip6, schema,
    /// lsp, the manual, machinectl's commands).
    pub fn touches_state(&self) -> bool {
        !matches!(
            self,
            Command::Check(_)
                | Command::Eval { .. }
                | Command::Ip6 { .. }
                | Command::Schema(_)
                | Command::Prepare(_)
                | Command::NetworkUp(_)
                | Command::NetworkDown(_)
                | Command::PortProxy { .. }
                | Command::Lsp { .. }
                | Command::Completions { .. }
                | Command::Man { .. }
                | Command::External(_)
        )
    }
}

impl ColorChoice {
    /// Whether to colour output going to a terminal (`terminal`) or not.
    pub fn enabled(self, terminal: bool) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        }
    }
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check snippets without Nix: syntax and every check Nix's parser makes,
    /// scope, module shape.
    Check(CheckArgs),
    /// Build a container from a snippet (cached), install it, (re)start it.
    Build(BuildArgs),
    /// Build like `build`, then bring a running container to the new
    /// generation: in place with the system's `switch-to-configuration
    /// test` when only the system changed, else a restart. Without a
    /// snippet: bring a running container to its live generation (one
    /// `build` installed without `-r`).
    #[command(mut_group("snippet", |g| g.required(false)))]
    Update(BuildArgs),
    /// Build a snippet into a container that lives for one command: the
    /// container started, the command run inside with its confinement
    /// (default: a shell), then the container stopped and removed,
    /// whatever ended the command. Exit status: the command's.
    #[command(mut_arg("id", |a| a.required(false).hide(true).long("run-id").default_value("")))]
    Run(RunArgs),
    /// Converge a fleet: the hosts and containers FLEET.toml declares are
    /// built (once per system), copied (`nix copy`), installed and started
    /// on their hosts over SSH; what the fleet installed and no longer
    /// declares is removed. Prints the plan first; an unchanged fleet runs
    /// no Nix process anywhere.
    Apply(ApplyArgs),
    /// Check what this host needs, one line each (ok, warn, missing) with
    /// the fix: systemd and systemd-nspawn, user namespaces, cgroups, nft
    /// and ip, the kernel's link types, Nix and its store, nixpkgs, the
    /// state directory, the template unit, machines.target, the schema.
    /// Exit 1 when something is missing.
    Doctor(DoctorArgs),
    /// Print the option definitions the embedded evaluator finds in a
    /// snippet: path, value (or unknown), priority, condition, place.
    Eval {
        /// The snippet.
        file: PathBuf,
        /// Print JSON: a list, one object per definition.
        #[arg(long)]
        json: bool,
    },
    /// Print a container's automatic IPv6 addresses (`-6`).
    Ip6 {
        /// The container id.
        id: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Inspect and maintain the build cache.
    #[command(subcommand)]
    Cache(CacheCommand),
    /// Load or generate the NixOS options schema `check` uses.
    #[command(subcommand)]
    Schema(SchemaCommand),
    /// Start a container's unit.
    Start(IdArg),
    /// Stop a container's unit.
    Stop(IdArg),
    /// Restart a container's unit.
    Restart(IdArg),
    /// Start a container at boot (through machines.target).
    Enable(IdArg),
    /// Do not start a container at boot.
    Disable(IdArg),
    /// A container's state: unit, machine, result, addresses.
    Status(IdJsonArgs),
    /// Every container and its state.
    List(JsonArg),
    /// Make an earlier generation live again (default: the one before
    /// the live one); restarts the container when it runs.
    Rollback {
        /// The container id.
        id: String,
        /// The generation to go back to.
        #[arg(long, value_name = "N")]
        to: Option<u64>,
    },
    /// A container's generations: number, key, out path, date, which is
    /// live.
    Generations(IdJsonArgs),
    /// Stop a container and remove its state and GC root.
    Delete {
        /// The container id.
        id: String,
        /// Do not ask.
        #[arg(short = 'y', long)]
        yes: bool,
    },
    /// Run a command (default: a shell) in a running container, with the
    /// container's own restrictions (capability bounding set, no new
    /// privileges, a system-call filter).
    #[command(alias = "shell")]
    Nsenter {
        /// The container id.
        id: String,
        /// Join the container's network namespace only, as host root with
        /// the host's tools (`ip`, `ss`, `tcpdump`), default: a shell.
        #[arg(short = 'n', long = "net")]
        net: bool,
        /// The command and its arguments.
        #[arg(last = true)]
        command: Vec<String>,
    },
    /// The container's log: its own journal when it keeps one (read through
    /// machined while it runs), else its unit's (start, stop, console).
    Logs {
        /// The container id.
        id: String,
        /// Follow: print new entries as they come.
        #[arg(short = 'f', long)]
        follow: bool,
        /// Only the last N entries.
        #[arg(short = 'n', long, value_name = "N")]
        lines: Option<u32>,
    },
    /// Write the template unit nixunits@.service (hosts without the NixOS
    /// module), then reload systemd.
    Install {
        /// Install below this directory instead of / (no reload then).
        #[arg(long, value_name = "DIR")]
        prefix: Option<PathBuf>,
    },
    /// Prepare a container's root before systemd-nspawn starts (the unit's
    /// ExecStartPre).
    #[command(hide = true)]
    Prepare(IdArg),
    /// Configure a container's network from the host (the unit's
    /// ExecStartPost).
    #[command(hide = true)]
    NetworkUp(IdArg),
    /// Remove what network-up set up on the host (the unit's
    /// ExecStopPost).
    #[command(hide = true)]
    NetworkDown(IdArg),
    /// Install a system built elsewhere as a container's new generation
    /// (what `build --target-host` runs on the target).
    #[command(hide = true)]
    InstallSystem {
        /// The container id.
        id: String,
        /// The system's store path (already in this store).
        #[arg(long)]
        system: String,
        /// The unit description (JSON).
        #[arg(long)]
        unit_json: String,
        /// Start it if it is not running.
        #[arg(short = 's', long)]
        start: bool,
        /// Restart it when it runs something else.
        #[arg(short = 'r', long)]
        restart: bool,
    },
    /// What `apply` reads of a host: its containers (id, fleet, system,
    /// unit description, active), as JSON.
    #[command(hide = true)]
    FleetState,
    /// What `apply` runs on a host: the actions (JSON) on standard input,
    /// one JSON result per line on standard output.
    #[command(hide = true)]
    FleetInstall,
    /// Forward loopback ports to a container (run in
    /// nixunits-ports-<id>.service).
    #[command(hide = true)]
    PortProxy {
        /// PROTO:LISTEN=TARGET, e.g. tcp:[::1]:8081=[fd00::2]:80.
        #[arg(required = true)]
        specs: Vec<crate::host::proxy::Spec>,
    },
    /// A language server over standard input and output (diagnostics,
    /// hover, completion of option names).
    Lsp {
        /// The options schema (default: the stored one).
        #[arg(long, value_name = "FILE")]
        schema: Option<PathBuf>,
        /// The policy (TOML or JSON) instead of the default one.
        #[arg(long, value_name = "FILE")]
        policy: Option<PathBuf>,
        /// Which Nix to agree with (MAJOR.MINOR).
        #[arg(long, value_name = "VERSION", env = "NIXUNITS_NIX_VERSION")]
        nix_version: Option<String>,
        #[allow(missing_docs)] // EvalBounds documents its flags
        #[command(flatten)]
        bounds: EvalBounds,
    },
    /// Print a shell completion script.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print a manual page (roff): the main one, or a command's
    /// (`nixunits man check`, `nixunits man cache stats`); with `--out-dir`,
    /// write every page there (`nixunits.1`, `nixunits-check.1`, …).
    Man {
        /// The command whose page to print.
        command: Vec<String>,
        /// Write all pages into this directory.
        #[arg(long, value_name = "DIR", conflicts_with = "command")]
        out_dir: Option<PathBuf>,
    },
    /// Anything else is passed to machinectl.
    #[command(external_subcommand)]
    External(Vec<OsString>),
}

/// A container id.
#[derive(Debug, Args)]
pub struct IdArg {
    /// The container id.
    pub id: String,
}

/// A container id, and `--json`.
#[derive(Debug, Args)]
pub struct IdJsonArgs {
    /// The container id.
    pub id: String,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// `--json`.
#[derive(Debug, Args)]
pub struct JsonArg {
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// `nixunits build`
#[derive(Debug, Clone, Args)]
#[command(group = clap::ArgGroup::new("snippet").required(true).args(["config", "config_file", "flake_attr"]))]
pub struct BuildArgs {
    /// The container id: 1 to 32 characters of a-z, 0-9, '-', starting with
    /// a letter.
    pub id: String,
    /// The snippet, inline (also `-cc`). Relative paths in it resolve from
    /// the container's directory: use a file for snippets with imports.
    #[arg(long, value_name = "EXPR")]
    pub config: Option<String>,
    /// The snippet, from a file (also `-cf`).
    #[arg(long, value_name = "FILE")]
    pub config_file: Option<PathBuf>,
    /// The snippet, from a flake output (`./infra#nixunitsSnippets.pg`):
    /// a module file, function or attribute set. nixpkgs then comes from
    /// the same flake's lock unless `--nixpkgs` or `--flake` says otherwise.
    #[arg(long, value_name = "DIR#ATTR")]
    pub flake_attr: Option<String>,
    /// A JSON unit description (network, capsAllow, bind, resources,
    /// properties); flags override it.
    #[arg(short = 'j', long = "unit", value_name = "FILE")]
    pub unit: Option<PathBuf>,
    /// Network options.
    #[command(flatten)]
    pub net: NetArgs,
    /// Restart the container when the result changed (start it if it is
    /// not running).
    #[arg(short = 'r', long)]
    pub restart: bool,
    /// Start the container if it is not running.
    #[arg(short = 's', long)]
    pub start: bool,
    /// Build even when the cache has the result.
    #[arg(short = 'f', long)]
    pub force: bool,
    /// Print the plan (key, hit or miss, the nix-build command, addresses)
    /// and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Print the outcome as JSON.
    #[arg(long)]
    pub json: bool,
    /// The nixpkgs to build with: a path, or a flake reference
    /// (`flake:nixpkgs`, `path:…`, `git+file:…`, `github:…`) resolved once
    /// to a locked tree (default: `<nixpkgs>` as Nix finds it: NIX_PATH,
    /// else the channels).
    #[arg(long, value_name = "PATH|FLAKE-REF", conflicts_with = "flake")]
    pub nixpkgs: Option<String>,
    /// Take nixpkgs from this flake's `flake.lock` (its `nixpkgs` input, or
    /// `--flake-input`): the repository's pin is the container's.
    #[arg(long, value_name = "DIR")]
    pub flake: Option<PathBuf>,
    /// The input of the flake's lock that is nixpkgs (default: nixpkgs).
    #[arg(long, value_name = "NAME")]
    pub flake_input: Option<String>,
    /// A secret for the container, as a systemd credential: NAME=PATH, the
    /// file on the host that holds it (root-only, never in the store).
    /// Services read it with `LoadCredential=NAME`. Repeatable.
    #[arg(long = "credential", value_name = "NAME=PATH")]
    pub credentials: Vec<String>,
    /// A shared build index in a Nix binary cache (`file:///srv/cache`):
    /// before building, look the system up there and substitute it (Nix
    /// checks its signatures against `trusted-public-keys`); with
    /// `--cache-key`, push what is built here, signed.
    #[arg(long, value_name = "URL", env = "NIXUNITS_CACHE")]
    pub cache: Option<String>,
    /// The Nix secret key that signs pushes to `--cache`
    /// (`nix-store --generate-binary-cache-key`).
    #[arg(long, value_name = "FILE", env = "NIXUNITS_CACHE_KEY")]
    pub cache_key: Option<PathBuf>,
    /// Build on another host over SSH (`root@builder`), as `nixos-rebuild
    /// --build-host` does: evaluated here, the derivation copied there and
    /// realised where its store is, the system copied back.
    #[arg(long, value_name = "USER@HOST", env = "NIXUNITS_BUILD_HOST")]
    pub build_host: Option<String>,
    /// How many generations to keep as GC roots (rollback targets).
    #[arg(long, value_name = "N", env = "NIXUNITS_KEEP_GENERATIONS", default_value_t = 3,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub keep: u32,
}

/// `run`: build's options (no id: the container's is `run-<hash>`), then
/// the command.
#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    /// Build's options.
    #[command(flatten)]
    pub build: BuildArgs,
    /// The command and its arguments (default: a shell).
    #[arg(last = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

/// `doctor`
#[derive(Debug, Clone, Args)]
pub struct DoctorArgs {
    /// Print the checks as JSON: a list of {check, status, what, fix}.
    #[arg(long)]
    pub json: bool,
    /// The nixpkgs to check, as `build --nixpkgs` takes it (default:
    /// `<nixpkgs>` as Nix finds it).
    #[arg(long, value_name = "PATH|FLAKE-REF", conflicts_with = "flake")]
    pub nixpkgs: Option<String>,
    /// The nixpkgs of this flake's lock, as `build --flake`.
    #[arg(long, value_name = "DIR")]
    pub flake: Option<PathBuf>,
    /// The input of that lock that is nixpkgs (default: nixpkgs).
    #[arg(long, value_name = "NAME", requires = "flake")]
    pub flake_input: Option<String>,
}

/// `apply`
#[derive(Debug, Clone, Args)]
pub struct ApplyArgs {
    /// The fleet: `[hosts.NAME] target = "root@host"` (or "local") and
    /// `[containers.NAME] snippet, unit, hosts, count or ids, auto-ip6,
    /// start`. Paths are relative to the file.
    #[arg(value_name = "FLEET.toml")]
    pub file: PathBuf,
    /// Print the plan and change nothing (no build, no copy, no install).
    #[arg(long)]
    pub dry_run: bool,
    /// Print the plan and the outcome as one JSON document.
    #[arg(long)]
    pub json: bool,
    /// How many hosts are worked on at once (default: the file's `jobs`,
    /// else 4).
    #[arg(short = 'j', long, value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..))]
    pub jobs: Option<u32>,
}

/// Network options of `build` (none: a private network, loopback only).
#[derive(Debug, Clone, Args, Default, PartialEq, Eq)]
pub struct NetArgs {
    /// A veth with automatic IPv6 addresses derived from the id.
    #[arg(short = '6', long = "auto-ip6", conflicts_with_all = ["ip6", "host_ip6", "interface"])]
    pub auto_ip6: bool,
    /// The container's IPv6 address (ADDRESS[/PREFIX], prefix 112 by default).
    #[arg(long, value_name = "ADDRESS")]
    pub ip6: Option<String>,
    /// The host side of the veth, IPv6.
    #[arg(long, value_name = "ADDRESS")]
    pub host_ip6: Option<String>,
    /// The container's IPv4 address (ADDRESS[/PREFIX], prefix 24 by default).
    #[arg(long, value_name = "ADDRESS")]
    pub ip4: Option<String>,
    /// The host side of the veth, IPv4.
    #[arg(long, value_name = "ADDRESS")]
    pub host_ip4: Option<String>,
    /// Move this host interface into the container.
    #[arg(long, value_name = "IF")]
    pub interface: Option<String>,
    /// IPv6 default route (gateway) inside the container.
    #[arg(long, value_name = "ADDRESS")]
    pub ip6_route: Option<String>,
    /// IPv4 default route (gateway) inside the container.
    #[arg(long, value_name = "ADDRESS")]
    pub ip4_route: Option<String>,
    /// Publish a port on the host: PROTO:[HOST_ADDRESS:]HOST_PORT:PORT
    /// (`tcp:8080:80`, `udp:[::1]:5353:53`). Repeatable.
    #[arg(long = "port", value_name = "SPEC")]
    pub ports: Vec<String>,
    /// A name server for the container's /etc/resolv.conf (default: the
    /// host's upstream servers). Repeatable.
    #[arg(long = "dns", value_name = "ADDRESS")]
    pub dns: Vec<String>,
    /// Close inbound traffic but for this (PROTO:PORT or PROTO:FIRST-LAST),
    /// published ports and neighbour discovery. Repeatable.
    #[arg(long = "allow-in", value_name = "PROTO:PORT")]
    pub allow_in: Vec<String>,
}

/// `nixunits schema …`
#[derive(Debug, Subcommand)]
pub enum SchemaCommand {
    /// Load an options schema: the NixOS manual's options.json, or the list
    /// `lib.optionAttrSetToDocList` gives.
    Import {
        /// The file.
        file: PathBuf,
    },
    /// Generate the schema of a nixpkgs with nix-instantiate (cached by the
    /// nixpkgs identity).
    Generate {
        /// The nixpkgs (default: `<nixpkgs>` of NIX_PATH).
        #[arg(long, value_name = "PATH")]
        nixpkgs: Option<PathBuf>,
    },
}

/// `nixunits cache …`
#[derive(Debug, Subcommand)]
pub enum CacheCommand {
    /// Entries, size, and how many out paths are still in the store.
    Stats {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Drop the entries whose out path is gone from the store.
    Verify,
    /// Drop the entries no container uses.
    Gc,
    /// Drop every entry.
    Clear,
}

/// The seed's two-letter short options, rewritten before clap sees them:
/// `-cc EXPR` is `--config EXPR`, `-cf FILE` is `--config-file FILE`.
pub fn rewrite_seed_options(
    args: impl IntoIterator<Item = std::ffi::OsString>,
) -> Vec<std::ffi::OsString> {
    let mut out = Vec::new();
    let mut rest = false;
    for a in args {
        if rest {
            out.push(a);
            continue;
        }
        match a.to_str() {
            Some("--") => {
                rest = true;
                out.push(a);
            }
            Some("-cc") => out.push("--config".into()),
            Some("-cf") => out.push("--config-file".into()),
            _ => out.push(a),
        }
    }
    out
}

/// `nixunits check`
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Files to check; `-` reads standard input.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// The name to report for standard input.
    #[arg(long, value_name = "NAME", default_value = "<stdin>")]
    pub stdin_filename: String,
    /// Only what Nix's own parser checks, for any Nix file (module or not).
    #[arg(long)]
    pub parse_only: bool,
    /// Which Nix to agree with, as MAJOR.MINOR (default: the `nix` on PATH,
    /// else current Nix).
    #[arg(long, value_name = "VERSION", env = "NIXUNITS_NIX_VERSION")]
    pub nix_version: Option<String>,
    /// Experimental Nix features the host enables (`pipe-operators`).
    #[arg(long, value_name = "FEATURE", value_parser = ["pipe-operators"])]
    pub experimental: Vec<String>,
    /// The options schema to check option names and types against
    /// (default: the one `nixunits schema import|generate` stored).
    #[arg(long, value_name = "FILE")]
    pub schema: Option<PathBuf>,
    /// The policy (TOML or JSON) instead of the default one.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Do not evaluate: no option, schema or policy checks.
    #[arg(long)]
    pub no_eval: bool,
    #[allow(missing_docs)] // EvalBounds documents its flags
    #[command(flatten)]
    pub bounds: EvalBounds,
}

/// Bounds of the embedded evaluation of one file. Reaching one is not an
/// error: what is left is unknown, and a warning says which bound cut the
/// evaluation short.
#[derive(Debug, Clone, clap::Args)]
pub struct EvalBounds {
    /// Wall-clock time the evaluation of one file may take (`500ms`, `5s`).
    #[arg(long, value_name = "TIME", default_value = "5s", value_parser = parse_timeout)]
    pub eval_timeout: std::time::Duration,
    /// Memory the values of one file's evaluation may take (`64MiB`,
    /// `1GiB`; strings, list elements, attribute entries, counted as they
    /// are made).
    #[arg(long, value_name = "SIZE", default_value = "256MiB", value_parser = parse_size)]
    pub eval_memory: u64,
}

impl EvalBounds {
    /// The evaluator's limits with these bounds.
    pub fn limits(&self) -> nixunits_eval::eval::Limits {
        nixunits_eval::eval::Limits {
            timeout: Some(self.eval_timeout),
            max_memory: self.eval_memory,
            ..nixunits_eval::eval::Limits::default()
        }
    }
}

fn parse_timeout(s: &str) -> Result<std::time::Duration, String> {
    match humantime::parse_duration(s) {
        Ok(d) if d.is_zero() => Err("the time must be more than 0".into()),
        Ok(d) => Ok(d),
        Err(e) => Err(format!("{e} (e.g. `500ms`, `5s`)")),
    }
}

/// A size: a number of bytes, or with a unit `KiB`, `MiB`, `GiB` (`K`,
/// `M`, `G` and `KB`, `MB`, `GB` are read as the same powers of two).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        _ => return Err(format!("unknown unit in `{s}` (e.g. `256MiB`, `1GiB`)")),
    };
    let n: u64 = num
        .parse()
        .map_err(|_| format!("`{s}` is not a size (e.g. `256MiB`, `1GiB`)"))?;
    match n.checked_mul(1 << shift) {
        Some(0) => Err("the size must be more than 0".into()),
        Some(b) => Ok(b),
        None => Err(format!("`{s}` is too large")),
    }
}

/// `check --format`
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Like rustc: location, source line, caret.
    Human,
    /// One JSON document: an array with one object per file.
    Json,
    /// `path>line:col:severity:code:message`, one line each (statix's).
    Errfmt,
    /// GitHub Actions workflow commands (`::error file=…::…`).
    Github,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
}
