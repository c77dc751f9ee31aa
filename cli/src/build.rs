//! `nixunits build`: resolve the arguments into a plan — every input
//! validated, the key computed, nothing written — then act on it: cache
//! lookup, `nix-build` on a miss, the result swapped in, the unit
//! (re)started.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use nixunits_nixexpr::{self as nixexpr, CheckOptions};
use nixunits_store::cache::{Cache, Entry};
use nixunits_store::generation::{out_path_holds, Damage};
use nixunits_store::key::{config_digest, digest_dir, ConfigDigest};
use nixunits_store::state::atomic_write;
use nixunits_store::unit::auto_ip6;
use nixunits_store::{BuildKey, ContainerDir, ContainerId, KeyInputs, StateDir, UnitDescription};
use serde::Serialize;

use crate::args::{BuildArgs, Format, Global};
use crate::input::MAX_SNIPPET;
use crate::{nix, systemd, UsageError};

/// A build, resolved: everything checked, nothing written yet.
pub struct Plan {
    id: ContainerId,
    text: String,
    /// The snippet file, for `-cf`; `None` for an inline snippet.
    file: Option<PathBuf>,
    unit: UnitDescription,
    unit_json: String,
    nix_dir: PathBuf,
    nixpkgs: PathBuf,
    key: BuildKey,
    config: ConfigDigest,
    state: StateDir,
    args: Flags,
    /// The shared index, when given.
    shared: Option<Shared>,
    /// `--build-host`.
    build_host: Option<String>,
    /// The key of the system alone: what the history is looked up by, so
    /// that one build serves every container of a snippet (the container's
    /// own key, `key`, also names its id and unit description).
    system_key: BuildKey,
}

#[derive(Clone, Copy)]
struct Flags {
    force: bool,
    dry_run: bool,
    json: bool,
    start: bool,
    restart: bool,
    quiet: bool,
    keep: usize,
    /// `update`: switch a running container in place when it can.
    update: bool,
}

/// `--cache URL` and `--cache-key FILE`.
#[derive(Clone)]
struct Shared {
    url: String,
    secret_key: Option<PathBuf>,
}

fn usage(msg: impl Into<String>) -> anyhow::Error {
    UsageError(msg.into()).into()
}

/// Reads the snippet: inline, or a regular file of at most [`MAX_SNIPPET`].
fn read_snippet(args: &BuildArgs) -> Result<(String, Option<PathBuf>)> {
    if let Some(expr) = &args.config {
        if expr.len() as u64 > MAX_SNIPPET {
            return Err(usage(format!(
                "the snippet is {} bytes, more than the limit of 1 MiB",
                expr.len()
            )));
        }
        return Ok((expr.clone(), None));
    }
    let path = args.config_file.as_deref().context("no snippet")?;
    let meta = std::fs::metadata(path)
        .map_err(|e| usage(format!("cannot read {}: {e}", path.display())))?;
    if !meta.is_file() {
        return Err(usage(format!("{} is not a regular file", path.display())));
    }
    if meta.len() > MAX_SNIPPET {
        return Err(usage(format!(
            "{} is {} bytes, more than the limit of 1 MiB",
            path.display(),
            meta.len()
        )));
    }
    let bytes =
        std::fs::read(path).map_err(|e| usage(format!("cannot read {}: {e}", path.display())))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| usage(format!("{} is not UTF-8 text", path.display())))?;
    let abs = std::fs::canonicalize(path)
        .map_err(|e| usage(format!("cannot resolve {}: {e}", path.display())))?;
    Ok((text, Some(abs)))
}

