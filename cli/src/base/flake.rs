//! Nix's flakes, the calls of `nix` that need them: a flake reference
//! resolved to a tree in the store and its locked identity (`nix flake
//! metadata`), a locked input fetched when its tree is not in the store
//! (`builtins.fetchTree`), and what a flake output is (`builtins.getFlake`).
//! Nix 2.8 needs `--extra-experimental-features 'nix-command flakes'`;
//! later Nix takes the flag as well. A flake's `flake.lock` itself is read
//! without Nix (`nixunits_store::flake`).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Mutex, OnceLock};

use nixunits_store::flake::{source_path, LockedInput};

/// The flag every `nix` call here takes.
pub const FEATURES: [&str; 2] = ["--extra-experimental-features", "nix-command flakes"];

/// A flake reference, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The tree in the store.
    pub store_path: PathBuf,
    /// Its NAR hash (SRI): the identity in the build key.
    pub nar_hash: String,
    /// Its revision, for references that have one.
    pub rev: Option<String>,
}

/// A call of `nix` about a flake that failed, with what Nix said.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{reference}: {message}")]
pub struct FlakeError {
    /// The reference (or `DIR#attr`) in question.
    pub reference: String,
    /// What went wrong (Nix's last lines of error).
    pub message: String,
}

/// Whether `s` is a flake reference rather than a path: a URL-like scheme
/// (`flake:`, `path:`, `git+file:`, `github:`, `https:`, …) before any `/`.
pub fn is_reference(s: &str) -> bool {
    let Some((scheme, _)) = s.split_once(':') else {
        return false;
    };
    !scheme.is_empty()
        && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

fn nix_command() -> Command {
    let mut c = Command::new("nix");
    c.args(FEATURES).stdin(Stdio::null());
    c
}

/// Runs `cmd`; its standard output, or Nix's last lines of error.
fn run(mut cmd: Command, reference: &str) -> Result<String, FlakeError> {
    let fail = |message: String| FlakeError {
        reference: reference.to_owned(),
        message,
    };
    let out = cmd
        .output()
        .map_err(|e| fail(format!("cannot run nix (is Nix installed?): {e}")))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        // Nix's last error, without its hint about --show-trace and without
        // the expression nixunits wrote (`at «string»`), which is ours.
        let lines: Vec<&str> = err
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.contains("--show-trace"))
            .collect();
        let from = lines
            .iter()
            .rposition(|l| l.trim_start().starts_with("error:"))
            .unwrap_or(lines.len().saturating_sub(6));
        let tail = lines[from..]
            .iter()
            .take_while(|l| !l.trim_start().starts_with("at «string»"))
            .take(8)
            .copied()
            .collect::<Vec<_>>()
            .join("\n");
        return Err(fail(if tail.is_empty() {
            format!("nix failed ({})", out.status)
        } else {
            tail
        }));
    }
    String::from_utf8(out.stdout)
        .map_err(|_| fail("nix printed something that is not UTF-8".into()))
}

/// Resolves a flake reference (`flake:nixpkgs` through the registries,
/// `path:…`, `git+file:…`, `github:…`) with `nix flake metadata`: the tree
/// in the store and its locked identity. Once per process and reference,
/// however many containers use it (a fleet).
pub fn metadata(reference: &str) -> Result<Resolved, FlakeError> {
    static SEEN: OnceLock<Mutex<HashMap<String, Result<Resolved, FlakeError>>>> = OnceLock::new();
    let seen = SEEN.get_or_init(Default::default);
    if let Some(r) = seen.lock().ok().and_then(|m| m.get(reference).cloned()) {
        return r;
    }
    let r = metadata_uncached(reference);
    if let Ok(mut m) = seen.lock() {
        m.insert(reference.to_owned(), r.clone());
    }
    r
}

