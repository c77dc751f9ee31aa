//! What to do on a host, from what is there and what the fleet wants.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::remote::fleet::{Current, Install};

/// What a host needs.
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct HostPlan {
    pub(super) remove: Vec<String>,
    pub(super) install: Vec<Install>,
    pub(super) start: Vec<String>,
    pub(super) disable: Vec<String>,
    pub(super) unchanged: Vec<String>,
    /// Left as they are: their system was not built.
    pub(super) skipped: Vec<String>,
    /// Containers of the same id the fleet did not install: not touched,
    /// the host fails.
    pub(super) conflicts: Vec<String>,
}

impl HostPlan {
    pub(super) fn is_noop(&self) -> bool {
        self.remove.is_empty()
            && self.install.is_empty()
            && self.start.is_empty()
            && self.disable.is_empty()
    }
}

/// One container as the fleet wants it on a host.
pub(super) struct Desired<'a> {
    pub(super) id: &'a str,
    /// `None`: its system was not built.
    pub(super) system: Option<&'a str>,
    pub(super) unit: &'a str,
    pub(super) start: bool,
}

/// What to do on a host, from what is there.
pub(super) fn diff(fleet: &str, desired: &[Desired<'_>], current: &[Current]) -> HostPlan {
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
                // Started by the fleet means at boot too (enabled, as the
                // NixOS module's autoStart): a host that reboots runs its
                // containers again.
                if d.start && (!c.active || !c.enabled) {
                    plan.start.push(d.id.to_owned());
                } else if !d.start && c.enabled {
                    plan.disable.push(d.id.to_owned());
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
            enabled: active,
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
    fn what_the_fleet_starts_is_enabled_what_it_does_not_is_disabled() {
        // Found by fleet chaos: a host that rebooted mid-apply came back
        // without its containers, which apply had started but not enabled.
        let mut running_not_enabled = cur("a", Some("f"), "/nix/store/a", "{}", true);
        running_not_enabled.enabled = false;
        let p = diff(
            "f",
            &[want("a", Some("/nix/store/a"), "{}")],
            &[running_not_enabled],
        );
        assert_eq!(p.start, ["a"]);
        let enabled = cur("b", Some("f"), "/nix/store/a", "{}", true);
        let mut not_started = want("b", Some("/nix/store/a"), "{}");
        not_started.start = false;
        let p = diff("f", &[not_started], &[enabled]);
        assert_eq!(p.disable, ["b"]);
        assert!(p.start.is_empty() && p.unchanged.is_empty());
    }

    #[test]
    fn an_unchanged_host_is_a_no_op() {
        let current = vec![cur("a", Some("f"), "/nix/store/a", "{}", true)];
        let p = diff("f", &[want("a", Some("/nix/store/a"), "{}")], &current);
        assert!(p.is_noop());
    }
}
