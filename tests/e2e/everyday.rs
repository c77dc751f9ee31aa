//! Everyday use on a booted host: `nixunits run` (a container for one
//! command, removed on every exit path: the command's end or failure,
//! Ctrl-C, SIGTERM, and `kill -9` at random points, whose leftovers the
//! next command removes — never a live run's) and `nixunits doctor` (every
//! piece a host needs, each removed in turn and named).

use serde_json::Value;

use crate::host::Host;
use crate::{step, Rng};

const NIX_PROGRAMS: &[&str] = &["nix-build", "nix-instantiate", "nix-store", "nix"];

/// Counts every Nix program's runs in /run/nix-calls.
fn count_nix(h: &Host) {
    for p in NIX_PROGRAMS {
        h.ok(&format!(
            "printf '#!/bin/sh\\necho \"{p} $*\" >> /run/nix-calls\\nexec /usr/bin/{p} \"$@\"\\n' > /usr/local/bin/{p} && chmod +x /usr/local/bin/{p}"
        ));
    }
}

fn nix_builds(h: &Host) -> usize {
    h.ok("cat /run/nix-calls 2>/dev/null; rm -f /run/nix-calls")
        .lines()
        .filter(|l| l.starts_with("nix-build"))
        .count()
}

/// The command line of `nixunits run ARGS`, as `Host::nixunits` runs it.
fn run_cmd(args: &str) -> String {
    format!(
        "env NIX_PATH=nixpkgs=/opt/nixunits-src/tests/fake-nixpkgs nixunits \
         --nix-dir /opt/nixunits-src/nix run {args}"
    )
}

/// Nothing of any run is left: state, locks, units, machines, nftables
/// tables, veths, GC roots, drop-ins, files of a start.
fn assert_nothing_left(h: &Host, what: &str) {
    let left = h.ok("cd /var/lib/nixunits; \
         ls -d containers/run-* runs/*.lock locks/run-* 2>/dev/null; \
         systemctl list-units --all --plain --no-legend 'nixunits@run-*' 'nixunits-ports-run-*' \
           | grep -v ' inactive ' ; \
         machinectl list --no-legend | grep ' run-' ; \
         nft list tables 2>/dev/null | grep nixunits-run- ; \
         ip -o link | grep -o 've-run[^:@]*' ; \
         for r in /nix/var/nix/gcroots/auto/*; do t=$(readlink \"$r\"); \
           case \"$t\" in */containers/run-*) [ -e \"$t\" ] && echo \"root $t\";; esac; done; \
         ls -d /etc/systemd/system/nixunits@run-* /run/nixunits/run-* 2>/dev/null; true");
    assert_eq!(left.trim(), "", "{what}: left behind");
}

/// A snippet whose build takes a second, different each time (a miss).
fn slow(marker: &str) -> String {
    format!("'{{ nixunitsTest.buildSeconds = 1; nixunitsTest.marker = \"{marker}\"; }}'")
}

