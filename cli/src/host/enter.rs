//! `nixunits nsenter|shell <id> [-- CMD…]`: run a command in a running
//! container, no stronger than the container's own processes.
//!
//! A process that merely joins a container's namespaces keeps the caller's
//! capability bounding set and no seccomp filter (util-linux `nsenter`
//! behaves so). Here the process joins the namespaces of the container's
//! init (the leader from `machinectl`), becomes root of its user namespace,
//! then takes on the leader's restrictions, read from the leader itself
//! rather than kept in a list: its five capability sets (bounding,
//! permitted, effective, inheritable, ambient, from `/proc/<leader>/status`),
//! no-new-privileges, and its seccomp filters, each one, dumped with
//! `PTRACE_SECCOMP_GET_FILTER` and installed in the same order. A filter
//! that cannot be read is an error: nothing is entered with a weaker one.

use std::fs::File;

use anyhow::{bail, Context, Result};
use nix::sched::{setns, CloneFlags};
use nixunits_store::{ContainerId, StateDir};

use super::systemd;

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

/// The capability sets of a process, from `/proc/<pid>/status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct CapSets {
    bounding: u64,
    permitted: u64,
    effective: u64,
    inheritable: u64,
    ambient: u64,
}

fn cap_sets(pid: u32) -> Result<CapSets> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("cannot read /proc/{pid}/status"))?;
    let field = |name: &str| -> Result<u64> {
        let v = status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .map(str::trim)
            .with_context(|| format!("no {name} in /proc/{pid}/status"))?;
        u64::from_str_radix(v, 16).with_context(|| format!("{name} {v:?}"))
    };
    Ok(CapSets {
        bounding: field("CapBnd:")?,
        permitted: field("CapPrm:")?,
        effective: field("CapEff:")?,
        inheritable: field("CapInh:")?,
        ambient: field("CapAmb:")?,
    })
}

fn caps_of(bits: u64) -> caps::CapsHashSet {
    caps::all()
        .into_iter()
        .filter(|c| bits & (1u64 << c.index()) != 0)
        .collect()
}

/// Gives this process exactly the sets of `want` (it is root of the
/// joined user namespace, with every capability there, until now).
fn take_caps(want: CapSets) -> Result<()> {
    for cap in caps::all() {
        if want.bounding & (1u64 << cap.index()) == 0 {
            caps::drop(None, caps::CapSet::Bounding, cap)
                .with_context(|| format!("dropping {cap}"))?;
        }
    }
    caps::set(None, caps::CapSet::Inheritable, &caps_of(want.inheritable)).context("CapInh")?;
    // Effective before permitted: it may only hold permitted ones.
    caps::set(
        None,
        caps::CapSet::Effective,
        &caps_of(want.effective & want.permitted),
    )
    .context("CapEff")?;
    caps::set(None, caps::CapSet::Permitted, &caps_of(want.permitted)).context("CapPrm")?;
    caps::set(None, caps::CapSet::Effective, &caps_of(want.effective)).context("CapEff")?;
    caps::clear(None, caps::CapSet::Ambient).context("CapAmb")?;
    for cap in caps_of(want.ambient) {
        caps::raise(None, caps::CapSet::Ambient, cap).with_context(|| format!("ambient {cap}"))?;
    }
    Ok(())
}

/// The seccomp filters of process `pid`, oldest first: the tracee is
/// seized, stopped for the time of the dump (microseconds) and released.
fn seccomp_filters(pid: u32) -> Result<Vec<seccompiler::BpfProgram>> {
    use nix::sys::ptrace;
    use nix::sys::wait::{waitpid, WaitPidFlag};
    let p = nix::unistd::Pid::from_raw(pid as i32);
    ptrace::seize(p, ptrace::Options::empty()).with_context(|| {
        format!("cannot trace the container's init ({pid}) to read its system-call filter")
    })?;
    let dumped = ptrace::interrupt(p)
        .context("PTRACE_INTERRUPT")
        .and_then(|()| {
            waitpid(p, Some(WaitPidFlag::__WALL)).context("waiting for the init to stop")
        })
        .and_then(|_| dump_filters(pid));
    let _ = ptrace::detach(p, None);
    let mut filters = dumped?;
    if filters.is_empty() {
        bail!("the container's init ({pid}) has no system-call filter: refusing to enter a container that is not confined");
    }
    // Index 0 is the newest.
    filters.reverse();
    Ok(filters)
}

