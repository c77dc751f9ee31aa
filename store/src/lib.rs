//! Store paths, the build key, the build cache (sled) and the state-dir
//! layout and locks (DESIGN §4, §5). Spawns nothing and prints nothing;
//! its I/O is the state directory, the cache and the files a snippet
//! imports.

pub mod cache;
pub mod flake;
pub mod generation;
pub mod id;
pub mod key;
pub mod state;
pub mod storepath;
pub mod unit;

pub use cache::{Cache, Entry};
pub use generation::{Generation, Stamp};
pub use id::ContainerId;
pub use key::{BuildKey, KeyInputs};
pub use state::{ContainerDir, StateDir};
pub use unit::UnitDescription;
