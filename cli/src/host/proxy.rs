//! Ports published on a loopback address (`tcp:[::1]:8081:80`,
//! `udp:127.0.0.1:5353:53`): a small proxy, `nixunits port-proxy`, in a
//! transient unit `nixunits-ports-<id>.service` bound to the container's
//! (`BindsTo=`: it stops when the container stops or crashes), as a
//! dynamic user with only CAP_NET_BIND_SERVICE. nftables cannot do it: the
//! kernel never sends a packet from `::1` out of another interface, and
//! for 127.0.0.1 only with `route_localnet`, which would also let the
//! container reach the host's loopback services (CVE-2020-8558).

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use nixunits_store::unit::{Link, Port, Proto};
use nixunits_store::{ContainerId, StateDir, UnitDescription};

use crate::base::proc::stdout_of;

/// The transient unit of a container's proxy.
pub fn unit_name(id: &ContainerId) -> String {
    format!("nixunits-ports-{id}.service")
}

/// `PROTO:LISTEN=TARGET` for each loopback port: the container's address
/// of the listening address's family on its first veth, else of the other.
pub fn specs(unit: &UnitDescription, links: &[Link]) -> Vec<String> {
    let (six, four) = super::nft::targets(links);
    unit.parsed_ports()
        .into_iter()
        .filter(Port::loopback)
        .filter_map(|p| {
            let host = p.host?;
            let target = match host {
                IpAddr::V6(_) => six.or(four),
                IpAddr::V4(_) => four.or(six),
            }?;
            Some(format!(
                "{}:{}={}",
                p.proto.as_str(),
                SocketAddr::new(host, p.host_port),
                SocketAddr::new(target, p.port)
            ))
        })
        .collect()
}

/// Starts the proxy of a container that publishes loopback ports (from
/// `network-up`; `--no-block`: it starts once the container is active).
pub fn start(
    state: &StateDir,
    id: &ContainerId,
    unit: &UnitDescription,
    links: &[Link],
) -> Result<()> {
    let specs = specs(unit, links);
    if specs.is_empty() {
        return Ok(());
    }
    let exe = crate::base::proc::this_exe()?;
    let container = super::systemd::unit_name(id);
    let mut c = Command::new("systemd-run");
    c.args(["--no-block", "--collect", "--quiet"])
        .arg(format!("--unit={}", unit_name(id)))
        .arg(format!(
            "--description=nixunits: loopback ports of container {id}"
        ))
        .arg(format!("--property=BindsTo={container}"))
        .arg(format!("--property=After={container}"))
        .args([
            "--property=DynamicUser=yes",
            "--property=AmbientCapabilities=CAP_NET_BIND_SERVICE",
            "--property=CapabilityBoundingSet=CAP_NET_BIND_SERVICE",
            "--property=NoNewPrivileges=yes",
            "--property=ProtectSystem=strict",
            "--property=ProtectHome=yes",
            "--property=PrivateTmp=yes",
        ])
        .arg(exe)
        .arg("--state-dir")
        .arg(state.root())
        .arg("port-proxy")
        .args(&specs);
    stdout_of(&mut c, &format!("systemd-run {}", unit_name(id)))?;
    Ok(())
}

/// Stops the proxy, if it runs.
pub fn stop(id: &ContainerId) {
    let _ = Command::new("systemctl")
        .args(["stop", "--quiet", &unit_name(id)])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// One forwarding of `port-proxy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spec {
    proto: Proto,
    listen: SocketAddr,
    target: SocketAddr,
}

impl std::str::FromStr for Spec {
    type Err = String;

    fn from_str(s: &str) -> Result<Spec, String> {
        let bad = || format!("{s:?} is not PROTO:LISTEN=TARGET (tcp:[::1]:8081=[fd00::2]:80)");
        let (proto, rest) = s.split_once(':').ok_or_else(bad)?;
        let proto = match proto {
            "tcp" => Proto::Tcp,
            "udp" => Proto::Udp,
            _ => return Err(bad()),
        };
        let (l, t) = rest.split_once('=').ok_or_else(bad)?;
        Ok(Spec {
            proto,
            listen: l.parse().map_err(|_| bad())?,
            target: t.parse().map_err(|_| bad())?,
        })
    }
}

