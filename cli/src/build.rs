//! `nixunits build`: resolve the arguments into a plan — every input
//! validated, the key computed, nothing written — then act on it: cache
//! lookup, `nix-build` on a miss, the result swapped in, the unit
//! (re)started.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use nixunits_nixexpr::{has_errors, CheckOptions};
use nixunits_store::cache::{Cache, Entry};
use nixunits_store::key::{config_digest, digest_dir, ConfigDigest};
use nixunits_store::state::{atomic_symlink, atomic_write};
use nixunits_store::unit::auto_ip6;
use nixunits_store::{BuildKey, ContainerDir, ContainerId, KeyInputs, StateDir, UnitDescription};
use serde::Serialize;

use crate::args::{BuildArgs, Format, Global};
use crate::{nix, systemd, UsageError};

/// The largest snippet accepted.
pub const MAX_SNIPPET: u64 = 1 << 20;

/// A build, resolved: everything checked, nothing written yet.
pub struct Plan {
    id: ContainerId,
    text: String,
    /// The snippet file, for `-cf`; `None` for an inline snippet.
    file: Option<PathBuf>,
    unit: UnitDescription,
    unit_json: String,
    nix_dir: PathBuf,
    key: BuildKey,
    config: ConfigDigest,
    state: StateDir,
    args: Flags,
}

