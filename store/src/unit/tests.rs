//! The unit description as a whole: its checks, canonical forms and
//! the names and arguments derived from it.

use std::net::Ipv6Addr;

use super::*;
use crate::id::ContainerId;

fn id(s: &str) -> ContainerId {
    s.parse().unwrap()
}

#[test]
fn auto_ip6_is_the_seeds() {
    assert_eq!(
        auto_ip6(&id("pg")).unwrap(),
        (
            "fc00::bd30:9ff2:2/112".into(),
            "fc00::bd30:9ff2:1/112".into()
        )
    );
    // An id whose CRC32 has a leading zero: 7 hex digits, split 4 + 3.
    let (name, crc) = (0..100_000)
        .map(|i| format!("c{i}"))
        .map(|n| {
            let c = crc32fast::hash(n.as_bytes());
            (n, c)
        })
        .find(|(_, c)| *c < 0x1000_0000 && *c >= 0x0100_0000)
        .unwrap();
    let c = format!("{crc:x}");
    assert_eq!(c.len(), 7);
    let (ip, host) = auto_ip6(&id(&name)).unwrap();
    let want: Ipv6Addr = format!("fc00::{}:{}:2", &c[..4], &c[4..]).parse().unwrap();
    assert_eq!(ip, format!("{want}/112"));
    assert!(host.ends_with(":1/112"));
}

#[test]
fn veth_names_are_nspawns() {
    assert_eq!(host_veth_name(&id("pg")), "ve-pg");
    assert_eq!(host_veth_name(&id("abcdefghijkl")), "ve-abcdefghijkl");
    // Seen from systemd-nspawn 252 on this machine.
    assert_eq!(
        host_veth_name(&id("webfrontend-prod-01")),
        "ve-webfrontmXxr"
    );
}

#[test]
fn addresses_are_checked_and_canonical() {
    assert_eq!(
        canonical_address("ip6", "FC00:0::0002", true).unwrap(),
        "fc00::2/112"
    );
    assert_eq!(
        canonical_address("ip4", "10.0.0.2/30", false).unwrap(),
        "10.0.0.2/30"
    );
    for bad in [
        "fc00::/129",
        "fc00::1/",
        "fc00::1/01",
        "10.0.0.1",
        "x",
        "fc00::1/-1",
        "",
    ] {
        assert!(canonical_address("ip6", bad, true).is_err(), "{bad}");
    }
    assert!(canonical_address("ip4", "10.0.0.300", false).is_err());
}

fn interfaces(json: serde_json::Value) -> Result<UnitDescription, String> {
    serde_json::from_value::<UnitDescription>(
        serde_json::json!({ "network": { "interfaces": json } }),
    )
    .map_err(|e| e.to_string())?
    .normalize()
    .map_err(|e| e.to_string())
}

#[test]
fn interfaces_make_links_with_nspawns_names() {
    let u = interfaces(serde_json::json!([
        { "type": "veth", "bridge": "br0", "ip6": "fd00:1::2/64", "ip4": "10.1.0.2/24" },
        { "type": "veth", "ip6": "fd00:2::2/127", "host_ip6": "fd00:2::3/127", "ip6route": "fe80::1%eth1" },
        { "type": "macvlan", "parent": "p0", "mac": "02:AA:00:00:00:01", "ip4": "10.3.0.2/31", "ip4route": "10.3.0.3" },
        { "type": "ipvlan", "parent": "p1" },
        { "type": "moved", "interface": "dummy7", "ip6": "fd00:7::2/64" }
    ]))
    .unwrap();
    let links = u.network.links(&id("webfrontend-prod-01"));
    let names: Vec<(&str, Option<&str>, &str)> = links
        .iter()
        .map(|l| (l.inside.as_str(), l.host.as_deref(), l.nspawn_arg.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            (
                "host0",
                Some(host_bridge_veth_name(&id("webfrontend-prod-01")).as_str()),
                "--network-bridge=br0"
            ),
            (
                "eth1",
                Some("vx1-webf62520c7"),
                "--network-veth-extra=vx1-webf62520c7:eth1"
            ),
            ("mv-p0", None, "--network-macvlan=p0"),
            ("iv-p1", None, "--network-ipvlan=p1"),
            ("dummy7", None, "--network-interface=dummy7"),
        ]
    );
    assert_eq!(links[1].ip6route.as_deref(), Some("fe80::1"));
    assert_eq!(links[2].mac.as_deref(), Some("02:aa:00:00:00:01"));
    assert_eq!(u.network.mode(), NetworkMode::Interfaces);
    // Short ids keep their name.
    assert_eq!(extra_veth_name(&id("pg"), 2), "vx2-pg");
}

