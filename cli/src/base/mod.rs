//! The ground floor: what every room uses.

pub mod input;
pub mod nix;
pub mod proc;
pub mod term;
pub mod usage;

pub use usage::{existing, parse_id, usage, UsageError};
