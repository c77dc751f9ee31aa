//! Soak (issue 21, item 1): one booted systemd host, up to a few hundred
//! containers of the fake payload, a seeded random mix of operations run
//! several at a time, faults injected at random points, and the
//! invariants checked after every batch of operations. The first
//! violation stops the run with the seed and the operation log.
//!
//! Operations: `build` (with `-r`, `-s` or neither; a snippet shared with
//! others, a new one, a slow one, one whose build fails), `update` (with
//! a snippet, or to the live generation), `rollback`, `start`, `stop`,
//! `restart`, `enable`, `disable`, `delete`, `apply` (a local fleet of
//! its own containers) and `nix-store --gc`. Faults: `kill -9` of the
//! command's nixunits, of any nixunits process (a hook systemd runs
//! included), of a container's `systemd-nspawn`, of a container's init;
//! the state directory full (a small tmpfs); the Nix daemon stopped (the
//! operations that use it are run with `NIX_REMOTE=daemon`; root's use
//! the store directly); a slow `nix-build` (a wrapper that sleeps first);
//! a reboot of the host (the CI run once, a long run at each chunk).
//!
//! The invariants (checked after every batch; the whole host, a GC of the
//! store and `cache verify` every `full_every` batches and at the end):
//! - every container's live generation is whole (stamp, out path and files
//!   agree: `generations --json` says `ok`), and `status --json`,
//!   `list --json` and `generations --json` name the same generation and
//!   out path as the files do;
//! - a running container runs that generation (as its start recorded it,
//!   and its init's command line or its in-place switch say), has its
//!   veth, its nftables table and its port proxy; a stopped or deleted one
//!   has no nftables table, no port proxy, no veth left on the host, and
//!   no unit runs for a container that does not exist;
//! - no generation's GC root points at nothing, and after `nix-store --gc`
//!   every store path of every generation's closure is there; `cache
//!   verify` succeeds, keeps only entries whose system is in the store, and
//!   the cache was never set aside;
//! - no process of nixunits (the port proxies aside) or of Nix outlives its
//!   command; no lock is held once every command has ended;
//! - an operation fails only when a fault could make it fail, with an
//!   error that names the cause (a full disk: the disk), and is bad usage
//!   (exit 2) only when the model says so; nothing panics;
//! - after a reboot, the enabled containers run and the others do not;
//!   a deleted container leaves no unit enabled.

use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::host::{sh_in, Host};

const STATE: &str = "/var/lib/nixunits";
const FLEET_DIR: &str = "/root/soak-fleet";
const FLEET: &str = "soak";
/// The size of the state directory's tmpfs.
const STATE_SIZE: &str = "96m";

/// What a run does: its seed and bounds.
#[derive(Debug, Clone)]
pub struct Config {
    pub seed: u64,
    /// Stop after this many operations…
    pub ops: u64,
    /// …or this many seconds (of this chunk).
    pub seconds: u64,
    /// Containers `s0`…: at most this many.
    pub containers: usize,
    /// At most this many operations at once.
    pub parallel: usize,
    /// The whole host checked (and the store collected) every this many
    /// batches.
    pub full_every: u64,
    /// Reboot the host after this many batches (once).
    pub reboot_after: Option<u64>,
    /// A run in chunks: the host's disk, the state directory and the
    /// progress live here between them.
    pub dir: Option<PathBuf>,
}

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

impl Config {
    /// The CI run: a few hundred operations on 16 containers, one reboot.
    pub fn ci() -> Config {
        Config {
            seed: env_u64("NIXUNITS_SOAK_SEED").unwrap_or(21),
            ops: env_u64("NIXUNITS_SOAK_OPS").unwrap_or(300),
            seconds: env_u64("NIXUNITS_SOAK_SECONDS").unwrap_or(480),
            containers: env_u64("NIXUNITS_SOAK_CONTAINERS").unwrap_or(16) as usize,
            parallel: env_u64("NIXUNITS_SOAK_PARALLEL").unwrap_or(4) as usize,
            full_every: env_u64("NIXUNITS_SOAK_FULL_EVERY").unwrap_or(20),
            reboot_after: Some(env_u64("NIXUNITS_SOAK_REBOOT_AFTER").unwrap_or(60)),
            dir: None,
        }
    }

    /// A run as `scripts/soak` asks for it (environment variables).
    pub fn from_env() -> Config {
        let ci = Config::ci();
        Config {
            seed: env_u64("NIXUNITS_SOAK_SEED").unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos() as u64
                    | 1
            }),
            reboot_after: env_u64("NIXUNITS_SOAK_REBOOT_AFTER"),
            dir: std::env::var_os("NIXUNITS_SOAK_DIR").map(PathBuf::from),
            ..ci
        }
    }
}

/// xorshift64*, its state saved between chunks.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len() as u64) as usize]
    }
}

/// How a container is networked (fixed by its number, so that addresses
/// never collide).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Net {
    Private,
    Veth,
    /// A published port (an nftables table) and a firewall.
    Ports,
    /// A loopback port (a proxy unit).
    Loopback,
}

fn net_of(id: &str) -> Net {
    match id.strip_prefix('s').and_then(|n| n.parse::<usize>().ok()) {
        Some(n) => [Net::Private, Net::Veth, Net::Ports, Net::Loopback][n % 4],
        None => Net::Private,
    }
}

fn net_args(id: &str, rng: &mut Rng) -> String {
    let n: usize = id
        .strip_prefix('s')
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let veth = format!("--ip6 fd5a:{n:x}::2/64 --host-ip6 fd5a:{n:x}::1/64");
    // A change of the unit description alone (same system): a restart.
    let extra = if rng.chance(15) {
        " --allow-in tcp:8080"
    } else {
        ""
    };
    match net_of(id) {
        Net::Private => String::new(),
        Net::Veth => format!("{veth}{extra}"),
        Net::Ports => format!(
            "{veth} --port tcp:{}:80 --allow-in tcp:80{extra}",
            20000 + n
        ),
        Net::Loopback => format!("{veth} --port 'tcp:[::1]:{}:80'{extra}", 30000 + n),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Build,
    Update,
    Rollback,
    Start,
    Stop,
    Restart,
    Enable,
    Disable,
    Delete,
    Apply,
    Gc,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Build => "build",
            Kind::Update => "update",
            Kind::Rollback => "rollback",
            Kind::Start => "start",
            Kind::Stop => "stop",
            Kind::Restart => "restart",
            Kind::Enable => "enable",
            Kind::Disable => "disable",
            Kind::Delete => "delete",
            Kind::Apply => "apply",
            Kind::Gc => "gc",
        }
    }
}

/// What the model expects of an operation run alone, without faults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Ok,
    /// Exit 2: the container does not exist, nothing to roll back to.
    Usage,
    /// Exit 1: the snippet's build fails.
    Fails,
}