#[test]
fn run() {
    let h = Host::boot();
    let mut rng = Rng::seeded();
    h.nixunits_ok("install");
    count_nix(&h);

    step("run: the command runs inside, confined as the container, and its output is run's");
    let out = h.sh(&run_cmd(
        "-cc '{ nixunitsTest.marker = \"run\"; }' -6 -- sh -c 'echo inside; id -u; grep -E \"^(NoNewPrivs|Seccomp):\" /proc/self/status; ip -o addr show host0'",
    ));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[..2], ["inside", "0"], "{stdout}");
    assert!(
        stdout.contains("NoNewPrivs:\t1") && stdout.contains("Seccomp:\t2"),
        "{stdout}"
    );
    let id = stderr
        .split_whitespace()
        .find(|w| w.starts_with("run-"))
        .unwrap()
        .trim_end_matches(':')
        .to_owned();
    assert!(
        stdout.contains("host0") && stdout.contains("fc00::"),
        "-6 gave it its veth: {stdout}"
    );
    assert_eq!(nix_builds(&h), 1);
    assert_nothing_left(&h, "after a command that succeeded");

    step("run again: the same container id, a cache hit");
    let out = h.sh(&run_cmd(
        "-cc '{ nixunitsTest.marker = \"run\"; }' -6 -- sh -c 'echo again'",
    ));
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains(&id));
    assert_eq!(nix_builds(&h), 0, "the second run builds nothing");
    assert_nothing_left(&h, "after the second run");

    step("run: the command's failure is run's exit status (128 + N for a signal N), a failed build 1; nothing left");
    for (what, args, code) in [
        (
            "a command that failed",
            "-cc '{ nixunitsTest.marker = \"run\"; }' -- sh -c 'exit 7'",
            7,
        ),
        // As shells say (nsenter said 1).
        (
            "a command a signal ended",
            "-cc '{ nixunitsTest.marker = \"run\"; }' -- sh -c 'kill -TERM $$'",
            143,
        ),
        (
            "a failed build",
            "-cc '{ nixunitsTest.failBuild = true; nixunitsTest.marker = \"fails\"; }' -- true",
            1,
        ),
    ] {
        let out = h.sh(&run_cmd(args));
        assert_eq!(
            out.status.code(),
            Some(code),
            "{what}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_nothing_left(&h, &format!("after {what}"));
    }

    step("run: Ctrl-C (SIGINT to the terminal's process group) during the command and during the build");
    for (what, snippet, delay) in [
        (
            "the command",
            "'{ nixunitsTest.marker = \"run\"; }'".to_owned(),
            "2",
        ),
        ("the build", slow("ctrl-c"), "0.5"),
    ] {
        // Its own session and process group, as a terminal's foreground
        // job has (setsid forks when it must: the group is the shell's $$).
        let code = h.ok(&format!(
            "rm -f /tmp/pgid; setsid -w sh -c 'echo $$ > /tmp/pgid; exec {}' >/dev/null 2>&1 & pid=$!; \
             sleep {delay}; kill -INT -$(cat /tmp/pgid); wait $pid; echo $?",
            run_cmd(&format!("-cc {snippet} -- sleep 30")).replace('\'', "'\\''")
        ));
        assert_eq!(code.trim(), "130", "Ctrl-C during {what}");
        assert_nothing_left(&h, &format!("after Ctrl-C during {what}"));
    }

    step("run: SIGTERM to nixunits alone, during the command and during the build");
    for (what, snippet, delay) in [
        (
            "the command",
            "'{ nixunitsTest.marker = \"run\"; }'".to_owned(),
            "2",
        ),
        ("the build", slow("term"), "0.5"),
    ] {
        let code = h.ok(&format!(
            "{} >/dev/null 2>&1 & pid=$!; sleep {delay}; kill -TERM $pid; wait $pid; echo $?",
            run_cmd(&format!("-cc {snippet} -- sleep 30"))
        ));
        assert_eq!(code.trim(), "143", "SIGTERM during {what}");
        assert_nothing_left(&h, &format!("after SIGTERM during {what}"));
    }

    step("run: a live run is never removed by another nixunits command");
    let code = h.ok(&format!(
        "{} >/tmp/live.out 2>&1 & pid=$!; sleep 2; \
         {} list >/dev/null 2>&1; {} list --json > /tmp/list.json; wait $pid; echo $?",
        run_cmd("-cc '{ nixunitsTest.marker = \"live\"; }' -- sh -c 'sleep 3; echo survived'"),
        "env NIX_PATH=nixpkgs=/opt/nixunits-src/tests/fake-nixpkgs nixunits",
        "nixunits",
    ));
    assert_eq!(code.trim(), "0", "{}", h.ok("cat /tmp/live.out"));
    assert!(h.ok("cat /tmp/live.out").contains("survived"));
    let listed: Value = serde_json::from_str(&h.ok("cat /tmp/list.json")).unwrap();
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"].as_str().is_some_and(|i| i.starts_with("run-"))
                && c["activeState"] == "active"),
        "the live run was listed running: {listed}"
    );
    assert_nothing_left(&h, "after the live run");

    step("run: 20 runs killed with SIGKILL at a random point; the next command removes what each left");
    let mut outcomes = std::collections::BTreeMap::<String, u32>::new();
    for round in 0..20 {
        let delay = rng.below(5000);
        let what = format!("SIGKILL round {round} after {delay} ms");
        let out = h.ok(&format!(
            "{} >/dev/null 2>&1 & pid=$!; sleep {}.{:03}; kill -KILL $pid 2>/dev/null; \
             wait $pid; echo $?",
            run_cmd(&format!(
                "-cc {} -6 -- sleep 2",
                slow(&format!("kill-{round}"))
            )),
            delay / 1000,
            delay % 1000
        ));
        *outcomes.entry(format!("exit {}", out.trim())).or_default() += 1;
        let next = h.nixunits_ok("list --json");
        serde_json::from_str::<Value>(&next).unwrap();
        assert_nothing_left(&h, &what);
    }
    eprintln!("e2e: run: SIGKILL outcomes {outcomes:?}");
    assert!(
        outcomes.get("exit 137").copied().unwrap_or(0) > 0,
        "some rounds killed a live run: {outcomes:?}"
    );
}

/// `doctor --json` as a map check → (status, what); and its exit code.
fn doctor(h: &Host, env: &str) -> (std::collections::BTreeMap<String, (String, String)>, i32) {
    let out = h.sh(&format!(
        "{env} nixunits --nix-dir /opt/nixunits-src/nix doctor --json"
    ));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "doctor --json: {e}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let map = v
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["check"].as_str().unwrap().to_owned(),
                (
                    c["status"].as_str().unwrap().to_owned(),
                    format!("{} — {}", c["what"], c["fix"]),
                ),
            )
        })
        .collect();
    (map, out.status.code().unwrap_or(-1))
}

