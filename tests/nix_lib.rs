//! The Nix side, with real Nix: the pure functions of `nix/lib.nix`
//! (systemd-nspawn arguments and the text of `unit.conf`) evaluated by
//! `nix-instantiate --eval --strict` for each network mode, capability set
//! and bind list; the shipped `nix/default.nix` built by `nix-build` for
//! every example, `<nixpkgs>` being the tests' fake tree; the oldest
//! nixpkgs named; and every `.nix` file of the repository accepted by Nix's
//! parser and by `nixunits check`.

#![allow(clippy::unwrap_used, clippy::print_stdout, clippy::print_stderr)]

mod util;

use std::process::Command;

use serde_json::{json, Value};
use util::{assert_exit, nix_files_in, nix_files_under, nixunits, require, root, run};

/// Evaluates `expr` (with `lib` bound to nix/lib.nix) to JSON.
fn eval(expr: &str) -> Value {
    let nix = require("nix-instantiate", "nix-bin");
    let full = format!(
        "let lib = import {}/nix/lib.nix; in {expr}",
        root().display()
    );
    let out = run(Command::new(nix).args(["--eval", "--strict", "--json", "-E", &full]));
    assert!(
        out.status.success(),
        "{expr}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn args_of(unit: &Value) -> Vec<String> {
    args_of_id("pg", unit)
}

fn args_of_id(id: &str, unit: &Value) -> Vec<String> {
    let v = eval(&format!(
        "lib.nspawnArgs \"{id}\" (builtins.fromJSON ''{unit}'')"
    ));
    serde_json::from_value(v).unwrap()
}

fn conf_of(unit: &Value) -> String {
    let v = eval(&format!(
        "lib.confText {{ id = \"pg\"; systemPath = \"/nix/store/sys\"; unit = builtins.fromJSON ''{unit}''; }}"
    ));
    v.as_str().unwrap().to_owned()
}

const FILTERS: &[&str] = &[
    "--system-call-filter=~@clock",
    "--system-call-filter=~@cpu-emulation",
    "--system-call-filter=~@debug",
    "--system-call-filter=~@module",
    "--system-call-filter=~@obsolete",
    "--system-call-filter=~@raw-io",
    "--system-call-filter=~@swap",
];
const ALL_DROPPED: &str = "--drop-capability=CAP_AUDIT_CONTROL,CAP_LINUX_IMMUTABLE,CAP_MKNOD,CAP_NET_BROADCAST,CAP_SYS_BOOT,CAP_SYS_PTRACE,CAP_SYS_TTY_CONFIG";

fn expected(network: &str, tail: &[&str]) -> Vec<String> {
    let mut v = vec![network.to_owned(), "--no-new-privileges=yes".to_owned()];
    v.extend(FILTERS.iter().map(|s| (*s).to_owned()));
    v.extend(tail.iter().map(|s| (*s).to_owned()));
    v
}

#[test]
fn nspawn_arguments_for_each_network_mode() {
    assert_eq!(
        args_of(&json!({})),
        expected("--private-network", &[ALL_DROPPED])
    );
    let veth = json!({ "network": { "ip6": "fc00::2/112", "host_ip6": "fc00::1/112" } });
    assert_eq!(args_of(&veth), expected("--network-veth", &[ALL_DROPPED]));
    let v4 = json!({ "network": { "ip4": "10.0.0.2/24", "host_ip4": "10.0.0.1/24" } });
    assert_eq!(args_of(&v4), expected("--network-veth", &[ALL_DROPPED]));
    let iface = json!({ "network": { "interface": "eth1", "ip6": "fd00::2/64" } });
    assert_eq!(
        args_of(&iface),
        expected("--network-interface=eth1", &[ALL_DROPPED])
    );
}

#[test]
fn nspawn_arguments_for_capabilities_and_binds() {
    // Kept from the dropped set: no longer dropped, and granted.
    let ptrace = json!({ "capsAllow": ["CAP_SYS_PTRACE"] });
    assert_eq!(
        args_of(&ptrace),
        expected(
            "--private-network",
            &[
                "--drop-capability=CAP_AUDIT_CONTROL,CAP_LINUX_IMMUTABLE,CAP_MKNOD,CAP_NET_BROADCAST,CAP_SYS_BOOT,CAP_SYS_TTY_CONFIG",
                "--capability=CAP_SYS_PTRACE",
            ]
        )
    );
    // Beyond nspawn's default set: granted, the defaults still dropped.
    let admin = json!({ "capsAllow": ["CAP_NET_ADMIN", "CAP_SYS_TIME"] });
    assert_eq!(
        args_of(&admin),
        expected(
            "--private-network",
            &[ALL_DROPPED, "--capability=CAP_NET_ADMIN,CAP_SYS_TIME"]
        )
    );
    let binds = json!({ "bind": ["/srv/data", "/etc/ssl:/etc/ssl:ro"] });
    assert_eq!(
        args_of(&binds),
        expected(
            "--private-network",
            &[
                ALL_DROPPED,
                "--bind=/srv/data",
                "--bind=/etc/ssl:/etc/ssl:ro"
            ]
        )
    );
}

#[test]
fn conf_text_for_each_network_mode() {
    let nspawn = |net: &str, tail: &str| {
        let mut v = vec![net.to_owned(), "--no-new-privileges=yes".to_owned()];
        v.extend(FILTERS.iter().map(|s| (*s).to_owned()));
        v.push(ALL_DROPPED.to_owned());
        if !tail.is_empty() {
            v.push(tail.to_owned());
        }
        v.join(" ")
    };
    assert_eq!(
        conf_of(&json!({})),
        format!(
            "NETWORK_MODE=private\nNSPAWN_ARGS=\"{}\"\nSYSTEM_PATH=/nix/store/sys\n",
            nspawn("--private-network", "")
        )
    );
    let veth = json!({ "network": {
        "ip6": "fc00::2/112", "host_ip6": "fc00::1/112",
        "ip4": "10.0.0.2/24", "host_ip4": "10.0.0.1/24",
        "ip6route": "fc00::1", "ip4route": "10.0.0.1" } });
    assert_eq!(
        conf_of(&veth),
        format!(
            "HOST_IP4=10.0.0.1/24\nHOST_IP6=fc00::1/112\nIP4=10.0.0.2/24\nIP4_ROUTE=10.0.0.1\nIP6=fc00::2/112\nIP6_ROUTE=fc00::1\n\
             NETWORK_MODE=veth\nNSPAWN_ARGS=\"{}\"\nSYSTEM_PATH=/nix/store/sys\n",
            nspawn("--network-veth", "")
        )
    );
    let iface =
        json!({ "network": { "interface": "eth1", "ip6": "fd00::2/64" }, "bind": ["/srv"] });
    assert_eq!(
        conf_of(&iface),
        format!(
            "INTERFACE=eth1\nIP6=fd00::2/64\nNETWORK_MODE=interface\nNSPAWN_ARGS=\"{}\"\nSYSTEM_PATH=/nix/store/sys\n",
            nspawn("--network-interface=eth1", "--bind=/srv")
        )
    );
}

/// Every `.nix` file of the repository parses for Nix and for nixunits;
/// the modules among them pass the full check.
#[test]
fn every_nix_file_of_the_repository_passes() {
    let nix = require("nix-instantiate", "nix-bin");
    let mut files = nix_files_under(&root().join("nix"));
    files.extend(nix_files_under(&root().join("examples")));
    files.extend(nix_files_under(&root().join("tests/fake-nixpkgs")));
    files.extend(nix_files_under(&root().join("scripts")));
    files.push(root().join("flake.nix"));
    assert!(files.len() >= 15, "{files:?}");
    for f in &files {
        let out = run(Command::new(&nix).arg("--parse").arg(f));
        assert!(
            out.status.success(),
            "nix-instantiate --parse {}: {}",
            f.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let out = run(nixunits()
        .args(["check", "--parse-only", "--format", "errfmt"])
        .args(&files));
    assert_exit(&out, 0);
    // Snippets (the examples and the benchmark's): every check, the
    // policy included.
    let mut snippets = nix_files_under(&root().join("examples"));
    snippets.extend(nix_files_under(&root().join("scripts/bench-many-snippets")));
    let out = run(nixunits()
        .args(["check", "--format", "errfmt"])
        .args(&snippets));
    assert_exit(&out, 0);
    // nixunits' own modules set what the policy keeps from snippets
    // (`systemd.package`, `networking.hostName`): module shape only.
    let own = [
        root().join("nix/module.nix"),
        root().join("nix/container.nix"),
    ];
    let out = run(nixunits()
        .args(["check", "--no-eval", "--format", "errfmt"])
        .args(&own));
    assert_exit(&out, 0);
}

const NIX_CONFIG: &str = "substituters =\nsandbox = false\nbuild-users-group =\n";

/// `nix-build` of `nix_dir/default.nix` for a snippet, with the fake
/// nixpkgs (or `nixpkgs`); the output.
fn build_with(
    nix_dir: &std::path::Path,
    nixpkgs: &std::path::Path,
    id: &str,
    snippet: &std::path::Path,
    unit: &str,
) -> std::process::Output {
    let nix_build = require("nix-build", "nix-bin");
    require("busybox", "busybox-static");
    run(Command::new(nix_build)
        .env("NIX_CONFIG", NIX_CONFIG)
        .env("NIX_PATH", format!("nixpkgs={}", nixpkgs.display()))
        .arg(nix_dir.join("default.nix"))
        .args(["--no-out-link", "--argstr", "id", id, "--arg", "configFile"])
        .arg(snippet)
        .args(["--argstr", "unitJSON", unit]))
}

fn fake_nixpkgs() -> std::path::PathBuf {
    root().join("tests/fake-nixpkgs")
}

/// CI builds the shipped default.nix, container.nix and lib.nix for every
/// example: the out path has the conf, whose SYSTEM_PATH is the evaluated
/// system (with an init) of the example's and the base module's settings.
#[test]
fn the_shipped_default_nix_builds_every_example() {
    let examples: Vec<_> = nix_files_under(&root().join("examples"))
        .into_iter()
        .filter(|f| f.parent() == Some(root().join("examples").as_path()))
        .collect();
    assert!(examples.len() >= 6, "{examples:?}");
    let unit = r#"{"network":{"host_ip6":"fc00::1:1/112","ip6":"fc00::1:2/112"},"properties":{"port":5433}}"#;
    for f in &examples {
        let id = f.file_stem().unwrap().to_str().unwrap();
        let out = build_with(&root().join("nix"), &fake_nixpkgs(), id, f, unit);
        assert!(
            out.status.success(),
            "nix-build nix/default.nix for {}: {}",
            f.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        let path = String::from_utf8(out.stdout).unwrap().trim().to_owned();
        let conf = std::fs::read_to_string(format!("{path}/etc/nixunits/{id}.conf")).unwrap();
        assert!(conf.contains("IP6=fc00::1:2/112\n"), "{conf}");
        let system = conf
            .lines()
            .find_map(|l| l.strip_prefix("SYSTEM_PATH="))
            .unwrap();
        assert!(
            std::path::Path::new(system).join("init").is_file(),
            "{id}: {system} has no init"
        );
        let config: Value = serde_json::from_str(
            &std::fs::read_to_string(format!("{system}/config.json")).unwrap(),
        )
        .unwrap();
        // The base module, and the snippet with its module arguments. The
        // hostname is the machine name systemd-nspawn sets, not in the
        // system: a snippet that does not read `id` builds one system for
        // every container (the same store path under another id).
        assert_eq!(config["networking"]["hostName"], "", "{id}");
        if id != "reusable" {
            let again = build_with(&root().join("nix"), &fake_nixpkgs(), "other-id", f, unit);
            let path = String::from_utf8(again.stdout).unwrap().trim().to_owned();
            let conf =
                std::fs::read_to_string(format!("{path}/etc/nixunits/other-id.conf")).unwrap();
            assert!(
                conf.contains(&format!("SYSTEM_PATH={system}\n")),
                "{id}: {conf}"
            );
        }
        assert_eq!(config["boot"]["isContainer"], true, "{id}");
        assert_eq!(
            config["systemd"]["package"], "<derivation systemd-minimal-fake>",
            "{id}"
        );
        assert_eq!(config["systemd"]["oomd"]["enable"], false, "{id}");
        assert!(
            config["services"].as_object().unwrap().len() > 2,
            "{id}: the snippet's services are missing: {config}"
        );
        if id == "reusable" {
            assert_eq!(config["services"]["postgresql"]["settings"]["port"], 5433);
            assert_eq!(
                config["environment"]["etc"]["motd"]["text"],
                "container reusable\n"
            );
        }
        if id == "with-imports" {
            assert_eq!(config["time"]["timeZone"], "UTC", "the import is applied");
            assert_eq!(config["environment"]["defaultPackages"], json!([]));
        }
    }
}

/// The fix of `systemPath` (a string, not the derivation) is what makes
/// the shipped default.nix build: with it reverted, the build fails.
#[test]
fn reverting_the_system_path_fix_fails() {
    let tmp = tempfile::tempdir().unwrap();
    let copy = tmp.path().join("nix");
    std::fs::create_dir(&copy).unwrap();
    for e in std::fs::read_dir(root().join("nix")).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), copy.join(e.file_name())).unwrap();
    }
    let default = std::fs::read_to_string(copy.join("default.nix")).unwrap();
    let fixed = "systemPath = \"${toplevel}\";";
    assert!(default.contains(fixed), "the fix moved: update this test");
    std::fs::write(
        copy.join("default.nix"),
        default.replace(fixed, "systemPath = toplevel;"),
    )
    .unwrap();
    let snippet = root().join("examples/postgresql.nix");
    let shipped = build_with(&root().join("nix"), &fake_nixpkgs(), "pg", &snippet, "{}");
    assert!(shipped.status.success(), "{shipped:?}");
    let reverted = build_with(&copy, &fake_nixpkgs(), "pg", &snippet, "{}");
    assert!(!reverted.status.success(), "the reverted file built");
    let stderr = String::from_utf8_lossy(&reverted.stderr);
    assert!(
        stderr.contains("is a set while a string was expected"),
        "{stderr}"
    );
}

/// A nixpkgs older than the Nix files need is refused with a message that
/// names the release needed, for the container build and the host module.
#[test]
fn an_older_nixpkgs_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let old = tmp.path().join("nixpkgs-20.03");
    let cp = run(Command::new("cp").arg("-r").arg(fake_nixpkgs()).arg(&old));
    assert!(cp.status.success(), "{cp:?}");
    let lib = old.join("lib/default.nix");
    let text = std::fs::read_to_string(&lib).unwrap();
    assert!(text.contains("release = \"99.99\";"));
    std::fs::write(
        &lib,
        text.replace("release = \"99.99\";", "release = \"20.03\";"),
    )
    .unwrap();
    let out = build_with(
        &root().join("nix"),
        &old,
        "pg",
        &root().join("examples/postgresql.nix"),
        "{}",
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("nixunits: the container build needs nixpkgs 20.09 or newer")
            && stderr.contains("this nixpkgs is 20.03"),
        "{stderr}"
    );
    // The host module, on a release between the two.
    let expr = format!(
        "import {}/nix/module.nix {{ config = {{ }}; options = {{ }}; pkgs = {{ }}; lib = (import {}/lib) // {{ trivial.release = \"22.11\"; }}; }}",
        root().display(),
        fake_nixpkgs().display()
    );
    let nix = require("nix-instantiate", "nix-bin");
    let out = run(Command::new(nix).args(["--eval", "-E", &expr]));
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("the host module needs nixpkgs 23.05 or newer")
            && stderr.contains("overrideStrategy")
            && stderr.contains("this nixpkgs is 22.11"),
        "{stderr}"
    );
}

