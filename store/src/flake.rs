//! A flake's pin, read from its `flake.lock` without Nix: the locked node
//! of one input (its `narHash`, its `rev` when it has one) and the store
//! path Nix puts that tree at, which is a function of the hash alone
//! (every fetched tree is `/nix/store/<…>-source`, addressed by its NAR
//! hash). So a build whose nixpkgs is a lock's can be keyed, and found in
//! the cache, with no Nix process at all.

use std::path::{Path, PathBuf};

use nix_derivation::{CAHash, NixHash};
use serde_json::Value;

/// One input of a lock, as locked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockedInput {
    /// The input's name in the root's `inputs`.
    pub input: String,
    /// The NAR hash of the tree (SRI, `sha256-…`).
    pub nar_hash: String,
    /// The revision, for inputs that have one (git, GitHub).
    pub rev: Option<String>,
    /// Where Nix puts the tree: `/nix/store/<…>-source`.
    pub store_path: PathBuf,
    /// The `locked` attributes as the lock has them: what
    /// `builtins.fetchTree` takes to fetch exactly this tree.
    pub locked: Value,
}

/// Why a lock gave no input.
#[derive(Debug, thiserror::Error)]
pub enum FlakeLockError {
    /// No `flake.lock` (a flake never locked).
    #[error("{}: no flake.lock (lock the flake first: nix flake lock {})", .dir.display(), .dir.display())]
    Missing {
        /// The flake's directory.
        dir: PathBuf,
    },
    /// It could not be read.
    #[error("cannot read {}", .path.display())]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Not a lock file Nix wrote.
    #[error("{}: {why}", .path.display())]
    Malformed {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        why: String,
    },
    /// The root has no such input.
    #[error("{}: the flake has no input {input:?} (it has: {})", .path.display(), if .available.is_empty() { "none".to_owned() } else { .available.join(", ") })]
    NoInput {
        /// The file.
        path: PathBuf,
        /// The input asked for.
        input: String,
        /// The inputs the root has.
        available: Vec<String>,
    },
    /// The input's node has no usable NAR hash.
    #[error("{}: input {input:?} is not locked to a NAR hash ({why}); lock it again: nix flake lock", .path.display())]
    NotLocked {
        /// The file.
        path: PathBuf,
        /// The input.
        input: String,
        /// What is missing.
        why: String,
    },
}

/// The lock versions whose node graph is read here (Nix 2.4 and later
/// write 7; 5 and 6 have the same shape).
const VERSIONS: std::ops::RangeInclusive<u64> = 5..=7;

/// `input` of the flake in `dir`, as its `flake.lock` pins it. A `follows`
/// (`"nixpkgs": ["other", "nixpkgs"]`) is followed from the root.
pub fn locked_input(dir: &Path, input: &str) -> Result<LockedInput, FlakeLockError> {
    let path = dir.join("flake.lock");
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(FlakeLockError::Missing {
                dir: dir.to_path_buf(),
            })
        }
        Err(source) => return Err(FlakeLockError::Unreadable { path, source }),
    };
    parse_locked_input(&text, &path, input)
}

/// [`locked_input`] over the text of a lock (`path` names it in errors).
pub fn parse_locked_input(
    text: &str,
    path: &Path,
    input: &str,
) -> Result<LockedInput, FlakeLockError> {
    let malformed = |why: String| FlakeLockError::Malformed {
        path: path.to_path_buf(),
        why,
    };
    let lock: Value = serde_json::from_str(text).map_err(|e| malformed(e.to_string()))?;
    let version = lock["version"]
        .as_u64()
        .ok_or_else(|| malformed("no version".into()))?;
    if !VERSIONS.contains(&version) {
        return Err(malformed(format!(
            "lock version {version} is not read (versions {} to {} are)",
            VERSIONS.start(),
            VERSIONS.end()
        )));
    }
    let nodes = lock["nodes"]
        .as_object()
        .ok_or_else(|| malformed("no nodes".into()))?;
    let root_key = lock["root"].as_str().unwrap_or("root");
    let node = |key: &str| {
        nodes
            .get(key)
            .ok_or_else(|| malformed(format!("no node {key:?}")))
    };
    let root = node(root_key)?;
    let available: Vec<String> = root["inputs"]
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    let no_input = || FlakeLockError::NoInput {
        path: path.to_path_buf(),
        input: input.to_owned(),
        available: available.clone(),
    };
    // A node's input: a node key, or a path of input names from the root
    // (`follows`), itself made of inputs that may follow others.
    fn resolve(
        target: &Value,
        root_key: &str,
        node: &dyn Fn(&str) -> Result<Value, FlakeLockError>,
        malformed: &dyn Fn(String) -> FlakeLockError,
        depth: usize,
    ) -> Result<String, FlakeLockError> {
        if depth > 64 {
            return Err(malformed("inputs follow each other in a circle".into()));
        }
        match target {
            Value::String(k) => Ok(k.clone()),
            Value::Array(names) => {
                let mut at = root_key.to_owned();
                for n in names {
                    let n = n
                        .as_str()
                        .ok_or_else(|| malformed("a follows that is not a list of names".into()))?;
                    let v = node(&at)?["inputs"].get(n).cloned().ok_or_else(|| {
                        malformed(format!("a follows names a missing input {n:?}"))
                    })?;
                    at = resolve(&v, root_key, node, malformed, depth + 1)?;
                }
                Ok(at)
            }
            _ => Err(malformed(
                "an input that is neither a node nor a follows".into(),
            )),
        }
    }
    let target = root["inputs"].get(input).ok_or_else(no_input)?.clone();
    let node_value = |key: &str| node(key).cloned();
    let key = resolve(&target, root_key, &node_value, &malformed, 0)?;
    let locked = node(&key)?["locked"].clone();
    let not_locked = |why: &str| FlakeLockError::NotLocked {
        path: path.to_path_buf(),
        input: input.to_owned(),
        why: why.to_owned(),
    };
    if !locked.is_object() {
        return Err(not_locked("no locked attributes"));
    }
    let nar_hash = locked["narHash"]
        .as_str()
        .ok_or_else(|| not_locked("no narHash"))?
        .to_owned();
    let store_path = source_path(&nar_hash).ok_or_else(|| not_locked("not a sha256 hash"))?;
    Ok(LockedInput {
        input: input.to_owned(),
        rev: locked["rev"].as_str().map(str::to_owned),
        nar_hash,
        store_path,
        locked,
    })
}

