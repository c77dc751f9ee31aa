//! Many systems at once (DESIGN §10, issue 19): the distinct systems of a
//! run evaluated by worker processes, each a `nix-instantiate` of
//! `systems.nix` over a chunk of them (nixpkgs imported once per process
//! and shared by its systems), and their derivations realised by one
//! `nix-store --realise`, so that Nix's own scheduler (`max-jobs`,
//! `builders`) does the builds.
//!
//! Workers are threads, each driving one Nix process at a time; a chunk
//! holds at most `chunk` systems (a process's memory grows with what it
//! has evaluated), and there are as many chunks as a multiple of the
//! workers, so that they finish together. A process reports each system
//! as it is done (systems.nix's `progress`): when one system fails the
//! whole process, those before it are kept, the error is that system's,
//! and the rest go to a new process.
//!
//! Prints nothing: progress goes to the caller's callback.

use std::collections::VecDeque;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Mutex;

use anyhow::{Context, Result};
use serde::Deserialize;

use super::{die_with_parent, nix_string};

/// One system to evaluate: the arguments of `system.nix`.
#[derive(Debug, Clone)]
pub struct SystemArgs {
    /// The container id (`id`).
    pub id: String,
    /// The snippet file.
    pub config_file: PathBuf,
    /// The canonical unit description.
    pub unit_json: String,
    /// The snippet imports a flake output (`builtins.getFlake`): its
    /// evaluation needs the flakes feature.
    pub flakes: bool,
}

/// How to evaluate.
#[derive(Debug, Clone)]
pub struct Workers {
    /// `--nix-dir`: where `systems.nix` is.
    pub nix_dir: PathBuf,
    /// The nixpkgs tree.
    pub nixpkgs: PathBuf,
    /// Worker processes at once.
    pub jobs: usize,
    /// At most this many systems in one process.
    pub chunk: usize,
}

/// A system evaluated: its derivation (written to the store) and output.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Evaluated {
    /// The `.drv`.
    pub drv_path: String,
    /// The system's out path once built.
    pub out: String,
    /// `Some(true)`: evaluated with nixpkgs of its own (it defines
    /// `nixpkgs.*`); `Some(false)`: with the shared one; `None`: alone in
    /// its process.
    pub own_pkgs: Option<bool>,
}

/// What the evaluation of a run did.
#[derive(Debug)]
pub struct Evaluation {
    /// Per system, in the order given: its derivation, or Nix's error.
    pub systems: Vec<Result<Evaluated, String>>,
    /// Nix processes run.
    pub processes: usize,
    /// The peak resident memory of the largest of them, KiB.
    pub peak_rss_kib: Option<u64>,
}

/// The chunks of `n` systems for `jobs` workers, at most `chunk` each:
/// contiguous, sizes differing by at most one, their number a multiple of
/// the workers (so that they finish together) unless there are fewer
/// systems than that.
pub fn chunks(n: usize, jobs: usize, chunk: usize) -> Vec<Range<usize>> {
    if n == 0 {
        return Vec::new();
    }
    let jobs = jobs.clamp(1, n);
    let count = (n.div_ceil(chunk.max(1)).div_ceil(jobs) * jobs).min(n);
    let (size, extra) = (n / count, n % count);
    let mut out = Vec::with_capacity(count);
    let mut start = 0;
    for k in 0..count {
        let len = size + usize::from(k < extra);
        out.push(start..start + len);
        start += len;
    }
    out
}

/// What one process of a chunk reports.
#[derive(Debug, Deserialize)]
struct Progress {
    index: usize,
    #[serde(flatten)]
    system: Evaluated,
}

const PROGRESS: &str = "trace: nixunits-system ";

/// The end of a failed process's standard error, from its last `error:`
/// line (Nix's message and where), else its last lines.
fn error_tail(lines: &[String]) -> String {
    let start = lines
        .iter()
        .rposition(|l| l.starts_with("error:"))
        .unwrap_or_else(|| lines.len().saturating_sub(25));
    let tail: Vec<&str> = lines[start..]
        .iter()
        .map(|l| l.trim_end())
        .filter(|l| !l.is_empty())
        .take(40)
        .collect();
    if tail.is_empty() {
        "nix-instantiate failed and said nothing".to_owned()
    } else {
        tail.join("\n")
    }
}

