//! `nixunits build` with real `nix-build` of the shipped `nix/` files,
//! `<nixpkgs>` being the tests' fake tree (`tests/fake-nixpkgs`, DESIGN §6): the build cache's hits and misses, counted with shims on
//! PATH that log every Nix process; failure and hostile input leaving the
//! state directory as it was; concurrency; `cache` and `ip6`.

#![allow(clippy::unwrap_used, clippy::print_stdout, clippy::print_stderr)]

mod util;

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use util::{assert_exit, nixunits, require, root, run};

/// A state directory, the shipped nix-dir, the fake nixpkgs, and shims that count Nix processes
/// and stand in for `systemctl` (no systemd runs here; the runtime tests
/// use a real one).
struct Env {
    _tmp: tempfile::TempDir,
    state: PathBuf,
    shims: PathBuf,
    work: PathBuf,
}

const NIX_PROGRAMS: &[&str] = &["nix-build", "nix-store", "nix-instantiate", "nix"];

impl Env {
    fn new() -> Env {
        for p in NIX_PROGRAMS {
            require(p, "nix-bin");
        }
        require("busybox", "busybox-static");
        let tmp = tempfile::tempdir().unwrap();
        let state = tmp.path().join("state");
        let shims = tmp.path().join("shims");
        let work = tmp.path().join("work");
        std::fs::create_dir_all(&shims).unwrap();
        std::fs::create_dir_all(&work).unwrap();
        let log = shims.join("calls.log");
        for p in NIX_PROGRAMS {
            let real = require(p, "nix-bin");
            write_exec(
                &shims.join(p),
                &format!(
                    "#!/bin/sh\necho \"{p} $*\" >> '{}'\nexec '{}' \"$@\"\n",
                    log.display(),
                    real.display()
                ),
            );
        }
        // systemctl: records the call; a unit is active once started.
        write_exec(
            &shims.join("systemctl"),
            &format!(
                "#!/bin/sh\necho \"systemctl $*\" >> '{log}'\ncase \"$1\" in\n  is-active) [ -e '{dir}/active' ] ;;\n  start|restart) touch '{dir}/active' ;;\n  stop) rm -f '{dir}/active' ;;\n  daemon-reload|show) ;;\n  *) exit 1 ;;\nesac\n",
                log = log.display(),
                dir = shims.display()
            ),
        );
        Env {
            _tmp: tmp,
            state,
            shims,
            work,
        }
    }

    fn cmd(&self) -> Command {
        self.cmd_with_state(&self.state)
    }

    /// The command with another `--state-dir` (relative ones are taken
    /// from `work`, the working directory).
    fn cmd_with_state(&self, state: &Path) -> Command {
        let mut c = nixunits();
        let path = format!(
            "{}:{}",
            self.shims.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        c.env("PATH", path)
            .env(
                "NIX_CONFIG",
                "substituters =\nsandbox = false\nbuild-users-group =\n",
            )
            .env(
                "NIX_PATH",
                format!("nixpkgs={}", root().join("tests/fake-nixpkgs").display()),
            )
            .env("NIXUNITS_SYSTEMD_DIR", self.shims.join("systemd"))
            .env("NIXUNITS_RUN_DIR", self.shims.join("run"))
            .current_dir(&self.work)
            .arg("--state-dir")
            .arg(state)
            .arg("--nix-dir")
            .arg(root().join("nix"));
        c
    }

    fn nixunits(&self, args: &[&str]) -> Output {
        run(self.cmd().args(args))
    }

    /// Runs a build that must succeed; returns its JSON outcome.
    fn build(&self, args: &[&str]) -> serde_json::Value {
        let out = self.nixunits(&[&["build", "--json"][..], args].concat());
        assert!(
            out.status.success(),
            "build {args:?} failed: {}\n{}",
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// `cache stats --json`.
    fn cache_stats(&self) -> serde_json::Value {
        serde_json::from_slice(&self.nixunits(&["cache", "stats", "--json"]).stdout).unwrap()
    }

    /// Calls logged by the shims since the last call to this function.
    fn take_calls(&self) -> Vec<String> {
        let log = self.shims.join("calls.log");
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        let _ = std::fs::remove_file(&log);
        text.lines().map(str::to_owned).collect()
    }

    fn nix_calls(&self) -> Vec<String> {
        self.take_calls()
            .into_iter()
            .filter(|c| c.starts_with("nix"))
            .collect()
    }

    /// How many `nix-build` runs the shims logged since the last look.
    fn nix_builds(&self) -> usize {
        self.nix_calls()
            .iter()
            .filter(|c| c.starts_with("nix-build"))
            .count()
    }

    fn file(&self, name: &str, text: &str) -> PathBuf {
        let p = self.work.join(name);
        if let Some(d) = p.parent() {
            std::fs::create_dir_all(d).unwrap();
        }
        std::fs::write(&p, text).unwrap();
        p
    }

    fn container(&self, id: &str) -> PathBuf {
        self.state.join("containers").join(id)
    }
}

fn write_exec(p: &Path, text: &str) {
    std::fs::write(p, text).unwrap();
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// Every entry below `dir`: kind and content (a link's target), to compare
/// a state directory before and after.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, String> {
    let mut out = BTreeMap::new();
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, String>) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        for e in rd {
            let p = e.unwrap().path();
            let rel = p.strip_prefix(root).unwrap().to_path_buf();
            let meta = std::fs::symlink_metadata(&p).unwrap();
            if meta.file_type().is_symlink() {
                out.insert(
                    rel,
                    format!("link {}", std::fs::read_link(&p).unwrap().display()),
                );
            } else if meta.is_dir() {
                out.insert(rel, "dir".into());
                walk(root, &p, out);
            } else {
                let bytes = std::fs::read(&p).unwrap();
                out.insert(rel, format!("file {} {:x}", bytes.len(), fxhash(&bytes)));
            }
        }
    }
    walk(dir, dir, &mut out);
    out
}

fn fxhash(b: &[u8]) -> u64 {
    b.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &x| {
        (h ^ u64::from(x)).wrapping_mul(0x100_0000_01b3)
    })
}

fn source(v: &serde_json::Value) -> &str {
    v["source"].as_str().unwrap()
}

const PG: &str = "{ services.postgresql.enable = true; }";

#[test]
fn the_cache_decides_when_nix_builds() {
    let env = Env::new();
    let first = env.build(&["pg", "-cc", PG, "-6"]);
    assert_eq!(source(&first), "miss");
    let calls = env.nix_calls();
    assert_eq!(
        calls.iter().filter(|c| c.starts_with("nix-build")).count(),
        1,
        "{calls:?}"
    );
    assert_eq!(first["ip6"], "fc00::bd30:9ff2:2");
    assert_eq!(first["hostIp6"], "fc00::bd30:9ff2:1");

    // Same input again: no Nix process at all.
    let again = env.build(&["pg", "-cc", PG, "-6"]);
    assert_eq!(source(&again), "installed");
    assert_eq!(env.nix_calls(), Vec::<String>::new());
    assert_eq!(again["outPath"], first["outPath"]);
    assert_eq!(again["changed"], false);

    // Reformatted and commented: still a hit.
    let reformatted = "# the database\n{\n  services.postgresql.enable =\n    true; /* yes */\n}\n";
    assert_eq!(
        source(&env.build(&["pg", "-cc", reformatted, "-6"])),
        "installed"
    );
    assert_eq!(env.nix_calls(), Vec::<String>::new());

    // A changed value: a miss.
    let changed = env.build(&["pg", "-cc", "{ services.postgresql.enable = false; }", "-6"]);
    assert_eq!(source(&changed), "miss");
    assert_eq!(changed["changed"], true);
    assert_eq!(env.nix_builds(), 1);

    // Back to the first config: the history has it, no nix-build.
    let back = env.build(&["pg", "-cc", PG, "-6"]);
    assert_eq!(source(&back), "history");
    assert_eq!(back["outPath"], first["outPath"]);
    assert_eq!(env.nix_builds(), 0);

    // Another network, another id, for a snippet that reads neither: the
    // same system, no nix-build; each container its own unit.conf.
    let other_net = env.build(&[
        "pg",
        "-cc",
        PG,
        "--ip6",
        "fc00::12",
        "--host-ip6",
        "fc00::11",
    ]);
    assert_eq!(source(&other_net), "history");
    let other_id = env.build(&["pg2", "-cc", PG, "-6"]);
    assert_eq!(source(&other_id), "history");
    assert_eq!(other_id["outPath"], first["outPath"]);
    assert_eq!(env.nix_builds(), 0);
    let conf = std::fs::read_to_string(env.container("pg2").join("unit.conf")).unwrap();
    assert!(
        conf.contains(&format!("IP6={}/112\n", other_id["ip6"].as_str().unwrap())),
        "{conf}"
    );
    assert!(
        conf.contains(&format!(
            "SYSTEM_PATH={}\n",
            first["outPath"].as_str().unwrap()
        )),
        "{conf}"
    );
    // A snippet that reads `id`: one system per id.
    let by_id =
        "{ id, ... }: { services.postgresql.enable = true; environment.etc.name.text = id; }";
    assert_eq!(source(&env.build(&["ida", "-cc", by_id])), "miss");
    assert_eq!(source(&env.build(&["idb", "-cc", by_id])), "miss");
    assert_eq!(env.nix_builds(), 2);

    // -f: rebuilt even though the cache has it.
    env.take_calls();
    let forced = env.build(&["pg2", "-cc", PG, "-6", "-f"]);
    assert_eq!(source(&forced), "forced");
    assert_eq!(env.nix_builds(), 1);
}

#[test]
fn editing_an_imported_file_is_a_miss() {
    let env = Env::new();
    env.file(
        "svc/common.nix",
        "{ services.redis.servers.a.port = 6379; }",
    );
    let main = env.file(
        "svc/main.nix",
        "{ imports = [ ./common.nix ]; services.redis.servers.a.enable = true; }",
    );
    let main = main.to_str().unwrap();
    assert_eq!(source(&env.build(&["cache1", "-cf", main])), "miss");
    assert_eq!(source(&env.build(&["cache1", "-cf", main])), "installed");
    env.file(
        "svc/common.nix",
        "{ services.redis.servers.a.port = 6380; }",
    );
    assert_eq!(source(&env.build(&["cache1", "-cf", main])), "miss");
    let plan = run(env
        .cmd()
        .args(["build", "cache1", "-cf", main, "--dry-run"]));
    let text = String::from_utf8(plan.stdout).unwrap();
    assert!(
        text.contains("follows: ") && text.contains("common.nix"),
        "{text}"
    );
}

#[test]
fn a_deleted_out_path_is_rebuilt() {
    let env = Env::new();
    // A system of its own (other tests share PG's): nothing else roots it.
    let nonce = format!("{:?}", std::time::SystemTime::now());
    let snippet = format!(
        "{{ services.postgresql.enable = true; environment.etc.gone.text = \"{nonce}\"; }}"
    );
    let first = env.build(&["gone", "-cc", &snippet]);
    let out = first["outPath"].as_str().unwrap().to_owned();
    // Drop the root, then the path.
    std::fs::remove_dir_all(env.container("gone").join("generations")).unwrap();
    let del = run(Command::new("nix-store").args(["--delete", &out]));
    assert!(
        del.status.success(),
        "{}",
        String::from_utf8_lossy(&del.stderr)
    );
    assert!(!Path::new(&out).exists());
    env.take_calls();
    let again = env.build(&["gone", "-cc", &snippet]);
    assert_eq!(source(&again), "miss");
    assert_eq!(
        again["outPath"].as_str().unwrap(),
        out,
        "the same derivation gives the same path"
    );
    assert!(Path::new(&out).join("init").exists());
    // nix-build registered the out-link as a GC root again.
    let roots = run(Command::new("nix-store").args(["--gc", "--print-roots"]));
    assert!(String::from_utf8_lossy(&roots.stdout).contains(&out));
}

