//! The ground floor: what every room uses.

pub mod input;
pub mod nix;
pub mod proc;
pub mod term;
