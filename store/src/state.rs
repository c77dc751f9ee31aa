//! The state directory (DESIGN §4): where each container's files, the build
//! cache and the locks live, and how files there are replaced (atomically).

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::id::ContainerId;
use crate::key::BuildKey;

/// `$STATE`, by default `/var/lib/nixunits`.
#[derive(Debug, Clone)]
pub struct StateDir {
    root: PathBuf,
}

/// The files of one container.
#[derive(Debug, Clone)]
pub struct ContainerDir {
    /// `$STATE/containers/<id>`.
    pub dir: PathBuf,
    id: ContainerId,
}

impl StateDir {
    /// The state directory at `root`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        StateDir { root: root.into() }
    }

    /// Its root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `$STATE/containers`.
    pub fn containers(&self) -> PathBuf {
        self.root.join("containers")
    }

    /// The files of container `id`.
    pub fn container(&self, id: &ContainerId) -> ContainerDir {
        ContainerDir {
            dir: self.containers().join(id.as_str()),
            id: id.clone(),
        }
    }

    /// `$STATE/cache`: the sled database.
    pub fn cache(&self) -> PathBuf {
        self.root.join("cache")
    }

    /// `$STATE/locks/<id>.lock`
    pub fn lock_path(&self, id: &ContainerId) -> PathBuf {
        self.root.join("locks").join(format!("{id}.lock"))
    }

    /// Takes the lock of `id` (an exclusive `flock`), waiting for it. Held
    /// while the returned value lives.
    pub fn lock(&self, id: &ContainerId) -> std::io::Result<Lock> {
        let f = lock_file(&self.lock_path(id))?;
        f.lock()?;
        Ok(Lock { _file: f })
    }

    /// `$STATE/runs`: a lock per container `nixunits run` made, held for
    /// the run's life.
    pub fn runs(&self) -> PathBuf {
        self.root.join("runs")
    }

    /// `$STATE/runs/<id>.lock`
    pub fn run_lock_path(&self, id: &ContainerId) -> PathBuf {
        self.runs().join(format!("{id}.lock"))
    }

    /// Takes the run lock of `id` without waiting; `None` while a live
    /// process holds it. A lock file another process removed between our
    /// open and our lock is not a lock: the file is opened again, so two
    /// processes never both hold "the" lock of one id.
    pub fn try_run_lock(&self, id: &ContainerId) -> std::io::Result<Option<RunLock>> {
        use std::os::unix::fs::MetadataExt;
        let path = self.run_lock_path(id);
        for _ in 0..16 {
            let f = lock_file(&path)?;
            match f.try_lock() {
                Ok(()) => {}
                Err(std::fs::TryLockError::WouldBlock) => return Ok(None),
                Err(std::fs::TryLockError::Error(e)) => return Err(e),
            }
            let held = f.metadata()?;
            match std::fs::metadata(&path) {
                Ok(now) if now.ino() == held.ino() && now.dev() == held.dev() => {
                    return Ok(Some(RunLock { file: f, path }));
                }
                _ => continue,
            }
        }
        Err(std::io::Error::other(format!(
            "{} keeps being replaced",
            path.display()
        )))
    }

    /// Whether a live `run` holds the run lock of `id` (never creates the
    /// lock file: a container that is no run's stays none).
    pub fn run_is_live(&self, id: &ContainerId) -> bool {
        File::options()
            .write(true)
            .open(self.run_lock_path(id))
            .is_ok_and(|f| matches!(f.try_lock(), Err(std::fs::TryLockError::WouldBlock)))
    }

    /// The ids that have a run lock file: live runs, and what killed ones
    /// left.
    pub fn run_ids(&self) -> Vec<ContainerId> {
        let mut ids: Vec<ContainerId> = std::fs::read_dir(self.runs())
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| e.file_name().to_str()?.strip_suffix(".lock")?.parse().ok())
            .collect();
        ids.sort();
        ids
    }

    /// The ids of every container: a directory with something installed
    /// ([`ContainerDir::installed`]). A directory a first build or install
    /// left before its generation was live is no container.
    pub fn container_ids(&self) -> Vec<ContainerId> {
        let mut ids: Vec<ContainerId> = self
            .directory_ids()
            .into_iter()
            .filter(|id| self.container(id).installed())
            .collect();
        ids.sort();
        ids
    }

    /// The ids of every directory in `containers/`, installed or not.
    fn directory_ids(&self) -> Vec<ContainerId> {
        std::fs::read_dir(self.containers())
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| e.file_name().to_str()?.parse().ok())
            .collect()
    }

    /// Removes what a first build or install killed before its generation
    /// was live left: a container directory with nothing installed whose
    /// lock nobody holds (a first build in progress holds it), its GC
    /// roots with it. Its build log is kept as `logs/<id>.build.log`, as a
    /// first build that fails keeps it. Returns the ids removed.
    pub fn remove_unfinished(&self) -> Vec<ContainerId> {
        let mut removed = Vec::new();
        for id in self.directory_ids() {
            let dir = self.container(&id);
            if dir.installed() {
                continue;
            }
            let Ok(f) = lock_file(&self.lock_path(&id)) else {
                continue;
            };
            if f.try_lock().is_err() || dir.installed() {
                continue;
            }
            dir.forget(&self.root.join("logs"));
            removed.push(id);
        }
        removed
    }
}

