//! The shared build index (`--cache URL`): Nix's binary caches carry the
//! systems, and beside them an index entry per system key, so that another
//! host building the same snippet substitutes the system instead of
//! evaluating it.
//!
//! An index entry is a store path whose content is the system's store
//! path. Its own path is computed from the system key alone
//! ([`entry_path`]: an input-addressed path, made as Nix makes a
//! derivation output's), so any host finds it in any binary cache by its
//! `<hash>.narinfo` — `file://`, `http(s)://`, `s3://`, `ssh://`,
//! `ssh-ng://` alike, no listing needed. The pushing host imports it into
//! its store (`nix-store --import` of one regular file, root is trusted)
//! and pushes it with the system through `nix copy --to URL?secret-key=…`,
//! which signs both; a host that looks it up fetches it with `nix copy
//! --from`, which checks the signature against `trusted-public-keys`
//! (Nix's `require-sigs`: an input-addressed path is valid only signed)
//! and the content against the signed hash. So an unsigned, wrongly
//! signed or altered entry — or system — is refused by Nix itself; the
//! only hashing here is the one that names the entry.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{Context, Result};
use nixunits_store::key::BuildKey;
use sha2::{Digest, Sha256};

/// The name of a system key's entry.
pub fn entry_name(key: &BuildKey) -> String {
    format!("nixunits-index-{key}")
}

fn nix_copy(args: &[&str], what: &str) -> Result<()> {
    crate::base::proc::stdout_of(
        Command::new("nix")
            .args(["--extra-experimental-features", "nix-command", "copy"])
            .args(args),
        &format!("nix copy {what}"),
    )?;
    Ok(())
}

/// Nix's base-32 (its own alphabet, least significant bits first).
fn nix_base32(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"0123456789abcdfghijklmnpqrsvwxyz";
    let len = (bytes.len() * 8).div_ceil(5);
    (0..len)
        .rev()
        .map(|n| {
            let b = n * 5;
            let (i, j) = (b / 8, b % 8);
            let lo = u16::from(bytes[i]) >> j;
            let hi = bytes.get(i + 1).map_or(0, |&x| u16::from(x) << (8 - j));
            ALPHABET[usize::from((lo | hi) & 0x1f)] as char
        })
        .collect()
}

/// A store path as Nix's `makeStorePath` makes it: the fingerprint
/// `TYPE:sha256:HEX:/nix/store:NAME` hashed, folded to 20 bytes.
fn make_store_path(ty: &str, hash: &[u8; 32], name: &str) -> String {
    let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
    let fp = Sha256::digest(format!("{ty}:sha256:{hex}:/nix/store:{name}").as_bytes());
    let mut short = [0u8; 20];
    for (i, b) in fp.iter().enumerate() {
        short[i % 20] ^= b;
    }
    format!("/nix/store/{}-{name}", nix_base32(&short))
}

/// The store path of `system_key`'s entry: input-addressed, from the key
/// alone (the hash of a derivation output, of no derivation but this
/// name).
pub fn entry_path(system_key: &BuildKey) -> String {
    let inner: [u8; 32] =
        Sha256::digest(format!("nixunits-index-v1:{system_key}").as_bytes()).into();
    make_store_path("output:out", &inner, &entry_name(system_key))
}

/// Nix's wire string: length, bytes, zeros to a multiple of 8.
fn wire_str(out: &mut Vec<u8>, s: &[u8]) {
    out.extend_from_slice(&(s.len() as u64).to_le_bytes());
    out.extend_from_slice(s);
    out.resize(out.len() + (8 - s.len() % 8) % 8, 0);
}

/// The NAR of one regular file.
fn nar_of_file(contents: &[u8]) -> Vec<u8> {
    let mut nar = Vec::new();
    for s in [
        &b"nix-archive-1"[..],
        b"(",
        b"type",
        b"regular",
        b"contents",
    ] {
        wire_str(&mut nar, s);
    }
    wire_str(&mut nar, contents);
    wire_str(&mut nar, b")");
    nar
}

/// `nix-store --export`'s stream of one path: the entry, no references.
fn export_of(path: &str, contents: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&1u64.to_le_bytes());
    out.extend_from_slice(&nar_of_file(contents));
    out.extend_from_slice(&0x4558_494eu64.to_le_bytes());
    wire_str(&mut out, path.as_bytes());
    out.extend_from_slice(&0u64.to_le_bytes()); // references
    wire_str(&mut out, b""); // deriver
    out.extend_from_slice(&0u64.to_le_bytes()); // no legacy signature
    out.extend_from_slice(&0u64.to_le_bytes()); // end of the stream
    out
}

