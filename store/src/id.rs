//! Container ids: valid machine and host names.

use std::fmt;
use std::str::FromStr;

/// A container id: 1–32 characters of `[a-z0-9-]`, starting with a letter,
/// not ending in `-`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ContainerId(String);

/// The rule ids follow, for messages.
pub const ID_RULE: &str =
    "an id is 1 to 32 characters of a-z, 0-9 and '-', starts with a letter and does not end with '-'";

/// An invalid id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid container id {given:?}: {ID_RULE}")]
pub struct InvalidId {
    /// What was given.
    pub given: String,
}

impl ContainerId {
    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for ContainerId {
    type Err = InvalidId;
    fn from_str(s: &str) -> Result<Self, InvalidId> {
        let b = s.as_bytes();
        let ok = (1..=32).contains(&b.len())
            && b[0].is_ascii_lowercase()
            && b.iter()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
            && b[b.len() - 1] != b'-';
        if ok {
            Ok(ContainerId(s.to_owned()))
        } else {
            Err(InvalidId {
                given: s.to_owned(),
            })
        }
    }
}

impl fmt::Display for ContainerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rule() {
        for ok in ["pg", "a", "web-1", "a234567890123456789012345678901b"] {
            assert!(ok.parse::<ContainerId>().is_ok(), "{ok}");
        }
        for bad in [
            "",
            "../x",
            "a_b",
            "-x",
            "x-",
            "1abc",
            "Pg",
            "pg;rm",
            "pé",
            "a2345678901234567890123456789012x",
            "a b",
        ] {
            let e = bad.parse::<ContainerId>().unwrap_err();
            assert!(e.to_string().contains("starts with a letter"), "{e}");
        }
    }
}
