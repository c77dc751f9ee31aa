//! What a build shows: its progress (a live line on a terminal, plain
//! lines otherwise), its outcome, the plan of a dry run, its warnings.

use std::io::IsTerminal;

use anyhow::Result;
use nixunits_store::{ContainerDir, ContainerId};
use serde::Serialize;

use super::lookup::Source;
use super::plan::{Flags, Plan};
use crate::host::status::Addresses;
use crate::host::systemd;

/// What `build` did (the `--json` output).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Outcome {
    pub(super) id: String,
    #[serde(flatten)]
    pub(super) addresses: Addresses,
    pub(super) key: String,
    pub(super) source: Source,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(super) uncacheable: Vec<String>,
    pub(super) out_path: String,
    pub(super) generation: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) build_ms: Option<u64>,
    pub(super) changed: bool,
    pub(super) unit: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(super) warnings: Vec<String>,
}

/// A live line on a terminal (elapsed time and the last log line); plain
/// lines otherwise.
pub(super) struct Progress {
    bar: Option<indicatif::ProgressBar>,
    plain: bool,
}

impl Progress {
    pub(super) fn new(flags: Flags, id: &str) -> Progress {
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

    pub(super) fn line(&self, line: &str) {
        if let Some(b) = &self.bar {
            b.set_message(line.to_owned());
        } else if self.plain {
            #[allow(clippy::print_stderr)]
            {
                eprintln!("  nix-build: {line}");
            }
        }
    }

    pub(super) fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

pub(super) fn print_outcome(
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
    if flags.quiet || flags.run {
        return Ok(());
    }
    outln!("Container : {}", o.id);
    crate::commands::lifecycle::print_addresses(&o.addresses)?;
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

pub(super) fn print_dry_run(
    plan: &Plan,
    dir: &ContainerDir,
    source: Source,
    out: Option<&str>,
) -> Result<()> {
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
    crate::commands::lifecycle::print_addresses(&crate::host::status::Addresses::of(
        &plan.unit.network,
    ))?;
    outln!("  key: {}", plan.key);
    outln!(
        "  nixpkgs: {} ({}; {})",
        plan.nixpkgs.path.display(),
        plan.nixpkgs.from,
        plan.nixpkgs.identity
    );
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
