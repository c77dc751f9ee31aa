//! A container's nftables table on the host, `inet nixunits-<id>`: its
//! published ports (DNAT from the host's addresses to the container's on
//! its first veth) and its inbound firewall (on traffic to the container's
//! veth addresses: routed, from the host, and bridged when the bridge
//! passes its traffic through the IP hooks). Built as data — the types of
//! libnftables' JSON schema, from the `nftables` crate — and written whole
//! in one `nft -j -f -` transaction at `network-up`, deleted at `network-down` (ExecStopPost:
//! stop, failure, crash) and before every start (`prepare`: what a crash of
//! the host left). Every call of `nft` goes through here.
//!
//! Loopback ports are not here: the kernel does not send traffic from
//! `::1` to another interface, and for 127.0.0.1 only with
//! `route_localnet`, which also lets the container reach the host's
//! loopback services — `nixunits port-proxy` serves them (`proxy.rs`).

use std::borrow::Cow;
use std::io::Write;
use std::net::IpAddr;
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};
use nftables::expr::{
    Expression, Fib, FibFlag, FibResult, Meta, MetaKey, NamedExpression, Payload, PayloadField,
    Prefix, Range, SetItem, CT,
};
use nftables::schema::{Chain, NfCmd, NfListObject, NfObject, Nftables, Rule, Table};
use nftables::stmt::{JumpTarget, Match, NATFamily, Operator, Reject, RejectType, Statement, NAT};
use nftables::types::{NfChainPolicy, NfChainType, NfFamily, NfHook};
use nixunits_store::unit::{address_of, InterfaceKind, Link, Port};
use nixunits_store::{ContainerId, UnitDescription};

/// The table of a container (ids are `[a-z0-9-]`, valid nft names).
pub fn table(id: &ContainerId) -> String {
    format!("nixunits-{id}")
}

/// Where the container's published ports go: the first veth address of
/// each family, without prefix.
pub fn targets(links: &[Link]) -> (Option<IpAddr>, Option<IpAddr>) {
    let veths = || links.iter().filter(|l| l.kind == InterfaceKind::Veth);
    let six = veths().find_map(|l| l.ip6.as_deref().and_then(address_of));
    let four = veths().find_map(|l| l.ip4.as_deref().and_then(address_of));
    (six, four)
}

/// A match `left OP right`.
fn matches(
    left: Expression<'static>,
    op: Operator,
    right: Expression<'static>,
) -> Statement<'static> {
    Statement::Match(Match { left, right, op })
}

/// A header field (`ip6 daddr`, `tcp dport`).
fn field(protocol: &'static str, name: &'static str) -> Expression<'static> {
    Expression::Named(NamedExpression::Payload(Payload::PayloadField(
        PayloadField {
            protocol: protocol.into(),
            field: name.into(),
        },
    )))
}

fn text(s: impl Into<String>) -> Expression<'static> {
    Expression::String(Cow::Owned(s.into()))
}

fn ct(key: &'static str) -> Expression<'static> {
    Expression::Named(NamedExpression::CT(CT {
        key: key.into(),
        family: None,
        dir: None,
    }))
}

/// An anonymous set `{ a, b }`.
fn set(items: impl IntoIterator<Item = Expression<'static>>) -> Expression<'static> {
    Expression::Named(NamedExpression::Set(
        items.into_iter().map(SetItem::Element).collect(),
    ))
}

/// `fib daddr type local`: the packet is for one of the host's addresses.
fn to_this_host() -> Statement<'static> {
    matches(
        Expression::Named(NamedExpression::Fib(Fib {
            result: FibResult::Type,
            flags: [FibFlag::Daddr].into_iter().collect(),
        })),
        Operator::EQ,
        text("local"),
    )
}

fn accept() -> Statement<'static> {
    Statement::Accept(None)
}