fn metadata_uncached(reference: &str) -> Result<Resolved, FlakeError> {
    let mut cmd = nix_command();
    cmd.args([
        "flake",
        "metadata",
        "--json",
        "--no-write-lock-file",
        reference,
    ]);
    let text = run(cmd, reference)?;
    let fail = |message: &str| FlakeError {
        reference: reference.to_owned(),
        message: message.to_owned(),
    };
    let v: serde_json::Value =
        serde_json::from_str(&text).map_err(|_| fail("nix flake metadata printed no JSON"))?;
    let store_path = v["path"]
        .as_str()
        .ok_or_else(|| fail("nix flake metadata names no store path"))?;
    let nar_hash = v["locked"]["narHash"]
        .as_str()
        .ok_or_else(|| fail("the reference did not lock to a NAR hash"))?;
    Ok(Resolved {
        store_path: PathBuf::from(store_path),
        nar_hash: nar_hash.to_owned(),
        rev: v["locked"]["rev"].as_str().map(str::to_owned),
    })
}

/// A Nix string literal of `s`.
pub fn nix_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '$' => out.push_str("\\$"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Puts the tree of a locked input into the store (a lock's tree may have
/// been collected since): `builtins.fetchTree` of the lock's own `locked`
/// attributes, which checks the NAR hash. Needed only to build; a key and
/// a cache hit do without.
pub fn fetch(input: &LockedInput) -> Result<PathBuf, FlakeError> {
    let reference = format!("input {}", input.input);
    let expr = format!(
        "(builtins.fetchTree (builtins.fromJSON {})).outPath",
        nix_string(&input.locked.to_string())
    );
    let mut cmd = nix_command();
    cmd.args(["eval", "--raw", "--expr", &expr]);
    let got = PathBuf::from(run(cmd, &reference)?.trim());
    if got != input.store_path {
        return Err(FlakeError {
            reference,
            message: format!(
                "fetched {} where the lock's hash names {}",
                got.display(),
                input.store_path.display()
            ),
        });
    }
    Ok(got)
}

/// What a flake output is, as a module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Module {
    /// A file (in the flake's copy in the store).
    Path(PathBuf),
    /// A function: its named formals (`builtins.functionArgs`; empty for
    /// `args: …`, which may read any).
    Function(BTreeMap<String, bool>),
    /// An attribute set.
    Set,
}

/// A flake output, as `--flake-attr DIR#attr.path` names it.
#[derive(Debug, Clone)]
pub struct Output {
    /// The module it is.
    pub module: Module,
    /// The flake's tree in the store.
    pub source: PathBuf,
    /// The flake's NAR hash (its files, `flake.lock` included).
    pub nar_hash: String,
}

/// Splits `a.b."c.d"` into its names (a name with a dot is quoted).
pub fn parse_attr_path(s: &str) -> Result<Vec<String>, String> {
    let mut names = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut was_quoted = false;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', _) => {
                quoted = !quoted;
                was_quoted = true;
            }
            ('\\', true) => cur.extend(chars.next()),
            ('.', false) => {
                if cur.is_empty() && !was_quoted {
                    return Err(format!("{s:?}: an empty attribute name"));
                }
                names.push(std::mem::take(&mut cur));
                was_quoted = false;
            }
            (c, _) => cur.push(c),
        }
    }
    if quoted {
        return Err(format!("{s:?}: an unclosed quote"));
    }
    if cur.is_empty() && !was_quoted {
        return Err(format!("{s:?}: an empty attribute name"));
    }
    names.push(cur);
    Ok(names)
}

/// The attribute path as Nix selects it: `."a"."b.c"`.
pub fn select(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!(".{}", nix_string(n)))
        .collect()
}