#[test]
fn garbage_over_the_cache_is_a_warning_and_a_correct_build() {
    let env = Env::new();
    env.build(&["g1", "-cc", PG]);
    let cache = env.state.join("cache");
    for f in std::fs::read_dir(&cache).unwrap() {
        let f = f.unwrap().path();
        if f.is_file() {
            std::fs::write(&f, vec![0x5a_u8; 8192]).unwrap();
        }
    }
    let v = env.build(&["g2", "-cc", "{ services.redis.servers.x.enable = true; }"]);
    assert_eq!(source(&v), "miss");
    let warnings = v["warnings"].as_array().unwrap();
    assert!(
        warnings
            .iter()
            .any(|w| w.as_str().unwrap().contains("set aside")),
        "{v}"
    );
    assert!(Path::new(v["outPath"].as_str().unwrap()).exists());
    // The new cache works.
    assert_eq!(env.cache_stats()["entries"], 1);
}

#[test]
fn a_failed_build_changes_nothing() {
    let env = Env::new();
    env.build(&["fail", "-cc", PG, "-6"]);
    let before = snapshot(&env.container("fail"));
    let cache_before = run(env.cmd().args(["cache", "stats", "--json"])).stdout;

    // The fake nixpkgs fails on this option: nix-build runs and fails.
    let failing = "{ services.postgresql.enable = true; nixunitsTest.failBuild = true; }";
    let out = env.nixunits(&["build", "fail", "-cc", failing, "-6"]);
    assert_exit(&out, 1);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("nix-build failed")
            && stderr.contains("failing as nixunitsTest.failBuild asks"),
        "{stderr}"
    );
    let mut after = snapshot(&env.container("fail"));
    // Only the log of the failed build is new.
    assert_ne!(after.remove(Path::new("build.log")), None);
    let mut before_wo_log = before.clone();
    before_wo_log.remove(Path::new("build.log"));
    assert_eq!(after, before_wo_log);
    assert!(
        std::fs::read_to_string(env.container("fail").join("build.log"))
            .unwrap()
            .contains("failing as nixunitsTest.failBuild asks")
    );
    assert_eq!(
        run(env.cmd().args(["cache", "stats", "--json"])).stdout,
        cache_before
    );

    // A snippet that does not parse never reaches nix-build: exit 2.
    env.take_calls();
    let out = env.nixunits(&[
        "build",
        "fail",
        "-cc",
        "{ services.postgresql.enable = ; }",
        "-6",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("syntax_error"));
    assert_eq!(env.nix_calls(), Vec::<String>::new());
    let mut now = snapshot(&env.container("fail"));
    now.remove(Path::new("build.log"));
    assert_eq!(now, before_wo_log);
}

#[test]
fn hostile_input_is_exit_2_and_changes_nothing() {
    let env = Env::new();
    let base_ip6 = env.build(&["base", "-cc", PG, "-6"])["ip6"]
        .as_str()
        .unwrap()
        .to_owned();
    let dir = env.work.clone();
    std::fs::create_dir_all(dir.join("a-directory")).unwrap();
    std::os::unix::fs::symlink(dir.join("nowhere.nix"), dir.join("dangling.nix")).unwrap();
    std::fs::write(dir.join("latin1.nix"), b"{ x = \"\xe9\"; }").unwrap();
    let big = dir.join("big.nix");
    {
        let mut s = String::from("{ x = \"");
        s.push_str(&"a".repeat(50 << 20));
        s.push_str("\"; }");
        std::fs::write(&big, s).unwrap();
    }
    env.file("list.nix", "[ { services.nginx.enable = true; } ]");
    env.file("bad-unit.json", "{ \"network\": { \"ip6\": ");
    env.file("unknown-field.json", "{ \"netwrok\": {} }");
    let path = |n: &str| dir.join(n).display().to_string();

    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec!["../x".into(), "-cc".into(), PG.into()],
            "starts with a letter",
        ),
        (
            vec!["a_b".into(), "-cc".into(), PG.into()],
            "starts with a letter",
        ),
        (vec!["-x".into(), "-cc".into(), PG.into()], ""),
        (
            vec!["a".repeat(33), "-cc".into(), PG.into()],
            "1 to 32 characters",
        ),
        (
            vec!["".into(), "-cc".into(), PG.into()],
            "starts with a letter",
        ),
        (
            vec!["pé".into(), "-cc".into(), PG.into()],
            "starts with a letter",
        ),
        (
            vec!["pg;rm".into(), "-cc".into(), PG.into()],
            "starts with a letter",
        ),
        (
            vec![
                "ok".into(),
                "-cc".into(),
                PG.into(),
                "--ip6".into(),
                "fc00::1/129".into(),
                "--host-ip6".into(),
                "fc00::2".into(),
            ],
            "prefix at most 128",
        ),
        (
            vec![
                "ok".into(),
                "-cc".into(),
                PG.into(),
                "--ip6".into(),
                "fc00::7".into(),
                "--host-ip6".into(),
                "fc00::7".into(),
            ],
            "the same IPv6 address",
        ),
        (
            vec![
                "ok".into(),
                "-cc".into(),
                PG.into(),
                "--ip6".into(),
                "fe80::2/64".into(),
                "--host-ip6".into(),
                "fe80::1/64".into(),
            ],
            "is link-local",
        ),
        (
            vec![
                "ok".into(),
                "-cc".into(),
                PG.into(),
                "--ip4".into(),
                "10.9.0.2/24".into(),
                "--host-ip4".into(),
                "10.9.1.1/24".into(),
            ],
            "not in one subnet",
        ),
        (
            vec![
                "ok".into(),
                "-cc".into(),
                PG.into(),
                "--ip4".into(),
                "10.9.0.255/24".into(),
                "--host-ip4".into(),
                "10.9.0.1/24".into(),
            ],
            "broadcast address of its subnet",
        ),
        (
            vec![
                "ok".into(),
                "-cc".into(),
                PG.into(),
                "--interface".into(),
                "eth9".into(),
                "--ip6".into(),
                "ff02::1".into(),
            ],
            "multicast",
        ),
        (
            vec![
                "ok".into(),
                "-cc".into(),
                PG.into(),
                "--ip4".into(),
                "10.0.0.300".into(),
                "--host-ip4".into(),
                "10.0.0.1".into(),
            ],
            "not an IPv4 address",
        ),
        (
            vec![
                "ok".into(),
                "-cc".into(),
                PG.into(),
                "--ip6".into(),
                "fc00::5".into(),
            ],
            "both sides",
        ),
        (
            vec![
                "ok".into(),
                "-cc".into(),
                PG.into(),
                "--interface".into(),
                "eth0/x".into(),
            ],
            "interface name",
        ),
        (
            vec![
                "ok".into(),
                "-cc".into(),
                PG.into(),
                "-6".into(),
                "--ip6".into(),
                "fc00::1".into(),
            ],
            "cannot be used with",
        ),
        (
            vec!["ok".into(), "-cf".into(), path("missing.nix")],
            "cannot read",
        ),
        (
            vec!["ok".into(), "-cf".into(), path("a-directory")],
            "not a regular file",
        ),
        (
            vec!["ok".into(), "-cf".into(), path("dangling.nix")],
            "cannot read",
        ),
        (
            vec!["ok".into(), "-cf".into(), path("latin1.nix")],
            "not UTF-8",
        ),
        (
            vec!["ok".into(), "-cf".into(), big.display().to_string()],
            "limit of 1 MiB",
        ),
        (
            vec!["ok".into(), "-cf".into(), path("list.nix")],
            "not a NixOS module",
        ),
        (
            vec!["ok".into(), "-cc".into(), "{ x = pkgs.hello; }".into()],
            "undefined variable 'pkgs'",
        ),
        (
            vec![
                "ok".into(),
                "-cc".into(),
                "{ systemd.package = null; }".into(),
            ],
            "policy_deny",
        ),
        (
            vec![
                "ok".into(),
                "-cc".into(),
                PG.into(),
                "-j".into(),
                path("bad-unit.json"),
            ],
            "bad-unit.json",
        ),
        (
            vec![
                "ok".into(),
                "-cc".into(),
                PG.into(),
                "-j".into(),
                path("unknown-field.json"),
            ],
            "unknown field",
        ),
        (
            vec![
                "ok".into(),
                "-cc".into(),
                PG.into(),
                "-j".into(),
                path("missing.json"),
            ],
            "cannot read",
        ),
        (
            vec![
                "other".into(),
                "-cc".into(),
                PG.into(),
                "--ip6".into(),
                base_ip6.clone(),
                "--host-ip6".into(),
                // In the same /112 as base's address.
                format!("{}99", base_ip6.trim_end_matches(|c: char| c != ':')),
            ],
            "already used by container base",
        ),
        (vec!["ok".into()], "required"),
        (
            vec![
                "ok".into(),
                "-cc".into(),
                PG.into(),
                "-cf".into(),
                path("list.nix"),
            ],
            "cannot be used with",
        ),
    ];
    let before = snapshot(&env.state);
    env.take_calls();
    for (args, needle) in cases {
        let mut full = vec!["build".to_owned()];
        full.extend(args.iter().cloned());
        let refs: Vec<&str> = full.iter().map(String::as_str).collect();
        let out = env.nixunits(&refs);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains(needle),
            "{args:?}: expected {needle:?} in {stderr}"
        );
        assert_eq!(
            snapshot(&env.state),
            before,
            "{args:?} changed the state directory"
        );
    }
    assert_eq!(env.nix_calls(), Vec::<String>::new());

    // A state directory that does not exist yet is not created by bad input.
    let fresh = Env::new();
    let out = fresh.nixunits(&["build", "../x", "-cc", PG]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!fresh.state.exists());
}

#[test]
fn builds_of_one_id_serialize_and_of_many_ids_run_together() {
    let env = Env::new();
    // Widen each build so that overlapping ones would show.
    let log = env.shims.join("spans.log");
    let real = require("nix-build", "nix-bin");
    write_exec(
        &env.shims.join("nix-build"),
        &format!(
            "#!/bin/sh\necho \"start $(date +%s%N)\" >> '{log}'\nsleep 0.3\n'{real}' \"$@\"\nrc=$?\necho \"end $(date +%s%N)\" >> '{log}'\nexit $rc\n",
            log = log.display(),
            real = real.display()
        ),
    );
    let spawn = |id: &str, value: &str| {
        env.cmd()
            .args([
                "build",
                "--json",
                id,
                "-cc",
                &format!("{{ services.x.v = {value}; }}"),
            ])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let a = spawn("same", "1");
    let b = spawn("same", "2");
    for child in [a, b] {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let spans: Vec<(String, u128)> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| {
            let (k, t) = l.split_once(' ').unwrap();
            (k.to_owned(), t.parse().unwrap())
        })
        .collect();
    let kinds: Vec<&str> = spans.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        kinds,
        ["start", "end", "start", "end"],
        "the two builds of one id overlapped: {spans:?}"
    );

    let children: Vec<_> = (0..8)
        .map(|i| spawn(&format!("many{i}"), &i.to_string()))
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // One entry per system: many1 and many2 are the systems of the two
    // builds of `same` (the history keys systems, not containers).
    assert_eq!(env.cache_stats()["entries"], 8);
}

