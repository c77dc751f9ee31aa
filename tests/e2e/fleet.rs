//! `apply FLEET.toml` across three booted systemd hosts, each with its own
//! store, sshd and Nix, joined by a bridge in a network namespace of the
//! test's own (10.78.0.0/24): host A is the controller and a target
//! (`local`), B and C are reached over SSH. Every host counts the Nix
//! processes it runs (wrappers in /usr/local/bin, which root's PATH and
//! sshd's put first).
//!
//! Steps: a dry run evaluates and changes nothing; the first apply
//! converges (two systems evaluated by worker processes and realised by
//! one `nix-store --realise`, on A only); a second apply runs no Nix process
//! anywhere; a changed snippet updates only its containers; a shorter
//! fleet removes what it installed and never a container made by hand;
//! killing C mid-apply leaves A and B converged and the summary names C;
//! after C returns, re-applying converges; `--target-host` deploys to C a
//! container the fleet then leaves alone.

use std::process::Output;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::host::{Host, Lan};
use crate::step;

pub const SSH: &str = "NIX_SSHOPTS='-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o ConnectTimeout=10 -o ServerAliveInterval=2 -o ServerAliveCountMax=5'";

const NIX_PROGRAMS: [&str; 5] = [
    "nix",
    "nix-build",
    "nix-instantiate",
    "nix-store",
    "nix-daemon",
];

/// nixunits installed, A's key authorized, sshd running, every Nix program
/// counted in /run/nix-calls.
pub fn prepare(h: &Host, key: &str) {
    h.nixunits_ok("install");
    h.ok(&format!(
        "mkdir -p /root/.ssh && echo '{}' >> /root/.ssh/authorized_keys && chmod 600 /root/.ssh/authorized_keys \
         && systemctl start ssh",
        key.trim()
    ));
    for p in NIX_PROGRAMS {
        h.ok(&format!(
            "printf '#!/bin/sh\\necho \"{p} $*\" >> /run/nix-calls\\nexec /usr/bin/{p} \"$@\"\\n' > /usr/local/bin/{p} && chmod +x /usr/local/bin/{p}"
        ));
    }
}

fn nix_calls(h: &Host) -> String {
    h.ok("cat /run/nix-calls 2>/dev/null; rm -f /run/nix-calls")
}