/// The package installs every file the shipped Nix files import (a file
/// missing there breaks every build of an installed nixunits).
#[test]
fn the_package_installs_every_file_the_nix_files_import() {
    let package = std::fs::read_to_string(root().join("nix/package.nix")).unwrap();
    let installed: Vec<&str> = package
        .lines()
        .find(|l| l.trim_start().starts_with("cp nix/default.nix"))
        .expect("package.nix copies the Nix files")
        .split_whitespace()
        .filter_map(|w| w.trim_matches('"').strip_prefix("nix/"))
        .collect();
    // What the host module and the CLI start from: default.nix, the
    // template unit, and every Nix file the CLI names (`join("….nix")`:
    // system.nix for build, systems.nix for apply).
    let mut needed = vec!["default.nix".to_owned(), "nixunits@.service".to_owned()];
    let mut cli = Vec::new();
    for f in rust_files_under(&root().join("cli/src")) {
        let text = std::fs::read_to_string(&f).unwrap();
        for part in text.split("join(\"").skip(1) {
            if let Some((name, _)) = part.split_once("\")") {
                if name.ends_with(".nix")
                    && root().join("nix").join(name).is_file()
                    && !needed.contains(&name.to_owned())
                {
                    cli.push(name.to_owned());
                    needed.push(name.to_owned());
                }
            }
        }
    }
    assert!(
        cli.contains(&"system.nix".to_owned()) && cli.contains(&"systems.nix".to_owned()),
        "{cli:?}"
    );
    let mut i = 0;
    while i < needed.len() {
        let text = std::fs::read_to_string(root().join("nix").join(&needed[i])).unwrap_or_default();
        // Code, not comments (which show commands with files of their own).
        let code: String = text
            .lines()
            .filter(|l| !l.trim_start().starts_with('#'))
            .collect::<Vec<_>>()
            .join("\n");
        for part in code.split("./").skip(1) {
            let name: String = part
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || "._-@".contains(*c))
                .collect();
            if name.ends_with(".nix") && !needed.contains(&name) {
                needed.push(name);
            }
        }
        i += 1;
    }
    assert!(needed.len() >= 5, "{needed:?}");
    for n in &needed {
        assert!(
            installed.contains(&n.as_str()),
            "package.nix does not install nix/{n}: {installed:?}"
        );
    }
}

