//! Generations (DESIGN §4): each build of a container is one directory,
//! `containers/<id>/generations/<n>/`, holding everything that describes
//! the installed build — `result` (the out-link, a GC root), `unit.conf`
//! (→ `result/etc/nixunits/<id>.conf`), `unit.json`, `config.nix` and the
//! stamp `key` — and the live one is the symlink `containers/<id>/current`,
//! switched by one `rename(2)`.
//!
//! A build fills `generations/<n>/` and writes its stamp last; only a
//! generation with a stamp is whole, and only a whole one is ever made
//! live. A killed or failed build leaves at most a directory without a
//! stamp, which the next one removes, and the live state is always one
//! whole generation. (The directory is never renamed: `nix-build
//! --out-link` registers the link's path as an indirect GC root, and a
//! rename would leave the root dangling.) The stamp holds the key, the out path and
//! a digest of the generation's files, so it describes that generation and
//! no other, and a damaged generation is seen (`verify`).
//!
//! The caller holds the container's lock for everything that writes.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::id::ContainerId;
use crate::key::BuildKey;
use crate::state::{atomic_symlink, atomic_write, ContainerDir};

/// How many generations `prune` keeps by default.
pub const DEFAULT_KEEP: usize = 3;

/// The stamp of a generation: its `key` file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    /// The build key; `None` for a build that cannot be cached (never a
    /// no-op).
    pub key: Option<BuildKey>,
    /// The out path `result` points to.
    pub out_path: String,
    /// The digest of the generation's files ([`files_digest`]).
    pub files: String,
    /// When the generation was made, in seconds since the epoch.
    pub created: u64,
}

impl Stamp {
    fn render(&self) -> String {
        format!(
            "key {}\nout {}\nfiles {}\ncreated {}\n",
            self.key
                .map_or_else(|| "uncacheable".to_owned(), |k| k.to_string()),
            self.out_path,
            self.files,
            self.created
        )
    }

    fn parse(text: &str) -> Option<Stamp> {
        let mut key = None;
        let mut out_path = None;
        let mut files = None;
        let mut created = None;
        for line in text.lines() {
            let (k, v) = line.split_once(' ')?;
            match k {
                "key" => {
                    key = Some(if v == "uncacheable" {
                        None
                    } else {
                        Some(v.parse().ok()?)
                    })
                }
                "out" => out_path = Some(v.to_owned()),
                "files" => files = Some(v.to_owned()),
                "created" => created = Some(v.parse().ok()?),
                _ => {}
            }
        }
        Some(Stamp {
            key: key?,
            out_path: out_path?,
            files: files?,
            created: created?,
        })
    }
}

/// Why a generation cannot be trusted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Damage {
    /// No stamp, or one that does not parse.
    #[error("generation {0} has no readable stamp")]
    NoStamp(u64),
    /// A file differs from what the stamp covers, or is missing.
    #[error("generation {number}: {what}")]
    Files {
        /// The generation.
        number: u64,
        /// What differs.
        what: String,
    },
    /// The out path is no longer in the store.
    #[error("generation {number}: {out_path} is not in the store")]
    OutPathGone {
        /// The generation.
        number: u64,
        /// The out path.
        out_path: String,
    },
}

/// One generation directory.
#[derive(Debug, Clone)]
pub struct Generation {
    /// Its number.
    pub number: u64,
    /// `containers/<id>/generations/<n>`.
    pub path: PathBuf,
    id: ContainerId,
}

impl Generation {
    /// `result`: the out-link, a GC root.
    pub fn result(&self) -> PathBuf {
        self.path.join("result")
    }
    /// `unit.conf` → `result/etc/nixunits/<id>.conf`.
    pub fn unit_conf(&self) -> PathBuf {
        self.path.join("unit.conf")
    }
    /// `unit.json`: the canonical unit description.
    pub fn unit_json(&self) -> PathBuf {
        self.path.join("unit.json")
    }
    /// `config.nix`: the snippet as given.
    pub fn config(&self) -> PathBuf {
        self.path.join("config.nix")
    }
    /// `key`: the stamp.
    pub fn key(&self) -> PathBuf {
        self.path.join("key")
    }