/// A held run lock ([`StateDir::try_run_lock`]).
#[derive(Debug)]
pub struct RunLock {
    file: File,
    path: PathBuf,
}

impl RunLock {
    /// Ends the run: the lock file goes (while still held, so that no one
    /// takes it in between), then the lock.
    pub fn release(self) -> std::io::Result<()> {
        let r = std::fs::remove_file(&self.path);
        drop(self.file);
        match r {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }
}

/// A held container lock.
#[derive(Debug)]
pub struct Lock {
    _file: File,
}

impl std::os::fd::AsRawFd for Lock {
    /// The locked file's descriptor: a child that inherits it holds the
    /// lock for as long as it lives (`nix-build`, so that a build killed
    /// with its caller keeps the container locked until it has stopped).
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        self._file.as_raw_fd()
    }
}

impl ContainerDir {
    /// The id.
    pub fn id(&self) -> &ContainerId {
        &self.id
    }
    /// `config.nix`: the snippet as given, of the live generation (or of
    /// the layout before generations).
    pub fn config(&self) -> PathBuf {
        self.installed_file("config.nix")
    }
    /// `unit.json`: the canonical unit description of the live generation;
    /// for a container the NixOS module declares, the top-level link into
    /// `/etc/nixunits`.
    pub fn unit_json(&self) -> PathBuf {
        self.installed_file("unit.json")
    }
    /// `unit.conf`: the stable link the template unit reads
    /// (→ `current/unit.conf`, or into `/etc/nixunits` when declared).
    pub fn unit_conf(&self) -> PathBuf {
        self.dir.join("unit.conf")
    }
    /// `root/`: the writable container root (per container, not per
    /// generation).
    pub fn root(&self) -> PathBuf {
        self.dir.join("root")
    }
    /// `build.log`: the last `nix-build` log.
    pub fn build_log(&self) -> PathBuf {
        self.dir.join("build.log")
    }

    /// A file of what is installed: the live generation's; the top-level
    /// link into `/etc/nixunits` for a container the NixOS module declares
    /// (even one an earlier imperative build left generations in); the
    /// top-level file of the layout before generations.
    fn installed_file(&self, name: &str) -> PathBuf {
        if self.current().exists() && !self.declared() {
            self.current().join(name)
        } else {
            self.dir.join(name)
        }
    }

    /// Whether something is installed: a live generation, the layout
    /// before generations, or the NixOS module's files.
    pub fn installed(&self) -> bool {
        std::fs::symlink_metadata(self.dir.join("current")).is_ok()
            || std::fs::symlink_metadata(self.dir.join("result")).is_ok()
            || self.declared()
    }