#[test]
fn bad_interfaces_are_refused_naming_the_entry() {
    for (json, says) in [
        (
            serde_json::json!([{ "type": "macvlan" }]),
            "interfaces[0] (macvlan): parent",
        ),
        (
            serde_json::json!([{ "type": "veth", "name": "x", "ip6": "fd00::2/64", "host_ip6": "fd00::1/64" }]),
            "the first veth is host0",
        ),
        (
            serde_json::json!([{ "type": "veth", "bridge": "br0", "host_ip6": "fd00::1/64" }]),
            "the bridge has the host's",
        ),
        (
            serde_json::json!([{ "type": "veth", "ip6": "fd00::2/64" }]),
            "needs both sides",
        ),
        (
            serde_json::json!([{ "type": "moved", "interface": "e1", "host_ip4": "10.0.0.1/24" }]),
            "only a veth has a host side",
        ),
        (
            serde_json::json!([{ "type": "macvlan", "parent": "p0", "mac": "03:00:00:00:00:01" }]),
            "not a unicast MAC",
        ),
        (
            serde_json::json!([{ "type": "macvlan", "parent": "p0" }, { "type": "macvlan", "parent": "p0" }]),
            "two interfaces are named \"mv-p0\"",
        ),
        (
            serde_json::json!([{ "type": "moved", "interface": "e1", "ip6": "fd00::2/64", "ip6route": "fe80::1%eth0" }]),
            "names the interface \"eth0\"",
        ),
        (
            serde_json::json!([{ "type": "veth", "bridge": "br0", "ip4": "10.0.0.2/24", "ip4route": "10.0.0.1" },
                            { "type": "macvlan", "parent": "p0", "ip4": "10.1.0.2/24", "ip4route": "10.1.0.1" }]),
            "2 interfaces set an IPv4 default route",
        ),
        (
            serde_json::json!([{ "type": "veth", "bridge": "a/b" }]),
            "a Linux interface name",
        ),
        (serde_json::json!([{ "type": "tap" }]), "unknown variant"),
    ] {
        let e = interfaces(json.clone()).unwrap_err();
        assert!(e.contains(says), "{json}: {e}");
    }
    // Flat keys and a list: one or the other.
    let both: UnitDescription = serde_json::from_value(serde_json::json!({
        "network": { "ip6": "fd00::2/64", "host_ip6": "fd00::1/64", "interfaces": [{ "type": "ipvlan", "parent": "p0" }] }
    }))
    .unwrap();
    assert!(both
        .normalize()
        .unwrap_err()
        .to_string()
        .contains("not both"));
}