/// The unit description: `-j`, then the flags over it.
fn unit_description(args: &BuildArgs, id: &ContainerId) -> Result<UnitDescription> {
    let mut unit = match &args.unit {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .map_err(|e| usage(format!("cannot read {}: {e}", p.display())))?;
            serde_json::from_str(&text).map_err(|e| usage(format!("{}: {e}", p.display())))?
        }
        None => UnitDescription {
            properties: serde_json::json!({}),
            ..UnitDescription::default()
        },
    };
    let n = &args.net;
    let net = &mut unit.network;
    if n.auto_ip6 {
        let (ip6, host) = auto_ip6(id).map_err(|e| usage(e.to_string()))?;
        net.ip6 = Some(ip6);
        net.host_ip6 = Some(host);
    }
    for (flag, field) in [
        (&n.ip6, &mut net.ip6),
        (&n.host_ip6, &mut net.host_ip6),
        (&n.ip4, &mut net.ip4),
        (&n.host_ip4, &mut net.host_ip4),
        (&n.interface, &mut net.interface),
        (&n.ip6_route, &mut net.ip6route),
        (&n.ip4_route, &mut net.ip4route),
    ] {
        if flag.is_some() {
            field.clone_from(flag);
        }
    }
    unit.ports.extend(n.ports.iter().cloned());
    unit.network.dns.extend(n.dns.iter().cloned());
    if !n.allow_in.is_empty() {
        unit.firewall
            .get_or_insert_with(Default::default)
            .allow_in
            .extend(n.allow_in.iter().cloned());
    }
    for c in &args.credentials {
        let (name, path) = c
            .split_once('=')
            .ok_or_else(|| usage(format!("--credential {c:?}: give NAME=PATH")))?;
        unit.credentials.insert(name.to_owned(), path.to_owned());
    }
    unit.normalize().map_err(|e| usage(e.to_string()))
}

/// Refuses an address another container already uses.
fn check_address_conflicts(
    state: &StateDir,
    id: &ContainerId,
    unit: &UnitDescription,
) -> Result<()> {
    let ours = unit.addresses();
    if ours.is_empty() {
        return Ok(());
    }
    for other in state.container_ids().into_iter().filter(|o| o != id) {
        let Ok(text) = std::fs::read_to_string(state.container(&other).unit_json()) else {
            continue;
        };
        let Ok(theirs) = serde_json::from_str::<UnitDescription>(&text) else {
            continue;
        };
        if let Some(a) = theirs.addresses().into_iter().find(|a| ours.contains(a)) {
            return Err(usage(format!(
                "address {a} is already used by container {other}"
            )));
        }
    }
    Ok(())
}

/// Resolves `build`'s arguments. Every problem with the input is a
/// [`UsageError`] (exit 2), found before anything is written.
pub fn resolve(args: &BuildArgs, global: &Global, color: bool) -> Result<Plan> {
    resolve_with(args, global, color, true)
}

