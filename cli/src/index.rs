//! The shared build index (`--cache URL`): Nix's binary caches carry the
//! systems, and beside them an index entry per system key, so that another
//! host building the same snippet substitutes the system instead of
//! evaluating it.
//!
//! An index entry is itself a store path, `nixunits-index-<system key>`,
//! whose content is the system's store path: pushed with `nix copy`, it is
//! signed with the operator's key like the system (a binary cache URL with
//! `?secret-key=FILE`), and fetched with `nix copy --from`, which checks
//! signatures against the host's `trusted-public-keys` (Nix's
//! `require-sigs`) and the content against the signed hash. So an unsigned,
//! wrongly signed or altered entry — or system — is refused by Nix itself;
//! nixunits holds no crypto of its own. The entry is the output of a tiny
//! derivation (input-addressed), not a `nix-store --add` file: Nix takes a
//! content-addressed path without any signature, and anyone could publish
//! one under the same name; an entry whose narinfo says `CA:` is refused. Looking an entry up needs its store
//! path, which depends on its content: nixunits finds it by name among the
//! cache's `.narinfo` files, which a `file://` cache lists (other caches
//! can be pushed to, not looked up in).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};
use nixunits_store::key::BuildKey;

/// The name of a system key's entry.
pub fn entry_name(key: &BuildKey) -> String {
    format!("nixunits-index-{key}")
}

fn nix_copy(args: &[&str], what: &str) -> Result<()> {
    crate::proc::stdout_of(
        Command::new("nix")
            .args(["--extra-experimental-features", "nix-command", "copy"])
            .args(args),
        &format!("nix copy {what}"),
    )?;
    Ok(())
}

/// Pushes a system and its index entry to `url`, signed with `key` (a Nix
/// secret key file, `nix-store --generate-binary-cache-key`).
pub fn push(url: &str, secret_key: &Path, system_key: &BuildKey, system: &str) -> Result<()> {
    // A derivation (evaluated and built here, on the pushing host only)
    // whose output holds the system's path.
    let expr = format!(
        "derivation {{ name = \"{}\"; system = builtins.currentSystem; builder = \"/bin/sh\"; \
         args = [ \"-c\" \"echo {system} > $out\" ]; }}",
        entry_name(system_key)
    );
    let entry = crate::proc::stdout_of(
        Command::new("nix-build").args(["--no-out-link", "-E", &expr]),
        "nix-build of the index entry",
    )?
    .trim()
    .to_owned();
    let sep = if url.contains('?') { '&' } else { '?' };
    let to = format!("{url}{sep}secret-key={}", secret_key.display());
    nix_copy(&["--to", &to, system, &entry], &format!("to {url}"))
}

/// The directory of a `file://` cache.
fn local_dir(url: &str) -> Option<PathBuf> {
    url.strip_prefix("file://")
        .map(|p| PathBuf::from(p.split('?').next().unwrap_or(p)))
}

/// The store path of the entry for `system_key` in the cache, if it lists
/// one (`Err`: only a content-addressed one, which proves nothing).
fn find_entry(url: &str, system_key: &BuildKey) -> Result<Option<Result<String, String>>> {
    let Some(dir) = local_dir(url) else {
        bail!("looking the index up needs a file:// cache (it lists its entries); {url} can only be pushed to");
    };
    let suffix = format!("-{}", entry_name(system_key));
    let rd = match std::fs::read_dir(&dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", dir.display())),
    };
    let mut unsigned = None;
    for e in rd.flatten() {
        let p = e.path();
        if p.extension().is_none_or(|x| x != "narinfo") {
            continue;
        }
        let text = std::fs::read_to_string(&p).unwrap_or_default();
        if let Some(sp) = text
            .lines()
            .find_map(|l| l.strip_prefix("StorePath: "))
            .filter(|sp| sp.ends_with(&suffix))
        {
            // Content-addressed: valid without a signature, so anyone's.
            if text.lines().any(|l| l.starts_with("CA: ")) {
                unsigned = Some(format!(
                    "{sp} is content-addressed: anyone could have published it"
                ));
                continue;
            }
            return Ok(Some(Ok(sp.to_owned())));
        }
    }
    Ok(unsigned.map(Err))
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
/// evaluation, only `nix copy --from` (Nix checks the signatures).
pub fn substitute(url: &str, system_key: &BuildKey) -> Result<Found> {
    let entry = match find_entry(url, system_key)? {
        None => return Ok(Found::Nothing),
        Some(Err(why)) => return Ok(Found::Refused(why)),
        Some(Ok(e)) => e,
    };
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

    /// A content-addressed entry (anyone may publish one under any name)
    /// is never taken; an input-addressed one (its signature checked by Nix
    /// on copy) is.
    #[test]
    fn content_addressed_entries_prove_nothing() {
        let key = BuildKey([7; 32]);
        let dir = tempfile::tempdir().unwrap();
        let url = format!("file://{}", dir.path().display());
        assert!(matches!(find_entry(&url, &key), Ok(None)));
        let name = entry_name(&key);
        std::fs::write(
            dir.path().join("aaaa.narinfo"),
            format!("StorePath: /nix/store/aaaa-{name}\nCA: fixed:r:sha256:xyz\n"),
        )
        .unwrap();
        assert!(matches!(find_entry(&url, &key), Ok(Some(Err(_)))));
        std::fs::write(
            dir.path().join("bbbb.narinfo"),
            format!("StorePath: /nix/store/bbbb-{name}\nSig: k:s\n"),
        )
        .unwrap();
        match find_entry(&url, &key) {
            Ok(Some(Ok(p))) => assert_eq!(p, format!("/nix/store/bbbb-{name}")),
            _ => panic!("the signed entry"),
        }
        // Other caches can be pushed to, not looked up in.
        assert!(find_entry("https://cache.example.org", &key).is_err());
    }
}
