//! The plan of a build: the arguments resolved — every input validated,
//! nixpkgs found, the keys computed — and nothing written.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use nixunits_nixexpr::{self as nixexpr, CheckOptions};
use nixunits_store::key::{config_digest, digest_dir, ConfigDigest};
use nixunits_store::unit::auto_ip6;
use nixunits_store::{BuildKey, ContainerDir, ContainerId, KeyInputs, StateDir, UnitDescription};

use crate::args::{BuildArgs, Format, Global};
use crate::base::flake::{self as flake, Module};
use crate::base::input::MAX_SNIPPET;
use crate::base::nix;
use crate::base::nixpkgs::{self as nixpkgs, Nixpkgs};
use crate::base::usage;

/// A build, resolved: everything checked, nothing written yet.
pub struct Plan {
    pub(super) id: ContainerId,
    pub(super) text: String,
    /// The snippet file, for `-cf`; `None` for an inline snippet.
    pub(super) file: Option<PathBuf>,
    pub(super) unit: UnitDescription,
    pub(super) unit_json: String,
    pub(super) nix_dir: PathBuf,
    pub(super) nixpkgs: Nixpkgs,
    /// The snippet imports a flake output through `builtins.getFlake`:
    /// `nix-build` needs the flakes feature.
    pub(super) flakes: bool,
    pub(super) key: BuildKey,
    pub(super) config: ConfigDigest,
    pub(super) state: StateDir,
    pub(super) args: Flags,
    /// The shared index, when given.
    pub(super) shared: Option<Shared>,
    /// `--build-host`.
    pub(super) build_host: Option<String>,
    /// The key of the system alone: what the history is looked up by, so
    /// that one build serves every container of a snippet (the container's
    /// own key, `key`, also names its id and unit description).
    pub(super) system_key: BuildKey,
}

#[derive(Clone, Copy)]
pub(super) struct Flags {
    pub(super) force: bool,
    pub(super) dry_run: bool,
    pub(super) json: bool,
    pub(super) start: bool,
    pub(super) restart: bool,
    pub(super) quiet: bool,
    pub(super) keep: usize,
    /// `update`: switch a running container in place when it can.
    pub(super) update: bool,
    /// `run`: standard output is the command's, the outcome is not shown.
    pub(super) run: bool,
}

/// `--cache URL` and `--cache-key FILE`.
#[derive(Clone)]
pub(super) struct Shared {
    pub(super) url: String,
    pub(super) secret_key: Option<PathBuf>,
}

/// A snippet taken from a flake output (`--flake-attr DIR#attr`).
struct FromFlake {
    /// The flake's directory.
    dir: PathBuf,
    /// `DIR#attr`, as given.
    reference: String,
    /// What Nix says the output is.
    module: Module,
}

/// `--flake-attr DIR#attr.path`: the flake's directory and the names.
fn split_flake_attr(given: &str) -> Result<(PathBuf, Vec<String>)> {
    let (dir, attr) = given.split_once('#').ok_or_else(|| {
        usage(format!(
            "--flake-attr {given:?}: give DIR#attr.path (e.g. .#nixunitsSnippets.pg)"
        ))
    })?;
    if flake::is_reference(dir) {
        return Err(usage(format!(
            "--flake-attr {given:?}: the flake is a directory here (a local checkout), not a reference"
        )));
    }
    let dir = if dir.is_empty() { "." } else { dir };
    let abs = std::fs::canonicalize(dir)
        .map_err(|e| usage(format!("--flake-attr {given:?}: {dir}: {e}")))?;
    if !abs.join("flake.nix").is_file() {
        return Err(usage(format!(
            "--flake-attr {given:?}: {} has no flake.nix",
            abs.display()
        )));
    }
    let names = flake::parse_attr_path(attr).map_err(|e| usage(format!("--flake-attr {e}")))?;
    Ok((abs, names))
}

/// The snippet of a flake output: a file is read as `-cf` reads one (from
/// the flake's copy in the store); a function or a set becomes a snippet
/// importing it through `builtins.getFlake`, locked by the flake's hash.
fn read_flake_snippet(given: &str) -> Result<(String, Option<PathBuf>, FromFlake)> {
    let (dir, names) = split_flake_attr(given)?;
    let out = flake::output(&dir, &names).map_err(|e| usage(format!("--flake-attr {e}")))?;
    let (text, file) = match &out.module {
        Module::Path(p) => read_file(p)?,
        Module::Function(_) | Module::Set => (flake::import_text(&out, &names), None),
    };
    Ok((
        text,
        file,
        FromFlake {
            dir,
            reference: given.to_owned(),
            module: out.module,
        },
    ))
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
    read_file(args.config_file.as_deref().context("no snippet")?)
}

