//! `nixunits doctor [--json] [--nixpkgs REF | --flake DIR]`: what this
//! host needs, checked, one line each — `ok`, `warn` (a feature will not
//! work) or `missing` (containers will not run or build) — with the fix.
//! Exit 0 when nothing is missing, 1 otherwise. The host's side is
//! `host::health`; Nix's, nixpkgs' and the schema's are here.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Result;
use nixunits_store::StateDir;

use crate::args::DoctorArgs;
use crate::base::nix;
use crate::base::nixpkgs::{self, Nixpkgs};
use crate::host::health::{self, Check, Status};

/// The oldest Nix whose flakes nixunits uses (`nix flake metadata`,
/// `builtins.getFlake`); builds of plain snippets work with older ones.
const MIN_NIX: (u16, u16) = (2, 4);

/// `doctor`: true when nothing is missing.
pub fn run(args: &DoctorArgs, state: &StateDir, color: bool) -> Result<bool> {
    let mut checks = Vec::new();
    checks.extend(health::systemd());
    checks.extend(health::user_namespaces());
    checks.extend(health::cgroups());
    checks.extend(health::tools());
    checks.extend(health::link_types());
    checks.extend(nix_checks());
    let np = nixpkgs_check(args, &mut checks);
    checks.push(health::state_dir(state));
    checks.extend(health::template_unit(state));
    checks.push(schema_check(state, np.as_ref()));
    let missing = checks.iter().any(|c| c.status == Status::Missing);
    if args.json {
        outln!("{}", serde_json::to_string(&checks)?);
        return Ok(!missing);
    }
    for c in &checks {
        let (paint, reset) = match (color, c.status) {
            (false, _) => ("", ""),
            (true, Status::Ok) => ("\x1b[32m", "\x1b[0m"),
            (true, Status::Warn) => ("\x1b[33m", "\x1b[0m"),
            (true, Status::Missing) => ("\x1b[1;31m", "\x1b[0m"),
        };
        let status = format!("{:<7}", c.status.as_str());
        match &c.fix {
            Some(fix) => outln!(
                "{paint}{status}{reset} {}: {} — fix: {fix}",
                c.check,
                c.what
            ),
            None => outln!("{paint}{status}{reset} {}: {}", c.check, c.what),
        }
    }
    let count = |s: Status| checks.iter().filter(|c| c.status == s).count();
    let _ = writeln!(
        std::io::stderr(),
        "{} ok, {} warnings, {} missing",
        count(Status::Ok),
        count(Status::Warn),
        count(Status::Missing)
    );
    Ok(!missing)
}

/// Nix: its version, a daemon (or root's own store), the store writable.
fn nix_checks() -> Vec<Check> {
    use ::nix::unistd::{access, AccessFlags};
    let mut out = Vec::new();
    if nix::which("nix-build").is_none() {
        out.push(Check::missing(
            "nix",
            "nix-build is not on PATH",
            "install Nix (Debian, Ubuntu: apt install nix-bin; or nixos.org/download)",
        ));
        return out;
    }
    match nix::detect_version() {
        Some(v) if (v.major, v.minor) >= MIN_NIX => {
            out.push(Check::ok("nix", format!("Nix {v}")));
        }
        Some(v) => out.push(Check::warn(
            "nix",
            format!(
                "Nix {v}: builds from a flake (--nixpkgs REF, --flake, --flake-attr) need {}.{} or later",
                MIN_NIX.0, MIN_NIX.1
            ),
            "a newer Nix",
        )),
        None => out.push(Check::warn(
            "nix",
            "nix --version does not answer: the flake options need the nix command",
            "install Nix 2.4 or later with its nix command",
        )),
    }
    let socket = Path::new("/nix/var/nix/daemon-socket/socket");
    let daemon = std::os::unix::net::UnixStream::connect(socket).is_ok();
    let root = ::nix::unistd::geteuid().is_root();
    // Whoever writes it (root or the daemon), a read-only mount stops it.
    let read_only: Vec<&str> = ["/nix/store", "/nix/var/nix/db"]
        .into_iter()
        .filter(|p| {
            ::nix::sys::statvfs::statvfs(*p)
                .is_ok_and(|s| s.flags().contains(::nix::sys::statvfs::FsFlags::ST_RDONLY))
        })
        .collect();
    if daemon {
        out.push(Check::ok(
            "nix-daemon",
            format!("nix-daemon answers at {}", socket.display()),
        ));
        out.push(if read_only.is_empty() {
            Check::ok("store", "the store is written by nix-daemon")
        } else {
            Check::missing(
                "store",
                format!("mounted read-only: {}", read_only.join(", ")),
                "a writable /nix (not mounted read-only)",
            )
        });
        return out;
    }
    if root {
        out.push(Check::ok(
            "nix-daemon",
            "no nix-daemon: root writes the store itself (a single-user Nix)",
        ));
    } else {
        out.push(Check::missing(
            "nix-daemon",
            "no nix-daemon, and this user is not root: nothing can write the store",
            "systemctl start nix-daemon (or run nixunits as root)",
        ));
    }
    let unwritable: Vec<String> = ["/nix/store", "/nix/var/nix/db"]
        .iter()
        .filter_map(|p| {
            access(Path::new(p), AccessFlags::W_OK)
                .err()
                .map(|e| format!("{p} ({})", e.desc()))
        })
        .collect();
    if unwritable.is_empty() {
        out.push(Check::ok(
            "store",
            "/nix/store and its database are writable",
        ));
    } else {
        out.push(Check::missing(
            "store",
            format!("not writable: {}", unwritable.join(", ")),
            "a writable /nix (not mounted read-only), written by root or nix-daemon",
        ));
    }
    out
}