#[derive(Debug, Clone)]
struct Op {
    n: u64,
    kind: Kind,
    /// The container (none for `apply` and `gc`).
    id: Option<String>,
    /// The command line inside the host.
    script: String,
    /// What a log line shows.
    shown: String,
    expect: Expect,
    /// Run with NIX_REMOTE=daemon.
    daemon: bool,
    /// Leaves a running container on an older generation when it succeeds
    /// (`build` without `-r`).
    leaves_stale: bool,
}

#[derive(Debug, Clone)]
enum Fault {
    /// kill -9 of the nixunits of operation `op` (its index in the batch).
    KillOp {
        op: usize,
        ms: u64,
    },
    /// kill -9 of any nixunits process but the port proxies.
    KillAny {
        ms: u64,
    },
    KillNspawn {
        id: String,
        ms: u64,
    },
    KillInit {
        id: String,
        ms: u64,
    },
    FullDisk {
        ms: u64,
    },
    DaemonStopped,
    SlowBuild {
        secs: u64,
    },
}

impl Fault {
    fn name(&self) -> &'static str {
        match self {
            Fault::KillOp { .. } => "kill -9 nixunits (the command)",
            Fault::KillAny { .. } => "kill -9 nixunits (any process)",
            Fault::KillNspawn { .. } => "kill -9 systemd-nspawn",
            Fault::KillInit { .. } => "kill -9 a container's init",
            Fault::FullDisk { .. } => "state directory full",
            Fault::DaemonStopped => "Nix daemon stopped",
            Fault::SlowBuild { .. } => "slow nix-build",
        }
    }
}

/// What the run knows of a container, synced from the host after every
/// batch (what the invariants have just held true).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Known {
    exists: bool,
    active: bool,
    /// Whole generations, and the live one.
    generations: Vec<u64>,
    live: Option<u64>,
    /// May run an older generation than the live one (a `build` without
    /// `-r`, an operation cut short).
    stale_ok: bool,
}

/// Progress kept between the chunks of a long run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Progress {
    pub seed: u64,
    pub rng: Rng,
    pub ops: u64,
    pub batches: u64,
    /// Seconds spent in the chunks so far.
    pub seconds: f64,
    /// Seconds spent running operations (not checking).
    pub op_seconds: f64,
    pub by_kind: BTreeMap<String, u64>,
    pub by_exit: BTreeMap<String, u64>,
    pub faults: BTreeMap<String, u64>,
    pub peak_memory: u64,
    pub max_containers: usize,
    pub reboots: u64,
    pub fleet_count: u64,
    pub stale_ok: BTreeSet<String>,
    pub violations: u64,
    pub done: bool,
}

/// The run's record: counters and the operation log.
struct Run {
    cfg: Config,
    p: Progress,
    log: Vec<String>,
    log_file: Option<PathBuf>,
    known: BTreeMap<String, Known>,
}

impl Run {
    fn say(&mut self, line: String) {
        if let Some(f) = &self.log_file {
            use std::io::Write;
            if let Ok(mut f) = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(f)
            {
                let _ = writeln!(f, "{line}");
            }
        }
        if std::env::var_os("NIXUNITS_SOAK_VERBOSE").is_some() {
            eprintln!("{line}");
        }
        self.log.push(line);
    }

    /// Stops the run: the violation, the seed and the operation log.
    fn violation(&mut self, what: &str, h: &Host) -> ! {
        self.p.violations += 1;
        self.save();
        let tail: Vec<&String> = self.log.iter().rev().take(400).collect();
        let mut log = String::new();
        for l in tail.into_iter().rev() {
            log.push_str(l);
            log.push('\n');
        }
        let ps = h.sh("ps -eo pid,ppid,stat,args | grep -v ' \\[' | tail -n 80");
        // The host's journal of nixunits' units, what a failed start says.
        let journal = h.sh(
            "journalctl --no-pager -o short-monotonic -n 120 -u 'nixunits@*' -u 'nixunits-ports-*' 2>&1",
        );
        if let Some(secs) = env_u64("NIXUNITS_SOAK_PAUSE") {
            eprintln!(
                "soak: violation: {what}\nsoak: the host stays up {secs} s: nsenter --target={} --all",
                h.leader
            );
            std::thread::sleep(Duration::from_secs(secs));
        }
        panic!(
            "soak: VIOLATION after {} operations ({} batches): {what}\n\
             soak: seed NIXUNITS_SOAK_SEED={} (NIXUNITS_SOAK_CONTAINERS={} NIXUNITS_SOAK_PARALLEL={})\n\
             soak: the operation log (last 400 lines{}):\n{log}\n\
             soak: processes on the host:\n{}\n\
             soak: the journal of nixunits' units (last 120 lines):\n{}",
            self.p.ops,
            self.p.batches,
            self.p.seed,
            self.cfg.containers,
            self.cfg.parallel,
            self.log_file
                .as_ref()
                .map(|f| format!("; all of it in {}", f.display()))
                .unwrap_or_default(),
            String::from_utf8_lossy(&ps.stdout),
            String::from_utf8_lossy(&journal.stdout)
        );
    }

    fn save(&mut self) {
        self.p.stale_ok = self
            .known
            .iter()
            .filter(|(_, k)| k.stale_ok)
            .map(|(id, _)| id.clone())
            .collect();
        if let Some(dir) = &self.cfg.dir {
            let _ = std::fs::write(
                dir.join("progress.json"),
                serde_json::to_string_pretty(&self.p).unwrap(),
            );
        }
    }
}

/// The state directory: a tmpfs outside the host (it outlives the host
/// between chunks and reboots), bound in at /var/lib/nixunits.
pub struct StateFs {
    pub dir: PathBuf,
    /// Unmount when done (the CI run, or a long run that finished).
    own: bool,
}

impl StateFs {
    pub fn mount(dir: &Path) -> StateFs {
        std::fs::create_dir_all(dir).unwrap();
        let mounted = std::fs::read_to_string("/proc/self/mountinfo")
            .unwrap()
            .lines()
            .any(|l| l.split(' ').nth(4) == Some(dir.to_str().unwrap()));
        if !mounted {
            let ok = std::process::Command::new("mount")
                .args([
                    "-t",
                    "tmpfs",
                    "-o",
                    &format!("size={STATE_SIZE},mode=0755"),
                    "tmpfs",
                ])
                .arg(dir)
                .status()
                .unwrap();
            assert!(ok.success(), "cannot mount the state directory's tmpfs");
        }
        StateFs {
            dir: dir.to_path_buf(),
            own: true,
        }
    }

    fn used(&self) -> u64 {
        let out = std::process::Command::new("df")
            .args(["-B1", "--output=used"])
            .arg(&self.dir)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .nth(1)
            .and_then(|l| l.trim().parse().ok())
            .unwrap_or(0)
    }
}