/// A snippet file: a regular file of at most [`MAX_SNIPPET`], UTF-8.
fn read_file(path: &Path) -> Result<(String, Option<PathBuf>)> {
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

/// Resolves `build`'s arguments. Every problem with the input is a
/// [`UsageError`](crate::base::UsageError) (exit 2), found before anything is written.
pub fn resolve(args: &BuildArgs, global: &Global, color: bool) -> Result<Plan> {
    resolve_with(args, global, color, true)
}

/// [`resolve`]; `here`: the container is to run on this host (its
/// addresses are checked against this host's containers). `apply` resolves
/// containers of other hosts, which check their own at install.
pub fn resolve_with(args: &BuildArgs, global: &Global, color: bool, here: bool) -> Result<Plan> {
    let id = crate::base::parse_id(&args.id)?;
    let state = StateDir::new(&global.state_dir);
    let (text, file, from_flake) = match &args.flake_attr {
        Some(given) => {
            let (t, f, ff) = read_flake_snippet(given)?;
            (t, f, Some(ff))
        }
        None => {
            let (t, f) = read_snippet(args)?;
            (t, f, None)
        }
    };
    // A function or a set in a flake has no text of its own here: Nix
    // evaluates it; nixunits' checks see only the import.
    let opaque = from_flake
        .as_ref()
        .is_some_and(|f| !matches!(f.module, Module::Path(_)));
    let mut notes = Vec::new();

    let opts = CheckOptions {
        version: nix::detect_version().unwrap_or_default(),
        ..CheckOptions::default()
    };
    // The same checks as `check`: the stored schema if any, the default
    // policy (a denied option is bad input).
    let extra = crate::commands::check::Extra {
        eval: true,
        schema: crate::commands::schema::stored(&state)?,
        policy: crate::commands::check::policy(None)?.compile(),
        cwd: crate::base::input::cwd(),
        limits: nixunits_eval::eval::Limits::default(),
    };
    let as_path = file
        .clone()
        .unwrap_or_else(|| state.container(&id).dir.join("config.nix"));
    if let (true, Some(f)) = (opaque, &from_flake) {
        notes.push(format!(
            "{} is a {} in the flake, not a file: nixunits' checks (schema, policy) do not see it; make it a path (attr = ./snippet.nix) to have them",
            f.reference,
            if matches!(f.module, Module::Set) { "set" } else { "function" }
        ));
    }
    let checked = if opaque {
        crate::commands::check::Checked::default()
    } else {
        crate::commands::check::check_text(&text, &as_path, &opts, &extra)
    };
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
        let mut reports = vec![crate::commands::check::Report {
            name,
            text: text.clone(),
            diagnostics: checked.main,
        }];
        reports.extend(
            checked
                .imported
                .into_iter()
                .map(|i| crate::commands::check::Report {
                    name: i.name,
                    text: i.text,
                    diagnostics: i.diagnostics,
                }),
        );
        let mut buf = Vec::new();
        crate::commands::check::render(&reports, Format::Human, color, true, &mut buf)?;
        return Err(usage(format!(
            "the snippet is rejected:\n{}",
            String::from_utf8_lossy(&buf).trim_end()
        )));
    }

    let unit = unit_description(args, &id)?;
    if here {
        crate::host::install::check_address_conflicts(&state, &id, &unit)?;
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
    let input = args.flake_input.as_deref().unwrap_or("nixpkgs");
    if args.flake_input.is_some() && args.flake.is_none() && from_flake.is_none() {
        return Err(usage(
            "--flake-input names an input of --flake DIR's lock: give the flake too",
        ));
    }
    let source = match (&args.nixpkgs, &args.flake, &from_flake) {
        (Some(n), _, _) => nixpkgs::Source::Given(n),
        (None, Some(dir), _) => nixpkgs::Source::Lock { dir, input },
        (None, None, Some(f)) => nixpkgs::Source::Lock { dir: &f.dir, input },
        (None, None, None) => nixpkgs::Source::Default,
    };
    let nixpkgs = nixpkgs::resolve(source).map_err(|e| usage(e.to_string()))?;
    let nixpkgs_identity = nixpkgs.identity.clone();
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
    let reads = match from_flake.as_ref().map(|f| &f.module) {
        Some(Module::Set) => Reads::default(),
        // `args: …` and `{ ... }:` both list no formals: either may read any.
        Some(Module::Function(formals)) if formals.is_empty() => Reads::all(),
        Some(Module::Function(formals)) => Reads {
            id: formals.contains_key("id"),
            network: formals.contains_key("network"),
            properties: formals.contains_key("properties"),
        },
        _ => module_args_read(&text, &config.followed),
    };
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
        crate::remote::ssh::check_host("--build-host", h)?;
    }
    let flags = Flags {
        force: args.force,
        dry_run: args.dry_run,
        json: args.json,
        start: args.start,
        restart: args.restart,
        quiet: global.quiet,
        keep: args.keep as usize,
        update: false,
        run: false,
    };
    for n in &notes {
        warn(flags, n);
    }
    Ok(Plan {
        flakes: opaque,
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
        args: flags,
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

    /// The plan of `run`: started, and its outcome not printed (standard
    /// output is the command's).
    pub fn for_run(mut self) -> Plan {
        self.args.run = true;
        self.args.start = true;
        self
    }

    /// The plan of `update`.
    pub fn for_update(mut self) -> Plan {
        self.args.update = true;
        self
    }

    /// The `nix-build` this plan runs, into `out_link`: the `-cf` file, or
    /// the inline snippet written beside the generations as
    /// `config.nix.new` for the build.
    pub(super) fn build_request(&self, dir: &ContainerDir, out_link: PathBuf) -> nix::BuildRequest {
        nix::BuildRequest {
            nix_dir: self.nix_dir.clone(),
            id: self.id.to_string(),
            config_file: self
                .file
                .clone()
                .unwrap_or_else(|| dir.dir.join("config.nix.new")),
            unit_json: self.unit_json.clone(),
            nixpkgs: self.nixpkgs.path.clone(),
            flakes: self.flakes,
            out_link,
        }
    }

    pub(super) fn cacheable(&self) -> bool {
        self.config.uncacheable.is_empty()
    }
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

impl Reads {
    fn all() -> Reads {
        Reads {
            id: true,
            network: true,
            properties: true,
        }
    }
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

pub(super) fn warn(flags: Flags, msg: &str) {
    if !flags.json {
        #[allow(clippy::print_stderr)]
        {
            eprintln!("warning: {msg}");
        }
    }
}
