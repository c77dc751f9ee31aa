//! The hidden commands `apply` runs on each host: `fleet-state` (this
//! host's containers, as JSON) and `fleet-install` (the actions on
//! standard input, one JSON line per action done).

use std::io::{Read, Write};
use std::path::PathBuf;

use anyhow::Result;
use nixunits_store::StateDir;

use crate::base::{parse_id, usage};
use crate::host::install::{install_system, remove, FLEET_TAG};
use crate::host::status::statuses;
use crate::host::systemd;
use crate::remote::fleet::{Actions, Current, Done};

/// `fleet-state`: this host's containers, as JSON.
pub fn state(state: &StateDir) -> Result<()> {
    outln!("{}", serde_json::to_string(&current(state)?)?);
    Ok(())
}

/// This host's containers as `fleet-state` reports them; `apply` reads a
/// `local` host with it in its own process.
pub fn current(state: &StateDir) -> Result<Vec<Current>> {
    state.remove_unfinished();
    let ids = state.container_ids();
    let statuses = statuses(state, &ids)?;
    let enabled = systemd::enabled(&ids);
    let current: Vec<Current> = ids
        .iter()
        .zip(statuses)
        .zip(enabled)
        .map(|((id, s), enabled)| {
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
                enabled,
                declared: s.declared,
            }
        })
        .collect();
    Ok(current)
}

/// `fleet-install`: the actions on standard input, each done in turn
/// (one failing does not stop the rest), its outcome printed as soon as
/// it is done. `false` when one failed. Once the actions are read, a
/// connection that is cut (standard output gone) stops nothing: every
/// action is carried out, so that a host is never left half way through
/// its plan by the network.
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
        let line = serde_json::to_string(&done)?;
        let mut out = std::io::stdout().lock();
        // The one who asked may be gone (SSH cut): go on without telling.
        let _ = writeln!(out, "{line}").and_then(|()| out.flush());
        Ok(())
    };
    for id in &actions.remove {
        let r = (|| {
            let cid = parse_id(id)?;
            let tag = std::fs::read_to_string(state.container(&cid).dir.join(FLEET_TAG))
                .unwrap_or_default();
            if tag.trim() != actions.fleet {
                anyhow::bail!("{id} is not managed by fleet {}", actions.fleet);
            }
            remove(state, &cid)?;
            Ok(format!("{id}: removed"))
        })();
        report(id, "remove", r)?;
    }
    for i in &actions.install {
        let r = install_system(
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
        let r = parse_id(id).map_err(anyhow::Error::from).and_then(|cid| {
            if !systemd::is_enabled(&cid) {
                systemd::enable(&cid, true)?;
            }
            systemd::apply(&cid, true, false, false)
        });
        let r = r.map(|a| format!("{id}: {}, enabled", a.as_str()));
        report(id, "start", r)?;
    }
    for id in &actions.disable {
        let r = parse_id(id)
            .map_err(anyhow::Error::from)
            .and_then(|cid| systemd::enable(&cid, false))
            .map(|()| format!("{id}: disabled"));
        report(id, "disable", r)?;
    }
    Ok(all_ok)
}
