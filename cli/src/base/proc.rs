//! Running a helper program (systemctl, machinectl, ip, nix --version)
//! whose failure is an error, and quoting the words of a command line for
//! a shell.

use std::path::PathBuf;
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};

/// Runs `cmd` with standard input closed and returns its standard output;
/// an error naming `what`, the exit status and the standard error when it
/// fails or cannot start.
pub fn stdout_of(cmd: &mut Command, what: &str) -> Result<String> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("cannot run {what}"))?;
    if !out.status.success() {
        bail!(
            "{what} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// This program, to run again (the template unit's `ExecStart`, the port
/// proxy, `nsenter`'s helper, a local fleet host): `current_exe`, without
/// the " (deleted)" Linux appends once the file was replaced — nixunits
/// upgraded while it runs (`cargo install`, a package) — so the new file
/// at that path is run, not a path that does not exist (seen in the soak:
/// a port proxy failed to start, and its container with it).
pub fn this_exe() -> Result<PathBuf> {
    let exe = std::env::current_exe().context("where is this binary")?;
    Ok(undeleted(exe))
}

/// `path` without Linux's " (deleted)", when the path without it exists.
fn undeleted(path: PathBuf) -> PathBuf {
    match path.to_str().and_then(|s| s.strip_suffix(" (deleted)")) {
        Some(live) if std::path::Path::new(live).exists() => PathBuf::from(live),
        _ => path,
    }
}

/// A word as a POSIX shell takes it back: as it is when it holds only
/// characters no shell treats specially, else in single quotes. For the
/// command lines `--dry-run` prints and those the remote shell runs.
pub fn shell_word(s: &str) -> String {
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./=:@+,".contains(&b))
    {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// A command's exit status as a shell says it: its exit code, or 128 + N
/// when signal N ended it (130 for Ctrl-C).
pub fn shell_code(status: std::process::ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    status
        .code()
        .or_else(|| status.signal().map(|sig| 128 + sig))
        .unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use std::os::unix::process::ExitStatusExt;
    use std::path::PathBuf;
    use std::process::ExitStatus;

    use super::{shell_code, shell_word, undeleted};

    #[test]
    fn statuses_as_shells_say_them() {
        assert_eq!(shell_code(ExitStatus::from_raw(7 << 8)), 7);
        assert_eq!(shell_code(ExitStatus::from_raw(libc::SIGINT)), 130);
        assert_eq!(shell_code(ExitStatus::from_raw(libc::SIGTERM)), 143);
    }

    #[test]
    fn a_replaced_binary_is_run_from_its_path() {
        let dir = std::env::temp_dir().join(format!("nixunits-exe-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let live = dir.join("nixunits");
        std::fs::write(&live, b"").unwrap();
        let deleted = PathBuf::from(format!("{} (deleted)", live.display()));
        assert_eq!(undeleted(deleted), live);
        // Nothing at the path: the name stays as Linux gave it.
        let gone = PathBuf::from(format!("{} (deleted)", dir.join("gone").display()));
        assert_eq!(undeleted(gone.clone()), gone);
        // A name without the suffix is kept.
        assert_eq!(undeleted(live.clone()), live);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn words_survive_the_shell() {
        assert_eq!(shell_word("web"), "web");
        assert_eq!(shell_word("{ a = 1; }"), "'{ a = 1; }'");
        assert_eq!(shell_word("it's"), "'it'\\''s'");
        assert_eq!(shell_word(""), "''");
    }
}
