//! `--target-host USER@HOST`: what `nixos-rebuild --target-host` does, for
//! containers. `build` builds (or hits) here, copies the system to the
//! target with `nix copy --to ssh://…` and has the nixunits installed there
//! install it as a generation and start it (`install-system`: no
//! evaluation there); the lifecycle commands run there as they are. SSH
//! options come from NIX_SSHOPTS, as for Nix's own SSH stores. Every call of
//! `ssh` goes through here.

use std::ffi::OsString;
use std::process::Command;

use anyhow::{Context, Result};

use crate::base::proc::{shell_word, stdout_of};
use crate::base::UsageError;

/// A host as `--build-host` and `--target-host` take it, `USER@HOST`: not
/// empty, no white space, and not an option of `ssh` (`-oProxyCommand=…`).
/// Exit 2 naming the flag otherwise; nothing has been run.
pub fn check_host(flag: &str, host: &str) -> Result<(), UsageError> {
    if host.is_empty() || host.starts_with('-') || host.chars().any(char::is_whitespace) {
        return Err(UsageError(format!("{flag} {host:?}: give USER@HOST")));
    }
    Ok(())
}

/// `ssh [NIX_SSHOPTS] HOST --`: the command to run follows.
pub fn ssh(host: &str) -> Command {
    let mut c = Command::new("ssh");
    if let Ok(opts) = std::env::var("NIX_SSHOPTS") {
        c.args(opts.split_whitespace());
    }
    c.arg(host).arg("--");
    c
}

/// Fails clearly when the target has no nixunits.
pub fn check_remote(host: &str) -> Result<()> {
    stdout_of(
        ssh(host).arg("nixunits --version"),
        &format!("ssh {host} nixunits --version"),
    )
    .map_err(|e| {
        anyhow::Error::from(UsageError(format!(
            "nixunits is not installed on {host}, or {host} cannot be reached: {e:#}"
        )))
    })?;
    Ok(())
}

/// Runs this command line on the target, without the options that name
/// this host's paths (`--target-host`, `--state-dir`, `--nix-dir`); its
/// output is ours and its exit status too.
pub fn forward(host: &str, argv: &[OsString]) -> Result<i32> {
    let mut words = Vec::new();
    let mut skip = false;
    for a in argv.iter().skip(1) {
        let a = a.to_string_lossy();
        if skip {
            skip = false;
            continue;
        }
        if let Some(flag) = ["--target-host", "--state-dir", "--nix-dir"]
            .iter()
            .find(|f| a == **f || a.starts_with(&format!("{f}=")))
        {
            skip = a == *flag;
            continue;
        }
        words.push(shell_word(&a));
    }
    let status = ssh(host)
        .arg(format!("nixunits {}", words.join(" ")))
        .status()
        .with_context(|| format!("cannot run ssh {host}"))?;
    Ok(status.code().unwrap_or(1))
}

/// `nix copy --to ssh://HOST` of store paths (Nix skips what is there).
pub fn copy(host: &str, paths: &[&str]) -> Result<()> {
    stdout_of(
        Command::new("nix")
            .args(["--extra-experimental-features", "nix-command", "copy"])
            .arg("--to")
            .arg(format!("ssh://{host}"))
            .args(paths),
        &format!("nix copy --to ssh://{host}"),
    )?;
    Ok(())
}

/// `--build-host`: the system evaluated here (`nix-instantiate`), its
/// derivation copied to `host` (`nix-copy-closure --to`), realised there
/// (`nix-store --realise`, its log in `log`) and the result copied back
/// (`nix-copy-closure --from`), then rooted at the request's out-link —
/// what `nixos-rebuild --build-host` does.
pub fn build_on(
    host: &str,
    req: &crate::base::nix::BuildRequest,
    log: &std::path::Path,
) -> Result<String> {
    let drv = stdout_of(
        Command::new("nix-instantiate").args(req.instantiate_args()),
        "nix-instantiate",
    )?
    .lines()
    .rev()
    .find(|l| l.starts_with("/nix/store/") && l.ends_with(".drv"))
    .map(str::to_owned)
    .context("nix-instantiate printed no derivation")?;
    stdout_of(
        Command::new("nix-copy-closure")
            .arg("--to")
            .arg(host)
            .arg(&drv),
        &format!("nix-copy-closure --to {host}"),
    )?;
    let logf =
        std::fs::File::create(log).with_context(|| format!("cannot write {}", log.display()))?;
    let out = ssh(host)
        .arg(format!("nix-store --realise {}", shell_word(&drv)))
        .stdin(std::process::Stdio::null())
        .stderr(logf)
        .output()
        .with_context(|| format!("cannot run ssh {host}"))?;
    if !out.status.success() {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        let tail: Vec<&str> = text.lines().rev().take(25).collect();
        anyhow::bail!(
            "nix-store --realise on {host} failed ({}):\n{}",
            out.status,
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        );
    }
    let system = String::from_utf8_lossy(&out.stdout)
        .lines()
        .rev()
        .find(|l| l.starts_with("/nix/store/"))
        .map(str::to_owned)
        .with_context(|| format!("nix-store --realise on {host} printed no store path"))?;
    stdout_of(
        Command::new("nix-copy-closure")
            .arg("--from")
            .arg(host)
            .arg(&system),
        &format!("nix-copy-closure --from {host}"),
    )?;
    crate::base::nix::add_root(&system, &req.out_link)?;
    Ok(system)
}

