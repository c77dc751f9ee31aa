//! Fleet chaos (issue 21, item 2): `apply` from a controller to three
//! booted systemd hosts while their links lose and delay packets, a host's
//! state directory fills, an SSH connection is cut in the middle of a copy
//! or an install, and a host reboots (cleanly, or its power is cut) in the
//! middle of the apply. Seeded rounds, each a change of the fleet:
//!
//! - the apply under faults ends, and every host is either converged (it
//!   runs exactly the fleet's containers on the fleet's systems) or
//!   reported failed with its previous containers running, each on a whole
//!   generation that is its previous or its new system, never half
//!   installed (a container without a live generation, or stopped);
//! - once the faults clear, applying again converges every host.
//!
//! Loss and delay live in the test's own network namespace, on the
//! bridge's port to each host (the kernel here has no `netem`): nftables'
//! `numgen random` drops a share of the frames both ways, and a token
//! bucket (`tbf`) queues what is sent to the host. The hosts' state
//! directories are tmpfs mounted outside them (they survive a reboot, and
//! fill without filling anything else).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::fleet::{apply_script, prepare, text, write};
use crate::host::{sh_in, Host, Lan};
use crate::soak::{no_leftover_processes, settle, StateFs};

/// The hosts the fleet targets: B, C, D on the LAN (A is the controller).
const TARGETS: [(&str, &str); 3] = [("b", "10.78.0.2"), ("c", "10.78.0.3"), ("d", "10.78.0.4")];

#[derive(Debug, Clone)]
pub struct ChaosConfig {
    pub seed: u64,
    pub rounds: u64,
    /// Stop starting rounds after this many seconds.
    pub seconds: u64,
}

impl ChaosConfig {
    pub fn from_env(rounds: u64, seconds: u64, seed: u64) -> ChaosConfig {
        let get = |n: &str| std::env::var(n).ok().and_then(|v| v.parse().ok());
        ChaosConfig {
            seed: get("NIXUNITS_CHAOS_SEED").unwrap_or(seed),
            rounds: get("NIXUNITS_CHAOS_ROUNDS").unwrap_or(rounds),
            seconds: get("NIXUNITS_CHAOS_SECONDS").unwrap_or(seconds),
        }
    }
}

/// What a chaos run did.
#[derive(Debug, Default)]
pub struct ChaosReport {
    pub rounds: u64,
    /// Faults injected (events that happened, link faults by kind).
    pub faults: BTreeMap<String, u64>,
    /// Events that found nothing to strike (no copy to cut, say).
    pub missed: BTreeMap<String, u64>,
    /// Host outcomes of the applies under faults.
    pub converged: u64,
    pub failed: u64,
    /// Applies under faults that exited 0 / 1.
    pub apply_secs: Vec<f64>,
    pub reapply_secs: Vec<f64>,
}

struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n.max(1)
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// What happens to one host in the middle of a round's apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Event {
    /// Its state directory fills once its install has begun.
    Fill,
    /// The SSH connection of the copy to it is cut (the sshd child on the
    /// host, or `nix copy` on the controller).
    CutCopy { controller: bool },
    /// The SSH connection of its install is cut.
    CutInstall { controller: bool },
    /// It reboots during its copy (or install): cleanly, or a power cut.
    Reboot { during_install: bool, power: bool },
}

impl Event {
    fn name(self) -> String {
        match self {
            Event::Fill => "state directory full during the install".into(),
            Event::CutCopy { controller } => format!(
                "SSH cut mid-copy ({})",
                if controller {
                    "nix copy killed"
                } else {
                    "sshd child killed"
                }
            ),
            Event::CutInstall { controller } => format!(
                "SSH cut mid-install ({})",
                if controller {
                    "ssh killed"
                } else {
                    "sshd child killed"
                }
            ),
            Event::Reboot {
                during_install,
                power,
            } => format!(
                "{} mid-{}",
                if power { "power cut" } else { "reboot" },
                if during_install { "install" } else { "copy" }
            ),
        }
    }
}

/// A container as a host lists it: active, out path.
type Seen = BTreeMap<String, (bool, String)>;

fn list(h: &Host) -> Result<Seen, String> {
    let out = h.nixunits("list --json");
    if !out.status.success() {
        return Err(format!("list --json: {}", text(&out)));
    }
    let v: Vec<Value> =
        serde_json::from_slice(&out.stdout).map_err(|e| format!("list --json: {e}"))?;
    Ok(v.iter()
        .map(|s| {
            (
                s["id"].as_str().unwrap_or("").to_owned(),
                (
                    s["activeState"] == "active",
                    s["outPath"].as_str().unwrap_or("").to_owned(),
                ),
            )
        })
        .collect())
}

