//! Networking end to end, on a booted systemd host of its own: a host
//! bridge with two containers, macvlan (and ipvlan where the kernel has
//! it) on a link to a third network namespace, moved interfaces, three
//! interfaces in one container with a link-local gateway and /31, /127
//! links, published ports (IPv6, IPv4, loopback) and what is left of them
//! after a crash, the per-container firewall attacked from a peer,
//! resolv.conf, and `update` in place.
//!
//! Addresses: fd10::/64 and 10.10.0.0/24 on the bridge, fd20::/64 and
//! 10.20.0.0/24 on the macvlan parent's link, fd30::/64 for moved
//! interfaces, fd40::/127 and 10.40.0.0/31 for a point-to-point veth —
//! all inside the host's own private network.

use std::process::Output;
use std::time::{Duration, Instant};

use crate::host::Host;
use crate::{status, step};

/// Writes a unit description (JSON) into the host.
fn unit_file(h: &Host, name: &str, json: &serde_json::Value) -> String {
    let path = format!("/tmp/{name}.json");
    h.ok(&format!("cat > {path} <<'EOF'\n{json}\nEOF"));
    path
}

/// Builds and starts a container of the stub payload with this unit.
fn start(h: &Host, id: &str, json: &serde_json::Value) {
    let path = unit_file(h, id, json);
    h.nixunits_ok(&format!(
        "build {id} -cc '{{ nixunitsTest.marker = \"{id}\"; }}' -j {path} -s -q"
    ));
    // The network is configured (ExecStartPost) before `start` returns;
    // the stub's init notes the marker.
    let log = crate::init_log(h, id);
    assert!(log.contains("net-ready: yes"), "{id}: {log}");
}

/// Starts busybox httpd on these ports inside, answering `hello-from-ID`.
fn serve(h: &Host, id: &str, ports: &[u16]) {
    let servers: String = ports
        .iter()
        .map(|p| format!(" && httpd -p {p} -h /srv/www"))
        .collect();
    h.nixunits_ok(&format!(
        "nsenter {id} -- sh -c 'mkdir -p /srv/www && echo hello-from-{id} > /srv/www/index.html{servers}'"
    ));
}

/// An HTTP GET of `ADDRESS PORT` (busybox nc: Debian's static busybox
/// wget crashes), from the host or from inside a container.
fn fetch(h: &Host, from: Option<&str>, url: &str) -> Output {
    let get = "printf 'GET / HTTP/1.0\\r\\n\\r\\n'";
    match from {
        Some(id) => h.nixunits(&format!("nsenter {id} -- sh -c \"{get} | nc -w 3 {url}\"")),
        None => h.sh(&format!("{get} | busybox nc -w 3 {url}")),
    }
}

