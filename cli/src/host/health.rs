//! What `doctor` asks of the running host: systemd and systemd-nspawn,
//! user namespaces, cgroups, `nft` and `ip`, the link types the kernel can
//! make, the template unit and `machines.target`, the state directory.
//! Each answer is a [`Check`]: ok, a warning (a feature that will not
//! work), or missing (containers will not run); always with the fix.
//! Nothing here changes the host: the link types are tried in a network
//! namespace made for the probe and gone with it.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use nixunits_store::StateDir;
use serde::Serialize;

use super::{systemd, template};

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// What is needed is there.
    Ok,
    /// Containers run, but something they may ask for will not work.
    Warn,
    /// Containers will not run (or not build) without it.
    Missing,
}

impl Status {
    /// As printed.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Warn => "warn",
            Status::Missing => "missing",
        }
    }
}

/// One check: what was found, and the fix when it is not ok.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// A stable name (`systemd`, `nft`, `module-veth`, …).
    pub check: String,
    /// How it came out.
    pub status: Status,
    /// What was found.
    pub what: String,
    /// What to do about it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

impl Check {
    /// An ok check.
    pub fn ok(check: &str, what: impl Into<String>) -> Check {
        Check {
            check: check.into(),
            status: Status::Ok,
            what: what.into(),
            fix: None,
        }
    }
    /// A warning, with its fix.
    pub fn warn(check: &str, what: impl Into<String>, fix: impl Into<String>) -> Check {
        Check {
            check: check.into(),
            status: Status::Warn,
            what: what.into(),
            fix: Some(fix.into()),
        }
    }
    /// Something missing, with its fix.
    pub fn missing(check: &str, what: impl Into<String>, fix: impl Into<String>) -> Check {
        Check {
            check: check.into(),
            status: Status::Missing,
            what: what.into(),
            fix: Some(fix.into()),
        }
    }
}

/// The oldest systemd whose systemd-nspawn has what the template unit
/// uses (`--private-users-ownership=`, 249).
pub const MIN_SYSTEMD: u32 = 249;

/// `systemd 252 (252.39-1~deb12u2)` → 252.
fn systemd_version(text: &str) -> Option<u32> {
    text.lines().next()?.split_whitespace().nth(1)?.parse().ok()
}

/// The first line a program prints for `--version`, if it runs.
fn version_line(program: &str) -> Option<String> {
    version_line_of(program, "--version")
}

/// The first line a program prints for `flag`, if it runs.
fn version_line_of(program: &str, flag: &str) -> Option<String> {
    let out = Command::new(program)
        .arg(flag)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status.success().then(|| {
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .next()
            .unwrap_or_default()
            .trim()
            .to_owned()
    })
}

/// systemd as PID 1, its version; systemd-nspawn and machinectl.
pub fn systemd() -> Vec<Check> {
    let mut out = Vec::new();
    let booted = Path::new("/run/systemd/system").is_dir();
    match (booted, version_line("systemctl")) {
        (false, _) => out.push(Check::missing(
            "systemd",
            "systemd is not the init (no /run/systemd/system)",
            "run nixunits on a host booted with systemd: containers are its units",
        )),
        (true, None) => out.push(Check::missing(
            "systemd",
            "systemctl does not run",
            "install systemd",
        )),
        (true, Some(line)) => match systemd_version(&line) {
            Some(v) if v >= MIN_SYSTEMD => {
                out.push(Check::ok("systemd", format!("systemd {v} is the init")))
            }
            v => out.push(Check::missing(
                "systemd",
                format!(
                    "systemd {} is older than {MIN_SYSTEMD}",
                    v.map_or_else(|| line.clone(), |v| v.to_string())
                ),
                format!("systemd {MIN_SYSTEMD} or later (Debian 12, Ubuntu 22.04, NixOS 21.11)"),
            )),
        },
    }
    match version_line("systemd-nspawn") {
        None => out.push(Check::missing(
            "nspawn",
            "systemd-nspawn is not on PATH",
            "Debian, Ubuntu: apt install systemd-container (NixOS has it)",
        )),
        Some(line) => match systemd_version(&line) {
            Some(v) if v >= MIN_SYSTEMD => {
                out.push(Check::ok("nspawn", format!("systemd-nspawn {v}")))
            }
            _ => out.push(Check::missing(
                "nspawn",
                format!("systemd-nspawn is older than {MIN_SYSTEMD}: {line}"),
                format!("systemd-container {MIN_SYSTEMD} or later"),
            )),
        },
    }
    if crate::base::nix::which("machinectl").is_none() {
        out.push(Check::missing(
            "machinectl",
            "machinectl is not on PATH (containers register with machined)",
            "Debian, Ubuntu: apt install systemd-container",
        ));
    } else {
        out.push(Check::ok("machinectl", "machinectl and machined"));
    }
    out
}