impl Drop for StateFs {
    fn drop(&mut self) {
        if self.own {
            let _ = std::process::Command::new("umount")
                .arg("--lazy")
                .arg(&self.dir)
                .status();
        }
    }
}

/// The memory of the host: the proportional set size of every process
/// below its init (containers included), and its state directory's tmpfs.
fn host_memory(h: &Host, state: &StateFs) -> u64 {
    let mut parent: BTreeMap<u32, u32> = BTreeMap::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // The field after the command name (which may hold spaces).
        let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else {
            continue;
        };
        if let Some(ppid) = rest.split_whitespace().nth(1).and_then(|p| p.parse().ok()) {
            parent.insert(pid, ppid);
        }
    }
    let below = |mut p: u32| -> bool {
        for _ in 0..64 {
            if p == h.leader {
                return true;
            }
            match parent.get(&p) {
                Some(&q) if q != 0 && q != p => p = q,
                _ => return false,
            }
        }
        false
    };
    let mut pss = 0u64;
    for &pid in parent.keys() {
        if !below(pid) {
            continue;
        }
        if let Ok(t) = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")) {
            pss += t
                .lines()
                .find_map(|l| l.strip_prefix("Pss:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
                .unwrap_or(0)
                * 1024;
        }
    }
    pss + state.used()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Exit code, or `sig N`.
fn exit_of(o: &Output) -> String {
    match (o.status.code(), o.status.signal()) {
        (Some(c), _) => c.to_string(),
        (None, Some(s)) => format!("sig{s}"),
        _ => "?".into(),
    }
}

/// Prepares the host: nixunits installed, Nix's daemon configured as root
/// uses the store (offline), the nix-build wrapper that sleeps when told,
/// the fleet's directory.
fn prepare(h: &Host) {
    h.nixunits_ok("install");
    h.ok(&format!(
        "printf 'substituters =\\nsandbox = false\\nbuild-users-group =\\n' > /etc/nix/nix.conf \
         && systemctl restart nix-daemon.socket && systemctl stop nix-daemon.service; \
         mkdir -p /run/soak {FLEET_DIR} && \
         printf '#!/bin/sh\\n# soak: a slow nix-build when /run/soak/slow says so\\n\
if [ -s /run/soak/slow ]; then trap \"exit 143\" TERM; sleep \"$(cat /run/soak/slow)\" & wait $!; fi\\n\
exec /usr/bin/nix-build \"$@\"\\n' > /usr/local/bin/nix-build && chmod +x /usr/local/bin/nix-build"
    ));
}

fn snippet(marker: &str, extra: &str) -> String {
    format!("'{{ nixunitsTest.marker = \"{marker}\";{extra} }}'")
}

/// The command line of operation `n`: its pid recorded, then nixunits.
fn op_script(n: u64, daemon: bool, args: &str) -> String {
    format!(
        "echo $$ > /run/soak/op-{n}.pid; exec env NIX_PATH=nixpkgs=/opt/nixunits-src/tests/fake-nixpkgs{} \
         nixunits --nix-dir /opt/nixunits-src/nix {args}",
        if daemon { " NIX_REMOTE=daemon" } else { "" }
    )
}

/// The containers of the run: `s0`…, and the fleet's `fa-1`….
fn ids(cfg: &Config) -> Vec<String> {
    (0..cfg.containers).map(|i| format!("s{i}")).collect()
}

/// One operation, chosen by the seed from what the model knows.
fn choose(run: &mut Run, rng: &mut Rng, n: u64, taken: &BTreeSet<String>) -> (Op, Option<String>) {
    let all = ids(&run.cfg);
    // Mostly a container no other operation of the batch touches.
    let mut id = rng.pick(&all).clone();
    for _ in 0..8 {
        if !taken.contains(&id) || rng.chance(8) {
            break;
        }
        id = rng.pick(&all).clone();
    }
    let fleet_ids: Vec<String> = run
        .known
        .iter()
        .filter(|(k, v)| k.starts_with("fa-") && v.exists)
        .map(|(k, _)| k.clone())
        .collect();
    let roll = rng.below(100);
    let known = run.known.get(&id).cloned().unwrap_or_default();
    let daemon = rng.chance(30);
    let mut op = Op {
        n,
        kind: Kind::Build,
        id: Some(id.clone()),
        script: String::new(),
        shown: String::new(),
        expect: Expect::Ok,
        daemon,
        leaves_stale: false,
    };
    let mut fleet_files = None;
    let kind = if roll < 4 {
        Kind::Apply
    } else if roll < 6 {
        Kind::Gc
    } else if !known.exists && rng.chance(85) {
        Kind::Build
    } else {
        let k = rng.below(100);
        match k {
            0..=23 => Kind::Build,
            24..=33 => Kind::Update,
            34..=41 => Kind::Rollback,
            42..=53 => Kind::Start,
            54..=65 => Kind::Stop,
            66..=79 => Kind::Restart,
            80..=85 => Kind::Enable,
            86..=91 => Kind::Disable,
            _ => Kind::Delete,
        }
    };
    op.kind = kind;
    // Lifecycle operations reach the fleet's containers too.
    if matches!(
        kind,
        Kind::Start | Kind::Stop | Kind::Restart | Kind::Enable | Kind::Disable
    ) && !fleet_ids.is_empty()
        && rng.chance(15)
    {
        id = rng.pick(&fleet_ids).clone();
        op.id = Some(id.clone());
    }
    let known = run.known.get(&id).cloned().unwrap_or_default();
    let args = match kind {
        Kind::Build | Kind::Update => {
            let r = rng.below(100);
            let (marker, extra) = match r {
                0..=79 => (format!("m{}", rng.below(6)), String::new()),
                80..=91 => (format!("u{n}"), String::new()),
                92..=96 => (
                    format!("slow{n}"),
                    " nixunitsTest.buildSeconds = 1;".to_owned(),
                ),
                _ => {
                    op.expect = Expect::Fails;
                    (
                        format!("fail{n}"),
                        " nixunitsTest.failBuild = true;".to_owned(),
                    )
                }
            };
            let net = net_args(&id, rng);
            if kind == Kind::Update {
                if rng.chance(30) {
                    if !known.exists {
                        op.expect = Expect::Usage;
                    } else {
                        op.expect = Expect::Ok;
                    }
                    format!("update {id} -q")
                } else {
                    format!("update {id} -cc {} {net} -q", snippet(&marker, &extra))
                }
            } else {
                let flags = match rng.below(10) {
                    0..=6 => "-r",
                    7 => {
                        op.leaves_stale = true;
                        "-s"
                    }
                    _ => {
                        op.leaves_stale = true;
                        ""
                    }
                };
                format!(
                    "build {id} -cc {} {net} {flags} -q",
                    snippet(&marker, &extra)
                )
            }
        }
        Kind::Rollback => {
            let older = known
                .live
                .is_some_and(|l| known.generations.iter().any(|&g| g < l));
            if !known.exists || !older {
                op.expect = Expect::Usage;
            }
            format!("rollback {id}")
        }
        Kind::Start | Kind::Stop | Kind::Restart | Kind::Enable | Kind::Disable => {
            if !known.exists {
                op.expect = Expect::Usage;
            }
            format!("{} {id}", kind.name())
        }
        Kind::Delete => {
            if !known.exists {
                op.expect = Expect::Usage;
            }
            format!("delete {id} -y")
        }
        Kind::Apply => {
            op.id = None;
            let count = 1 + rng.below(4);
            let version = rng.below(3);
            let start = !rng.chance(15);
            run.p.fleet_count = count;
            fleet_files = Some(format!(
                "cat > {FLEET_DIR}/fa.nix <<'EOF'\n{{ nixunitsTest.marker = \"fa-v{version}\"; }}\nEOF\n\
                 cat > {FLEET_DIR}/fleet.toml <<'EOF'\nname = \"{FLEET}\"\n[hosts.here]\ntarget = \"local\"\n\
                 [containers.fa]\nsnippet = \"fa.nix\"\nhosts = [\"here\"]\ncount = {count}\nstart = {start}\nEOF\n"
            ));
            "apply fleet.toml -q".to_owned()
        }
        Kind::Gc => {
            op.id = None;
            op.daemon = false;
            String::new()
        }
    };
    op.script = match kind {
        Kind::Gc => format!("echo $$ > /run/soak/op-{n}.pid; exec nix-store --gc >/dev/null"),
        Kind::Apply => format!("cd {FLEET_DIR} && {}", op_script(n, op.daemon, &args)),
        _ => op_script(n, op.daemon, &args),
    };
    op.shown = match kind {
        Kind::Gc => "nix-store --gc".to_owned(),
        Kind::Apply => format!(
            "apply (fa × {}, {})",
            run.p.fleet_count,
            fleet_files
                .as_deref()
                .map_or("", |f| if f.contains("start = false") {
                    "not started"
                } else {
                    "started"
                })
        ),
        _ => args,
    };
    if op.daemon && !matches!(kind, Kind::Gc) {
        op.shown.push_str(" [NIX_REMOTE=daemon]");
    }
    (op, fleet_files)
}

/// Which fault, if any, for a batch.
fn choose_fault(rng: &mut Rng, ops: &[Op], known: &BTreeMap<String, Known>) -> Option<Fault> {
    if !rng.chance(35) {
        return None;
    }
    let running: Vec<String> = known
        .iter()
        .filter(|(_, k)| k.active)
        .map(|(id, _)| id.clone())
        .collect();
    let near = |rng: &mut Rng| -> Option<String> {
        let mine: Vec<String> = ops.iter().filter_map(|o| o.id.clone()).collect();
        if !mine.is_empty() && rng.chance(50) {
            Some(rng.pick(&mine).clone())
        } else if !running.is_empty() {
            Some(rng.pick(&running).clone())
        } else {
            None
        }
    };
    let ms = rng.below(2500);
    Some(match rng.below(100) {
        0..=29 => {
            let killable: Vec<usize> = (0..ops.len())
                .filter(|&i| ops[i].kind != Kind::Gc)
                .collect();
            if killable.is_empty() {
                return None;
            }
            Fault::KillOp {
                op: *rng.pick(&killable),
                ms,
            }
        }
        30..=41 => Fault::KillAny {
            ms: rng.below(1500),
        },
        42..=53 => Fault::KillNspawn { id: near(rng)?, ms },
        54..=65 => Fault::KillInit { id: near(rng)?, ms },
        66..=77 => Fault::FullDisk {
            ms: rng.below(1500),
        },
        78..=88 => Fault::DaemonStopped,
        _ => Fault::SlowBuild {
            secs: 1 + rng.below(4),
        },
    })
}

/// Runs the fault's action at its time, in the host; what it did.
fn strike(leader: u32, f: &Fault, ops: &[Op]) -> String {
    let wait = |ms: u64| std::thread::sleep(Duration::from_millis(ms));
    let said = |script: &str| {
        let o = sh_in(leader, script);
        String::from_utf8_lossy(&o.stdout).trim().to_owned()
    };
    match f {
        Fault::KillOp { op, ms } => {
            wait(*ms);
            let n = ops[*op].n;
            said(&format!(
                "p=$(cat /run/soak/op-{n}.pid 2>/dev/null) && grep -q nixunits /proc/$p/cmdline 2>/dev/null \
                 && kill -9 $p && echo killed $p || echo gone"
            ))
        }
        Fault::KillAny { ms } => {
            wait(*ms);
            said(
                "for p in $(pgrep -x nixunits); do grep -q port-proxy /proc/$p/cmdline 2>/dev/null || echo $p; done \
                 | shuf -n 1 | while read p; do echo \"killed $p: $(tr '\\0' ' ' < /proc/$p/cmdline | cut -c1-120)\"; kill -9 $p; done",
            )
        }
        Fault::KillNspawn { id, ms } => {
            wait(*ms);
            said(&format!(
                "p=$(systemctl show -p MainPID --value nixunits@{id}.service); \
                 [ \"${{p:-0}}\" -gt 0 ] && kill -9 $p && echo killed nspawn $p || echo not running"
            ))
        }
        Fault::KillInit { id, ms } => {
            wait(*ms);
            said(&format!(
                "p=$(machinectl show -p Leader --value {id} 2>/dev/null); \
                 [ \"${{p:-0}}\" -gt 0 ] && kill -9 $p && echo killed init $p || echo not running"
            ))
        }
        Fault::FullDisk { ms } => {
            wait(*ms);
            said(&format!(
                "dd if=/dev/zero of={STATE}/fill bs=64k 2>/dev/null; echo filled"
            ))
        }
        Fault::DaemonStopped | Fault::SlowBuild { .. } => String::new(),
    }
}

struct Ran {
    out: Output,
    secs: f64,
}

/// Runs a batch: its operations at once, the fault at its time.
fn run_batch(h: &Host, ops: &[Op], fault: Option<&Fault>) -> (Vec<Ran>, String) {
    match fault {
        Some(Fault::DaemonStopped) => {
            h.ok("systemctl stop nix-daemon.socket nix-daemon.service");
        }
        Some(Fault::SlowBuild { secs }) => {
            h.ok(&format!("echo {secs} > /run/soak/slow"));
        }
        _ => {}
    }
    let leader = h.leader;
    let (ran, struck) = std::thread::scope(|s| {
        let threads: Vec<_> = ops
            .iter()
            .map(|op| {
                let script = op.script.clone();
                s.spawn(move || {
                    let t = Instant::now();
                    let out = sh_in(leader, &script);
                    Ran {
                        out,
                        secs: t.elapsed().as_secs_f64(),
                    }
                })
            })
            .collect();
        let f = fault.map(|f| s.spawn(move || strike(leader, f, ops)));
        let ran: Vec<Ran> = threads.into_iter().map(|t| t.join().unwrap()).collect();
        (ran, f.map(|f| f.join().unwrap()).unwrap_or_default())
    });
    match fault {
        Some(Fault::DaemonStopped) => {
            h.ok("systemctl start nix-daemon.socket");
        }
        Some(Fault::SlowBuild { .. }) => {
            h.ok("rm -f /run/soak/slow");
        }
        Some(Fault::FullDisk { .. }) => {
            h.ok(&format!("rm -f {STATE}/fill"));
        }
        _ => {}
    }
    h.ok("rm -f /run/soak/op-*.pid");
    (ran, struck)
}

/// Whether the batch's fault may have cut operation `index` short.
fn disturbs(fault: Option<&Fault>, op: &Op, index: usize) -> bool {
    match fault {
        None | Some(Fault::SlowBuild { .. }) => false,
        Some(Fault::KillOp { op: i, .. }) => *i == index,
        Some(Fault::KillAny { .. } | Fault::FullDisk { .. }) => true,
        Some(Fault::DaemonStopped) => op.daemon,
        Some(Fault::KillNspawn { id, .. } | Fault::KillInit { id, .. }) => {
            op.id.as_deref() == Some(id.as_str()) || op.kind == Kind::Apply
        }
    }
}

/// Whether an operation's end is what the model and the batch's fault
/// allow; the reason when not.
fn judge(op: &Op, ran: &Ran, fault: Option<&Fault>, shared: bool, index: usize) -> Option<String> {
    let said = text(&ran.out);
    if said.contains("panicked") || ran.out.status.code() == Some(101) {
        return Some(format!("#{} panicked: {said}", op.n));
    }
    let exit = ran.out.status.code();
    let killed_here = match fault {
        Some(Fault::KillOp { op: i, .. }) => *i == index,
        Some(Fault::KillAny { .. }) => true,
        _ => false,
    };
    if exit.is_none() {
        return (!killed_here).then(|| format!("#{} ended by a signal nobody sent: {said}", op.n));
    }
    let exit = exit.unwrap_or(0);
    // Another operation on the same container at once: either order.
    if shared {
        return (exit > 2).then(|| format!("#{} exit {exit}: {said}", op.n));
    }
    let near_kill = match fault {
        Some(Fault::KillNspawn { id, .. } | Fault::KillInit { id, .. }) => {
            op.id.as_deref() == Some(id.as_str()) || op.kind == Kind::Apply
        }
        Some(Fault::KillAny { .. }) => true,
        _ => false,
    };
    match (op.expect, exit) {
        (Expect::Ok, 0) | (Expect::Usage, 2) => None,
        (Expect::Fails, 1) => None,
        // A failing build killed or cut short still fails.
        (Expect::Fails, 0) => Some(format!("#{} should have failed: {said}", op.n)),
        (_, 1) => {
            let disk = said.contains("No space left")
                || said.contains("disk is full")
                || said.contains("quota");
            let daemon = said.contains("daemon") || said.contains("daemon-socket");
            match fault {
                Some(Fault::FullDisk { .. }) if disk => None,
                Some(Fault::FullDisk { .. }) if op.kind == Kind::Gc => None,
                Some(Fault::FullDisk { .. }) => Some(format!(
                    "#{} failed on a full disk without naming it: {said}",
                    op.n
                )),
                Some(Fault::DaemonStopped) if op.daemon && daemon => None,
                Some(Fault::KillOp { .. }) if op.kind == Kind::Apply => None,
                _ if near_kill || killed_here => None,
                _ => Some(format!(
                    "#{} exit 1 with no fault to cause it: {said}",
                    op.n
                )),
            }
        }
        (Expect::Usage, e) => Some(format!(
            "#{} exit {e}, expected 2 (bad usage): {said}",
            op.n
        )),
        (_, 2) => Some(format!("#{} exit 2 (bad usage) unexpected: {said}", op.n)),
        (_, e) => Some(format!("#{} exit {e}: {said}", op.n)),
    }
}

/// Waits until no nixunits unit has a job and none is on its way.
pub fn settle(h: &Host) -> Result<(), String> {
    let start = Instant::now();
    loop {
        let out = h.ok(
            "systemctl list-jobs --no-legend --plain 2>/dev/null | grep -c 'nixunits' ; \
             systemctl list-units --all --no-legend --plain 'nixunits@*' 'nixunits-ports-*' | \
             awk '$3 ~ /activating|deactivating|reloading/' | wc -l",
        );
        let busy: Vec<u64> = out
            .split_whitespace()
            .filter_map(|w| w.parse().ok())
            .collect();
        if busy.iter().all(|&n| n == 0) {
            return Ok(());
        }
        if start.elapsed() > Duration::from_secs(120) {
            return Err(format!(
                "the units never settled: {}",
                h.ok("systemctl list-jobs --no-legend; systemctl list-units --all --no-legend --plain 'nixunits*'")
            ));
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// No nixunits (but the proxies) and no Nix process left, after a grace
/// period for those that were ending.
pub fn no_leftover_processes(h: &Host) -> Result<(), String> {
    let start = Instant::now();
    loop {
        let left = h.ok(
            "ps -eo pid=,args= | awk '{print}' | grep -E ' (/[^ ]*/)?(nixunits|nix-build|nix-store|nix-instantiate|nix) ' \
             | grep -v -e port-proxy -e 'grep' -e 'nix-daemon' || true",
        );
        let left = left.trim();
        if left.is_empty() {
            return Ok(());
        }
        if start.elapsed() > Duration::from_secs(15) {
            return Err(format!(
                "processes outlived their command:\n{left}\n{}",
                h.ok("ps -eo pid,ppid,stat,etime,args | grep -v ' \\[' | tail -n 60")
            ));
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// What a check found, for the model.
struct Seen {
    known: BTreeMap<String, Known>,
}

/// The invariants; `touched` are the containers this batch worked on
/// (all of them when `full`).
fn check(
    h: &Host,
    run: &Run,
    touched: &BTreeSet<String>,
    full: bool,
    after_reboot: bool,
) -> Result<Seen, String> {
    settle(h)?;
    no_leftover_processes(h)?;
    // Every lock is free now that every command has ended.
    let held = h.ok(&format!(
        "for f in {STATE}/locks/*.lock {STATE}/cache.lock; do [ -e \"$f\" ] || continue; \
         flock -n -E 99 \"$f\" true; [ $? = 99 ] && echo \"$f held by: $(for p in /proc/[0-9]*; do \
         ls -l $p/fd 2>/dev/null | grep -q \"$f\" && echo ${{p#/proc/}} $(tr '\\0' ' ' < $p/cmdline); done)\"; done; true"
    ));
    if !held.trim().is_empty() {
        return Err(format!("locks held once every command ended: {held}"));
    }
    let list: Vec<Value> = serde_json::from_str(&h.nixunits_ok("list --json"))
        .map_err(|e| format!("list --json: {e}"))?;
    let tables = h.ok("nft list tables 2>/dev/null || true");
    let links = h.ok("ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1");
    let links: BTreeSet<&str> = links.lines().map(str::trim).collect();
    let units = h.ok("systemctl list-units --all --no-legend --plain 'nixunits@*' 'nixunits-ports-*' | awk '{print $1, $3}'");
    let unit_state: BTreeMap<&str, &str> =
        units.lines().filter_map(|l| l.split_once(' ')).collect();
    let wants = h.ok("ls /etc/systemd/system/machines.target.wants/ 2>/dev/null || true");
    let dirs = h.ok(&format!("ls {STATE}/containers 2>/dev/null || true"));
    let dirs: BTreeSet<&str> = dirs.split_whitespace().collect();

    let listed: BTreeMap<String, &Value> = list
        .iter()
        .filter_map(|s| Some((s["id"].as_str()?.to_owned(), s)))
        .collect();
    let mut known = run.known.clone();
    let all = ids(&run.cfg);
    let fleet_listed: Vec<String> = listed
        .keys()
        .filter(|k| k.starts_with("fa-"))
        .cloned()
        .collect();
    let every: BTreeSet<String> = all
        .iter()
        .cloned()
        .chain(fleet_listed.iter().cloned())
        .chain(known.keys().cloned())
        .collect();
    for d in &dirs {
        if !listed.contains_key(*d) {
            return Err(format!(
                "{STATE}/containers/{d} is not listed by list --json"
            ));
        }
    }
    for id in &every {
        let k = known.entry(id.clone()).or_default();
        let unit = format!("nixunits@{id}.service");
        let proxy = format!("nixunits-ports-{id}.service");
        let state = unit_state.get(unit.as_str()).copied().unwrap_or("inactive");
        let proxy_state = unit_state
            .get(proxy.as_str())
            .copied()
            .unwrap_or("inactive");
        let table = tables
            .lines()
            .any(|l| l.trim() == format!("table inet nixunits-{id}"));
        let veth = links.contains(format!("ve-{id}").as_str());
        let Some(entry) = listed.get(id) else {
            // No container: nothing of it runs or is left.
            if state == "active" || proxy_state == "active" || table || veth {
                return Err(format!(
                    "{id} does not exist but its unit is {state}, its proxy {proxy_state}, table {table}, veth {veth}"
                ));
            }
            if wants.lines().any(|w| w.trim() == unit) {
                return Err(format!("{id} does not exist but {unit} is still enabled"));
            }
            *k = Known::default();
            continue;
        };
        let active = entry["activeState"] == "active";
        if !active {
            if proxy_state == "active" || table || veth {
                return Err(format!(
                    "{id} is {} but left its proxy ({proxy_state}), its table ({table}) or its veth ({veth})",
                    entry["activeState"]
                ));
            }
        } else {
            let net = net_of(id);
            if net != Net::Private && !veth {
                return Err(format!("{id} runs without its veth ve-{id}"));
            }
            if net == Net::Ports && !table {
                return Err(format!("{id} runs without its nftables table"));
            }
            if net == Net::Loopback && proxy_state != "active" {
                return Err(format!("{id} runs without its port proxy ({proxy_state})"));
            }
        }
        if after_reboot {
            let enabled = wants.lines().any(|w| w.trim() == unit);
            if enabled != active {
                return Err(format!(
                    "after the reboot {id} is {} although it is {}",
                    entry["activeState"],
                    if enabled { "enabled" } else { "not enabled" }
                ));
            }
        }
        k.exists = true;
        k.active = active;
        if !(full || touched.contains(id) || after_reboot) {
            continue;
        }
        // The live generation: whole, and what every command says.
        let gens: Vec<Value> =
            serde_json::from_str(&h.nixunits_ok(&format!("generations {id} --json")))
                .map_err(|e| format!("generations {id} --json: {e}"))?;
        let live: Vec<&Value> = gens.iter().filter(|g| g["live"] == true).collect();
        if live.len() != 1 {
            return Err(format!("{id}: {} live generations: {gens:?}", live.len()));
        }
        let live = live[0];
        if live["ok"] != true {
            return Err(format!("{id}: the live generation is damaged: {live}"));
        }
        let status: Value = serde_json::from_str(&h.nixunits_ok(&format!("status {id} --json")))
            .map_err(|e| format!("status {id} --json: {e}"))?;
        for (what, v) in [("status", &status), ("list", *entry)] {
            if v["generation"] != live["generation"] || v["outPath"] != live["outPath"] {
                return Err(format!("{id}: {what} says {v}, generations says {live}"));
            }
        }
        let dir = h.path(&format!("{STATE}/containers/{id}"));
        let current =
            std::fs::read_link(dir.join("current")).map_err(|e| format!("{id}: current: {e}"))?;
        if current != Path::new("generations").join(live["generation"].to_string()) {
            return Err(format!(
                "{id}: current is {current:?}, the live generation {}",
                live["generation"]
            ));
        }
        let conf = std::fs::read_to_string(dir.join("unit.conf"))
            .map_err(|e| format!("{id}: unit.conf: {e}"))?;
        let system = conf
            .lines()
            .find_map(|l| l.strip_prefix("SYSTEM_PATH="))
            .unwrap_or_default()
            .to_owned();
        if Some(system.as_str()) != live["outPath"].as_str() {
            return Err(format!(
                "{id}: unit.conf runs {system}, the live generation is {}",
                live["outPath"]
            ));
        }
        // Every generation's GC root names a system in the store.
        for g in &gens {
            let result = dir.join(format!("generations/{}/result", g["generation"]));
            let target =
                std::fs::read_link(&result).map_err(|e| format!("{}: {e}", result.display()))?;
            if !h.path(&target.display().to_string()).join("init").exists() {
                return Err(format!(
                    "{id}: generation {} roots {}, which is gone",
                    g["generation"],
                    target.display()
                ));
            }
        }
        k.generations = gens
            .iter()
            .filter_map(|g| g["generation"].as_u64())
            .collect();
        k.live = live["generation"].as_u64();
        if active {
            // What runs: the start's record, the init's command line or its
            // in-place switch.
            let record = std::fs::read_to_string(h.path(&format!("/run/nixunits/{id}.running")))
                .unwrap_or_default();
            let record = record.trim();
            if record != system && !k.stale_ok {
                return Err(format!(
                    "{id} runs {record}, not its live generation {system}"
                ));
            }
            let leader = status["leader"]
                .as_u64()
                .ok_or(format!("{id} is active without a leader: {status}"))?;
            let cmdline = std::fs::read_to_string(h.path(&format!("/proc/{leader}/cmdline")))
                .unwrap_or_default()
                .replace('\0', " ");
            let switched = std::fs::read_to_string(
                h.path(&format!("{STATE}/containers/{id}/root/var/log/switch.log")),
            )
            .unwrap_or_default();
            let by_switch = switched.lines().last().is_some_and(|l| l.contains(record));
            if !cmdline.contains(record) && !by_switch && !cmdline.is_empty() {
                return Err(format!(
                    "{id}: its init runs {cmdline}, its start recorded {record}"
                ));
            }
            if !gens.iter().any(|g| g["outPath"].as_str() == Some(record)) {
                return Err(format!("{id} runs {record}, none of its generations"));
            }
        }
        if record_stale_cleared(k, active) {
            k.stale_ok = false;
        }
    }
    for (u, st) in &unit_state {
        if let Some(id) = u
            .strip_prefix("nixunits@")
            .and_then(|u| u.strip_suffix(".service"))
        {
            if *st == "active" && !listed.contains_key(id) {
                return Err(format!("{u} is active for a container that does not exist"));
            }
        }
    }
    if full {
        full_check(h, &listed)?;
    }
    Ok(Seen { known })
}

/// A stopped container runs nothing older any more.
fn record_stale_cleared(k: &Known, active: bool) -> bool {
    !active && k.stale_ok
}

/// The store collected: every generation's closure and every fleet
/// system is still there; the cache verified.
fn full_check(h: &Host, listed: &BTreeMap<String, &Value>) -> Result<(), String> {
    h.ok("nix-store --gc >/dev/null 2>&1");
    let roots = h.ok(&format!(
        "for r in {STATE}/containers/*/generations/*/result {STATE}/fleets/*/systems/*; do \
         [ -L \"$r\" ] && readlink \"$r\"; done | sort -u"
    ));
    let roots: Vec<&str> = roots.split_whitespace().collect();
    if !roots.is_empty() {
        let out = h.sh(&format!("nix-store -qR {} | sort -u", roots.join(" ")));
        if !out.status.success() {
            return Err(format!(
                "after nix-store --gc a generation's system is gone: {}",
                text(&out)
            ));
        }
        let missing = h.ok(&format!(
            "nix-store -qR {} | while read p; do [ -e \"$p\" ] || echo \"$p\"; done",
            roots.join(" ")
        ));
        if !missing.trim().is_empty() {
            return Err(format!(
                "after nix-store --gc, needed paths are gone: {missing}"
            ));
        }
    }
    let verify = h.nixunits("cache verify");
    if !verify.status.success() {
        return Err(format!("cache verify failed: {}", text(&verify)));
    }
    // No cache yet (nothing built since the state directory was made):
    // nothing to verify, and nothing the second time either.
    let none = text(&verify).contains("nothing to do: ");
    let again = h.nixunits_ok("cache verify");
    if !(again.starts_with("dropped 0 of ") || none && again.starts_with("nothing to do: ")) {
        return Err(format!("cache verify, twice: {again}"));
    }
    let aside = h.ok(&format!("ls {STATE} | grep unreadable || true"));
    if !aside.trim().is_empty() {
        return Err(format!("the cache was set aside: {aside}"));
    }
    let _ = listed;
    Ok(())
}

/// The soak run: boots the host (or the chunk's), runs batches until the
/// operation or time bound, checks after each; panics on the first
/// violation. Returns the report.
pub fn soak(cfg: Config) -> (String, Progress) {
    let scratch = tempfile::tempdir().unwrap();
    let base = cfg
        .dir
        .clone()
        .unwrap_or_else(|| scratch.path().to_path_buf());
    std::fs::create_dir_all(&base).unwrap();
    let mut state = StateFs::mount(&base.join("state"));
    let progress: Option<Progress> = std::fs::read_to_string(base.join("progress.json"))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok());
    let resumed = progress.is_some();
    let p = progress.unwrap_or(Progress {
        seed: cfg.seed,
        rng: Rng(cfg.seed.max(1)),
        ops: 0,
        batches: 0,
        seconds: 0.0,
        op_seconds: 0.0,
        by_kind: BTreeMap::new(),
        by_exit: BTreeMap::new(),
        faults: BTreeMap::new(),
        peak_memory: 0,
        max_containers: 0,
        reboots: 0,
        fleet_count: 0,
        stale_ok: BTreeSet::new(),
        violations: 0,
        done: false,
    });
    let mut run = Run {
        cfg: cfg.clone(),
        known: p
            .stale_ok
            .iter()
            .map(|id| {
                (
                    id.clone(),
                    Known {
                        stale_ok: true,
                        ..Known::default()
                    },
                )
            })
            .collect(),
        p,
        log: Vec::new(),
        log_file: cfg.dir.as_ref().map(|d| d.join("soak.log")),
    };
    eprintln!(
        "soak: seed NIXUNITS_SOAK_SEED={} ({}), at most {} operations and {} s, {} containers, {} at once",
        run.p.seed,
        if resumed { "resumed" } else { "new" },
        cfg.ops,
        cfg.seconds,
        cfg.containers,
        cfg.parallel
    );
    let mut h = Host::boot_persistent_with(
        &base.join("host"),
        vec![format!("--bind={}:{STATE}", state.dir.display())],
    );
    prepare(&h);
    if resumed {
        // The host came back from its shutdown: what was enabled runs.
        run.say(format!(
            "--- resumed after {} operations: the host booted again",
            run.p.ops
        ));
        let everyone: BTreeSet<String> = BTreeSet::new();
        match check(&h, &run, &everyone, true, true) {
            Ok(seen) => run.known = seen.known,
            Err(e) => run.violation(&format!("after the host booted again: {e}"), &h),
        }
    }
    let mut rng = run.p.rng;
    let chunk_start = Instant::now();
    let mut last_batch_log = Instant::now();
    while run.p.ops < cfg.ops && chunk_start.elapsed().as_secs() < cfg.seconds {
        let batch = run.p.batches;
        let k = 1 + rng.below(cfg.parallel as u64) as usize;
        let mut ops = Vec::new();
        let mut taken = BTreeSet::new();
        let mut fleet_files = None;
        for _ in 0..k {
            let n = run.p.ops + ops.len() as u64 + 1;
            let (op, files) = choose(&mut run, &mut rng, n, &taken);
            // One apply at a time.
            if op.kind == Kind::Apply
                && (fleet_files.is_some() || ops.iter().any(|o: &Op| o.kind == Kind::Apply))
            {
                continue;
            }
            if files.is_some() {
                fleet_files = files;
            }
            if let Some(id) = &op.id {
                taken.insert(id.clone());
            }
            ops.push(op);
        }
        // Fleet containers are the apply's: no lifecycle operation on them
        // in the batch it changes them.
        if ops.iter().any(|o| o.kind == Kind::Apply) {
            ops.retain(|o| {
                o.kind == Kind::Apply || !o.id.as_deref().is_some_and(|i| i.starts_with("fa-"))
            });
        }
        let mut count: BTreeMap<&str, usize> = BTreeMap::new();
        for o in &ops {
            if let Some(id) = &o.id {
                *count.entry(id.as_str()).or_default() += 1;
            }
        }
        let shared: Vec<bool> = ops
            .iter()
            .map(|o| o.id.as_deref().is_some_and(|i| count[i] > 1))
            .collect();
        let fault = choose_fault(&mut rng, &ops, &run.known);
        if let Some(files) = &fleet_files {
            h.ok(files);
        }
        let t = Instant::now();
        let (ran, struck) = run_batch(&h, &ops, fault.as_ref());
        run.p.op_seconds += t.elapsed().as_secs_f64();
        if let Some(f) = &fault {
            *run.p.faults.entry(f.name().to_owned()).or_default() += 1;
            run.say(format!(
                "batch {batch}: fault {}: {f:?} → {struck}",
                f.name()
            ));
        }
        let mut touched: BTreeSet<String> = BTreeSet::new();
        let mut bad = None;
        for (i, (op, r)) in ops.iter().zip(&ran).enumerate() {
            *run.p.by_kind.entry(op.kind.name().to_owned()).or_default() += 1;
            *run.p.by_exit.entry(exit_of(&r.out)).or_default() += 1;
            let said = text(&r.out);
            let said = said.trim();
            run.say(format!(
                "#{} batch {batch} {} → exit {} in {:.1} s{}",
                op.n,
                op.shown,
                exit_of(&r.out),
                r.secs,
                if said.is_empty() || r.out.status.success() {
                    String::new()
                } else {
                    format!(": {}", said.lines().take(6).collect::<Vec<_>>().join(" | "))
                }
            ));
            if let Some(id) = &op.id {
                touched.insert(id.clone());
            }
            if op.kind == Kind::Apply {
                touched.extend(run.known.keys().filter(|k| k.starts_with("fa-")).cloned());
                touched.extend((1..=4).map(|i| format!("fa-{i}")));
            }
            if bad.is_none() {
                bad = judge(op, r, fault.as_ref(), shared[i], i);
            }
            // A build without -r (or with -s on a running container), an
            // operation cut short or failed: the container may run an
            // older generation until its next start. One done in full
            // that restarts runs the live one.
            let disturbed = shared[i] || !r.out.status.success() || disturbs(fault.as_ref(), op, i);
            if let Some(id) = &op.id {
                let k = run.known.entry(id.clone()).or_default();
                let changes = matches!(
                    op.kind,
                    Kind::Build | Kind::Update | Kind::Rollback | Kind::Restart
                );
                if changes && (disturbed || op.leaves_stale) {
                    k.stale_ok = true;
                } else if changes {
                    k.stale_ok = false;
                }
            }
            if op.kind == Kind::Apply && disturbed {
                for (id, k) in run.known.iter_mut() {
                    if id.starts_with("fa-") {
                        k.stale_ok = true;
                    }
                }
            }
        }
        if let Some(Fault::KillNspawn { id, .. } | Fault::KillInit { id, .. }) = &fault {
            touched.insert(id.clone());
        }
        run.p.ops += ops.len() as u64;
        run.p.batches += 1;
        if let Some(b) = bad {
            run.violation(&b, &h);
        }
        let gc_ran = ops.iter().any(|o| o.kind == Kind::Gc);
        let full = gc_ran || run.p.batches.is_multiple_of(cfg.full_every);
        let seen = check(&h, &run, &touched, full, false);
        match seen {
            Ok(s) => run.known = s.known,
            Err(e) => run.violation(&e, &h),
        }
        let n = run.known.values().filter(|k| k.exists).count();
        run.p.max_containers = run.p.max_containers.max(n);
        run.p.peak_memory = run.p.peak_memory.max(host_memory(&h, &state));
        run.p.rng = rng;
        if cfg.reboot_after == Some(run.p.batches) {
            run.say(format!("batch {batch}: the host reboots"));
            h.reboot();
            prepare(&h);
            run.p.reboots += 1;
            let everyone = BTreeSet::new();
            match check(&h, &run, &everyone, true, true) {
                Ok(s) => run.known = s.known,
                Err(e) => run.violation(&format!("after a reboot: {e}"), &h),
            }
            for k in run.known.values_mut() {
                k.stale_ok = false;
            }
        }
        if last_batch_log.elapsed() > Duration::from_secs(60) {
            last_batch_log = Instant::now();
            eprintln!(
                "soak: {} operations, {} batches, {} containers ({} running), {:.0} s",
                run.p.ops,
                run.p.batches,
                n,
                run.known.values().filter(|k| k.active).count(),
                run.p.seconds + chunk_start.elapsed().as_secs_f64()
            );
        }
        run.save();
    }
    // The end of the run (or of the chunk): the whole host checked.
    let everyone = BTreeSet::new();
    match check(&h, &run, &everyone, true, false) {
        Ok(s) => run.known = s.known,
        Err(e) => run.violation(&format!("at the end: {e}"), &h),
    }
    run.p.seconds += chunk_start.elapsed().as_secs_f64();
    run.p.done = run.p.ops >= cfg.ops;
    if cfg.dir.is_some() {
        // The next chunk boots this host again: a clean shutdown, the
        // state directory kept (it lives outside the host).
        run.p.reboots += u64::from(!run.p.done);
        state.own = run.p.done;
    }
    run.save();
    let p = &run.p;
    let faults: u64 = p.faults.values().sum();
    let report = format!(
        "soak: seed {}: {} operations in {} batches, {:.0} s ({:.2} operations/s overall, {:.2}/s while operations ran); \
         at most {} containers; {} faults; peak host memory {:.0} MiB; {} reboots; violations {}\n\
         soak: operations {:?}\nsoak: exits {:?}\nsoak: faults {:?}",
        p.seed,
        p.ops,
        p.batches,
        p.seconds,
        p.ops as f64 / p.seconds.max(1.0),
        p.ops as f64 / p.op_seconds.max(1.0),
        p.max_containers,
        faults,
        p.peak_memory as f64 / 1048576.0,
        p.reboots,
        p.violations,
        p.by_kind,
        p.by_exit,
        p.faults
    );
    drop(h);
    if let Some(d) = &cfg.dir {
        let _ = std::fs::write(d.join("report.txt"), &report);
    }
    (report, run.p)
}