#[test]
fn start_and_restart_only_when_needed() {
    let env = Env::new();
    env.take_calls();
    let v = env.build(&["svc", "-cc", PG, "-s"]);
    assert_eq!(v["unit"], "started");
    let calls = env.take_calls();
    assert!(
        calls.contains(&"systemctl start nixunits@svc.service".to_owned()),
        "{calls:?}"
    );
    // Unchanged and running: nothing, even with -r.
    let v = env.build(&["svc", "-cc", PG, "-r"]);
    assert_eq!(v["unit"], "unchanged");
    assert!(!env
        .take_calls()
        .iter()
        .any(|c| c.contains("restart") || c.contains("systemctl start")));
    // Changed: restarted.
    let v = env.build(&[
        "svc",
        "-cc",
        "{ services.postgresql.enable = false; }",
        "-r",
    ]);
    assert_eq!(v["unit"], "restarted");
    assert!(env
        .take_calls()
        .contains(&"systemctl restart nixunits@svc.service".to_owned()));
    // Changed without -r: left alone.
    let v = env.build(&["svc", "-cc", PG]);
    assert_eq!(v["unit"], "unchanged");
    assert!(!env
        .take_calls()
        .iter()
        .any(|c| c.starts_with("systemctl start") || c.starts_with("systemctl restart")));
}

#[test]
fn dry_run_changes_nothing() {
    let env = Env::new();
    env.build(&["dry", "-cc", PG, "-6"]);
    let before = snapshot(&env.state);
    env.take_calls();
    let out = env.nixunits(&[
        "build",
        "dry",
        "-cc",
        "{ services.postgresql.enable = false; }",
        "-6",
        "--dry-run",
    ]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("cache: cache miss"), "{text}");
    assert!(
        text.contains("would run: nix-build ") && text.contains("--argstr id dry"),
        "{text}"
    );
    assert!(
        text.contains("ip6: fc00::bd30") || text.contains("ip6: fc00::"),
        "{text}"
    );
    assert_eq!(env.nix_calls(), Vec::<String>::new());
    assert_eq!(snapshot(&env.state), before);
    let out = env.nixunits(&["build", "dry", "-cc", PG, "-6", "--dry-run", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["source"], "installed");
    assert_eq!(v["wouldBuild"], false);
    // A history hit is seen without opening (and so rewriting) the cache.
    env.build(&[
        "dry",
        "-cc",
        "{ services.postgresql.enable = false; }",
        "-6",
    ]);
    let before = snapshot(&env.state);
    let out = env.nixunits(&["build", "dry", "-cc", PG, "-6", "--dry-run", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["source"], "history");
    assert_eq!(snapshot(&env.state), before);
}

/// A bug of nixunits met while checking the snippet (a fault injected in
/// debug builds) does not make the snippet bad input: the build goes on,
/// with a warning saying the snippet was not fully checked.
#[test]
fn a_bug_while_checking_does_not_refuse_the_build() {
    let env = Env::new();
    let out = run(env.cmd().env("NIXUNITS_FAULT_PANIC", "FAULT-HERE").args([
        "build",
        "bug",
        "-cc",
        "{ services.postgresql.enable = false; } # FAULT-HERE",
        "--dry-run",
    ]));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("warning: the snippet was not fully checked: nixunits failed while evaluating this file")
            && !err.contains("panicked"),
        "{err}"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("would run: nix-build "));
}

#[test]
fn impure_snippets_are_never_cached() {
    let env = Env::new();
    let impure = "{ environment.etc.x.text = builtins.getEnv \"HOME\"; }";
    let a = env.build(&["imp", "-cc", impure]);
    assert_eq!(source(&a), "uncacheable");
    assert!(a["uncacheable"][0].as_str().unwrap().contains("getEnv"));
    let b = env.build(&["imp", "-cc", impure]);
    assert_eq!(source(&b), "uncacheable");
    assert_eq!(env.nix_builds(), 2);
    let out = env.nixunits(&["build", "imp", "-cc", impure, "--dry-run"]);
    assert!(String::from_utf8_lossy(&out.stdout)
        .contains("not cacheable: the snippet: `builtins.getEnv`"));
}

#[test]
fn files_on_the_host_follow_the_design() {
    let env = Env::new();
    // A snippet no earlier run built, so that nix-build really builds.
    let nonce = format!("{:?}", std::time::SystemTime::now());
    let snippet = format!(
        "{{ services.postgresql.enable = true; environment.etc.nonce.text = \"{nonce}\"; }}"
    );
    let v = env.build(&["layout", "-cc", &snippet, "-6"]);
    let top = env.container("layout");
    // The live generation: generations/1, through `current`.
    assert_eq!(v["generation"], 1);
    assert_eq!(
        std::fs::read_link(top.join("current")).unwrap(),
        Path::new("generations/1")
    );
    assert_eq!(
        std::fs::read_link(top.join("unit.conf")).unwrap(),
        Path::new("current/unit.conf")
    );
    let d = top.join("generations/1");
    let out = v["outPath"].as_str().unwrap();
    assert_eq!(
        std::fs::read_link(d.join("result")).unwrap(),
        Path::new(out)
    );
    // unit.conf: written by nixunits for this container (the system is
    // shared), the text nix/lib.nix's confText makes.
    let own = std::fs::read_to_string(d.join("unit.conf")).unwrap();
    assert!(own.contains(&format!("SYSTEM_PATH={out}\n")), "{own}");
    let conf = std::fs::read_to_string(top.join("unit.conf")).unwrap();
    // SYSTEM_PATH is the NixOS system the shipped default.nix evaluated.
    let system = conf
        .lines()
        .find_map(|l| l.strip_prefix("SYSTEM_PATH="))
        .unwrap();
    // The result is the system itself.
    assert_eq!(out, system);
    assert!(Path::new(system).join("init").is_file(), "{conf}");
    let config: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(Path::new(system).join("config.json")).unwrap(),
    )
    .unwrap();
    // The hostname is the machine name nspawn sets, not in the system.
    assert_eq!(config["networking"]["hostName"], "");
    assert_eq!(config["boot"]["isContainer"], true);
    assert_eq!(
        config["environment"]["etc"]["nonce"]["text"],
        nonce.as_str()
    );
    assert!(
        conf.contains("IP6=fc00::") && conf.contains("NSPAWN_ARGS=\"--network-veth "),
        "{conf}"
    );
    assert_eq!(
        std::fs::read_to_string(d.join("config.nix")).unwrap(),
        snippet
    );
    let stamp = std::fs::read_to_string(d.join("key")).unwrap();
    assert!(
        stamp.starts_with(&format!("key {}\nout {out}\n", v["key"].as_str().unwrap())),
        "{stamp}"
    );
    let unit: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("unit.json")).unwrap()).unwrap();
    assert_eq!(
        unit["network"]["ip6"].as_str().unwrap().split('/').nth(1),
        Some("112")
    );
    assert!(std::fs::read_to_string(top.join("build.log"))
        .unwrap()
        .contains("fake nixos: building the system"));
    assert!(env.state.join("locks/layout.lock").exists());
    // The seed's first lines.
    let human = run(env.cmd().args(["build", "layout", "-cc", &snippet, "-6"]));
    let text = String::from_utf8(human.stdout).unwrap();
    assert!(
        text.starts_with(&format!(
            "Container : layout\n  ip6: {}\n  hostIp6: {}\n",
            v["ip6"].as_str().unwrap(),
            v["hostIp6"].as_str().unwrap()
        )),
        "{text}"
    );
}

#[test]
fn cache_commands() {
    let env = Env::new();
    env.build(&["ca", "-cc", PG]);
    let a = env.build(&["ca", "-cc", "{ services.postgresql.enable = false; }"]);
    // cb: ca's first system, from the history (one entry per system).
    env.build(&["cb", "-cc", PG]);
    assert_eq!(env.cache_stats()["entries"], 2);
    assert_eq!(env.cache_stats()["inUse"], 2);
    // gc keeps what every kept generation uses (rollback targets too).
    assert!(env.nixunits(&["cache", "gc"]).status.success());
    assert_eq!(env.cache_stats()["entries"], 2);
    // verify drops entries whose out path is gone; --keep 1 lets a's go.
    let gone = a["outPath"].as_str().unwrap();
    env.build(&[
        "ca",
        "-cc",
        "{ services.redis.servers.q.enable = true; }",
        "--keep",
        "1",
    ]);
    assert_eq!(generation_rows(&env, "ca").len(), 1);
    let del = run(Command::new("nix-store").args(["--delete", gone]));
    assert!(
        del.status.success() || !Path::new(gone).exists(),
        "{}",
        String::from_utf8_lossy(&del.stderr)
    );
    assert_eq!(env.cache_stats()["entries"], 3);
    let out = env.nixunits(&["cache", "verify"]);
    assert!(
        String::from_utf8_lossy(&out.stdout).starts_with("dropped 1 of 3"),
        "{out:?}"
    );
    assert_eq!(env.cache_stats()["entries"], 2);
    // gc: both left are in use (cb runs ca's first system).
    assert!(env.nixunits(&["cache", "gc"]).status.success());
    assert_eq!(env.cache_stats()["entries"], 2);
    assert!(env.nixunits(&["cache", "clear"]).status.success());
    assert_eq!(env.cache_stats()["entries"], 0);
}

#[test]
fn ip6_is_the_seeds() {
    let out = run(nixunits().args(["ip6", "pg"]));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "ip6: fc00::bd30:9ff2:2\nhostIp6: fc00::bd30:9ff2:1\n"
    );
    // An id whose CRC32 has a leading zero digit.
    let (id, crc) = (0..100_000)
        .map(|i| format!("z{i}"))
        .map(|n| {
            let c = crc32(&n);
            (n, c)
        })
        .find(|(_, c)| (0x0100_0000..0x1000_0000).contains(c))
        .unwrap();
    let c = format!("{crc:x}");
    let out = run(nixunits().args(["ip6", &id, "--json"]));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let want: std::net::Ipv6Addr = format!("fc00::{}:{}:2", &c[..4], &c[4..]).parse().unwrap();
    assert_eq!(v["ip6"], want.to_string());
    // An id whose CRC32 is too short for the seed's scheme: refused.
    let short = (0..2_000_000)
        .map(|i| format!("s{i}"))
        .find(|n| crc32(n) <= 0xffff)
        .unwrap();
    let out = run(nixunits().args(["ip6", &short]));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("give --ip6 and --host-ip6"));
}

