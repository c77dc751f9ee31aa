//! Interface names as systemd-nspawn makes them (`ve-`/`vb-` and its
//! shortening of long names, `mv-`/`iv-PARENT`), and the host names of
//! extra veths, which nixunits chooses (`vx<k>-<id>`).

use super::InterfaceKind;
use crate::id::ContainerId;

/// The host side of a container's veth, named as systemd-nspawn names it:
/// `ve-<id>` when that fits the kernel's 15 bytes, else its first 11 bytes
/// and 4 characters of a SipHash-2-4 of the whole name (nspawn's
/// `net_shorten_ifname`, with its key).
pub fn host_veth_name(id: &ContainerId) -> String {
    shorten_ifname(format!("ve-{id}"))
}

/// The host side of a veth on a bridge (`--network-bridge`): `vb-<id>`,
/// shortened the same way.
pub fn host_bridge_veth_name(id: &ContainerId) -> String {
    shorten_ifname(format!("vb-{id}"))
}

/// systemd-nspawn's `net_shorten_ifname`: a name longer than 15 bytes
/// becomes its first 11 and 4 characters of its SipHash-2-4.
pub fn shorten_ifname(name: String) -> String {
    use std::hash::Hasher;
    const IFNAMSIZ: usize = 16;
    const KEY: [u8; 16] = [
        0xe1, 0x90, 0xa4, 0x04, 0xa8, 0xef, 0x4b, 0x51, 0x8c, 0xcc, 0xc3, 0x3a, 0x9f, 0x11, 0xfc,
        0xa2,
    ];
    const URLSAFE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    if name.len() < IFNAMSIZ {
        return name;
    }
    let mut h = siphasher::sip::SipHasher24::new_with_key(&KEY);
    h.write(name.as_bytes());
    let h = h.finish();
    let mut out = name[..IFNAMSIZ - 5].to_owned();
    for shift in [18, 12, 6, 0] {
        out.push(URLSAFE[((h >> shift) & 63) as usize] as char);
    }
    out
}

/// The host side of the `k`-th extra veth (`--network-veth-extra`, k ≥ 1):
/// `vx<k>-<id>` when it fits 15 bytes, else its first 8 bytes and 7 hex
/// digits of the SHA-256 of the id (`nix/lib.nix` computes the same with
/// `builtins.hashString`).
pub fn extra_veth_name(id: &ContainerId, k: usize) -> String {
    use sha2::Digest;
    let name = format!("vx{k}-{id}");
    if name.len() <= 15 {
        return name;
    }
    let hash = sha2::Sha256::digest(id.as_str().as_bytes());
    let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
    format!("{}{}", &name[..8], &hex[..7])
}

/// The name of a macvlan or ipvlan inside (`mv-PARENT`, `iv-PARENT`,
/// shortened as systemd-nspawn does).
pub(super) fn vlan_inside(kind: InterfaceKind, parent: &str) -> String {
    let prefix = if kind == InterfaceKind::Macvlan {
        "mv-"
    } else {
        "iv-"
    };
    shorten_ifname(format!("{prefix}{parent}"))
}