fn read_number(path: &str) -> Option<u64> {
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}

/// User namespaces: allowed at all, and for unprivileged users where the
/// kernel has a switch (services inside a container are unprivileged on
/// the host: `PrivateUsers=`, `DynamicUser=` in them need it).
pub fn user_namespaces() -> Vec<Check> {
    let mut out = Vec::new();
    match read_number("/proc/sys/user/max_user_namespaces") {
        Some(0) => out.push(Check::missing(
            "userns",
            "user namespaces are off (user.max_user_namespaces = 0)",
            "sysctl -w user.max_user_namespaces=65536 (and in /etc/sysctl.d)",
        )),
        Some(n) => out.push(Check::ok(
            "userns",
            format!("user namespaces: up to {n} (user.max_user_namespaces)"),
        )),
        None => out.push(Check::missing(
            "userns",
            "the kernel has no user namespaces (no /proc/sys/user/max_user_namespaces)",
            "a kernel with CONFIG_USER_NS",
        )),
    }
    for (path, sysctl, off) in [
        (
            "/proc/sys/kernel/unprivileged_userns_clone",
            "kernel.unprivileged_userns_clone",
            0,
        ),
        (
            "/proc/sys/kernel/apparmor_restrict_unprivileged_userns",
            "kernel.apparmor_restrict_unprivileged_userns",
            1,
        ),
    ] {
        match read_number(path) {
            Some(v) if v == off => out.push(Check::warn(
                "userns-unprivileged",
                format!("{sysctl} = {v}: services inside containers cannot make user namespaces (PrivateUsers=, some DynamicUser= set-ups)"),
                format!("sysctl -w {sysctl}={}", 1 - off),
            )),
            Some(v) => out.push(Check::ok(
                "userns-unprivileged",
                format!("{sysctl} = {v}"),
            )),
            None => {}
        }
    }
    out
}

