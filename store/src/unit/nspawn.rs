//! What a unit description asks of systemd-nspawn: its arguments (the
//! network, no new privileges, the denied system-call groups, the
//! capabilities, binds and credentials), and the text of `unit.conf` that
//! carries them with the network's variables.

use super::UnitDescription;
use crate::id::ContainerId;

/// Capabilities systemd-nspawn grants by default that a service container
/// does not need: dropped unless `capsAllow` lists them. The same list as
/// `nix/lib.nix`'s `droppedByDefault` (`tests/nix_lib.rs` holds them equal).
pub const DROPPED_BY_DEFAULT: &[&str] = &[
    "CAP_AUDIT_CONTROL",
    "CAP_LINUX_IMMUTABLE",
    "CAP_MKNOD",
    "CAP_NET_BROADCAST",
    "CAP_SYS_BOOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_TTY_CONFIG",
];

/// System-call groups denied to every container (`nix/lib.nix`'s
/// `deniedSyscallGroups`).
pub const DENIED_SYSCALL_GROUPS: &[&str] = &[
    "@clock",
    "@cpu-emulation",
    "@debug",
    "@module",
    "@obsolete",
    "@raw-io",
    "@swap",
];

impl UnitDescription {
    /// The systemd-nspawn arguments this description asks for: network
    /// mode, no new privileges, the denied system-call groups, the
    /// capabilities dropped (but those `capsAllow` keeps) and kept, the
    /// binds. What `prepare` hands to the template unit, whatever the
    /// built `unit.conf` says; the same list as `nix/lib.nix`'s
    /// `nspawnArgs`.
    pub fn nspawn_args(&self, id: &ContainerId) -> Vec<String> {
        let links = self.network.links(id);
        let mut out: Vec<String> = if links.is_empty() {
            vec!["--private-network".to_owned()]
        } else {
            links.into_iter().map(|l| l.nspawn_arg).collect()
        };
        out.push("--no-new-privileges=yes".to_owned());
        out.extend(
            DENIED_SYSCALL_GROUPS
                .iter()
                .map(|g| format!("--system-call-filter=~{g}")),
        );
        let dropped: Vec<&str> = DROPPED_BY_DEFAULT
            .iter()
            .copied()
            .filter(|c| !self.caps_allow.iter().any(|a| a == c))
            .collect();
        if !dropped.is_empty() {
            out.push(format!("--drop-capability={}", dropped.join(",")));
        }
        if !self.caps_allow.is_empty() {
            out.push(format!("--capability={}", self.caps_allow.join(",")));
        }
        out.extend(self.bind.iter().map(|b| format!("--bind={b}")));
        out.extend(
            self.credentials
                .iter()
                .map(|(name, path)| format!("--load-credential={name}:{path}")),
        );
        out
    }

    /// The text of `unit.conf` for a container of this description running
    /// `system_path`: what `nix/lib.nix`'s `confText` writes (`tests/nix_lib.rs`
    /// holds them equal), so that a system built once serves every
    /// container of its snippet without evaluating again.
    pub fn conf_text(&self, id: &ContainerId, system_path: &str) -> String {
        let n = &self.network;
        let quote = |v: &str| {
            if v.contains([' ', '"', '\\']) {
                format!("\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\""))
            } else {
                v.to_owned()
            }
        };
        let vars: [(&str, Option<String>); 10] = [
            ("HOST_IP4", n.host_ip4.clone()),
            ("HOST_IP6", n.host_ip6.clone()),
            ("INTERFACE", n.interface.clone()),
            ("IP4", n.ip4.clone()),
            ("IP4_ROUTE", n.ip4route.clone()),
            ("IP6", n.ip6.clone()),
            ("IP6_ROUTE", n.ip6route.clone()),
            ("NETWORK_MODE", Some(n.mode().as_str().to_owned())),
            ("NSPAWN_ARGS", Some(self.nspawn_args(id).join(" "))),
            ("SYSTEM_PATH", Some(system_path.to_owned())),
        ];
        vars.iter()
            .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}={}\n", quote(v))))
            .collect()
    }
}