/// CRC-32 (IEEE), written out so the test does not share the code it checks.
fn crc32(s: &str) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &b in s.as_bytes() {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// Store paths parsed and computed by `nix-derivation` agree with what
/// real Nix prints.
#[test]
fn store_paths_match_nix() {
    let nix = require("nix-instantiate", "nix-bin");
    for (name, content) in [("hello", "world"), ("nixunits-pg.conf", "SYSTEM_PATH=/x\n")] {
        let expr = format!(
            "builtins.toFile \"{name}\" \"{}\"",
            content.replace('\n', "\\n")
        );
        let out = run(Command::new(&nix).args(["--eval", "-E", &expr]));
        let printed = String::from_utf8(out.stdout)
            .unwrap()
            .trim()
            .trim_matches('"')
            .to_owned();
        let ours = nix_derivation::store_path::build_text_path(
            name,
            content.as_bytes(),
            std::iter::empty::<&nix_derivation::StorePath>(),
        )
        .unwrap();
        assert_eq!(ours.to_absolute_path(), printed);
        let parsed: nix_derivation::StorePath = printed.parse().unwrap();
        assert_eq!(parsed, ours);
    }
}

/// On a terminal, the build shows one live line (elapsed time, last log
/// line) and clears it; elsewhere, plain lines.
#[test]
fn progress_on_a_terminal_and_plain_lines_elsewhere() {
    let env = Env::new();
    let script = require("script", "bsdutils");
    let nonce = format!("{:?}", std::time::SystemTime::now());
    let snippet = format!("{{ environment.etc.n.text = \"{nonce}\"; }}");
    let cmd = env.cmd();
    let mut line: Vec<String> = vec![cmd.get_program().to_string_lossy().into_owned()];
    line.extend(cmd.get_args().map(|a| a.to_string_lossy().into_owned()));
    line.extend(["build".into(), "tty".into(), "-cc".into(), snippet.clone()]);
    let quoted: Vec<String> = line
        .iter()
        .map(|a| format!("'{}'", a.replace('\'', "'\\''")))
        .collect();
    let mut c = Command::new(script);
    for (k, v) in cmd.get_envs() {
        match v {
            Some(v) => c.env(k, v),
            None => c.env_remove(k),
        };
    }
    let out = run(c
        .current_dir(&env.work)
        .args(["-qec", &quoted.join(" "), "/dev/null"]));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("building tty [0s]") && text.contains("fake nixos: building the system"),
        "{text}"
    );
    assert!(
        text.contains("\x1b[2K"),
        "the live line is redrawn in place: {text:?}"
    );
    // Not a terminal: plain lines on stderr.
    let plain = snippet.replace(&nonce, &format!("{nonce} plain"));
    let out = env.nixunits(&["build", "plain", "-cc", &plain]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("building plain (nix-build)\n")
            && stderr.contains("  nix-build: fake nixos: building the system"),
        "{stderr}"
    );
}

/// Resource limits become a drop-in of the unit, and systemd is reloaded
/// when it changes.
#[test]
fn resources_become_a_drop_in() {
    let env = Env::new();
    env.file(
        "res.json",
        r#"{ "resources": { "memoryMax": "512M", "tasksMax": 64, "cpuQuota": "50%" } }"#,
    );
    let unit = env.work.join("res.json").display().to_string();
    env.take_calls();
    env.build(&["res", "-cc", PG, "-j", &unit]);
    let drop_in = env
        .shims
        .join("systemd/nixunits@res.service.d/50-nixunits-resources.conf");
    let text = std::fs::read_to_string(&drop_in).unwrap();
    assert!(
        text.contains("[Service]\nMemoryMax=512M\nTasksMax=64\nCPUQuota=50%\n"),
        "{text}"
    );
    assert!(env
        .take_calls()
        .contains(&"systemctl daemon-reload".to_owned()));
    // Unchanged: no reload. Without limits: the drop-in goes.
    env.build(&[
        "res",
        "-cc",
        "{ services.postgresql.enable = false; }",
        "-j",
        &unit,
    ]);
    assert!(!env
        .take_calls()
        .contains(&"systemctl daemon-reload".to_owned()));
    env.build(&["res", "-cc", PG]);
    assert!(!drop_in.exists());
    assert!(env
        .take_calls()
        .contains(&"systemctl daemon-reload".to_owned()));
    // A limit systemd would not take is bad input.
    env.file("bad.json", r#"{ "resources": { "memoryMax": "lots" } }"#);
    let out = env.nixunits(&[
        "build",
        "res",
        "-cc",
        PG,
        "-j",
        env.work.join("bad.json").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("resources.memoryMax"));
}

/// A first build that fails leaves no container: `status` says so, and the
/// log is kept under `$STATE/logs`.
#[test]
fn a_failed_first_build_leaves_no_container() {
    let env = Env::new();
    let out = env.nixunits(&[
        "build",
        "never",
        "-cc",
        "{ nixunitsTest.failBuild = true; }",
    ]);
    assert_exit(&out, 1);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("logs/never.build.log"), "{stderr}");
    assert!(!env.container("never").exists());
    assert!(
        std::fs::read_to_string(env.state.join("logs/never.build.log"))
            .unwrap()
            .contains("failing as nixunitsTest.failBuild asks")
    );
    let st = env.nixunits(&["status", "never"]);
    assert_exit(&st, 2);
    assert!(String::from_utf8_lossy(&st.stderr).contains("no container never"));
}

/// No nixpkgs to build with: exit 2 before any Nix process, with the fix,
/// said once; nothing written.
#[test]
fn no_nixpkgs_is_exit_2_with_the_fix() {
    let env = Env::new();
    for (nix_path, given) in [
        (Some("nixpkgs=/nonexistent/nixpkgs"), None),
        (Some("foo=/tmp"), None),
        (None, Some("/nonexistent/tree")),
        (Some("nixpkgs=https://example.invalid/nixpkgs.tar.gz"), None),
    ] {
        let mut c = env.cmd();
        match nix_path {
            Some(p) => c.env("NIX_PATH", p),
            None => c.env(
                "NIX_PATH",
                format!("nixpkgs={}", root().join("tests/fake-nixpkgs").display()),
            ),
        };
        c.env("HOME", &env.work).args(["build", "np", "-cc", PG]);
        if let Some(g) = given {
            c.args(["--nixpkgs", g]);
        }
        let out = run(&mut c);
        assert_exit(&out, 2);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("set NIX_PATH=nixpkgs=/path/to/nixpkgs or pass --nixpkgs PATH"),
            "{nix_path:?} {given:?}: {stderr}"
        );
        assert_eq!(stderr.lines().count(), 1, "said once: {stderr}");
        // (`nix --version` may run: which Nix the check agrees with.)
        let calls = env.nix_calls();
        assert!(!calls.iter().any(|c| c.starts_with("nix-")), "{calls:?}");
        assert!(!env.state.join("containers/np").exists());
    }
    // --nixpkgs names the tree and it is what nix-build gets.
    let mut c = env.cmd();
    c.env_remove("NIX_PATH").env("HOME", &env.work).args([
        "build",
        "np",
        "-cc",
        PG,
        "--json",
        "--nixpkgs",
    ]);
    c.arg(root().join("tests/fake-nixpkgs"));
    let out = run(&mut c);
    assert_exit(&out, 0);
    assert!(env
        .nix_calls()
        .iter()
        .any(|c| c.starts_with("nix-build") && c.contains("fake-nixpkgs")));
}

fn generation_rows(env: &Env, id: &str) -> Vec<serde_json::Value> {
    let out = env.nixunits(&["generations", id, "--json"]);
    assert_exit(&out, 0);
    serde_json::from_slice(&out.stdout).unwrap()
}

/// `--keep N` generations stay, each a GC root (none of their out paths is
/// dead to the store's garbage collector); older ones go.
#[test]
fn generations_are_kept_and_rooted() {
    let env = Env::new();
    let mut outs = Vec::new();
    for i in 0..5 {
        let v = env.build(&[
            "gens",
            "-cc",
            &format!("{{ nixunitsTest.marker = \"keep-{i}\"; }}"),
            "--keep",
            "3",
        ]);
        assert_eq!(v["generation"], i + 1);
        outs.push(v["outPath"].as_str().unwrap().to_owned());
    }
    let rows = generation_rows(&env, "gens");
    let numbers: Vec<u64> = rows
        .iter()
        .map(|r| r["generation"].as_u64().unwrap())
        .collect();
    assert_eq!(numbers, [3, 4, 5]);
    assert!(rows.iter().all(|r| r["ok"] == true), "{rows:?}");
    assert_eq!(rows.iter().filter(|r| r["live"] == true).count(), 1);
    assert_eq!(rows[2]["live"], true);
    let dead = run(Command::new("nix-store").args(["--gc", "--print-dead"]));
    let dead = String::from_utf8_lossy(&dead.stdout);
    for out in &outs[2..] {
        assert!(!dead.contains(out.as_str()), "{out} is not rooted");
    }
    // Rollback in the state directory (systemd is the shim here; the e2e
    // test restarts a real unit).
    let out = env.nixunits(&["rollback", "gens"]);
    assert_exit(&out, 0);
    assert!(String::from_utf8_lossy(&out.stdout).contains("generation 4 is live (was 5)"));
    let out = env.nixunits(&["rollback", "gens", "--to", "1"]);
    assert_exit(&out, 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("no generation 1"));
    let st: serde_json::Value =
        serde_json::from_slice(&env.nixunits(&["status", "gens", "--json"]).stdout).unwrap();
    assert_eq!(st["generation"], 4);
    assert_eq!(st["outPath"], outs[3].as_str());
    // Building the live config again: installed. The newest one: from the
    // history, a new generation, no nix-build.
    env.take_calls();
    let v = env.build(&["gens", "-cc", "{ nixunitsTest.marker = \"keep-3\"; }"]);
    assert_eq!(source(&v), "installed");
    let v = env.build(&["gens", "-cc", "{ nixunitsTest.marker = \"keep-4\"; }"]);
    assert_eq!(source(&v), "history");
    assert_eq!(v["generation"], 6);
    assert_eq!(env.nix_builds(), 0);
}

/// A live generation whose files no longer match its stamp (a hand edit,
/// a torn write) is not a no-op: it is made again from its out path,
/// without nix-build.
#[test]
fn a_damaged_live_generation_is_made_again() {
    let env = Env::new();
    let first = env.build(&["dmg", "-cc", PG, "-6"]);
    let live = env.container("dmg").join("current");
    std::fs::write(
        live.join("unit.json"),
        "{\"capsAllow\":[\"CAP_SYS_ADMIN\"]}",
    )
    .unwrap();
    env.take_calls();
    let v = env.build(&["dmg", "-cc", PG, "-6"]);
    assert_eq!(source(&v), "repaired", "{v}");
    assert_eq!(v["outPath"], first["outPath"]);
    assert_eq!(v["generation"], 2);
    assert!(
        v["warnings"][0]
            .as_str()
            .unwrap()
            .contains("did not match its stamp"),
        "{v}"
    );
    assert_eq!(env.nix_builds(), 0);
    let unit = std::fs::read_to_string(live.join("unit.json")).unwrap();
    assert!(!unit.contains("CAP_SYS_ADMIN"), "{unit}");
    // A missing stamp, likewise.
    std::fs::remove_file(live.join("key")).unwrap();
    let v = env.build(&["dmg", "-cc", PG, "-6"]);
    assert_ne!(source(&v), "installed", "{v}");
    assert_eq!(env.nix_builds(), 0);
    assert_eq!(source(&env.build(&["dmg", "-cc", PG, "-6"])), "installed");
}

