//! FLEET.toml: read, every problem a usage error naming its key, paths
//! made relative to the file, ids expanded from `count`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Result;
use nixunits_store::ContainerId;
use serde::Deserialize;

use crate::args::{BuildArgs, NetArgs};
use crate::base::usage;
use crate::remote::fleet::Target;

/// FLEET.toml as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct FleetFile {
    /// The fleet's name (default: the file's stem): what its containers
    /// are tagged with on their hosts.
    name: Option<String>,
    /// Hosts worked on at once.
    jobs: Option<u32>,
    /// The nixpkgs to build with, a path (relative to the file) or a flake
    /// reference (default: as `build` finds it).
    nixpkgs: Option<String>,
    /// Take nixpkgs from this flake's lock (`build --flake`; relative to
    /// the file).
    flake: Option<PathBuf>,
    /// The input of that lock that is nixpkgs (`build --flake-input`).
    flake_input: Option<String>,
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

/// The fleet, checked.
pub(super) struct Fleet {
    pub(super) name: String,
    pub(super) jobs: usize,
    pub(super) hosts: Vec<(String, Target)>,
    pub(super) containers: Vec<Wanted>,
}

/// One container of the fleet, on each of its hosts.
pub(super) struct Wanted {
    pub(super) group: String,
    pub(super) args: BuildArgs,
    pub(super) start: bool,
    pub(super) hosts: Vec<String>,
}

fn valid_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Reads and checks FLEET.toml: every problem is a [`UsageError`] naming
/// the key it is in.
pub(super) fn load(path: &Path, dry_run: bool) -> Result<Fleet> {
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
    let nixpkgs = file.nixpkgs.as_deref().map(|n| {
        if crate::base::flake::is_reference(n) {
            n.to_owned()
        } else {
            rel(Path::new(n)).display().to_string()
        }
    });
    if nixpkgs.is_some() && file.flake.is_some() {
        return Err(usage("nixpkgs and flake both name the nixpkgs: give one"));
    }
    let flake = file.flake.as_deref().map(rel);
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
                    flake_attr: None,
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
                    flake: flake.clone(),
                    flake_input: file.flake_input.clone(),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::UsageError;
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
    fn nixpkgs_paths_references_and_locks() {
        let body = "[hosts.a]\ntarget = \"local\"\n\
                    [containers.w]\nsnippet = \"w.nix\"\nhosts = [\"a\"]\n";
        let with = |head: &str| load_text(&format!("{head}\n{body}")).unwrap();
        let f = with("nixpkgs = \"flake:nixpkgs\"");
        assert_eq!(
            f.containers[0].args.nixpkgs.as_deref(),
            Some("flake:nixpkgs")
        );
        let f = with("nixpkgs = \"git+file:///srv/nixpkgs\"");
        assert_eq!(
            f.containers[0].args.nixpkgs.as_deref(),
            Some("git+file:///srv/nixpkgs")
        );
        // A path is the file's, as every path of the fleet.
        let f = with("nixpkgs = \"np\"");
        let p = f.containers[0].args.nixpkgs.clone().unwrap();
        assert!(p.starts_with('/') && p.ends_with("/np"), "{p}");
        let f = with("flake = \"infra\"\nflake-input = \"nixos\"");
        let a = &f.containers[0].args;
        assert!(a.flake.as_ref().unwrap().is_absolute());
        assert_eq!(a.flake_input.as_deref(), Some("nixos"));
        assert!(err(&format!("nixpkgs = \"np\"\nflake = \".\"\n{body}")).contains("give one"));
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