/// Every `.rs` file below `dir`.
fn rust_files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(rust_files_under(&p));
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
    out
}

/// `scripts/check-nixpkgs` itself, on the fake tree: every example row
/// evaluates, with a drvPath and the base module's systemd. (The host
/// module needs nixpkgs' option types, which the fake tree does not have;
/// with a real tree, and with `--lib`, it is checked by hand: the manual, "The Nix side".)
#[test]
fn check_nixpkgs_on_the_fake_tree() {
    require("nix-instantiate", "nix-bin");
    let out = run(Command::new(root().join("scripts/check-nixpkgs"))
        .env("NIX_CONFIG", NIX_CONFIG)
        .arg("--json")
        .arg(fake_nixpkgs()));
    assert!(out.status.success(), "{out:?}");
    let rows: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let examples: Vec<&Value> = rows
        .iter()
        .filter(|r| r["name"].as_str().unwrap().starts_with("examples/"))
        .collect();
    assert!(examples.len() >= 6, "{rows:?}");
    for r in examples {
        assert_eq!(r["evaluates"], true, "{r}");
        assert!(r["drvPath"].as_str().unwrap().ends_with(".drv"), "{r}");
        assert_eq!(r["systemd"], "systemd-minimal-fake", "{r}");
    }
    // Bad usage: exit 2.
    let bad = run(Command::new(root().join("scripts/check-nixpkgs")).arg("/nonexistent"));
    assert_exit(&bad, 2);
}