/// `PTRACE_SECCOMP_GET_FILTER` for each filter of a stopped tracee.
fn dump_filters(pid: u32) -> Result<Vec<seccompiler::BpfProgram>> {
    const PTRACE_SECCOMP_GET_FILTER: libc::c_uint = 0x420c;
    let mut out = Vec::new();
    for index in 0usize.. {
        // SAFETY: with a null buffer the kernel only returns the length;
        // with a buffer, it writes that many `sock_filter`s (8 bytes, the
        // layout seccompiler's `#[repr(C)]` struct has) and no more.
        #[allow(unsafe_code)]
        let len = unsafe {
            libc::ptrace(
                PTRACE_SECCOMP_GET_FILTER,
                pid as libc::pid_t,
                index,
                std::ptr::null_mut::<libc::c_void>(),
            )
        };
        if len < 0 {
            let e = std::io::Error::last_os_error();
            if e.raw_os_error() == Some(libc::ENOENT) {
                break;
            }
            return Err(e).with_context(|| {
                format!("cannot read filter {index} of the container's init ({pid}) (PTRACE_SECCOMP_GET_FILTER needs CAP_SYS_ADMIN and a kernel with CONFIG_CHECKPOINT_RESTORE)")
            });
        }
        let mut prog = vec![
            seccompiler::sock_filter {
                code: 0,
                jt: 0,
                jf: 0,
                k: 0
            };
            len as usize
        ];
        #[allow(unsafe_code)]
        // SAFETY: `prog` holds `len` instructions, as many as the kernel
        // said filter `index` has; the tracee is stopped, so it cannot
        // change.
        let got = unsafe {
            libc::ptrace(
                PTRACE_SECCOMP_GET_FILTER,
                pid as libc::pid_t,
                index,
                prog.as_mut_ptr().cast::<libc::c_void>(),
            )
        };
        if got != len {
            bail!("filter {index} of the container's init changed size while read");
        }
        out.push(prog);
    }
    Ok(out)
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
    nixunits_store::state::env_value(&conf, "SYSTEM_PATH")
}

/// Runs `command` in the container; returns its exit code.
pub fn run(state: &StateDir, id: &ContainerId, command: &[String]) -> Result<i32> {
    let pid = systemd::leader(id, std::time::Duration::ZERO)?;
    // Read from the leader before joining anything (its PID is the host's).
    let sets = cap_sets(pid)?;
    let filters = seccomp_filters(pid)?;
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

    // The leader's restrictions: its capability sets, no new privileges
    // (the container always runs with it), then its filters, oldest
    // first, as the kernel stacks them.
    take_caps(sets)?;
    nix::sys::prctl::set_no_new_privs().context("no_new_privs")?;
    for f in &filters {
        seccompiler::apply_filter(f).context("installing the container's system-call filter")?;
    }

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
    // A child, so that it is inside the joined PID namespace; a Ctrl-C is
    // the child's to take.
    crate::base::signals::leave_to_child();
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
    Ok(crate::base::proc::shell_code(status))
}

/// Runs `command` in the container from a child process, `nixunits
/// nsenter` itself, so that this process stays outside the container
/// (joining its namespaces and taking on its restrictions cannot be
/// undone) and can remove it afterwards (`run`). Its exit code; 128 + N
/// for a command killed by signal N, as shells say.
pub fn spawn(state: &StateDir, id: &ContainerId, command: &[String]) -> Result<i32> {
    let exe = crate::base::proc::this_exe()?;
    let status = std::process::Command::new(exe)
        .arg("--state-dir")
        .arg(state.root())
        .arg("nsenter")
        .arg(id.as_str())
        .arg("--")
        .args(command)
        .status()
        .with_context(|| format!("cannot enter {id}"))?;
    Ok(crate::base::proc::shell_code(status))
}

/// `nsenter -n`: `command` (default: the caller's shell) in the container's
/// network namespace only: host root, the host's mount namespace and
/// tools, for looking at the container's links, addresses, routes and
/// sockets. Nothing of the container's confinement applies: this is the
/// host administrator's view, as `ip netns exec` gives.
pub fn run_in_network(id: &ContainerId, command: &[String]) -> Result<i32> {
    let pid = systemd::leader(id, std::time::Duration::ZERO)?;
    let ns = File::open(format!("/proc/{pid}/ns/net"))
        .with_context(|| format!("cannot open the network namespace of {id}'s init ({pid})"))?;
    setns(&ns, CloneFlags::CLONE_NEWNET)
        .with_context(|| format!("cannot join {id}'s network namespace"))?;
    let argv = if command.is_empty() {
        vec![std::env::var("SHELL").unwrap_or_else(|_| "/bin/sh".into())]
    } else {
        command.to_vec()
    };
    crate::base::signals::leave_to_child();
    let status = std::process::Command::new(&argv[0])
        .args(&argv[1..])
        .status()
        .with_context(|| format!("cannot run {}", argv[0]))?;
    Ok(crate::base::proc::shell_code(status))
}
