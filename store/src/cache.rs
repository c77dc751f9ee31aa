//! The build cache: build key → out path, in sled (DESIGN §5).
//!
//! sled lets one process at a time open a database, so the cache is opened
//! for short reads and writes only — never across a `nix-build` — and an
//! open that finds it locked waits and tries again. The cache is
//! disposable: a database that cannot be read is set aside and replaced by
//! an empty one, and the caller is told so it can warn.
//!
//! Copy on write: sled writes while it opens, and on a full disk it leaves
//! its files torn (seen here: the next open read "corrupted data" and the
//! history was lost). So sled never opens the database itself: it opens a
//! working copy, `<cache>.work`, made under the lock; [`Cache::commit`]
//! swaps the copy in with one `renameat2(RENAME_EXCHANGE)`, and a cache
//! dropped without it (a lookup, a failure, a full disk) leaves the
//! database exactly as it was.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::key::BuildKey;

/// What the cache remembers of a build.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// The out path.
    pub out_path: String,
    /// The container it was built for.
    pub id: String,
    /// How long `nix-build` took, in milliseconds.
    pub build_ms: u64,
    /// When it finished, in seconds since the epoch.
    pub at: u64,
}

/// Errors of the cache.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    /// Still locked by another process after waiting.
    #[error("the build cache {path} stayed locked by another process for {waited:?}")]
    Locked {
        /// The database.
        path: PathBuf,
        /// How long we waited.
        waited: Duration,
    },
    /// sled failed on an open database.
    #[error("build cache {path}")]
    Sled {
        /// The database.
        path: PathBuf,
        /// The cause.
        #[source]
        source: sled::Error,
    },
    /// The disk holding the cache is full, over quota or read-only: the
    /// database is fine and kept as it is (nothing set aside).
    #[error("cannot write the build cache {path}: the disk is full or read-only; nothing was set aside, the history is kept (free space on the file system of {path})")]
    Disk {
        /// The database.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A file operation on the cache failed (its lock, setting it aside).
    #[error("build cache {path}")]
    Io {
        /// The database.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

/// An open cache. Drop it (or [`Cache::commit`] it) as soon as possible.
pub struct Cache {
    db: Option<sled::Db>,
    path: PathBuf,
    /// The working copy sled has open; removed on drop unless committed.
    work: Option<PathBuf>,
    // Declared after `db`: released only once sled has closed its files.
    _lock: Option<std::fs::File>,
    _copy: Option<tempfile::TempDir>,
}

/// What happened to a database that could not be opened.
#[derive(Debug, Clone)]
pub struct SetAside {
    /// Where it went.
    pub moved_to: PathBuf,
    /// Why.
    pub reason: String,
}

impl std::fmt::Display for SetAside {
    /// The warning an operator sees.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the build cache was unreadable ({}); it was set aside as {} and a new one started",
            self.reason,
            self.moved_to.display()
        )
    }
}

/// How long an open waits for another process's lock.
pub const LOCK_WAIT: Duration = Duration::from_secs(30);

fn is_lock_error(e: &sled::Error) -> bool {
    matches!(e, sled::Error::Io(io) if io.kind() == std::io::ErrorKind::WouldBlock)
}

/// A full, over-quota or read-only disk (ENOSPC, EDQUOT, EROFS): not the
/// database's fault.
fn is_disk_fault(e: &std::io::Error) -> bool {
    use std::io::ErrorKind as K;
    matches!(
        e.kind(),
        K::StorageFull | K::QuotaExceeded | K::ReadOnlyFilesystem
    )
}

/// Free space under which a failed open is taken for a full disk, not a
/// damaged database: sled needs room for a segment (512 KiB) and its
/// metadata to open.
const LOW_SPACE: u64 = 4 << 20;

/// Whether the file system holding `path` is read-only or (nearly) full:
/// sled may fail on it in ways (a panic, a short read of a file it could
/// not extend) that look like corruption. Such a database is not set
/// aside.
fn disk_fault_at(path: &Path) -> Option<std::io::Error> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let st = nix::sys::statvfs::statvfs(dir).ok()?;
    if st.flags().contains(nix::sys::statvfs::FsFlags::ST_RDONLY) {
        return Some(std::io::ErrorKind::ReadOnlyFilesystem.into());
    }
    // fsblkcnt_t is u32 on some targets.
    #[allow(clippy::useless_conversion)]
    let free = u64::from(st.blocks_available()).saturating_mul(st.fragment_size() as u64);
    (free < LOW_SPACE).then(|| {
        std::io::Error::new(
            std::io::ErrorKind::StorageFull,
            format!("{free} bytes free, sled needs about {LOW_SPACE}"),
        )
    })
}

