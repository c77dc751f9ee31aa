//! Running a helper program (systemctl, machinectl, ip, nix --version)
//! whose failure is an error.

use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};

/// Runs `cmd` with standard input closed and returns its standard output;
/// an error naming `what`, the exit status and the standard error when it
/// fails or cannot start.
pub fn stdout_of(cmd: &mut Command, what: &str) -> Result<String> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("cannot run {what}"))?;
    if !out.status.success() {
        bail!(
            "{what} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}
