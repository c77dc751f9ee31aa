//! The commands.

pub mod apply;
pub mod build;
pub mod cache;
pub mod check;
pub mod eval;
pub mod fleet_host;
pub mod generations;
pub mod lifecycle;
pub mod schema;