/// A state directory from before generations (result, unit.conf,
/// config.nix, unit.json and key at the top) becomes generation 1 on the
/// next build, its out path rooted from there; nothing is rebuilt.
#[test]
fn old_state_directories_migrate() {
    let env = Env::new();
    let v = env.build(&["old", "-cc", PG, "-6"]);
    let d = env.container("old");
    // The old layout, as the first release wrote it: its result the
    // container's own store path (default.nix), unit.conf a link into it.
    let g = d.join("generations/1");
    let wrapper = run(env
        .cmd()
        .get_envs()
        .fold(Command::new("nix-build"), |mut c, (k, v)| {
            if let Some(v) = v {
                c.env(k, v);
            }
            c
        })
        .arg(root().join("nix/default.nix"))
        .args([
            "--no-out-link",
            "--argstr",
            "id",
            "old",
            "--arg",
            "configFile",
        ])
        .arg(g.join("config.nix"))
        .args(["--argstr", "unitJSON"])
        .arg(std::fs::read_to_string(g.join("unit.json")).unwrap()));
    assert!(
        wrapper.status.success(),
        "{}",
        String::from_utf8_lossy(&wrapper.stderr)
    );
    let out = String::from_utf8(wrapper.stdout).unwrap().trim().to_owned();
    for f in ["config.nix", "unit.json"] {
        std::fs::copy(g.join(f), d.join(f)).unwrap();
    }
    std::fs::write(d.join("key"), format!("{}\n", v["key"].as_str().unwrap())).unwrap();
    let add = run(Command::new("nix-store")
        .arg("--add-root")
        .arg(d.join("result"))
        .args(["--indirect", "--realise", &out]));
    assert!(add.status.success(), "{add:?}");
    std::fs::remove_file(d.join("current")).unwrap();
    std::fs::remove_dir_all(d.join("generations")).unwrap();
    std::fs::remove_file(d.join("unit.conf")).unwrap();
    std::os::unix::fs::symlink("result/etc/nixunits/old.conf", d.join("unit.conf")).unwrap();
    // Read as it is before any build.
    let st: serde_json::Value =
        serde_json::from_slice(&env.nixunits(&["status", "old", "--json"]).stdout).unwrap();
    assert_eq!(st["outPath"], out.as_str());
    env.take_calls();
    let v = env.build(&["old", "-cc", PG, "-6"]);
    assert_eq!(source(&v), "installed", "{v}");
    assert_eq!(v["generation"], 1);
    assert_eq!(env.nix_builds(), 0);
    assert!(!d.join("result").exists() && !d.join("key").exists());
    assert_eq!(
        std::fs::read_link(d.join("unit.conf")).unwrap(),
        Path::new("current/unit.conf")
    );
    let dead = run(Command::new("nix-store").args(["--gc", "--print-dead"]));
    assert!(
        !String::from_utf8_lossy(&dead.stdout).contains(&out),
        "{out} lost its root"
    );
    assert_eq!(generation_rows(&env, "old")[0]["ok"], true);

    // A migration killed between its switch and the removal of the old
    // files: the next build finishes the removal (the old `result` would
    // otherwise stay a GC root for ever), and nothing else changes.
    let add = run(Command::new("nix-store")
        .arg("--add-root")
        .arg(d.join("result"))
        .args(["--indirect", "--realise", &out]));
    assert!(add.status.success(), "{add:?}");
    std::fs::write(d.join("key"), format!("{}\n", v["key"].as_str().unwrap())).unwrap();
    env.take_calls();
    let again = env.build(&["old", "-cc", PG, "-6"]);
    assert_eq!(source(&again), "installed", "{again}");
    assert_eq!(again["generation"], 1);
    assert_eq!(env.nix_builds(), 0);
    assert!(std::fs::symlink_metadata(d.join("result")).is_err());
    assert!(!d.join("key").exists());
    assert_eq!(generation_rows(&env, "old").len(), 1);
}

#[test]
fn a_relative_state_dir_is_taken_from_the_working_directory() {
    let env = Env::new();
    let rel = Path::new("here/state");
    let build = |args: &[&str]| {
        let out = run(env
            .cmd_with_state(rel)
            .args(["build", "rel", "-cc", PG, "--json"])
            .args(args));
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let v = build(&[]);
    assert_eq!(v["source"], "miss");
    let dir = env.work.join("here/state/containers/rel");
    assert_eq!(
        std::fs::read_link(dir.join("current/result")).unwrap(),
        Path::new(v["outPath"].as_str().unwrap())
    );
    // The same state directory, found again from the same place: a hit.
    assert_eq!(build(&[])["source"], "installed");
    let out = run(env.cmd_with_state(rel).args(["status", "rel", "--json"]));
    assert_exit(&out, 0);
    let st: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(st["outPath"], v["outPath"]);
    // Nothing was made at the root of the file system.
    assert!(!Path::new("/here/state").exists());
}

#[test]
fn update_without_a_snippet_switches_a_running_container_to_its_live_generation() {
    let env = Env::new();
    let update = |args: &[&str]| env.nixunits(&[&["update"][..], args].concat());
    let json = |out: &Output| -> serde_json::Value {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };
    // No container, or options that change what is built: exit 2.
    let out = update(&["nope"]);
    assert_exit(&out, 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("no container nope"));
    let first = env.build(&["up", "-cc", PG, "-s"]);
    assert_eq!(first["unit"], "started");
    for extra in [&["-6"][..], &["--port", "tcp:80:80"], &["-f"]] {
        let out = update(&[&["up"][..], extra].concat());
        assert_exit(&out, 2);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("give the snippet too"), "{extra:?}: {err}");
    }
    // `build` still wants a snippet.
    assert_exit(&env.nixunits(&["build", "up"]), 2);
    env.take_calls();
    // Running the live generation: nothing to do.
    let v = json(&update(&["up", "--json"]));
    assert_eq!(
        (v["unit"].as_str(), v["stale"].as_bool()),
        (Some("unchanged"), Some(false))
    );
    assert_eq!(v["outPath"], first["outPath"]);
    // A build without -r installs a new generation and leaves the running
    // container on the old one, as its start recorded (`prepare` writes
    // `<id>.running`; no systemd runs here, so the test writes it).
    let second = env.build(&["up", "-cc", "{ services.postgresql.enable = false; }"]);
    assert_eq!(second["unit"], "unchanged");
    std::fs::create_dir_all(env.shims.join("run")).unwrap();
    std::fs::write(
        env.shims.join("run/up.running"),
        format!("{}\n", first["outPath"].as_str().unwrap()),
    )
    .unwrap();
    env.take_calls();
    let v = json(&update(&["up", "--json"]));
    assert_eq!(v["stale"], true);
    assert_eq!(v["outPath"], second["outPath"]);
    assert_eq!(v["generation"], second["generation"]);
    // With no record of the unit description it started with (only a
    // real start writes one), it cannot be switched in place: restarted.
    assert_eq!(v["unit"], "restarted");
    let calls = env.take_calls();
    assert!(
        calls.contains(&"systemctl restart nixunits@up.service".to_owned()),
        "{calls:?}"
    );
    assert!(!calls.iter().any(|c| c.starts_with("nix")), "{calls:?}");
    // Not running: nothing, or a start with -s.
    std::fs::remove_file(env.shims.join("active")).unwrap();
    let v = json(&update(&["up", "--json"]));
    assert_eq!(v["unit"], "unchanged");
    let out = update(&["up"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("is not running"));
    assert!(!env
        .take_calls()
        .iter()
        .any(|c| c.starts_with("systemctl start") || c.starts_with("systemctl restart")));
    assert_eq!(json(&update(&["up", "-s", "--json"]))["unit"], "started");
}

/// A running container left on an older generation by builds without
/// `-r` keeps that generation: pruning never removes the system that runs
/// (found by the soak: it ran a system no generation rooted any more,
/// which the next `nix-store --gc` could take away from under it).
#[test]
fn pruning_keeps_the_generation_that_runs() {
    let env = Env::new();
    let first = env.build(&["old", "-cc", "{ nixunitsTest.marker = \"runs\"; }", "-s"]);
    assert_eq!(first["unit"], "started");
    // What `prepare` records at the start (no systemd here).
    std::fs::create_dir_all(env.shims.join("run")).unwrap();
    std::fs::write(
        env.shims.join("run/old.running"),
        format!("{}\n", first["outPath"].as_str().unwrap()),
    )
    .unwrap();
    for n in 0..4 {
        let later = env.build(&[
            "old",
            "-cc",
            &format!("{{ nixunitsTest.marker = \"later-{n}\"; }}"),
            "--keep",
            "2",
        ]);
        assert_eq!(later["unit"], "unchanged", "{later}");
    }
    let gens: Vec<serde_json::Value> =
        serde_json::from_slice(&env.nixunits(&["generations", "old", "--json"]).stdout).unwrap();
    assert!(
        gens.iter().any(|g| g["outPath"] == first["outPath"]),
        "the running system's generation was pruned: {gens:?}"
    );
    assert_eq!(
        gens.len(),
        3,
        "the two newest and the running one: {gens:?}"
    );
}

/// `fleet-install` carries out every action even when the one who asked
/// is gone (its standard output closed, as when the SSH connection of an
/// `apply` is cut mid-install, as fleet chaos does): it used to stop at
/// its first write and leave the host half way through its plan.
#[test]
fn fleet_install_carries_on_when_its_connection_is_cut() {
    use std::io::Write;
    let env = Env::new();
    let a = env.build(&["src-a", "-cc", "{ nixunitsTest.marker = \"cut-a\"; }"]);
    let b = env.build(&["src-b", "-cc", "{ nixunitsTest.marker = \"cut-b\"; }"]);
    let actions = serde_json::json!({
        "fleet": "cut", "remove": [], "start": [],
        "install": [
            { "id": "one", "system": a["outPath"], "unit": "{}", "start": false, "why": "new" },
            { "id": "two", "system": b["outPath"], "unit": "{}", "start": false, "why": "new" },
        ],
    });
    let mut child = env
        .cmd()
        .arg("fleet-install")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // The connection is gone before the first answer.
    drop(child.stdout.take());
    child
        .stdin
        .take()
        .unwrap()
        .write_all(actions.to_string().as_bytes())
        .unwrap();
    child.wait().unwrap();
    for (id, want) in [("one", &a), ("two", &b)] {
        let out = env.nixunits(&["status", id, "--json"]);
        assert!(out.status.success(), "{id} was not installed: {out:?}");
        let st: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(st["outPath"], want["outPath"], "{id}");
    }
}

/// A flake of the test's own, offline: `np` is a copy of the fake nixpkgs
/// with a `flake.nix` of its own (and a token making its tree this test's
/// alone), `repo` a flake whose `nixpkgs` input is `path:np`, locked with
/// real Nix. The outputs are snippets of each kind.
struct Flake {
    np: PathBuf,
    repo: PathBuf,
}

const FLAKE_NIX: &str = r#"{
  inputs.nixpkgs.url = "path:@NP@";
  outputs = { self, nixpkgs }: {
    nixunitsSnippets = {
      pg = ./pg.nix;
      bad = ./bad.nix;
      set = { services.postgresql.enable = true; };
      fn = { id, ... }: { services.redis.servers.${id}.enable = true; };
      str = "not a module";
    };
  };
}
"#;

/// Real `nix` with flakes, not the counting shim: the test's own calls.
fn nix_flakes(args: &[&str], dir: &Path) {
    let out = run(Command::new(require("nix", "nix-bin"))
        .args(["--extra-experimental-features", "nix-command flakes"])
        .args(args)
        .env(
            "NIX_CONFIG",
            "substituters =\nsandbox = false\nbuild-users-group =\n",
        )
        .current_dir(dir));
    assert_exit(&out, 0);
}

