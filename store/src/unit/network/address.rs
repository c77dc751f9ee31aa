//! Addresses of a unit description: `ADDRESS[/PREFIX]` parsed and made
//! canonical, checked for use as an interface's own (or a gateway), the
//! two sides of a veth in one subnet, and the automatic IPv6 of `-6`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

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
    let net: IpNet = match (s.split_once('/'), v6) {
        (Some(_), true) => Ipv6Net::from_str(s).map_err(|_| bad())?.into(),
        (Some(_), false) => Ipv4Net::from_str(s).map_err(|_| bad())?.into(),
        (None, true) => Ipv6Net::new(Ipv6Addr::from_str(s).map_err(|_| bad())?, default)
            .map_err(|_| bad())?
            .into(),
        (None, false) => Ipv4Net::new(Ipv4Addr::from_str(s).map_err(|_| bad())?, default)
            .map_err(|_| bad())?
            .into(),
    };
    // The prefix as written must be the number itself (`/01` is refused).
    if s.split_once('/')
        .is_some_and(|(_, p)| p != net.prefix_len().to_string())
    {
        return Err(bad());
    }
    Ok(net.to_string())
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
        let addr = Ipv6Addr::from_str(&format!("fc00::{a}:{b}:{last}")).map_err(|_| {
            UnitError::NoAutoAddress {
                id: id.to_string(),
                crc,
            }
        })?;
        Ipv6Net::new(addr, DEFAULT_PREFIX6)
            .map(|n| n.to_string())
            .map_err(|_| UnitError::NoAutoAddress {
                id: id.to_string(),
                crc,
            })
    };
    Ok((mk(2)?, mk(1)?))
}

/// Why an address cannot be a container's or a host side's own, if it
/// cannot: the unspecified address, loopback, multicast, link-local (a
/// link-local address is made by the kernel; as a gateway it is fine),
/// and in IPv4 the network and broadcast addresses of its subnet (but on
/// /31 and /32 links, which have none).
pub fn check_address(field: &'static str, canonical: &str) -> Result<(), UnitError> {
    let Ok(net) = canonical.parse::<IpNet>() else {
        return Ok(());
    };
    let ip = net.addr();
    let rule = match ip {
        _ if ip.is_unspecified() => Some("is the unspecified address: give the container's own"),
        _ if ip.is_loopback() => Some("is a loopback address: each side of a link needs its own"),
        _ if ip.is_multicast() => Some("is a multicast address, which no interface can have as its own"),
        IpAddr::V6(a) if a.segments()[0] & 0xffc0 == 0xfe80 => {
            Some("is link-local (fe80::/10): the kernel makes those; give a global or unique local address (fc00::/7)")
        }
        IpAddr::V4(a) if a.is_link_local() => Some("is link-local (169.254.0.0/16): give an address of your own subnet"),
        IpAddr::V4(a) if a.is_broadcast() => Some("is the broadcast address"),
        IpAddr::V4(_) if net.prefix_len() <= 30 => {
            if ip == net.network() {
                Some("is the network address of its subnet (the first one): give a host address")
            } else if ip == net.broadcast() {
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
    let (Ok(a), Ok(b)) = (inside.parse::<IpNet>(), host.parse::<IpNet>()) else {
        return Ok(());
    };
    if a.addr() == b.addr() {
        return Err(UnitError::BadPair(format!(
            "the container and the host have the same {family} address {}: each side of the veth needs its own",
            a.addr()
        )));
    }
    if a.trunc() != b.trunc() {
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
