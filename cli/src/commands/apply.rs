//! `nixunits apply FLEET.toml`: hosts × containers declared in one file,
//! converged with the parts nixunits already has — the system key (one
//! build per system, the history), `nix copy` over SSH, and the nixunits
//! installed on each host (`fleet-state`, `fleet-install`, hidden
//! commands). No agent, no scheduler of our own.
//!
//! Three phases: resolve and realise the systems here (every input checked
//! first: bad input is exit 2 before anything runs); read every host's
//! containers and compute its plan, printed whole; act on each host
//! (copy, then one `fleet-install` with all its actions). Hosts are worked
//! on `jobs` at a time; a host that fails does not stop the others.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use anyhow::{Context, Result};
use nixunits_store::{ContainerId, StateDir};
use serde::{Deserialize, Serialize};

use crate::args::{ApplyArgs, BuildArgs, Global, NetArgs};
use crate::base::{usage, UsageError};
use crate::commands::build::Source;
use crate::host::install::FLEET_TAG;

/// FLEET.toml as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct FleetFile {
    /// The fleet's name (default: the file's stem): what its containers
    /// are tagged with on their hosts.
    name: Option<String>,
    /// Hosts worked on at once.
    jobs: Option<u32>,
    /// The nixpkgs to build with (default: as `build` finds it).
    nixpkgs: Option<PathBuf>,
    /// A shared build index (`build --cache`).
    cache: Option<String>,
    /// The key that signs what is pushed to it (`build --cache-key`).
    cache_key: Option<PathBuf>,
    /// Where the systems are built (`build --build-host`).
    build_host: Option<String>,
    #[serde(default)]
    hosts: BTreeMap<String, HostSpec>,
    #[serde(default)]
    containers: BTreeMap<String, ContainerSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HostSpec {
    /// `USER@HOST` (SSH, options from NIX_SSHOPTS), or `local`.
    target: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct ContainerSpec {
    snippet: PathBuf,
    unit: Option<PathBuf>,
    hosts: Vec<String>,
    count: Option<u32>,
    ids: Option<Vec<String>>,
    #[serde(default)]
    auto_ip6: bool,
    #[serde(default = "yes")]
    start: bool,
}

fn yes() -> bool {
    true
}

/// Where a host's commands run.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    /// This host: the same binary and state directory, no SSH, no copy.
    Local,
    /// `ssh USER@HOST`.
    Ssh(String),
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::Local => f.write_str("local"),
            Target::Ssh(h) => f.write_str(h),
        }
    }
}

/// The fleet, checked.
struct Fleet {
    name: String,
    jobs: usize,
    hosts: Vec<(String, Target)>,
    containers: Vec<Wanted>,
}

/// One container of the fleet, on each of its hosts.
struct Wanted {
    group: String,
    args: BuildArgs,
    start: bool,
    hosts: Vec<String>,
}