impl Flake {
    fn new(env: &Env) -> Flake {
        let np = env.work.join("np");
        let out = run(Command::new("cp")
            .arg("-r")
            .arg(root().join("tests/fake-nixpkgs"))
            .arg(&np));
        assert_exit(&out, 0);
        std::fs::write(np.join("flake.nix"), "{ outputs = { self }: { }; }\n").unwrap();
        std::fs::write(np.join("token"), env.work.display().to_string()).unwrap();
        let repo = env.work.join("repo");
        std::fs::create_dir_all(&repo).unwrap();
        std::fs::write(
            repo.join("flake.nix"),
            FLAKE_NIX.replace("@NP@", &np.display().to_string()),
        )
        .unwrap();
        std::fs::write(repo.join("pg.nix"), PG).unwrap();
        std::fs::write(repo.join("bad.nix"), "{ services.postgresql.enable = ; }").unwrap();
        nix_flakes(&["flake", "lock", repo.to_str().unwrap()], &env.work);
        Flake { np, repo }
    }

    /// The lock's hash of the nixpkgs input.
    fn locked_hash(&self) -> String {
        let lock: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(self.repo.join("flake.lock")).unwrap())
                .unwrap();
        lock["nodes"]["nixpkgs"]["locked"]["narHash"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Changes nixpkgs and locks the flake to the change.
    fn relock_changed(&self, env: &Env, what: &str) {
        std::fs::write(self.np.join("changed"), what).unwrap();
        nix_flakes(
            &[
                "flake",
                "lock",
                "--update-input",
                "nixpkgs",
                self.repo.to_str().unwrap(),
            ],
            &env.work,
        );
    }

    fn attr(&self, name: &str) -> String {
        format!("{}#nixunitsSnippets.{name}", self.repo.display())
    }
}

/// Nix processes that evaluate or resolve (not `nix-store --add-root`).
fn evaluations(calls: &[String]) -> Vec<&String> {
    calls
        .iter()
        .filter(|c| {
            c.starts_with("nix-build")
                || c.starts_with("nix-instantiate")
                || c.contains(" eval ")
                || c.contains(" flake ")
        })
        .collect()
}

#[test]
fn a_flake_lock_pins_nixpkgs_and_its_change_is_a_miss() {
    let env = Env::new();
    let flake = Flake::new(&env);
    let snippet = env.file("pg.nix", PG);
    let snippet = snippet.to_str().unwrap();
    let repo = flake.repo.to_str().unwrap();
    // No NIX_PATH: the lock is the only nixpkgs.
    let build = |id: &str, extra: &[&str]| {
        let out = run(env
            .cmd()
            .env_remove("NIX_PATH")
            .args(["build", "--json", id, "-cf", snippet, "--flake", repo])
            .args(extra));
        assert_exit(&out, 0);
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let first = build("pg", &[]);
    assert_eq!(source(&first), "miss");
    let calls = env.nix_calls();
    let store_np = nixunits_store_path_of(&flake.locked_hash());
    assert!(
        calls
            .iter()
            .any(|c| c.starts_with("nix-build") && c.contains(&store_np)),
        "nix-build gets the lock's tree {store_np}: {calls:?}"
    );
    // The lock was read, not resolved by Nix.
    assert!(!calls.iter().any(|c| c.contains(" flake ")), "{calls:?}");

    // The same lock: a hit with no Nix process at all.
    let again = build("pg", &[]);
    assert_eq!(source(&again), "installed");
    assert_eq!(again["key"], first["key"]);
    assert_eq!(env.nix_calls(), Vec::<String>::new());
    // Another container of it: the history, no evaluation.
    let other = build("pg2", &[]);
    assert_eq!(source(&other), "history");
    assert_eq!(evaluations(&env.nix_calls()), Vec::<&String>::new());

    // The dry run names the pin.
    let out = run(env.cmd().env_remove("NIX_PATH").args([
        "build",
        "pg",
        "-cf",
        snippet,
        "--flake",
        repo,
        "--dry-run",
    ]));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&format!(
            "nixpkgs: {store_np} (the flake.lock of {repo} (input nixpkgs); {})",
            flake.locked_hash()
        )),
        "{text}"
    );

    // The lock changes: another key, a build with the new tree.
    let before = flake.locked_hash();
    flake.relock_changed(&env, "1");
    assert_ne!(flake.locked_hash(), before);
    let changed = build("pg", &[]);
    assert_eq!(source(&changed), "miss");
    assert_ne!(changed["key"], first["key"]);
    let new_np = nixunits_store_path_of(&flake.locked_hash());
    let calls = env.nix_calls();
    assert!(
        calls
            .iter()
            .any(|c| c.starts_with("nix-build") && c.contains(&new_np)),
        "{calls:?}"
    );

    // The pinned tree collected from the store: fetched again (by its
    // lock, its hash checked) when a build needs it, and only then.
    let del = run(Command::new(require("nix-store", "nix-bin"))
        .args(["--delete", &new_np])
        .env(
            "NIX_CONFIG",
            "substituters =\nsandbox = false\nbuild-users-group =\n",
        ));
    assert_exit(&del, 0);
    assert!(!Path::new(&new_np).exists());
    assert_eq!(source(&build("pg", &[])), "installed");
    assert_eq!(env.nix_calls(), Vec::<String>::new());
    assert_eq!(source(&build("pg", &["-f"])), "forced");
    let calls = env.nix_calls();
    assert!(calls.iter().any(|c| c.contains(" eval ")), "{calls:?}");
    assert!(Path::new(&new_np).exists());
}

/// The store path of a fetched tree, as Nix prints it for a NAR hash.
fn nixunits_store_path_of(nar_hash: &str) -> String {
    let hash: nix_derivation::NixHash = nar_hash.parse().unwrap();
    nix_derivation::store_path::build_ca_path(
        "source",
        &nix_derivation::CAHash::Nar(hash),
        [],
        false,
    )
    .unwrap()
    .to_absolute_path()
}

#[test]
fn flake_references_resolve_to_one_locked_identity() {
    let env = Env::new();
    let flake = Flake::new(&env);
    let np = flake.np.to_str().unwrap();
    // The same tree as a git repository.
    require("git", "git");
    let gitnp = env.work.join("gitnp");
    let out = run(Command::new("cp").arg("-r").arg(&flake.np).arg(&gitnp));
    assert_exit(&out, 0);
    for args in [
        &["init", "-q"][..],
        &["add", "-A"],
        &[
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t",
            "commit",
            "-qm",
            "np",
        ],
    ] {
        assert_exit(&run(Command::new("git").args(args).current_dir(&gitnp)), 0);
    }
    let registry = env.file(
        "registry.json",
        &format!(
            r#"{{"version": 2, "flakes": [{{"from": {{"type": "indirect", "id": "nixpkgs"}}, "to": {{"type": "path", "path": "{np}"}}}}]}}"#
        ),
    );
    let build = |nixpkgs: &str| {
        let out = run(env
            .cmd()
            .env_remove("NIX_PATH")
            .env(
                "NIX_CONFIG",
                format!(
                    "substituters =\nsandbox = false\nbuild-users-group =\nflake-registry = {}\n",
                    registry.display()
                ),
            )
            .args(["build", "--json", "pg", "-cc", PG, "--nixpkgs", nixpkgs]));
        assert_exit(&out, 0);
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let first = build(&format!("path:{np}"));
    assert_eq!(source(&first), "miss");
    let calls = env.nix_calls();
    assert_eq!(
        calls
            .iter()
            .filter(|c| c.contains(" flake metadata "))
            .count(),
        1,
        "resolved once: {calls:?}"
    );
    // One tree, one identity, however it is named: hits.
    for r in [
        format!("git+file://{}", gitnp.display()),
        "flake:nixpkgs".to_owned(),
    ] {
        let v = build(&r);
        assert_eq!(source(&v), "installed", "{r}");
        assert_eq!(v["key"], first["key"], "{r}");
        assert_eq!(env.nix_builds(), 0, "{r}");
    }
    // A changed tree: another identity.
    std::fs::write(flake.np.join("changed"), "1").unwrap();
    let v = build(&format!("path:{np}"));
    assert_eq!(source(&v), "miss");
    assert_ne!(v["key"], first["key"]);
}

#[test]
fn bad_flake_references_are_exit_2_and_change_nothing() {
    let env = Env::new();
    let flake = Flake::new(&env);
    let repo = flake.repo.to_str().unwrap();
    let unlocked = env.work.join("unlocked");
    std::fs::create_dir_all(&unlocked).unwrap();
    std::fs::write(unlocked.join("flake.nix"), "{ outputs = _: { }; }").unwrap();
    let unlocked = unlocked.to_str().unwrap();
    let missing = format!("path:{}/nonexistent", env.work.display());
    let cases: Vec<(Vec<&str>, String)> = vec![
        (vec!["--nixpkgs", &missing], missing.clone()),
        (
            vec!["--nixpkgs", "channel:nixos-24.05"],
            "channel:nixos-24.05 is not a local path or a flake reference".into(),
        ),
        (
            vec!["--flake", unlocked],
            format!("{unlocked}: no flake.lock (lock the flake first: nix flake lock {unlocked})"),
        ),
        (
            vec!["--flake", repo, "--flake-input", "nope"],
            "the flake has no input \"nope\" (it has: nixpkgs)".into(),
        ),
        (
            vec!["--flake-input", "nixpkgs"],
            "--flake-input names an input of --flake DIR's lock".into(),
        ),
        (
            vec!["--flake", repo, "--nixpkgs", "/x"],
            "cannot be used with".into(),
        ),
    ];
    for (args, says) in cases {
        let before = snapshot(&env.state);
        let out = run(env
            .cmd()
            .env_remove("NIX_PATH")
            .args(["build", "bad", "-cc", PG])
            .args(&args));
        assert_exit(&out, 2);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(&says), "{args:?}: {stderr}");
        assert_eq!(snapshot(&env.state), before, "{args:?}");
        assert!(
            !env.nix_calls().iter().any(|c| c.starts_with("nix-build")),
            "{args:?}"
        );
    }
    // Snippets from outputs that are not there, not modules, not named.
    for (attr, says) in [
        (flake.attr("nope"), "attribute 'nope' missing".to_owned()),
        (
            flake.attr("str"),
            "is a string; a module is a path, a function or an attribute set".into(),
        ),
        (repo.to_owned(), "give DIR#attr.path".into()),
        (
            format!("{}/none#x", env.work.display()),
            "No such file or directory".into(),
        ),
        (flake.attr("bad"), "the snippet is rejected".into()),
    ] {
        let before = snapshot(&env.state);
        let out = run(env.cmd().args(["build", "bad", "--flake-attr", &attr]));
        assert_exit(&out, 2);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(&says), "{attr}: {stderr}");
        assert!(
            !stderr.contains("«string»"),
            "our expression is not shown: {stderr}"
        );
        assert_eq!(snapshot(&env.state), before, "{attr}");
    }
}