/// [`resolve`]; `here`: the container is to run on this host (its
/// addresses are checked against this host's containers). `apply` resolves
/// containers of other hosts, which check their own at install.
pub fn resolve_with(args: &BuildArgs, global: &Global, color: bool, here: bool) -> Result<Plan> {
    let id = crate::parse_id(&args.id)?;
    let state = StateDir::new(&global.state_dir);
    let (text, file) = read_snippet(args)?;

    let opts = CheckOptions {
        version: nix::detect_version().unwrap_or_default(),
        ..CheckOptions::default()
    };
    // The same checks as `check`: the stored schema if any, the default
    // policy (a denied option is bad input).
    let extra = crate::check::Extra {
        eval: true,
        schema: crate::schema::stored(&state)?,
        policy: crate::check::policy(None)?.compile(),
        cwd: crate::input::cwd(),
        limits: nixunits_eval::eval::Limits::default(),
    };
    let as_path = file
        .clone()
        .unwrap_or_else(|| state.container(&id).dir.join("config.nix"));
    let checked = crate::check::check_text(&text, &as_path, &opts, &extra);
    // nixunits' own failure does not make the snippet bad: Nix judges it.
    for why in checked.internal_errors() {
        #[allow(clippy::print_stderr)]
        {
            eprintln!("warning: the snippet was not fully checked: {why}");
        }
    }
    if checked.has_errors() {
        let name = file
            .as_ref()
            .map_or_else(|| "<-cc>".to_owned(), |p| p.display().to_string());
        // The snippet, and each imported file with findings.
        let mut reports = vec![crate::check::Report {
            name,
            text: text.clone(),
            diagnostics: checked.main,
        }];
        reports.extend(checked.imported.into_iter().map(|i| crate::check::Report {
            name: i.name,
            text: i.text,
            diagnostics: i.diagnostics,
        }));
        let mut buf = Vec::new();
        crate::check::render(&reports, Format::Human, color, true, &mut buf)?;
        return Err(usage(format!(
            "the snippet is rejected:\n{}",
            String::from_utf8_lossy(&buf).trim_end()
        )));
    }

    let unit = unit_description(args, &id)?;
    if here {
        check_address_conflicts(&state, &id, &unit)?;
    }
    let unit_json = unit.canonical_json();

    let nix_dir = global.nix_dir.clone().unwrap_or_else(nix::default_nix_dir);
    if !nix_dir.join("system.nix").is_file() {
        return Err(usage(format!(
            "{} has no system.nix (set --nix-dir)",
            nix_dir.display()
        )));
    }
    let nix_dir_digest = digest_dir(&nix_dir).map_err(|e| {
        usage(format!(
            "cannot read the Nix files in {}: {e}",
            nix_dir.display()
        ))
    })?;
    let base = match &file {
        Some(f) => f.parent().unwrap_or(Path::new("/")).to_path_buf(),
        None => state.container(&id).dir,
    };
    let config = config_digest(&text, &base);
    // Resolved here, once: a build with no nixpkgs is bad input, said
    // before any Nix process runs; what is keyed is what is built.
    let nixpkgs =
        nix::resolve_nixpkgs(args.nixpkgs.as_deref()).map_err(|e| usage(e.to_string()))?;
    let nixpkgs_identity = nix::nixpkgs_identity_of(&nixpkgs);
    let system = nix::system();
    let key = KeyInputs {
        nix_dir: nix_dir_digest,
        nixpkgs: &nixpkgs_identity,
        system: &system,
        id: id.as_str(),
        config: config.digest,
        unit_json: &unit_json,
    }
    .key();
    let reads = module_args_read(&text, &config.followed);
    let mut system_inputs = serde_json::Map::new();
    if reads.network {
        system_inputs.insert("network".into(), serde_json::to_value(&unit.network)?);
    }
    if reads.properties {
        system_inputs.insert("properties".into(), unit.properties.clone());
    }
    let system_json = format!("system:{}", serde_json::Value::Object(system_inputs));
    let system_key = KeyInputs {
        nix_dir: nix_dir_digest,
        nixpkgs: &nixpkgs_identity,
        system: &system,
        id: if reads.id { id.as_str() } else { "" },
        config: config.digest,
        unit_json: &system_json,
    }
    .key();
    let shared = args.cache.clone().map(|url| Shared {
        url,
        secret_key: args.cache_key.clone(),
    });
    if shared.is_none() && args.cache_key.is_some() {
        return Err(usage(
            "--cache-key signs what is pushed to --cache URL: give the cache too",
        ));
    }
    if let Some(h) = &args.build_host {
        if h.is_empty() || h.starts_with('-') || h.chars().any(char::is_whitespace) {
            return Err(usage(format!("--build-host {h:?}: give USER@HOST")));
        }
    }
    Ok(Plan {
        build_host: args.build_host.clone(),
        shared,
        system_key,
        id,
        text,
        file,
        unit,
        unit_json,
        nix_dir,
        nixpkgs,
        key,
        config,
        state,
        args: Flags {
            force: args.force,
            dry_run: args.dry_run,
            json: args.json,
            start: args.start,
            restart: args.restart,
            quiet: global.quiet,
            keep: args.keep as usize,
            update: false,
        },
    })
}

impl Plan {
    /// The key of the system alone.
    pub fn system_key(&self) -> BuildKey {
        self.system_key
    }

    /// The canonical unit description.
    pub fn unit_json(&self) -> &str {
        &self.unit_json
    }

    /// The container id.
    pub fn id(&self) -> &ContainerId {
        &self.id
    }

    /// The plan of `update`.
    pub fn for_update(mut self) -> Plan {
        self.args.update = true;
        self
    }

