//! A fleet's conversation with its hosts (`apply`): where a host's
//! commands run (`local`, or SSH), what a host reports of its containers
//! (`fleet-state`), what it is asked to do and how it answers, one JSON
//! line per action (`fleet-install`), and hosts worked on `jobs` at a
//! time.

use std::collections::BTreeSet;
use std::io::{BufRead, Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

/// Where a host's commands run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// This host: the same binary and state directory, no SSH, no copy.
    Local,
    /// `ssh USER@HOST`.
    Ssh(String),
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::Local => f.write_str("local"),
            Target::Ssh(h) => f.write_str(h),
        }
    }
}

/// A container as `fleet-state` reports it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Current {
    /// The container id.
    pub id: String,
    /// The fleet that installed it, if one did.
    pub fleet: Option<String>,
    /// The live generation's system.
    pub out_path: Option<String>,
    /// Its unit description (canonical JSON).
    pub unit: Option<String>,
    /// Its unit is active.
    pub active: bool,
    /// Its unit is enabled (started at boot). Older hosts do not say.
    #[serde(default)]
    pub enabled: bool,
    /// Declared by the NixOS module.
    pub declared: bool,
}

/// What `apply` asks of one host.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Actions {
    /// The fleet asking.
    pub fleet: String,
    /// Removed first (their addresses are free for what is installed).
    pub remove: Vec<String>,
    /// Installed next.
    pub install: Vec<Install>,
    /// Started last (unchanged but not running, or not enabled), and
    /// enabled.
    pub start: Vec<String>,
    /// Disabled (unchanged, not started by the fleet, but enabled).
    #[serde(default)]
    pub disable: Vec<String>,
}

/// A system to install as a container's new generation.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Install {
    /// The container id.
    pub id: String,
    /// The system's store path, already copied.
    pub system: String,
    /// The unit description (canonical JSON).
    pub unit: String,
    /// Start it (and restart it when it runs another system).
    pub start: bool,
    /// `new` or `changed`.
    pub why: String,
}

/// The outcome of one action, a line of `fleet-install`'s output.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Done {
    /// The container id.
    pub id: String,
    /// `remove`, `install` or `start`.
    pub action: String,
    /// Whether it was done.
    pub ok: bool,
    /// What was done, or the error.
    pub message: String,
}

/// Runs `nixunits ARGS` on a target: this binary for `local`, the
/// remote's through SSH.
fn nixunits_on(target: &Target, state_dir: &Path, args: &str) -> Result<Command> {
    Ok(match target {
        Target::Local => {
            let mut c = Command::new(crate::base::proc::this_exe()?);
            c.arg("--state-dir").arg(state_dir);
            c.args(args.split(' '));
            c
        }
        Target::Ssh(h) => {
            let mut c = super::ssh::ssh(h);
            c.arg(format!("nixunits {args}"));
            c
        }
    })
}

fn failed_msg(target: &Target, what: &str, out: &std::process::Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).trim().to_owned();
    if out.status.code() == Some(127) {
        return format!("nixunits is not installed on {target} ({stderr})");
    }
    if out.status.code() == Some(2) && stderr.contains("unrecognized subcommand") {
        return format!(
            "the nixunits on {target} has no {what} (it is older than this one): install this version there"
        );
    }
    if out.status.code() == Some(255) && matches!(target, Target::Ssh(_)) {
        return format!("ssh {target}: {stderr}");
    }
    format!("{what} on {target} failed ({}): {stderr}", out.status)
}

/// The containers a host has (its `fleet-state`), or why it cannot say.
pub fn read_state(target: &Target, state_dir: &Path) -> Result<Vec<Current>, String> {
    let out = nixunits_on(target, state_dir, "fleet-state")
        .map_err(|e| format!("{e:#}"))?
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run ssh: {e}"))?;
    if !out.status.success() {
        return Err(failed_msg(target, "fleet-state", &out));
    }
    serde_json::from_slice(&out.stdout)
        .map_err(|e| format!("{target} answered fleet-state with something else ({e})"))
}

