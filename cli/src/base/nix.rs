//! Every call of a Nix program goes through here.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, Result};
use nixunits_nixexpr::NixVersion;

use super::flake::nix_string;
use super::proc::stdout_of;

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
    // One small file per binary, named after it: no two runs contend.
    let cache = cache_dir().map(|d| d.join(format!("nix-version-{}", &blake3_hex(&stamp)[..16])));
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
        let _ = std::fs::create_dir_all(c.parent().unwrap_or(Path::new("/"))).and_then(|()| {
            nixunits_store::state::atomic_write(&c, format!("{stamp} {v}\n").as_bytes())
        });
    }
    Some(v)
}

fn blake3_hex(s: &str) -> String {
    nixunits_store::key::BuildKey(*blake3::hash(s.as_bytes()).as_bytes()).to_string()
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
    let text = stdout_of(
        Command::new(bin).arg("--version"),
        &format!("{} --version", bin.display()),
    )?;
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

/// The Nix system of this machine, as `builtins.currentSystem` names it.
pub fn system() -> String {
    format!("{}-linux", std::env::consts::ARCH)
}

fn nixpkgs_from_nix_path(nix_path: &str) -> Option<PathBuf> {
    for entry in nix_path.split(':') {
        if let Some(p) = entry.strip_prefix("nixpkgs=") {
            return Some(PathBuf::from(p));
        }
        if !entry.contains('=') && Path::new(entry).join("nixpkgs").exists() {
            return Some(Path::new(entry).join("nixpkgs"));
        }
    }
    None
}

/// Where Nix looks for `<nixpkgs>` when `NIX_PATH` is unset (Nix 2.x's
/// default search path): the user's and root's channels.
fn default_channels() -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Some(home) = std::env::var_os("HOME") {
        out.push(PathBuf::from(home).join(".nix-defexpr/channels/nixpkgs"));
    }
    out.push(PathBuf::from(
        "/nix/var/nix/profiles/per-user/root/channels/nixpkgs",
    ));
    out
}

/// Why no nixpkgs could be found for a build.
#[derive(Debug, thiserror::Error)]
pub enum NoNixpkgs {
    /// Nothing names one.
    #[error("no nixpkgs to build with: NIX_PATH names none and there is no channel; set NIX_PATH=nixpkgs=/path/to/nixpkgs or pass --nixpkgs PATH")]
    Missing,
    /// It is named but is not there.
    #[error("nixpkgs {path} ({from}) does not exist; set NIX_PATH=nixpkgs=/path/to/nixpkgs or pass --nixpkgs PATH")]
    NotThere {
        /// The path named.
        path: PathBuf,
        /// Who named it.
        from: &'static str,
    },
    /// A URL that is neither a path nor a flake reference (`channel:`).
    #[error("nixpkgs {0} is not a local path or a flake reference; set NIX_PATH=nixpkgs=/path/to/nixpkgs or pass --nixpkgs PATH (or a flake reference: --nixpkgs flake:nixpkgs), or --flake DIR for a flake.lock's pin")]
    NotLocal(String),
}

/// The nixpkgs a build uses, as Nix would find `<nixpkgs>`, resolved
/// before any Nix process runs: `--nixpkgs`, else `NIX_PATH`, else the
/// channels Nix looks in when `NIX_PATH` is unset. A tree that is not
/// there is an error that says how to name one.
pub fn resolve_nixpkgs(given: Option<&Path>) -> Result<PathBuf, NoNixpkgs> {
    let (path, from) = if let Some(p) = given {
        (p.to_path_buf(), "--nixpkgs")
    } else if let Some(nix_path) = std::env::var("NIX_PATH").ok().filter(|s| !s.is_empty()) {
        let p = nixpkgs_from_nix_path(&nix_path).ok_or(NoNixpkgs::Missing)?;
        (p, "NIX_PATH")
    } else {
        let p = default_channels()
            .into_iter()
            .find(|p| p.exists())
            .ok_or(NoNixpkgs::Missing)?;
        (p, "channel")
    };
    let text = path.to_string_lossy();
    if text.contains("://") || text.starts_with("flake:") || text.starts_with("channel:") {
        return Err(NoNixpkgs::NotLocal(text.into_owned()));
    }
    let abs = std::fs::canonicalize(&path).map_err(|_| NoNixpkgs::NotThere {
        path: path.clone(),
        from,
    })?;
    if !abs.join("nixos/lib/eval-config.nix").is_file() {
        return Err(NoNixpkgs::NotThere { path, from });
    }
    Ok(abs)
}

/// The Nix files to build with: `--nix-dir`, else those installed beside
/// the binary (`../share/nixunits/nix`), else the source tree's `nix/`.
pub fn default_nix_dir() -> PathBuf {
    let installed = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(|d| d.join("../share/nixunits/nix")))
        .filter(|d| d.join("default.nix").is_file());
    installed.unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../nix")))
}