fn valid_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Reads and checks FLEET.toml: every problem is a [`UsageError`] naming
/// the key it is in.
fn load(path: &Path, dry_run: bool) -> Result<Fleet> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| usage(format!("cannot read {}: {e}", path.display())))?;
    let file: FleetFile =
        toml::from_str(&text).map_err(|e| usage(format!("{}: {e}", path.display())))?;
    let abs = std::fs::canonicalize(path)
        .map_err(|e| usage(format!("cannot resolve {}: {e}", path.display())))?;
    let base = abs.parent().unwrap_or(Path::new("/")).to_path_buf();
    let name = match file.name {
        Some(n) => n,
        None => path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default(),
    };
    if !valid_name(&name) {
        return Err(usage(format!(
            "{}: the fleet's name {name:?} must be 1 to 64 letters, digits, '-' or '_' (set `name`)",
            path.display()
        )));
    }
    if file.hosts.is_empty() {
        return Err(usage(format!("{}: no [hosts.NAME]", path.display())));
    }
    let mut hosts = Vec::new();
    let mut seen_targets: BTreeMap<String, String> = BTreeMap::new();
    for (h, spec) in &file.hosts {
        if !valid_name(h) {
            return Err(usage(format!(
                "hosts.{h}: a host's name is letters, digits, '-' or '_'"
            )));
        }
        let t = spec.target.trim();
        let target = if t == "local" {
            Target::Local
        } else if t.is_empty()
            || t.starts_with('-')
            || t.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(usage(format!(
                "hosts.{h}.target {:?}: give USER@HOST or \"local\"",
                spec.target
            )));
        } else {
            Target::Ssh(t.to_owned())
        };
        if let Some(other) = seen_targets.insert(target.to_string(), h.clone()) {
            return Err(usage(format!(
                "hosts.{other} and hosts.{h} are both {target}"
            )));
        }
        hosts.push((h.clone(), target));
    }
    let rel = |p: &Path| base.join(p);
    let nixpkgs = file.nixpkgs.as_deref().map(rel);
    let mut containers = Vec::new();
    let mut per_host: BTreeMap<&str, BTreeMap<String, &str>> = BTreeMap::new();
    for (group, spec) in &file.containers {
        let at = format!("containers.{group}");
        if spec.hosts.is_empty() {
            return Err(usage(format!("{at}.hosts is empty")));
        }
        for h in &spec.hosts {
            if !file.hosts.contains_key(h) {
                return Err(usage(format!(
                    "{at}.hosts names {h:?}, which no [hosts.{h}] declares"
                )));
            }
        }
        let ids: Vec<String> = match (spec.count, &spec.ids) {
            (Some(_), Some(_)) => {
                return Err(usage(format!("{at}: give count or ids, not both")));
            }
            (Some(0), None) => return Err(usage(format!("{at}.count is 0"))),
            (Some(n), None) => (1..=n).map(|i| format!("{group}-{i}")).collect(),
            (None, Some(v)) if v.is_empty() => {
                return Err(usage(format!("{at}.ids is empty")));
            }
            (None, Some(v)) => v.clone(),
            (None, None) => vec![group.clone()],
        };
        for id in &ids {
            let parsed: Result<ContainerId, _> = id.parse();
            if let Err(e) = parsed {
                return Err(usage(format!("{at}: container id {id:?}: {e}")));
            }
            for h in &spec.hosts {
                if let Some(other) = per_host
                    .entry(h.as_str())
                    .or_default()
                    .insert(id.clone(), group.as_str())
                {
                    return Err(usage(format!(
                        "container {id} is declared twice for host {h} (containers.{other} and {at})"
                    )));
                }
            }
            containers.push(Wanted {
                group: group.clone(),
                start: spec.start,
                hosts: spec.hosts.clone(),
                args: BuildArgs {
                    id: id.clone(),
                    config: None,
                    config_file: Some(rel(&spec.snippet)),
                    unit: spec.unit.as_deref().map(rel),
                    net: NetArgs {
                        auto_ip6: spec.auto_ip6,
                        ..NetArgs::default()
                    },
                    restart: false,
                    start: false,
                    force: false,
                    dry_run,
                    json: false,
                    nixpkgs: nixpkgs.clone(),
                    credentials: Vec::new(),
                    cache: file.cache.clone(),
                    cache_key: file.cache_key.as_deref().map(rel),
                    build_host: file.build_host.clone(),
                    keep: 3,
                },
            });
        }
    }
    Ok(Fleet {
        name,
        jobs: file.jobs.unwrap_or(4).max(1) as usize,
        hosts,
        containers,
    })
}

/// What a dry run plans for a system it would build.
const TO_BUILD: &str = "(to be built)";

/// A container as `fleet-state` reports it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Current {
    id: String,
    /// The fleet that installed it, if one did.
    fleet: Option<String>,
    out_path: Option<String>,
    /// Its unit description (canonical JSON).
    unit: Option<String>,
    active: bool,
    declared: bool,
}

/// `fleet-state`: this host's containers, as JSON.
pub fn state(state: &StateDir) -> Result<()> {
    let ids = state.container_ids();
    let statuses = crate::host::status::statuses(state, &ids)?;
    let current: Vec<Current> = ids
        .iter()
        .zip(statuses)
        .map(|(id, s)| {
            let dir = state.container(id);
            let read = |p: PathBuf| {
                std::fs::read_to_string(p)
                    .ok()
                    .map(|t| t.trim().to_owned())
                    .filter(|t| !t.is_empty())
            };
            Current {
                id: id.to_string(),
                fleet: read(dir.dir.join(FLEET_TAG)),
                out_path: s.out_path.clone(),
                unit: read(dir.unit_json()),
                active: s.active_state == "active",
                declared: s.declared,
            }
        })
        .collect();
    outln!("{}", serde_json::to_string(&current)?);
    Ok(())
}

/// What `apply` asks of one host.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Actions {
    fleet: String,
    /// Removed first (their addresses are free for what is installed).
    remove: Vec<String>,
    install: Vec<Install>,
    start: Vec<String>,
}

/// A system to install as a container's new generation.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Install {
    id: String,
    system: String,
    unit: String,
    start: bool,
    /// `new` or `changed`.
    why: String,
}

/// The outcome of one action, a line of `fleet-install`'s output.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Done {
    id: String,
    action: String,
    ok: bool,
    message: String,
}