#[test]
fn ports_firewall_and_dns_are_checked_and_canonical() {
    let with = |json: serde_json::Value| {
        serde_json::from_value::<UnitDescription>(json)
            .unwrap()
            .normalize()
            .map_err(|e| e.to_string())
    };
    let veth = serde_json::json!({ "ip6": "fd00::2/64", "host_ip6": "fd00::1/64" });
    let u = with(serde_json::json!({ "network": { "ip6": "fd00::2/64", "host_ip6": "fd00::1/64", "dns": ["2001:DB8::53"] },
        "ports": ["tcp:80", "udp:[0:0:0:0:0:0:0:1]:5353:53"], "firewall": { "allowIn": ["tcp:5432"] } })).unwrap();
    assert_eq!(u.ports, ["tcp:80:80", "udp:[::1]:5353:53"]);
    assert_eq!(u.network.dns, ["2001:db8::53"]);
    for (json, says) in [
        (
            serde_json::json!({ "network": veth, "ports": ["sctp:80"] }),
            "tcp or udp",
        ),
        (
            serde_json::json!({ "network": veth, "ports": ["tcp:0:80"] }),
            "1 to 65535",
        ),
        (
            serde_json::json!({ "network": veth, "ports": ["tcp:::1:80:80"] }),
            "brackets",
        ),
        (
            serde_json::json!({ "network": veth, "ports": ["tcp:10.0.0.1:80:80"] }),
            "no IPv4 address on a veth",
        ),
        (
            serde_json::json!({ "network": veth, "ports": ["tcp:80", "tcp:80:81"] }),
            "published twice",
        ),
        (
            serde_json::json!({ "ports": ["tcp:80"] }),
            "no address on a veth",
        ),
        (
            serde_json::json!({ "network": veth, "firewall": { "allowIn": ["tcp:90-80"] } }),
            "lower port",
        ),
        (
            serde_json::json!({ "network": { "interface": "eth1", "ip6": "fd00::2/64" }, "firewall": {} }),
            "no host side to filter on",
        ),
        (
            serde_json::json!({ "network": { "dns": ["127.0.0.53:53"] } }),
            "network.dns",
        ),
    ] {
        let e = with(json.clone()).unwrap_err();
        assert!(e.contains(says), "{json}: {e}");
    }
}

#[test]
fn network_modes_and_prefixes() {
    let mut n = Network::default();
    assert_eq!(n.mode(), NetworkMode::Private);
    n.ip4 = Some("10.0.0.2/24".into());
    assert_eq!(n.mode(), NetworkMode::Veth);
    n.interface = Some("eth1".into());
    assert_eq!(n.mode(), NetworkMode::Interface);
    assert_eq!(without_prefix("fc00::2/112"), "fc00::2");
    assert_eq!(without_prefix("10.0.0.1"), "10.0.0.1");
}

#[test]
fn combinations() {
    let mut u = UnitDescription::default();
    u.network.ip6 = Some("fc00::2".into());
    assert!(matches!(
        u.clone().normalize(),
        Err(UnitError::BadCombination(_))
    ));
    u.network.interface = Some("eth1".into());
    assert!(u.clone().normalize().is_ok());
    u.network.host_ip6 = Some("fc00::1".into());
    assert!(u.clone().normalize().is_err());
    u.network.interface = None;
    let n = u.normalize().unwrap();
    assert_eq!(
        n.canonical_json(),
        r#"{"bind":[],"capsAllow":[],"network":{"host_ip6":"fc00::1/112","ip6":"fc00::2/112"},"properties":{},"resources":{}}"#
    );
}