/// The initial heap of a Nix process evaluating `systems` systems, bytes:
/// Nix starts with 384 MiB (at most a quarter of the memory), enough for
/// one system without collecting; each further system in the process
/// leaves its heap about 48 MiB larger (measured on the 2020 tree), and a
/// heap that has to grow by collections costs more time and, as Boehm's GC
/// grows it, more memory (5 systems: 2.8–3.0 s of CPU and 780 MB with
/// Nix's default, 2.3–2.4 s and 731 MB starting at 600 MB). `None`: one
/// system, or the user chose (`GC_INITIAL_HEAP_SIZE` set).
fn initial_heap(systems: usize) -> Option<u64> {
    const MIB: u64 = 1 << 20;
    if systems < 2 || std::env::var_os("GC_INITIAL_HEAP_SIZE").is_some() {
        return None;
    }
    let wanted = 384 * MIB + 48 * MIB * (systems as u64 - 1);
    let quarter = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or(wanted, |kib| kib * 1024 / 4);
    Some(wanted.min(quarter).max(384 * MIB))
}

/// The outcome of one process over `indices`: the systems it reported (in
/// order, a prefix of `indices`), then either all done, or the error of
/// the next one and the rest left for another process.
struct ChunkRun {
    done: Vec<(usize, Evaluated)>,
    failed: Option<(usize, String)>,
    rest: Vec<usize>,
}

/// Runs `nix-instantiate` of `systems.nix` over `indices`.
async fn run_chunk(
    workers: &Workers,
    systems: &[SystemArgs],
    indices: &[usize],
    on_done: &(dyn Fn(usize, &Result<Evaluated, String>) + Sync),
) -> Result<ChunkRun> {
    use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
    let list: Vec<serde_json::Value> = indices
        .iter()
        .map(|&i| {
            let s = &systems[i];
            serde_json::json!({
                "id": s.id,
                "configFile": s.config_file,
                "unitJSON": s.unit_json,
            })
        })
        .collect();
    let mut cmd = tokio::process::Command::new("nix-instantiate");
    if let Some(bytes) = initial_heap(indices.len()) {
        cmd.env("GC_INITIAL_HEAP_SIZE", bytes.to_string());
    }
    if indices.iter().any(|&i| systems[i].flakes) {
        cmd.args(["--option", "extra-experimental-features", "flakes"]);
    }
    cmd.args(["--eval", "--strict", "--json", "--read-write-mode"])
        .arg(workers.nix_dir.join("systems.nix"))
        .args(["--arg", "nixpkgs"])
        .arg(format!(
            "/. + {}",
            nix_string(&workers.nixpkgs.display().to_string())
        ))
        .args(["--arg", "progress", "true", "--argstr", "systemsJSON"])
        .arg(serde_json::Value::Array(list).to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    die_with_parent(&mut cmd, None);
    let mut child = cmd
        .spawn()
        .context("cannot run nix-instantiate (is Nix installed and on PATH?)")?;
    let mut stdout = child.stdout.take().context("nix-instantiate stdout")?;
    let stderr = child.stderr.take().context("nix-instantiate stderr")?;
    let out_task = tokio::spawn(async move {
        let mut s = String::new();
        stdout.read_to_string(&mut s).await.map(|_| s)
    });
    let mut done: Vec<(usize, Evaluated)> = Vec::new();
    let mut said: Vec<String> = Vec::new();
    let mut lines = BufReader::new(stderr).lines();
    while let Some(line) = lines
        .next_line()
        .await
        .context("reading nix-instantiate's log")?
    {
        // A system done: the next one of the chunk, in order (anything
        // else is not ours, and stays in the log).
        if let Some(p) = line
            .strip_prefix(PROGRESS)
            .and_then(|j| serde_json::from_str::<Progress>(j).ok())
            .filter(|p| p.index == done.len() && p.index < indices.len())
        {
            let i = indices[p.index];
            on_done(i, &Ok(p.system.clone()));
            done.push((i, p.system));
            continue;
        }
        said.push(line);
        if said.len() > 400 {
            said.drain(..200);
        }
    }
    let status = child.wait().await.context("waiting for nix-instantiate")?;
    let stdout = out_task
        .await
        .context("nix-instantiate stdout")?
        .context("reading nix-instantiate's output")?;
    if status.success() {
        // The result itself is what counts; the progress lines agree with
        // it or the process lied.
        let all: Vec<Evaluated> = serde_json::from_str(stdout.trim())
            .with_context(|| format!("nix-instantiate printed no list of systems: {stdout:?}"))?;
        anyhow::ensure!(
            all.len() == indices.len() && done.iter().zip(&all).all(|((_, a), b)| a == b),
            "nix-instantiate's systems ({}) do not match those it reported ({} of {})",
            all.len(),
            done.len(),
            indices.len()
        );
        for (k, e) in all.iter().enumerate().skip(done.len()) {
            on_done(indices[k], &Ok(e.clone()));
        }
        return Ok(ChunkRun {
            done: indices.iter().copied().zip(all).collect(),
            failed: None,
            rest: Vec::new(),
        });
    }
    // Failed at the first system not reported.
    let k = done.len();
    let Some(&bad) = indices.get(k) else {
        anyhow::bail!(
            "nix-instantiate failed ({status}) after every system was done:\n{}",
            error_tail(&said)
        );
    };
    let why = match status.code() {
        Some(_) => error_tail(&said),
        None => format!(
            "nix-instantiate was ended by a signal ({status}) while evaluating this system:\n{}",
            error_tail(&said)
        ),
    };
    on_done(bad, &Err(why.clone()));
    Ok(ChunkRun {
        done,
        failed: Some((bad, why)),
        rest: indices[k + 1..].to_vec(),
    })
}

/// Evaluates `systems` with `workers`, calling `on_done` (from the worker
/// threads) as each is done. A system that fails is reported as such and
/// the others go on; an error is returned only when Nix cannot run at all.
pub fn evaluate(
    workers: &Workers,
    systems: &[SystemArgs],
    on_done: &(dyn Fn(usize, &Result<Evaluated, String>) + Sync),
) -> Result<Evaluation> {
    let queue: Mutex<VecDeque<Vec<usize>>> = Mutex::new(
        chunks(systems.len(), workers.jobs, workers.chunk)
            .into_iter()
            .map(|r| r.collect())
            .collect(),
    );
    let results: Mutex<Vec<Option<Result<Evaluated, String>>>> =
        Mutex::new(vec![None; systems.len()]);
    let processes = Mutex::new(0usize);
    let lock_err = || anyhow::anyhow!("a worker thread panicked");
    let worker = || -> Result<()> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        loop {
            let next = queue.lock().map_err(|_| lock_err())?.pop_front();
            let Some(indices) = next else {
                return Ok(());
            };
            *processes.lock().map_err(|_| lock_err())? += 1;
            let run = rt.block_on(run_chunk(workers, systems, &indices, on_done))?;
            let mut r = results.lock().map_err(|_| lock_err())?;
            for (i, e) in run.done {
                r[i] = Some(Ok(e));
            }
            if let Some((i, why)) = run.failed {
                r[i] = Some(Err(why));
            }
            drop(r);
            if !run.rest.is_empty() {
                // Next, so that the order of the work stays the same.
                queue.lock().map_err(|_| lock_err())?.push_front(run.rest);
            }
        }
    };
    let jobs = workers.jobs.clamp(1, systems.len().max(1));
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..jobs).map(|_| s.spawn(worker)).collect();
        handles
            .into_iter()
            .map(|h| h.join().map_err(|_| lock_err())?)
            .collect::<Result<Vec<()>>>()
    })?;
    let systems = results
        .into_inner()
        .map_err(|_| lock_err())?
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Err("not evaluated".to_owned())))
        .collect();
    Ok(Evaluation {
        systems,
        processes: processes.into_inner().map_err(|_| lock_err())?,
        peak_rss_kib: peak_rss_of_children(),
    })
}