/// `fleet-install`: the actions on standard input, each done in turn
/// (one failing does not stop the rest), its outcome printed as soon as
/// it is done. `false` when one failed.
pub fn install(state: &StateDir) -> Result<bool> {
    let mut text = String::new();
    std::io::stdin().read_to_string(&mut text)?;
    let actions: Actions =
        serde_json::from_str(&text).map_err(|e| usage(format!("fleet-install: {e}")))?;
    let mut all_ok = true;
    let mut report = |id: &str, action: &str, r: Result<String>| -> Result<()> {
        let done = match r {
            Ok(message) => Done {
                id: id.to_owned(),
                action: action.to_owned(),
                ok: true,
                message,
            },
            Err(e) => {
                all_ok = false;
                Done {
                    id: id.to_owned(),
                    action: action.to_owned(),
                    ok: false,
                    message: format!("{e:#}"),
                }
            }
        };
        let mut out = std::io::stdout().lock();
        writeln!(out, "{}", serde_json::to_string(&done)?)?;
        out.flush()?;
        Ok(())
    };
    for id in &actions.remove {
        let r = (|| {
            let cid = crate::base::parse_id(id)?;
            let tag = std::fs::read_to_string(state.container(&cid).dir.join(FLEET_TAG))
                .unwrap_or_default();
            if tag.trim() != actions.fleet {
                anyhow::bail!("{id} is not managed by fleet {}", actions.fleet);
            }
            crate::host::install::remove(state, &cid)?;
            Ok(format!("{id}: removed"))
        })();
        report(id, "remove", r)?;
    }
    for i in &actions.install {
        let r = crate::host::install::install_system(
            state,
            &i.id,
            &i.system,
            &i.unit,
            i.start,
            i.start,
            Some(&actions.fleet),
        );
        report(&i.id, "install", r)?;
    }
    for id in &actions.start {
        let r = crate::base::parse_id(id)
            .map_err(anyhow::Error::from)
            .and_then(|cid| crate::host::systemd::apply(&cid, true, false, false))
            .map(|a| format!("{id}: {}", a.as_str()));
        report(id, "start", r)?;
    }
    Ok(all_ok)
}

/// A system of the fleet and where it came from.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct SystemReport {
    key: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    out_path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<Source>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    containers: Vec<String>,
}

/// What a host needs.
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
struct HostPlan {
    remove: Vec<String>,
    install: Vec<Install>,
    start: Vec<String>,
    unchanged: Vec<String>,
    /// Left as they are: their system was not built.
    skipped: Vec<String>,
    /// Containers of the same id the fleet did not install: not touched,
    /// the host fails.
    conflicts: Vec<String>,
}

impl HostPlan {
    fn is_noop(&self) -> bool {
        self.remove.is_empty() && self.install.is_empty() && self.start.is_empty()
    }
}

/// One container as the fleet wants it on a host.
struct Desired<'a> {
    id: &'a str,
    /// `None`: its system was not built.
    system: Option<&'a str>,
    unit: &'a str,
    start: bool,
}

/// What to do on a host, from what is there.
fn diff(fleet: &str, desired: &[Desired<'_>], current: &[Current]) -> HostPlan {
    let mut plan = HostPlan::default();
    let here: BTreeMap<&str, &Current> = current.iter().map(|c| (c.id.as_str(), c)).collect();
    let wanted: BTreeSet<&str> = desired.iter().map(|d| d.id).collect();
    for c in current {
        if c.fleet.as_deref() == Some(fleet) && !wanted.contains(c.id.as_str()) && !c.declared {
            plan.remove.push(c.id.clone());
        }
    }
    for d in desired {
        let Some(system) = d.system else {
            plan.skipped.push(d.id.to_owned());
            continue;
        };
        match here.get(d.id) {
            Some(c) if c.declared || c.fleet.as_deref() != Some(fleet) => {
                plan.conflicts.push(format!(
                    "{} exists and is not managed by fleet {fleet} ({}): delete it or rename it in the fleet",
                    d.id,
                    if c.declared {
                        "declared by the NixOS module".to_owned()
                    } else {
                        c.fleet
                            .as_deref()
                            .map_or_else(|| "made by hand".to_owned(), |f| format!("fleet {f}"))
                    }
                ));
            }
            Some(c)
                if c.out_path.as_deref() == Some(system) && c.unit.as_deref() == Some(d.unit) =>
            {
                if d.start && !c.active {
                    plan.start.push(d.id.to_owned());
                } else {
                    plan.unchanged.push(d.id.to_owned());
                }
            }
            other => plan.install.push(Install {
                id: d.id.to_owned(),
                system: system.to_owned(),
                unit: d.unit.to_owned(),
                start: d.start,
                why: if other.is_some() { "changed" } else { "new" }.to_owned(),
            }),
        }
    }
    plan
}

/// A host's part of the outcome.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct HostReport {
    name: String,
    target: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    plan: Option<HostPlan>,
    results: Vec<Done>,
    ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// The whole outcome (`--json`).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Outcome {
    fleet: String,
    dry_run: bool,
    systems: Vec<SystemReport>,
    hosts: Vec<HostReport>,
    converged: bool,
}