    /// Removes the directory of a container with nothing installed (what
    /// a first build left), keeping its build log in `logs` as
    /// `<id>.build.log`. The caller holds the container's lock.
    pub fn forget(&self, logs: &Path) {
        let log = self.build_log();
        if log.exists() && std::fs::create_dir_all(logs).is_ok() {
            let _ = std::fs::rename(&log, logs.join(format!("{}.build.log", self.id)));
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }

    /// Whether the NixOS module declares this container (its `unit.conf`
    /// links into `/etc/nixunits`).
    pub fn declared(&self) -> bool {
        std::fs::read_link(self.unit_conf()).is_ok_and(|t| t.starts_with("/etc/nixunits"))
    }

    /// The key of what is installed, if any (the live generation's stamp,
    /// or the layout before generations).
    pub fn installed_key(&self) -> Option<BuildKey> {
        match self.live() {
            Some(g) => g.stamp()?.key,
            None => std::fs::read_to_string(self.dir.join("key"))
                .ok()?
                .trim()
                .parse()
                .ok(),
        }
    }

    /// The out path that is installed, if any.
    pub fn installed_out_path(&self) -> Option<PathBuf> {
        match self.live() {
            Some(g) => std::fs::read_link(g.result()).ok(),
            None => std::fs::read_link(self.dir.join("result")).ok(),
        }
    }
}

/// The value of `key` in an environment file (`unit.conf`): unquoted and
/// unescaped as `nix/lib.nix`'s `confText` wrote it (a value with white
/// space, quotes or backslashes is double-quoted, `\"` and `\\` inside).
pub fn env_value(text: &str, key: &str) -> Option<String> {
    let v = text
        .lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix('='))?;
    Some(
        match v.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
            Some(inner) => {
                let mut out = String::with_capacity(inner.len());
                let mut it = inner.chars();
                while let Some(c) = it.next() {
                    match c {
                        '\\' => out.extend(it.next()),
                        c => out.push(c),
                    }
                }
                out
            }
            None => v.to_owned(),
        },
    )
}

/// Opens (creating it and its directory) a file that is only ever
/// `flock`ed, never written.
pub(crate) fn lock_file(path: &Path) -> std::io::Result<File> {
    if let Some(d) = path.parent() {
        std::fs::create_dir_all(d)?;
    }
    File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
}

/// Replaces `path` with `bytes` atomically: a temporary file in the same
/// directory, synced, then renamed over it.
pub fn atomic_write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new().prefix(".tmp-").tempfile_in(dir)?;
    // Readable by all, as files written with the usual umask are: the
    // state directory's own mode decides who may read it.
    tmp.as_file()
        .set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644))?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Replaces (or creates) the symlink `link` → `target` atomically.