#[test]
fn flake_outputs_are_snippets() {
    let env = Env::new();
    let flake = Flake::new(&env);
    let build = |id: &str, attr: &str| {
        let out = run(env.cmd().env_remove("NIX_PATH").args([
            "build",
            id,
            "--flake-attr",
            &flake.attr(attr),
        ]));
        assert_exit(&out, 0);
        let v = run(env.cmd().args(["generations", id, "--json"]));
        let rows: Vec<serde_json::Value> = serde_json::from_slice(&v.stdout).unwrap();
        (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
            rows.last().unwrap()["key"].as_str().unwrap().to_owned(),
        )
    };
    // A file: checked and keyed as `-cf` would; nixpkgs from the same lock.
    let (out, err, pg_key) = build("pg", "pg");
    assert!(out.contains("built in"), "{out}");
    assert!(!err.contains("warning"), "{err}");
    let calls = env.nix_calls();
    let np = nixunits_store_path_of(&flake.locked_hash());
    assert!(
        calls
            .iter()
            .any(|c| c.starts_with("nix-build") && c.contains(&np)),
        "{calls:?}"
    );
    assert_eq!(
        std::fs::read_to_string(env.container("pg").join("current/config.nix")).unwrap(),
        PG
    );
    // Reformatted in the flake: the same key.
    std::fs::write(flake.repo.join("pg.nix"), format!("# db\n{PG}\n")).unwrap();
    let (out, _, key) = build("pg", "pg");
    assert!(out.contains("already installed"), "{out}");
    assert_eq!(key, pg_key);

    // A set: imported through getFlake, locked by the flake's hash; said.
    let (_, err, set_key) = build("set", "set");
    assert!(
        err.contains(
            "is a set in the flake, not a file: nixunits' checks (schema, policy) do not see it"
        ),
        "{err}"
    );
    let config = std::fs::read_to_string(env.container("set").join("current/config.nix")).unwrap();
    assert!(
        config.contains("builtins.getFlake \"path:/nix/store/")
            && config.contains("narHash=sha256-"),
        "{config}"
    );
    let calls = env.nix_calls();
    assert!(
        calls
            .iter()
            .any(|c| c.starts_with("nix-build") && c.contains("extra-experimental-features flakes")),
        "{calls:?}"
    );
    // Another id of a set: one system.
    build("set2", "set");
    assert_eq!(env.nix_builds(), 0);
    // A function naming `id`: a system per id.
    build("fn1", "fn");
    assert_eq!(env.nix_builds(), 1);
    build("fn2", "fn");
    assert_eq!(env.nix_builds(), 1);
    // Any change to the flake is another key for what Nix evaluates in it.
    let text = std::fs::read_to_string(flake.repo.join("flake.nix")).unwrap();
    std::fs::write(
        flake.repo.join("flake.nix"),
        text.replace(
            "set = { services.postgresql.enable = true; };",
            "set = { services.postgresql.enable = false; };",
        ),
    )
    .unwrap();
    let (_, _, key) = build("set", "set");
    assert_ne!(key, set_key);
    assert_eq!(env.nix_builds(), 1);
}

/// What a run may leave: nothing under containers/ or runs/, no lock, no
/// drop-in.
fn assert_no_run_left(env: &Env, what: &str) {
    let names = |d: &str| -> Vec<String> {
        std::fs::read_dir(env.state.join(d))
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("run-"))
            .collect()
    };
    for d in ["containers", "runs", "locks"] {
        assert_eq!(names(d), Vec::<String>::new(), "{what}: {d}");
    }
    let dropins = std::fs::read_dir(env.shims.join("systemd"))
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains("run-"))
        .count();
    assert_eq!(dropins, 0, "{what}: drop-ins");
}

/// `run` where the stubs suffice (no systemd here: the container's start
/// is the stub's, and entering it fails, which is one of the exit paths):
/// its id, the cache shared between runs, the removal after any outcome,
/// bad input, a killed run's leftover removed by the next command but a
/// live run's never.
#[test]
fn run_builds_once_and_leaves_nothing() {
    let env = Env::new();
    let first = env.nixunits(&["run", "-cc", PG, "--", "true"]);
    // The stub systemd starts nothing that could be entered.
    assert_exit(&first, 1);
    let stderr = String::from_utf8_lossy(&first.stderr);
    let id = stderr
        .split_whitespace()
        .find_map(|w| w.strip_prefix("run-"))
        .map(|h| format!("run-{}", h.trim_end_matches(':')))
        .unwrap_or_else(|| panic!("no run id in {stderr}"));
    assert_eq!(id.len(), 12, "run-<8 hex digits>: {id}");
    assert!(
        stderr.contains(&format!("{id}: started; entering it")),
        "{stderr}"
    );
    assert_eq!(first.stdout, b"", "standard output is the command's");
    let calls = env.take_calls();
    assert_eq!(
        calls.iter().filter(|c| c.starts_with("nix-build")).count(),
        1,
        "{calls:?}"
    );
    assert!(
        calls
            .iter()
            .any(|c| c == &format!("systemctl start nixunits@{id}.service")),
        "{calls:?}"
    );
    assert!(
        calls
            .iter()
            .any(|c| c == &format!("systemctl stop nixunits@{id}.service")),
        "stopped after: {calls:?}"
    );
    assert_no_run_left(&env, "after the first run");

    // Again, reformatted: the same container id, a cache hit.
    let again = env.nixunits(&["run", "-cc", &format!("{PG} # again"), "--", "true"]);
    assert_exit(&again, 1);
    assert_eq!(env.nix_builds(), 0, "the second run is a hit");
    assert_no_run_left(&env, "after the second run");

    // A dry run: the plan, nothing made.
    let dry = env.nixunits(&["run", "-cc", PG, "--dry-run"]);
    assert_exit(&dry, 0);
    let text = String::from_utf8_lossy(&dry.stdout);
    assert!(
        text.contains("Container : run-") && text.contains("dry run"),
        "{text}"
    );
    assert_no_run_left(&env, "after a dry run");

    // Bad input: exit 2, nothing written.
    for (args, says) in [
        (vec!["run", "pg", "-cc", PG], "unexpected argument 'pg'"),
        (vec!["run", "-cc", PG, "--json"], "--json is build's"),
        (vec!["run", "-cc", "{ x = ; }"], "the snippet is rejected"),
    ] {
        let before = snapshot(&env.state);
        let out = env.nixunits(&args);
        assert_exit(&out, 2);
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(says),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(snapshot(&env.state), before, "{args:?}");
    }
}

#[test]
fn what_a_killed_run_left_is_removed_but_a_live_run_is_not() {
    let env = Env::new();
    env.build(&["run-0badc0de", "-cc", PG, "-s"]);
    env.build(&["run-11ve0000", "-cc", PG]);
    env.build(&["run-c0ffee00", "-cc", PG]);
    // A killed run's leftover: its lock file (nobody holds it) and its
    // container, installed and "running".
    std::fs::create_dir_all(env.state.join("runs")).unwrap();
    std::fs::write(env.state.join("runs/run-0badc0de.lock"), "").unwrap();
    // A live run: its lock held (here, by this test).
    let live = std::fs::File::create(env.state.join("runs/run-11ve0000.lock")).unwrap();
    live.lock().unwrap();
    // run-c0ffee00: someone's own container whose name looks like a
    // run's (no lock file).
    env.take_calls();

    let out = env.nixunits(&["list"]);
    assert_exit(&out, 0);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("removed run-0badc0de, left by a nixunits run that was killed"),
        "{stderr}"
    );
    let calls = env.take_calls();
    assert!(
        calls.contains(&"systemctl stop nixunits@run-0badc0de.service".to_owned()),
        "{calls:?}"
    );
    assert!(!env.container("run-0badc0de").exists());
    assert!(!env.state.join("runs/run-0badc0de.lock").exists());
    assert!(env.container("run-11ve0000").exists(), "a live run is kept");
    assert!(env.container("run-c0ffee00").exists(), "not a run's");
    // A live run's container is not deleted by hand either.
    let out = env.nixunits(&["delete", "-y", "run-11ve0000"]);
    assert_exit(&out, 2);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("belongs to a live nixunits run"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!env.state.join("runs/run-c0ffee00.lock").exists());
    // The run ends without cleaning (killed): the next command removes it.
    drop(live);
    let out = env.nixunits(&["status", "run-c0ffee00"]);
    assert_exit(&out, 0);
    assert!(String::from_utf8_lossy(&out.stderr).contains("removed run-11ve0000"));
    assert!(!env.container("run-11ve0000").exists());
    assert!(env.container("run-c0ffee00").exists());
    // Commands that read no state, and the unit's hooks, do not sweep.
    std::fs::write(env.state.join("runs/run-0badc0de.lock"), "").unwrap();
    let snippet = env.file("s.nix", PG);
    assert_exit(&env.nixunits(&["check", snippet.to_str().unwrap()]), 0);
    assert!(env.state.join("runs/run-0badc0de.lock").exists());
}

// `apply`: many different systems at once (issue 19): evaluated by worker
// processes, a chunk of systems each with nixpkgs imported once, and
// realised by one `nix-store --realise`.

/// A fleet on this host (`local`, not started) with a container per
/// snippet, `(name, text)`; its file.
fn fleet(env: &Env, snippets: &[(&str, String)]) -> PathBuf {
    let mut toml = String::from("name = \"many\"\n[hosts.here]\ntarget = \"local\"\n");
    for (name, text) in snippets {
        env.file(&format!("{name}.nix"), text);
        toml.push_str(&format!(
            "[containers.{name}]\nsnippet = \"{name}.nix\"\nhosts = [\"here\"]\nstart = false\n"
        ));
    }
    env.file("fleet.toml", &toml)
}

