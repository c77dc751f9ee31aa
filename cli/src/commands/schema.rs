//! `nixunits schema import|generate`, and where the schema lives:
//! `$STATE/schema/current.json`, normalized (a list of options); generated
//! ones are kept by nixpkgs identity in `$STATE/schema/<digest>.json`.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use nixunits_eval::eval::{LoadError, Loader};
use nixunits_eval::schema::{parse_options, read_stored, OptionInfo, Schema};
use nixunits_eval::types::recover::recover;
use nixunits_store::state::atomic_write;
use nixunits_store::StateDir;

use crate::base::nix;
use crate::base::UsageError;

/// `$STATE/schema/current.json`.
pub fn current(state: &StateDir) -> PathBuf {
    state.root().join("schema").join("current.json")
}

/// Where the schema generated from the nixpkgs of `identity` is kept.
pub fn kept(state: &StateDir, identity: &str) -> PathBuf {
    let key =
        nixunits_store::key::BuildKey(*blake3::hash(identity.as_bytes()).as_bytes()).to_string();
    state
        .root()
        .join("schema")
        .join(format!("{}.json", &key[..32]))
}

/// The state directory's stored schema, when there is one.
pub fn stored(state: &StateDir) -> Result<Option<Schema>> {
    let cur = current(state);
    if cur.exists() {
        load(&cur).map(Some)
    } else {
        Ok(None)
    }
}

/// Loads a stored (normalized) or imported (either shape) schema.
pub fn load(path: &Path) -> Result<Schema> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| UsageError(format!("cannot read the schema {}: {e}", path.display())))?;
    let options: Vec<OptionInfo> = match read_stored(&text) {
        Ok(o) => o,
        Err(_) => {
            parse_options(&text).map_err(|e| UsageError(format!("{}: {e}", path.display())))?
        }
    };
    Ok(Schema::new(options))
}

fn store(state: &StateDir, options: &[OptionInfo], keep_as: Option<&Path>) -> Result<PathBuf> {
    let dir = state.root().join("schema");
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let text = serde_json::to_string(options)?;
    if let Some(k) = keep_as {
        atomic_write(k, text.as_bytes())?;
    }
    let cur = current(state);
    atomic_write(&cur, text.as_bytes())?;
    Ok(cur)
}

/// `schema import FILE`
pub fn import(state: &StateDir, file: &Path) -> Result<()> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| UsageError(format!("cannot read {}: {e}", file.display())))?;
    let options =
        parse_options(&text).map_err(|e| UsageError(format!("{}: {e}", file.display())))?;
    let path = store(state, &options, None)?;
    outln!("loaded {} options into {}", options.len(), path.display());
    Ok(())
}

/// `schema generate [--nixpkgs PATH]`; `verbose` lists the options whose
/// hidden functions stay Nix's, and why.
pub fn generate(state: &StateDir, nixpkgs: Option<&Path>, verbose: bool) -> Result<()> {
    let nixpkgs = match nixpkgs {
        Some(p) => {
            std::fs::canonicalize(p).map_err(|e| UsageError(format!("{}: {e}", p.display())))?
        }
        None => nix::nixpkgs_path().context("no nixpkgs: give --nixpkgs or set NIX_PATH")?,
    };
    let identity = nix::nixpkgs_identity_of(&nixpkgs);
    let kept = kept(state, &identity);
    let options = match std::fs::read_to_string(&kept)
        .ok()
        .and_then(|t| serde_json::from_str::<Vec<OptionInfo>>(&t).ok())
    {
        Some(o) => {
            outln!("using the schema generated earlier for {identity}");
            o
        }
        None => {
            let json = nix::options_json(&nixpkgs)?;
            let mut options = parse_options(&json)
                .with_context(|| format!("the options of {}", nixpkgs.display()))?;
            // The checks and conversions types hide, from the files that
            // declare them.
            let loader = NixpkgsLoader {
                root: nixpkgs.clone(),
            };
            let r = recover(&mut options, &loader, &nixpkgs.display().to_string());
            outln!(
                "{} options hide a check or a conversion: {} recovered from the tree ({} functions), {} left to Nix",
                r.wanted,
                r.recovered,
                r.functions,
                r.left.len()
            );
            if !r.from_config.is_empty() {
                outln!(
                    "{} options have a type made from the configuration (an enum of its names): left to Nix",
                    r.from_config.len()
                );
            }
            if verbose {
                for l in &r.left {
                    outln!("  left to Nix: {l}");
                }
                for l in &r.from_config {
                    outln!("  made from the configuration: {l}");
                }
            }
            options
        }
    };
    let path = store(state, &options, Some(&kept))?;
    outln!(
        "{} options of {} in {}",
        options.len(),
        nixpkgs.display(),
        path.display()
    );
    Ok(())
}

/// Reads the files of a nixpkgs tree (and nothing outside it) for
/// `types::recover`.
struct NixpkgsLoader {
    root: PathBuf,
}

impl Loader for NixpkgsLoader {
    fn load(&self, path: &str) -> Result<String, LoadError> {
        let real = super::eval::real_source(path)?;
        if !real.starts_with(&self.root) {
            return Err(LoadError::Refused("outside the nixpkgs tree".into()));
        }
        std::fs::read_to_string(&real).map_err(|e| LoadError::Refused(e.to_string()))
    }

    fn is_dir(&self, path: &str) -> bool {
        Path::new(path).is_dir()
    }
}