/// Puts `system_key`'s entry, naming `system`, into this store.
fn import_entry(system_key: &BuildKey, system: &str) -> Result<String> {
    let path = entry_path(system_key);
    let mut child = Command::new("nix-store")
        .arg("--import")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .context("cannot run nix-store --import")?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(&export_of(&path, format!("{system}\n").as_bytes()))?;
    }
    let out = child.wait_with_output()?;
    if !out.status.success() {
        anyhow::bail!(
            "nix-store --import of the index entry failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(path)
}

/// Pushes a system and its index entry to `url`, signed with `key` (a Nix
/// secret key file, `nix-store --generate-binary-cache-key`).
pub fn push(url: &str, secret_key: &Path, system_key: &BuildKey, system: &str) -> Result<()> {
    let entry = import_entry(system_key, system)?;
    let sep = if url.contains('?') { '&' } else { '?' };
    let to = format!("{url}{sep}secret-key={}", secret_key.display());
    nix_copy(&["--to", &to, system, &entry], &format!("to {url}"))
}

/// What a lookup gave.
pub enum Found {
    /// No entry for this system.
    Nothing,
    /// The system, substituted into the local store (signatures checked).
    System(String),
    /// An entry or system Nix refused (unsigned, wrongly signed, altered),
    /// and why.
    Refused(String),
}

/// Looks `system_key` up in the cache and substitutes its system: no
/// evaluation, only `nix path-info` and `nix copy --from` (Nix checks the
/// signatures).
pub fn substitute(url: &str, system_key: &BuildKey) -> Result<Found> {
    let entry = entry_path(system_key);
    let there = Command::new("nix")
        .args([
            "--extra-experimental-features",
            "nix-command",
            "path-info",
            "--store",
            url,
            &entry,
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .context("cannot run nix path-info")?;
    if !there.success() {
        return Ok(Found::Nothing);
    }
    if let Err(e) = nix_copy(&["--from", url, &entry], "of the index entry") {
        return Ok(Found::Refused(format!("{e:#}")));
    }
    let system = std::fs::read_to_string(&entry)
        .with_context(|| format!("cannot read {entry}"))?
        .trim()
        .to_owned();
    if !system.starts_with(nixunits_store::storepath::STORE_DIR) {
        return Ok(Found::Refused(format!("{entry} names no store path")));
    }
    if let Err(e) = nix_copy(&["--from", url, &system], "of the system") {
        return Ok(Found::Refused(format!("{e:#}")));
    }
    Ok(Found::System(system))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nix(args: &[&str]) -> String {
        let out = Command::new(args[0])
            .args(&args[1..])
            .output()
            .unwrap_or_else(|e| panic!("{} is missing (Debian: nix-bin): {e}", args[0]));
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    }

    /// The NAR, Nix's base-32 and store path making agree with real Nix:
    /// the NAR hash of a file (`nix-hash`), and the path Nix gives a
    /// recursive fixed output of that hash (`nix-store
    /// --print-fixed-path`, `makeStorePath("source", …)`).
    #[test]
    fn store_paths_as_nix_makes_them() {
        let dir = tempfile::tempdir().unwrap();
        for contents in [&b""[..], b"/nix/store/abc-system\n", &[7u8; 1000]] {
            let f = dir.path().join("entry");
            std::fs::write(&f, contents).unwrap();
            let f = f.to_str().unwrap();
            let hash: [u8; 32] = Sha256::digest(nar_of_file(contents)).into();
            let ours = nix_base32(&hash);
            assert_eq!(ours, nix(&["nix-hash", "--type", "sha256", "--base32", f]));
            assert_eq!(
                make_store_path("source", &hash, "entry"),
                nix(&[
                    "nix-store",
                    "--print-fixed-path",
                    "--recursive",
                    "sha256",
                    &ours,
                    "entry"
                ])
            );
        }
        let key = BuildKey([7; 32]);
        let p = entry_path(&key);
        assert!(p.ends_with(&format!("-{}", entry_name(&key))), "{p}");
        assert_ne!(p, entry_path(&BuildKey([8; 32])));
    }
}