/// `nix-instantiate nix/system.nix` alone: the drvPath a separate
/// evaluation gives.
fn drv_alone(env: &Env, id: &str, snippet: &Path) -> String {
    let out = run(Command::new(require("nix-instantiate", "nix-bin"))
        .env(
            "NIX_CONFIG",
            "substituters =\nsandbox = false\nbuild-users-group =\n",
        )
        .arg(root().join("nix/system.nix"))
        .args(["--argstr", "id", id, "--arg", "configFile"])
        .arg(snippet)
        .args([
            "--argstr",
            "unitJSON",
            "{\"properties\":{}}",
            "--arg",
            "nixpkgs",
        ])
        .arg(root().join("tests/fake-nixpkgs")));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let _ = env;
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// Snippets no other test builds (their outputs are not in the store yet).
fn fresh_snippets(env: &Env, n: usize) -> Vec<(String, String)> {
    (1..=n)
        .map(|i| {
            (
                format!("s{i}"),
                format!(
                    "{{ nixunitsTest.marker = \"{} {i}\"; services.nginx.enable = true; }}",
                    env.work.display()
                ),
            )
        })
        .collect()
}

#[test]
fn apply_evaluates_with_workers_and_builds_with_one_nix_store() {
    let env = Env::new();
    let snippets = fresh_snippets(&env, 5);
    let borrowed: Vec<(&str, String)> = snippets
        .iter()
        .map(|(n, t)| (n.as_str(), t.clone()))
        .collect();
    let file = fleet(&env, &borrowed);
    env.take_calls();
    let out = env.nixunits(&[
        "apply",
        file.to_str().unwrap(),
        "--json",
        "--workers",
        "2",
        "--chunk",
        "2",
        "--build-arg",
        "max-jobs=2",
    ]);
    assert_exit(&out, 0);
    let outcome: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let calls = env.nix_calls();
    // 5 systems, 2 workers, at most 2 each: 4 chunks (2, 1, 1, 1), 4
    // evaluations; one realisation of all 5, with the Nix option; no
    // nix-build.
    let instantiates: Vec<&String> = calls
        .iter()
        .filter(|c| c.starts_with("nix-instantiate"))
        .collect();
    assert_eq!(instantiates.len(), 4, "{calls:#?}");
    assert!(
        instantiates.iter().all(|c| c.contains("/nix/systems.nix")),
        "{calls:#?}"
    );
    let realise: Vec<&String> = calls
        .iter()
        .filter(|c| c.starts_with("nix-store --realise"))
        .collect();
    assert_eq!(realise.len(), 1, "{calls:#?}");
    assert!(
        realise[0].contains("--keep-going --option max-jobs 2"),
        "{}",
        realise[0]
    );
    assert_eq!(realise[0].matches(".drv").count(), 5, "{}", realise[0]);
    assert!(
        !calls.iter().any(|c| c.starts_with("nix-build")),
        "{calls:#?}"
    );
    // Each system is the one a separate evaluation gives, built, rooted
    // and recorded in the history.
    let systems = outcome["systems"].as_array().unwrap();
    assert_eq!(systems.len(), 5);
    for s in systems {
        let id = s["containers"][0].as_str().unwrap();
        let snippet = env.work.join(format!("{id}.nix"));
        assert_eq!(
            s["drvPath"].as_str().unwrap(),
            drv_alone(&env, id, &snippet),
            "{s}"
        );
        assert_eq!(s["source"], "miss", "{s}");
        let out_path = s["outPath"].as_str().unwrap();
        assert!(Path::new(out_path).join("init").is_file(), "{s}");
        let root = env
            .state
            .join("fleets/many/systems")
            .join(s["key"].as_str().unwrap());
        assert_eq!(std::fs::read_link(&root).unwrap(), Path::new(out_path));
        assert!(
            std::fs::read_link(env.container(id).join("current/result"))
                .unwrap()
                .starts_with(out_path),
            "{id} installed"
        );
    }
    assert_eq!(outcome["converged"], true);
    // The systems are history now: an apply evaluates nothing, and an
    // unchanged fleet runs no Nix process.
    env.take_calls();
    let again = env.nixunits(&["apply", file.to_str().unwrap()]);
    assert_exit(&again, 0);
    assert_eq!(env.nix_calls(), Vec::<String>::new());
}

#[test]
fn apply_dry_run_evaluates_and_prints_each_derivation_building_nothing() {
    let env = Env::new();
    let snippets = fresh_snippets(&env, 3);
    let borrowed: Vec<(&str, String)> = snippets
        .iter()
        .map(|(n, t)| (n.as_str(), t.clone()))
        .collect();
    let file = fleet(&env, &borrowed);
    env.take_calls();
    let out = env.nixunits(&["apply", file.to_str().unwrap(), "--dry-run"]);
    assert_exit(&out, 0);
    let text = String::from_utf8_lossy(&out.stdout);
    let calls = env.nix_calls();
    assert!(
        calls
            .iter()
            .all(|c| c.starts_with("nix-instantiate") || c == "nix --version"),
        "evaluation only: {calls:#?}"
    );
    for (name, _) in &snippets {
        let drv = drv_alone(&env, name, &env.work.join(format!("{name}.nix")));
        assert!(
            text.contains(&format!("would be built: {drv}")),
            "{name}: {text}"
        );
        // Not built: its output is not in the store.
        let out_path = run(Command::new("nix-store").args(["-q", "--outputs", &drv]));
        let out_path = String::from_utf8(out_path.stdout).unwrap();
        assert!(!Path::new(out_path.trim()).exists(), "{name} was built");
    }
    assert!(
        !env.state.exists(),
        "the dry run wrote {}",
        env.state.display()
    );
    // One worker: the three in one process, sharing its nixpkgs.
    let json = env.nixunits(&[
        "apply",
        file.to_str().unwrap(),
        "--dry-run",
        "--json",
        "--workers",
        "1",
    ]);
    let outcome: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    for s in outcome["systems"].as_array().unwrap() {
        assert!(s["drvPath"].as_str().unwrap().ends_with(".drv"), "{s}");
        assert_eq!(s["ownPkgs"], false, "{s}");
        assert!(s.get("outPath").is_none(), "{s}");
    }
}

/// `-v` says, per system, whether it shares its process's nixpkgs or got
/// one of its own (a snippet that sets `nixpkgs.*`), and the evaluation's
/// processes, time and peak RSS; the system with its own nixpkgs is still
/// the one a separate evaluation gives.
#[test]
fn apply_verbose_names_own_nixpkgs_and_the_peak_rss() {
    let env = Env::new();
    let mut snippets = fresh_snippets(&env, 2);
    snippets.push((
        "own".to_owned(),
        format!(
            "{{ pkgs, ... }}: {{ nixunitsTest.marker = \"{} own\"; nixpkgs.config.fakeVariant = \"b\"; environment.systemPackages = [ pkgs.hello ]; }}",
            env.work.display()
        ),
    ));
    let borrowed: Vec<(&str, String)> = snippets
        .iter()
        .map(|(n, t)| (n.as_str(), t.clone()))
        .collect();
    let file = fleet(&env, &borrowed);
    // One worker, one chunk: the three in one process.
    let out = env.nixunits(&[
        "apply",
        file.to_str().unwrap(),
        "--dry-run",
        "-v",
        "--workers",
        "1",
        "--chunk",
        "3",
    ]);
    assert_exit(&out, 0);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("evaluating 3 system(s): 1 Nix process(es), 1 at once"),
        "{stderr}"
    );
    for (name, _) in &snippets {
        let drv = drv_alone(&env, name, &env.work.join(format!("{name}.nix")));
        let line = stderr
            .lines()
            .find(|l| l.starts_with("system ") && l.contains(&format!("({name}): ")))
            .unwrap_or_else(|| panic!("no line for {name}: {stderr}"));
        let how = if name == "own" {
            "with a nixpkgs of its own (it sets nixpkgs.*)"
        } else {
            "with the shared nixpkgs"
        };
        assert!(line.ends_with(&format!("{drv}, {how}")), "{line}");
    }
    // The summary: processes, time, and a peak RSS in MiB (a Nix process
    // evaluating anything holds more than a mebibyte).
    let summary = stderr
        .lines()
        .find(|l| l.starts_with("evaluated 3 system(s) in "))
        .unwrap_or_else(|| panic!("no summary: {stderr}"));
    assert!(
        summary.contains("by 1 Nix process(es), at most 1 at once and 3 system(s) each"),
        "{summary}"
    );
    let mib: u64 = summary
        .rsplit_once("peak RSS of the largest: ")
        .and_then(|(_, r)| r.strip_suffix(" MiB"))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no peak RSS in MiB: {summary}"));
    assert!(mib >= 1, "{summary}");
    // Without -v: neither the nixpkgs nor the summary.
    let quiet = env.nixunits(&["apply", file.to_str().unwrap(), "--dry-run"]);
    let quiet = String::from_utf8_lossy(&quiet.stderr);
    assert!(
        !quiet.contains("nixpkgs") && !quiet.contains("peak RSS"),
        "{quiet}"
    );
}

#[test]
fn a_system_that_fails_leaves_the_others_built() {
    let env = Env::new();
    let mut snippets = fresh_snippets(&env, 3);
    snippets.insert(
        1,
        (
            "noeval".into(),
            "{ pkgs, ... }: { environment.systemPackages = [ pkgs.doesNotExist ]; }".into(),
        ),
    );
    snippets.push((
        "nobuild".into(),
        format!(
            "{{ nixunitsTest.failBuild = true; nixunitsTest.marker = \"{}\"; }}",
            env.work.display()
        ),
    ));
    let borrowed: Vec<(&str, String)> = snippets
        .iter()
        .map(|(n, t)| (n.as_str(), t.clone()))
        .collect();
    let file = fleet(&env, &borrowed);
    // One worker, one process for all: the failing evaluation ends it, and
    // those after it go on in another.
    let out = env.nixunits(&["apply", file.to_str().unwrap(), "--json", "--workers", "1"]);
    assert_exit(&out, 1);
    let outcome: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for s in outcome["systems"].as_array().unwrap() {
        let id = s["containers"][0].as_str().unwrap();
        match id {
            "noeval" => {
                let e = s["error"].as_str().unwrap();
                assert!(e.contains("attribute 'doesNotExist' missing"), "{e}");
            }
            "nobuild" => {
                let e = s["error"].as_str().unwrap();
                assert!(
                    e.contains("error: builder for") && e.contains(s["drvPath"].as_str().unwrap()),
                    "{e}"
                );
            }
            _ => {
                assert!(s.get("error").is_none(), "{s}");
                assert!(env.container(id).join("current/result").exists(), "{id}");
            }
        }
    }
    for id in ["noeval", "nobuild"] {
        assert!(!env.container(id).exists(), "{id} was installed");
    }
}

#[test]
fn a_bad_build_arg_is_exit_2_and_runs_nothing() {
    let env = Env::new();
    let snippets = fresh_snippets(&env, 1);
    let borrowed: Vec<(&str, String)> = snippets
        .iter()
        .map(|(n, t)| (n.as_str(), t.clone()))
        .collect();
    let file = fleet(&env, &borrowed);
    env.take_calls();
    for bad in ["max-jobs", "=2", "--max-jobs=2", "max jobs=2"] {
        let out = env.nixunits(&[
            "apply",
            file.to_str().unwrap(),
            &format!("--build-arg={bad}"),
        ]);
        assert_exit(&out, 2);
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("NAME=VALUE"),
            "{bad}"
        );
    }
    assert_eq!(env.nix_calls(), Vec::<String>::new());
    assert!(!env.state.exists());
}

/// A fleet's nixpkgs from a flake's lock: the workers evaluate with the
/// lock's tree (fetched when the store lacks it), as `build --flake` does.
#[test]
fn apply_evaluates_with_the_nixpkgs_of_a_flake_lock() {
    let env = Env::new();
    let flake = Flake::new(&env);
    let snippets = fresh_snippets(&env, 3);
    let borrowed: Vec<(&str, String)> = snippets
        .iter()
        .map(|(n, t)| (n.as_str(), t.clone()))
        .collect();
    let file = fleet(&env, &borrowed);
    let text = std::fs::read_to_string(&file).unwrap().replacen(
        "name = \"many\"\n",
        &format!("name = \"many\"\nflake = \"{}\"\n", flake.repo.display()),
        1,
    );
    std::fs::write(&file, text).unwrap();
    env.take_calls();
    // No NIX_PATH: the lock is the only nixpkgs.
    let out =
        run(env
            .cmd()
            .env_remove("NIX_PATH")
            .args(["apply", file.to_str().unwrap(), "--json"]));
    assert_exit(&out, 0);
    let store_np = nixunits_store_path_of(&flake.locked_hash());
    let calls = env.nix_calls();
    let workers: Vec<&String> = calls
        .iter()
        .filter(|c| c.contains("/nix/systems.nix"))
        .collect();
    assert!(!workers.is_empty(), "{calls:#?}");
    assert!(
        workers.iter().all(|c| c.contains(&store_np)),
        "the workers get the lock's tree {store_np}: {calls:#?}"
    );
    let outcome: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for s in outcome["systems"].as_array().unwrap() {
        assert_eq!(s["source"], "miss", "{s}");
        assert!(
            Path::new(s["outPath"].as_str().unwrap())
                .join("init")
                .is_file(),
            "{s}"
        );
    }
}