/// Asks Nix what `attr` of the flake in `dir` is (one `nix eval`).
pub fn output(dir: &Path, attr: &[String]) -> Result<Output, FlakeError> {
    let reference = format!("{}#{}", dir.display(), attr.join("."));
    let expr = format!(
        "let f = builtins.getFlake {dir}; v = f.outputs{sel}; in {{ \
           narHash = f.narHash; source = f.outPath; type = builtins.typeOf v; \
           path = if builtins.isPath v then toString v else null; \
           args = if builtins.isFunction v then builtins.functionArgs v else null; }}",
        dir = nix_string(&dir.display().to_string()),
        sel = select(attr),
    );
    let mut cmd = nix_command();
    cmd.args(["eval", "--json", "--impure", "--expr", &expr]);
    let text = run(cmd, &reference)?;
    let fail = |message: String| FlakeError {
        reference: reference.clone(),
        message,
    };
    let v: serde_json::Value =
        serde_json::from_str(&text).map_err(|_| fail("nix eval printed no JSON".into()))?;
    let module = match v["type"].as_str() {
        Some("path") => Module::Path(PathBuf::from(
            v["path"].as_str().ok_or_else(|| fail("no path".into()))?,
        )),
        Some("lambda") => Module::Function(
            serde_json::from_value(v["args"].clone()).map_err(|e| fail(e.to_string()))?,
        ),
        Some("set") => Module::Set,
        Some(other) => {
            return Err(fail(format!(
                "is a {other}; a module is a path, a function or an attribute set"
            )))
        }
        None => return Err(fail("nix eval gave no type".into())),
    };
    Ok(Output {
        module,
        source: PathBuf::from(v["source"].as_str().unwrap_or_default()),
        nar_hash: v["narHash"].as_str().unwrap_or_default().to_owned(),
    })
}

/// The snippet that imports a flake output which is a function or a set:
/// the flake's tree, locked by its hash, through `builtins.getFlake`.
pub fn import_text(out: &Output, attr: &[String]) -> String {
    let hash = out
        .nar_hash
        .replace('+', "%2B")
        .replace('/', "%2F")
        .replace('=', "%3D");
    format!(
        "# nixunits: the flake output {attr}\n(builtins.getFlake {}).outputs{}\n",
        nix_string(&format!("path:{}?narHash={hash}", out.source.display())),
        select(attr),
        attr = attr.join("."),
    )
}

/// Whether the locked input's tree is in the store (a `stat`, no Nix).
pub fn in_store(input: &LockedInput) -> bool {
    input.store_path.exists() && source_path(&input.nar_hash).as_ref() == Some(&input.store_path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_and_paths() {
        for r in [
            "flake:nixpkgs",
            "path:/x",
            "git+file:///x",
            "github:NixOS/nixpkgs/nixos-24.05",
            "https://example.org/n.tar.gz",
        ] {
            assert!(is_reference(r), "{r}");
        }
        for p in ["/nix/store/x", "./np", "np", "../a:b", "", ":x"] {
            assert!(!is_reference(p), "{p}");
        }
    }

    #[test]
    fn attribute_paths() {
        assert_eq!(
            parse_attr_path("nixunitsSnippets.pg").unwrap(),
            vec!["nixunitsSnippets", "pg"]
        );
        assert_eq!(parse_attr_path("a.\"b.c\"").unwrap(), vec!["a", "b.c"]);
        assert!(parse_attr_path("a..b").is_err());
        assert!(parse_attr_path("").is_err());
        assert!(parse_attr_path("a.\"b").is_err());
        assert_eq!(select(&["a".into(), "b.c".into()]), ".\"a\".\"b.c\"");
    }

    #[test]
    fn the_import_is_locked() {
        let out = Output {
            module: Module::Set,
            source: PathBuf::from("/nix/store/y74hngqydgzp42nbwj5s3q6g42kd2zzb-source"),
            nar_hash: "sha256-hUfo0/F7F6WceKCVT+ezv3wkswqlNa6AsG8BFZ3bU3Y=".into(),
        };
        assert_eq!(
            import_text(&out, &["s".into(), "pg".into()]),
            "# nixunits: the flake output s.pg\n(builtins.getFlake \"path:/nix/store/y74hngqydgzp42nbwj5s3q6g42kd2zzb-source?narHash=sha256-hUfo0%2FF7F6WceKCVT%2Bezv3wkswqlNa6AsG8BFZ3bU3Y%3D\").outputs.\"s\".\"pg\"\n"
        );
    }
}
