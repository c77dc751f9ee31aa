//! The commands.

pub mod apply;
pub mod build;
pub mod cache;
pub mod check;
pub mod eval;
pub mod fleet_host;
pub mod generations;
pub mod hooks;
pub mod ip6;
pub mod lifecycle;
pub mod man;
pub mod schema;
pub mod target;
pub mod update;
