//! The build key (DESIGN §5): blake3 over length-prefixed, domain-separated
//! fields. Everything a build depends on is in it, and nothing else:
//! reformatting a snippet or adding a comment keeps the key, editing a file
//! it imports changes it.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use nixunits_nixexpr::canonical::{canonical_bytes, references};

/// A build key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BuildKey(pub [u8; 32]);

impl fmt::Display for BuildKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

/// Not a build key (64 lower-case hex digits).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a build key: {0:?}")]
pub struct BadKey(pub String);

impl FromStr for BuildKey {
    type Err = BadKey;
    fn from_str(s: &str) -> Result<Self, BadKey> {
        let bad = || BadKey(s.to_owned());
        if s.len() != 64
            || !s
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return Err(bad());
        }
        let mut out = [0u8; 32];
        for (i, o) in out.iter_mut().enumerate() {
            *o = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).map_err(|_| bad())?;
        }
        Ok(BuildKey(out))
    }
}

/// The domain of version 1 of the key.
pub const DOMAIN: &str = "nixunits/build/v1";

/// What goes into a key, in this order.
#[derive(Debug, Clone)]
pub struct KeyInputs<'a> {
    /// Digest of the Nix files in `--nix-dir` ([`digest_dir`]).
    pub nix_dir: [u8; 32],
    /// The nixpkgs identity.
    pub nixpkgs: &'a str,
    /// The Nix system (`x86_64-linux`).
    pub system: &'a str,
    /// The container id.
    pub id: &'a str,
    /// Digest of the snippet and what it imports ([`ConfigDigest`]).
    pub config: [u8; 32],
    /// The canonical unit description.
    pub unit_json: &'a str,
}

impl KeyInputs<'_> {
    /// The key.
    pub fn key(&self) -> BuildKey {
        let mut h = blake3::Hasher::new();
        let fields: [&[u8]; 7] = [
            DOMAIN.as_bytes(),
            &self.nix_dir,
            self.nixpkgs.as_bytes(),
            self.system.as_bytes(),
            self.id.as_bytes(),
            &self.config,
            self.unit_json.as_bytes(),
        ];
        for f in fields {
            h.update(&(f.len() as u64).to_le_bytes());
            h.update(f);
        }
        BuildKey(*h.finalize().as_bytes())
    }
}

/// How much following imports may read before the build is declared
/// uncacheable.
pub const MAX_FILES: usize = 10_000;
/// Bytes, likewise.
pub const MAX_BYTES: u64 = 256 << 20;

/// A field of the hash, length-prefixed.
fn field(h: &mut blake3::Hasher, bytes: &[u8]) {
    h.update(&(bytes.len() as u64).to_le_bytes());
    h.update(bytes);
}

/// The digest of a directory tree: every entry's relative path, kind and
/// content (a symlink's target), in sorted order.
pub fn digest_dir(dir: &Path) -> std::io::Result<[u8; 32]> {
    let mut h = blake3::Hasher::new();
    let mut files = BTreeMap::new();
    walk(dir, dir, &mut files, &mut 0)?;
    for (rel, kind) in files {
        field(&mut h, rel.as_os_str().as_encoded_bytes());
        match kind {
            Entry::File(p) => field(&mut h, &std::fs::read(p)?),
            Entry::Link(t) => field(&mut h, t.as_os_str().as_encoded_bytes()),
        }
    }
    Ok(*h.finalize().as_bytes())
}

enum Entry {
    File(PathBuf),
    Link(PathBuf),
}

fn walk(
    root: &Path,
    dir: &Path,
    out: &mut BTreeMap<PathBuf, Entry>,
    count: &mut usize,
) -> std::io::Result<()> {
    for e in std::fs::read_dir(dir)? {
        let e = e?;
        let p = e.path();
        let rel = p.strip_prefix(root).unwrap_or(&p).to_path_buf();
        *count += 1;
        if *count > MAX_FILES {
            return Err(std::io::Error::other(format!(
                "more than {MAX_FILES} files under {}",
                root.display()
            )));
        }
        let t = e.file_type()?;
        if t.is_symlink() {
            out.insert(rel, Entry::Link(std::fs::read_link(&p)?));
        } else if t.is_dir() {
            walk(root, &p, out, count)?;
        } else {
            out.insert(rel, Entry::File(p));
        }
    }
    Ok(())
}

/// The digest of a snippet and everything it refers to.
#[derive(Debug, Clone)]
pub struct ConfigDigest {
    /// The digest.
    pub digest: [u8; 32],
    /// The local files and directories followed, in the order hashed.
    pub followed: Vec<PathBuf>,
    /// Why the build cannot be cached, if it cannot.
    pub uncacheable: Vec<String>,
}

/// Digests a snippet: its canonical tokens, then every local path it names,
/// followed transitively through `.nix` files (files and directories are
/// hashed whole; store paths by name only).
pub fn config_digest(text: &str, base: &Path) -> ConfigDigest {
    let mut st = Follow {
        h: blake3::Hasher::new(),
        seen: BTreeMap::new(),
        files: 0,
        bytes: 0,
        uncacheable: Vec::new(),
    };
    field(&mut st.h, &canonical_bytes(text));
    st.refs(text, base, "the snippet");
    ConfigDigest {
        digest: *st.h.finalize().as_bytes(),
        followed: st.seen.into_keys().collect(),
        uncacheable: st.uncacheable,
    }
}