    /// The `nix-build` this plan runs, into `out_link`: the `-cf` file, or
    /// the inline snippet written beside the generations as
    /// `config.nix.new` for the build.
    fn build_request(&self, dir: &ContainerDir, out_link: PathBuf) -> nix::BuildRequest {
        nix::BuildRequest {
            nix_dir: self.nix_dir.clone(),
            id: self.id.to_string(),
            config_file: self
                .file
                .clone()
                .unwrap_or_else(|| dir.dir.join("config.nix.new")),
            unit_json: self.unit_json.clone(),
            nixpkgs: self.nixpkgs.clone(),
            out_link,
        }
    }

    fn cacheable(&self) -> bool {
        self.config.uncacheable.is_empty()
    }
}

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
    fn describe(self) -> &'static str {
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
    fn builds(self) -> bool {
        matches!(self, Source::Miss | Source::Forced | Source::Uncacheable)
    }
}

/// What `build` did (the `--json` output).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Outcome {
    id: String,
    #[serde(flatten)]
    addresses: crate::runtime::Addresses,
    key: String,
    source: Source,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    uncacheable: Vec<String>,
    out_path: String,
    generation: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    build_ms: Option<u64>,
    changed: bool,
    unit: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    warnings: Vec<String>,
}

/// Where the result comes from, and its out path when it is already in
/// the store. Changes nothing (used by `--dry-run` too).
fn lookup(
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
fn known_system(plan: &Plan, warnings: &mut Vec<String>) -> Result<(Source, Option<String>)> {
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
    match crate::index::substitute(&shared.url, &plan.system_key)? {
        crate::index::Found::System(out) if out_path_holds(&out, &plan.id) => {
            Ok((Source::Substituted, Some(out)))
        }
        crate::index::Found::Refused(why) => {
            warnings.push(format!(
                "the shared cache's entry for this system was refused, building here: {why}"
            ));
            Ok((Source::Miss, None))
        }
        _ => Ok((Source::Miss, None)),
    }
}

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Carries out the plan, under the container's lock. A first build that
/// fails before its generation is live leaves no container behind (a
/// start that fails after it does not undo the install).
pub fn act(plan: Plan) -> Result<()> {
    let dir = plan.state.container(&plan.id);
    if plan.args.dry_run {
        let mut warnings = Vec::new();
        let (source, out) = lookup(&plan, &dir, &mut warnings)?;
        return print_dry_run(&plan, &dir, source, out.as_deref());
    }
    std::fs::create_dir_all(&dir.dir)
        .with_context(|| format!("cannot create {}", dir.dir.display()))?;
    let lock = plan
        .state
        .lock(&plan.id)
        .context("cannot take the container's lock")?;
    let result = act_locked(&plan, &dir, &lock);
    if result.is_err() && is_empty_container(&dir) {
        forget_first_build(&plan.state, &dir);
    }
    drop(lock);
    result
}

/// lookup → build (or take from the store) → install a generation →
/// (re)start.
fn act_locked(plan: &Plan, dir: &ContainerDir, lock: &nixunits_store::state::Lock) -> Result<()> {
    let mut warnings = Vec::new();
    crate::generations::migrate(dir)?;
    let (source, known_out) = lookup(plan, dir, &mut warnings)?;
    for w in &warnings {
        warn(plan.args, w);
    }
    let previous = dir.installed_out_path();
    let previous_key = dir.installed_key();
    let (generation, out_path, build_ms) = match (source, known_out) {
        (Source::Installed, Some(out)) => {
            let live = dir
                .live()
                .context("an installed hit without a live generation")?;
            (live.number, out, None)
        }
        (source, known_out) => {
            let staged = dir.stage().context("cannot start a new generation")?;
            let result = staged.generation().result();
            let (out, build_ms) = match known_out {
                Some(out) if !source.builds() => {
                    nix::add_root(&out, &result)?;
                    (out, None)
                }
                _ => {
                    let started = Instant::now();
                    let out = run_nix_build(plan, dir, result, lock)?;
                    (out, Some(started.elapsed().as_millis() as u64))
                }
            };
            let key = plan.cacheable().then_some(plan.key);
            let conf = conf_for(&out, &plan.id, Some(&plan.unit))?;
            staged
                .fill(
                    &out,
                    &conf,
                    plan.text.as_bytes(),
                    plan.unit_json.as_bytes(),
                    key,
                )
                .context("cannot write the new generation")?;
            if (source.builds() || source == Source::Substituted) && plan.cacheable() {
                record(plan, &out, build_ms.unwrap_or(0))?;
            }
            // Built here: shared, signed, for the other hosts.
            if let (
                true,
                true,
                Some(Shared {
                    url,
                    secret_key: Some(k),
                }),
            ) = (source.builds(), plan.cacheable(), plan.shared.as_ref())
            {
                if let Err(e) = crate::index::push(url, k, &plan.system_key, &out) {
                    warn(
                        plan.args,
                        &format!("cannot push to the shared cache {url}: {e:#}"),
                    );
                }
            }
            let g = staged
                .commit()
                .context("cannot complete the new generation")?;
            dir.switch(&g)
                .context("cannot switch to the new generation")?;
            dir.prune(plan.args.keep)
                .context("cannot remove old generations")?;
            systemd::apply_resources(&plan.id, &plan.unit.resource_lines())?;
            (g.number, out, build_ms)
        }
    };
    // Another system, or the same system for another unit description (a
    // system serves every container of its snippet).
    let changed = previous.as_deref() != Some(Path::new(&out_path))
        || (plan.cacheable() && previous_key != Some(plan.key));
    let stale = changed || crate::generations::runs_older(dir);
    let action = if plan.args.update {
        crate::generations::update(&plan.state, dir, &plan.unit, stale)?
    } else {
        systemd::apply(&plan.id, plan.args.start, plan.args.restart, stale)?
    };
    let outcome = Outcome {
        id: plan.id.to_string(),
        addresses: crate::runtime::Addresses::of(&plan.unit.network),
        key: plan.key.to_string(),
        source,
        uncacheable: plan.config.uncacheable.clone(),
        out_path,
        generation,
        build_ms,
        changed,
        unit: action.as_str(),
        warnings,
    };
    print_outcome(
        plan.args,
        &outcome,
        &plan.id,
        action,
        stale && !plan.args.restart && !plan.args.update,
    )
}

/// Which of the module arguments nixunits adds a snippet (or a file it
/// imports) may read: a module function naming it among its formals, or
/// taking its arguments whole (`args@{ … }`, `args:`), which could read any.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Reads {
    id: bool,
    network: bool,
    properties: bool,
}