/// The peak resident memory of the largest child this process has waited
/// for, KiB (Linux counts `ru_maxrss` in KiB).
fn peak_rss_of_children() -> Option<u64> {
    use nix::sys::resource::{getrusage, UsageWho};
    getrusage(UsageWho::RUSAGE_CHILDREN)
        .ok()
        .and_then(|u| u64::try_from(u.max_rss()).ok())
}

/// `NAME=VALUE` pairs passed to Nix as `--option NAME VALUE`
/// (`--build-arg`): `max-jobs`, `builders`, `cores`, …
pub fn option_args(build_args: &[(String, String)]) -> Vec<String> {
    build_args
        .iter()
        .flat_map(|(n, v)| ["--option".to_owned(), n.clone(), v.clone()])
        .collect()
}

/// Realises `drvs` with one `nix-store --realise --keep-going` (its log
/// in `log`), so that Nix schedules the builds; then, per derivation, its
/// output `outs[i]` made the GC root `roots[i]` — which fails for an
/// output that was not built: that derivation's error names the lines of
/// the log about it.
pub fn realise(
    drvs: &[String],
    outs: &[String],
    roots: &[PathBuf],
    build_args: &[(String, String)],
    log: &Path,
) -> Result<Vec<Result<(), String>>> {
    anyhow::ensure!(
        drvs.len() == outs.len() && outs.len() == roots.len(),
        "realise: as many derivations, outputs and roots"
    );
    let status = if drvs.is_empty() {
        None
    } else {
        let logf = std::fs::File::create(log)
            .with_context(|| format!("cannot write {}", log.display()))?;
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let mut cmd = tokio::process::Command::new("nix-store");
        cmd.args(["--realise", "--keep-going"])
            .args(option_args(build_args))
            .args(drvs)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(logf)
            .kill_on_drop(true);
        die_with_parent(&mut cmd, None);
        Some(rt.block_on(async {
            cmd.spawn()
                .context("cannot run nix-store (is Nix installed and on PATH?)")?
                .wait()
                .await
                .context("waiting for nix-store --realise")
        })?)
    };
    let text = std::fs::read_to_string(log).unwrap_or_default();
    Ok(drvs
        .iter()
        .zip(outs)
        .zip(roots)
        .map(|((drv, out), root)| {
            super::add_root(out, root).map_err(|e| match status {
                Some(s) if !s.success() => realise_error(&text, drv, "nix-store --realise", s, log),
                _ => format!("{e:#}"),
            })
        })
        .collect())
}

