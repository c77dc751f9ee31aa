//! Nix store paths, through `nix-derivation`'s `StorePath` (nixbase32
//! digest, name rules), in the store directory `/nix/store`.

use std::path::Path;

pub use nix_derivation::StorePath;

/// The store directory.
pub const STORE_DIR: &str = "/nix/store";

/// A path that is not a store path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a Nix store path: {given:?}")]
pub struct NotAStorePath {
    /// What was given.
    pub given: String,
}

/// Parses `/nix/store/<hash>-<name>` (nothing after the name).
pub fn parse_store_path(s: &str) -> Result<StorePath, NotAStorePath> {
    let bad = || NotAStorePath {
        given: s.to_owned(),
    };
    let base = s
        .strip_prefix(STORE_DIR)
        .and_then(|r| r.strip_prefix('/'))
        .ok_or_else(bad)?;
    if base.contains('/') {
        return Err(bad());
    }
    StorePath::from_basename(base.as_bytes()).map_err(|_| bad())
}

/// The absolute path of a store path.
pub fn display(p: &StorePath) -> String {
    p.to_absolute_path()
}

/// Whether the store path exists on this machine.
pub fn exists(p: &StorePath) -> bool {
    Path::new(&display(p)).exists()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_and_rejects() {
        let p =
            parse_store_path("/nix/store/0c0gs25s7ixxnxh8whk9v7s2v5lsdy69-nixunits-pg").unwrap();
        assert_eq!(p.name(), "nixunits-pg");
        for bad in [
            "/nix/store/0c0gs25s7ixxnxh8whk9v7s2v5lsdy69-nixunits-pg/etc",
            "/tmp/0c0gs25s7ixxnxh8whk9v7s2v5lsdy69-x",
            "/nix/store/short-x",
            "/nix/store/0c0gs25s7ixxnxh8whk9v7s2v5lsdy6e-x", // 'e' is not nixbase32
            "/nix/store/0c0gs25s7ixxnxh8whk9v7s2v5lsdy69-",
        ] {
            assert!(parse_store_path(bad).is_err(), "{bad}");
        }
    }

    const NIXBASE32: &str = "0123456789abcdfghijklmnpqrsvwxyz";

    proptest! {
        #[test]
        fn parse_display_roundtrip(hash in proptest::collection::vec(0..32usize, 32), name in "[a-zA-Z0-9+._?=-][a-zA-Z0-9+._?=-]{0,40}") {
            prop_assume!(!name.starts_with('.'));
            let hash: String = hash.iter().map(|&i| NIXBASE32.as_bytes()[i] as char).collect();
            let s = format!("/nix/store/{hash}-{name}");
            let p = parse_store_path(&s).unwrap();
            prop_assert_eq!(display(&p), s.clone());
            prop_assert_eq!(parse_store_path(&display(&p)).unwrap(), p);
        }
    }
}
