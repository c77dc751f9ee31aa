//! What `apply` shows: the whole plan before anything changes, a line per
//! host while it works, the summary (or one JSON document).

use std::collections::BTreeMap;
use std::io::IsTerminal;

use anyhow::Result;
use serde::Serialize;

use super::file::Fleet;
use super::plan::HostPlan;
use crate::commands::build::Source;
use crate::remote::fleet::{Done, Target};

/// A system of the fleet and where it came from.
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct SystemReport {
    pub(super) key: String,
    /// Its derivation, when it was evaluated (a miss; in a dry run too).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) drv_path: Option<String>,
    /// Evaluated with a nixpkgs of its own (it sets `nixpkgs.*`), or the
    /// one its Nix process shared; absent: alone in its process.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) own_pkgs: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) out_path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) source: Option<Source>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) error: Option<String>,
    pub(super) containers: Vec<String>,
}

/// A host's part of the outcome.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct HostReport {
    pub(super) name: String,
    pub(super) target: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) plan: Option<HostPlan>,
    pub(super) results: Vec<Done>,
    pub(super) ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) error: Option<String>,
}

/// The whole outcome (`--json`).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Outcome {
    pub(super) fleet: String,
    pub(super) dry_run: bool,
    pub(super) systems: Vec<SystemReport>,
    pub(super) hosts: Vec<HostReport>,
    pub(super) converged: bool,
}

/// Progress: a line per host on a terminal, plain lines otherwise.
pub(super) struct Progress {
    pub(super) bars: Option<BTreeMap<String, indicatif::ProgressBar>>,
    pub(super) _multi: Option<indicatif::MultiProgress>,
    pub(super) quiet: bool,
}

impl Progress {
    pub(super) fn new(hosts: &[(String, Target)], quiet: bool) -> Progress {
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
    pub(super) fn say(&self, host: &str, msg: &str) {
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

    pub(super) fn finish(&self, host: &str, msg: &str) {
        match self.bars.as_ref().and_then(|b| b.get(host)) {
            Some(b) => b.finish_with_message(msg.to_owned()),
            None => self.say(host, msg),
        }
    }
}

pub(super) fn print_plan(
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
            (None, None, _) => match &s.drv_path {
                Some(d) => format!("would be built: {d}"),
                None => "would be built".to_owned(),
            },
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
            ("disable", p.disable.clone()),
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

pub(super) fn print_summary(o: &Outcome) -> Result<()> {
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