/// Every container of the host whole: one live generation that matches
/// its stamp and is what `list` says; a running one runs it; no nixunits
/// or Nix process left over.
fn whole(h: &Host, name: &str) -> Result<Seen, String> {
    settle(h).map_err(|e| format!("{name}: {e}"))?;
    no_leftover_processes(h).map_err(|e| format!("{name}: {e}"))?;
    let seen = list(h)?;
    for (id, (active, out)) in &seen {
        let g = h.nixunits(&format!("generations {id} --json"));
        let gens: Vec<Value> = serde_json::from_slice(&g.stdout)
            .map_err(|e| format!("{name}: generations {id}: {e}: {}", text(&g)))?;
        let live: Vec<&Value> = gens.iter().filter(|g| g["live"] == true).collect();
        if live.len() != 1 || live[0]["ok"] != true {
            return Err(format!(
                "{name}: {id} is half installed (its generations: {gens:?})"
            ));
        }
        if live[0]["outPath"].as_str() != Some(out.as_str()) {
            return Err(format!(
                "{name}: {id}: list says {out}, generations {}",
                live[0]
            ));
        }
        if *active {
            let ran = h.ok(&format!(
                "cat /run/nixunits/{id}.running 2>/dev/null || true"
            ));
            if ran.trim() != out {
                return Err(format!(
                    "{name}: {id} runs {:?}, its live generation is {out}",
                    ran.trim()
                ));
            }
        }
    }
    Ok(seen)
}

/// The systems the fleet wants, by container id (from `apply --json`).
fn wanted(json: &Value) -> BTreeMap<String, String> {
    let mut w = BTreeMap::new();
    for s in json["systems"].as_array().into_iter().flatten() {
        if let Some(out) = s["outPath"].as_str() {
            for c in s["containers"].as_array().into_iter().flatten() {
                w.insert(c.as_str().unwrap_or("").to_owned(), out.to_owned());
            }
        }
    }
    w
}

/// A host runs exactly the fleet's containers on the fleet's systems.
fn converged(name: &str, seen: &Seen, want: &BTreeMap<String, String>) -> Result<(), String> {
    let got: BTreeSet<&String> = seen.keys().collect();
    let wanted: BTreeSet<&String> = want.keys().collect();
    if got != wanted {
        return Err(format!(
            "{name}: reported converged with {got:?}, the fleet has {wanted:?}"
        ));
    }
    for (id, (active, out)) in seen {
        if !active || want.get(id) != Some(out) {
            return Err(format!(
                "{name}: reported converged but {id} is {} on {out}, the fleet wants {:?}",
                if *active { "active" } else { "not active" },
                want.get(id)
            ));
        }
    }
    Ok(())
}

/// A host reported failed: what ran before runs still, each on its
/// previous or its new system; what is new is whole and runs, or is not
/// there.
fn failed_but_whole(
    name: &str,
    before: &Seen,
    seen: &Seen,
    want: &BTreeMap<String, String>,
) -> Result<(), String> {
    for (id, (was_active, was)) in before {
        match seen.get(id) {
            None if !want.contains_key(id) => {} // removed, as the fleet asks
            None => return Err(format!("{name}: {id} ran before the apply and is gone")),
            Some((active, out)) => {
                if *was_active && !active {
                    return Err(format!(
                        "{name}: {id} ran before the apply and does not now"
                    ));
                }
                if out != was && want.get(id) != Some(out) {
                    return Err(format!(
                        "{name}: {id} is on {out}: neither its previous {was} nor the fleet's {:?}",
                        want.get(id)
                    ));
                }
            }
        }
    }
    for (id, (active, out)) in seen {
        if before.contains_key(id) {
            continue;
        }
        if !active || want.get(id) != Some(out) {
            return Err(format!(
                "{name}: {id}, new, is half installed: {} on {out} (the fleet wants {:?})",
                if *active { "active" } else { "not active" },
                want.get(id)
            ));
        }
    }
    Ok(())
}

