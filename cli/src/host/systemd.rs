//! Every call of systemd's programs goes through here.

use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};
use nixunits_store::ContainerId;

use crate::base::proc::stdout_of;

/// The unit of a container.
pub fn unit_name(id: &ContainerId) -> String {
    format!("nixunits@{id}.service")
}

/// Whether a quiet `systemctl` question (`is-active`, `is-enabled`) is
/// answered yes.
fn systemctl_says_yes(args: &[&str]) -> bool {
    Command::new("systemctl")
        .args(args)
        .arg("--quiet")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Whether the container's unit is active.
pub fn is_active(id: &ContainerId) -> bool {
    systemctl_says_yes(&["is-active", &unit_name(id)])
}

/// Whether the container's unit is enabled (started at boot).
pub fn is_enabled(id: &ContainerId) -> bool {
    systemctl_says_yes(&["is-enabled", &unit_name(id)])
}

/// Whether each container's unit is enabled, in one `systemctl
/// is-enabled` (it answers a line per unit, in order).
pub fn enabled(ids: &[ContainerId]) -> Vec<bool> {
    if ids.is_empty() {
        return Vec::new();
    }
    let units: Vec<String> = ids.iter().map(unit_name).collect();
    let answer = Command::new("systemctl")
        .arg("is-enabled")
        .args(&units)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    let lines: Vec<&str> = answer.lines().map(str::trim).collect();
    if lines.len() == ids.len() {
        lines.iter().map(|l| *l == "enabled").collect()
    } else {
        ids.iter().map(is_enabled).collect()
    }
}

/// What [`apply`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Nothing asked, or nothing needed.
    None,
    /// Started (it was not running).
    Started,
    /// Restarted (the result changed).
    Restarted,
    /// Switched in place (`update`: switch-to-configuration inside).
    Switched,
}

impl Action {
    /// For output.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::None => "unchanged",
            Action::Started => "started",
            Action::Restarted => "restarted",
            Action::Switched => "switched in place",
        }
    }
}

/// `-s` / `-r` after a build: start the unit when it is not running;
/// with `restart`, restart it when it runs something else than the live
/// generation (`stale`). The one place `build` touches systemd.
pub fn apply(id: &ContainerId, start: bool, restart: bool, stale: bool) -> Result<Action> {
    if !start && !restart {
        return Ok(Action::None);
    }
    if !is_active(id) {
        control("start", id)?;
        return Ok(Action::Started);
    }
    if restart && stale {
        control("restart", id)?;
        return Ok(Action::Restarted);
    }
    Ok(Action::None)
}

/// Restarts the unit when it runs and runs something else than the live
/// generation (`stale`); never starts it.
pub fn restart_if_stale(id: &ContainerId, stale: bool) -> Result<Action> {
    if stale && is_active(id) {
        control("restart", id)?;
        return Ok(Action::Restarted);
    }
    Ok(Action::None)
}

/// Why a unit is not active, in systemd's words: its `Result`, the main
/// process's status, and its last lines of log.
fn failure_reason(id: &ContainerId) -> String {
    let unit = unit_name(id);
    let props = [
        "ActiveState",
        "SubState",
        "Result",
        "ExecMainCode",
        "ExecMainStatus",
    ];
    let shown = show_units(std::slice::from_ref(&unit), &props)
        .ok()
        .and_then(|mut v| v.pop())
        .unwrap_or_default();
    // The unit's last lines of log say which step failed and why (prepare,
    // systemd-nspawn, network-up): the reason, not only where to look.
    let log = Command::new("journalctl")
        .args(["--no-pager", "-o", "cat", "-n", "12", "-u", &unit])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim_end().to_owned());
    describe_failure(&unit, &shown, log.as_deref())
}

