//! `nixunits build`: resolve the arguments into a plan — every input
//! validated, the key computed, nothing written (`plan.rs`) — then act on
//! it (`act.rs`): where the system comes from (`lookup.rs`: the live
//! generation, the history, the shared index), `nix-build` on a miss, the
//! result swapped in, the unit (re)started; what it shows (`show.rs`).
//!
//! In the `commands` room (`commands/mod.rs` says what it may import).

mod act;
mod lookup;
mod plan;
mod show;

pub use act::{act, realise_system};
pub use lookup::Source;
pub use plan::{resolve, resolve_with, Plan};
