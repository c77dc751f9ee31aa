//! `secret_literal`: a secret written as a string literal into a snippet.
//!
//! What: a known string assigned to an option whose name says it holds a
//! secret. The rule, all of it:
//!
//! - the option's last name ends in a secret noun: its last word (names
//!   split at camelCase, `_`, `-` and `.`) is `password`, `passwd`,
//!   `passphrase`, `secret`, `token`, `key` or `psk` (`adminPassword`,
//!   `client_secret`, `apiKey`, `authToken`), and no word of it says it is
//!   a hash (`hashedPassword`, `passwordHash`);
//! - no name on the option's path says public material: a word `public`
//!   or `pub`, or `fingerprint`, in any name; `knownHosts` or
//!   `authorizedKeys` above it (`programs.ssh.knownHosts.<name>.publicKey`,
//!   `…knownHosts.<name>.key`);
//! - the value is a secret, not a switch, a reference or public material:
//!   not empty, not a word such as `yes`/`no`/`true`/`false`/`on`/`off`/
//!   `none`/`auto` (`PasswordAuthentication = "no"`), not a path (`/…`), not
//!   a reference replaced at run time (`$VAR`, `${VAR}`, `@VAR@`,
//!   `%d/…`), not a public key or certificate (`ssh-ed25519 …`,
//!   `-----BEGIN PUBLIC KEY-----`);
//! - booleans, numbers and values not known statically are never secrets
//!   here.
//!
//! Why: everything a snippet evaluates to is copied into the Nix store,
//! which every user of the host can read. A secret belongs in a root-only
//! file passed as a systemd credential (`--credential NAME=PATH`, or
//! `credentials` in the unit description) and read by the service with
//! `LoadCredential=` (`$CREDENTIALS_DIRECTORY`), or in the option's `…File`
//! variant pointing there.
//!
//! Example: `services.grafana.settings.security.admin_password = "hunter2";`
//! warns; `passwordFile = "/run/credentials/grafana.service/admin";`,
//! `services.openssh.passwordAuthentication = "no";` and
//! `programs.ssh.knownHosts.gitlab.publicKey = "ssh-ed25519 AAAA…";` do not.

use nixunits_nixexpr::{Diagnostic, Severity, TextRange, TextSize};

use crate::module::{Condition, Definition};

/// The words of a name: split at camelCase, `_`, `-`, `.`, lower case.
fn words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if c == '_' || c == '-' || c == '.' || c == ' ' {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if c.is_uppercase() && prev_lower && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        cur.extend(c.to_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Whether an option's last name says it holds a secret.
fn secret_name(name: &str) -> bool {
    // Most names have no secret noun at all: no words to make.
    let lower = name.to_ascii_lowercase();
    if !["pass", "secret", "token", "key", "psk"]
        .iter()
        .any(|n| lower.contains(n))
    {
        return false;
    }
    let w = words(name);
    let Some(last) = w.last() else { return false };
    let noun = ["password", "passwd", "passphrase", "secret", "token", "key", "psk"]
        .contains(&last.as_str())
        // `adminpassword`, `apikey` written as one word.
        || ["password", "passwd", "secret", "token"]
            .iter()
            .any(|s| last.ends_with(s));
    let hashed = w.iter().any(|x| x.contains("hash"));
    noun && !hashed
}

/// Whether a name says the option holds public material: a public key or
/// a fingerprint (any name on the path), known hosts or authorized keys
/// (a name above the option).
fn public_name(name: &str, last: bool) -> bool {
    let lower = name.to_ascii_lowercase();
    let public = lower.contains("fingerprint")
        || words(name).iter().any(|w| w == "public" || w == "pub")
        || lower.starts_with("pubkey");
    public || (!last && (lower.contains("knownhosts") || lower.contains("authorizedkeys")))
}

/// Whether a value can be a secret: not a switch, a path, a reference or
/// public material.
fn secret_value(s: &str) -> bool {
    let t = s.trim();
    let lower = t.to_ascii_lowercase();
    let switch = [
        "yes", "no", "true", "false", "on", "off", "none", "auto", "enabled", "disabled", "enable",
        "disable", "1", "0",
    ]
    .contains(&lower.as_str());
    let reference = t.starts_with('/')
        || t.starts_with('$')
        || t.starts_with("%d/")
        || (t.len() > 2 && t.starts_with('@') && t.ends_with('@'));
    let public = ["ssh-", "ecdsa-sha2-", "sk-ssh-", "sk-ecdsa-"]
        .iter()
        .any(|p| t.starts_with(p))
        || t.starts_with("-----BEGIN PUBLIC KEY")
        || t.starts_with("-----BEGIN CERTIFICATE")
        || t.starts_with("-----BEGIN PGP PUBLIC");
    !t.is_empty() && !switch && !reference && !public
}

/// The `secret_literal` warnings of some definitions.
pub fn check(defs: &[&Definition]) -> Vec<Diagnostic> {
    defs.iter()
        .filter(|d| d.condition != Condition::False)
        .filter(|d| d.path.last().is_some_and(|n| secret_name(n)))
        .filter(|d| {
            let n = d.path.len();
            !d.path.iter().enumerate().any(|(i, p)| public_name(p, i + 1 == n))
        })
        .filter(|d| {
            d.value
                .as_ref()
                .and_then(|v| v.as_str())
                .is_some_and(secret_value)
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
    use super::{public_name, secret_name, secret_value};

    #[test]
    fn names_that_say_secret() {
        for yes in [
            "password",
            "adminPassword",
            "admin_password",
            "initialPassword",
            "secret",
            "clientSecret",
            "client_secret",
            "token",
            "authToken",
            "apiKey",
            "api-key",
            "key",
            "privateKey",
            "secretKey",
            "passphrase",
            "psk",
            "adminpassword",
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
            "passwordAuthentication",
            "PasswordAuthentication",
            "tokenLifetime",
            "keyType",
            "hostKeyAlgorithms",
            "keys",
            "passwordCommand",
        ] {
            assert!(!secret_name(no), "{no}");
        }
    }

    #[test]
    fn public_material_and_switches_are_not_secrets() {
        for public in ["publicKey", "public_key", "serverFingerprint", "pubkey"] {
            assert!(public_name(public, true), "{public}");
        }
        assert!(public_name("knownHosts", false));
        assert!(!public_name("knownHosts", true));
        for private in [
            "privateKey",
            "settings",
            "database",
            "sslCertificateKey",
            "hostKey",
        ] {
            assert!(!public_name(private, true), "{private}");
        }
        for not_secret in [
            "no",
            "Yes",
            "false",
            "",
            "/run/keys/pw",
            "$DB_PASSWORD",
            "${DB_PASSWORD}",
            "@DB_PASSWORD@",
            "%d/password",
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG",
            "-----BEGIN PUBLIC KEY-----",
        ] {
            assert!(!secret_value(not_secret), "{not_secret:?}");
        }
        for secret in [
            "hunter2",
            "s3cr3t-token",
            "no way",
            "-----BEGIN PRIVATE KEY-----",
        ] {
            assert!(secret_value(secret), "{secret:?}");
        }
    }
}
