//! Every call of systemd's programs goes through here.

use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};
use nixunits_store::ContainerId;

/// The unit of a container.
pub fn unit_name(id: &ContainerId) -> String {
    format!("nixunits@{id}.service")
}

/// Whether the container's unit is active.
pub fn is_active(id: &ContainerId) -> bool {
    Command::new("systemctl")
        .args(["is-active", "--quiet", &unit_name(id)])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// What [`apply`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Nothing asked, or nothing needed.
    None,
    /// Started (it was not running).
    Started,
    /// Restarted (the result changed).
    Restarted,
}

impl Action {
    /// For output.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::None => "unchanged",
            Action::Started => "started",
            Action::Restarted => "restarted",
        }
    }
}

/// `-s` / `-r` after a build: start the unit when it is not running;
/// with `restart`, restart it when the result `changed`. The one place
/// `build` touches systemd.
pub fn apply(id: &ContainerId, start: bool, restart: bool, changed: bool) -> Result<Action> {
    if !start && !restart {
        return Ok(Action::None);
    }
    if !is_active(id) {
        systemctl(&["start", &unit_name(id)])?;
        return Ok(Action::Started);
    }
    if restart && changed {
        systemctl(&["restart", &unit_name(id)])?;
        return Ok(Action::Restarted);
    }
    Ok(Action::None)
}

fn systemctl(args: &[&str]) -> Result<()> {
    let out = Command::new("systemctl")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("cannot run systemctl {}", args.join(" ")))?;
    if !out.status.success() {
        bail!(
            "systemctl {} failed ({}): {}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}
