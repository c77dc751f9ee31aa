//! `secret_literal`: a secret written as a string literal into a snippet.
//!
//! What: a known, non-empty string assigned to an option whose name says it
//! is a secret (`password`, `passwd`, `secret`, `token`, or ending in
//! `key`), unless the value is a path (it starts with `/`) or the option
//! takes a file (`…File`, `…Path`, `…Dir`) or a hash (`hashed…`).
//!
//! Why: everything a snippet evaluates to is copied into the Nix store,
//! which every user of the host can read. A secret belongs in a root-only
//! file passed as a systemd credential (`--credential NAME=PATH`, or
//! `credentials` in the unit description) and read by the service with
//! `LoadCredential=` (`$CREDENTIALS_DIRECTORY`), or in the option's `…File`
//! variant pointing there.
//!
//! Example: `services.grafana.settings.security.admin_password = "hunter2";`
//! warns; `passwordFile = "/run/credentials/grafana.service/admin";` does
//! not.

use nixunits_nixexpr::{Diagnostic, Severity, TextRange, TextSize};

use crate::module::{Condition, Definition};

/// Whether an option's last name says it holds a secret.
fn secret_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    let takes_a_file = ["file", "path", "dir", "files", "command", "length"]
        .iter()
        .any(|s| n.ends_with(s));
    let is_a_hash = n.starts_with("hashed") || n.contains("hash");
    let says = ["password", "passwd", "secret", "token"]
        .iter()
        .any(|s| n.contains(s))
        || n.ends_with("key");
    says && !takes_a_file && !is_a_hash
}

/// The `secret_literal` warnings of some definitions.
pub fn check(defs: &[&Definition]) -> Vec<Diagnostic> {
    defs.iter()
        .filter(|d| d.condition != Condition::False)
        .filter(|d| d.path.last().is_some_and(|n| secret_name(n)))
        .filter(|d| {
            d.value
                .as_ref()
                .and_then(|v| v.as_str())
                .is_some_and(|s| !s.is_empty() && !s.starts_with('/'))
        })
        .map(|d| Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(
                "secret_literal",
                TextRange::new(TextSize::from(d.range[0]), TextSize::from(d.range[1])),
                format!(
                    "`{}` is set to a string literal: the secret would be copied into the Nix store, which every user of the host can read",
                    crate::module::show_path(&d.path)
                ),
            )
            .with_note(
                "keep it in a root-only file and pass it as a credential (`--credential NAME=PATH`, or `credentials` in the unit description); the service reads it with `LoadCredential=NAME`, or give the option's `…File` variant that path",
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::secret_name;

    #[test]
    fn names_that_say_secret() {
        for yes in [
            "password",
            "adminPassword",
            "admin_password",
            "secret",
            "clientSecret",
            "token",
            "apiKey",
            "key",
            "privateKey",
        ] {
            assert!(secret_name(yes), "{yes}");
        }
        for no in [
            "passwordFile",
            "keyFile",
            "tokenPath",
            "hashedPassword",
            "passwordHash",
            "enable",
            "keyLength",
            "secretsDir",
        ] {
            assert!(!secret_name(no), "{no}");
        }
    }
}