/// `--build-host` for many systems (`apply`): the derivations, evaluated
/// here, copied to `host` with one `nix-copy-closure --to`, realised there
/// by one `nix-store --realise --keep-going` (that host's Nix schedules the
/// builds; `options` are its `--option NAME VALUE`s; the log in `log`),
/// and the outputs that were built copied back with one
/// `nix-copy-closure --from`. Per derivation: built and here, or why not.
/// The caller roots them here.
pub fn realise_on(
    host: &str,
    drvs: &[String],
    outs: &[String],
    options: &[String],
    log: &std::path::Path,
) -> Result<Vec<Result<(), String>>> {
    if drvs.is_empty() {
        return Ok(Vec::new());
    }
    stdout_of(
        Command::new("nix-copy-closure")
            .arg("--to")
            .arg(host)
            .args(drvs),
        &format!("nix-copy-closure --to {host}"),
    )?;
    let logf =
        std::fs::File::create(log).with_context(|| format!("cannot write {}", log.display()))?;
    let words: Vec<String> = options.iter().chain(drvs).map(|w| shell_word(w)).collect();
    let status = ssh(host)
        .arg(format!(
            "nix-store --realise --keep-going {}",
            words.join(" ")
        ))
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(logf)
        .status()
        .with_context(|| format!("cannot run ssh {host}"))?;
    // What was built there: every output, or those it says are valid.
    let invalid: Vec<String> = if status.success() {
        Vec::new()
    } else {
        let words: Vec<String> = outs.iter().map(|w| shell_word(w)).collect();
        let out = ssh(host)
            .arg(format!(
                "nix-store --check-validity --print-invalid {}",
                words.join(" ")
            ))
            .stdin(std::process::Stdio::null())
            .output()
            .with_context(|| format!("cannot run ssh {host}"))?;
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_owned)
            .collect()
    };
    let built: Vec<&String> = outs.iter().filter(|o| !invalid.contains(o)).collect();
    if !built.is_empty() {
        stdout_of(
            Command::new("nix-copy-closure")
                .arg("--from")
                .arg(host)
                .args(&built),
            &format!("nix-copy-closure --from {host}"),
        )?;
    }
    let text = std::fs::read_to_string(log).unwrap_or_default();
    Ok(drvs
        .iter()
        .zip(outs)
        .map(|(drv, out)| {
            if !invalid.contains(out) {
                return Ok(());
            }
            Err(crate::base::nix::systems::realise_error(
                &text,
                drv,
                &format!("nix-store --realise on {host}"),
                status,
                log,
            ))
        })
        .collect())
}

/// After a local build: the system copied to the target, installed and
/// (re)started there.
pub fn install(
    host: &str,
    id: &str,
    system: &str,
    unit_json: &str,
    start: bool,
    restart: bool,
) -> Result<()> {
    copy(host, &[system])?;
    let mut cmd = format!(
        "nixunits install-system {} --system {} --unit-json {}",
        shell_word(id),
        shell_word(system),
        shell_word(unit_json)
    );
    if start {
        cmd.push_str(" -s");
    }
    if restart {
        cmd.push_str(" -r");
    }
    let status = ssh(host)
        .arg(cmd)
        .status()
        .with_context(|| format!("cannot run ssh {host}"))?;
    if !status.success() {
        anyhow::bail!("installing {id} on {host} failed ({status})");
    }
    Ok(())
}
