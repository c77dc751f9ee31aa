//! The template unit `nixunits@.service`, for hosts without the NixOS
//! module: its text with this binary's, systemd-nspawn's and the state
//! directory's paths filled in.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use nixunits_store::StateDir;

use crate::base::nix;

/// The template unit, with `@…@` placeholders.
const TEMPLATE: &str = include_str!("../../../nix/nixunits@.service");

/// Writes the template unit below `prefix` (default `/`), with this
/// binary's path, systemd-nspawn's and the state directory filled in;
/// returns where.
pub fn write(state: &StateDir, prefix: Option<&Path>) -> Result<PathBuf> {
    let exe = crate::base::proc::this_exe()?;
    let exe = std::fs::canonicalize(&exe).unwrap_or(exe);
    let nspawn = nix::which("systemd-nspawn")
        .context("systemd-nspawn is not on PATH (Debian: apt install systemd-container)")?;
    let text = render_template(&exe, &nspawn, state.root());
    let dir = prefix.unwrap_or(Path::new("/")).join("etc/systemd/system");
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let path = dir.join("nixunits@.service");
    nixunits_store::state::atomic_write(&path, text.as_bytes())?;
    Ok(path)
}

/// The template with its placeholders filled.
pub fn render_template(exe: &Path, nspawn: &Path, state: &Path) -> String {
    TEMPLATE
        .replace("@nixunits@", &exe.display().to_string())
        .replace("@systemdNspawn@", &nspawn.display().to_string())
        .replace("@stateDir@", &state.display().to_string())
}