/// Copies the systems, then runs the host's actions. The outcomes of the
/// actions done, and the error that stopped the host if one did.
pub fn act_on(
    target: &Target,
    state_dir: &Path,
    actions: &Actions,
    say: &dyn Fn(&str),
) -> (Vec<Done>, Option<String>) {
    if let Target::Ssh(h) = target {
        let systems: BTreeSet<&str> = actions.install.iter().map(|i| i.system.as_str()).collect();
        if !systems.is_empty() {
            say(&format!("copying {} system(s)", systems.len()));
            let paths: Vec<&str> = systems.into_iter().collect();
            if let Err(e) = super::ssh::copy(h, &paths) {
                return (Vec::new(), Some(format!("{e:#}")));
            }
        }
    }
    say("installing");
    let total =
        actions.remove.len() + actions.install.len() + actions.start.len() + actions.disable.len();
    let spawned = nixunits_on(target, state_dir, "fleet-install").and_then(|mut c| {
        c.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .context("cannot run ssh")
    });
    let mut child = match spawned {
        Ok(c) => c,
        Err(e) => return (Vec::new(), Some(format!("{e:#}"))),
    };
    let input = serde_json::to_vec(actions).unwrap_or_default();
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(&input);
    }
    let stderr = child.stderr.take();
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        if let Some(mut e) = stderr {
            let _ = e.read_to_string(&mut s);
        }
        s
    });
    let mut done = Vec::new();
    if let Some(stdout) = child.stdout.take() {
        for line in std::io::BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if let Ok(d) = serde_json::from_str::<Done>(&line) {
                say(&format!("{}/{total} {}", done.len() + 1, d.message));
                done.push(d);
            }
        }
    }
    let status = child.wait();
    let stderr = err_reader.join().unwrap_or_default();
    let failed: Vec<String> = done
        .iter()
        .filter(|d| !d.ok)
        .map(|d| format!("{} {}: {}", d.action, d.id, d.message))
        .collect();
    let error = match status {
        Ok(s) if done.len() < total => Some(format!(
            "fleet-install on {target} stopped after {} of {total} actions ({s}): {}",
            done.len(),
            stderr.trim()
        )),
        Err(e) => Some(format!("cannot wait for fleet-install on {target}: {e}")),
        _ if !failed.is_empty() => Some(failed.join("; ")),
        Ok(s) if !s.success() => Some(format!(
            "fleet-install on {target} failed ({s}): {}",
            stderr.trim()
        )),
        Ok(_) => None,
    };
    (done, error)
}

/// Runs `work` over `items`, `jobs` at a time; results in order.
pub fn parallel<T: Sync, R: Send>(
    jobs: usize,
    items: &[T],
    work: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<R>>> = Mutex::new((0..items.len()).map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..jobs.min(items.len()).max(1) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(item) = items.get(i) else { break };
                let r = work(item);
                if let Ok(mut v) = results.lock() {
                    v[i] = Some(r);
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_default()
        .into_iter()
        .flatten()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn failures_name_the_host_and_the_fix() {
        use std::os::unix::process::ExitStatusExt;
        let out = |code: i32, err: &str| std::process::Output {
            status: std::process::ExitStatus::from_raw(code << 8),
            stdout: Vec::new(),
            stderr: err.as_bytes().to_vec(),
        };
        let t = Target::Ssh("root@b".into());
        let said = |code, err| failed_msg(&t, "fleet-state", &out(code, err));
        assert!(said(127, "sh: 1: nixunits: not found")
            .starts_with("nixunits is not installed on root@b"));
        assert!(
            said(2, "error: unrecognized subcommand 'fleet-state'").contains("older than this one")
        );
        assert_eq!(
            said(255, "ssh: connect to host b port 22: No route to host"),
            "ssh root@b: ssh: connect to host b port 22: No route to host"
        );
        assert!(said(1, "boom").starts_with("fleet-state on root@b failed"));
    }
}