fn module_args_read(text: &str, followed: &[PathBuf]) -> Reads {
    let mut r = Reads::default();
    let mut scan = |src: &str| {
        let Ok(ast) = nixexpr::parse_ast(src) else {
            r = Reads {
                id: true,
                network: true,
                properties: true,
            };
            return;
        };
        let mut all = false;
        let top = ast.unparen() as *const nixexpr::ast::Expr;
        nixexpr::walk(&ast, &mut |e| {
            if let nixexpr::ast::ExprKind::Lambda { arg, formals, .. } = &e.kind {
                // A module function (the file's, or one with a pattern) that
                // takes its arguments whole could read any of them.
                let module_like = std::ptr::eq(e, top) || formals.is_some();
                if arg.is_some() && module_like {
                    all = true;
                }
                for f in formals.iter().flat_map(|fs| fs.entries.iter()) {
                    match f.name.name.as_str() {
                        "id" => r.id = true,
                        "network" => r.network = true,
                        "properties" => r.properties = true,
                        _ => {}
                    }
                }
            }
        });
        if all {
            r = Reads {
                id: true,
                network: true,
                properties: true,
            };
        }
    };
    scan(text);
    for f in followed
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "nix"))
    {
        match std::fs::read_to_string(f) {
            Ok(t) => scan(&t),
            Err(_) => scan("x: x"),
        }
    }
    r
}

