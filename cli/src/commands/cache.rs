//! `nixunits cache stats|verify|gc|clear`.

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::Result;
use nixunits_store::{BuildKey, Cache, Entry, StateDir};

use crate::args::CacheCommand;

/// Runs a cache command.
#[allow(clippy::print_stderr)]
pub fn run(cmd: &CacheCommand, state: &StateDir) -> Result<()> {
    let path = state.cache();
    if !path.exists() {
        match cmd {
            CacheCommand::Stats { json: true } => {
                outln!(r#"{{"entries":0,"present":0,"inUse":0,"bytes":0}}"#)
            }
            CacheCommand::Stats { json: false } => outln!(
                "the build cache is empty ({} does not exist)",
                path.display()
            ),
            _ => outln!("nothing to do: {} does not exist", path.display()),
        }
        return Ok(());
    }
    let (cache, aside) = Cache::open(&path)?;
    if let Some(a) = aside {
        eprintln!("warning: {a}");
    }
    let entries = cache.entries()?;
    let in_use = in_use(state);
    let present = |out: &str| Path::new(out).exists();
    match cmd {
        CacheCommand::Stats { json } => {
            let n_present = entries.iter().filter(|(_, e)| present(&e.out_path)).count();
            let n_used = entries
                .iter()
                .filter(|(_, e)| in_use.contains(&e.out_path))
                .count();
            let bytes = cache.size_on_disk();
            if *json {
                outln!(
                    r#"{{"entries":{},"present":{n_present},"inUse":{n_used},"bytes":{bytes}}}"#,
                    entries.len()
                );
            } else {
                outln!("entries: {}", entries.len());
                outln!("  out path still in the store: {n_present}");
                outln!("  installed in a container: {n_used}");
                outln!("size on disk: {:.1} KiB", bytes as f64 / 1024.0);
            }
        }
        CacheCommand::Verify => {
            let dropped = drop_where(&cache, &entries, |_, e| !present(&e.out_path))?;
            outln!(
                "dropped {dropped} of {} entries (out path gone from the store)",
                entries.len()
            );
        }
        CacheCommand::Gc => {
            let dropped = drop_where(&cache, &entries, |_, e| !in_use.contains(&e.out_path))?;
            outln!(
                "dropped {dropped} of {} entries (kept those of every kept generation)",
                entries.len()
            );
        }
        CacheCommand::Clear => {
            cache.clear()?;
            outln!("dropped {} entries", entries.len());
        }
    }
    // Stats changed nothing; the others are made the cache here.
    cache.commit()?;
    Ok(())
}

/// Removes the entries `drop` selects; returns how many.
fn drop_where(
    cache: &Cache,
    entries: &[(BuildKey, Entry)],
    drop: impl Fn(&BuildKey, &Entry) -> bool,
) -> Result<usize> {
    let mut n = 0;
    for (k, _) in entries.iter().filter(|(k, e)| drop(k, e)) {
        cache.remove(k)?;
        n += 1;
    }
    cache.flush()?;
    Ok(n)
}

/// The out paths of every kept generation of every container (the live
/// ones and the rollback targets), and of containers not yet migrated: the
/// history is keyed by system, which several containers may share.
fn in_use(state: &StateDir) -> BTreeSet<String> {
    let mut paths = BTreeSet::new();
    for id in state.container_ids() {
        let dir = state.container(&id);
        paths.extend(dir.installed_out_path().map(|p| p.display().to_string()));
        paths.extend(
            dir.generations()
                .iter()
                .filter_map(|g| Some(g.stamp()?.out_path)),
        );
    }
    paths
}