/// The DNAT rules of one port: `[fib daddr type local] ip6 daddr … tcp
/// dport HP dnat ip6 to [C]:P`, for each family it has a target in.
fn dnat_rules(
    port: &Port,
    six: Option<IpAddr>,
    four: Option<IpAddr>,
) -> Vec<Vec<Statement<'static>>> {
    let l4 = port.proto.as_str();
    let mut v = Vec::new();
    for (target, v6) in [(six, true), (four, false)] {
        let Some(c) = target else { continue };
        let (ip, family, loopback) = if v6 {
            ("ip6", NATFamily::IP6, text("::1"))
        } else {
            let lo = Expression::Named(NamedExpression::Prefix(Prefix {
                addr: Box::new(text("127.0.0.0")),
                len: 8,
            }));
            ("ip", NATFamily::IP, lo)
        };
        let mut r = match port.host {
            Some(h) if h.is_ipv6() == v6 => {
                vec![matches(
                    field(ip, "daddr"),
                    Operator::EQ,
                    text(h.to_string()),
                )]
            }
            Some(_) => continue,
            // Any of the host's addresses but loopback.
            None => vec![
                to_this_host(),
                matches(field(ip, "daddr"), Operator::NEQ, loopback),
            ],
        };
        r.push(matches(
            field(l4, "dport"),
            Operator::EQ,
            Expression::Number(u32::from(port.host_port)),
        ));
        r.push(Statement::DNAT(Some(NAT {
            addr: Some(text(c.to_string())),
            family: Some(family),
            port: Some(Expression::Number(u32::from(port.port))),
            flags: None,
        })));
        v.push(r);
    }
    v
}

/// The container's table, as the commands that replace it in one
/// transaction: the table created if absent (so that the delete never
/// fails), deleted, and made again with its chains and rules. `None` when
/// the container publishes no port (but loopback ones) and has no
/// firewall.
pub fn ruleset(
    id: &ContainerId,
    unit: &UnitDescription,
    links: &[Link],
) -> Option<Nftables<'static>> {
    let ports: Vec<Port> = unit
        .parsed_ports()
        .into_iter()
        .filter(|p| !p.loopback())
        .collect();
    if ports.is_empty() && unit.firewall.is_none() {
        return None;
    }
    let t = table(id);
    let mut objects = clear(&t);
    objects.push(add(NfListObject::Table(Table {
        family: NfFamily::INet,
        name: t.clone().into(),
        handle: None,
    })));
    let chain = |name: &'static str, hook: Option<(NfChainType, NfHook, i32)>| {
        add(NfListObject::Chain(Chain {
            family: NfFamily::INet,
            table: t.clone().into(),
            name: name.into(),
            _type: hook.map(|h| h.0),
            hook: hook.map(|h| h.1),
            prio: hook.map(|h| h.2),
            policy: hook.map(|_| NfChainPolicy::Accept),
            ..Chain::default()
        }))
    };
    let rule = |chain: &'static str, expr: Vec<Statement<'static>>| {
        add(NfListObject::Rule(Rule {
            family: NfFamily::INet,
            table: t.clone().into(),
            chain: chain.into(),
            expr: expr.into(),
            ..Rule::default()
        }))
    };
    let (six, four) = targets(links);
    if !ports.is_empty() {
        let rules: Vec<Vec<Statement<'static>>> = ports
            .iter()
            .flat_map(|p| dnat_rules(p, six, four))
            .collect();
        // From other hosts (prerouting) and from this one (output).
        for (name, hook) in [
            ("ports-in", NfHook::Prerouting),
            ("ports-local", NfHook::Output),
        ] {
            objects.push(chain(name, Some((NfChainType::NAT, hook, -100))));
            objects.extend(rules.iter().map(|r| rule(name, r.clone())));
        }
    }
    if unit.firewall.is_some() {
        objects.push(chain("inbound", None));
        let mut inbound = vec![
            vec![
                // Flags: a list with `in`, as nft writes `ct state a,b`.
                matches(
                    ct("state"),
                    Operator::IN,
                    Expression::List(vec![text("established"), text("related")]),
                ),
                accept(),
            ],
            vec![
                matches(ct("state"), Operator::IN, text("invalid")),
                Statement::Drop(None),
            ],
            vec![
                matches(
                    field("icmpv6", "type"),
                    Operator::EQ,
                    set([
                        "nd-neighbor-solicit",
                        "nd-neighbor-advert",
                        "nd-router-solicit",
                        "nd-router-advert",
                    ]
                    .map(text)),
                ),
                accept(),
            ],
            vec![matches(ct("status"), Operator::IN, text("dnat")), accept()],
        ];
        for a in unit.allowed_in() {
            let range = if a.first == a.last {
                Expression::Number(u32::from(a.first))
            } else {
                Expression::Range(Box::new(Range {
                    range: [
                        Expression::Number(u32::from(a.first)),
                        Expression::Number(u32::from(a.last)),
                    ],
                }))
            };
            inbound.push(vec![
                matches(field(a.proto.as_str(), "dport"), Operator::EQ, range),
                accept(),
            ]);
        }
        inbound.push(vec![
            matches(
                Expression::Named(NamedExpression::Meta(Meta {
                    key: MetaKey::L4proto,
                })),
                Operator::EQ,
                text("tcp"),
            ),
            Statement::Reject(Some(Reject {
                _type: Some(RejectType::TCPReset),
                expr: None,
            })),
        ]);
        inbound.push(vec![Statement::Reject(None)]);
        objects.extend(inbound.into_iter().map(|r| rule("inbound", r)));
        let veth = |l: &&Link| l.kind == InterfaceKind::Veth;
        let inside = |f: fn(&Link) -> &Option<String>| -> Vec<Expression<'static>> {
            links
                .iter()
                .filter(veth)
                .filter_map(|l| f(l).as_deref().and_then(address_of))
                .map(|a| text(a.to_string()))
                .collect()
        };
        let mut jumps = Vec::new();
        for (ip, addrs) in [("ip6", inside(|l| &l.ip6)), ("ip", inside(|l| &l.ip4))] {
            if !addrs.is_empty() {
                jumps.push(vec![
                    matches(field(ip, "daddr"), Operator::EQ, set(addrs)),
                    Statement::Jump(JumpTarget {
                        target: "inbound".into(),
                    }),
                ]);
            }
        }
        // Routed and bridged traffic (forward), the host's own (output).
        for (name, hook) in [
            ("filter-forward", NfHook::Forward),
            ("filter-output", NfHook::Output),
        ] {
            objects.push(chain(name, Some((NfChainType::Filter, hook, 0))));
            objects.extend(jumps.iter().map(|r| rule(name, r.clone())));
        }
    }
    Some(Nftables {
        objects: objects.into(),
    })
}