    /// Where `unit.conf` points.
    /// The stamp, if it reads.
    pub fn stamp(&self) -> Option<Stamp> {
        Stamp::parse(&fs::read_to_string(self.key()).ok()?)
    }

    /// The stamp, once the files match it and the out path is in the
    /// store: what the no-op path, `rollback` and `generations` trust.
    pub fn verify(&self) -> Result<Stamp, Damage> {
        let stamp = self.stamp().ok_or(Damage::NoStamp(self.number))?;
        self.check(&stamp)?;
        Ok(stamp)
    }

    /// Whether the files match `stamp` (this generation's, already read)
    /// and its out path is in the store.
    pub fn check(&self, stamp: &Stamp) -> Result<(), Damage> {
        let files = |what: String| Damage::Files {
            number: self.number,
            what,
        };
        let digest = files_digest(self).map_err(|e| files(e.to_string()))?;
        if digest != stamp.files {
            return Err(files("its files differ from its stamp".into()));
        }
        if read_link_str(&self.result()).as_deref() != Some(stamp.out_path.as_str()) {
            return Err(files(format!(
                "result does not point to {}",
                stamp.out_path
            )));
        }
        if !out_path_holds(&stamp.out_path, &self.id) {
            return Err(Damage::OutPathGone {
                number: self.number,
                out_path: stamp.out_path.clone(),
            });
        }
        Ok(())
    }
}

/// Whether `out_path` is (still) in the store and is a build of `id`: it
/// holds `etc/nixunits/<id>.conf`.
pub fn out_path_holds(out_path: &str, id: &ContainerId) -> bool {
    // A system (system.nix: it has an `init`), or a container's store path
    // of the layout before systems were shared (default.nix).
    Path::new(out_path).join("init").is_file()
        || Path::new(out_path)
            .join("etc/nixunits")
            .join(format!("{id}.conf"))
            .is_file()
}

fn read_link_str(p: &Path) -> Option<String> {
    fs::read_link(p).ok()?.to_str().map(str::to_owned)
}

/// The digest the stamp keeps: blake3 over the two links' targets and the
/// two files' bytes, length-prefixed and domain-separated.
pub fn files_digest(g: &Generation) -> io::Result<String> {
    let mut h = blake3::Hasher::new();
    let mut field = |name: &str, bytes: &[u8]| {
        for part in [name.as_bytes(), bytes] {
            h.update(&(part.len() as u64).to_le_bytes());
            h.update(part);
        }
    };
    field("nixunits/generation/v1", b"");
    let link = |p: PathBuf| -> io::Result<Vec<u8>> {
        Ok(fs::read_link(&p)
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", p.display())))?
            .into_os_string()
            .into_encoded_bytes())
    };
    let file = |p: PathBuf| -> io::Result<Vec<u8>> {
        fs::read(&p).map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", p.display())))
    };
    field("result", &link(g.result())?);
    // A file written by nixunits (a shared system), or a link into the
    // container's own store path (the layout before).
    match fs::symlink_metadata(g.unit_conf()) {
        Ok(m) if m.file_type().is_symlink() => field("unit.conf", &link(g.unit_conf())?),
        _ => field("unit.conf file", &file(g.unit_conf())?),
    }
    field("config.nix", &file(g.config())?);
    field("unit.json", &file(g.unit_json())?);
    Ok(h.finalize().to_hex().to_string())
}

/// A generation being made: `generations/<n>` without a stamp yet.
/// Removed when dropped without [`Staged::commit`]; left behind only by a
/// killed process, and then removed by the next [`ContainerDir::stage`].
#[derive(Debug)]
pub struct Staged {
    generation: Generation,
    committed: bool,
}

impl Staged {
    /// The generation being made (its files, its number).
    pub fn generation(&self) -> &Generation {
        &self.generation
    }