/// A `nix-build` of one container.
#[derive(Debug, Clone)]
pub struct BuildRequest {
    /// `--nix-dir`.
    pub nix_dir: PathBuf,
    /// The id.
    pub id: String,
    /// The snippet file the build imports.
    pub config_file: PathBuf,
    /// The canonical unit description.
    pub unit_json: String,
    /// The nixpkgs tree (`--arg nixpkgs`), resolved before the build.
    pub nixpkgs: PathBuf,
    /// The snippet imports a flake output (`builtins.getFlake`): the
    /// evaluation needs the flakes feature.
    pub flakes: bool,
    /// The out-link: `result` of the generation being made.
    pub out_link: PathBuf,
}

impl BuildRequest {
    /// The arguments of `nix-build` (the program name not included).
    pub fn args(&self) -> Vec<String> {
        let flakes = ["--option", "extra-experimental-features", "flakes"];
        let flakes = flakes
            .iter()
            .filter(|_| self.flakes)
            .map(|s| (*s).to_owned());
        std::iter::once(self.nix_dir.join("system.nix").display().to_string())
            .chain(flakes)
            .chain([
                "--argstr".into(),
                "id".into(),
                self.id.clone(),
                "--arg".into(),
                "configFile".into(),
                // A path from a string: any file name works, spaces included.
                format!(
                    "/. + {}",
                    nix_string(&self.config_file.display().to_string())
                ),
                "--argstr".into(),
                "unitJSON".into(),
                self.unit_json.clone(),
                "--arg".into(),
                "nixpkgs".into(),
                format!("/. + {}", nix_string(&self.nixpkgs.display().to_string())),
                "--out-link".into(),
                self.out_link.display().to_string(),
            ])
            .collect()
    }

    /// The arguments of `nix-instantiate` for the same system (no
    /// out-link: `--build-host` realises the derivation elsewhere).
    pub fn instantiate_args(&self) -> Vec<String> {
        let mut a = self.args();
        a.truncate(a.len() - 2);
        a
    }

