//! The `base` room, the ground floor: what every room above uses. The
//! usage error and what a command line names (`usage.rs`: exit 2, ids,
//! containers that must exist), running a helper program whose failure is
//! an error (`proc.rs`), the local calls of Nix's programs (`nix.rs`:
//! nix-build, nix-instantiate, nix-store, the version; `flake.rs`: the
//! calls that need flakes), which nixpkgs a build uses (`nixpkgs.rs`), text made
//! safe for a terminal (`term.rs`), the size limit of snippets
//! (`input.rs`), a bug of nixunits caught and made a diagnostic
//! (`bug.rs`).
//!
//! Must not: import any other room of this crate; print (its callers say
//! what went wrong); touch the running host (systemd, the network).

pub mod bug;
pub mod flake;
pub mod input;
pub mod nix;
pub mod nixpkgs;
pub mod proc;
pub mod signals;
pub mod term;
pub mod usage;

pub use usage::{existing, parse_id, usage, UsageError};
