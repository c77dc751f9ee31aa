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
use util::{assert_exit, nix_files_under, nixunits, require, root, run};

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
    // Snippets: every check, the policy included.
    let snippets = nix_files_under(&root().join("examples"));
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
        "import {}/nix/module.nix {{ config = {{ }}; pkgs = {{ }}; lib = (import {}/lib) // {{ trivial.release = \"22.11\"; }}; }}",
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
    let mut needed = vec!["default.nix".to_owned(), "nixunits@.service".to_owned()];
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
