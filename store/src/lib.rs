//! Store paths, the build key, the build cache (sled) and the state-dir
//! layout (DESIGN §4, §5).
//!
//! Not written yet: the issue "`nixunits build`" delivers it. The crate
//! exists so that the workspace has the layout of DESIGN §2.
