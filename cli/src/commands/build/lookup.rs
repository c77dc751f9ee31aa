//! Where a build's system comes from: the live generation (the no-op
//! path: its stamp, no database), the history (sled, by system key), the
//! shared index; and recording a build in the history.

use anyhow::Result;
use nixunits_store::cache::{Cache, Entry};
use nixunits_store::generation::{out_path_holds, Damage};
use nixunits_store::ContainerDir;
use serde::Serialize;

use super::plan::{warn, Plan};

/// Where the result came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// The live generation has this key and matches its stamp: nothing
    /// to do.
    Installed,
    /// The live generation has this key but its files did not match its
    /// stamp: made again from its out path, no nix-build.
    Repaired,
    /// An earlier build with this key, still in the store.
    History,
    /// The shared index (`--cache`) had this system: substituted, signed,
    /// no evaluation.
    Substituted,
    /// Built: nothing cached.
    Miss,
    /// Built: `-f`.
    Forced,
    /// Built: the snippet cannot be cached.
    Uncacheable,
}

impl Source {
    pub(super) fn describe(self) -> &'static str {
        match self {
            Source::Installed => "hit: already installed, no nix-build",
            Source::Substituted => "hit: substituted from the shared cache, no evaluation",
            Source::Repaired => {
                "hit: the live generation was damaged and is made again, no nix-build"
            }
            Source::History => "hit: an earlier build from the cache, no nix-build",
            Source::Miss => "cache miss",
            Source::Forced => "forced with -f",
            Source::Uncacheable => "not cacheable",
        }
    }
    pub(super) fn builds(self) -> bool {
        matches!(self, Source::Miss | Source::Forced | Source::Uncacheable)
    }
}

/// Where the result comes from, and its out path when it is already in
/// the store. Changes nothing (used by `--dry-run` too).
pub(super) fn lookup(
    plan: &Plan,
    dir: &ContainerDir,
    warnings: &mut Vec<String>,
) -> Result<(Source, Option<String>)> {
    if !plan.cacheable() {
        return Ok((Source::Uncacheable, None));
    }
    if plan.args.force {
        return Ok((Source::Forced, None));
    }
    // The no-op path: the live generation's stamp, and its files checked
    // against it. No sled.
    if let Some(live) = dir.live() {
        // The stamp read once; a live generation without one is no hit.
        if let Some(stamp) = live.stamp().filter(|s| s.key == Some(plan.key)) {
            match live.check(&stamp) {
                Ok(()) => return Ok((Source::Installed, Some(stamp.out_path))),
                Err(Damage::Files { .. }) if out_path_holds(&stamp.out_path, &plan.id) => {
                    warnings.push(format!(
                        "the live generation {} of {} did not match its stamp; made again from {}",
                        live.number, plan.id, stamp.out_path
                    ));
                    return Ok((Source::Repaired, Some(stamp.out_path)));
                }
                Err(_) => {}
            }
        }
    }
    known_system(plan, warnings)
}

/// Where a system built before comes from: the history, then the shared
/// index (not in a dry run). Changes nothing but the store (a
/// substitution). Shared by `build` and `apply`.
pub(super) fn known_system(
    plan: &Plan,
    warnings: &mut Vec<String>,
) -> Result<(Source, Option<String>)> {
    let cache_dir = plan.state.cache();
    let entry = if plan.args.dry_run {
        // Look at a copy: a dry run changes nothing, and sled writes on open.
        match Cache::open_copy(&cache_dir)? {
            Some(c) => c.get(&plan.system_key)?,
            None => None,
        }
    } else {
        let (cache, aside) = Cache::open(&cache_dir)?;
        if let Some(a) = aside {
            warnings.push(a.to_string());
        }
        cache.get(&plan.system_key)?
    };
    if let Some(e) = entry.filter(|e| out_path_holds(&e.out_path, &plan.id)) {
        return Ok((Source::History, Some(e.out_path)));
    }
    let Some(shared) = plan.shared.as_ref().filter(|_| !plan.args.dry_run) else {
        return Ok((Source::Miss, None));
    };
    match crate::remote::index::substitute(&shared.url, &plan.system_key)? {
        crate::remote::index::Found::System(out) if out_path_holds(&out, &plan.id) => {
            Ok((Source::Substituted, Some(out)))
        }
        crate::remote::index::Found::Refused(why) => {
            warnings.push(format!(
                "the shared cache's entry for this system was refused, building here: {why}"
            ));
            Ok((Source::Miss, None))
        }
        _ => Ok((Source::Miss, None)),
    }
}

pub(super) fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Records a build in the history. Before the switch: a cache that cannot
/// be written (a full disk) fails the build and leaves the live
/// generation as it was.
pub(super) fn record(plan: &Plan, out_path: &str, build_ms: u64) -> Result<()> {
    let (cache, aside) = Cache::open(&plan.state.cache())?;
    if let Some(a) = aside {
        warn(plan.args, &a.to_string());
    }
    let entry = Entry {
        out_path: out_path.to_owned(),
        id: plan.id.to_string(),
        build_ms,
        at: now_secs(),
    };
    cache.insert(&plan.system_key, &entry)?;
    cache.commit()?;
    Ok(())
}