const FAKE_NIXPKGS: &str = "NIX_PATH=nixpkgs=/opt/nixunits-src/tests/fake-nixpkgs";

#[test]
fn doctor_names_what_is_missing() {
    let h = Host::boot();
    step("doctor before install: the template unit is missing (exit 1)");
    let (checks, code) = doctor(&h, FAKE_NIXPKGS);
    assert_eq!(code, 1, "{checks:?}");
    assert_eq!(checks["template"].0, "missing", "{checks:?}");

    step("doctor after install: nothing missing, exit 0; every line ok or warn with its fix");
    h.nixunits_ok("install");
    let (checks, code) = doctor(&h, FAKE_NIXPKGS);
    let missing: Vec<_> = checks.iter().filter(|(_, (s, _))| s == "missing").collect();
    assert!(missing.is_empty(), "{missing:?}");
    assert_eq!(code, 0);
    for c in [
        "systemd",
        "nspawn",
        "machinectl",
        "userns",
        "ip",
        "nft",
        "link-veth",
        "link-bridge",
        "nix",
        "nix-daemon",
        "store",
        "nixpkgs",
        "state",
        "template",
    ] {
        assert_eq!(checks[c].0, "ok", "{c}: {:?}", checks[c]);
    }
    assert_eq!(
        checks["schema"].0, "warn",
        "no schema yet: {:?}",
        checks["schema"]
    );
    let human = h.ok(&format!(
        "{FAKE_NIXPKGS} nixunits --nix-dir /opt/nixunits-src/nix doctor"
    ));
    assert_eq!(
        human.lines().count(),
        checks.len(),
        "one line per check:\n{human}"
    );
    for l in human.lines() {
        assert!(
            l.starts_with("ok ") || (l.starts_with("warn ") && l.contains(" — fix: ")),
            "{l}"
        );
    }

    // Each piece removed in turn: doctor names it, exit 1; then put back.
    let pieces: &[(&str, &str, &str, &str)] = &[
        (
            "the template unit",
            "template",
            "rm /etc/systemd/system/nixunits@.service && systemctl daemon-reload",
            "nixunits install >/dev/null",
        ),
        (
            "nft",
            "nft",
            "mv /usr/sbin/nft /usr/sbin/nft.off",
            "mv /usr/sbin/nft.off /usr/sbin/nft",
        ),
        (
            "systemd-nspawn",
            "nspawn",
            "mv /usr/bin/systemd-nspawn /usr/bin/systemd-nspawn.off",
            "mv /usr/bin/systemd-nspawn.off /usr/bin/systemd-nspawn",
        ),
        (
            "Nix",
            "nix",
            "mv /usr/bin/nix-build /usr/bin/nix-build.off",
            "mv /usr/bin/nix-build.off /usr/bin/nix-build",
        ),
        (
            "the state directory's write permission (mounted read-only: root ignores modes)",
            "state",
            "mkdir -p /var/lib/nixunits && mount --bind /var/lib/nixunits /var/lib/nixunits \
             && mount -o remount,bind,ro /var/lib/nixunits",
            "umount /var/lib/nixunits",
        ),
        (
            "a writable store",
            "store",
            "mount --bind /nix/store /nix/store && mount -o remount,bind,ro /nix/store",
            "umount /nix/store",
        ),
    ];
    for (what, check, remove, restore) in pieces {
        step(&format!("doctor: without {what}"));
        h.ok(remove);
        let (checks, code) = doctor(&h, FAKE_NIXPKGS);
        h.ok(restore);
        assert_eq!(code, 1, "without {what}: {checks:?}");
        assert_eq!(checks[*check].0, "missing", "without {what}: {checks:?}");
        let others: Vec<_> = checks
            .iter()
            .filter(|(c, (s, _))| s == "missing" && c != check)
            .collect();
        assert!(
            others.is_empty(),
            "without {what}, only {check} is missing: {others:?}"
        );
        let (_, code) = doctor(&h, FAKE_NIXPKGS);
        assert_eq!(code, 0, "{what} put back");
    }

    step("doctor: warnings do not fail it — machines.target disabled, no nixpkgs");
    h.ok("systemctl disable machines.target 2>/dev/null || true");
    let (checks, code) = doctor(&h, "env -u NIX_PATH");
    assert_eq!(code, 0, "{checks:?}");
    assert_eq!(checks["machines-target"].0, "warn", "{checks:?}");
    assert_eq!(checks["nixpkgs"].0, "warn", "{checks:?}");
    assert!(
        checks["nixpkgs"].1.contains("NIX_PATH"),
        "{:?}",
        checks["nixpkgs"]
    );
}