/// The host's containers: id → (activeState, outPath).
fn containers(h: &Host) -> Vec<(String, String, String)> {
    let list: Value = serde_json::from_str(&h.nixunits_ok("list --json")).unwrap();
    list.as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["id"].as_str().unwrap().to_owned(),
                s["activeState"].as_str().unwrap_or("").to_owned(),
                s["outPath"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

fn fleet_toml(web_count: u32) -> String {
    fleet_toml_with(web_count, true)
}

fn fleet_toml_with(web_count: u32, auto_ip6: bool) -> String {
    format!(
        "name = \"demo\"\n\
         [hosts.a]\ntarget = \"local\"\n\
         [hosts.b]\ntarget = \"root@10.78.0.2\"\n\
         [hosts.c]\ntarget = \"root@10.78.0.3\"\n\
         [containers.web]\nsnippet = \"web.nix\"\nhosts = [\"a\", \"b\", \"c\"]\ncount = {web_count}\nauto-ip6 = {auto_ip6}\n\
         [containers.db]\nsnippet = \"db.nix\"\nhosts = [\"a\", \"b\", \"c\"]\nids = [\"db-1\", \"db-2\"]\n"
    )
}

pub fn write(h: &Host, path: &str, text: &str) {
    h.ok(&format!(
        "mkdir -p /root/fleet && cat > {path} <<'EOF'\n{text}\nEOF"
    ));
}

pub fn apply_script(extra: &str) -> String {
    format!(
        "cd /root/fleet && HOME=/root {SSH} NIX_PATH=nixpkgs=/opt/nixunits-src/tests/fake-nixpkgs \
         nixunits --nix-dir /opt/nixunits-src/nix apply fleet.toml {extra}"
    )
}

fn apply(a: &Host, extra: &str) -> Output {
    a.sh(&apply_script(extra))
}

pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Every host runs exactly these containers, active, each group on one
/// system (the same on every host).
fn assert_converged(hosts: &[&Host], ids: &[&str]) -> Vec<(String, String)> {
    let mut systems: Vec<(String, String)> = Vec::new();
    for h in hosts {
        let mine: Vec<_> = containers(h)
            .into_iter()
            .filter(|(id, _, _)| id != "manual" && id != "solo")
            .collect();
        let got: Vec<&str> = mine.iter().map(|(id, _, _)| id.as_str()).collect();
        assert_eq!(got, ids, "containers of a host");
        for (id, active, out) in &mine {
            assert_eq!(active, "active", "{id}: {mine:?}");
            let group = id
                .rsplit_once('-')
                .map_or(id.as_str(), |(g, _)| g)
                .to_owned();
            match systems.iter().find(|(g, _)| *g == group) {
                Some((_, o)) => assert_eq!(o, out, "{id}: one system per group on every host"),
                None => systems.push((group, out.clone())),
            }
        }
    }
    systems
}

fn boot_three() -> (Host, Host, Host) {
    std::thread::scope(|s| {
        let a = s.spawn(Host::boot);
        let b = s.spawn(Host::boot);
        let c = s.spawn(Host::boot);
        (a.join().unwrap(), b.join().unwrap(), c.join().unwrap())
    })
}

/// The three hosts on one LAN, 10.78.0.1–3; A's SSH key authorized on
/// all, each prepared.
fn connect(a: &Host, b: &Host, c: &Host) -> (Lan, String) {
    let lan = Lan::new();
    for (k, (h, addr)) in [(a, "10.78.0.1"), (b, "10.78.0.2"), (c, "10.78.0.3")]
        .into_iter()
        .enumerate()
    {
        lan.join(h, k, addr);
    }
    a.ok("mkdir -p /root/.ssh && ssh-keygen -q -t ed25519 -N '' -f /root/.ssh/id_ed25519");
    let key = a.ok("cat /root/.ssh/id_ed25519.pub");
    for h in [a, b, c] {
        prepare(h, &key);
    }
    (lan, key)
}

#[test]
fn fleet() {
    let (a, b, mut c) = boot_three();
    let (lan, key) = connect(&a, &b, &c);
    write(
        &a,
        "/root/fleet/web.nix",
        "{ nixunitsTest.marker = \"web-v1\"; }",
    );
    write(
        &a,
        "/root/fleet/db.nix",
        "{ nixunitsTest.marker = \"db-v1\"; }",
    );
    write(&a, "/root/fleet/fleet.toml", &fleet_toml(3));
    // A container made by hand on B: no apply touches it.
    b.nixunits_ok("build manual -cc '{ nixunitsTest.marker = \"manual\"; }' -s -q");
    let all = ["db-1", "db-2", "web-1", "web-2", "web-3"];

    step("fleet: a dry run evaluates, prints the plan with each derivation and changes nothing");
    for h in [&a, &b, &c] {
        nix_calls(h);
    }
    let out = apply(&a, "--dry-run");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let said = text(&out);
    assert_eq!(
        said.matches("would be built: /nix/store/").count(),
        2,
        "{said}"
    );
    assert_eq!(
        said.matches("install    db-1 db-2 web-1 web-2 web-3")
            .count(),
        3,
        "{said}"
    );
    let calls = nix_calls(&a);
    assert!(calls.contains("nix-instantiate"), "{calls}");
    assert!(
        !calls.contains("nix-build") && !calls.contains("nix-store --realise"),
        "{calls}"
    );
    for h in [&a, &c] {
        assert!(containers(h).is_empty(), "the dry run installed something");
    }

    step("fleet: the first apply converges 3 hosts x 5 containers, one realisation on A only");
    let out = apply(&a, "");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        text(&out).contains("fleet demo: 3 host(s) converged"),
        "{}",
        text(&out)
    );
    let v1 = assert_converged(&[&a, &b, &c], &all);
    let calls = nix_calls(&a);
    assert_eq!(
        calls.matches("nix-store --realise").count(),
        1,
        "the two systems realised by one Nix invocation: {calls}"
    );
    assert!(!calls.contains("nix-build"), "{calls}");
    for h in [&b, &c] {
        let calls = nix_calls(h);
        assert!(
            !calls.contains("nix-build") && !calls.contains("nix-instantiate"),
            "{calls}"
        );
        assert!(
            calls.contains("nix-store --serve --write"),
            "copied: {calls}"
        );
    }
    let leaders = |h: &Host| -> Vec<Value> {
        let list: Value = serde_json::from_str(&h.nixunits_ok("list --json")).unwrap();
        list.as_array()
            .unwrap()
            .iter()
            .map(|s| s["leader"].clone())
            .collect()
    };
    let before = [leaders(&a), leaders(&b), leaders(&c)];

    step("fleet: a second apply does nothing, no Nix process on any host");
    let out = apply(&a, "");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(
        text(&out).matches("unchanged (5 containers)").count(),
        3,
        "{}",
        text(&out)
    );
    for (h, name) in [(&a, "A"), (&b, "B"), (&c, "C")] {
        assert_eq!(nix_calls(h), "", "Nix ran on {name}");
    }
    assert_eq!([leaders(&a), leaders(&b), leaders(&c)], before, "restarted");
    let json: Value = serde_json::from_slice(&apply(&a, "--json").stdout).unwrap();
    assert_eq!(json["converged"], true, "{json}");
    assert_eq!(
        json["hosts"][1]["plan"]["unchanged"]
            .as_array()
            .unwrap()
            .len(),
        5
    );

    step("fleet: a changed snippet updates its containers only, one evaluation and build");
    write(
        &a,
        "/root/fleet/db.nix",
        "{ nixunitsTest.marker = \"db-v2\"; }",
    );
    let out = apply(&a, "");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(
        text(&out).matches("update     db-1 db-2").count(),
        3,
        "{}",
        text(&out)
    );
    let v2 = assert_converged(&[&a, &b, &c], &all);
    let calls = nix_calls(&a);
    assert_eq!(calls.matches("nix-store --realise").count(), 1, "{calls}");
    assert_eq!(
        calls.matches("systemsJSON").count(),
        1,
        "only the changed system is evaluated: {calls}"
    );
    let sys = |v: &[(String, String)], g: &str| v.iter().find(|(k, _)| k == g).unwrap().1.clone();
    assert_ne!(sys(&v1, "db"), sys(&v2, "db"));
    assert_eq!(sys(&v1, "web"), sys(&v2, "web"));
    for h in [&b, &c] {
        nix_calls(h);
    }

    step("fleet: a shorter fleet removes what it installed, not what was made by hand");
    write(&a, "/root/fleet/fleet.toml", &fleet_toml(2));
    let out = apply(&a, "");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let all = ["db-1", "db-2", "web-1", "web-2"];
    assert_converged(&[&a, &b, &c], &all);
    assert!(containers(&b)
        .iter()
        .any(|(id, st, _)| id == "manual" && st == "active"));

    step("fleet: C killed mid-apply; A and B converge, the summary names C");
    for h in [&a, &b, &c] {
        nix_calls(h);
    }
    write(
        &a,
        "/root/fleet/web.nix",
        "{ nixunitsTest.marker = \"web-v2\"; }",
    );
    let script = apply_script("");
    let leader = a.leader;
    let running = std::thread::spawn(move || crate::host::sh_in(leader, &script));
    // The copy to C has begun: C dies now, in the middle of its part.
    let calls = c.path("/run/nix-calls");
    let start = Instant::now();
    while !std::fs::read_to_string(&calls)
        .unwrap_or_default()
        .contains("nix-store --serve")
    {
        assert!(
            start.elapsed() < Duration::from_secs(120) && !running.is_finished(),
            "C never saw the copy"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    c.kill();
    let out = running.join().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let said = text(&out);
    eprintln!("{said}");
    assert!(said.contains("c (root@10.78.0.3) FAILED"), "{said}");
    assert!(
        said.contains("2 of 3 host(s) converged; failed: c"),
        "{said}"
    );
    let v3 = assert_converged(&[&a, &b], &all);
    assert_ne!(sys(&v3, "web"), sys(&v2, "web"), "A and B run the new web");

    step("fleet: C returns (a fresh disk); re-applying converges");
    c = Host::boot();
    lan.join(&c, 2, "10.78.0.3");
    prepare(&c, &key);
    let out = apply(&a, "");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let v4 = assert_converged(&[&a, &b, &c], &all);
    assert_eq!(v4, v3);

    step(
        "fleet: --target-host deploys one container to C and starts it; the fleet leaves it alone",
    );
    nix_calls(&c);
    a.ok(&format!(
        "HOME=/root {SSH} NIX_PATH=nixpkgs=/opt/nixunits-src/tests/fake-nixpkgs nixunits --nix-dir /opt/nixunits-src/nix \
         --target-host root@10.78.0.3 build solo -cc '{{ nixunitsTest.marker = \"solo\"; }}' -s -q"
    ));
    assert!(containers(&c)
        .iter()
        .any(|(id, st, _)| id == "solo" && st == "active"));
    let calls = nix_calls(&c);
    assert!(
        !calls.contains("nix-build") && !calls.contains("nix-instantiate"),
        "{calls}"
    );
    let out = apply(&a, "");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(containers(&c).iter().any(|(id, _, _)| id == "solo"));
}

/// The same operations by hand, as an operator's script would run them
/// (hosts one after the other): `nix-build` of each snippet's system,
/// `nix copy --to ssh://` of both to each remote host, `install-system`
/// of each container there over SSH (here directly).
const BY_HAND: &str = r#"set -e
cd /root/fleet
export HOME=/root NIX_PATH=nixpkgs=/opt/nixunits-src/tests/fake-nixpkgs
eval "export $NIXSSH"
unit=$(cat /var/lib/nixunits/containers/db-1/current/unit.json)
sys() { nix-build /opt/nixunits-src/nix/system.nix --argstr id "$1" --arg configFile "/root/fleet/$1.nix" \
  --arg nixpkgs /opt/nixunits-src/tests/fake-nixpkgs --out-link "/root/fleet/by-hand-$1" 2>/dev/null; }
W=$(sys web); D=$(sys db)
for id in web-1 web-2 web-3; do nixunits install-system $id --system $W --unit-json "$unit" -s -r >/dev/null; done
for id in db-1 db-2; do nixunits install-system $id --system $D --unit-json "$unit" -s -r >/dev/null; done
for h in 10.78.0.2 10.78.0.3; do
  nix --extra-experimental-features nix-command copy --to ssh://root@$h $W $D
  for id in web-1 web-2 web-3; do ssh $NIX_SSHOPTS root@$h nixunits install-system $id --system $W --unit-json "'$unit'" -s -r >/dev/null; done
  for id in db-1 db-2; do ssh $NIX_SSHOPTS root@$h nixunits install-system $id --system $D --unit-json "'$unit'" -s -r >/dev/null; done
done
"#;

/// `apply` against the same operations by hand (`BY_HAND`), on the
/// three hosts of the test: an unchanged 3×5 fleet, and one whose `db`
/// snippet changed; five alternating rounds. Prints a Markdown table and
/// the ratios (scripts/bench-fleet; the manual's benchmark figures come from here).
#[test]
#[ignore = "a benchmark: scripts/bench-fleet runs it"]
fn bench_fleet() {
    let (a, b, c) = boot_three();
    let (_lan, _) = connect(&a, &b, &c);
    for h in [&a, &b, &c] {
        // Timed without the counting wrappers.
        for p in NIX_PROGRAMS {
            h.ok(&format!("rm /usr/local/bin/{p}"));
        }
    }
    write(
        &a,
        "/root/fleet/web.nix",
        "{ nixunitsTest.marker = \"web\"; }",
    );
    write(
        &a,
        "/root/fleet/db.nix",
        "{ nixunitsTest.marker = \"db-0\"; }",
    );
    write(&a, "/root/fleet/fleet.toml", &fleet_toml_with(3, false));
    write(&a, "/root/fleet/by-hand.sh", BY_HAND);
    let out = apply(&a, "-q");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let by_hand = format!("NIXSSH=\"{SSH}\" sh /root/fleet/by-hand.sh");
    let timed = |script: &str| -> f64 {
        let start = Instant::now();
        let out = a.sh(script);
        assert!(out.status.success(), "{script}: {}", text(&out));
        start.elapsed().as_secs_f64()
    };
    let mut rows: Vec<(&str, f64, f64)> = Vec::new();
    for round in 1..=5 {
        let unchanged_apply = timed(&apply_script("-q"));
        let unchanged_hand = timed(&by_hand);
        rows.push(("unchanged", unchanged_apply, unchanged_hand));
        write(
            &a,
            "/root/fleet/db.nix",
            &format!("{{ nixunitsTest.marker = \"db-{round}a\"; }}"),
        );
        let changed_apply = timed(&apply_script("-q"));
        write(
            &a,
            "/root/fleet/db.nix",
            &format!("{{ nixunitsTest.marker = \"db-{round}b\"; }}"),
        );
        let changed_hand = timed(&by_hand);
        rows.push(("db changed", changed_apply, changed_hand));
    }
    println!("| 3 hosts x 5 containers | round | apply | by hand (nix-build, nix copy, ssh) | by hand / apply |");
    println!("|---|---:|---:|---:|---:|");
    for (i, (kind, ap, hand)) in rows.iter().enumerate() {
        println!(
            "| {kind} | {} | {:.2} s | {:.2} s | {:.1}x |",
            i / 2 + 1,
            ap,
            hand,
            hand / ap
        );
    }
    for kind in ["unchanged", "db changed"] {
        let mut r: Vec<f64> = rows
            .iter()
            .filter(|x| x.0 == kind)
            .map(|x| x.2 / x.1)
            .collect();
        r.sort_by(f64::total_cmp);
        println!(
            "ratio {kind}: median {:.1}x, range {:.1}-{:.1}x",
            r[r.len() / 2],
            r[0],
            r[r.len() - 1]
        );
    }
    // Both ways converge to the same containers.
    assert_converged(&[&a, &b, &c], &["db-1", "db-2", "web-1", "web-2", "web-3"]);
}
