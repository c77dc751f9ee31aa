//! Addresses of a unit description: `ADDRESS[/PREFIX]` parsed and made
//! canonical, checked for use as an interface's own (or a gateway), the
//! two sides of a veth in one subnet, and the automatic IPv6 of `-6`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use crate::id::ContainerId;
use crate::unit::UnitError;

/// The default prefix when an address is given without one.
pub const DEFAULT_PREFIX6: u8 = 112;
/// The default IPv4 prefix.
pub const DEFAULT_PREFIX4: u8 = 24;

/// Parses `ADDRESS[/PREFIX]` and returns it canonical (`fc00::2/112`).
pub fn canonical_address(field: &'static str, s: &str, v6: bool) -> Result<String, UnitError> {
    let (family, max, default) = if v6 {
        ("IPv6", 128, DEFAULT_PREFIX6)
    } else {
        ("IPv4", 32, DEFAULT_PREFIX4)
    };
    let bad = || UnitError::BadAddress {
        field,
        given: s.to_owned(),
        family,
        max,
    };
    let (addr, prefix) = match s.split_once('/') {
        Some((a, p)) => {
            let p: u8 = p.parse().map_err(|_| bad())?;
            if p > max || p.to_string() != s.split_once('/').map_or("", |x| x.1) {
                return Err(bad());
            }
            (a, p)
        }
        None => (s, default),
    };
    let ip: IpAddr = if v6 {
        IpAddr::V6(Ipv6Addr::from_str(addr).map_err(|_| bad())?)
    } else {
        IpAddr::V4(Ipv4Addr::from_str(addr).map_err(|_| bad())?)
    };
    Ok(format!("{ip}/{prefix}"))
}

/// A gateway without its `%zone`.
pub fn without_zone(s: &str) -> &str {
    s.split_once('%').map_or(s, |(a, _)| a)
}

/// `ADDRESS/PREFIX` without its prefix (the whole text when it has none).
pub fn without_prefix(s: &str) -> &str {
    s.split_once('/').map_or(s, |(a, _)| a)
}

/// The address part of a canonical `ADDRESS/PREFIX`.
pub fn address_of(s: &str) -> Option<IpAddr> {
    without_prefix(s).parse().ok()
}

/// The automatic IPv6 addresses of `-6`, bit-exact with the first nixunits:
/// `c = format!("{:x}", crc32(id))`, container `fc00::{c[..4]}:{c[4..]}:2/112`,
/// host `…:1/112`. Returns (container, host).
pub fn auto_ip6(id: &ContainerId) -> Result<(String, String), UnitError> {
    let crc = crc32fast::hash(id.as_str().as_bytes());
    let c = format!("{crc:x}");
    if c.len() <= 4 {
        // `fc00::abcd::2` is what the first nixunits produced: not an address.
        return Err(UnitError::NoAutoAddress {
            id: id.to_string(),
            crc,
        });
    }
    let (a, b) = c.split_at(4);
    let mk = |last: u8| {
        canonical_address(
            "ip6",
            &format!("fc00::{a}:{b}:{last}/{DEFAULT_PREFIX6}"),
            true,
        )
    };
    Ok((mk(2)?, mk(1)?))
}

/// `ADDRESS/PREFIX` split (a canonical address always has its prefix).
fn split_prefix(canonical: &str) -> Option<(IpAddr, u8)> {
    let (a, p) = canonical.split_once('/')?;
    Some((a.parse().ok()?, p.parse().ok()?))
}

/// The first `prefix` bits of an address, as a number.
fn network_of(ip: IpAddr, prefix: u8) -> u128 {
    let (bits, width) = match ip {
        IpAddr::V4(a) => (u128::from(u32::from(a)), 32),
        IpAddr::V6(a) => (u128::from(a), 128),
    };
    let host_bits = width - u32::from(prefix);
    if host_bits >= 128 {
        0
    } else {
        bits >> host_bits << host_bits
    }
}

/// Why an address cannot be a container's or a host side's own, if it
/// cannot: the unspecified address, loopback, multicast, link-local (a
/// link-local address is made by the kernel; as a gateway it is fine),
/// and in IPv4 the network and broadcast addresses of its subnet (but on
/// /31 and /32 links, which have none).
pub fn check_address(field: &'static str, canonical: &str) -> Result<(), UnitError> {
    let Some((ip, prefix)) = split_prefix(canonical) else {
        return Ok(());
    };
    let rule = match ip {
        _ if ip.is_unspecified() => Some("is the unspecified address: give the container's own"),
        _ if ip.is_loopback() => Some("is a loopback address: each side of a link needs its own"),
        _ if ip.is_multicast() => Some("is a multicast address, which no interface can have as its own"),
        IpAddr::V6(a) if a.segments()[0] & 0xffc0 == 0xfe80 => {
            Some("is link-local (fe80::/10): the kernel makes those; give a global or unique local address (fc00::/7)")
        }
        IpAddr::V4(a) if a.is_link_local() => Some("is link-local (169.254.0.0/16): give an address of your own subnet"),
        IpAddr::V4(a) if a.is_broadcast() => Some("is the broadcast address"),
        IpAddr::V4(a) if prefix <= 30 => {
            let net = network_of(ip, prefix);
            let all = net | ((1u128 << (32 - prefix)) - 1);
            let me = u128::from(u32::from(a));
            if me == net {
                Some("is the network address of its subnet (the first one): give a host address")
            } else if me == all {
                Some("is the broadcast address of its subnet (the last one): give a host address")
            } else {
                None
            }
        }
        _ => None,
    };
    match rule {
        Some(rule) => Err(UnitError::UnusableAddress {
            field,
            given: canonical.to_owned(),
            rule,
        }),
        None => Ok(()),
    }
}

/// The two sides of a veth: different addresses in one subnet (the same
/// prefix, the same network).
pub(super) fn check_pair(family: &str, inside: &str, host: &str) -> Result<(), UnitError> {
    let (Some((a, pa)), Some((b, pb))) = (split_prefix(inside), split_prefix(host)) else {
        return Ok(());
    };
    if a == b {
        return Err(UnitError::BadPair(format!(
            "the container and the host have the same {family} address {a}: each side of the veth needs its own"
        )));
    }
    if pa != pb || network_of(a, pa) != network_of(b, pb) {
        return Err(UnitError::BadPair(format!(
            "the container's {inside} and the host's {host} are not in one subnet: the two sides of a veth must share the prefix and the network"
        )));
    }
    Ok(())
}

/// A gateway: an address without prefix, neither unspecified nor
/// multicast; an IPv6 one may name its interface (`fe80::1%eth0`), which
/// must then be `dev`. Returned without the zone.
pub(super) fn canonical_gateway(
    field: &'static str,
    given: &str,
    v6: bool,
    dev: &str,
) -> Result<String, UnitError> {
    let (addr, zone) = match given.split_once('%') {
        Some((a, z)) if v6 => (a, Some(z)),
        _ => (given, None),
    };
    if let Some(z) = zone {
        if z != dev {
            return Err(UnitError::BadCombination(format!(
                "{field}: {given:?} names the interface {z:?}, but this route goes through {dev:?}"
            )));
        }
    }
    let c = canonical_address(field, addr, v6)?;
    let gw = address_of(&c);
    if gw.is_some_and(|g| g.is_unspecified() || g.is_multicast()) {
        return Err(UnitError::UnusableAddress {
            field,
            given: without_prefix(&c).to_owned(),
            rule: "cannot be a gateway (unspecified or multicast)",
        });
    }
    Ok(without_prefix(&c).to_owned())
}