#[derive(Clone, Copy)]
struct Flags {
    force: bool,
    dry_run: bool,
    json: bool,
    start: bool,
    restart: bool,
    quiet: bool,
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
        cwd: crate::evalcmd::cwd(),
    };
    let as_path = file
        .clone()
        .unwrap_or_else(|| state.container(&id).dir.join("config.nix"));
    let diags = crate::check::check_text(&text, &as_path, &opts, &extra);
    if has_errors(&diags) {
        let name = file
            .as_ref()
            .map_or_else(|| "<-cc>".to_owned(), |p| p.display().to_string());
        let report = crate::check::Report {
            name,
            text: text.clone(),
            diagnostics: diags,
        };
        let mut buf = Vec::new();
        crate::check::render(
            std::slice::from_ref(&report),
            Format::Human,
            color,
            true,
            &mut buf,
        )?;
        return Err(usage(format!(
            "the snippet is rejected:\n{}",
            String::from_utf8_lossy(&buf).trim_end()
        )));
    }

    let unit = unit_description(args, &id)?;
    check_address_conflicts(&state, &id, &unit)?;
    let unit_json = unit.canonical_json();

    let nix_dir = global.nix_dir.clone().unwrap_or_else(nix::default_nix_dir);
    if !nix_dir.join("default.nix").is_file() {
        return Err(usage(format!(
            "{} has no default.nix (set --nix-dir)",
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
    let nixpkgs = nix::nixpkgs_identity();
    let system = nix::system();
    let key = KeyInputs {
        nix_dir: nix_dir_digest,
        nixpkgs: &nixpkgs,
        system: &system,
        id: id.as_str(),
        config: config.digest,
        unit_json: &unit_json,
    }
    .key();
    Ok(Plan {
        id,
        text,
        file,
        unit,
        unit_json,
        nix_dir,
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
        },
    })
}

impl Plan {
    /// The `nix-build` this plan runs: the `-cf` file, or the inline
    /// snippet written beside the result as `config.nix.new` for the build.
    fn build_request(&self, dir: &ContainerDir) -> nix::BuildRequest {
        nix::BuildRequest {
            nix_dir: self.nix_dir.clone(),
            id: self.id.to_string(),
            config_file: self
                .file
                .clone()
                .unwrap_or_else(|| dir.dir.join("config.nix.new")),
            unit_json: self.unit_json.clone(),
            out_link: dir.result(),
        }
    }
}

/// Where the result came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// The installed result has this key: nothing to do.
    Installed,
    /// An earlier build with this key, still in the store.
    History,
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
    #[serde(skip_serializing_if = "Option::is_none")]
    build_ms: Option<u64>,
    changed: bool,
    unit: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    warnings: Vec<String>,
}

/// Where a hit comes from, without side effects (used by `--dry-run` too).
fn lookup(
    plan: &Plan,
    dir: &ContainerDir,
    warnings: &mut Vec<String>,
) -> Result<(Source, Option<Entry>)> {
    if !plan.config.uncacheable.is_empty() {
        return Ok((Source::Uncacheable, None));
    }
    if plan.args.force {
        return Ok((Source::Forced, None));
    }
    // The no-op path: the stamp beside the result, and a stat. No sled.
    if dir.installed_key() == Some(plan.key) && dir.result().join("etc/nixunits").is_dir() {
        return Ok((Source::Installed, None));
    }
    let cache_dir = plan.state.cache();
    let cache = if plan.args.dry_run {
        // Look at a copy: a dry run changes nothing, and sled writes on open.
        match Cache::open_copy(&cache_dir)? {
            Some(c) => c,
            None => return Ok((Source::Miss, None)),
        }
    } else {
        let (cache, aside) = Cache::open(&cache_dir)?;
        if let Some(a) = aside {
            warnings.push(a.to_string());
        }
        cache
    };
    let entry = cache.get(&plan.key)?;
    drop(cache);
    match entry {
        Some(e) if Path::new(&e.out_path).join("etc/nixunits").is_dir() => {
            Ok((Source::History, Some(e)))
        }
        _ => Ok((Source::Miss, None)),
    }
}

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Carries out the plan.
pub fn act(plan: Plan) -> Result<()> {
    let dir = plan.state.container(&plan.id);
    let mut warnings = Vec::new();
    if plan.args.dry_run {
        let (source, entry) = lookup(&plan, &dir, &mut warnings)?;
        return print_dry_run(&plan, &dir, source, entry.as_ref());
    }
    std::fs::create_dir_all(&dir.dir)
        .with_context(|| format!("cannot create {}", dir.dir.display()))?;
    let _lock = plan
        .state
        .lock(&plan.id)
        .context("cannot take the container's lock")?;
    let (source, entry) = lookup(&plan, &dir, &mut warnings)?;
    for w in &warnings {
        warn(plan.args, w);
    }
    let previous = dir.installed_out_path();
    let mut build_ms = None;
    let out_path = match source {
        Source::Installed => previous
            .clone()
            .map(|p| p.display().to_string())
            .unwrap_or_default(),
        Source::History => {
            let e = entry.context("history hit without an entry")?;
            nix::add_root(&e.out_path, &dir.result())?;
            e.out_path
        }
        _ => {
            let started = Instant::now();
            let out = run_nix_build(&plan, &dir)?;
            build_ms = Some(started.elapsed().as_millis() as u64);
            out
        }
    };
    if source != Source::Installed {
        install(&plan, &dir, source)?;
        if source.builds() && source != Source::Uncacheable {
            let (cache, aside) = Cache::open(&plan.state.cache())?;
            if let Some(a) = aside {
                warn(plan.args, &a.to_string());
            }
            let entry = Entry {
                out_path: out_path.clone(),
                id: plan.id.to_string(),
                build_ms: build_ms.unwrap_or(0),
                at: now_secs(),
            };
            cache.insert(&plan.key, &entry)?;
        }
    }
    let changed = previous.as_deref() != Some(Path::new(&out_path));
    let action = systemd::apply(&plan.id, plan.args.start, plan.args.restart, changed)?;
    let outcome = Outcome {
        id: plan.id.to_string(),
        addresses: crate::runtime::Addresses::of(&plan.unit.network),
        key: plan.key.to_string(),
        source,
        uncacheable: plan.config.uncacheable.clone(),
        out_path,
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
        changed && !plan.args.restart,
    )
}

fn warn(flags: Flags, msg: &str) {
    if !flags.json {
        #[allow(clippy::print_stderr)]
        {
            eprintln!("warning: {msg}");
        }
    }
}

/// Runs `nix-build` into `result`: Nix swaps the out-link only when the
/// build succeeds, so a failure leaves the previous result in place.
fn run_nix_build(plan: &Plan, dir: &ContainerDir) -> Result<String> {
    let req = plan.build_request(dir);
    if plan.file.is_none() {
        atomic_write(&req.config_file, plan.text.as_bytes())?;
    }
    let progress = Progress::new(plan.args, plan.id.as_str());
    let mut on_line = |line: &str| progress.line(line);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let result = rt.block_on(nix::build(&req, &dir.build_log(), &mut on_line));
    progress.finish();
    if plan.file.is_none() {
        let _ = std::fs::remove_file(&req.config_file);
    }
    result.with_context(|| {
        format!(
            "building {} failed; the log is in {}",
            plan.id,
            dir.build_log().display()
        )
    })
}

/// Writes the files that go with a new result; the key last, so that an
/// interrupted install is seen as "not installed" next time.
fn install(plan: &Plan, dir: &ContainerDir, source: Source) -> Result<()> {
    atomic_symlink(&dir.unit_conf_target(), &dir.unit_conf())?;
    atomic_write(&dir.config(), plan.text.as_bytes())?;
    atomic_write(&dir.unit_json(), plan.unit_json.as_bytes())?;
    systemd::apply_resources(&plan.id, &plan.unit.resource_lines())?;
    if source == Source::Uncacheable {
        // Never a no-op hit for a build that depends on more than its key.
        match std::fs::remove_file(dir.key()) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
            _ => {}
        }
    } else {
        atomic_write(&dir.key(), format!("{}\n", plan.key).as_bytes())?;
    }
    Ok(())
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
    if action != systemd::Action::None {
        outln!("  unit: {} {}", systemd::unit_name(id), action.as_str());
    } else if stale && o.changed && systemd::is_active(id) {
        outln!(
            "  unit: {} runs the previous result; `nixunits restart {id}` applies this one",
            systemd::unit_name(id)
        );
    }
    Ok(())
}

fn print_dry_run(
    plan: &Plan,
    dir: &ContainerDir,
    source: Source,
    entry: Option<&Entry>,
) -> Result<()> {
    let req = plan.build_request(dir);
    let will_build = source.builds();
    if plan.args.json {
        let v = serde_json::json!({
            "id": plan.id.as_str(),
            "key": plan.key.to_string(),
            "source": source,
            "wouldBuild": will_build,
            "nixBuild": if will_build { Some(req.args()) } else { None },
            "outPath": entry.map(|e| e.out_path.clone()).or_else(|| if source == Source::Installed { dir.installed_out_path().map(|p| p.display().to_string()) } else { None }),
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
    outln!("  cache: {}", source.describe());
    for r in &plan.config.uncacheable {
        outln!("    not cacheable: {r}");
    }
    for f in &plan.config.followed {
        outln!("  follows: {}", f.display());
    }
    if let Some(e) = entry {
        outln!("  result: {}", e.out_path);
    }
    if will_build {
        outln!("  would run: {}", req.display());
    }
    Ok(())
}