/// `prepare` derives the systemd-nspawn arguments from unit.json in Rust
/// (`UnitDescription::nspawn_args`); the Nix side writes them into
/// unit.conf with `lib.nspawnArgs`. They must agree, for every network
/// mode, capability set and bind list.
#[test]
fn rust_and_nix_give_the_same_nspawn_arguments() {
    for unit in [
        json!({}),
        json!({ "network": { "ip6": "fc00::2/112", "host_ip6": "fc00::1/112" } }),
        json!({ "network": { "ip4": "10.0.0.2/24", "host_ip4": "10.0.0.1/24" } }),
        json!({ "network": { "interface": "eth1", "ip6": "fd00::2/64" } }),
        json!({ "capsAllow": ["CAP_SYS_PTRACE"] }),
        json!({ "capsAllow": ["CAP_NET_ADMIN", "CAP_SYS_TIME"] }),
        json!({ "capsAllow": nixunits_store::unit::DROPPED_BY_DEFAULT }),
        json!({ "bind": ["/srv/data", "/etc/ssl:/etc/ssl:ro"] }),
        json!({ "credentials": { "pg-pass": "/run/keys/pg-pass", "a.token": "/etc/nixunits/a.token" } }),
        json!({ "network": { "interfaces": [
            { "type": "veth", "bridge": "br0", "ip6": "fd00:1::2/64", "ip4": "10.1.0.2/24" },
            { "type": "veth", "ip6": "fd00:2::2/64", "host_ip6": "fd00:2::1/64" },
            { "type": "veth", "name": "back", "bridge": "br1", "ip4": "10.3.0.2/24" },
            { "type": "macvlan", "parent": "eth0", "mac": "02:00:00:00:00:01", "ip6": "fd00:4::2/64" },
            { "type": "ipvlan", "parent": "eth1", "ip4": "10.5.0.2/24" },
            { "type": "moved", "interface": "eth9", "ip6": "fd00:6::2/64", "ip6route": "fe80::1%eth9" }
        ] } }),
        json!({ "network": { "interfaces": [
            { "type": "macvlan", "parent": "enp3s0" },
            { "type": "veth", "ip4": "10.7.0.2/31", "host_ip4": "10.7.0.3/31" },
            { "type": "veth", "ip6": "fd00:8::/127", "host_ip6": "fd00:8::1/127" }
        ] } }),
    ] {
        let desc: nixunits_store::UnitDescription = serde_json::from_value(unit.clone()).unwrap();
        let desc = desc.normalize().unwrap();
        // A short id and one whose extra veth names are hashed.
        for id in ["pg", "webfrontend-prod-01"] {
            assert_eq!(
                desc.nspawn_args(&id.parse().unwrap()),
                args_of_id(id, &unit),
                "{id}: {unit}"
            );
        }
    }
}