#[test]
fn credentials_are_paths_never_in_the_store() {
    let with = |name: &str, path: &str| {
        let mut u = UnitDescription::default();
        u.credentials.insert(name.into(), path.into());
        u.normalize().map_err(|e| e.to_string())
    };
    let u = with("pg-pass", "/run/keys/pg-pass").unwrap();
    assert!(u
        .nspawn_args(&id("pg"))
        .contains(&"--load-credential=pg-pass:/run/keys/pg-pass".to_owned()));
    assert!(u
        .canonical_json()
        .contains(r#""credentials":{"pg-pass":"/run/keys/pg-pass"}"#));
    // None: the canonical JSON of containers without credentials is
    // what it was.
    assert!(!UnitDescription::default()
        .canonical_json()
        .contains("credentials"));
    for (name, path, says) in [
        ("pg-pass", "hunter2", "not the secret itself"),
        ("pg pass", "/run/keys/x", "credential name"),
        ("..", "/run/keys/x", "credential name"),
        ("pg-pass", "/nix/store/abc-secret", "readable by every user"),
        ("pg-pass", "/run/keys/a b", "no white space"),
    ] {
        let err = with(name, path).unwrap_err();
        assert!(err.contains(says), "{name} {path}: {err}");
    }
}

/// Item 6 of issue 11: each rule, with a message that names it.
#[test]
fn unusable_addresses_and_pairs() {
    let veth = |ip: &str, host: &str| {
        let mut u = UnitDescription::default();
        if ip.contains(':') {
            u.network.ip6 = Some(ip.into());
            u.network.host_ip6 = Some(host.into());
        } else {
            u.network.ip4 = Some(ip.into());
            u.network.host_ip4 = Some(host.into());
        }
        u.normalize().map(|_| ()).map_err(|e| e.to_string())
    };
    for (ip, host, says) in [
        ("fc00::2", "fc00::2", "the same IPv6 address"),
        ("10.0.0.2", "10.0.0.2", "the same IPv4 address"),
        ("::", "fc00::1", "unspecified"),
        ("0.0.0.0", "10.0.0.1", "unspecified"),
        ("ff02::1", "fc00::1", "multicast"),
        ("224.0.0.5", "10.0.0.1", "multicast"),
        ("fe80::2/64", "fe80::1/64", "link-local"),
        ("169.254.0.2", "169.254.0.1", "link-local"),
        ("::1", "fc00::1", "loopback"),
        ("127.0.0.2", "127.0.0.1", "loopback"),
        ("fc00::2/112", "fc00:1::1/112", "not in one subnet"),
        ("fc00::2/112", "fc00::1/64", "not in one subnet"),
        ("10.0.0.2/24", "10.0.1.1/24", "not in one subnet"),
        ("10.0.0.0/24", "10.0.0.1/24", "network address"),
        (
            "10.0.0.255/24",
            "10.0.0.1/24",
            "broadcast address of its subnet",
        ),
        ("10.0.0.2/24", "255.255.255.255/24", "broadcast"),
    ] {
        let err = veth(ip, host).expect_err(ip);
        assert!(err.contains(says), "{ip} {host}: {err}");
    }
    // /31 and /127 links, and a /30's two hosts, are fine.
    for (ip, host) in [
        ("10.0.0.0/31", "10.0.0.1/31"),
        ("fc00::0/127", "fc00::1/127"),
        ("10.0.0.1/30", "10.0.0.2/30"),
        ("192.0.2.2/24", "192.0.2.1/24"),
        ("2001:db8::2/64", "2001:db8::1/64"),
    ] {
        assert_eq!(veth(ip, host), Ok(()), "{ip} {host}");
    }
    // A link-local gateway is fine; a multicast one is not.
    let mut u = UnitDescription::default();
    u.network.ip6 = Some("2001:db8::2/64".into());
    u.network.host_ip6 = Some("2001:db8::1/64".into());
    u.network.ip6route = Some("fe80::1".into());
    assert!(u.clone().normalize().is_ok());
    u.network.ip6route = Some("ff02::2".into());
    assert!(u
        .normalize()
        .unwrap_err()
        .to_string()
        .contains("cannot be a gateway"));
}

#[test]
fn canonical_json_sorts_properties() {
    let a: UnitDescription =
        serde_json::from_str(r#"{"properties":{"b":1,"a":{"y":2,"x":1}}}"#).unwrap();
    let b: UnitDescription =
        serde_json::from_str(r#"{ "properties" : { "a" : { "x":1, "y":2 }, "b": 1 } }"#).unwrap();
    assert_eq!(a.canonical_json(), b.canonical_json());
    assert!(serde_json::from_str::<UnitDescription>(r#"{"netwrok":{}}"#).is_err());
}
