//! Every call of a Nix program goes through here.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};
use nixunits_nixexpr::NixVersion;

/// The first executable `name` on `PATH`.
pub fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    p.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// The version of the `nix` on `PATH`, if there is one.
///
/// Cheap on the hot path: a Nix from the store names its version in its
/// path (`/nix/store/…-nix-2.18.1/bin/nix`); otherwise `nix --version` runs
/// once and its answer is kept in the user's cache directory, keyed by the
/// binary's path, size and modification time.
pub fn detect_version() -> Option<NixVersion> {
    let bin = which("nix")?;
    let real = std::fs::canonicalize(&bin).unwrap_or(bin);
    if let Some(v) = version_from_store_path(&real) {
        return Some(v);
    }
    let meta = real.metadata().ok()?;
    let mtime = meta
        .modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_secs();
    let stamp = format!("{} {} {}", real.display(), meta.len(), mtime);
    let cache = cache_dir().map(|d| d.join("nix-version"));
    if let Some(c) = &cache {
        if let Ok(text) = std::fs::read_to_string(c) {
            if let Some((s, v)) = text.trim_end().rsplit_once(' ') {
                if s == stamp {
                    return v.parse().ok();
                }
            }
        }
    }
    let v = run_version(&real).ok()?;
    if let Some(c) = cache {
        // A cache that cannot be written only costs the next run a spawn.
        let _ = std::fs::create_dir_all(c.parent().unwrap_or(Path::new("/")))
            .and_then(|()| std::fs::write(&c, format!("{stamp} {v}\n")));
    }
    Some(v)
}

fn version_from_store_path(p: &Path) -> Option<NixVersion> {
    let s = p.to_str()?;
    let rest = s.strip_prefix("/nix/store/")?;
    let name = rest.split('/').next()?;
    let v = name.split_once("-nix-")?.1;
    v.parse().ok()
}

fn cache_dir() -> Option<PathBuf> {
    std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .map(|d| d.join("nixunits"))
}

fn run_version(bin: &Path) -> Result<NixVersion> {
    let out = Command::new(bin)
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("running {} --version", bin.display()))?;
    if !out.status.success() {
        bail!(
            "{} --version failed: {}",
            bin.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let text = String::from_utf8_lossy(&out.stdout);
    NixVersion::from_version_output(&text).with_context(|| format!("no version in {text:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_from_a_store_path() {
        assert_eq!(
            version_from_store_path(Path::new("/nix/store/abc-nix-2.18.1/bin/nix")),
            Some(NixVersion {
                major: 2,
                minor: 18
            })
        );
        assert_eq!(version_from_store_path(Path::new("/usr/bin/nix")), None);
    }
}