/// The error of a sled failure: a disk fault as [`CacheError::Disk`].
fn sled_error(path: &Path, e: sled::Error) -> CacheError {
    match e {
        sled::Error::Io(io) if is_disk_fault(&io) => CacheError::Disk {
            path: path.to_path_buf(),
            source: io,
        },
        source => CacheError::Sled {
            path: path.to_path_buf(),
            source,
        },
    }
}

/// The error of a file operation on the cache.
fn io_error(path: &Path, source: std::io::Error) -> CacheError {
    if is_disk_fault(&source) {
        CacheError::Disk {
            path: path.to_path_buf(),
            source,
        }
    } else {
        CacheError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

fn open_db(path: &Path) -> Result<sled::Db, sled::Error> {
    // A corrupt database can make sled panic instead of returning an error.
    match std::panic::catch_unwind(|| {
        sled::Config::new()
            .path(path)
            .mode(sled::Mode::LowSpace)
            .open()
    }) {
        Ok(r) => r,
        Err(_) => Err(sled::Error::Corruption { at: None, bt: () }),
    }
}

impl Cache {
    /// Opens (or creates) the cache at `path`, waiting while another process
    /// holds it: a working copy, which [`Cache::commit`] makes the cache. A
    /// database sled cannot read is moved aside (returned) and an empty one
    /// started; not on a full, over-quota or read-only disk, which is
    /// [`CacheError::Disk`].
    ///
    /// Opening takes an exclusive lock on `<path>.lock` first, held until
    /// the cache is dropped: sled's own lock is taken only after it has
    /// begun reading, and the copy and the swap must not interleave with
    /// another process's.
    pub fn open(path: &Path) -> Result<(Cache, Option<SetAside>), CacheError> {
        let start = Instant::now();
        let lock = Self::lock(path, start)?;
        if let Some(source) = disk_fault_at(path) {
            return Err(CacheError::Disk {
                path: path.to_path_buf(),
                source,
            });
        }
        let work = path.with_file_name(format!(
            "{}.work",
            path.file_name()
                .map_or("cache".into(), |n| n.to_string_lossy())
        ));
        let mut pause = Duration::from_millis(2);
        let mut set_aside = None;
        loop {
            // What a killed writer left, then a fresh copy.
            remove_dir_if_there(&work).map_err(|e| io_error(&work, e))?;
            if path.is_dir() {
                copy_dir(path, &work).map_err(|e| io_error(path, e))?;
            }
            match open_db(&work) {
                Ok(db) => {
                    let lock = lock.try_clone().map_err(|e| io_error(path, e))?;
                    let cache = Cache {
                        db: Some(db),
                        path: path.to_path_buf(),
                        work: Some(work),
                        _lock: Some(lock),
                        _copy: None,
                    };
                    // No scan of the entries: a lookup must cost the same
                    // whatever the size. An entry that does not decode is a
                    // miss (`get`).
                    return Ok((cache, set_aside));
                }
                Err(e) if is_lock_error(&e) => {
                    if start.elapsed() > LOCK_WAIT {
                        return Err(CacheError::Locked {
                            path: path.to_path_buf(),
                            waited: start.elapsed(),
                        });
                    }
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_millis(50));
                }
                Err(sled::Error::Io(io)) if is_disk_fault(&io) => {
                    let _ = remove_dir_if_there(&work);
                    return Err(CacheError::Disk {
                        path: path.to_path_buf(),
                        source: io,
                    });
                }
                Err(e) => {
                    let _ = remove_dir_if_there(&work);
                    if let Some(source) = disk_fault_at(path) {
                        return Err(CacheError::Disk {
                            path: path.to_path_buf(),
                            source,
                        });
                    }
                    if set_aside.is_some() || !path.exists() {
                        return Err(sled_error(path, e));
                    }
                    set_aside = Some(Self::set_aside(path, e.to_string())?);
                }
            }
        }
    }

    /// Makes what was written the cache: flushed, closed, then swapped in
    /// for the database with one `renameat2(RENAME_EXCHANGE)` (a plain
    /// rename for a new one), the old copy removed. Until this returns,
    /// the database on disk is the one opened.
    pub fn commit(mut self) -> Result<(), CacheError> {
        let (Some(db), Some(work)) = (self.db.take(), self.work.clone()) else {
            return Ok(());
        };
        db.flush().map_err(|e| sled_error(&self.path, e))?;
        drop(db);
        let io = |e: std::io::Error| io_error(&self.path, e);
        if self.path.exists() {
            nix::fcntl::renameat2(
                nix::fcntl::AT_FDCWD,
                &work,
                nix::fcntl::AT_FDCWD,
                &self.path,
                nix::fcntl::RenameFlags::RENAME_EXCHANGE,
            )
            .map_err(|e| io(e.into()))?;
            // `work` now holds the old database.
            remove_dir_if_there(&work).map_err(io)?;
        } else {
            std::fs::rename(&work, &self.path).map_err(io)?;
        }
        self.work = None;
        if let Some(dir) = self.path.parent() {
            std::fs::File::open(dir)
                .and_then(|d| d.sync_all())
                .map_err(io)?;
        }
        Ok(())
    }

    /// Opens a copy of the cache, for looking without changing anything
    /// (sled rewrites files even when only read): the directory is copied
    /// under the lock, and the copy opened. `None` when there is no cache
    /// or it cannot be read.
    pub fn open_copy(path: &Path) -> Result<Option<Cache>, CacheError> {
        if !path.is_dir() {
            return Ok(None);
        }
        let io = |source| io_error(path, source);
        let copy = tempfile::tempdir().map_err(io)?;
        {
            let _lock = Self::lock(path, Instant::now())?;
            copy_dir(path, copy.path()).map_err(io)?;
        }
        match open_db(copy.path()) {
            Ok(db) => {
                let cache = Cache {
                    db: Some(db),
                    path: path.to_path_buf(),
                    work: None,
                    _lock: None,
                    _copy: Some(copy),
                };
                Ok(Some(cache))
            }
            Err(_) => Ok(None),
        }
    }

    fn lock(path: &Path, start: Instant) -> Result<std::fs::File, CacheError> {
        let lock_path = path.with_file_name(format!(
            "{}.lock",
            path.file_name()
                .map_or("cache".into(), |n| n.to_string_lossy())
        ));
        let io = |source| io_error(&lock_path, source);
        let f = crate::state::lock_file(&lock_path).map_err(io)?;
        let mut pause = Duration::from_millis(1);
        loop {
            match f.try_lock() {
                Ok(()) => return Ok(f),
                Err(std::fs::TryLockError::WouldBlock) if start.elapsed() < LOCK_WAIT => {
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_millis(20));
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    return Err(CacheError::Locked {
                        path: path.to_path_buf(),
                        waited: start.elapsed(),
                    })
                }
                Err(std::fs::TryLockError::Error(e)) => return Err(io(e)),
            }
        }
    }

    /// Moves an unreadable database to `<name>.unreadable-<time>-<pid>`,
    /// and removes the ones set aside before: one is kept, the newest.
    fn set_aside(path: &Path, reason: String) -> Result<SetAside, CacheError> {
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let name = path
            .file_name()
            .map_or("cache".into(), |n| n.to_string_lossy().into_owned());
        let prefix = format!("{name}.unreadable-");
        let moved_to = path.with_file_name(format!("{prefix}{stamp}-{}", std::process::id()));
        std::fs::rename(path, &moved_to).map_err(|e| io_error(path, e))?;
        let dir = path.parent().unwrap_or(Path::new("."));
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let p = e.path();
            if p != moved_to && e.file_name().to_string_lossy().starts_with(&prefix) {
                let _ = std::fs::remove_dir_all(&p).or_else(|_| std::fs::remove_file(&p));
            }
        }
        Ok(SetAside { moved_to, reason })
    }

    fn err(&self, source: sled::Error) -> CacheError {
        sled_error(&self.path, source)
    }

    fn db(&self) -> &sled::Db {
        // Taken only by `commit`, which consumes the cache.
        self.db
            .as_ref()
            .unwrap_or_else(|| unreachable!("the database is open until commit"))
    }

    /// The entry of `key`.
    pub fn get(&self, key: &BuildKey) -> Result<Option<Entry>, CacheError> {
        let v = self.db().get(key.0).map_err(|e| self.err(e))?;
        Ok(v.and_then(|v| serde_json::from_slice(&v).ok()))
    }

    /// Records a build.
    pub fn insert(&self, key: &BuildKey, entry: &Entry) -> Result<(), CacheError> {
        let v = serde_json::to_vec(entry).unwrap_or_default();
        self.db().insert(key.0, v).map_err(|e| self.err(e))?;
        self.db().flush().map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Every entry.
    pub fn entries(&self) -> Result<Vec<(BuildKey, Entry)>, CacheError> {
        let mut out = Vec::new();
        for item in self.db().iter() {
            let (k, v) = item.map_err(|e| self.err(e))?;
            let Ok(k) = <[u8; 32]>::try_from(k.as_ref()) else {
                continue;
            };
            if let Ok(e) = serde_json::from_slice(&v) {
                out.push((BuildKey(k), e));
            }
        }
        Ok(out)
    }

    /// Forgets `key`.
    pub fn remove(&self, key: &BuildKey) -> Result<(), CacheError> {
        self.db().remove(key.0).map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Forgets everything.
    pub fn clear(&self) -> Result<(), CacheError> {
        self.db().clear().map_err(|e| self.err(e))?;
        self.db().flush().map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Writes everything to disk.
    pub fn flush(&self) -> Result<(), CacheError> {
        self.db().flush().map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Size on disk, in bytes.
    pub fn size_on_disk(&self) -> u64 {
        self.db().size_on_disk().unwrap_or(0)
    }
}

impl Drop for Cache {
    fn drop(&mut self) {
        // Close sled, then forget the working copy: the database on disk
        // stays as it was.
        drop(self.db.take());
        if let Some(work) = self.work.take() {
            let _ = remove_dir_if_there(&work);
        }
    }
}

fn remove_dir_if_there(p: &Path) -> std::io::Result<()> {
    match std::fs::remove_dir_all(p) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for e in std::fs::read_dir(from)? {
        let e = e?;
        let target = to.join(e.file_name());
        if e.file_type()?.is_dir() {
            copy_dir(&e.path(), &target)?;
        } else {
            std::fs::copy(e.path(), target)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(i: u64) -> Entry {
        Entry {
            out_path: format!("/nix/store/x-{i}"),
            id: "pg".into(),
            build_ms: i,
            at: 1,
        }
    }

    #[test]
    fn insert_get_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("cache");
        {
            let (c, aside) = Cache::open(&p).unwrap();
            assert!(aside.is_none());
            c.insert(&BuildKey([1; 32]), &entry(1)).unwrap();
            c.commit().unwrap();
        }
        let (c, _) = Cache::open(&p).unwrap();
        assert_eq!(c.get(&BuildKey([1; 32])).unwrap(), Some(entry(1)));
        assert_eq!(c.get(&BuildKey([2; 32])).unwrap(), None);
        assert_eq!(c.entries().unwrap().len(), 1);
        // Written but not committed: the database stays as it was, and
        // the working copy goes.
        c.insert(&BuildKey([2; 32]), &entry(2)).unwrap();
        drop(c);
        assert!(!dir.path().join("cache.work").exists());
        let (c, _) = Cache::open(&p).unwrap();
        assert_eq!(c.entries().unwrap().len(), 1);
    }

    #[test]
    fn one_set_aside_copy_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("cache");
        for round in 0..3 {
            std::fs::create_dir_all(&p).unwrap();
            std::fs::write(p.join("conf"), vec![0x5a; 64]).unwrap();
            std::fs::write(p.join("db"), vec![0x5a; 4096]).unwrap();
            let (c, aside) = Cache::open(&p).unwrap();
            assert!(aside.is_some(), "round {round}");
            // The new, empty one is made the cache; then garbage again.
            c.commit().unwrap();
            std::fs::remove_dir_all(&p).unwrap();
        }
        let kept: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .filter(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with("cache.unreadable-")
            })
            .collect();
        assert_eq!(kept.len(), 1, "{kept:?}");
    }

    #[test]
    fn disk_faults_are_named_not_corruption() {
        for kind in [
            std::io::ErrorKind::StorageFull,
            std::io::ErrorKind::QuotaExceeded,
            std::io::ErrorKind::ReadOnlyFilesystem,
        ] {
            let e = sled_error(Path::new("/s/cache"), sled::Error::Io(kind.into()));
            assert!(matches!(e, CacheError::Disk { .. }), "{kind:?}: {e:?}");
            assert!(e.to_string().contains("disk is full or read-only"), "{e}");
        }
        let other = sled_error(
            Path::new("/s/cache"),
            sled::Error::Io(std::io::ErrorKind::PermissionDenied.into()),
        );
        assert!(matches!(other, CacheError::Sled { .. }));
    }

    #[test]
    fn garbage_is_set_aside() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("cache");
        let (c, _) = Cache::open(&p).unwrap();
        c.insert(&BuildKey([1; 32]), &entry(1)).unwrap();
        c.commit().unwrap();
        for f in std::fs::read_dir(&p).unwrap() {
            let f = f.unwrap().path();
            if f.is_file() {
                std::fs::write(&f, vec![0x5a; 4096]).unwrap();
            }
        }
        let (c, aside) = Cache::open(&p).unwrap();
        let aside = aside.expect("the garbage should have been set aside");
        assert!(aside.moved_to.exists());
        assert_eq!(c.entries().unwrap().len(), 0);
    }
}