pub fn atomic_symlink(target: &Path, link: &Path) -> std::io::Result<()> {
    let dir = link.parent().unwrap_or(Path::new("."));
    let tmp = dir.join(format!(".tmp-link-{}", std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    std::os::unix::fs::symlink(target, &tmp)?;
    std::fs::rename(&tmp, link)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_lock_is_held_once_and_released_with_its_file() {
        let dir = tempfile::tempdir().unwrap();
        let state = StateDir::new(dir.path());
        let id: ContainerId = "run-1a2b".parse().unwrap();
        assert!(state.run_ids().is_empty());
        let held = state.try_run_lock(&id).unwrap().unwrap();
        assert!(state.try_run_lock(&id).unwrap().is_none(), "held twice");
        assert!(state.run_is_live(&id));
        assert_eq!(state.run_ids(), vec![id.clone()]);
        held.release().unwrap();
        assert!(state.run_ids().is_empty());
        assert!(!state.run_is_live(&id));
        assert!(
            !state.run_lock_path(&id).exists(),
            "asking made no lock file"
        );
        // A file whose holder died is a lock to take.
        std::fs::write(state.run_lock_path(&id), "").unwrap();
        let again = state.try_run_lock(&id).unwrap().unwrap();
        again.release().unwrap();
    }

    #[test]
    fn env_values_as_conf_text_writes_them() {
        let conf = "IP6=fc00::2/112\nNSPAWN_ARGS=\"--a --b=\\\"x\\\" c\\\\d\"\nSYSTEM_PATH=/nix/store/a-x\n";
        assert_eq!(
            env_value(conf, "SYSTEM_PATH").as_deref(),
            Some("/nix/store/a-x")
        );
        assert_eq!(
            env_value(conf, "NSPAWN_ARGS").as_deref(),
            Some("--a --b=\"x\" c\\d")
        );
        assert_eq!(env_value(conf, "IP6").as_deref(), Some("fc00::2/112"));
        assert_eq!(env_value(conf, "IP"), None, "a key is the whole name");
        assert_eq!(env_value(conf, "HOST_IP6"), None);
    }

    #[test]
    fn layout_and_atomic_replace() {
        let dir = tempfile::tempdir().unwrap();
        let s = StateDir::new(dir.path());
        let id: ContainerId = "pg".parse().unwrap();
        let c = s.container(&id);
        std::fs::create_dir_all(&c.dir).unwrap();
        // The layout before generations is still read.
        atomic_write(&c.dir.join("key"), BuildKey([7; 32]).to_string().as_bytes()).unwrap();
        assert_eq!(c.installed_key(), Some(BuildKey([7; 32])));
        atomic_symlink(Path::new("/nix/store/a"), &c.dir.join("result")).unwrap();
        atomic_symlink(Path::new("/nix/store/b"), &c.dir.join("result")).unwrap();
        assert_eq!(c.installed_out_path(), Some(PathBuf::from("/nix/store/b")));
        assert_eq!(c.unit_json(), c.dir.join("unit.json"));
        assert!(c.legacy().is_some());
        assert_eq!(s.container_ids(), vec![id.clone()]);
        // Declared by the NixOS module: its files, even over generations.
        std::fs::create_dir_all(c.dir.join("generations/1")).unwrap();
        atomic_symlink(Path::new("generations/1"), &c.current()).unwrap();
        assert_eq!(c.unit_json(), c.dir.join("current/unit.json"));
        atomic_symlink(Path::new("/etc/nixunits/pg.conf"), &c.unit_conf()).unwrap();
        assert!(c.declared());
        assert_eq!(c.unit_json(), c.dir.join("unit.json"));
        let _l = s.lock(&id).unwrap();
        let f = File::options().write(true).open(s.lock_path(&id)).unwrap();
        assert!(f.try_lock().is_err(), "the lock must exclude others");
    }

    #[test]
    fn what_a_killed_first_build_left_is_no_container_and_goes() {
        // Found by the soak: a first build killed before its generation
        // was live left a directory that list showed as a container with
        // no generation.
        let dir = tempfile::tempdir().unwrap();
        let s = StateDir::new(dir.path());
        let half: ContainerId = "half".parse().unwrap();
        let h = s.container(&half);
        std::fs::create_dir_all(h.dir.join("generations/1")).unwrap();
        std::fs::write(h.build_log(), "building…\n").unwrap();
        let whole: ContainerId = "whole".parse().unwrap();
        let w = s.container(&whole);
        std::fs::create_dir_all(w.dir.join("generations/1")).unwrap();
        atomic_symlink(Path::new("generations/1"), &w.dir.join("current")).unwrap();
        assert_eq!(s.container_ids(), vec![whole.clone()]);
        // A first build in progress holds its lock: left alone.
        let held = s.lock(&half).unwrap();
        assert!(s.remove_unfinished().is_empty());
        assert!(h.dir.exists());
        drop(held);
        assert_eq!(s.remove_unfinished(), vec![half.clone()]);
        assert!(!h.dir.exists() && w.dir.exists());
        assert_eq!(
            std::fs::read_to_string(dir.path().join("logs/half.build.log")).unwrap(),
            "building…\n"
        );
    }
}