/// The `unit.conf` Rust writes for a container whose system was built for
/// another (`UnitDescription::conf_text`) is the one `nix/lib.nix` writes.
#[test]
fn rust_and_nix_write_the_same_unit_conf() {
    for unit in [
        json!({}),
        json!({ "network": { "ip6": "fc00::2/112", "host_ip6": "fc00::1/112", "ip6route": "fc00::1" } }),
        json!({ "network": { "interface": "eth1", "ip4": "10.0.0.2/24", "ip4route": "10.0.0.1" }, "capsAllow": ["CAP_SYS_PTRACE"] }),
        json!({ "bind": ["/srv/a"], "credentials": { "k": "/run/keys/k" } }),
        json!({ "network": { "interfaces": [
            { "type": "veth", "bridge": "br0", "ip6": "fd00:1::2/64" },
            { "type": "macvlan", "parent": "eth0" }
        ] } }),
    ] {
        let desc: nixunits_store::UnitDescription = serde_json::from_value(unit.clone()).unwrap();
        let desc = desc.normalize().unwrap();
        let canonical = desc.canonical_json();
        let v = eval(&format!(
            "lib.confText {{ id = \"web\"; systemPath = \"/nix/store/sys\"; unit = builtins.fromJSON ''{canonical}''; }}"
        ));
        assert_eq!(
            desc.conf_text(&"web".parse().unwrap(), "/nix/store/sys"),
            v.as_str().unwrap(),
            "{unit}"
        );
    }
}

