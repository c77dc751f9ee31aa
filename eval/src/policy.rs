//! The security policy: option paths denied (they break containment or
//! fight nixunits), allowed as exceptions, and warned about (weakening a
//! service's own sandbox). Each finding names its rule and the reason.
//!
//! A policy is TOML or JSON: `deny`, `allow` and `warn` lists of
//! `{ option, reason, value? }`. The default is `default-policy.toml`.

use serde::Deserialize;

use crate::module::{Condition, Definition};
use crate::schema::split_name;
use nixunits_nixexpr::{Diagnostic, Severity, TextRange, TextSize};

/// The default policy's text.
pub const DEFAULT: &str = include_str!("default-policy.toml");

/// One rule.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// The option path pattern.
    pub option: String,
    /// Why.
    pub reason: String,
    /// For `warn`: only when the definition has this value.
    #[serde(default)]
    pub value: Option<serde_json::Value>,
}

/// A policy.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Denied: an error.
    #[serde(default)]
    pub deny: Vec<Rule>,
    /// Exceptions to `deny`.
    #[serde(default)]
    pub allow: Vec<Rule>,
    /// A warning.
    #[serde(default)]
    pub warn: Vec<Rule>,
}

/// A policy that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// Not TOML.
    #[error("{0}")]
    Toml(#[from] toml::de::Error),
    /// Not JSON.
    #[error("{0}")]
    Json(#[from] serde_json::Error),
}

impl Policy {
    /// The default policy.
    pub fn default_policy() -> Policy {
        toml::from_str(DEFAULT).unwrap_or_default()
    }

    /// Reads a policy: JSON if it starts with `{`, else TOML.
    pub fn parse(text: &str) -> Result<Policy, PolicyError> {
        if text.trim_start().starts_with('{') {
            Ok(serde_json::from_str(text)?)
        } else {
            Ok(toml::from_str(text)?)
        }
    }
}

fn segment_matches(pat: &str, name: &str) -> bool {
    match pat.split_once('*') {
        None => pat == name,
        Some((pre, post)) => {
            name.len() >= pre.len() + post.len() && name.starts_with(pre) && name.ends_with(post)
        }
    }
}

/// Whether `pattern` matches `path` or a prefix of it.
pub fn matches(pattern: &[String], path: &[String]) -> bool {
    match pattern.split_first() {
        None => true,
        Some((p, rest)) if p == "**" => (0..=path.len()).any(|i| matches(rest, &path[i..])),
        Some((p, rest)) => match path.split_first() {
            Some((n, tail)) => {
                (p == "*" || n == "<name>" || segment_matches(p, n)) && matches(rest, tail)
            }
            None => false,
        },
    }
}

/// A policy with its patterns split once.
pub struct Compiled {
    deny: Vec<(Vec<String>, Rule)>,
    allow: Vec<(Vec<String>, Rule)>,
    warn: Vec<(Vec<String>, Rule)>,
}

impl Policy {
    /// Splits the patterns, once for many files.
    pub fn compile(&self) -> Compiled {
        let c = |rules: &[Rule]| {
            rules
                .iter()
                .map(|r| (split_name(&r.option), r.clone()))
                .collect()
        };
        Compiled {
            deny: c(&self.deny),
            allow: c(&self.allow),
            warn: c(&self.warn),
        }
    }
}

/// Checks definitions (of one file) against a policy.
pub fn check(policy: &Compiled, defs: &[&Definition]) -> Vec<Diagnostic> {
    let (deny, allow, warn) = (&policy.deny, &policy.allow, &policy.warn);
    let mut out = Vec::new();
    for d in defs.iter().filter(|d| d.condition != Condition::False) {
        let range = TextRange::new(TextSize::from(d.range[0]), TextSize::from(d.range[1]));
        let path = || crate::module::show_path(&d.path);
        if let Some((_, r)) = deny.iter().find(|(p, _)| matches(p, &d.path)) {
            if !allow.iter().any(|(p, _)| matches(p, &d.path)) {
                out.push(
                    Diagnostic::error(
                        "policy_deny",
                        range,
                        format!("`{}` is denied by the policy rule `{}`", path(), r.option),
                    )
                    .with_note(r.reason.clone()),
                );
                continue;
            }
        }
        if let Some((_, r)) = warn.iter().find(|(p, r)| {
            matches(p, &d.path) && r.value.as_ref().is_none_or(|v| d.value.as_ref() == Some(v))
        }) {
            out.push(Diagnostic {
                severity: Severity::Warning,
                ..Diagnostic::error(
                    "policy_warn",
                    range,
                    format!("`{}`: policy rule `{}`", path(), r.option),
                )
                .with_note(r.reason.clone())
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Vec<String> {
        split_name(s)
    }

    #[test]
    fn patterns() {
        assert!(matches(&p("boot.kernel*"), &p("boot.kernelModules")));
        assert!(matches(&p("boot.kernel*"), &p("boot.kernel.sysctl.x")));
        assert!(!matches(&p("boot.kernel*"), &p("boot.initrd.x")));
        assert!(matches(
            &p("virtualisation.**"),
            &p("virtualisation.docker.enable")
        ));
        assert!(matches(
            &p("systemd.services.*.serviceConfig.DynamicUser"),
            &p("systemd.services.web.serviceConfig.DynamicUser")
        ));
        assert!(matches(
            &p("boot.kernel.sysctl.\"net.*\""),
            &p("boot.kernel.sysctl.\"net.core.somaxconn\"")
        ));
        assert!(!Policy::default_policy().deny.is_empty());
    }
}
