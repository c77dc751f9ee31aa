//! The `nixunits` command's rooms, as a library: `main.rs` (the binary)
//! dispatches to them, and the tests that drive a part of the command in
//! process (the fuzzing of the language server and of FLEET.toml,
//! `tests/fuzz.rs`, `fuzz/`) reach them here. Not an API: nothing here is
//! stable, and nothing but this project uses it.
//!
//! The rooms and what each may import are in `docs/ARCHITECTURE.md`.

/// `println!` whose write error returns from the enclosing function instead
/// of panicking: `nixunits list | head` ends quietly (see [`report`]).
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout(), $($arg)*)?
    }};
}

pub mod args;
pub mod base;
pub mod commands;
pub mod host;
pub mod lsp;
pub mod remote;