    /// Writes the files that go with `out_path`, which `result` must
    /// already name (`nix-build --out-link` or `nix-store --add-root` made
    /// it, so that it is a GC root), and the stamp last (dated now).
    pub fn fill(
        &self,
        out_path: &str,
        conf: &[u8],
        config: &[u8],
        unit_json: &[u8],
        key: Option<BuildKey>,
    ) -> io::Result<Stamp> {
        let g = &self.generation;
        if read_link_str(&g.result()).as_deref() != Some(out_path) {
            return Err(io::Error::other(format!(
                "{} does not point to {out_path}",
                g.result().display()
            )));
        }
        atomic_write(&g.unit_conf(), conf)?;
        atomic_write(&g.config(), config)?;
        atomic_write(&g.unit_json(), unit_json)?;
        let stamp = Stamp {
            key,
            out_path: out_path.to_owned(),
            files: files_digest(g)?,
            created: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
        };
        atomic_write(&g.key(), stamp.render().as_bytes())?;
        Ok(stamp)
    }

    /// The generation is whole (its stamp is written): synced to disk,
    /// ready to be made live ([`ContainerDir::switch`]).
    pub fn commit(mut self) -> io::Result<Generation> {
        if !self.generation.key().is_file() {
            return Err(io::Error::other(format!(
                "generation {} has no stamp: fill it first",
                self.generation.number
            )));
        }
        sync_dir(&self.generation.path)?;
        self.committed = true;
        Ok(self.generation.clone())
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.generation.path);
        }
    }
}

fn sync_dir(p: &Path) -> io::Result<()> {
    fs::File::open(p)?.sync_all()
}

/// What the old layout (before generations) had installed.
#[derive(Debug, Clone)]
pub struct Legacy {
    /// The out path of the top-level `result`.
    pub out_path: String,
    /// `config.nix`.
    pub config: Vec<u8>,
    /// `unit.json`.
    pub unit_json: Vec<u8>,
    /// The key stamp, if it read.
    pub key: Option<BuildKey>,
}

impl ContainerDir {
    /// `generations/`.
    pub fn generations_dir(&self) -> PathBuf {
        self.dir.join("generations")
    }

    /// `current` → `generations/<n>`.
    pub fn current(&self) -> PathBuf {
        self.dir.join("current")
    }

    /// Generation `n` (whether or not it exists).
    pub fn generation(&self, n: u64) -> Generation {
        Generation {
            number: n,
            path: self.generations_dir().join(n.to_string()),
            id: self.id().clone(),
        }
    }

    /// The live generation, if any.
    pub fn live(&self) -> Option<Generation> {
        let target = fs::read_link(self.current()).ok()?;
        let n = target.file_name()?.to_str()?.parse().ok()?;
        Some(self.generation(n))
    }

