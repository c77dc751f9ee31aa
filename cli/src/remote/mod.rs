//! Other hosts: SSH and the shared build index.

pub mod fleet;
pub mod index;
pub mod ssh;