fn fleet_toml(web: u64) -> String {
    let hosts: String = TARGETS
        .iter()
        .map(|(n, a)| format!("[hosts.{n}]\ntarget = \"root@{a}\"\n"))
        .collect();
    let names: Vec<String> = TARGETS.iter().map(|(n, _)| format!("\"{n}\"")).collect();
    format!(
        "name = \"chaos\"\njobs = 3\n{hosts}\
         [containers.web]\nsnippet = \"web.nix\"\nhosts = [{h}]\ncount = {web}\n\
         [containers.db]\nsnippet = \"db.nix\"\nhosts = [{h}]\nids = [\"db-1\", \"db-2\"]\n",
        h = names.join(", ")
    )
}

/// Waits until `script` (run in `h`) prints something, or `done()`;
/// returns what it printed.
fn wait_for(leader: u32, script: &str, done: &dyn Fn() -> bool, limit: Duration) -> Option<String> {
    let start = Instant::now();
    while start.elapsed() < limit {
        let o = sh_in(leader, script);
        let s = String::from_utf8_lossy(&o.stdout).trim().to_owned();
        if !s.is_empty() {
            return Some(s);
        }
        if done() {
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

/// Strikes `event` on host `h` (index `k` on the LAN) while the apply runs
/// on the controller `a`; returns whether it happened.
fn strike(
    event: Event,
    a: u32,
    h: &mut Host,
    k: usize,
    state: &Path,
    done: &dyn Fn() -> bool,
    lan: &Lan,
) -> bool {
    let addr = TARGETS[k - 1].1;
    let limit = Duration::from_secs(240);
    // `[n]`: the pattern must not find the shell that runs pgrep.
    let copying = "pgrep -f '[n]ix-store --serve' | head -n 1";
    let installing = "pgrep -f '[n]ixunits fleet-install' | head -n 1";
    match event {
        Event::Fill => {
            if wait_for(h.leader, installing, done, limit).is_none() {
                return false;
            }
            let _ = std::process::Command::new("dd")
                .arg("if=/dev/zero")
                .arg(format!("of={}", state.join("fill").display()))
                .arg("bs=64k")
                .stderr(std::process::Stdio::null())
                .status();
            true
        }
        Event::CutCopy { controller } | Event::CutInstall { controller } => {
            let there = if matches!(event, Event::CutCopy { .. }) {
                copying
            } else {
                installing
            };
            let Some(pid) = wait_for(h.leader, there, done, limit) else {
                return false;
            };
            if controller {
                let what = if matches!(event, Event::CutCopy { .. }) {
                    format!("pgrep -f '[c]opy --to ssh://root@{addr}'")
                } else {
                    format!("pgrep -f '[r]oot@{addr} -- nixunits fleet-install'")
                };
                let o = sh_in(
                    a,
                    &format!("for p in $({what}); do kill -9 $p && echo $p; done"),
                );
                !String::from_utf8_lossy(&o.stdout).trim().is_empty()
            } else {
                // The sshd child serving the command: its parent (or the
                // parent of the shell that runs it).
                let o = h.sh(&format!(
                    "p={pid}; for i in 1 2 3; do p=$(ps -o ppid= -p $p | tr -d ' '); \
                     case \"$(cat /proc/$p/cmdline 2>/dev/null | tr '\\0' ' ')\" in sshd:*) kill -9 $p && echo $p; break;; esac; done"
                ));
                !String::from_utf8_lossy(&o.stdout).trim().is_empty()
            }
        }
        Event::Reboot {
            during_install,
            power,
        } => {
            let there = if during_install { installing } else { copying };
            if wait_for(h.leader, there, done, limit).is_none() {
                return false;
            }
            if power {
                h.power_cycle();
            } else {
                h.reboot();
            }
            lan.join(h, k, addr);
            h.ok("systemctl start ssh");
            true
        }
    }
}

/// The run: boots the controller and the three hosts, applies a first
/// fleet, then `rounds` rounds of change under faults, each checked and
/// then re-applied without faults and checked converged. Panics on the
/// first violation, with the seed and what the apply said.
pub fn chaos(cfg: &ChaosConfig) -> (String, ChaosReport) {
    let scratch = tempfile::tempdir().unwrap();
    let mut rng = Rng(cfg.seed.max(1));
    let mut report = ChaosReport::default();
    eprintln!(
        "chaos: seed NIXUNITS_CHAOS_SEED={}, {} rounds",
        cfg.seed, cfg.rounds
    );
    let states: Vec<StateFs> = TARGETS
        .iter()
        .map(|(n, _)| StateFs::mount(&scratch.path().join(format!("state-{n}"))))
        .collect();
    let mut hosts: Vec<Host> = std::thread::scope(|s| {
        let a = s.spawn(Host::boot);
        let targets: Vec<_> = TARGETS
            .iter()
            .zip(&states)
            .map(|((n, _), st)| {
                let dir = scratch.path().join(format!("host-{n}"));
                let bind = format!("--bind={}:/var/lib/nixunits", st.dir.display());
                s.spawn(move || Host::boot_persistent_with(&dir, vec![bind]))
            })
            .collect();
        std::iter::once(a.join().unwrap())
            .chain(targets.into_iter().map(|t| t.join().unwrap()))
            .collect()
    });
    let lan = Lan::new();
    lan.join(&hosts[0], 0, "10.78.0.1");
    for (k, (_, addr)) in TARGETS.iter().enumerate() {
        lan.join(&hosts[k + 1], k + 1, addr);
    }
    hosts[0].ok("mkdir -p /root/.ssh && ssh-keygen -q -t ed25519 -N '' -f /root/.ssh/id_ed25519");
    let key = hosts[0].ok("cat /root/.ssh/id_ed25519.pub");
    for h in &hosts {
        prepare(h, &key);
        h.ok("systemctl enable --quiet ssh");
    }
    let a = hosts[0].leader;
    let mut version = (0u64, 0u64, 2u64);
    let write_fleet = |hosts: &[Host], v: (u64, u64, u64)| {
        write(
            &hosts[0],
            "/root/fleet/web.nix",
            &format!("{{ nixunitsTest.marker = \"web-{}\"; }}", v.0),
        );
        write(
            &hosts[0],
            "/root/fleet/db.nix",
            &format!("{{ nixunitsTest.marker = \"db-{}\"; }}", v.1),
        );
        write(&hosts[0], "/root/fleet/fleet.toml", &fleet_toml(v.2));
    };
    let apply = |leader: u32| -> (Output, f64) {
        let t = Instant::now();
        let out = sh_in(leader, &apply_script("--json"));
        (out, t.elapsed().as_secs_f64())
    };
    let fail = |what: String, round: u64, said: &str| -> ! {
        panic!(
            "chaos: VIOLATION in round {round}: {what}\nchaos: seed NIXUNITS_CHAOS_SEED={}\nchaos: the apply said:\n{said}",
            cfg.seed
        )
    };
    write_fleet(&hosts, version);
    let (out, _) = apply(a);
    assert_eq!(
        out.status.code(),
        Some(0),
        "the first apply: {}",
        text(&out)
    );
    let started = Instant::now();
    for round in 1..=cfg.rounds {
        if started.elapsed().as_secs() > cfg.seconds {
            break;
        }
        // The fleet changes: a snippet, or the number of web containers.
        match rng.below(3) {
            0 => version.0 += 1,
            1 => version.1 += 1,
            _ => version.2 = 1 + (version.2 + rng.below(2)) % 3,
        }
        if rng.chance(30) {
            version.0 += 1;
        }
        write_fleet(&hosts, version);
        let before: Vec<Seen> = hosts[1..]
            .iter()
            .enumerate()
            .map(|(i, h)| whole(h, TARGETS[i].0).unwrap_or_else(|e| fail(e, round, "")))
            .collect();
        // Links: loss and delay on some.
        let mut links = Vec::new();
        for k in 1..=TARGETS.len() {
            let loss = [0, 0, 3, 8, 15][rng.below(5) as usize];
            let kbit = [0, 0, 800, 4000][rng.below(4) as usize];
            lan.degrade(k, loss, kbit);
            if loss > 0 {
                *report.faults.entry("link loss".into()).or_default() += 1;
            }
            if kbit > 0 {
                *report
                    .faults
                    .entry("link delay (rate limit)".into())
                    .or_default() += 1;
            }
            links.push(format!("{}: loss {loss}%, {kbit} kbit/s", TARGETS[k - 1].0));
        }
        let victim = 1 + rng.below(TARGETS.len() as u64) as usize;
        let event = match rng.below(5) {
            0 => None,
            1 => Some(Event::Fill),
            2 => Some(Event::CutCopy {
                controller: rng.chance(50),
            }),
            3 => Some(Event::CutInstall {
                controller: rng.chance(50),
            }),
            _ => Some(Event::Reboot {
                during_install: rng.chance(50),
                power: rng.chance(50),
            }),
        };
        eprintln!(
            "chaos: round {round}: fleet web-{} db-{} ×{}; {}; {}",
            version.0,
            version.1,
            version.2,
            links.join(", "),
            event.map_or_else(
                || "no event".to_owned(),
                |e| format!("{} on {}", e.name(), TARGETS[victim - 1].0)
            )
        );
        let finished = std::sync::atomic::AtomicBool::new(false);
        let (applied, struck) = std::thread::scope(|s| {
            let finished = &finished;
            let run = s.spawn(move || {
                let r = apply(a);
                finished.store(true, std::sync::atomic::Ordering::SeqCst);
                r
            });
            let (_, rest) = hosts.split_at_mut(victim);
            let h = &mut rest[0];
            let state = states[victim - 1].dir.clone();
            let lan = &lan;
            let struck = event.map(|e| {
                strike(
                    e,
                    a,
                    h,
                    victim,
                    &state,
                    &|| finished.load(std::sync::atomic::Ordering::SeqCst),
                    lan,
                )
            });
            (run.join().unwrap(), struck)
        });
        let (out, secs) = applied;
        report.apply_secs.push(secs);
        if let (Some(e), Some(hit)) = (event, struck) {
            let tally = if hit {
                &mut report.faults
            } else {
                &mut report.missed
            };
            *tally.entry(e.name()).or_default() += 1;
        }
        let said = text(&out);
        // The faults clear.
        for k in 1..=TARGETS.len() {
            lan.heal(k);
        }
        let _ = std::fs::remove_file(states[victim - 1].dir.join("fill"));
        if matches!(event, Some(Event::Reboot { .. })) && struck == Some(true) {
            // A host that came back announced itself while its link lost
            // frames: announced again, and the controller's stale
            // neighbour entry dropped (a real LAN recovers the same way,
            // only slower than an SSH connect timeout).
            let addr = TARGETS[victim - 1].1;
            hosts[victim].ok(&format!("busybox arping -U -c 2 -I lan0 {addr} >/dev/null"));
            hosts[0].ok(&format!("ip neigh flush to {addr}"));
        }
        let code = out.status.code();
        if !matches!(code, Some(0 | 1)) {
            fail(format!("apply exit {code:?}"), round, &said);
        }
        let json: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| fail(format!("apply --json printed no JSON: {e}"), round, &said));
        let want = wanted(&json);
        for (i, h) in hosts[1..].iter().enumerate() {
            let name = TARGETS[i].0;
            let ok = json["hosts"][i]["ok"] == true;
            let seen = whole(h, name).unwrap_or_else(|e| fail(e, round, &said));
            let r = if ok {
                report.converged += 1;
                converged(name, &seen, &want)
            } else {
                report.failed += 1;
                failed_but_whole(name, &before[i], &seen, &want)
            };
            if let Err(e) = r {
                fail(e, round, &said);
            }
        }
        if code == Some(0) && json["converged"] != true {
            fail("exit 0 but not converged".into(), round, &said);
        }
        // Applying again, with the faults gone, converges every host.
        let (again, secs) = apply(a);
        report.reapply_secs.push(secs);
        let said = text(&again);
        if again.status.code() != Some(0) {
            fail(
                format!(
                    "the apply after the faults cleared did not converge (exit {:?})",
                    again.status.code()
                ),
                round,
                &said,
            );
        }
        let json: Value = serde_json::from_slice(&again.stdout).unwrap();
        let want = wanted(&json);
        for (i, h) in hosts[1..].iter().enumerate() {
            let seen = whole(h, TARGETS[i].0).unwrap_or_else(|e| fail(e, round, &said));
            if let Err(e) = converged(TARGETS[i].0, &seen, &want) {
                fail(e, round, &said);
            }
        }
        report.rounds += 1;
    }
    let median = |v: &[f64]| {
        let mut v = v.to_vec();
        v.sort_by(f64::total_cmp);
        v.get(v.len() / 2).copied().unwrap_or(0.0)
    };
    let range = |v: &[f64]| {
        let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = v.iter().copied().fold(0.0, f64::max);
        format!("{lo:.1}–{hi:.1}")
    };
    let said = format!(
        "chaos: seed {}: {} rounds; host outcomes under faults: {} converged, {} reported failed; every re-apply converged; violations 0\n\
         chaos: apply under faults {:.1} s median ({} s), re-apply {:.1} s median ({} s)\n\
         chaos: faults {:?}\nchaos: events that found nothing to strike {:?}",
        cfg.seed,
        report.rounds,
        report.converged,
        report.failed,
        median(&report.apply_secs),
        range(&report.apply_secs),
        median(&report.reapply_secs),
        range(&report.reapply_secs),
        report.faults,
        report.missed
    );
    drop(hosts);
    drop(states);
    (said, report)
}