/// The store path of a tree Nix fetched, from its NAR hash: Nix adds every
/// fetched tree as `source`, addressed by the SHA-256 of its NAR.
pub fn source_path(nar_hash: &str) -> Option<PathBuf> {
    let hash = NixHash::parse(nar_hash).ok()?;
    if !matches!(hash, NixHash::Sha256(_)) {
        return None;
    }
    let p =
        nix_derivation::store_path::build_ca_path("source", &CAHash::Nar(hash), [], false).ok()?;
    Some(PathBuf::from(p.to_absolute_path()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCK: &str = r#"{
      "nodes": {
        "nixpkgs": { "locked": { "lastModified": 1, "narHash": "sha256-FJBKJ0CgTDONyTPZx5KAtZaOeYQ37hPpi+NDtwefqoQ=",
                                 "path": "/tmp/np", "type": "path" },
                     "original": { "path": "/tmp/np", "type": "path" } },
        "other": { "inputs": { "nixpkgs": "nixpkgs" },
                   "locked": { "narHash": "sha256-hUfo0/F7F6WceKCVT+ezv3wkswqlNa6AsG8BFZ3bU3Y=", "rev": "abc", "type": "git", "url": "file:///x" } },
        "root": { "inputs": { "nixpkgs": "nixpkgs", "other": "other", "pkgs2": ["other", "nixpkgs"], "bad": "gone" } }
      },
      "root": "root", "version": 7 }"#;

    #[test]
    fn the_store_path_is_nixs() {
        // What `nix flake metadata` printed for this hash (Nix 2.8).
        assert_eq!(
            source_path("sha256-FJBKJ0CgTDONyTPZx5KAtZaOeYQ37hPpi+NDtwefqoQ=").unwrap(),
            PathBuf::from("/nix/store/v0w8a98ynlc2ya6abfg09f88gqpf34br-source")
        );
        assert_eq!(source_path("md5-1B2M2Y8AsgTpgAmY7PhCfg=="), None);
        assert_eq!(source_path("nonsense"), None);
    }

    #[test]
    fn inputs_and_follows() {
        let p = Path::new("flake.lock");
        let np = parse_locked_input(LOCK, p, "nixpkgs").unwrap();
        assert_eq!(np.rev, None);
        assert_eq!(
            np.store_path,
            PathBuf::from("/nix/store/v0w8a98ynlc2ya6abfg09f88gqpf34br-source")
        );
        assert_eq!(np.locked["path"], "/tmp/np");
        let other = parse_locked_input(LOCK, p, "other").unwrap();
        assert_eq!(other.rev.as_deref(), Some("abc"));
        let followed = parse_locked_input(LOCK, p, "pkgs2").unwrap();
        assert_eq!(followed.nar_hash, np.nar_hash);
        let e = parse_locked_input(LOCK, p, "nope").unwrap_err().to_string();
        assert!(
            e.contains("no input \"nope\"") && e.contains("nixpkgs, other"),
            "{e}"
        );
        let e = parse_locked_input(LOCK, p, "bad").unwrap_err().to_string();
        assert!(e.contains("no node \"gone\""), "{e}");
        let e = parse_locked_input(r#"{"version": 3, "nodes": {}}"#, p, "nixpkgs")
            .unwrap_err()
            .to_string();
        assert!(e.contains("lock version 3"), "{e}");
        let e = parse_locked_input("{", p, "nixpkgs")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("flake.lock: "), "{e}");
    }

    #[test]
    fn a_missing_lock_says_how_to_make_one() {
        let dir = tempfile::tempdir().unwrap();
        let e = locked_input(dir.path(), "nixpkgs").unwrap_err().to_string();
        assert!(
            e.contains("no flake.lock") && e.contains("nix flake lock"),
            "{e}"
        );
    }
}
