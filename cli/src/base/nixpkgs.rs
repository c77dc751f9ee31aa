//! The nixpkgs a build uses, resolved once per run before any build: a
//! path (`--nixpkgs PATH`, `NIX_PATH`, the channels, as Nix finds
//! `<nixpkgs>`), a flake reference (`--nixpkgs flake:nixpkgs`, `path:…`,
//! `git+file:…`, `github:…`), or the pin of a flake's `flake.lock`
//! (`--flake DIR`, its `nixpkgs` input or `--flake-input NAME`). Each gives
//! a tree and an identity for the build key: a path its own (and its
//! revision file), a flake its locked NAR hash.

use std::path::{Path, PathBuf};

use nixunits_store::flake::{locked_input, FlakeLockError, LockedInput};
use serde::Serialize;

use super::flake::{self, FlakeError};
use super::nix::{nixpkgs_identity_of, resolve_nixpkgs, NoNixpkgs};

/// Where the nixpkgs of a build is named.
#[derive(Debug, Clone, Copy)]
pub enum Source<'a> {
    /// As Nix finds `<nixpkgs>`: `NIX_PATH`, else the channels.
    Default,
    /// `--nixpkgs`: a path or a flake reference.
    Given(&'a str),
    /// `--flake DIR` (and `--flake-input NAME`): the lock's pin.
    Lock {
        /// The flake's directory.
        dir: &'a Path,
        /// The input.
        input: &'a str,
    },
}

/// A resolved nixpkgs.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Nixpkgs {
    /// The tree (for a lock's pin, where it is or will be in the store).
    pub path: PathBuf,
    /// What the build key holds: a path and its revision, or a flake's
    /// locked NAR hash.
    pub identity: String,
    /// Who named it, for messages (`--nixpkgs flake:nixpkgs`, `the
    /// flake.lock of DIR (input nixpkgs)`, `NIX_PATH`).
    pub from: String,
    /// The revision, when the flake reference or lock has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rev: Option<String>,
    /// A lock's pin, fetched only when a build needs its tree.
    #[serde(skip)]
    locked: Option<LockedInput>,
}

/// Why no nixpkgs: a path, a flake reference or a lock that does not give
/// one. All are bad input (exit 2), said before any build.
#[derive(Debug, thiserror::Error)]
pub enum Unresolved {
    /// A path (or `NIX_PATH`, the channels).
    #[error(transparent)]
    Path(#[from] NoNixpkgs),
    /// A flake reference Nix could not resolve.
    #[error("nixpkgs {0}")]
    Flake(#[from] FlakeError),
    /// A lock without the input.
    #[error(transparent)]
    Lock(#[from] FlakeLockError),
}

/// Resolves the nixpkgs named by `from`: a path is checked, a flake
/// reference resolved by Nix (once per process), a lock read (no Nix).
pub fn resolve(from: Source<'_>) -> Result<Nixpkgs, Unresolved> {
    match from {
        Source::Default => {
            let path = match resolve_nixpkgs(None) {
                // `nixpkgs=flake:nixpkgs` in NIX_PATH, as later Nix reads it
                // (a URL there is a tarball, not a flake: still refused).
                Err(NoNixpkgs::NotLocal(r)) if r.starts_with("flake:") => {
                    let mut n = resolve(Source::Given(&r))?;
                    n.from = format!("NIX_PATH (nixpkgs={r})");
                    return Ok(n);
                }
                r => r?,
            };
            Ok(Nixpkgs {
                identity: nixpkgs_identity_of(&path),
                path,
                from: "NIX_PATH".into(),
                rev: None,
                locked: None,
            })
        }
        Source::Given(s) if flake::is_reference(s) => {
            if s.starts_with("channel:") {
                return Err(NoNixpkgs::NotLocal(s.to_owned()).into());
            }
            let r = flake::metadata(s)?;
            Ok(Nixpkgs {
                identity: r.nar_hash,
                path: r.store_path,
                from: format!("--nixpkgs {s}"),
                rev: r.rev,
                locked: None,
            })
        }
        Source::Given(s) => {
            let path = resolve_nixpkgs(Some(Path::new(s)))?;
            Ok(Nixpkgs {
                identity: nixpkgs_identity_of(&path),
                path,
                from: "--nixpkgs".into(),
                rev: None,
                locked: None,
            })
        }
        Source::Lock { dir, input } => {
            let l = locked_input(dir, input)?;
            Ok(Nixpkgs {
                identity: l.nar_hash.clone(),
                path: l.store_path.clone(),
                from: format!("the flake.lock of {} (input {input})", dir.display()),
                rev: l.rev.clone(),
                locked: Some(l),
            })
        }
    }
}

impl Nixpkgs {
    /// The tree, in place for a build: a lock's pin is fetched when it is
    /// not in the store (collected since, or never fetched here).
    pub fn tree(&self) -> Result<&Path, FlakeError> {
        if let Some(l) = &self.locked {
            if !flake::in_store(l) {
                flake::fetch(l)?;
            }
        }
        Ok(&self.path)
    }
}