/// cgroups: the unified (v2) hierarchy, and the controllers a
/// container's resource limits use, for `Delegate=yes`.
pub fn cgroups() -> Vec<Check> {
    let unified = Path::new("/sys/fs/cgroup/cgroup.controllers");
    let hybrid = Path::new("/sys/fs/cgroup/unified/cgroup.controllers");
    let wanted = ["cpu", "memory", "pids"];
    let (hierarchy, available): (Check, Vec<String>) = if unified.exists() {
        (
            Check::ok("cgroup2", "cgroup v2 (the unified hierarchy)"),
            std::fs::read_to_string(unified)
                .unwrap_or_default()
                .split_whitespace()
                .map(str::to_owned)
                .collect(),
        )
    } else {
        let v1: Vec<String> = wanted
            .iter()
            .filter(|c| Path::new("/sys/fs/cgroup").join(c).is_dir())
            .map(|c| (*c).to_owned())
            .collect();
        (
            Check::warn(
                "cgroup2",
                if hybrid.exists() {
                    "cgroups are hybrid (v1 controllers, v2 beside them): MemoryMax= and other v2 limits are not enforced"
                } else {
                    "cgroups are v1: MemoryMax= and other v2 limits are not enforced"
                },
                "boot with systemd.unified_cgroup_hierarchy=1 (the default since systemd 247)",
            ),
            v1,
        )
    };
    let lacking: Vec<&str> = wanted
        .iter()
        .filter(|c| !available.iter().any(|a| a == *c))
        .copied()
        .collect();
    let delegation = if lacking.is_empty() {
        Check::ok(
            "cgroup-delegation",
            "the cpu, memory and pids controllers, delegated to each container (Delegate=yes)",
        )
    } else {
        Check::warn(
            "cgroup-delegation",
            format!(
                "no {} controller here: a container's resources ({}) cannot be limited",
                lacking.join(", "),
                lacking
                    .iter()
                    .map(|c| match *c {
                        "cpu" => "CPUQuota",
                        "memory" => "MemoryMax",
                        _ => "TasksMax",
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            "enable the controllers (a kernel with them; in a container, delegate them to it)",
        )
    };
    vec![hierarchy, delegation]
}

/// `ip` (the network from the host) and `nft` (ports and firewalls).
pub fn tools() -> Vec<Check> {
    let mut out = Vec::new();
    match version_line_of("ip", "-V") {
        Some(v) => out.push(Check::ok("ip", v)),
        None => out.push(Check::missing(
            "ip",
            "ip is not on PATH (nixunits configures containers' addresses with it)",
            "Debian, Ubuntu: apt install iproute2",
        )),
    }
    match crate::base::nix::which("nft") {
        None => out.push(Check::missing(
            "nft",
            "nft is not on PATH (published ports and firewalls are nftables rules)",
            "Debian, Ubuntu: apt install nftables; NixOS: networking.nftables.enable = true",
        )),
        Some(_) => {
            let listed = Command::new("nft")
                .args(["list", "tables"])
                .stdin(Stdio::null())
                .output();
            match listed {
                Ok(o) if o.status.success() => out.push(Check::ok(
                    "nft",
                    version_line("nft").unwrap_or_else(|| "nft".into()),
                )),
                Ok(o) => out.push(Check::missing(
                    "nft",
                    format!(
                        "nft cannot reach the kernel's nftables: {}",
                        String::from_utf8_lossy(&o.stderr).trim()
                    ),
                    "a kernel with nf_tables (modprobe nf_tables), and nixunits run as root",
                )),
                Err(e) => out.push(Check::missing(
                    "nft",
                    format!("nft does not run: {e}"),
                    "reinstall nftables",
                )),
            }
        }
    }
    out
}

/// The link types containers' networks use, made for real in a network
/// namespace of the probe's own (built into the kernel, or loaded on use
/// as systemd-nspawn would have them loaded), and br_netfilter.
pub fn link_types() -> Vec<Check> {
    // The parent of macvlan and ipvlan is the probe's own veth.
    let probes: [(&str, &str, &str, bool); 4] = [
        (
            "veth",
            "link add nxu0 type veth peer name nxu1",
            "-6 and every veth network",
            true,
        ),
        (
            "bridge",
            "link add nxub type bridge",
            "a veth's bridge",
            false,
        ),
        (
            "macvlan",
            "link add nxum link nxu0 type macvlan mode bridge",
            "macvlan interfaces",
            false,
        ),
        (
            "ipvlan",
            "link add nxui link nxu0 type ipvlan mode l2",
            "ipvlan interfaces",
            false,
        ),
    ];
    let script: String = probes
        .iter()
        .map(|(name, cmd, _, _)| format!("ip {cmd} >/dev/null 2>&1; echo {name}=$?\n"))
        .collect();
    let probed = Command::new("unshare")
        .args(["--net", "sh", "-c", &script])
        .stdin(Stdio::null())
        .output();
    let results: Vec<(String, bool)> = match &probed {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout)
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(n, c)| (n.to_owned(), c == "0"))
            .collect(),
        _ => Vec::new(),
    };
    let mut out = Vec::new();
    for (name, _, used_by, needed) in probes {
        let check = format!("link-{name}");
        match results.iter().find(|(n, _)| n == name) {
            Some((_, true)) => out.push(Check::ok(
                &check,
                format!("the kernel makes {name} links (tried in a throwaway network namespace)"),
            )),
            Some((_, false)) => {
                let what = format!("the kernel cannot make {name} links: {used_by} will not start");
                let fix = format!("a kernel with {name} (CONFIG_{}), or modprobe {name}", name.to_uppercase());
                out.push(if needed {
                    Check::missing(&check, what, fix)
                } else {
                    Check::warn(&check, what, fix)
                });
            }
            None => out.push(Check::warn(
                &check,
                format!(
                    "cannot tell whether the kernel makes {name} links: the probe (unshare --net) did not run{}",
                    probed
                        .as_ref()
                        .map(|o| format!(": {}", String::from_utf8_lossy(&o.stderr).trim()))
                        .unwrap_or_default()
                ),
                "run nixunits doctor as root, with util-linux's unshare and iproute2",
            )),
        }
    }
    if Path::new("/proc/sys/net/bridge/bridge-nf-call-iptables").exists() {
        out.push(Check::ok("br_netfilter", "br_netfilter is loaded"));
    } else {
        out.push(Check::warn(
            "br_netfilter",
            format!(
                "br_netfilter is not loaded{}: a firewall on a bridged container will not start",
                if module_known("br_netfilter") {
                    " (the kernel has it as a module)"
                } else {
                    ""
                }
            ),
            "modprobe br_netfilter (and list it in /etc/modules-load.d)",
        ));
    }
    out
}

/// Whether `/lib/modules/<release>` lists the module.
fn module_known(name: &str) -> bool {
    let Ok(release) = std::fs::read_to_string("/proc/sys/kernel/osrelease") else {
        return false;
    };
    let dir = PathBuf::from("/lib/modules").join(release.trim());
    let file = format!("/{name}.ko");
    ["modules.dep", "modules.builtin"].iter().any(|f| {
        std::fs::read_to_string(dir.join(f)).is_ok_and(|t| {
            t.lines()
                .any(|l| l.split(':').next().is_some_and(|p| p.contains(&file)))
        })
    })
}

/// The template unit: installed, for this state directory, with
/// `Delegate=yes`; and `machines.target` enabled.
pub fn template_unit(state: &StateDir) -> Vec<Check> {
    let mut out = Vec::new();
    let unit = "nixunits@doctor.service".to_owned();
    let shown = systemd::show_units(
        std::slice::from_ref(&unit),
        &["LoadState", "FragmentPath", "Delegate"],
    )
    .ok()
    .and_then(|mut v| v.pop())
    .unwrap_or_default();
    let get = |k: &str| shown.get(k).map(String::as_str).unwrap_or_default();
    if get("LoadState") != "loaded" {
        out.push(Check::missing(
            "template",
            "the template unit nixunits@.service is not installed",
            "nixunits install (NixOS: the module's nixunits.enable)",
        ));
    } else {
        let fragment = PathBuf::from(get("FragmentPath"));
        let text = std::fs::read_to_string(&fragment).unwrap_or_default();
        let serves = format!("--state-dir {} ", state.root().display());
        if !text.contains(&serves) {
            out.push(Check::warn(
                "template",
                format!(
                    "{} serves another state directory than {}",
                    fragment.display(),
                    state.root().display()
                ),
                "nixunits install with this --state-dir",
            ));
        } else if get("Delegate") != "yes" {
            out.push(Check::missing(
                "template",
                format!("{} has no Delegate=yes", fragment.display()),
                "nixunits install",
            ));
        } else if is_stale(&fragment, &text, state) {
            out.push(Check::warn(
                "template",
                format!(
                    "{} is not the one this nixunits writes (written by another version)",
                    fragment.display()
                ),
                "nixunits install",
            ));
        } else {
            out.push(Check::ok(
                "template",
                format!("{} (Delegate=yes)", fragment.display()),
            ));
        }
    }
    match Command::new("systemctl")
        .args(["is-enabled", "machines.target"])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
    {
        Ok(o) if String::from_utf8_lossy(&o.stdout).trim() == "enabled" => {
            out.push(Check::ok("machines-target", "machines.target is enabled"))
        }
        Ok(o) => out.push(Check::warn(
            "machines-target",
            format!(
                "machines.target is {}: enabled containers will not start at boot",
                String::from_utf8_lossy(&o.stdout).trim()
            ),
            "systemctl enable machines.target (nixunits enable does it too)",
        )),
        Err(e) => out.push(Check::warn(
            "machines-target",
            format!("cannot ask systemctl: {e}"),
            "install systemd",
        )),
    }
    out
}

/// A template `nixunits install` wrote (a regular file in /etc) that is
/// not what this binary would write now.
fn is_stale(fragment: &Path, text: &str, state: &StateDir) -> bool {
    let written_by_install = fragment == Path::new("/etc/systemd/system/nixunits@.service")
        && std::fs::symlink_metadata(fragment).is_ok_and(|m| m.file_type().is_file());
    if !written_by_install {
        return false;
    }
    let (Ok(exe), Some(nspawn)) = (
        std::env::current_exe(),
        crate::base::nix::which("systemd-nspawn"),
    ) else {
        return false;
    };
    let exe = std::fs::canonicalize(&exe).unwrap_or(exe);
    template::render_template(&exe, &nspawn, state.root()) != text
}

/// The state directory: writable (or creatable) by this user.
pub fn state_dir(state: &StateDir) -> Check {
    use nix::unistd::{access, AccessFlags};
    let root = state.root();
    let mut at = root.to_path_buf();
    while !at.exists() {
        match at.parent() {
            Some(p) => at = p.to_path_buf(),
            None => break,
        }
    }
    let fix = format!(
        "run nixunits as root, on a writable file system (or pass --state-dir DIR); {} must take new files",
        at.display()
    );
    if !at.is_dir() {
        return Check::missing("state", format!("{} is not a directory", at.display()), fix);
    }
    match access(&at, AccessFlags::W_OK | AccessFlags::X_OK) {
        Ok(()) if at == root => Check::ok("state", format!("{} is writable", root.display())),
        Ok(()) => Check::ok(
            "state",
            format!("{} will be made (in {})", root.display(), at.display()),
        ),
        Err(e) => Check::missing(
            "state",
            format!("{} is not writable: {}", at.display(), e.desc()),
            fix,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert_eq!(
            systemd_version("systemd 252 (252.39-1~deb12u2)\n+PAM"),
            Some(252)
        );
        assert_eq!(systemd_version("systemd 249"), Some(249));
        assert_eq!(systemd_version("nonsense"), None);
    }

    #[test]
    fn a_read_only_or_missing_state_directory() {
        let dir = tempfile::tempdir().unwrap();
        let c = state_dir(&StateDir::new(dir.path().join("a/b")));
        assert_eq!(c.status, Status::Ok, "{c:?}");
        assert!(c.what.contains("will be made"), "{c:?}");
        let file = dir.path().join("f");
        std::fs::write(&file, "").unwrap();
        let c = state_dir(&StateDir::new(file.join("x")));
        assert_eq!(c.status, Status::Missing, "{c:?}");
    }
}