/// The text of a generation's `unit.conf`: written from the unit
/// description for a system (the same text as `nix/lib.nix`'s `confText`),
/// or the container's own conf in a store path of the layout before
/// systems were shared.
pub fn conf_for(out: &str, id: &ContainerId, unit: Option<&UnitDescription>) -> Result<Vec<u8>> {
    let legacy = Path::new(out)
        .join("etc/nixunits")
        .join(format!("{id}.conf"));
    if legacy.is_file() {
        return std::fs::read(&legacy).with_context(|| format!("cannot read {}", legacy.display()));
    }
    let unit = unit.context("a system without its container's unit description")?;
    Ok(unit.conf_text(id, out).into_bytes())
}

/// Records a build in the history. Before the switch: a cache that cannot
/// be written (a full disk) fails the build and leaves the live
/// generation as it was.
fn record(plan: &Plan, out_path: &str, build_ms: u64) -> Result<()> {
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

/// `apply`: the system of a plan, with no container here: where
/// [`known_system`] finds it, else `nix-build` (or `--build-host`), its
/// log in `log`. `root` becomes the system's GC root on this host — left
/// as it is when it already names the system, so that an unchanged fleet
/// runs no Nix process. A dry run looks and changes nothing: `None` for a
/// system that would be built.
pub fn realise_system(plan: &Plan, root: &Path, log: &Path) -> Result<(Source, Option<String>)> {
    if !plan.cacheable() {
        return Err(usage(format!(
            "{}: the snippet cannot be cached ({}), and a fleet shares one build per snippet",
            plan.id,
            plan.config.uncacheable.join(", ")
        )));
    }
    let mut warnings = Vec::new();
    let known = known_system(plan, &mut warnings);
    for w in &warnings {
        warn(plan.args, w);
    }
    let (source, known) = known?;
    if plan.args.dry_run {
        return Ok((source, known));
    }
    if let Some(d) = root.parent() {
        std::fs::create_dir_all(d).with_context(|| format!("cannot create {}", d.display()))?;
    }
    if let Some(out) = known {
        if std::fs::read_link(root).ok().as_deref() != Some(Path::new(&out)) {
            nix::add_root(&out, root)?;
        }
        if source == Source::Substituted {
            record(plan, &out, 0)?;
        }
        return Ok((source, Some(out)));
    }
    let Some(config_file) = plan.file.clone() else {
        return Err(usage("a fleet's snippets are files"));
    };
    let req = nix::BuildRequest {
        nix_dir: plan.nix_dir.clone(),
        id: plan.id.to_string(),
        config_file,
        unit_json: plan.unit_json.clone(),
        nixpkgs: plan.nixpkgs.clone(),
        out_link: root.to_path_buf(),
    };
    let started = Instant::now();
    let built = match &plan.build_host {
        Some(host) => crate::remote::build_on(host, &req, log),
        None => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?
            .block_on(nix::build(&req, log, None, &mut |_| {})),
    };
    let out = built.with_context(|| {
        format!(
            "building the system of {} failed; the log is in {}",
            plan.id,
            log.display()
        )
    })?;
    record(plan, &out, started.elapsed().as_millis() as u64)?;
    if let Some(Shared {
        url,
        secret_key: Some(k),
    }) = plan.shared.as_ref()
    {
        if let Err(e) = crate::index::push(url, k, &plan.system_key, &out) {
            warn(
                plan.args,
                &format!("cannot push to the shared cache {url}: {e:#}"),
            );
        }
    }
    Ok((Source::Miss, Some(out)))
}

/// A container directory with nothing installed (what a failed first
/// build leaves).
fn is_empty_container(dir: &ContainerDir) -> bool {
    dir.live().is_none() && dir.legacy().is_none() && !dir.declared()
}

/// Removes what a failed first build made, keeping its log in
/// `$STATE/logs/<id>.build.log`: `status` then says "no container".
fn forget_first_build(state: &StateDir, dir: &ContainerDir) {
    let logs = state.root().join("logs");
    if dir.build_log().exists() && std::fs::create_dir_all(&logs).is_ok() {
        let _ = std::fs::rename(
            dir.build_log(),
            logs.join(format!("{}.build.log", dir.id())),
        );
    }
    let _ = std::fs::remove_dir_all(&dir.dir);
}

fn warn(flags: Flags, msg: &str) {
    if !flags.json {
        #[allow(clippy::print_stderr)]
        {
            eprintln!("warning: {msg}");
        }
    }
}

/// Runs `nix-build` with its out-link in the generation being made.
fn run_nix_build(
    plan: &Plan,
    dir: &ContainerDir,
    out_link: PathBuf,
    lock: &nixunits_store::state::Lock,
) -> Result<String> {
    let req = plan.build_request(dir, out_link);
    if plan.file.is_none() {
        atomic_write(&req.config_file, plan.text.as_bytes())?;
    }
    let progress = Progress::new(plan.args, plan.id.as_str());
    let mut on_line = |line: &str| progress.line(line);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let fd = std::os::fd::AsRawFd::as_raw_fd(lock);
    let result = match &plan.build_host {
        Some(host) => crate::remote::build_on(host, &req, &dir.build_log()),
        None => rt.block_on(nix::build(&req, &dir.build_log(), Some(fd), &mut on_line)),
    };
    progress.finish();
    if plan.file.is_none() {
        let _ = std::fs::remove_file(&req.config_file);
    }
    let log = if dir.live().is_some() {
        dir.build_log()
    } else {
        plan.state
            .root()
            .join("logs")
            .join(format!("{}.build.log", plan.id))
    };
    result.with_context(|| {
        format!(
            "building {} failed; the log is in {}",
            plan.id,
            log.display()
        )
    })
}

/// A live line on a terminal (elapsed time and the last log line); plain
/// lines otherwise.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    plain: bool,
}