/// [`failure_reason`]'s text from what systemd showed and logged.
fn describe_failure(
    unit: &str,
    shown: &std::collections::BTreeMap<String, String>,
    log: Option<&str>,
) -> String {
    let mut said: Vec<String> = ["ActiveState", "SubState", "Result"]
        .iter()
        .filter_map(|p| Some(format!("{p}={}", shown.get(*p).filter(|v| !v.is_empty())?)))
        .collect();
    // ExecMainCode is a CLD_* code: 1 exited (the status is an exit
    // status), 2 killed and 3 dumped (the status is a signal number); 0:
    // no systemd-nspawn has ended yet.
    if let Some(status) = shown.get("ExecMainStatus").filter(|s| !s.is_empty()) {
        match shown.get("ExecMainCode").map(String::as_str) {
            Some("2" | "3") => {
                said.push(format!(
                    "the last systemd-nspawn was killed by signal {status}"
                ));
            }
            Some("1") => said.push(format!(
                "the last systemd-nspawn exited with status {status}"
            )),
            Some("0") => {}
            _ => said.push(format!("ExecMainStatus={status}")),
        }
    }
    let said = if said.is_empty() {
        "systemd says nothing more".to_owned()
    } else {
        said.join(", ")
    };
    match log.map(str::trim_end).filter(|l| !l.is_empty()) {
        Some(log) => format!("{said}; its last lines of log (`journalctl -u {unit}`):\n{log}"),
        None => format!("{said}; see `journalctl -u {unit}`"),
    }
}

fn systemctl(args: &[&str]) -> Result<()> {
    stdout_of(
        Command::new("systemctl").args(args),
        &format!("systemctl {}", args.join(" ")),
    )?;
    Ok(())
}

/// Where unit drop-ins go: `/etc/systemd/system`, or
/// `$NIXUNITS_SYSTEMD_DIR`.
pub fn unit_dir() -> std::path::PathBuf {
    std::env::var_os("NIXUNITS_SYSTEMD_DIR")
        .map_or_else(|| "/etc/systemd/system".into(), Into::into)
}

/// The drop-in holding a container's resource limits.
pub fn resources_drop_in(id: &ContainerId) -> std::path::PathBuf {
    unit_dir()
        .join(format!("{}.d", unit_name(id)))
        .join("50-nixunits-resources.conf")
}

/// Writes (or removes) the resource-limit drop-in of a container; when it
/// changed, reloads systemd so that a running unit gets the new limits.
pub fn apply_resources(id: &ContainerId, lines: &[String]) -> Result<bool> {
    let path = resources_drop_in(id);
    let want = if lines.is_empty() {
        None
    } else {
        Some(format!(
            "# Written by nixunits build from the unit description.\n[Service]\n{}\n",
            lines.join("\n")
        ))
    };
    let have = std::fs::read_to_string(&path).ok();
    if have == want {
        return Ok(false);
    }
    match &want {
        Some(text) => {
            if let Some(d) = path.parent() {
                std::fs::create_dir_all(d)
                    .with_context(|| format!("cannot create {}", d.display()))?;
            }
            nixunits_store::state::atomic_write(&path, text.as_bytes())?;
        }
        None => {
            std::fs::remove_file(&path)
                .with_context(|| format!("cannot remove {}", path.display()))?;
            if let Some(d) = path.parent() {
                let _ = std::fs::remove_dir(d);
            }
        }
    }
    daemon_reload()?;
    Ok(true)
}

/// `systemctl start|stop|restart` of a container's unit. A start or
/// restart must leave the unit active: otherwise an error with systemd's
/// reason (exit 1).
pub fn control(verb: &str, id: &ContainerId) -> Result<()> {
    if verb != "stop" {
        // An operator's start is not part of a crash loop: forget the
        // count of automatic restarts (and a start-limit-hit).
        let _ = systemctl(&["reset-failed", &unit_name(id)]);
    }
    let ran = systemctl(&[verb, &unit_name(id)]);
    if verb == "stop" {
        return ran;
    }
    if ran.is_ok() && is_active(id) {
        return Ok(());
    }
    if restarted_by_systemd(id, std::time::Duration::from_secs(15)) {
        return Ok(());
    }
    let reason = failure_reason(id);
    let msg = format!("{} did not become active: {reason}", unit_name(id));
    match ran {
        Err(e) => Err(e.context(msg)),
        Ok(()) => Err(anyhow::anyhow!(msg)),
    }
}