/// Runs `nixunits ARGS` on a target: this binary for `local`, the
/// remote's through SSH.
fn nixunits_on(target: &Target, global: &Global, args: &str) -> Result<Command> {
    Ok(match target {
        Target::Local => {
            let mut c = Command::new(std::env::current_exe().context("cannot find nixunits")?);
            c.arg("--state-dir").arg(&global.state_dir);
            c.args(args.split(' '));
            c
        }
        Target::Ssh(h) => {
            let mut c = crate::remote::ssh::ssh(h);
            c.arg(format!("nixunits {args}"));
            c
        }
    })
}

fn failed_msg(target: &Target, what: &str, out: &std::process::Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).trim().to_owned();
    if out.status.code() == Some(127) {
        return format!("nixunits is not installed on {target} ({stderr})");
    }
    if out.status.code() == Some(2) && stderr.contains("unrecognized subcommand") {
        return format!(
            "the nixunits on {target} has no {what} (it is older than this one): install this version there"
        );
    }
    if out.status.code() == Some(255) && matches!(target, Target::Ssh(_)) {
        return format!("ssh {target}: {stderr}");
    }
    format!("{what} on {target} failed ({}): {stderr}", out.status)
}

fn read_state(target: &Target, global: &Global) -> Result<Vec<Current>, String> {
    let out = nixunits_on(target, global, "fleet-state")
        .map_err(|e| format!("{e:#}"))?
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run ssh: {e}"))?;
    if !out.status.success() {
        return Err(failed_msg(target, "fleet-state", &out));
    }
    serde_json::from_slice(&out.stdout)
        .map_err(|e| format!("{target} answered fleet-state with something else ({e})"))
}

/// Copies the systems, then runs the host's actions. The outcomes of the
/// actions done, and the error that stopped the host if one did.
fn act_on(
    target: &Target,
    global: &Global,
    fleet: &str,
    plan: &HostPlan,
    say: &dyn Fn(&str),
) -> (Vec<Done>, Option<String>) {
    if let Target::Ssh(h) = target {
        let systems: BTreeSet<&str> = plan.install.iter().map(|i| i.system.as_str()).collect();
        if !systems.is_empty() {
            say(&format!("copying {} system(s)", systems.len()));
            let paths: Vec<&str> = systems.into_iter().collect();
            if let Err(e) = crate::remote::ssh::copy(h, &paths) {
                return (Vec::new(), Some(format!("{e:#}")));
            }
        }
    }
    say("installing");
    let actions = Actions {
        fleet: fleet.to_owned(),
        remove: plan.remove.clone(),
        install: plan.install.clone(),
        start: plan.start.clone(),
    };
    let total = actions.remove.len() + actions.install.len() + actions.start.len();
    let spawned = nixunits_on(target, global, "fleet-install").and_then(|mut c| {
        c.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .context("cannot run ssh")
    });
    let mut child = match spawned {
        Ok(c) => c,
        Err(e) => return (Vec::new(), Some(format!("{e:#}"))),
    };
    let input = serde_json::to_vec(&actions).unwrap_or_default();
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(&input);
    }
    let stderr = child.stderr.take();
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        if let Some(mut e) = stderr {
            let _ = e.read_to_string(&mut s);
        }
        s
    });
    let mut done = Vec::new();
    if let Some(stdout) = child.stdout.take() {
        for line in std::io::BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if let Ok(d) = serde_json::from_str::<Done>(&line) {
                say(&format!("{}/{total} {}", done.len() + 1, d.message));
                done.push(d);
            }
        }
    }
    let status = child.wait();
    let stderr = err_reader.join().unwrap_or_default();
    let failed: Vec<String> = done
        .iter()
        .filter(|d| !d.ok)
        .map(|d| format!("{} {}: {}", d.action, d.id, d.message))
        .collect();
    let error = match status {
        Ok(s) if done.len() < total => Some(format!(
            "fleet-install on {target} stopped after {} of {total} actions ({s}): {}",
            done.len(),
            stderr.trim()
        )),
        Err(e) => Some(format!("cannot wait for fleet-install on {target}: {e}")),
        _ if !failed.is_empty() => Some(failed.join("; ")),
        Ok(s) if !s.success() => Some(format!(
            "fleet-install on {target} failed ({s}): {}",
            stderr.trim()
        )),
        Ok(_) => None,
    };
    (done, error)
}

