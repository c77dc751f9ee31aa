//! A real systemd host for end-to-end tests: Debian bookworm from
//! debootstrap (cached in `$NIXUNITS_E2E_CACHE`, default
//! `/var/cache/nixunits-e2e`), booted with `systemd-nspawn -b` over a
//! volatile overlay (every run starts from the same tree), with this
//! build's `nixunits` and the source tree bound in. Commands run inside
//! through `nsenter` on the host's PID 1.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::util::{require, root};

/// Bump to rebuild cached trees after changing what goes in them.
const TREE_VERSION: &str = "bookworm-v3";
const PACKAGES: &str =
    "systemd,systemd-sysv,dbus,systemd-container,iproute2,busybox-static,util-linux,nftables,openssh-server,openssh-client";

/// Nix offline inside, as on the test machine.
pub const NIX_CONFIG: &str = "substituters =\nsandbox = false\nbuild-users-group =\n";

pub struct Host {
    nspawn: Child,
    pub leader: u32,
    log: PathBuf,
    root_dir: PathBuf,
    volatile: bool,
    /// The overlay mounted for a persistent host.
    mounted: Option<PathBuf>,
    /// Extra systemd-nspawn options (binds shared with other hosts).
    extra: Vec<String>,
}

/// Starts systemd-nspawn booting `root_dir`; returns it and its init.
fn spawn(root_dir: &Path, volatile: bool, log: &Path, extra: &[String]) -> (Child, u32) {
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_nixunits"));
    let mut cmd = Command::new("systemd-nspawn");
    cmd.arg("--boot")
        .arg(format!("--directory={}", root_dir.display()));
    if volatile {
        cmd.arg("--volatile=overlay");
    }
    let nspawn = cmd
        .args(["--register=no", "--keep-unit", "--private-network"])
        .arg(format!(
            "--machine=nixunits-e2e-{}-{}",
            std::process::id(),
            root_dir.display().to_string().len()
        ))
        .arg(format!("--bind-ro={}:/opt/nixunits-src", root().display()))
        .arg(format!(
            "--bind-ro={}:/usr/local/bin/nixunits",
            bin.display()
        ))
        .args(extra)
        .stdin(Stdio::null())
        .stdout(
            std::fs::File::options()
                .create(true)
                .append(true)
                .open(log)
                .unwrap(),
        )
        .stderr(Stdio::from(
            std::fs::File::options().append(true).open(log).unwrap(),
        ))
        .spawn()
        .expect("cannot start systemd-nspawn");
    let start = Instant::now();
    let leader = loop {
        if let Some(&pid) = children(nspawn.id()).first() {
            if std::fs::read_to_string(format!("/proc/{pid}/comm"))
                .is_ok_and(|c| c.trim() == "systemd")
            {
                break pid;
            }
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the e2e host did not boot; its console:\n{}",
            std::fs::read_to_string(log).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    (nspawn, leader)
}

fn cache_dir() -> PathBuf {
    std::env::var_os("NIXUNITS_E2E_CACHE")
        .map_or_else(|| PathBuf::from("/var/cache/nixunits-e2e"), PathBuf::from)
}

/// Asserts that `out` succeeded, naming `what` and showing its output
/// otherwise; returns its standard output.
fn expect_success(out: &Output, what: &str) -> String {
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn run_checked(c: &mut Command, what: &str) {
    let out = c
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run: {e}"));
    expect_success(&out, what);
}

/// The command line of `nixunits ARGS` inside: the shipped Nix files,
/// `<nixpkgs>` the tests' fake tree.
fn nixunits_script(args: &str) -> String {
    format!(
        "NIX_PATH=nixpkgs=/opt/nixunits-src/tests/fake-nixpkgs \
         nixunits --nix-dir /opt/nixunits-src/nix {args}"
    )
}

/// The cached root tree, made once per run however many hosts boot at once
/// (the tests run side by side).
fn tree() -> PathBuf {
    static TREE: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    TREE.get_or_init(make_tree).clone()
}

/// The cached root tree, made once: debootstrap, then nix-bin (which
/// debootstrap cannot resolve itself).
fn make_tree() -> PathBuf {
    let dir = cache_dir().join(TREE_VERSION);
    if dir.join(".complete").exists() {
        return dir;
    }
    require("debootstrap", "debootstrap");
    let tmp = cache_dir().join(format!("{TREE_VERSION}.tmp-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(cache_dir()).unwrap();
    eprintln!("e2e: debootstrap {} (once, about a minute)", tmp.display());
    run_checked(
        Command::new("debootstrap")
            .args([
                "--variant=minbase",
                &format!("--include={PACKAGES}"),
                "bookworm",
            ])
            .arg(&tmp),
        "debootstrap",
    );
    run_checked(
        Command::new("chroot")
            .arg(&tmp)
            .args(["apt-get", "install", "-y", "-qq", "nix-bin"])
            .env("DEBIAN_FRONTEND", "noninteractive"),
        "apt-get install nix-bin in the tree",
    );
    std::fs::write(tmp.join(".complete"), "").unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::rename(&tmp, &dir).unwrap();
    dir
}

fn children(pid: u32) -> Vec<u32> {
    std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .collect()
}

impl Host {
    /// A host over a volatile overlay of the cached tree: every boot starts
    /// from the same tree.
    pub fn boot() -> Host {
        let tree = tree();
        Host::start(&tree, true, None, Vec::new())
    }

    /// A host like [`Host::boot`] with `shared` bound at `/srv/shared`: a
    /// directory several hosts see (a `file://` binary cache).
    pub fn boot_sharing(shared: &Path) -> Host {
        let tree = tree();
        Host::start(
            &tree,
            true,
            None,
            vec![format!("--bind={}:/srv/shared", shared.display())],
        )
    }

    /// A host whose disk survives a reboot: an overlay of the cached tree
    /// with its upper layer in `dir` (mounted here, unmounted on drop),
    /// booted without `--volatile`.
    pub fn boot_persistent(dir: &Path) -> Host {
        Host::boot_persistent_with(dir, Vec::new())
    }

    /// [`Host::boot_persistent`] with extra systemd-nspawn options (a
    /// state directory bound in from outside, which outlives the host).
    pub fn boot_persistent_with(dir: &Path, extra: Vec<String>) -> Host {
        let tree = tree();
        let merged = dir.join("merged");
        for d in ["upper", "work", "merged"] {
            std::fs::create_dir_all(dir.join(d)).unwrap();
        }
        run_checked(
            Command::new("mount")
                .args(["-t", "overlay", "overlay", "-o"])
                .arg(format!(
                    "lowerdir={},upperdir={},workdir={}",
                    tree.display(),
                    dir.join("upper").display(),
                    dir.join("work").display()
                ))
                .arg(&merged),
            "mount the persistent host's overlay",
        );
        Host::start(&merged, false, Some(merged.clone()), extra)
    }

    fn start(
        root_dir: &Path,
        volatile: bool,
        mounted: Option<PathBuf>,
        extra: Vec<String>,
    ) -> Host {
        require("systemd-nspawn", "systemd-container");
        require("nsenter", "util-linux");
        std::fs::create_dir_all("/run/systemd/nspawn").unwrap();
        let log = std::env::temp_dir().join(format!(
            "nixunits-e2e-{}-{}.log",
            std::process::id(),
            root_dir.display().to_string().len()
        ));
        let (nspawn, leader) = spawn(root_dir, volatile, &log, &extra);
        let host = Host {
            nspawn,
            leader,
            log,
            root_dir: root_dir.to_path_buf(),
            volatile,
            mounted,
            extra,
        };
        host.wait_running(Instant::now());
        host
    }

    /// Until its manager answers and has finished booting.
    fn wait_running(&self, start: Instant) {
        loop {
            let out = self.sh("systemctl is-system-running");
            let s = String::from_utf8_lossy(&out.stdout).trim().to_owned();
            if matches!(s.as_str(), "running" | "degraded") {
                break;
            }
            assert!(
                start.elapsed() < Duration::from_secs(90),
                "the e2e host's systemd is {s:?} after {:?}; its console:\n{}",
                start.elapsed(),
                self.console()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// `systemctl reboot` inside, then boots the same tree again (what the
    /// unit around systemd-nspawn does on its exit status 133). A shutdown
    /// may wait for a unit up to systemd's stop timeout (90 s by default:
    /// a container or an install being stopped on a loaded machine), so
    /// the host has twice that.
    pub fn reboot(&mut self) {
        let _ = self.sh("systemctl reboot");
        let start = Instant::now();
        let status = loop {
            if let Ok(Some(st)) = self.nspawn.try_wait() {
                break st;
            }
            assert!(
                start.elapsed() < Duration::from_secs(180),
                "the host did not reboot in {:?}; its console:\n{}",
                start.elapsed(),
                self.console()
            );
            std::thread::sleep(Duration::from_millis(100));
        };
        eprintln!("e2e host: shut down for a reboot in {:?}", start.elapsed());
        assert_eq!(
            status.code(),
            Some(133),
            "systemd-nspawn's exit status on a reboot"
        );
        let (nspawn, leader) = spawn(&self.root_dir, self.volatile, &self.log, &self.extra);
        self.nspawn = nspawn;
        self.leader = leader;
        self.wait_running(Instant::now());
    }

    /// A power cut: the host killed at once (its init, then
    /// systemd-nspawn), then booted again from the same tree (a persistent
    /// host keeps its disk).
    pub fn power_cycle(&mut self) {
        self.kill();
        let (nspawn, leader) = spawn(&self.root_dir, self.volatile, &self.log, &self.extra);
        self.nspawn = nspawn;
        self.leader = leader;
        self.wait_running(Instant::now());
    }

    /// Runs a shell script inside the host.
    pub fn sh(&self, script: &str) -> Output {
        sh_in(self.leader, script)
    }

    /// Kills the host at once (its init, then systemd-nspawn): a machine
    /// that dies, no shutdown.
    pub fn kill(&mut self) {
        let _ = Command::new("kill")
            .args(["-KILL", &self.leader.to_string()])
            .status();
        let _ = self.nspawn.kill();
        let _ = self.nspawn.wait();
    }
}

/// Runs a shell script inside the host whose PID 1 is `leader`.
pub fn sh_in(leader: u32, script: &str) -> Output {
    {
        Command::new("nsenter")
            .arg(format!("--target={leader}"))
            .args(["--mount", "--uts", "--ipc", "--net", "--pid", "--"])
            .args(["/bin/sh", "-c", script])
            .env_clear()
            .env(
                "PATH",
                "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            )
            .env("NIX_CONFIG", NIX_CONFIG)
            .env("LANG", "C.UTF-8")
            .stdin(Stdio::null())
            .output()
            .expect("cannot run nsenter")
    }
}

impl Host {
    /// Runs a script that must succeed; returns its standard output.
    pub fn ok(&self, script: &str) -> String {
        expect_success(&self.sh(script), &format!("in the e2e host, `{script}`"))
    }

    /// `nixunits ARGS` inside (the shipped nix-dir, the fake nixpkgs).
    pub fn nixunits(&self, args: &str) -> Output {
        self.sh(&nixunits_script(args))
    }

    /// `nixunits ARGS` that must succeed.
    pub fn nixunits_ok(&self, args: &str) -> String {
        self.ok(&nixunits_script(args))
    }

    /// The host's console log so far.
    pub fn console(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Where a path of the host is seen from outside (through its PID 1).
    pub fn path(&self, p: &str) -> PathBuf {
        Path::new("/proc")
            .join(self.leader.to_string())
            .join("root")
            .join(p.trim_start_matches('/'))
    }
}

impl Drop for Host {
    fn drop(&mut self) {
        // systemd-nspawn turns SIGTERM into a clean shutdown of the host.
        let _ = Command::new("kill")
            .args(["-TERM", &self.nspawn.id().to_string()])
            .status();
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(20) {
            if let Ok(Some(_)) = self.nspawn.try_wait() {
                let _ = std::fs::remove_file(&self.log);
                self.unmount();
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.nspawn.kill();
        let _ = Command::new("kill")
            .args(["-KILL", &self.leader.to_string()])
            .status();
        let _ = self.nspawn.wait();
        self.unmount();
    }
}

/// A LAN: a bridge in a network namespace of the test's own, each host
/// joined to it by a veth (`lan0` inside the host). A host that dies
/// leaves it (its end goes with its namespace); it joins again on return.
pub struct Lan {
    ns: String,
    tag: u32,
}

impl Lan {
    pub fn new() -> Lan {
        require("ip", "iproute2");
        // Tests of one process boot side by side: each LAN its own names.
        static LANS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = LANS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let tag = (std::process::id() % 10_000) * 100 + n % 100;
        let ns = format!("nixunits-lan-{tag}");
        let _ = Command::new("ip")
            .args(["netns", "del", &ns])
            .stderr(Stdio::null())
            .status();
        run_checked(
            Command::new("ip").args(["netns", "add", &ns]),
            "ip netns add",
        );
        run_checked(
            Command::new("ip").args(["-n", &ns, "link", "add", "br0", "type", "bridge"]),
            "ip link add br0 (LAN)",
        );
        run_checked(
            Command::new("ip").args(["-n", &ns, "link", "set", "br0", "up"]),
            "ip link set br0 up (LAN)",
        );
        Lan { ns, tag }
    }

    /// Host `h`, the LAN's `k`-th, with IPv4 `addr`/24 on its `lan0`.
    pub fn join(&self, h: &Host, k: usize, addr: &str) {
        let (outer, inner) = (format!("ln{}o{k}", self.tag), format!("ln{}i{k}", self.tag));
        assert!(outer.len() <= 15, "{outer}");
        // A host that joins again after a reboot: its old link goes with
        // its network namespace, which the kernel may not have finished
        // tearing down.
        let _ = Command::new("ip")
            .args(["-n", &self.ns, "link", "del", &outer])
            .stderr(Stdio::null())
            .status();
        run_checked(
            Command::new("ip").args([
                "link", "add", &outer, "type", "veth", "peer", "name", &inner,
            ]),
            "ip link add (LAN)",
        );
        run_checked(
            Command::new("ip").args(["link", "set", &outer, "netns", &self.ns]),
            "ip link set netns (LAN)",
        );
        run_checked(
            Command::new("ip").args(["-n", &self.ns, "link", "set", &outer, "master", "br0", "up"]),
            "ip link set master br0 (LAN)",
        );
        run_checked(
            Command::new("ip").args(["link", "set", &inner, "netns", &h.leader.to_string()]),
            "ip link set netns (LAN host)",
        );
        h.ok(&format!(
            "ip link set {inner} name lan0 && ip addr add {addr}/24 dev lan0 && ip link set lan0 up"
        ));
        // Announced, as a booting host's network stack does: the others'
        // neighbour entries for a host that returns are updated.
        h.ok(&format!("busybox arping -U -c 1 -I lan0 {addr} >/dev/null"));
    }
}

impl Lan {
    /// The link of the LAN's `k`-th host made bad, in the LAN's own
    /// network namespace (the hosts are untouched; the kernel here has no
    /// `netem`): `loss` percent of the frames to and from it dropped
    /// (nftables' `numgen random` on the bridge), and what is sent to it
    /// through a token bucket of `kbit` kbit/s (`tbf`: a queue, so delay
    /// under load). 0 and 0: nothing.
    pub fn degrade(&self, k: usize, loss: u32, kbit: u32) {
        self.heal(k);
        let outer = format!("ln{}o{k}", self.tag);
        if loss > 0 {
            let rules = format!(
                "table bridge chaos{k} {{\n chain links {{\n  type filter hook forward priority 0; policy accept;\n  \
                 iifname \"{outer}\" numgen random mod 100 < {loss} drop\n  \
                 oifname \"{outer}\" numgen random mod 100 < {loss} drop\n }}\n}}\n"
            );
            let mut c = Command::new("ip")
                .args(["netns", "exec", &self.ns, "nft", "-f", "-"])
                .stdin(Stdio::piped())
                .spawn()
                .expect("cannot run nft (Debian: nftables)");
            use std::io::Write;
            c.stdin.take().unwrap().write_all(rules.as_bytes()).unwrap();
            assert!(c.wait().unwrap().success(), "nft: the loss on {outer}");
        }
        if kbit > 0 {
            let rate = format!("{kbit}kbit");
            // On the bridge's port to the host: what is sent to it (a
            // copy) waits in the bucket's queue.
            run_checked(
                Command::new("ip").args([
                    "netns", "exec", &self.ns, "tc", "qdisc", "replace", "dev", &outer, "root",
                    "tbf", "rate", &rate, "burst", "16kb", "latency", "400ms",
                ]),
                "tc qdisc replace … tbf (LAN)",
            );
        }
    }

    /// The link of the `k`-th host as it was: no loss, no bucket.
    pub fn heal(&self, k: usize) {
        let outer = format!("ln{}o{k}", self.tag);
        let _ = Command::new("ip")
            .args([
                "netns",
                "exec",
                &self.ns,
                "nft",
                "delete",
                "table",
                "bridge",
                &format!("chaos{k}"),
            ])
            .stderr(Stdio::null())
            .status();
        let _ = Command::new("ip")
            .args([
                "netns", "exec", &self.ns, "tc", "qdisc", "del", "dev", &outer, "root",
            ])
            .stderr(Stdio::null())
            .status();
    }
}

impl Drop for Lan {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", &self.ns]).status();
    }
}

impl Host {
    /// Unmounts a persistent host's overlay once it is down.
    fn unmount(&self) {
        if let Some(m) = &self.mounted {
            let _ = Command::new("umount").arg("--lazy").arg(m).status();
        }
    }
}
