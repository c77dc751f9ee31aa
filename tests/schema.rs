//! Definitions checked against an options schema (a fixture of a few
//! hundred options in the real `options.json` shape, written for these
//! tests) and against the policy; `schema import` of both input shapes and
//! `schema generate` against a fixture directory offering nixpkgs'
//! interface.

#![allow(clippy::unwrap_used, clippy::print_stdout, clippy::print_stderr)]

mod util;

use std::path::PathBuf;

use serde_json::Value;
use util::{assert_exit, nixunits, require, root, run};

fn fixture() -> PathBuf {
    root().join("eval/test_data/schema")
}

struct Env {
    _tmp: tempfile::TempDir,
    state: PathBuf,
    dir: PathBuf,
}

fn env_with_schema() -> Env {
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    let dir = tmp.path().to_path_buf();
    let out = run(nixunits()
        .arg("--state-dir")
        .arg(&state)
        .args(["schema", "import"])
        .arg(fixture().join("options.json")));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("loaded 349 options"));
    Env {
        _tmp: tmp,
        state,
        dir,
    }
}

impl Env {
    fn check(&self, text: &str, extra: &[&str]) -> (Option<i32>, Vec<Value>, String) {
        let f = self.dir.join("snippet.nix");
        std::fs::write(&f, text).unwrap();
        let out = run(nixunits()
            .arg("--state-dir")
            .arg(&self.state)
            .args(["check", "--format", "json"])
            .args(extra)
            .arg(&f));
        let v: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
        (
            out.status.code(),
            v[0]["diagnostics"].as_array().unwrap().clone(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

fn codes(diags: &[Value]) -> Vec<(String, String)> {
    diags
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_owned(),
                d["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn unknown_options_with_a_suggestion() {
    let env = env_with_schema();
    let (code, diags, _) = env.check(
        "{ services.nginx.enabel = true; services.postgresql.enable = true; servics.x = 1; }",
        &[],
    );
    assert_eq!(code, Some(1));
    let c = codes(&diags);
    assert_eq!(c.len(), 2, "{c:?}");
    assert_eq!(
        c[0],
        (
            "unknown_option".into(),
            "the option `services.nginx.enabel` does not exist".into()
        )
    );
    assert_eq!(
        diags[0]["notes"][0],
        "did you mean `services.nginx.enable`?"
    );
    assert_eq!(c[1].1, "the option `servics` does not exist");
    assert_eq!(diags[1]["notes"][0], "did you mean `services`?");
    // Under an attribute-set option, anything goes; under a <name>, too.
    let (code, diags, _) = env.check(
        "{ services.nginx.virtualHosts.mysite.root = \"/srv\"; services.grafana.settings.server.http_port = 3000; }",
        &[],
    );
    assert_eq!(code, Some(0), "{diags:?}");
}

#[test]
fn types_and_read_only() {
    let env = env_with_schema();
    let (_, diags, _) = env.check(
        r#"{ lib, ... }: {
          services.nginx.enable = "yes";
          services.redis.servers.a.port = 70000;
          services.redis.servers.b.port = 6379;
          services.redis.servers.a.logLevel = "loud";
          services.redis.servers.b.logLevel = "notice";
          networking.firewall.allowedTCPPorts = [ "80" ];
          networking.firewall.allowedUDPPorts = [ 53 ];
          time.timeZone = null;
          services.memcached.maxMemory = -1;
          services.nginx.user = lib.mkDefault 42;
          services.caddy.enable = lib.mkIf false "never applies";
          system.nixos.version = "99.99";
        }"#,
        &[],
    );
    let c = codes(&diags);
    let got: Vec<&str> = c
        .iter()
        .map(|(code, m)| {
            if code == "option_type" {
                m.split('`').nth(1).unwrap()
            } else {
                code.as_str()
            }
        })
        .collect();
    assert_eq!(
        got,
        [
            "services.nginx.enable",
            "services.redis.servers.a.port",
            "services.redis.servers.a.logLevel",
            "networking.firewall.allowedTCPPorts[1]",
            "services.memcached.maxMemory",
            "services.nginx.user",
            "read_only_option",
        ],
        "{c:?}"
    );
    assert!(c[0]
        .1
        .contains("is the string \"yes\", but the option takes `boolean`"));
}

#[test]
fn the_examples_pass_with_the_schema() {
    let env = env_with_schema();
    let mut files = util::nix_files_under(&root().join("examples"));
    files.retain(|f| !f.to_string_lossy().contains("/common/"));
    let out = run(nixunits()
        .arg("--state-dir")
        .arg(&env.state)
        .arg("check")
        .args(&files));
    assert_exit(&out, 0);
}

#[test]
fn the_list_shape_imports_too_and_no_schema_is_said_once() {
    let tmp = tempfile::tempdir().unwrap();
    let list = fixture().join("fake-nixpkgs/nixos/lib/options-list.json");
    let out = run(nixunits()
        .arg("--state-dir")
        .arg(tmp.path())
        .args(["schema", "import"])
        .arg(&list));
    // The list has all but the removed option, which the stand-in
    // eval-config.nix adds through its lib.
    assert!(
        String::from_utf8_lossy(&out.stdout).starts_with("loaded 348 options"),
        "{out:?}"
    );

    let fresh = tempfile::tempdir().unwrap();
    let a = fresh.path().join("a.nix");
    let b = fresh.path().join("b.nix");
    std::fs::write(&a, "{ services.nginx.enabel = true; }").unwrap();
    std::fs::write(&b, "{ }").unwrap();
    let out = run(nixunits()
        .arg("--state-dir")
        .arg(fresh.path())
        .arg("check")
        .arg(&a)
        .arg(&b));
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr.matches("were not checked: no schema").count(),
        1,
        "{stderr}"
    );
    // Bad schema files are exit 2.
    std::fs::write(fresh.path().join("bad.json"), "[1, 2").unwrap();
    let out = run(nixunits()
        .arg("--state-dir")
        .arg(fresh.path())
        .args(["schema", "import"])
        .arg(fresh.path().join("bad.json")));
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn the_policy_names_its_rule_and_reason() {
    let env = env_with_schema();
    let (code, diags, _) = env.check(
        r#"{ pkgs, ... }: {
          systemd.package = pkgs.systemd;
          boot.kernelModules = [ "wireguard" ];
          boot.kernel.sysctl."net.core.somaxconn" = 1024;
          virtualisation.docker.enable = true;
          systemd.services.web.serviceConfig.DynamicUser = false;
          systemd.services.web.serviceConfig.DynamicUser2 = false;
        }"#,
        &[],
    );
    assert_eq!(code, Some(1));
    let c = codes(&diags);
    assert_eq!(
        c.iter().map(|x| x.0.as_str()).collect::<Vec<_>>(),
        ["policy_deny", "policy_deny", "policy_deny", "policy_warn"],
        "{c:?}"
    );
    assert!(c[0]
        .1
        .contains("`systemd.package` is denied by the policy rule `systemd.package`"));
    assert!(diags[0]["notes"][0]
        .as_str()
        .unwrap()
        .contains("systemdMinimal"));
    assert!(c[1].1.contains("rule `boot.kernel*`"));
    assert!(c[2].1.contains("rule `virtualisation.**`"));
    assert_eq!(diags[3]["severity"], "warning");

    // A policy of one's own, TOML or JSON.
    let toml = env.dir.join("policy.toml");
    std::fs::write(
        &toml,
        "[[deny]]\noption = \"services.caddy.**\"\nreason = \"we use nginx\"\n",
    )
    .unwrap();
    let (code, diags, _) = env.check(
        "{ pkgs, ... }: { services.caddy.enable = true; systemd.package = pkgs.systemd; }",
        &["--policy", toml.to_str().unwrap()],
    );
    assert_eq!(code, Some(1));
    assert_eq!(
        codes(&diags),
        [(
            "policy_deny".into(),
            "`services.caddy.enable` is denied by the policy rule `services.caddy.**`".into()
        )]
    );
    let json = env.dir.join("policy.json");
    std::fs::write(
        &json,
        r#"{ "warn": [ { "option": "time.timeZone", "reason": "use UTC" } ] }"#,
    )
    .unwrap();
    let (code, diags, _) = env.check(
        "{ time.timeZone = \"Europe/Paris\"; }",
        &["--policy", json.to_str().unwrap()],
    );
    assert_eq!(code, Some(0));
    assert_eq!(codes(&diags)[0].0, "policy_warn");
    std::fs::write(&json, r#"{ "deny": [ { "option": "x" } ] }"#).unwrap();
    let f = env.dir.join("s.nix");
    std::fs::write(&f, "{ }").unwrap();
    let out = run(nixunits().args(["check", "--policy"]).arg(&json).arg(&f));
    assert_eq!(
        out.status.code(),
        Some(2),
        "a policy without reasons is refused"
    );
}

#[test]
fn schema_generate_against_a_fixture_nixpkgs() {
    require("nix-instantiate", "nix-bin");
    let tmp = tempfile::tempdir().unwrap();
    let gen = |tmp: &std::path::Path| {
        run(nixunits()
            .arg("--state-dir")
            .arg(tmp)
            .args(["schema", "generate", "--nixpkgs"])
            .arg(fixture().join("fake-nixpkgs")))
    };
    let out = gen(tmp.path());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("349 options"),
        "{out:?}"
    );
    // Kept by nixpkgs identity: the second time runs no Nix.
    let out = gen(tmp.path());
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("generated earlier"),
        "{out:?}"
    );
    let f = tmp.path().join("s.nix");
    std::fs::write(&f, "{ services.nginx.enabel = true; }").unwrap();
    let out = run(nixunits()
        .arg("--state-dir")
        .arg(tmp.path())
        .args(["check", "--format", "errfmt"])
        .arg(&f));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("unknown_option"),
        "{out:?}"
    );
}

/// Lookup goes below `attrsOf (submodule …)` and into the elements of
/// `listOf (submodule …)`; renamed options warn (and are checked as their
/// new option), removed ones are errors quoting the removal; golden
/// output, with the schema imported from the fixture and generated from
/// the fixture nixpkgs.
#[test]
fn submodules_lists_renamed_and_removed_options() {
    let dir = fixture().join("depth");
    let tmp = tempfile::tempdir().unwrap();
    let generated = tmp.path().join("generated");
    let out = run(nixunits()
        .arg("--state-dir")
        .arg(&generated)
        .args(["schema", "generate", "--nixpkgs"])
        .arg(fixture().join("fake-nixpkgs")));
    assert_exit(&out, 0);
    let imported = env_with_schema();
    for state in [imported.state.clone(), generated] {
        let out = run(nixunits()
            .current_dir(&dir)
            .arg("--state-dir")
            .arg(&state)
            .args(["check", "--format", "json", "snippet.nix"]));
        assert_exit(&out, 1);
        let v: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
        let lines: Vec<String> = v[0]["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                let notes: Vec<&str> = d["notes"]
                    .as_array()
                    .map(|n| n.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                format!(
                    "{} {} {}{}",
                    d["severity"].as_str().unwrap(),
                    d["code"].as_str().unwrap(),
                    d["message"].as_str().unwrap(),
                    notes
                        .iter()
                        .map(|n| format!("\n    = {n}"))
                        .collect::<String>()
                )
            })
            .collect();
        if let Some(diff) = util::expect_file(&dir.join("expected.txt"), &(lines.join("\n") + "\n"))
        {
            panic!("{}: {diff}", state.display());
        }
    }
}

/// `secret_literal` warns on a secret written into a snippet, and on
/// nothing else: not on booleans, switches (`"no"`), paths, references,
/// public keys or options that hold public material.
#[test]
fn secret_literals_and_only_them() {
    let env = env_with_schema();
    let (_, diags, _) = env.check(
        r#"{
          services.grafana.settings.security.admin_password = "hunter2";
          services.foo.apiKey = "0123456789abcdef";
          services.foo.client_secret = "s3cr3t";
          services.openssh.passwordAuthentication = "no";
          services.openssh.settings.PasswordAuthentication = false;
          services.foo.token = "yes";
          services.foo.passwordFile = "/run/keys/pw";
          services.foo.password = "$DB_PASSWORD";
          services.foo.hashedPassword = "$6$abc";
          programs.ssh.knownHosts.gitlab.publicKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG";
          programs.ssh.knownHosts.github.key = "ecdsa-sha2-nistp256 AAAA";
          services.foo.serverKeyFingerprint = "SHA256:abc";
          services.foo.key = "ssh-rsa AAAAB3NzaC1yc2E";
        }"#,
        &[],
    );
    let secrets: Vec<String> = diags
        .iter()
        .filter(|d| d["code"] == "secret_literal")
        .map(|d| {
            d["message"]
                .as_str()
                .unwrap()
                .split('`')
                .nth(1)
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(
        secrets,
        [
            "services.grafana.settings.security.admin_password",
            "services.foo.apiKey",
            "services.foo.client_secret",
        ],
        "{diags:?}"
    );
}

/// Priorities where NixOS applies them: with a schema, a whole-set
/// `mkDefault` reaches each option below it on its own (`enable` stays),
/// and is filtered where a stronger definition meets it (`user`); without
/// one, the set is one definition, dropped as a whole, as the free-form
/// module system does.
#[test]
fn priorities_are_filtered_at_each_declared_option() {
    let env = env_with_schema();
    let f = env.dir.join("prio.nix");
    std::fs::write(
        &f,
        r#"{ lib, ... }: {
          services.nginx = lib.mkMerge [
            (lib.mkDefault { enable = true; user = "a"; })
            { user = "b"; }
          ];
        }"#,
    )
    .unwrap();
    let eval = |state: &std::path::Path| -> Vec<(String, bool)> {
        let out = run(nixunits()
            .arg("--state-dir")
            .arg(state)
            .args(["eval", "--json"])
            .arg(&f));
        assert_exit(&out, 0);
        let v: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
        v.iter()
            .map(|d| {
                (
                    format!(
                        "{}={}",
                        d["path"]
                            .as_array()
                            .unwrap()
                            .last()
                            .unwrap()
                            .as_str()
                            .unwrap(),
                        d["value"]
                    ),
                    d.get("overridden") == Some(&Value::Bool(true)),
                )
            })
            .collect()
    };
    assert_eq!(
        eval(&env.state),
        [
            ("enable=true".to_owned(), false),
            ("user=\"a\"".to_owned(), true),
            ("user=\"b\"".to_owned(), false)
        ]
    );
    let none = tempfile::tempdir().unwrap();
    assert_eq!(
        eval(none.path()),
        [
            ("enable=true".to_owned(), true),
            ("user=\"a\"".to_owned(), true),
            ("user=\"b\"".to_owned(), false)
        ]
    );
}
