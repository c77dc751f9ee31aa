//! The embedded partial evaluator (DESIGN §2): which option paths a snippet
//! defines, checked against an options schema and the security policy.
//!
//! Not written yet: the issue "Embedded evaluation" delivers it. The crate
//! exists so that the workspace has the layout of DESIGN §2 and the
//! dependency direction `cli → eval → nixexpr` is fixed from the start.

pub use nixunits_nixexpr as nixexpr;