impl Progress {
    fn new(flags: Flags, id: &str) -> Progress {
        if flags.quiet || flags.json {
            return Progress {
                bar: None,
                plain: false,
            };
        }
        if std::io::stderr().is_terminal() {
            let bar = indicatif::ProgressBar::new_spinner();
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{spinner} building {prefix} [{elapsed}] {wide_msg}",
            ) {
                bar.set_style(style);
            }
            bar.set_prefix(id.to_owned());
            bar.enable_steady_tick(std::time::Duration::from_millis(100));
            Progress {
                bar: Some(bar),
                plain: false,
            }
        } else {
            #[allow(clippy::print_stderr)]
            {
                eprintln!("building {id} (nix-build)");
            }
            Progress {
                bar: None,
                plain: true,
            }
        }
    }

    fn line(&self, line: &str) {
        if let Some(b) = &self.bar {
            b.set_message(line.to_owned());
        } else if self.plain {
            #[allow(clippy::print_stderr)]
            {
                eprintln!("  nix-build: {line}");
            }
        }
    }

    fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

fn print_outcome(
    flags: Flags,
    o: &Outcome,
    id: &ContainerId,
    action: systemd::Action,
    stale: bool,
) -> Result<()> {
    if flags.json {
        outln!("{}", serde_json::to_string(o)?);
        return Ok(());
    }
    if flags.quiet {
        return Ok(());
    }
    outln!("Container : {}", o.id);
    o.addresses.print()?;
    let how = match o.build_ms {
        Some(ms) => format!(
            "built in {:.1} s ({})",
            ms as f64 / 1000.0,
            o.source.describe()
        ),
        None => o.source.describe().to_owned(),
    };
    outln!("  build: {how}");
    for r in &o.uncacheable {
        outln!("    not cacheable: {r}");
    }
    outln!("  result: {}", o.out_path);
    outln!("  generation: {}", o.generation);
    if action != systemd::Action::None {
        outln!("  unit: {} {}", systemd::unit_name(id), action.as_str());
    } else if stale && systemd::is_active(id) {
        outln!(
            "  unit: {} runs the previous result; `nixunits restart {id}` applies this one",
            systemd::unit_name(id)
        );
    }
    Ok(())
}