struct Follow {
    h: blake3::Hasher,
    seen: BTreeMap<PathBuf, ()>,
    files: usize,
    bytes: u64,
    uncacheable: Vec<String>,
}

impl Follow {
    fn refs(&mut self, text: &str, base: &Path, what: &str) {
        let refs = references(text);
        for i in refs.impurities {
            self.uncacheable.push(format!("{what}: {}", i.reason));
        }
        for p in refs.paths {
            let path = match p.text.strip_prefix("~/") {
                Some(rest) => match std::env::var_os("HOME") {
                    Some(home) => PathBuf::from(home).join(rest),
                    None => {
                        self.uncacheable
                            .push(format!("{what}: `{}` needs HOME, which is not set", p.text));
                        continue;
                    }
                },
                None => base.join(&p.text),
            };
            self.path(&path);
        }
    }

    fn path(&mut self, path: &Path) {
        let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        if self.seen.insert(path.clone(), ()).is_some() {
            return;
        }
        field(&mut self.h, path.as_os_str().as_encoded_bytes());
        if path.starts_with(crate::storepath::STORE_DIR) {
            return; // content-addressed: the name is the content
        }
        let Ok(meta) = std::fs::metadata(&path) else {
            field(&mut self.h, b"missing");
            return;
        };
        if meta.is_dir() {
            let mut entries = BTreeMap::new();
            if let Err(e) = walk(&path, &path, &mut entries, &mut self.files) {
                self.uncacheable.push(format!("{}: {e}", path.display()));
                return;
            }
            for (rel, entry) in entries {
                field(&mut self.h, rel.as_os_str().as_encoded_bytes());
                match entry {
                    Entry::Link(t) => field(&mut self.h, t.as_os_str().as_encoded_bytes()),
                    Entry::File(p) => self.file(&p),
                }
            }
        } else {
            self.files += 1;
            self.file(&path);
        }
    }

    fn file(&mut self, p: &Path) {
        if self.files > MAX_FILES || self.bytes > MAX_BYTES {
            self.uncacheable.push(format!(
                "it refers to more than {MAX_FILES} files or {} MiB",
                MAX_BYTES >> 20
            ));
            return;
        }
        match std::fs::read(p) {
            Ok(bytes) => {
                self.bytes += bytes.len() as u64;
                field(&mut self.h, &bytes);
                if p.extension().is_some_and(|e| e == "nix") {
                    let text = String::from_utf8_lossy(&bytes).into_owned();
                    let base = p.parent().unwrap_or(Path::new("/")).to_path_buf();
                    self.refs(&text, &base, &p.display().to_string());
                }
            }
            Err(e) => self.uncacheable.push(format!("{}: {e}", p.display())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn inputs(config: [u8; 32]) -> KeyInputs<'static> {
        KeyInputs {
            nix_dir: [1; 32],
            nixpkgs: "none",
            system: "x86_64-linux",
            id: "pg",
            config,
            unit_json: "{}",
        }
    }

    #[test]
    fn fields_are_separated() {
        let a = KeyInputs {
            id: "ab",
            nixpkgs: "c",
            ..inputs([0; 32])
        }
        .key();
        let b = KeyInputs {
            id: "a",
            nixpkgs: "bc",
            ..inputs([0; 32])
        }
        .key();
        assert_ne!(a, b);
        assert_ne!(inputs([0; 32]).key(), inputs([2; 32]).key());
    }

    #[test]
    fn follows_imports() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir(d.join("sub")).unwrap();
        std::fs::write(d.join("sub/b.nix"), "{ x = ./data.txt; }").unwrap();
        std::fs::write(d.join("sub/data.txt"), "1").unwrap();
        let snippet = "{ imports = [ ./sub/b.nix ]; }";
        let first = config_digest(snippet, d);
        assert_eq!(first.followed.len(), 2, "{:?}", first.followed);
        assert!(first.uncacheable.is_empty());
        let reformatted = config_digest("{\n  imports = [ ./sub/b.nix ]; # here\n}", d);
        assert_eq!(first.digest, reformatted.digest);
        std::fs::write(d.join("sub/data.txt"), "2").unwrap();
        assert_ne!(config_digest(snippet, d).digest, first.digest);
        // A cycle ends.
        std::fs::write(d.join("sub/b.nix"), "{ imports = [ ./b.nix ]; }").unwrap();
        assert_eq!(config_digest(snippet, d).followed.len(), 1);
        let impure = config_digest("{ x = builtins.getEnv \"X\"; }", d);
        assert_eq!(impure.uncacheable.len(), 1);
    }

    proptest! {
        #[test]
        fn key_parse_display_roundtrip(bytes in proptest::array::uniform32(any::<u8>())) {
            let k = BuildKey(bytes);
            prop_assert_eq!(k.to_string().parse::<BuildKey>().unwrap(), k);
        }
    }
}
