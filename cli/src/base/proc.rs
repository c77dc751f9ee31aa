//! Running a helper program (systemctl, machinectl, ip, nix --version)
//! whose failure is an error, and quoting the words of a command line for
//! a shell.

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

#[cfg(test)]
mod tests {
    use super::shell_word;

    #[test]
    fn words_survive_the_shell() {
        assert_eq!(shell_word("web"), "web");
        assert_eq!(shell_word("{ a = 1; }"), "'{ a = 1; }'");
        assert_eq!(shell_word("it's"), "'it'\\''s'");
        assert_eq!(shell_word(""), "''");
    }
}