/// `nix-instantiate` of `nix/system.nix` alone, with the fake nixpkgs:
/// the system's drvPath.
fn drv_alone(id: &str, snippet: &std::path::Path, unit: &str) -> String {
    let nix = require("nix-instantiate", "nix-bin");
    let out = run(Command::new(nix)
        .env("NIX_CONFIG", NIX_CONFIG)
        .arg(root().join("nix/system.nix"))
        .args(["--argstr", "id", id, "--arg", "configFile"])
        .arg(snippet)
        .args(["--argstr", "unitJSON", unit, "--arg", "nixpkgs"])
        .arg(fake_nixpkgs()));
    assert!(
        out.status.success(),
        "nix/system.nix for {}: {}",
        snippet.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// `nix/systems.nix` of `systems` (a JSON list), with the fake nixpkgs and
/// progress lines: the output.
fn systems_nix(systems: &Value) -> std::process::Output {
    let nix = require("nix-instantiate", "nix-bin");
    run(Command::new(nix)
        .env("NIX_CONFIG", NIX_CONFIG)
        .args(["--eval", "--strict", "--json", "--read-write-mode"])
        .arg(root().join("nix/systems.nix"))
        .arg("--arg")
        .arg("nixpkgs")
        .arg(fake_nixpkgs())
        .args(["--arg", "progress", "true", "--argstr", "systemsJSON"])
        .arg(systems.to_string()))
}

/// Many systems in one evaluation (`nix/systems.nix`: one imported nixpkgs
/// handed to every system that defines no `nixpkgs.*` of its own) give
/// each system exactly the drvPath `nix/system.nix` gives it alone: every
/// example, every benchmark snippet, snippets that read `id` and
/// `properties`, and snippets that define `nixpkgs.*` (directly, and an
/// overlay under a condition), under two ids and unit descriptions. Those
/// that define `nixpkgs.*` are evaluated with pkgs of their own, and would
/// be another system with the shared one.
#[test]
fn one_evaluation_of_many_systems_gives_each_the_derivation_of_its_own() {
    let tmp = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let p = tmp.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    let own_config = write(
        "own-config.nix",
        "{ pkgs, ... }: { nixpkgs.config.fakeVariant = \"b\"; environment.systemPackages = [ pkgs.hello ]; }",
    );
    // An overlay only where nginx is enabled: alone, none.
    let cond_overlay = write(
        "cond-overlay.nix",
        "{ pkgs, lib, config, ... }: lib.mkIf (config.services.nginx.enable or false) { nixpkgs.overlays = [ (self: super: { hello = super.htop; }) ]; environment.systemPackages = [ pkgs.hello ]; }\n",
    );
    let nginx_on = write(
        "nginx-on.nix",
        "{ imports = [ ./cond-overlay.nix ]; services.nginx.enable = true; }",
    );
    let mut snippets = nix_files_in(&root().join("examples"));
    snippets.extend(nix_files_in(&root().join("scripts/bench-many-snippets")));
    assert!(snippets.len() >= 26, "{snippets:?}");
    snippets.push(write(
        "reads-all.nix",
        "{ id, network, properties, ... }: { environment.etc.motd.text = \"${id} ${toString (properties.port or 0)} ${toString (builtins.attrNames network)}\"; }",
    ));
    snippets.push(cond_overlay);
    snippets.push(own_config.clone());
    snippets.push(nginx_on.clone());
    let defines_pkgs = |f: &std::path::Path| f == own_config || f == nginx_on;
    let units = [
        r#"{}"#,
        r#"{"network":{"host_ip6":"fc00::1:1/112","ip6":"fc00::1:2/112"},"properties":{"port":5433}}"#,
    ];
    let mut systems = Vec::new();
    let mut alone = Vec::new();
    for (k, unit) in units.iter().enumerate() {
        for f in &snippets {
            let id = format!("c{k}-{}", f.file_stem().unwrap().to_str().unwrap());
            alone.push(drv_alone(&id, f, unit));
            systems.push(json!({ "id": id, "configFile": f, "unitJSON": unit }));
        }
    }
    let out = systems_nix(&Value::Array(systems.clone()));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let records: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(records.len(), systems.len());
    let progress: Vec<Value> = String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter_map(|l| l.strip_prefix("trace: nixunits-system "))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(progress.len(), records.len(), "one progress line each");
    for (i, (r, a)) in records.iter().zip(&alone).enumerate() {
        let name = systems[i]["id"].as_str().unwrap();
        assert_eq!(
            r["drvPath"].as_str().unwrap(),
            a,
            "{name}: shared and alone differ"
        );
        assert_eq!(progress[i]["index"], i, "{name}");
        assert_eq!(progress[i]["drvPath"], r["drvPath"], "{name}");
        let defines = defines_pkgs(&snippets[i % snippets.len()]);
        assert_eq!(r["ownPkgs"], defines, "{name}");
    }
    // The systems that define nixpkgs.* would be other systems with the
    // shared pkgs: the check is what keeps them right.
    for f in [&own_config, &nginx_on] {
        let expr = format!(
            "let share = import {root}/nix/share.nix {{ nixpkgs = {fake}; }}; in
             (import {root}/nix/system.nix {{ id = \"x\"; configFile = {f}; nixpkgs = {fake}; pkgs = share.pkgs; }}).drvPath",
            root = root().display(),
            fake = fake_nixpkgs().display(),
            f = f.display()
        );
        let shared = eval(&expr);
        assert_ne!(
            shared.as_str().unwrap(),
            drv_alone("x", f, "{}"),
            "{}",
            f.display()
        );
    }
}

/// A system whose evaluation fails the whole process (an error
/// `tryEval` cannot catch): those before it are reported done, on
/// standard error, and the error is Nix's own message for it.
#[test]
fn a_failing_system_leaves_those_before_it_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("bad.nix");
    std::fs::write(
        &bad,
        "{ pkgs, ... }: { environment.systemPackages = [ pkgs.doesNotExist ]; }",
    )
    .unwrap();
    let good = root().join("examples/nginx.nix");
    let systems = json!([
        { "id": "a", "configFile": good, "unitJSON": "{}" },
        { "id": "b", "configFile": bad, "unitJSON": "{}" },
        { "id": "c", "configFile": good, "unitJSON": "{}" },
    ]);
    let out = systems_nix(&systems);
    assert!(!out.status.success(), "the bad system evaluated");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let done: Vec<Value> = stderr
        .lines()
        .filter_map(|l| l.strip_prefix("trace: nixunits-system "))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(done.len(), 1, "{stderr}");
    assert_eq!(done[0]["index"], 0);
    assert_eq!(
        done[0]["drvPath"].as_str().unwrap(),
        drv_alone("a", &good, "{}")
    );
    assert!(
        stderr.contains("attribute 'doesNotExist' missing"),
        "{stderr}"
    );
}

/// The host module's declared containers (item 5 of issue 19) share one
/// imported nixpkgs: the host's own when the host defines no `nixpkgs.*`,
/// else one import for them all; a container that sets `nixpkgs.*` gets
/// its own. Counted with the fake nixpkgs' import trace, on four declared
/// containers (one setting `nixpkgs.config`): 2 imports (the host's, the
/// one container's own) instead of 5, or 3 when the host defines
/// `nixpkgs.config` itself. Each container's system is the one
/// `nix/default.nix` gives it alone. The module is called as a function
/// (the fake tree has no module system for it): its options given as
/// merged values, `mkOption` the identity.
#[test]
fn the_host_module_s_containers_share_one_imported_nixpkgs() {
    let nix = require("nix-instantiate", "nix-bin");
    let expr = |host_defines: bool| {
        format!(
            r#"
let
  fake = {fake}; repo = {root};
  lib = (import (fake + "/lib")) // {{ mkOption = o: o; types = {{ }}; }};
  hostPkgs = import fake {{ }};
  # The options of NixOS's nixpkgs module, as the host's evaluation has
  # them: defined by NixOS alone, or by the host's own file too.
  option = files: {{ _type = "option"; inherit files; }};
  hostOptions.nixpkgs = {{
    config = option {host_defines};
    overlays = option [ ];
  }};
  container = module: {{
    autoStart = false; config = module; capsAllow = [ ]; bind = [ ]; ports = [ ];
    firewall = null; properties = {{ }}; credentials = {{ }};
    network = {{ host_ip6 = null; ip6 = null; host_ip4 = null; ip4 = null; interface = null;
      ip6route = null; ip4route = null; interfaces = [ ]; dns = [ ]; }};
    resources = {{ memoryMax = null; tasksMax = null; cpuQuota = null; }};
  }};
  containers = {{
    a = container {{ services.nginx.enable = true; }};
    b = container {{ services.redis.enable = true; }};
    c = container ({{ pkgs, ... }}: {{ environment.systemPackages = [ pkgs.hello ]; }});
    own = container ({{ pkgs, ... }}: {{ nixpkgs.config.fakeVariant = "b"; environment.systemPackages = [ pkgs.hello ]; }});
  }};
  host = (import (repo + "/nix/module.nix") {{
    inherit lib; pkgs = hostPkgs // {{ inherit lib; }}; options = hostOptions;
    config = {{
      nixunits = containers;
      services.nixunits = {{ package = hostPkgs.hello; stateDir = "/var/lib/nixunits"; }};
      systemd.package = hostPkgs.systemd;
    }};
  }}).config;
  etc = builtins.foldl' (a: b: a // b) {{ }} host.environment.etc.contents;
in
builtins.mapAttrs (name: _: {{
  drvPath = (builtins.head host.systemd.services."nixunits@${{name}}".restartTriggers).drvPath;
  unitJSON = etc."nixunits/${{name}}.json".text;
}}) containers
"#,
            fake = fake_nixpkgs().display(),
            root = root().display(),
            host_defines = if host_defines {
                "[ \"/etc/nixos/configuration.nix\" ]"
            } else {
                "[ ]"
            },
        )
    };
    let alone = |name: &str, unit: &str| -> String {
        // The container's module, as the host module hands it over.
        let module = match name {
            "a" => "{ services.nginx.enable = true; }",
            "b" => "{ services.redis.enable = true; }",
            "c" => "({ pkgs, ... }: { environment.systemPackages = [ pkgs.hello ]; })",
            _ => "({ pkgs, ... }: { nixpkgs.config.fakeVariant = \"b\"; environment.systemPackages = [ pkgs.hello ]; })",
        };
        let e = format!(
            "(import {root}/nix/default.nix {{ id = \"{name}\"; config = {module}; unitJSON = {unit}; nixpkgs = {fake}; }}).drvPath",
            root = root().display(),
            fake = fake_nixpkgs().display(),
            unit = serde_json::to_string(unit).unwrap(),
        );
        eval(&e).as_str().unwrap().to_owned()
    };
    for (host_defines, imports) in [(false, 2), (true, 3)] {
        let out = run(Command::new(&nix)
            .env("NIX_CONFIG", NIX_CONFIG)
            .env("FAKE_NIXPKGS_TRACE_IMPORTS", "1")
            .args(["--eval", "--strict", "--json", "-E"])
            .arg(expr(host_defines)));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{stderr}");
        let host: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(
            stderr.matches("trace: fake-nixpkgs: imported").count(),
            imports,
            "host defines nixpkgs.*: {host_defines}\n{stderr}"
        );
        for name in ["a", "b", "c", "own"] {
            let c = &host[name];
            assert_eq!(
                c["drvPath"].as_str().unwrap(),
                alone(name, c["unitJSON"].as_str().unwrap()),
                "{name}, host defines nixpkgs.*: {host_defines}"
            );
        }
    }
}