/// Progress: a line per host on a terminal, plain lines otherwise.
struct Progress {
    bars: Option<BTreeMap<String, indicatif::ProgressBar>>,
    _multi: Option<indicatif::MultiProgress>,
    quiet: bool,
}

impl Progress {
    fn new(hosts: &[(String, Target)], quiet: bool) -> Progress {
        if quiet || !std::io::stderr().is_terminal() {
            return Progress {
                bars: None,
                _multi: None,
                quiet,
            };
        }
        let multi = indicatif::MultiProgress::new();
        let style = indicatif::ProgressStyle::with_template("{spinner} {prefix:<12} {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner());
        let bars = hosts
            .iter()
            .map(|(h, _)| {
                let b = multi.add(indicatif::ProgressBar::new_spinner());
                b.set_style(style.clone());
                b.set_prefix(h.clone());
                b.enable_steady_tick(std::time::Duration::from_millis(120));
                (h.clone(), b)
            })
            .collect();
        Progress {
            bars: Some(bars),
            _multi: Some(multi),
            quiet,
        }
    }

    #[allow(clippy::print_stderr)]
    fn say(&self, host: &str, msg: &str) {
        match &self.bars {
            Some(bars) => {
                if let Some(b) = bars.get(host) {
                    b.set_message(msg.to_owned());
                }
            }
            None if !self.quiet => eprintln!("{host}: {msg}"),
            None => {}
        }
    }

    fn finish(&self, host: &str, msg: &str) {
        match self.bars.as_ref().and_then(|b| b.get(host)) {
            Some(b) => b.finish_with_message(msg.to_owned()),
            None => self.say(host, msg),
        }
    }
}

/// Runs `work` over `items`, `jobs` at a time; results in order.
fn parallel<T: Sync, R: Send>(jobs: usize, items: &[T], work: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<R>>> = Mutex::new((0..items.len()).map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..jobs.min(items.len()).max(1) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(item) = items.get(i) else { break };
                let r = work(item);
                if let Ok(mut v) = results.lock() {
                    v[i] = Some(r);
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_default()
        .into_iter()
        .flatten()
        .collect()
}

/// `apply FLEET.toml`. `Ok(false)` when a host did not converge.
pub fn run(args: &ApplyArgs, global: &Global, color: bool) -> Result<bool> {
    let fleet = load(&args.file, args.dry_run)?;
    let jobs = args.jobs.map_or(fleet.jobs, |j| j as usize);
    let state = StateDir::new(&global.state_dir);

    // Every container resolved (checked, keyed) before anything runs.
    let mut plans = Vec::new();
    for w in &fleet.containers {
        let plan = crate::commands::build::resolve_with(&w.args, global, color, false).map_err(
            |e| match e.downcast_ref::<UsageError>() {
                Some(u) => usage(format!("containers.{} ({}): {u}", w.group, w.args.id)),
                None => e,
            },
        )?;
        plans.push(plan);
    }

    // One system per system key, realised here.
    let mut by_key: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, p) in plans.iter().enumerate() {
        by_key
            .entry(p.system_key().to_string())
            .or_default()
            .push(i);
    }
    let fleet_dir = state.root().join("fleets").join(&fleet.name);
    let logs = fleet_dir.join("logs");
    if !args.dry_run {
        std::fs::create_dir_all(&logs)
            .with_context(|| format!("cannot create {}", logs.display()))?;
    }
    let mut systems = Vec::new();
    let mut out_of: BTreeMap<usize, String> = BTreeMap::new();
    for (key, members) in &by_key {
        let plan = &plans[members[0]];
        let root = fleet_dir.join("systems").join(key);
        let log = logs.join(format!("{key}.log"));
        let names: Vec<String> = members.iter().map(|&m| plans[m].id().to_string()).collect();
        #[allow(clippy::print_stderr)]
        if !global.quiet && !args.dry_run {
            eprintln!("system {}… ({})", &key[..12], names.join(" "));
        }
        let (source, out, error) = match crate::commands::build::realise_system(plan, &root, &log) {
            Ok((s, o)) => (Some(s), o, None),
            Err(e) if e.downcast_ref::<UsageError>().is_some() => return Err(e),
            Err(e) => (None, None, Some(format!("{e:#}"))),
        };
        // A dry run plans a system it would build as one that changes.
        let planned = out
            .clone()
            .or_else(|| (error.is_none() && args.dry_run).then(|| TO_BUILD.to_owned()));
        if let Some(o) = planned {
            for &m in members {
                out_of.insert(m, o.clone());
            }
        }
        systems.push(SystemReport {
            key: key.clone(),
            out_path: out,
            source,
            error,
            containers: names,
        });
    }

    // Every host read, its plan computed; the whole plan printed.
    let progress = Progress::new(&fleet.hosts, global.quiet || args.json);
    let currents = parallel(jobs, &fleet.hosts, |(h, t)| {
        progress.say(h, "reading its containers");
        read_state(t, global)
    });
    let mut reports: Vec<HostReport> = Vec::new();
    for ((h, t), current) in fleet.hosts.iter().zip(currents) {
        let mut report = HostReport {
            name: h.clone(),
            target: t.to_string(),
            plan: None,
            results: Vec::new(),
            ok: true,
            error: None,
        };
        match current {
            Err(e) => {
                report.ok = false;
                report.error = Some(e);
            }
            Ok(current) => {
                let desired: Vec<Desired<'_>> = fleet
                    .containers
                    .iter()
                    .zip(&plans)
                    .enumerate()
                    .filter(|(_, (w, _))| w.hosts.contains(h))
                    .map(|(i, (w, p))| Desired {
                        id: p.id().as_str(),
                        system: out_of.get(&i).map(String::as_str),
                        unit: p.unit_json(),
                        start: w.start,
                    })
                    .collect();
                let plan = diff(&fleet.name, &desired, &current);
                if !plan.conflicts.is_empty() {
                    report.ok = false;
                    report.error = Some(plan.conflicts.join("; "));
                }
                report.plan = Some(plan);
            }
        }
        reports.push(report);
    }
    if !args.json {
        print_plan(&fleet, &systems, &reports, args.dry_run)?;
    }

    let work: Vec<usize> = (0..reports.len())
        .filter(|&i| !args.dry_run && reports[i].plan.as_ref().is_some_and(|p| !p.is_noop()))
        .collect();
    for (i, r) in reports
        .iter()
        .enumerate()
        .filter(|(i, _)| !work.contains(i))
    {
        let msg = match (r.ok, args.dry_run) {
            (false, _) => "FAILED",
            (true, true) => "planned",
            (true, false) => "unchanged",
        };
        progress.finish(&fleet.hosts[i].0, msg);
    }
    if !args.dry_run {
        let none = HostPlan::default();
        let acted = parallel(jobs, &work, |&i| {
            let (h, t) = &fleet.hosts[i];
            let plan = reports[i].plan.as_ref().unwrap_or(&none);
            let r = act_on(t, global, &fleet.name, plan, &|m| progress.say(h, m));
            progress.finish(h, if r.1.is_none() { "done" } else { "FAILED" });
            r
        });
        for (&i, (done, error)) in work.iter().zip(acted) {
            reports[i].results = done;
            if let Some(e) = error {
                reports[i].ok = false;
                reports[i].error = Some(match reports[i].error.take() {
                    Some(prev) => format!("{prev}; {e}"),
                    None => e,
                });
            }
        }
        // GC roots of systems this fleet no longer names.
        let keep: BTreeSet<&String> = by_key.keys().collect();
        for e in std::fs::read_dir(fleet_dir.join("systems"))
            .into_iter()
            .flatten()
            .flatten()
        {
            if !keep.contains(&e.file_name().to_string_lossy().into_owned()) {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
    let built_ok = systems.iter().all(|s| s.error.is_none());
    let converged = built_ok && reports.iter().all(|r| r.ok);
    let outcome = Outcome {
        fleet: fleet.name.clone(),
        dry_run: args.dry_run,
        systems,
        hosts: reports,
        converged,
    };
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&outcome)?);
    } else {
        print_summary(&outcome)?;
    }
    Ok(converged)
}

fn print_plan(
    fleet: &Fleet,
    systems: &[SystemReport],
    reports: &[HostReport],
    dry_run: bool,
) -> Result<()> {
    outln!(
        "fleet {}: {} host(s), {} system(s){}",
        fleet.name,
        fleet.hosts.len(),
        systems.len(),
        if dry_run {
            " (dry run: nothing is changed)"
        } else {
            ""
        }
    );
    for s in systems {
        let what = match (&s.error, &s.out_path, s.source) {
            (Some(e), _, _) => format!("NOT BUILT: {e}"),
            (None, Some(o), Some(Source::History)) => format!("from the history: {o}"),
            (None, Some(o), Some(Source::Substituted)) => format!("substituted: {o}"),
            (None, Some(o), _) => format!("built: {o}"),
            (None, None, _) => "would be built".to_owned(),
        };
        outln!(
            "  system {}… for {}: {what}",
            &s.key[..12],
            s.containers.join(" ")
        );
    }
    for r in reports {
        let Some(p) = &r.plan else {
            outln!(
                "  {} ({}): cannot be read: {}",
                r.name,
                r.target,
                r.error.as_deref().unwrap_or("?")
            );
            continue;
        };
        if p.is_noop() && p.conflicts.is_empty() && p.skipped.is_empty() {
            outln!(
                "  {} ({}): unchanged ({} containers)",
                r.name,
                r.target,
                p.unchanged.len()
            );
            continue;
        }
        outln!("  {} ({}):", r.name, r.target);
        let installs = |why: &str| -> Vec<String> {
            p.install
                .iter()
                .filter(|i| i.why == why)
                .map(|i| i.id.clone())
                .collect()
        };
        for (label, ids) in [
            ("remove", p.remove.clone()),
            ("install", installs("new")),
            ("update", installs("changed")),
            ("start", p.start.clone()),
            ("unchanged", p.unchanged.clone()),
            ("not built", p.skipped.clone()),
        ] {
            if !ids.is_empty() {
                outln!("    {label:<10} {}", ids.join(" "));
            }
        }
        for c in &p.conflicts {
            outln!("    conflict   {c}");
        }
    }
    Ok(())
}

fn print_summary(o: &Outcome) -> Result<()> {
    if o.dry_run {
        return Ok(());
    }
    let failed: Vec<&HostReport> = o.hosts.iter().filter(|r| !r.ok).collect();
    for r in &failed {
        outln!(
            "{} ({}) FAILED: {}",
            r.name,
            r.target,
            r.error.as_deref().unwrap_or("?")
        );
    }
    for s in o.systems.iter().filter(|s| s.error.is_some()) {
        outln!(
            "system {}… NOT BUILT ({}): left as they are",
            &s.key[..12],
            s.containers.join(" ")
        );
    }
    if failed.is_empty() && o.converged {
        outln!("fleet {}: {} host(s) converged", o.fleet, o.hosts.len());
    } else {
        outln!(
            "fleet {}: {} of {} host(s) converged; failed: {}",
            o.fleet,
            o.hosts.len() - failed.len(),
            o.hosts.len(),
            if failed.is_empty() {
                "none (a system was not built)".to_owned()
            } else {
                failed
                    .iter()
                    .map(|r| r.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cur(id: &str, fleet: Option<&str>, out: &str, unit: &str, active: bool) -> Current {
        Current {
            id: id.into(),
            fleet: fleet.map(Into::into),
            out_path: Some(out.into()),
            unit: Some(unit.into()),
            active,
            declared: false,
        }
    }

    fn want<'a>(id: &'a str, system: Option<&'a str>, unit: &'a str) -> Desired<'a> {
        Desired {
            id,
            system,
            unit,
            start: true,
        }
    }

    #[test]
    fn the_plan_of_a_host() {
        let current = vec![
            cur("same", Some("f"), "/nix/store/a", "{}", true),
            cur("stopped", Some("f"), "/nix/store/a", "{}", false),
            cur("older", Some("f"), "/nix/store/old", "{}", true),
            cur("otherunit", Some("f"), "/nix/store/a", "{\"x\":1}", true),
            cur("gone", Some("f"), "/nix/store/a", "{}", true),
            cur("mine", None, "/nix/store/a", "{}", true),
            cur("theirs", Some("g"), "/nix/store/a", "{}", true),
        ];
        let desired = vec![
            want("same", Some("/nix/store/a"), "{}"),
            want("stopped", Some("/nix/store/a"), "{}"),
            want("older", Some("/nix/store/a"), "{}"),
            want("otherunit", Some("/nix/store/a"), "{}"),
            want("fresh", Some("/nix/store/a"), "{}"),
            want("unbuilt", None, "{}"),
            want("theirs", Some("/nix/store/a"), "{}"),
        ];
        let p = diff("f", &desired, &current);
        assert_eq!(p.unchanged, ["same"]);
        assert_eq!(p.start, ["stopped"]);
        let inst: Vec<(&str, &str)> = p
            .install
            .iter()
            .map(|i| (i.id.as_str(), i.why.as_str()))
            .collect();
        assert_eq!(
            inst,
            [
                ("older", "changed"),
                ("otherunit", "changed"),
                ("fresh", "new")
            ]
        );
        // Only what this fleet installed is removed; a hand-made container
        // and another fleet's are never touched.
        assert_eq!(p.remove, ["gone"]);
        assert_eq!(p.skipped, ["unbuilt"]);
        assert_eq!(p.conflicts.len(), 1);
        assert!(
            p.conflicts[0].starts_with("theirs exists"),
            "{:?}",
            p.conflicts
        );
    }

    #[test]
    fn an_unchanged_host_is_a_no_op() {
        let current = vec![cur("a", Some("f"), "/nix/store/a", "{}", true)];
        let p = diff("f", &[want("a", Some("/nix/store/a"), "{}")], &current);
        assert!(p.is_noop());
    }

    #[test]
    fn failures_name_the_host_and_the_fix() {
        use std::os::unix::process::ExitStatusExt;
        let out = |code: i32, err: &str| std::process::Output {
            status: std::process::ExitStatus::from_raw(code << 8),
            stdout: Vec::new(),
            stderr: err.as_bytes().to_vec(),
        };
        let t = Target::Ssh("root@b".into());
        let said = |code, err| failed_msg(&t, "fleet-state", &out(code, err));
        assert!(said(127, "sh: 1: nixunits: not found")
            .starts_with("nixunits is not installed on root@b"));
        assert!(
            said(2, "error: unrecognized subcommand 'fleet-state'").contains("older than this one")
        );
        assert_eq!(
            said(255, "ssh: connect to host b port 22: No route to host"),
            "ssh root@b: ssh: connect to host b port 22: No route to host"
        );
        assert!(said(1, "boom").starts_with("fleet-state on root@b failed"));
    }

    fn load_text(text: &str) -> Result<Fleet> {
        let dir = tempfile::tempdir()?;
        let f = dir.path().join("demo.toml");
        std::fs::write(&f, text)?;
        load(&f, false)
    }

    fn err(text: &str) -> String {
        match load_text(text) {
            Ok(_) => panic!("accepted: {text}"),
            Err(e) => {
                assert!(e.downcast_ref::<UsageError>().is_some(), "{e:#}");
                e.to_string()
            }
        }
    }

    #[test]
    fn fleet_files() {
        let f = load_text(
            "[hosts.a]\ntarget = \"local\"\n[hosts.b]\ntarget = \"root@b\"\n\
             [containers.web]\nsnippet = \"web.nix\"\nhosts = [\"a\", \"b\"]\ncount = 2\n\
             [containers.db]\nsnippet = \"db.nix\"\nhosts = [\"b\"]\nids = [\"pg\"]\n",
        )
        .unwrap();
        assert_eq!(f.name, "demo");
        assert_eq!(f.jobs, 4);
        let ids: Vec<&str> = f.containers.iter().map(|w| w.args.id.as_str()).collect();
        assert_eq!(ids, ["pg", "web-1", "web-2"]);
        assert_eq!(f.hosts[0].1, Target::Local);
        assert_eq!(f.hosts[1].1, Target::Ssh("root@b".into()));
        assert!(f.containers[0]
            .args
            .config_file
            .as_ref()
            .unwrap()
            .is_absolute());

        let h = "[hosts.a]\ntarget = \"root@a\"\n";
        assert!(err("").contains("no [hosts.NAME]"));
        assert!(err(&format!(
            "{h}[containers.w]\nsnippet = \"w.nix\"\nhosts = [\"z\"]\n"
        ))
        .contains("containers.w.hosts names \"z\""));
        assert!(err(&format!(
            "{h}[containers.w]\nsnippet = \"w.nix\"\nhosts = [\"a\"]\ncount = 2\nids = [\"x\"]\n"
        ))
        .contains("not both"));
        assert!(err(&format!(
            "{h}[containers.w]\nsnippet = \"w.nix\"\nhosts = [\"a\"]\nids = [\"Bad_Id\"]\n"
        ))
        .contains("containers.w: container id \"Bad_Id\""));
        assert!(err(&format!(
            "{h}[containers.w]\nsnippet = \"w.nix\"\nhosts = [\"a\"]\nids = [\"x\"]\n\
             [containers.v]\nsnippet = \"v.nix\"\nhosts = [\"a\"]\nids = [\"x\"]\n"
        ))
        .contains("container x is declared twice for host a"));
        assert!(err(&format!("{h}[hosts.b]\ntarget = \"root@a\"\n")).contains("are both root@a"));
        assert!(err("[hosts.a]\ntarget = \"-oProxyCommand=x\"\n").contains("give USER@HOST"));
        assert!(err(&format!("{h}colour = 1\n")).contains("unknown field"));
    }
}