fn add(o: NfListObject<'static>) -> NfObject<'static> {
    NfObject::CmdObject(NfCmd::Add(o))
}

/// The commands that delete a table whether or not it exists: add it
/// (nothing if it is there), then delete it.
fn clear(t: &str) -> Vec<NfObject<'static>> {
    let table = || {
        NfListObject::Table(Table {
            family: NfFamily::INet,
            name: t.to_owned().into(),
            handle: None,
        })
    };
    vec![add(table()), NfObject::CmdObject(NfCmd::Delete(table()))]
}

/// Runs the commands in one transaction: `nft -j -f -`, libnftables'
/// JSON on its standard input.
fn nft(commands: &Nftables<'_>, what: &str) -> Result<()> {
    let json = serde_json::to_vec(commands).context("the nftables commands as JSON")?;
    let mut child = Command::new("nft")
        .args(["-j", "-f", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .context("cannot run nft (Debian: apt install nftables; NixOS: networking.nftables.enable or pkgs.nftables)")?;
    child
        .stdin
        .take()
        .context("nft's standard input")?
        .write_all(&json)
        .context("cannot write to nft")?;
    let out = child.wait_with_output().context("nft")?;
    if !out.status.success() {
        bail!(
            "nft failed to {what} ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

/// Whether `nft` can be run (a container without ports and firewall needs
/// none).
fn have_nft() -> bool {
    crate::base::nix::which("nft").is_some()
}

/// Replaces the container's table, in one transaction (an existing table,
/// from a previous run, goes in the same one).
pub fn apply(id: &ContainerId, unit: &UnitDescription, links: &[Link]) -> Result<()> {
    let Some(commands) = ruleset(id, unit, links) else {
        return Ok(());
    };
    if unit.firewall.is_some() && links.iter().any(|l| l.bridge.is_some()) {
        bridge_through_ip_hooks()?;
    }
    nft(&commands, &format!("install the table {}", table(id)))
}

/// Deletes the container's table, if there is one.
pub fn remove(id: &ContainerId) -> Result<()> {
    if !have_nft() {
        return Ok(());
    }
    let t = table(id);
    nft(
        &Nftables {
            objects: clear(&t).into(),
        },
        &format!("delete the table {t}"),
    )
}

/// Bridged traffic passes the IP hooks only with br_netfilter's
/// `bridge-nf-call-ip(6)tables` (per network namespace since Linux 5.3):
/// the firewall of a container on a bridge needs it.
fn bridge_through_ip_hooks() -> Result<()> {
    for f in ["bridge-nf-call-ip6tables", "bridge-nf-call-iptables"] {
        let p = std::path::Path::new("/proc/sys/net/bridge").join(f);
        if !p.exists() {
            bail!(
                "the firewall of a container on a bridge needs the kernel's br_netfilter (modprobe br_netfilter): {} is missing",
                p.display()
            );
        }
        if std::fs::read_to_string(&p).is_ok_and(|v| v.trim() == "1") {
            continue;
        }
        std::fs::write(&p, "1").with_context(|| format!("cannot write {}", p.display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(json: serde_json::Value) -> UnitDescription {
        serde_json::from_value::<UnitDescription>(json)
            .unwrap()
            .normalize()
            .unwrap()
    }

    /// A container with ports of both families, one on loopback, and a
    /// firewall.
    fn web() -> (ContainerId, UnitDescription) {
        let id: ContainerId = "web".parse().unwrap();
        let u = unit(serde_json::json!({
            "network": { "ip6": "fd00::2/64", "host_ip6": "fd00::1/64", "ip4": "10.0.0.2/24", "host_ip4": "10.0.0.1/24" },
            "ports": ["tcp:8080:80", "udp:[2001:db8::1]:53", "tcp:[::1]:8081:80"],
            "firewall": { "allowIn": ["tcp:5432", "udp:6000-6010"] }
        }));
        (id, u)
    }

    /// The same table as nft's own rule text, which is what nixunits wrote
    /// before the table was built as data.
    const WEB_AS_TEXT: &str = "table inet nixunits-web {
  chain ports-in {
    type nat hook prerouting priority -100; policy accept;
    fib daddr type local ip6 daddr != ::1 tcp dport 8080 dnat ip6 to [fd00::2]:80
    fib daddr type local ip daddr != 127.0.0.0/8 tcp dport 8080 dnat ip to 10.0.0.2:80
    ip6 daddr 2001:db8::1 udp dport 53 dnat ip6 to [fd00::2]:53
  }
  chain ports-local {
    type nat hook output priority -100; policy accept;
    fib daddr type local ip6 daddr != ::1 tcp dport 8080 dnat ip6 to [fd00::2]:80
    fib daddr type local ip daddr != 127.0.0.0/8 tcp dport 8080 dnat ip to 10.0.0.2:80
    ip6 daddr 2001:db8::1 udp dport 53 dnat ip6 to [fd00::2]:53
  }
  chain inbound {
    ct state established,related accept
    ct state invalid drop
    icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-solicit, nd-router-advert } accept
    ct status dnat accept
    tcp dport 5432 accept
    udp dport 6000-6010 accept
    meta l4proto tcp reject with tcp reset
    reject
  }
  chain filter-forward {
    type filter hook forward priority 0; policy accept;
    ip6 daddr { fd00::2 } jump inbound
    ip daddr { 10.0.0.2 } jump inbound
  }
  chain filter-output {
    type filter hook output priority 0; policy accept;
    ip6 daddr { fd00::2 } jump inbound
    ip daddr { 10.0.0.2 } jump inbound
  }
}
";

    #[test]
    fn ports_and_firewall_make_one_table() {
        let (id, u) = web();
        let t = ruleset(&id, &u, &u.network.links(&id)).unwrap();
        let json = serde_json::to_value(&t).unwrap();
        let cmds = json["nftables"].as_array().unwrap();
        // The table is replaced in one transaction: made if absent, deleted,
        // made again with its chains and rules.
        let table = serde_json::json!({ "family": "inet", "name": "nixunits-web" });
        assert_eq!(cmds[0], serde_json::json!({ "add": { "table": table } }));
        assert_eq!(cmds[1], serde_json::json!({ "delete": { "table": table } }));
        assert_eq!(cmds[2], serde_json::json!({ "add": { "table": table } }));
        let rules = |chain: &str| -> Vec<&serde_json::Value> {
            cmds.iter()
                .filter_map(|c| c["add"].get("rule"))
                .filter(|r| r["chain"] == chain)
                .map(|r| &r["expr"])
                .collect()
        };
        let ports = rules("ports-in");
        assert_eq!(ports, rules("ports-local"));
        // tcp:8080:80 in both families, the IPv6 host address only in
        // its own; the loopback port is the proxy's, not a rule.
        assert_eq!(ports.len(), 3, "{ports:#?}");
        assert_eq!(
            ports[0].as_array().unwrap().last().unwrap(),
            &serde_json::json!({ "dnat": { "addr": "fd00::2", "family": "ip6", "port": 80 } })
        );
        assert_eq!(
            ports[1].as_array().unwrap().last().unwrap(),
            &serde_json::json!({ "dnat": { "addr": "10.0.0.2", "family": "ip", "port": 80 } })
        );
        assert!(!json.to_string().contains("8081"));
        let inbound = rules("inbound");
        assert!(inbound
            .iter()
            .any(|r| r[0]["match"]["right"]["range"] == serde_json::json!([6000, 6010])));
        assert_eq!(rules("filter-forward").len(), 2);
        // Nothing to do, no table.
        let plain = unit(
            serde_json::json!({ "network": { "ip6": "fd00::2/64", "host_ip6": "fd00::1/64" } }),
        );
        assert!(ruleset(&id, &plain, &plain.network.links(&id)).is_none());
    }

    /// Loads `input` (`-j`: JSON) with real `nft` in a network namespace of
    /// its own, and returns `nft list ruleset` there.
    fn listed(input: &[u8], json: bool) -> String {
        for (p, pkg) in [("nft", "nftables"), ("unshare", "util-linux")] {
            assert!(
                crate::base::nix::which(p).is_some(),
                "`{p}` is not on PATH: this test needs it. Install Debian's `{pkg}` (scripts/test does)."
            );
        }
        let load = if json { "nft -j -f -" } else { "nft -f -" };
        let mut child = Command::new("unshare")
            .args(["--net", "sh", "-c", &format!("{load} && nft list ruleset")])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(input).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "nft in a network namespace of its own (as root) failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Real nft takes the JSON and makes of it exactly the table the rule
    /// text made, and the removal leaves nothing.
    #[test]
    fn nft_makes_of_the_json_the_table_the_rule_text_made() {
        let (id, u) = web();
        let commands = ruleset(&id, &u, &u.network.links(&id)).unwrap();
        let from_json = listed(&serde_json::to_vec(&commands).unwrap(), true);
        let from_text = listed(WEB_AS_TEXT.as_bytes(), false);
        assert_eq!(from_json, from_text);
        assert!(
            from_json.contains("dnat ip6 to [fd00::2]:80"),
            "{from_json}"
        );
        // Installed twice (a restart): replaced, not doubled.
        let mut twice = serde_json::to_value(&commands).unwrap();
        let again = twice["nftables"].as_array().unwrap().clone();
        twice["nftables"].as_array_mut().unwrap().extend(again);
        assert_eq!(
            listed(&serde_json::to_vec(&twice).unwrap(), true),
            from_text
        );
        // Removed, whether it exists or not.
        let mut gone = serde_json::to_value(&commands).unwrap();
        let clear = serde_json::to_value(Nftables {
            objects: clear(&table(&id)).into(),
        })
        .unwrap();
        gone["nftables"]
            .as_array_mut()
            .unwrap()
            .extend(clear["nftables"].as_array().unwrap().clone());
        assert_eq!(listed(&serde_json::to_vec(&gone).unwrap(), true), "");
        assert_eq!(listed(&serde_json::to_vec(&clear).unwrap(), true), "");
    }
}