/// Whether a start that failed is followed, within `wait`, by systemd's
/// own start again (`Restart=on-failure`, after `RestartSec`) that makes
/// the unit active. A start can fail for a passing reason: systemd 252
/// (Debian bookworm) cannot always attach a control process of a
/// delegated unit to its cgroup on a restart (`status=219/CGROUP`,
/// EBUSY: systemd issue 41278, fixed in 2026), and the next start works.
/// `false` as soon as systemd stops trying (failed, inactive).
fn restarted_by_systemd(id: &ContainerId, wait: std::time::Duration) -> bool {
    let start = std::time::Instant::now();
    loop {
        let shown = show_units(&[unit_name(id)], &["ActiveState", "SubState"])
            .ok()
            .and_then(|mut v| v.pop())
            .unwrap_or_default();
        let state = shown.get("ActiveState").map_or("", String::as_str);
        let sub = shown.get("SubState").map_or("", String::as_str);
        if state == "active" {
            return true;
        }
        if state != "activating" && sub != "auto-restart" {
            return false;
        }
        if start.elapsed() > wait {
            return false;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}

/// The unit's `ActiveState` (`active`, `activating`, `inactive`, …;
/// empty when systemd does not say).
pub fn active_state(id: &ContainerId) -> String {
    show_units(&[unit_name(id)], &["ActiveState"])
        .ok()
        .and_then(|mut v| v.pop())
        .and_then(|mut m| m.remove("ActiveState"))
        .unwrap_or_default()
}

/// Forgets a failed unit's state (`systemctl reset-failed`); a unit that
/// never ran or is not failed is no error.
pub fn reset_failed(id: &ContainerId) {
    let _ = systemctl(&["reset-failed", &unit_name(id)]);
}

/// `enable|disable <id>`: start the container at boot (through
/// `machines.target`, itself enabled when it is not), or not.
pub fn enable(id: &ContainerId, on: bool) -> Result<()> {
    if on {
        if !systemctl_says_yes(&["is-enabled", "machines.target"]) {
            systemctl(&["enable", "machines.target"])?;
        }
        systemctl(&["enable", &unit_name(id)])
    } else {
        systemctl(&["disable", &unit_name(id)])
    }
}

/// `systemctl daemon-reload`.
pub fn daemon_reload() -> Result<()> {
    systemctl(&["daemon-reload"])
}

/// Properties of several units, in one `systemctl show`: one map per unit,
/// in the order given.
pub fn show_units(
    units: &[String],
    props: &[&str],
) -> Result<Vec<std::collections::BTreeMap<String, String>>> {
    if units.is_empty() {
        return Ok(Vec::new());
    }
    let out = stdout_of(
        Command::new("systemctl")
            .arg("show")
            .arg(format!("--property={}", props.join(",")))
            .args(units),
        "systemctl show",
    )?;
    Ok(parse_blocks(&out))
}

/// `KEY=value` blocks separated by blank lines (systemctl/machinectl show).
pub fn parse_blocks(text: &str) -> Vec<std::collections::BTreeMap<String, String>> {
    text.split("\n\n")
        .filter(|b| !b.trim().is_empty())
        .map(|b| {
            b.lines()
                .filter_map(|l| l.split_once('='))
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect()
        })
        .collect()
}

/// The PID of the container's init (`machinectl show -p Leader`), waiting
/// up to `wait` for the machine to register.
pub fn leader(id: &ContainerId, wait: std::time::Duration) -> Result<u32> {
    leader_while(id, wait, || true)
}

/// [`leader`], giving up early once `alive` says the container's
/// systemd-nspawn is gone (a payload that died at once never registers).
pub fn leader_while(
    id: &ContainerId,
    wait: std::time::Duration,
    alive: impl Fn() -> bool,
) -> Result<u32> {
    let start = std::time::Instant::now();
    loop {
        let out = Command::new("machinectl")
            .args(["show", "--property=Leader", "--value", id.as_str()])
            .stdin(Stdio::null())
            .output()
            .context("cannot run machinectl")?;
        if out.status.success() {
            if let Ok(pid) = String::from_utf8_lossy(&out.stdout).trim().parse::<u32>() {
                if pid > 0 {
                    return Ok(pid);
                }
            }
        }
        if !alive() {
            bail!("container {id} stopped while it was starting (its systemd-nspawn exited)");
        }
        if start.elapsed() >= wait {
            bail!(
                "container {id} is not running (machinectl knows no machine {id}: {})",
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// Waits until machined no longer knows machine `id`. A registration
/// whose leader is dead is dropped at once (`UnregisterMachine`): a
/// systemd-nspawn killed with SIGKILL never unregisters, and machined
/// keeps its machine while the unit restarts (it never becomes inactive);
/// terminating it from here is refused, the caller being that unit
/// ("Resource deadlock avoided"). A machine whose leader lives is
/// terminated after half of `wait`.
pub fn wait_machine_gone(id: &ContainerId, wait: std::time::Duration) -> Result<()> {
    let start = std::time::Instant::now();
    let mut terminated = false;
    let mut unregistered = false;
    loop {
        let shown = Command::new("machinectl")
            .args(["show", "--property=Leader", "--value", id.as_str()])
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .output();
        let leader = match shown {
            Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).trim().to_owned(),
            _ => return Ok(()),
        };
        let alive = leader
            .parse::<u32>()
            .is_ok_and(|p| p > 0 && std::path::Path::new("/proc").join(p.to_string()).exists());
        if !alive && !unregistered {
            let _ = Command::new("busctl")
                .args([
                    "call",
                    "org.freedesktop.machine1",
                    "/org/freedesktop/machine1",
                    "org.freedesktop.machine1.Manager",
                    "UnregisterMachine",
                    "s",
                    id.as_str(),
                ])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
            unregistered = true;
            continue;
        }
        if start.elapsed() > wait {
            bail!("machine {id} from an earlier run is still registered after {wait:?}");
        }
        if !terminated && start.elapsed() > wait / 2 {
            let _ = Command::new("machinectl")
                .args(["terminate", id.as_str()])
                .stdin(Stdio::null())
                .status();
            terminated = true;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// Runs machinectl with the given arguments, its output going straight
/// to ours; returns its exit code.
pub fn machinectl_passthrough(args: &[std::ffi::OsString]) -> Result<i32> {
    let status = Command::new("machinectl")
        .args(args)
        .status()
        .context("cannot run machinectl")?;
    Ok(status.code().unwrap_or(1))
}

/// `logs <id> [-f] [-n N]`: the container's own journal when it keeps one
/// (`journalctl -M` while it runs, through machined; its root's
/// `/var/log/journal` when stopped), else its unit's log on the host
/// (start, stop, what the payload printed on its console). Returns
/// journalctl's exit code.
pub fn logs(
    state: &nixunits_store::StateDir,
    id: &ContainerId,
    follow: bool,
    lines: Option<u32>,
) -> Result<i32> {
    let mut cmd = Command::new("journalctl");
    cmd.arg("--no-pager");
    let root = state.container(id).root();
    // A journal of its own: a journal file in `<dir>/<machine-id>/`
    // (systemd-nspawn may leave the directories without one).
    let has_journal_files = |dir: std::path::PathBuf| {
        std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .any(|m| {
                std::fs::read_dir(m.path())
                    .into_iter()
                    .flatten()
                    .flatten()
                    .any(|f| f.file_name().to_string_lossy().ends_with(".journal"))
            })
    };
    let own_journal = |base: &std::path::Path| {
        ["var/log/journal", "run/log/journal"]
            .iter()
            .any(|d| has_journal_files(base.join(d)))
    };
    match leader(id, std::time::Duration::ZERO) {
        Ok(pid)
            if own_journal(
                &std::path::Path::new("/proc")
                    .join(pid.to_string())
                    .join("root"),
            ) =>
        {
            cmd.arg(format!("--machine={id}"));
        }
        _ if has_journal_files(root.join("var/log/journal")) => {
            cmd.arg(format!(
                "--directory={}",
                root.join("var/log/journal").display()
            ));
        }
        _ => {
            cmd.arg(format!("--unit={}", unit_name(id)));
        }
    }
    if follow {
        cmd.arg("--follow");
    }
    if let Some(n) = lines {
        cmd.arg(format!("--lines={n}"));
    }
    let status = cmd.status().context("cannot run journalctl")?;
    Ok(status.code().unwrap_or(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_is_described_with_its_log() {
        let shown: std::collections::BTreeMap<String, String> = [
            ("ActiveState", "activating"),
            ("SubState", "auto-restart"),
            ("Result", "exit-code"),
            ("ExecMainCode", "2"),
            ("ExecMainStatus", "9"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let text = describe_failure(
            "nixunits@pg.service",
            &shown,
            Some("prepare: cannot write /run/nixunits/pg.env\n"),
        );
        assert_eq!(
            text,
            "ActiveState=activating, SubState=auto-restart, Result=exit-code, the last \
             systemd-nspawn was killed by signal 9; its last lines of log (`journalctl -u \
             nixunits@pg.service`):\nprepare: cannot write /run/nixunits/pg.env"
        );
        let mut exited = shown.clone();
        exited.insert("ExecMainCode".into(), "1".into());
        assert!(describe_failure("u", &exited, None)
            .contains("the last systemd-nspawn exited with status 9; see `journalctl -u u`"));
        exited.insert("ExecMainCode".into(), "0".into());
        assert!(!describe_failure("u", &exited, Some("  \n")).contains("status"));
        assert_eq!(
            describe_failure("u", &Default::default(), None),
            "systemd says nothing more; see `journalctl -u u`"
        );
    }
}