    /// The command as a shell would take it, for `--dry-run`.
    pub fn display(&self) -> String {
        std::iter::once("nix-build".to_owned())
            .chain(self.args().iter().map(|a| super::proc::shell_word(a)))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// A failed Nix command, with what it said.
#[derive(Debug, thiserror::Error)]
#[error("{program} failed ({status}){}", if tail.is_empty() { String::new() } else { format!(":\n{tail}") })]
pub struct NixFailed {
    /// The program.
    pub program: String,
    /// How it ended.
    pub status: std::process::ExitStatus,
    /// The last lines of its standard error.
    pub tail: String,
}

/// Ties a child to this process: when nixunits dies, however it dies
/// (`kill -9` included), the kernel sends the child SIGTERM, on which
/// nix-build stops its builders and exits. Without it an orphaned
/// nix-build would finish later and write into a build we gave up.
///
/// `inherit`: a descriptor the child keeps across exec (the container's
/// lock: the flock stays held while nix-build lives, so a build killed with
/// nixunits keeps the container locked until it has stopped, and the next
/// build waits for it instead of racing its late out-link).
fn die_with_parent(cmd: &mut tokio::process::Command, inherit: Option<std::os::fd::RawFd>) {
    let parent = nix::unistd::getpid();
    // SAFETY: the closure runs in the child between fork and exec, and
    // makes only async-signal-safe system calls (prctl, fcntl, getppid,
    // _exit); it allocates nothing and takes no lock.
    #[allow(unsafe_code)]
    unsafe {
        cmd.pre_exec(move || {
            if let Some(fd) = inherit {
                if libc::fcntl(fd, libc::F_SETFD, 0) == -1 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            nix::sys::prctl::set_pdeathsig(nix::sys::signal::Signal::SIGTERM)
                .map_err(std::io::Error::from)?;
            // We died before the prctl: nothing would signal the child.
            if nix::unistd::getppid() != parent {
                libc::_exit(1);
            }
            Ok(())
        });
    }
}

/// Runs `nix-build`, writing its log to `log` and each line to `on_line`;
/// returns the out path. Dropping the future kills the build, and so does
/// the death of this process ([`die_with_parent`]).
pub async fn build(
    req: &BuildRequest,
    log: &Path,
    lock: Option<std::os::fd::RawFd>,
    on_line: &mut dyn FnMut(&str),
) -> Result<String> {
    use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
    let mut cmd = tokio::process::Command::new("nix-build");
    cmd.args(req.args())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    die_with_parent(&mut cmd, lock);
    let mut child = cmd
        .spawn()
        .context("cannot run nix-build (is Nix installed and on PATH?)")?;
    let mut logf = tokio::fs::File::create(log)
        .await
        .with_context(|| format!("cannot write {}", log.display()))?;
    let mut stdout = child.stdout.take().context("nix-build stdout")?;
    let stderr = child.stderr.take().context("nix-build stderr")?;
    let out_task = tokio::spawn(async move {
        let mut s = String::new();
        stdout.read_to_string(&mut s).await.map(|_| s)
    });
    let mut lines = BufReader::new(stderr).lines();
    let mut tail: std::collections::VecDeque<String> = std::collections::VecDeque::new();
    while let Some(line) = lines.next_line().await.context("reading nix-build's log")? {
        logf.write_all(line.as_bytes()).await?;
        logf.write_all(b"\n").await?;
        on_line(&line);
        tail.push_back(line);
        if tail.len() > 25 {
            tail.pop_front();
        }
    }
    logf.flush().await?;
    let status = child.wait().await.context("waiting for nix-build")?;
    let stdout = out_task
        .await
        .context("nix-build stdout")?
        .context("reading nix-build's output")?;
    if !status.success() {
        return Err(NixFailed {
            program: "nix-build".into(),
            status,
            tail: Vec::from(tail).join("\n"),
        }
        .into());
    }
    stdout
        .lines()
        .rev()
        .find(|l| l.starts_with("/nix/store/"))
        .map(str::to_owned)
        .with_context(|| format!("nix-build printed no store path: {stdout:?}"))
}

/// Makes `link` → `out_path` a GC root (an indirect root, as `nix-build
/// --out-link` makes), for a result taken from the cache's history.
pub fn add_root(out_path: &str, link: &Path) -> Result<()> {
    let out = Command::new("nix-store")
        .arg("--add-root")
        .arg(link)
        .arg("--indirect")
        .arg("--realise")
        .arg(out_path)
        .stdin(Stdio::null())
        .output()
        .context("cannot run nix-store")?;
    if !out.status.success() {
        let tail = String::from_utf8_lossy(&out.stderr).trim().to_owned();
        return Err(NixFailed {
            program: "nix-store --add-root".into(),
            status: out.status,
            tail,
        }
        .into());
    }
    Ok(())
}

/// The `nixpkgs` of `NIX_PATH` (or the default channels), resolved.
pub fn nixpkgs_path() -> Option<PathBuf> {
    resolve_nixpkgs(None).ok()
}

/// The identity of a given nixpkgs (as [`nixpkgs_identity`] for NIX_PATH's).
pub fn nixpkgs_identity_of(path: &Path) -> String {
    if path.starts_with("/nix/store/") {
        return path.display().to_string();
    }
    let revision = [".git-revision", ".version-suffix", "lib/.version"]
        .iter()
        .find_map(|f| std::fs::read_to_string(path.join(f)).ok())
        .map_or_else(|| "unknown".to_owned(), |s| s.trim().to_owned());
    format!("{}@{revision}", path.display())
}

/// The options of a nixpkgs' NixOS, as `lib.optionAttrSetToDocList` lists
/// them, through `nix-instantiate --eval --strict --json`.
pub fn options_json(nixpkgs: &Path) -> Result<String> {
    // Every option, the invisible ones too: aliases (`mkRenamedOptionModule`
    // describes them "Alias of …") and removed options, whose instructions
    // only a throw and an assertion hold — so the evaluation gets a lib whose
    // `mkRemovedOptionModule` writes them into the description instead
    // (eval-config.nix takes `lib`, 20.09 and later).
    let expr = format!(
        "let nixpkgs = {}; lib0 = import (nixpkgs + \"/lib\"); \
         lib = lib0 // {{ mkRemovedOptionModule = optionName: why: {{ ... }}: {{ \
           options = lib0.setAttrByPath optionName (lib0.mkOption {{ visible = false; description = \"{}\" + why; }}); }}; }}; \
         eval = import (nixpkgs + \"/nixos/lib/eval-config.nix\") {{ inherit lib; specialArgs = {{ inherit lib; }}; modules = [ ]; system = builtins.currentSystem; }}; \
         in map (o: {{ inherit (o) name loc readOnly; type = o.type or \"\"; description = o.description or \"\"; \
                     visible = o.visible or true; internal = o.internal or false; }}) \
            (lib0.optionAttrSetToDocList eval.options)",
        nix_string(&nixpkgs.display().to_string()).replacen('"', "/. + \"", 1),
        nixunits_eval::schema::REMOVED_PREFIX
    );
    let out = Command::new("nix-instantiate")
        .args(["--eval", "--strict", "--json", "-E", &expr])
        .stdin(Stdio::null())
        .output()
        .context("cannot run nix-instantiate (is Nix installed?)")?;
    if !out.status.success() {
        return Err(NixFailed {
            program: "nix-instantiate".into(),
            status: out.status,
            tail: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
        }
        .into());
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}