    /// Every generation directory's number, whole or not, in no order.
    fn numbers(&self) -> Vec<u64> {
        fs::read_dir(self.generations_dir())
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| e.file_name().to_str()?.parse().ok())
            .collect()
    }

    /// The whole generations (those with a stamp), oldest first.
    pub fn generations(&self) -> Vec<Generation> {
        let mut numbers = self.numbers();
        numbers.sort_unstable();
        numbers
            .into_iter()
            .map(|n| self.generation(n))
            .filter(|g| g.key().is_file())
            .collect()
    }

    /// Removes what killed builds left: every generation directory without
    /// a stamp (never the live one). Returns what it removed.
    pub fn remove_half_made(&self) -> io::Result<Vec<PathBuf>> {
        let live = self.live().map(|g| g.number);
        let mut removed = Vec::new();
        for n in self.numbers() {
            let g = self.generation(n);
            if Some(n) != live && !g.key().is_file() {
                fs::remove_dir_all(&g.path)?;
                removed.push(g.path);
            }
        }
        Ok(removed)
    }

    /// Starts a new generation, numbered after every existing one (half-made
    /// ones are removed first).
    pub fn stage(&self) -> io::Result<Staged> {
        // Numbered after half-made ones too, which are removed: a number is
        // never used twice, so whatever a killed build may still write
        // into its directory cannot land in a new generation.
        let n = self.numbers().into_iter().max().map_or(1, |n| n + 1);
        self.remove_half_made()?;
        fs::create_dir_all(self.generations_dir())?;
        let generation = self.generation(n);
        fs::create_dir(&generation.path)?;
        Ok(Staged {
            generation,
            committed: false,
        })
    }

    /// Makes `g` the live generation: one `rename(2)` of `current`. The
    /// top-level `unit.conf` (what the template unit reads) is the stable
    /// link `current/unit.conf`.
    pub fn switch(&self, g: &Generation) -> io::Result<()> {
        let target = Path::new("generations").join(g.number.to_string());
        atomic_symlink(&target, &self.current())?;
        let want = Path::new("current/unit.conf");
        if fs::read_link(self.unit_conf()).ok().as_deref() != Some(want) {
            atomic_symlink(want, &self.unit_conf())?;
        }
        sync_dir(&self.dir)
    }

    /// Removes all but the newest `keep` generations: never the live one,
    /// nor the newest one whose system is `running` (what the container
    /// runs, when a build without `-r` left it on an older generation:
    /// that system must stay a GC root while it runs). Their `result`
    /// links go with them, so the store may collect what they held.
    /// Returns the numbers removed.
    pub fn prune(&self, keep: usize, running: Option<&str>) -> io::Result<Vec<u64>> {
        let live = self.live().map(|g| g.number);
        let all = self.generations();
        let runs = running.and_then(|r| {
            all.iter()
                .rev()
                .find(|g| read_link_str(&g.result()).as_deref() == Some(r))
                .map(|g| g.number)
        });
        let cut = all.len().saturating_sub(keep.max(1));
        let mut removed = Vec::new();
        for g in &all[..cut] {
            if Some(g.number) != live && Some(g.number) != runs {
                fs::remove_dir_all(&g.path)?;
                removed.push(g.number);
            }
        }
        Ok(removed)
    }

    /// What the layout before generations installed (a top-level `result`
    /// link and its files), when there is no `current` yet and the
    /// container is not declared by the NixOS module.
    pub fn legacy(&self) -> Option<Legacy> {
        if self.current().exists() || self.declared() {
            return None;
        }
        let out_path = read_link_str(&self.dir.join("result"))?;
        Some(Legacy {
            out_path,
            config: fs::read(self.dir.join("config.nix")).unwrap_or_default(),
            unit_json: fs::read(self.dir.join("unit.json")).unwrap_or_else(|_| b"{}".to_vec()),
            key: fs::read_to_string(self.dir.join("key"))
                .ok()
                .and_then(|t| t.trim().parse().ok()),
        })
    }

    /// Whether a migration was interrupted after its switch: `current`
    /// exists, and so does the old top-level `result` (a GC root that
    /// would otherwise stay for ever). One `stat` when there is none.
    pub fn has_legacy_leftovers(&self) -> bool {
        fs::symlink_metadata(self.dir.join("result")).is_ok()
            && self.current().exists()
            && !self.declared()
    }

    /// Removes the old layout's files once a generation holds them.
    pub fn remove_legacy(&self) -> io::Result<()> {
        for f in ["result", "config.nix", "unit.json", "key"] {
            match fs::remove_file(self.dir.join(f)) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
                _ => {}
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::StateDir;

    fn staged_with(c: &ContainerDir, out: &Path, text: &str) -> Generation {
        let s = c.stage().unwrap();
        std::os::unix::fs::symlink(out, s.generation().result()).unwrap();
        let conf = format!("SYSTEM_PATH={}\n", out.display());
        s.fill(
            out.to_str().unwrap(),
            conf.as_bytes(),
            text.as_bytes(),
            b"{}",
            Some(BuildKey([1; 32])),
        )
        .unwrap();
        s.commit().unwrap()
    }

    fn fake_out(root: &Path, name: &str) -> PathBuf {
        let out = root.join(name);
        fs::create_dir_all(out.join("etc/nixunits")).unwrap();
        fs::write(out.join("etc/nixunits/pg.conf"), "SYSTEM_PATH=/x\n").unwrap();
        out
    }

    #[test]
    fn stage_fill_commit_switch_prune() {
        let tmp = tempfile::tempdir().unwrap();
        let c = StateDir::new(tmp.path().join("state")).container(&"pg".parse().unwrap());
        fs::create_dir_all(&c.dir).unwrap();
        let mut made = Vec::new();
        for i in 0..5 {
            let out = fake_out(tmp.path(), &format!("out{i}"));
            let g = staged_with(&c, &out, &format!("{{ a = {i}; }}"));
            c.switch(&g).unwrap();
            made.push(g.number);
            assert_eq!(c.live().unwrap().number, g.number);
            assert_eq!(g.verify().unwrap().out_path, out.to_str().unwrap());
        }
        assert_eq!(made, [1, 2, 3, 4, 5]);
        assert_eq!(
            fs::read_link(c.unit_conf()).unwrap(),
            Path::new("current/unit.conf")
        );
        assert!(fs::read_to_string(c.unit_conf())
            .unwrap()
            .contains("SYSTEM_PATH"));
        assert_eq!(c.prune(3, None).unwrap(), [1, 2]);
        let left: Vec<u64> = c.generations().iter().map(|g| g.number).collect();
        assert_eq!(left, [3, 4, 5]);
        // The live one survives pruning even when it is old.
        c.switch(&c.generation(3)).unwrap();
        assert_eq!(c.prune(1, None).unwrap(), [4]);
        let left: Vec<u64> = c.generations().iter().map(|g| g.number).collect();
        assert_eq!(left, [3, 5]);
        // What the container runs stays too (found by the soak: a
        // container left on an older generation by builds without -r ran
        // a system no generation rooted any more).
        c.switch(&c.generation(5)).unwrap();
        let out3 = fs::read_link(c.generation(3).result()).unwrap();
        assert_eq!(c.prune(1, out3.to_str()).unwrap(), Vec::<u64>::new());
        assert_eq!(c.prune(1, None).unwrap(), [3]);
    }

    #[test]
    fn half_made_generations_are_removed_and_never_live() {
        let tmp = tempfile::tempdir().unwrap();
        let c = StateDir::new(tmp.path().join("state")).container(&"pg".parse().unwrap());
        fs::create_dir_all(&c.dir).unwrap();
        let g = staged_with(&c, &fake_out(tmp.path(), "a"), "{ }");
        c.switch(&g).unwrap();
        // A killed build: a staged generation never committed.
        let s = c.stage().unwrap();
        let marker = s.generation().path.join("result");
        std::os::unix::fs::symlink("/nix/store/half", &marker).unwrap();
        std::mem::forget(s);
        assert_eq!(
            c.generations().len(),
            1,
            "a directory without a stamp is no generation"
        );
        let next = c.stage().unwrap();
        assert!(
            fs::symlink_metadata(&marker).is_err(),
            "the next stage removes what it held"
        );
        assert_eq!(
            next.generation().number,
            3,
            "the half-made number is not reused"
        );
        drop(next);
        assert!(
            c.remove_half_made().unwrap().is_empty(),
            "dropped means removed"
        );
        assert_eq!(c.live().unwrap().number, 1);
    }

    #[test]
    fn verify_sees_damage() {
        let tmp = tempfile::tempdir().unwrap();
        let c = StateDir::new(tmp.path().join("state")).container(&"pg".parse().unwrap());
        fs::create_dir_all(&c.dir).unwrap();
        let out = fake_out(tmp.path(), "a");
        let g = staged_with(&c, &out, "{ }");
        assert!(g.verify().is_ok());
        fs::write(g.unit_json(), "{\"capsAllow\":[\"CAP_SYS_ADMIN\"]}").unwrap();
        assert!(matches!(g.verify(), Err(Damage::Files { .. })));
        fs::write(g.unit_json(), "{}").unwrap();
        assert!(g.verify().is_ok());
        fs::remove_file(g.config()).unwrap();
        assert!(matches!(g.verify(), Err(Damage::Files { .. })));
        let g2 = staged_with(&c, &fake_out(tmp.path(), "b"), "{ }");
        fs::remove_dir_all(tmp.path().join("b")).unwrap();
        assert!(matches!(g2.verify(), Err(Damage::OutPathGone { .. })));
        fs::write(g2.key(), "garbage").unwrap();
        assert_eq!(g2.verify(), Err(Damage::NoStamp(g2.number)));
    }

    #[test]
    fn stamps_round_trip() {
        for key in [None, Some(BuildKey([9; 32]))] {
            let s = Stamp {
                key,
                out_path: "/nix/store/abc-nixunits-pg".into(),
                files: "00ff".into(),
                created: 42,
            };
            assert_eq!(Stamp::parse(&s.render()), Some(s));
        }
    }
}
