//! `nixunits nsenter|shell <id> [-- CMD…]`: run a command in a running
//! container, no stronger than the container's own processes.
//!
//! A process that merely joins a container's namespaces keeps the caller's
//! capability bounding set and no seccomp filter (util-linux `nsenter`
//! behaves so). Here the process joins the namespaces of the container's
//! init (the leader from `machinectl`), becomes root of its user namespace,
//! then takes on the leader's restrictions before running the command:
//! the capability bounding set read from `/proc/<leader>/status`,
//! no-new-privileges, and a system-call filter denying what the container
//! is denied.

use std::collections::BTreeMap;
use std::fs::File;
use std::os::unix::process::ExitStatusExt;

use anyhow::{bail, Context, Result};
use nix::sched::{setns, CloneFlags};
use nixunits_store::{ContainerId, StateDir};

use crate::systemd;

/// The namespaces joined, the user namespace first (it grants the rights
/// to join the others).
const NAMESPACES: &[(&str, CloneFlags)] = &[
    ("user", CloneFlags::CLONE_NEWUSER),
    ("mnt", CloneFlags::CLONE_NEWNS),
    ("uts", CloneFlags::CLONE_NEWUTS),
    ("ipc", CloneFlags::CLONE_NEWIPC),
    ("net", CloneFlags::CLONE_NEWNET),
    ("cgroup", CloneFlags::CLONE_NEWCGROUP),
    ("pid", CloneFlags::CLONE_NEWPID),
];

/// System calls denied to an entered process: the groups the container is
/// started without (`--system-call-filter=~@…` in `nix/lib.nix`), and the
/// handle-based open that containers are never given.
fn denied_syscalls() -> Vec<i64> {
    vec![
        // @clock
        libc::SYS_adjtimex,
        libc::SYS_clock_adjtime,
        libc::SYS_clock_settime,
        libc::SYS_settimeofday,
        // @cpu-emulation
        libc::SYS_modify_ldt,
        // @debug
        libc::SYS_lookup_dcookie,
        libc::SYS_perf_event_open,
        libc::SYS_process_vm_readv,
        libc::SYS_process_vm_writev,
        libc::SYS_ptrace,
        // @module
        libc::SYS_delete_module,
        libc::SYS_finit_module,
        libc::SYS_init_module,
        // @raw-io
        libc::SYS_ioperm,
        libc::SYS_iopl,
        // @swap
        libc::SYS_swapoff,
        libc::SYS_swapon,
        // others
        libc::SYS_kexec_file_load,
        libc::SYS_kexec_load,
        libc::SYS_open_by_handle_at,
        libc::SYS_reboot,
    ]
}

fn seccomp_filter() -> Result<seccompiler::BpfProgram> {
    let rules: BTreeMap<i64, Vec<seccompiler::SeccompRule>> = denied_syscalls()
        .into_iter()
        .map(|n| (n, Vec::new()))
        .collect();
    let arch =
        seccompiler::TargetArch::try_from(std::env::consts::ARCH).context("this architecture")?;
    let filter = seccompiler::SeccompFilter::new(
        rules,
        seccompiler::SeccompAction::Allow,
        seccompiler::SeccompAction::Errno(libc::EPERM as u32),
        arch,
    )
    .context("building the system-call filter")?;
    filter
        .try_into()
        .context("compiling the system-call filter")
}

/// The leader's capability bounding set (`CapBnd:`, a bit set).
fn leader_bounding_set(pid: u32) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("cannot read /proc/{pid}/status"))?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .map(str::trim)
    };
    let bnd = field("CapBnd:").context("no CapBnd in the leader's status")?;
    u64::from_str_radix(bnd, 16).context("CapBnd")
}

/// The command to run when none is given: the first shell the container
/// has.
fn default_command(system_path: Option<&str>) -> Vec<String> {
    let mut candidates = vec!["/run/current-system/sw/bin/bash".to_owned()];
    if let Some(sp) = system_path {
        candidates.push(format!("{sp}/sw/bin/bash"));
    }
    candidates.push("/bin/sh".to_owned());
    for c in &candidates {
        if std::path::Path::new(c).exists() {
            return vec![c.clone(), "-l".to_owned()];
        }
    }
    match system_path {
        Some(sp) => vec![format!("{sp}/bin/busybox"), "sh".to_owned()],
        None => vec!["/bin/sh".to_owned()],
    }
}

/// `SYSTEM_PATH` of the container's `unit.conf`.
fn system_path(state: &StateDir, id: &ContainerId) -> Option<String> {
    let conf = std::fs::read_to_string(state.container(id).unit_conf()).ok()?;
    conf.lines()
        .find_map(|l| l.strip_prefix("SYSTEM_PATH="))
        .map(|s| s.trim_matches('"').to_owned())
}

/// Runs `command` in the container; returns its exit code.
pub fn run(state: &StateDir, id: &ContainerId, command: &[String]) -> Result<i32> {
    let pid = systemd::leader(id, std::time::Duration::ZERO)?;
    let bounding = leader_bounding_set(pid)?;
    let sp = system_path(state, id);
    let fds: Vec<(File, CloneFlags)> = NAMESPACES
        .iter()
        .map(|(name, flag)| {
            File::open(format!("/proc/{pid}/ns/{name}"))
                .map(|f| (f, *flag))
                .with_context(|| format!("cannot open the {name} namespace of {id}'s init ({pid})"))
        })
        .collect::<Result<_>>()?;
    for (f, flag) in &fds {
        setns(f, *flag).with_context(|| format!("cannot join {id}'s namespace ({flag:?})"))?;
    }
    // Root of the container's user namespace (the caller is root on the
    // host, which the namespace does not map).
    nix::unistd::setgroups(&[]).context("setgroups")?;
    nix::unistd::setresgid(0.into(), 0.into(), 0.into()).context("setresgid")?;
    nix::unistd::setresuid(0.into(), 0.into(), 0.into()).context("setresuid")?;
    std::env::set_current_dir("/").context("chdir /")?;

    // The leader's restrictions.
    for cap in caps::all() {
        if bounding & (1u64 << cap.index()) == 0 {
            caps::drop(None, caps::CapSet::Bounding, cap)
                .with_context(|| format!("dropping {cap}"))?;
        }
    }
    // The container runs with no-new-privileges (`nix/lib.nix`); so does
    // whatever is entered.
    nix::sys::prctl::set_no_new_privs().context("no_new_privs")?;
    seccompiler::apply_filter(&seccomp_filter()?).context("installing the system-call filter")?;

    let argv = if command.is_empty() {
        default_command(sp.as_deref())
    } else {
        command.to_vec()
    };
    let mut path = String::from("/run/wrappers/bin:/run/current-system/sw/bin");
    if let Some(sp) = &sp {
        path.push_str(&format!(":{sp}/sw/bin:{sp}/bin"));
    }
    path.push_str(":/usr/bin:/bin:/usr/sbin:/sbin");
    // A child, so that it is inside the joined PID namespace.
    let status = std::process::Command::new(&argv[0])
        .args(&argv[1..])
        .env_clear()
        .env("PATH", path)
        .env("HOME", "/root")
        .env(
            "TERM",
            std::env::var("TERM").unwrap_or_else(|_| "dumb".into()),
        )
        .env("container", "nixunits")
        .status()
        .with_context(|| format!("cannot run {} in {id}", argv[0]))?;
    if let Some(sig) = status.signal() {
        bail!("{} was killed by signal {sig}", argv[0]);
    }
    Ok(status.code().unwrap_or(1))
}
