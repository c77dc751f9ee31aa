//! The command line as clap parses it (DESIGN §3). Nothing here acts:
//! `main` resolves these into what to do.

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

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check snippets without Nix: syntax and every check Nix's parser makes,
    /// scope, module shape.
    Check(CheckArgs),
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
}