/// Where nixpkgs comes from, as `build` would find it (with the same
/// options).
fn nixpkgs_check(args: &DoctorArgs, checks: &mut Vec<Check>) -> Option<Nixpkgs> {
    let input = args.flake_input.as_deref().unwrap_or("nixpkgs");
    let source = match (&args.nixpkgs, &args.flake) {
        (Some(n), _) => nixpkgs::Source::Given(n),
        (None, Some(dir)) => nixpkgs::Source::Lock { dir, input },
        (None, None) => nixpkgs::Source::Default,
    };
    match nixpkgs::resolve(source) {
        Ok(n) => {
            checks.push(Check::ok(
                "nixpkgs",
                format!("{} ({}; {})", n.path.display(), n.from, n.identity),
            ));
            Some(n)
        }
        Err(e) => {
            checks.push(Check::warn(
                "nixpkgs",
                e.to_string(),
                "builds then need --nixpkgs, --flake or --flake-attr (a host that only receives systems from --target-host needs none)",
            ));
            None
        }
    }
}

/// The stored options schema against nixpkgs: generated from this very
/// nixpkgs, or from another one (or imported), and how old.
fn schema_check(state: &StateDir, np: Option<&Nixpkgs>) -> Check {
    let current = super::schema::current(state);
    let Ok(meta) = std::fs::metadata(&current) else {
        return Check::warn(
            "schema",
            "no options schema: option names and types are not checked",
            "nixunits schema generate (or schema import options.json)",
        );
    };
    let age = meta
        .modified()
        .ok()
        .and_then(|m| m.elapsed().ok())
        .map_or_else(String::new, |d| {
            format!(", {} days old", d.as_secs() / 86_400)
        });
    let Some(np) = np else {
        return Check::warn(
            "schema",
            format!("{}{age}: no nixpkgs to compare it with", current.display()),
            "name the nixpkgs (--nixpkgs, --flake, NIX_PATH)",
        );
    };
    let identity = nix::nixpkgs_identity_of(&np.path);
    let kept: PathBuf = super::schema::kept(state, &identity);
    let same = std::fs::read(&kept)
        .ok()
        .is_some_and(|k| std::fs::read(&current).ok().as_deref() == Some(&k[..]));
    if same {
        Check::ok(
            "schema",
            format!("the schema is this nixpkgs' ({identity}{age})"),
        )
    } else {
        Check::warn(
            "schema",
            format!(
                "the schema{age} is not this nixpkgs' ({identity}): options are checked against another NixOS"
            ),
            format!("nixunits schema generate --nixpkgs {}", np.path.display()),
        )
    }
}
