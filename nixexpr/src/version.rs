//! Which Nix the checks model.
//!
//! Nix versions disagree on a few details of what the parser accepts. The
//! ones modelled here, each with a test in `test_data` and a line in
//! `docs/ARCHITECTURE.md`:
//!
//! - **Merging two literal definitions of one attribute**
//!   (`{ a = { b = 1; }; a = { ${x} = 2; }; }`): Nix before 2.17 keeps only
//!   the static attributes of the second literal and silently drops its
//!   dynamic ones (so a mistake inside them goes unnoticed); 2.17 and later
//!   merge them too (NixOS/nix #7111, 2.17 release notes). Both merge one
//!   level only: `{ a.b.c = 1; a = { b.d = 2; }; }` is rejected by both.
//! - **Pipe operators** `|>` and `<|` exist from 2.24, behind the
//!   `pipe-operators` experimental feature; before that they are two tokens
//!   and a syntax error.
//! - **Global names**: builtins added after 2.8 are undefined variables in
//!   2.8.

use std::fmt;
use std::str::FromStr;

/// A Nix version, `major.minor`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NixVersion {
    /// Major version (2).
    pub major: u16,
    /// Minor version.
    pub minor: u16,
}

impl NixVersion {
    /// Nix 2.8, Debian bookworm's, the one the parity tests run against.
    pub const V2_8: NixVersion = NixVersion { major: 2, minor: 8 };
    /// The newest behaviour modelled ("current Nix"), the default when no
    /// Nix is installed.
    pub const CURRENT: NixVersion = NixVersion {
        major: 2,
        minor: 28,
    };

    /// Whether the parser also merges the dynamic attributes of a second
    /// literal definition of an attribute set (2.17+).
    pub fn merges_nested_dynamic_attrs(self) -> bool {
        self >= NixVersion {
            major: 2,
            minor: 17,
        }
    }

    /// Whether the lexer knows `|>` and `<|` (2.24+).
    pub fn has_pipe_operators(self) -> bool {
        self >= NixVersion {
            major: 2,
            minor: 24,
        }
    }

    /// Reads the version out of `nix --version` output, such as
    /// `nix (Nix) 2.8.0` or `nix-instantiate (Nix) 2.24.10`.
    pub fn from_version_output(out: &str) -> Option<NixVersion> {
        out.split_whitespace().find_map(|w| w.parse().ok())
    }
}

impl Default for NixVersion {
    fn default() -> Self {
        NixVersion::CURRENT
    }
}

impl fmt::Display for NixVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// An unparseable version string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadVersion(pub String);

impl fmt::Display for BadVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "not a Nix version (expected MAJOR.MINOR, such as 2.8): {:?}",
            self.0
        )
    }
}

impl std::error::Error for BadVersion {}

impl FromStr for NixVersion {
    type Err = BadVersion;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || BadVersion(s.to_owned());
        let mut it = s.split(['.', 'p', '-']);
        let major: u16 = it.next().ok_or_else(bad)?.parse().map_err(|_| bad())?;
        let minor: u16 = it.next().ok_or_else(bad)?.parse().map_err(|_| bad())?;
        if major == 0 {
            return Err(bad());
        }
        Ok(NixVersion { major, minor })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_nix_version_output() {
        assert_eq!(
            NixVersion::from_version_output("nix-instantiate (Nix) 2.8.0"),
            Some(NixVersion::V2_8)
        );
        assert_eq!(
            NixVersion::from_version_output("nix (Nix) 2.24.10pre20240101_abc"),
            Some(NixVersion {
                major: 2,
                minor: 24
            })
        );
        assert_eq!("2.8".parse::<NixVersion>(), Ok(NixVersion::V2_8));
        assert!("x".parse::<NixVersion>().is_err());
        assert!(NixVersion::V2_8 < NixVersion::CURRENT);
    }
}