/// Why `drv` was not built by a realisation that ended with `status`:
/// Nix's `error:` lines about it in the log `text` (its builder's failure,
/// or its dependencies'), and where the whole log is.
pub fn realise_error(
    text: &str,
    drv: &str,
    what: &str,
    status: std::process::ExitStatus,
    log: &Path,
) -> String {
    let errors: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("error:") && l.contains(drv))
        .collect();
    if errors.is_empty() {
        format!("{what} failed ({status}); the log is in {}", log.display())
    } else {
        format!("{}; the log is in {}", errors.join("\n"), log.display())
    }
}

#[cfg(test)]
mod tests {
    use super::{chunks, error_tail, initial_heap};

    #[test]
    fn a_chunk_starts_with_a_heap_for_its_systems() {
        if std::env::var_os("GC_INITIAL_HEAP_SIZE").is_some() {
            // The user's choice wins: nothing of ours to check.
            assert_eq!(initial_heap(5), None);
            return;
        }
        const MIB: u64 = 1 << 20;
        assert_eq!(initial_heap(1), None, "Nix's own default for one system");
        let five = initial_heap(5).unwrap();
        assert!((384 * MIB..=576 * MIB).contains(&five), "{five}");
        assert!(initial_heap(8).unwrap() >= five);
    }

    #[test]
    fn chunks_are_bounded_balanced_and_a_multiple_of_the_workers() {
        let sizes = |n, j, c| -> Vec<usize> { chunks(n, j, c).iter().map(|r| r.len()).collect() };
        assert_eq!(sizes(0, 2, 8), Vec::<usize>::new());
        assert_eq!(sizes(1, 2, 8), vec![1]);
        assert_eq!(sizes(5, 2, 8), vec![3, 2]);
        assert_eq!(sizes(20, 2, 8), vec![5, 5, 5, 5]);
        assert_eq!(sizes(20, 2, 10), vec![10, 10]);
        assert_eq!(sizes(20, 1, 8), vec![7, 7, 6]);
        assert_eq!(sizes(3, 8, 8), vec![1, 1, 1]);
        assert_eq!(sizes(7, 2, 0), vec![1; 7]);
        for n in 0..60 {
            for j in 1..5 {
                for c in 1..12 {
                    let cs = chunks(n, j, c);
                    assert_eq!(cs.iter().map(|r| r.len()).sum::<usize>(), n);
                    assert!(cs.iter().all(|r| !r.is_empty() && r.len() <= c.max(1)));
                    assert!(cs.windows(2).all(|w| w[0].end == w[1].start));
                    let (min, max) = (
                        cs.iter().map(|r| r.len()).min().unwrap_or(0),
                        cs.iter().map(|r| r.len()).max().unwrap_or(0),
                    );
                    assert!(max - min <= 1, "{n} {j} {c}: {cs:?}");
                    assert!(
                        cs.len().is_multiple_of(j) || cs.len() == n,
                        "{n} {j} {c}: {cs:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn the_error_is_nix_s_message_from_its_last_error_line() {
        let lines: Vec<String> = [
            "trace: warning: something",
            "error: attribute 'x' missing",
            "",
            "       at /a.nix:1:2:",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        assert_eq!(
            error_tail(&lines),
            "error: attribute 'x' missing\n       at /a.nix:1:2:"
        );
        assert_eq!(error_tail(&[]), "nix-instantiate failed and said nothing");
    }
}
