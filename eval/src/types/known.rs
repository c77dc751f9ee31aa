//! The checks nixpkgs hides in closures that are modelled anyway: a small
//! table, each entry read off nixpkgs (2020 and current agree on them).
//!
//! Why a table: `types.addCheck T f` keeps `f` in a closure, so the
//! schema records only that a check exists (and where it was written);
//! the type `T` still judges, and `f` is Nix's. A few such checks guard
//! options nearly every service snippet sets, and a mistake in them is
//! only found by a full NixOS evaluation, so they are worth naming here:
//!
//! - `systemd.services.<name>.serviceConfig` and
//!   `systemd.user.services.<name>.serviceConfig`:
//!   `types.addCheck (types.attrsOf unitOption) checkService`
//!   (`nixos/modules/system/boot/systemd-unit-options.nix`), where
//!   `checkService` accepts `Type` only among `exec simple forking oneshot
//!   dbus notify idle` (later nixpkgs add `notify-reload`, which is
//!   accepted too: the table takes the values of any nixpkgs since 2020,
//!   so a newer one gets no false error) and `Restart` only among `no
//!   on-success on-failure on-abnormal on-abort always`, compared with
//!   `elem` after stripping an `mkOverride` from the value — so a
//!   `lib.mkIf` written on the field itself is a set there, and fails.
//!   Each definition of the option is checked on its own, after
//!   priorities.
//! - `unitOption` (type name `systemd option`), the type of each entry of
//!   those sets: definitions at one priority are concatenated when the
//!   first is a list, otherwise they must be equal (`mergeEqualOption`).
//!
//! Not modelled (left to Nix): networkd's many `assertValueOneOf` checks
//! and every other `addCheck`.

use super::Ty;

/// The description (and name) of nixpkgs' `unitOption` type.
pub const SYSTEMD_OPTION: &str = "systemd option";

/// A modelled check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Known {
    /// systemd's `[Service]` section: `Type` and `Restart` among their
    /// values.
    SystemdService,
}

const SERVICE_TYPES: &[&str] = &[
    "exec",
    "simple",
    "forking",
    "oneshot",
    "dbus",
    "notify",
    "notify-reload",
    "idle",
];
const RESTART: &[&str] = &[
    "no",
    "on-success",
    "on-failure",
    "on-abnormal",
    "on-abort",
    "always",
];

fn is_placeholder(s: &str) -> bool {
    s == "*" || (s.starts_with('<') && s.ends_with('>'))
}

impl Known {
    /// The known check of the `addCheck` over `inner` at option `loc`.
    pub(crate) fn for_option(loc: &[String], inner: &Ty) -> Option<Known> {
        let l: Vec<&str> = loc.iter().map(String::as_str).collect();
        let service = match l.as_slice() {
            ["systemd", "services", n, "serviceConfig"]
            | ["systemd", "user", "services", n, "serviceConfig"] => is_placeholder(n),
            _ => false,
        };
        let unit_options =
            matches!(inner, Ty::AttrsOf(t) if **t == Ty::Opaque(SYSTEMD_OPTION.into()));
        (service && unit_options).then_some(Known::SystemdService)
    }

    /// The fields it checks, each with its accepted values.
    pub(crate) fn fields(self) -> &'static [(&'static str, &'static [&'static str])] {
        match self {
            Known::SystemdService => &[("Type", SERVICE_TYPES), ("Restart", RESTART)],
        }
    }

    /// What the message calls it.
    pub(crate) fn what(self) -> &'static str {
        match self {
            Known::SystemdService => "systemd's [Service] section",
        }
    }
}