fn print_dry_run(plan: &Plan, dir: &ContainerDir, source: Source, out: Option<&str>) -> Result<()> {
    let next = dir.generations().last().map_or(1, |g| g.number + 1);
    let req = plan.build_request(
        dir,
        dir.generations_dir().join(next.to_string()).join("result"),
    );
    let will_build = source.builds();
    if plan.args.json {
        let v = serde_json::json!({
            "id": plan.id.as_str(),
            "key": plan.key.to_string(),
            "source": source,
            "wouldBuild": will_build,
            "nixBuild": if will_build { Some(req.args()) } else { None },
            "outPath": out,
            "nixpkgs": plan.nixpkgs,
            "network": plan.unit.network,
            "followed": plan.config.followed,
            "uncacheable": plan.config.uncacheable,
        });
        outln!("{v}");
        return Ok(());
    }
    outln!("Container : {} (dry run: nothing is changed)", plan.id);
    crate::runtime::Addresses::of(&plan.unit.network).print()?;
    outln!("  key: {}", plan.key);
    outln!("  nixpkgs: {}", plan.nixpkgs.display());
    outln!("  cache: {}", source.describe());
    for r in &plan.config.uncacheable {
        outln!("    not cacheable: {r}");
    }
    for f in &plan.config.followed {
        outln!("  follows: {}", f.display());
    }
    if let Some(o) = out {
        outln!("  result: {o}");
    }
    if will_build {
        match &plan.build_host {
            Some(h) => outln!(
                "  would run: nix-instantiate (here), then nix-store --realise on {h}: {}",
                req.display()
            ),
            None => outln!("  would run: {}", req.display()),
        }
    }
    Ok(())
}

/// `install-system ID --system PATH --unit-json JSON [-s] [-r]`: a system
/// built elsewhere (`build --target-host`), already in this store, becomes
/// the container's new generation: no evaluation here. The unit
/// description is checked as `build` checks it.
pub fn install_system(
    state: &StateDir,
    id: &str,
    system: &str,
    unit_json: &str,
    start: bool,
    restart: bool,
    fleet: Option<&str>,
) -> Result<String> {
    let id = crate::parse_id(id)?;
    let unit: UnitDescription =
        serde_json::from_str(unit_json).map_err(|e| usage(format!("--unit-json: {e}")))?;
    let unit = unit.normalize().map_err(|e| usage(e.to_string()))?;
    if !out_path_holds(system, &id) {
        return Err(usage(format!(
            "{system} is not a NixOS system in this store (copy it first: nix copy --to ssh://…)"
        )));
    }
    check_address_conflicts(state, &id, &unit)?;
    let dir = state.container(&id);
    std::fs::create_dir_all(&dir.dir)
        .with_context(|| format!("cannot create {}", dir.dir.display()))?;
    let _lock = state
        .lock(&id)
        .context("cannot take the container's lock")?;
    crate::generations::migrate(&dir)?;
    let previous = dir.installed_out_path();
    let previous_json = std::fs::read_to_string(dir.unit_json()).ok();
    let staged = dir.stage().context("cannot start a new generation")?;
    nix::add_root(system, &staged.generation().result())?;
    let conf = unit.conf_text(&id, system);
    staged
        .fill(
            system,
            conf.as_bytes(),
            b"# installed with build --target-host: the snippet stays on the building host\n",
            unit.canonical_json().as_bytes(),
            None,
        )
        .context("cannot write the new generation")?;
    let g = staged
        .commit()
        .context("cannot complete the new generation")?;
    if let Some(f) = fleet {
        // Before the switch: a container `apply` installed is always
        // one it will know as its own.
        atomic_write(&dir.dir.join(FLEET_TAG), format!("{f}\n").as_bytes())?;
    }
    dir.switch(&g)
        .context("cannot switch to the new generation")?;
    dir.prune(3).context("cannot remove old generations")?;
    systemd::apply_resources(&id, &unit.resource_lines())?;
    let changed = previous.as_deref() != Some(Path::new(system))
        || previous_json.as_deref().map(str::trim) != Some(unit.canonical_json().as_str());
    let stale = changed || crate::generations::runs_older(&dir);
    let action = systemd::apply(&id, start, restart, stale)?;
    Ok(format!(
        "{id}: generation {} ({system}), unit {}",
        g.number,
        action.as_str()
    ))
}

/// The file in a container's directory naming the fleet that manages it
/// (`apply`): the containers a fleet may remove are those it installed.
pub const FLEET_TAG: &str = "fleet";