fn fetch_ok(h: &Host, from: Option<&str>, url: &str, want: &str) {
    // Published ports through the proxy come up a moment after the start.
    let t = Instant::now();
    loop {
        let out = fetch(h, from, url);
        let body = String::from_utf8_lossy(&out.stdout);
        if out.status.success() && body.contains(want) {
            return;
        }
        assert!(
            t.elapsed() < Duration::from_secs(15),
            "{url} from {}: {} {body} {}",
            from.unwrap_or("the host"),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        std::thread::sleep(Duration::from_millis(300));
    }
}

fn fetch_fails(h: &Host, from: Option<&str>, url: &str) {
    let out = fetch(h, from, url);
    assert!(
        !out.status.success(),
        "{url} from {} answered: {}",
        from.unwrap_or("the host"),
        String::from_utf8_lossy(&out.stdout)
    );
}

fn ping(h: &Host, from: &str, addr: &str) {
    let cmd = if addr.contains(':') { "ping6" } else { "ping" };
    h.nixunits_ok(&format!("nsenter {from} -- {cmd} -c1 -W5 {addr}"));
}

fn nft_table(h: &Host, id: &str) -> Option<String> {
    let out = h.sh(&format!("nft list table inet nixunits-{id}"));
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

fn wait_for(what: &str, secs: u64, mut done: impl FnMut() -> bool) {
    let t = Instant::now();
    while !done() {
        assert!(t.elapsed() < Duration::from_secs(secs), "{what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn networking() {
    let h = Host::boot();
    h.nixunits_ok("install");
    h.ok(
        "ip link add br0 type bridge && ip link set br0 up \
         && ip addr add fd10::1/64 dev br0 nodad && ip addr add 10.10.0.1/24 dev br0 \
         && ip addr add fd99::1/128 dev lo \
         && ip netns add ext \
         && ip link add p0 type veth peer name p0x && ip link set p0x netns ext && ip link set p0 up \
         && ip -n ext link set lo up && ip -n ext link set p0x up \
         && ip -n ext addr add fd20::100/64 dev p0x nodad && ip -n ext addr add 10.20.0.100/24 dev p0x \
         && for i in 0 1; do ip link add mv$i type veth peer name mv${i}x && ip link set mv${i}x netns ext \
              && ip -n ext addr add fd3$i::100/64 dev mv${i}x nodad && ip -n ext link set mv${i}x up; done",
    );
    // The host's resolv.conf points at a local stub, as with
    // systemd-resolved; its upstream servers are in resolved's file.
    h.ok(
        "rm -f /etc/resolv.conf && echo 'nameserver 127.0.0.53' > /etc/resolv.conf \
         && mkdir -p /run/systemd/resolve && printf 'nameserver 192.0.2.53\\nnameserver 2001:db8::53\\n' > /run/systemd/resolve/resolv.conf",
    );

    step("veth+bridge: two containers on br0 reach each other and the host over IPv6 and IPv4");
    for (id, n) in [("b1", 11), ("b2", 12)] {
        start(
            &h,
            id,
            &serde_json::json!({ "network": { "interfaces": [{
                "type": "veth", "bridge": "br0",
                "ip6": format!("fd10::{n}/64"), "ip4": format!("10.10.0.{n}/24"),
                "ip6route": "fd10::1", "ip4route": "10.10.0.1"
            }] } }),
        );
    }
    let members = h.ok("ip -o link show master br0");
    assert_eq!(members.lines().count(), 2, "{members}");
    for (from, to) in [("b1", "12"), ("b2", "11")] {
        ping(&h, from, &format!("fd10::{to}"));
        ping(&h, from, &format!("10.10.0.{to}"));
    }
    ping(&h, "b1", "fd10::1");
    ping(&h, "b1", "10.10.0.1");
    h.ok("busybox ping6 -c1 -W5 fd10::11 && busybox ping -c1 -W5 10.10.0.12");

    step("resolv.conf: the host's stub is never copied; its upstream servers are");
    let resolv = h.nixunits_ok("nsenter b1 -- cat /etc/resolv.conf");
    assert!(
        resolv.contains("nameserver 192.0.2.53") && resolv.contains("nameserver 2001:db8::53"),
        "{resolv}"
    );
    assert!(!resolv.contains("127.0.0"), "{resolv}");

    step("macvlan: two containers on p0 reach the third namespace and each other");
    for (id, n) in [("m1", 11), ("m2", 12)] {
        start(
            &h,
            id,
            &serde_json::json!({ "network": { "interfaces": [{
                "type": "macvlan", "parent": "p0",
                "mac": format!("02:00:00:00:20:{n}"),
                "ip6": format!("fd20::{n}/64"), "ip4": format!("10.20.0.{n}/24")
            }] } }),
        );
    }
    let link = h.nixunits_ok("nsenter m1 -- ip -o link show mv-p0");
    assert!(link.contains("02:00:00:00:20:11"), "the fixed MAC: {link}");
    ping(&h, "m1", "fd20::100");
    ping(&h, "m1", "10.20.0.100");
    ping(&h, "m2", "fd20::100");
    ping(&h, "m1", "fd20::12");

    step("ipvlan: on p0 like macvlan, where the kernel has ipvlan");
    let kernel_has_ipvlan = h
        .sh("ip link add ivprobe link p0 type ipvlan && ip link del ivprobe")
        .status
        .success();
    let ipvlan = serde_json::json!({ "network": { "interfaces": [{
        "type": "ipvlan", "parent": "p0", "ip6": "fd20::21/64", "ip4": "10.20.0.21/24"
    }] } });
    if kernel_has_ipvlan {
        start(&h, "i1", &ipvlan);
        ping(&h, "i1", "fd20::100");
        ping(&h, "i1", "10.20.0.100");
    } else {
        // This kernel lacks CONFIG_IPVLAN: the start fails, saying why,
        // and leaves nothing running.
        let path = unit_file(&h, "i1", &ipvlan);
        let out = h.nixunits(&format!(
            "build i1 -cc '{{ nixunitsTest.marker = \"i1\"; }}' -j {path} -s -q"
        ));
        assert_eq!(out.status.code(), Some(1), "{out:?}");
        let journal = h.ok("journalctl -u nixunits@i1.service --no-pager -o cat");
        assert!(journal.to_lowercase().contains("ipvlan"), "{journal}");
        eprintln!("e2e: this kernel has no ipvlan (CONFIG_IPVLAN): its start fails as it should; connectivity not tested here");
    }

    step("moved: two containers, each with a host interface moved inside");
    for (id, i) in [("mo0", 0), ("mo1", 1)] {
        start(
            &h,
            id,
            &serde_json::json!({ "network": { "interfaces": [{
                "type": "moved", "interface": format!("mv{i}"), "ip6": format!("fd3{i}::2/64")
            }] } }),
        );
        ping(&h, id, &format!("fd3{i}::100"));
        assert!(
            !h.sh(&format!("ip link show mv{i}")).status.success(),
            "mv{i} is still on the host"
        );
    }

    step("three interfaces in one container: bridge, a /127 + /31 veth with a link-local gateway, macvlan");
    start(
        &h,
        "tri",
        &serde_json::json!({ "network": { "interfaces": [
            { "type": "veth", "bridge": "br0", "ip6": "fd10::13/64", "ip4": "10.10.0.13/24" },
            { "type": "veth", "name": "p2p", "ip6": "fd40::/127", "host_ip6": "fd40::1/127",
              "ip4": "10.40.0.0/31", "host_ip4": "10.40.0.1/31", "ip6route": "fe80::1%p2p" },
            { "type": "macvlan", "parent": "p0", "ip6": "fd20::13/64" }
        ] } }),
    );
    let names = h.nixunits_ok("nsenter tri -- ip -o link");
    for n in ["host0", "p2p", "mv-p0"] {
        assert!(names.contains(&format!(": {n}")), "{n}: {names}");
    }
    ping(&h, "tri", "fd10::11");
    ping(&h, "tri", "fd40::1");
    ping(&h, "tri", "10.40.0.1");
    ping(&h, "tri", "fd20::100");
    // The default route through the link-local gateway: the host answers
    // from an address on no container link once it has fe80::1.
    h.ok("ip addr add fe80::1/64 dev vx1-tri nodad");
    let route = h.nixunits_ok("nsenter tri -- ip -6 route show default");
    assert!(route.contains("via fe80::1 dev p2p"), "{route}");
    ping(&h, "tri", "fd99::1");

    step("ports: published on the host's IPv6, IPv4 and loopback addresses");
    start(
        &h,
        "web",
        &serde_json::json!({
            "network": { "interfaces": [{ "type": "veth", "bridge": "br0",
                "ip6": "fd10::14/64", "ip4": "10.10.0.14/24", "ip6route": "fd10::1", "ip4route": "10.10.0.1" }],
                "dns": ["fd10::53"] },
            "ports": ["tcp:8080:80", "tcp:[::1]:8081:80", "tcp:127.0.0.1:8082:80"]
        }),
    );
    serve(&h, "web", &[80]);
    for url in [
        "fd99::1 8080",
        "fd10::1 8080",
        "10.10.0.1 8080",
        "::1 8081",
        "127.0.0.1 8082",
    ] {
        fetch_ok(&h, None, url, "hello-from-web");
    }
    // Not published on loopback unless asked.
    fetch_fails(&h, None, "127.0.0.1 8080");
    let resolv = h.nixunits_ok("nsenter web -- cat /etc/resolv.conf");
    assert!(resolv.contains("nameserver fd10::53"), "{resolv}");
    assert!(!resolv.contains("192.0.2.53"), "{resolv}");

    step("ports: a stale table (a host crash) is replaced at start; a stop leaves no rule and no proxy");
    h.nixunits_ok("stop web");
    assert!(
        nft_table(&h, "web").is_none(),
        "the table outlived the stop"
    );
    h.ok("nft add table inet nixunits-web && nft add chain inet nixunits-web stale-junk");
    h.nixunits_ok("start web");
    let t = nft_table(&h, "web").expect("web's table");
    assert!(!t.contains("stale-junk"), "{t}");
    assert_eq!(t.matches("dnat ip6 to").count(), 2, "{t}");
    serve(&h, "web", &[80]);
    fetch_ok(&h, None, "::1 8081", "hello-from-web");

    step("ports: kill -9 of the init — the restarted container has its rules once; a crash loop's end leaves none");
    let leader = status(&h, "web")["leader"].as_u64().unwrap();
    h.ok(&format!("kill -9 {leader}"));
    wait_for("web back after kill -9", 30, || {
        let st = status(&h, "web");
        st["activeState"] == "active" && st["leader"].as_u64().is_some_and(|l| l != leader)
    });
    let t = nft_table(&h, "web").expect("web's table after the restart");
    assert_eq!(t.matches("dnat ip6 to").count(), 2, "{t}");
    h.ok("touch /var/lib/nixunits/containers/web/root/crash-me");
    let leader = status(&h, "web")["leader"].as_u64().unwrap();
    h.ok(&format!("kill -9 {leader}"));
    wait_for("web's crash loop to stop", 60, || {
        h.ok("journalctl -u nixunits@web.service --no-pager -o cat")
            .contains("Start request repeated too quickly")
    });
    assert!(
        nft_table(&h, "web").is_none(),
        "the crashed container's table remains"
    );
    assert!(
        !h.sh("systemctl is-active nixunits-ports-web.service")
            .status
            .success(),
        "the proxy outlived its container"
    );
    fetch_fails(&h, None, "::1 8081");
    h.ok("rm /var/lib/nixunits/containers/web/root/crash-me");

    step("firewall: from a peer on the bridge and from the host, the allowed port answers, a closed one is refused");
    start(
        &h,
        "fw",
        &serde_json::json!({
            "network": { "interfaces": [{ "type": "veth", "bridge": "br0", "ip6": "fd10::15/64", "ip4": "10.10.0.15/24" }] },
            "firewall": { "allowIn": ["tcp:80"] }
        }),
    );
    serve(&h, "fw", &[80, 81]);
    // Inside, both ports are served.
    fetch_ok(&h, Some("fw"), "127.0.0.1 81", "hello-from-fw");
    for from in [Some("b1"), None] {
        fetch_ok(&h, from, "fd10::15 80", "hello-from-fw");
        fetch_ok(&h, from, "10.10.0.15 80", "hello-from-fw");
        fetch_fails(&h, from, "fd10::15 81");
        fetch_fails(&h, from, "10.10.0.15 81");
    }
    // Its own traffic out and the replies pass; neighbour discovery too.
    ping(&h, "fw", "fd10::11");
    // Without a firewall, the same port of another container answers.
    serve(&h, "b2", &[81]);
    fetch_ok(&h, Some("b1"), "fd10::12 81", "hello-from-b2");

    step("update: a changed snippet switches in place (no restart); a changed unit restarts");
    h.nixunits_ok("build up -cc '{ nixunitsTest.marker = \"one\"; }' -6 -s -q");
    let before = status(&h, "up")["leader"].as_u64().unwrap();
    let out = h.nixunits_ok("update up -cc '{ nixunitsTest.marker = \"two\"; }' -6");
    assert!(out.contains("switched in place"), "{out}");
    let st = status(&h, "up");
    assert_eq!(
        st["leader"].as_u64(),
        Some(before),
        "update restarted it: {st}"
    );
    let live = crate::live_system(&h, "up");
    let log =
        std::fs::read_to_string(h.path("/var/lib/nixunits/containers/up/root/var/log/switch.log"))
            .unwrap();
    assert_eq!(log, format!("switched to {live} (test)\n"));
    // Recorded as running the live generation: `build -r` leaves it be.
    assert_eq!(h.ok("cat /run/nixunits/up.running"), format!("{live}\n"));
    h.nixunits_ok("build up -cc '{ nixunitsTest.marker = \"two\"; }' -6 -r -q");
    assert_eq!(status(&h, "up")["leader"].as_u64(), Some(before));
    // Nothing changed: nothing done.
    let out = h.nixunits_ok("update up -cc '{ nixunitsTest.marker = \"two\"; }' -6");
    assert!(
        !out.contains("switched") && !out.contains("restarted"),
        "{out}"
    );
    // A new address is systemd-nspawn's and the host's business: restart.
    let out = h.nixunits_ok(
        "update up -cc '{ nixunitsTest.marker = \"two\"; }' -6 --ip4 10.50.0.2/24 --host-ip4 10.50.0.1/24",
    );
    assert!(out.contains("restarted"), "{out}");
    assert_ne!(status(&h, "up")["leader"].as_u64(), Some(before));
    h.ok("busybox ping -c1 -W5 10.50.0.2");
    step("update without a snippet: a container a plain build left on its previous generation switches to the live one in place");
    let up_flags = "-6 --ip4 10.50.0.2/24 --host-ip4 10.50.0.1/24";
    let before = status(&h, "up")["leader"].as_u64().unwrap();
    let out = h.nixunits_ok(&format!(
        "build up -cc '{{ nixunitsTest.marker = \"three\"; }}' {up_flags}"
    ));
    assert!(out.contains("runs the previous result"), "{out}");
    let out = h.nixunits_ok("update up");
    assert!(out.contains("switched in place"), "{out}");
    assert_eq!(status(&h, "up")["leader"].as_u64(), Some(before));
    let live = crate::live_system(&h, "up");
    let log =
        std::fs::read_to_string(h.path("/var/lib/nixunits/containers/up/root/var/log/switch.log"))
            .unwrap();
    assert!(
        log.ends_with(&format!("switched to {live} (test)\n")),
        "{log}"
    );
    assert_eq!(h.ok("cat /run/nixunits/up.running"), format!("{live}\n"));
    // Now it runs the live generation: nothing more to do.
    let out = h.nixunits_ok("update up");
    assert!(out.contains("runs the live generation"), "{out}");
    step("one build for many containers: 50 of one snippet, exactly one nix-build, all running and reachable");
    h.ok(
        "printf '#!/bin/sh\\necho \"$*\" >> /run/nix-build.calls\\nexec /usr/bin/nix-build \"$@\"\\n' > /usr/local/bin/nix-build \
         && chmod +x /usr/local/bin/nix-build && rm -f /run/nix-build.calls",
    );
    let snippet = "'{ nixunitsTest.marker = \"shared\"; }'";
    let mut outs = std::collections::BTreeSet::new();
    for i in 0..50 {
        let out: serde_json::Value = serde_json::from_str(
            &h.nixunits_ok(&format!("build sh{i} -cc {snippet} -6 -s --json")),
        )
        .unwrap();
        outs.insert(out["outPath"].as_str().unwrap().to_owned());
    }
    let calls = h.ok("cat /run/nix-build.calls");
    assert_eq!(calls.lines().count(), 1, "{calls}");
    assert_eq!(outs.len(), 1, "one system: {outs:?}");
    for i in 0..50 {
        let st = status(&h, &format!("sh{i}"));
        assert_eq!(st["activeState"], "active", "{st}");
        h.ok(&format!(
            "busybox ping6 -c1 -W5 {}",
            st["ip6"].as_str().unwrap()
        ));
    }
    // The hostname is each container's own, though the system is one.
    assert_eq!(h.nixunits_ok("nsenter sh7 -- hostname").trim(), "sh7");
    h.ok("rm /usr/local/bin/nix-build");

    step("the build example of the README and the manual: the same lines, numbers and store paths aside");
    for (i, page) in ["README.md", "docs/manual/building.md"].iter().enumerate() {
        if i > 0 {
            // A first build again: no container, no history.
            h.nixunits_ok("delete pg -y");
            h.nixunits_ok("cache clear");
        }
        build_example(&h, page);
    }
    eprintln!("e2e: networking done");
}

/// Numbers and store paths masked, for comparing output shapes.
fn mask(line: &str) -> String {
    let mut out = String::new();
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            while chars
                .peek()
                .is_some_and(|c| c.is_ascii_digit() || *c == '.')
            {
                chars.next();
            }
            out.push('N');
        } else {
            out.push(c);
        }
    }
    match out.find("/nix/store/") {
        Some(i) => format!("{}STORE", &out[..i]),
        None => out,
    }
}

/// Runs the `$ nixunits build …` commands of `page` (the README, the
/// manual's building chapter) in the source tree and compares each shown
/// line with the real one (`…` skips lines).
fn build_example(h: &Host, page: &str) {
    let readme = std::fs::read_to_string(crate::util::root().join(page)).unwrap();
    let start = readme
        .find("$ nixunits build pg")
        .unwrap_or_else(|| panic!("{page}: no build example"));
    let block = &readme[start
        ..readme[start..]
            .find("```")
            .map_or(readme.len(), |e| start + e)];
    let mut runs: Vec<(String, Vec<&str>)> = Vec::new();
    for line in block.lines() {
        if let Some(cmd) = line.strip_prefix("$ nixunits ") {
            let cmd = cmd.split('#').next().unwrap().trim().to_owned();
            runs.push((cmd, Vec::new()));
        } else if let Some((_, shown)) = runs.last_mut() {
            shown.push(line);
        }
    }
    assert_eq!(runs.len(), 2, "{block}");
    for (cmd, shown) in runs {
        let real = h.ok(&format!(
            "cd /opt/nixunits-src && NIX_PATH=nixpkgs=/opt/nixunits-src/tests/fake-nixpkgs nixunits --nix-dir /opt/nixunits-src/nix {cmd}"
        ));
        let real: Vec<String> = real.lines().map(mask).collect();
        let mut at = 0;
        let mut skipping = false;
        for want in shown {
            if want == "…" {
                skipping = true;
                continue;
            }
            let want = mask(want);
            let found = if skipping {
                real[at..].iter().position(|r| *r == want).map(|p| at + p)
            } else {
                (real.get(at) == Some(&want)).then_some(at)
            };
            let Some(i) = found else {
                panic!(
                    "{page}: $ nixunits {cmd}: {want:?} is not next in\n{}",
                    real.join("\n")
                );
            };
            at = i + 1;
            skipping = false;
        }
    }
}
