//! The embedded partial evaluator (DESIGN §2): which option paths a snippet
//! defines, with their static values, priorities and conditions; checks of
//! those definitions against a NixOS options schema and the security
//! policy. Pure: no I/O (imports come through a [`eval::Loader`]), no
//! processes, no printing.

pub mod config;
pub mod data;
pub mod eval;
pub mod module;
pub mod policy;
mod prims;
pub mod schema;
pub mod secrets;
pub mod types;
pub mod value;

pub use nixunits_nixexpr as nixexpr;