/// `port-proxy SPEC…`: serves until killed.
pub fn run(specs: &[Spec]) -> Result<()> {
    if specs.is_empty() {
        bail!("port-proxy: nothing to forward");
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("tokio")?;
    rt.block_on(async {
        let mut tasks = Vec::new();
        for s in specs.iter().copied() {
            match s.proto {
                Proto::Tcp => {
                    let l = tokio::net::TcpListener::bind(s.listen)
                        .await
                        .with_context(|| format!("cannot listen on tcp {}", s.listen))?;
                    tasks.push(tokio::spawn(tcp(l, s.target)));
                }
                Proto::Udp => {
                    let l = tokio::net::UdpSocket::bind(s.listen)
                        .await
                        .with_context(|| format!("cannot listen on udp {}", s.listen))?;
                    tasks.push(tokio::spawn(udp(Arc::new(l), s.target)));
                }
            }
        }
        for t in tasks {
            t.await.context("a forwarding ended")??;
        }
        Ok(())
    })
}

async fn tcp(l: tokio::net::TcpListener, target: SocketAddr) -> Result<()> {
    loop {
        let (mut inbound, _) = l.accept().await.context("accept")?;
        tokio::spawn(async move {
            if let Ok(mut out) = tokio::net::TcpStream::connect(target).await {
                let _ = tokio::io::copy_bidirectional(&mut inbound, &mut out).await;
            }
        });
    }
}

/// A client's datagrams go out of a socket of its own (so that replies
/// find it), forgotten after a minute of silence.
async fn udp(l: Arc<tokio::net::UdpSocket>, target: SocketAddr) -> Result<()> {
    type Peers = Arc<Mutex<HashMap<SocketAddr, Arc<tokio::net::UdpSocket>>>>;
    let peers: Peers = Arc::default();
    let mut buf = vec![0u8; 65_536];
    loop {
        let (n, client) = l.recv_from(&mut buf).await.context("recv")?;
        let known = peers.lock().ok().and_then(|p| p.get(&client).cloned());
        let up = match known {
            Some(u) => u,
            None => {
                let any: SocketAddr = if target.is_ipv6() {
                    "[::]:0".parse()?
                } else {
                    "0.0.0.0:0".parse()?
                };
                let u = Arc::new(tokio::net::UdpSocket::bind(any).await?);
                u.connect(target).await?;
                if let Ok(mut p) = peers.lock() {
                    p.insert(client, u.clone());
                }
                let (l, u2, peers) = (l.clone(), u.clone(), peers.clone());
                tokio::spawn(async move {
                    let mut b = vec![0u8; 65_536];
                    while let Ok(Ok(m)) =
                        tokio::time::timeout(Duration::from_secs(60), u2.recv(&mut b)).await
                    {
                        let _ = l.send_to(&b[..m], client).await;
                    }
                    if let Ok(mut p) = peers.lock() {
                        p.remove(&client);
                    }
                });
                u
            }
        };
        let _ = up.send(&buf[..n]).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_ports_go_to_the_proxy_across_families() {
        let u: UnitDescription = serde_json::from_value::<UnitDescription>(serde_json::json!({
            "network": { "ip4": "10.0.0.2/24", "host_ip4": "10.0.0.1/24" },
            "ports": ["tcp:[::1]:8081:80", "udp:127.0.0.1:5353:53", "tcp:8080:80"]
        }))
        .unwrap()
        .normalize()
        .unwrap();
        let id: ContainerId = "web".parse().unwrap();
        assert_eq!(
            specs(&u, &u.network.links(&id)),
            [
                "tcp:[::1]:8081=10.0.0.2:80",
                "udp:127.0.0.1:5353=10.0.0.2:53"
            ]
        );
        let s: Spec = "tcp:[::1]:8081=10.0.0.2:80".parse().unwrap();
        assert_eq!(s.listen, "[::1]:8081".parse().unwrap());
        assert!("tcp:[::1]:8081".parse::<Spec>().is_err());
    }

    /// The forwarding itself, over real sockets on 127.0.0.1: a TCP echo
    /// and a UDP echo server behind the proxy, two UDP clients whose
    /// replies must not cross.
    #[test]
    fn tcp_and_udp_are_forwarded_both_ways() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let echo_tcp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let echo_tcp_addr = echo_tcp.local_addr().unwrap();
            tokio::spawn(async move {
                loop {
                    let (mut s, _) = echo_tcp.accept().await.unwrap();
                    tokio::spawn(async move {
                        let mut b = [0u8; 64];
                        let n = s.read(&mut b).await.unwrap();
                        s.write_all(&[b"tcp:", &b[..n]].concat()).await.unwrap();
                    });
                }
            });
            let echo_udp = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let echo_udp_addr = echo_udp.local_addr().unwrap();
            tokio::spawn(async move {
                let mut b = [0u8; 64];
                loop {
                    let (n, from) = echo_udp.recv_from(&mut b).await.unwrap();
                    echo_udp
                        .send_to(&[b"udp:", &b[..n]].concat(), from)
                        .await
                        .unwrap();
                }
            });
            let front_tcp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let front_tcp_addr = front_tcp.local_addr().unwrap();
            tokio::spawn(tcp(front_tcp, echo_tcp_addr));
            let front_udp = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let front_udp_addr = front_udp.local_addr().unwrap();
            tokio::spawn(udp(Arc::new(front_udp), echo_udp_addr));

            let mut c = tokio::net::TcpStream::connect(front_tcp_addr)
                .await
                .unwrap();
            c.write_all(b"hello").await.unwrap();
            let mut got = Vec::new();
            c.read_to_end(&mut got).await.unwrap();
            assert_eq!(got, b"tcp:hello");

            let a = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let b = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
            a.send_to(b"from-a", front_udp_addr).await.unwrap();
            b.send_to(b"from-b", front_udp_addr).await.unwrap();
            let mut buf = [0u8; 64];
            for (sock, want) in [(&a, &b"udp:from-a"[..]), (&b, &b"udp:from-b"[..])] {
                let (n, from) =
                    tokio::time::timeout(Duration::from_secs(5), sock.recv_from(&mut buf))
                        .await
                        .unwrap()
                        .unwrap();
                assert_eq!(&buf[..n], want);
                assert_eq!(
                    from, front_udp_addr,
                    "the reply comes from the published address"
                );
            }
        });
    }
}
