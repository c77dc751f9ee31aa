//! The Nix side, with real Nix where it needs no nixpkgs: the pure
//! functions of `nix/lib.nix` (systemd-nspawn arguments and the text of
//! `unit.conf`) evaluated by `nix-instantiate --eval --strict` for each
//! network mode, capability set and bind list; and every `.nix` file of the
//! repository accepted by Nix's parser and by `nixunits check`.

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
    let v = eval(&format!("lib.nspawnArgs (builtins.fromJSON ''{unit}'')"));
    serde_json::from_value(v).unwrap()
}

fn conf_of(unit: &Value) -> String {
    let v = eval(&format!(
        "lib.confText {{ systemPath = \"/nix/store/sys\"; unit = builtins.fromJSON ''{unit}''; }}"
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
    files.extend(nix_files_under(&root().join("tests/stub-nix")));
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
