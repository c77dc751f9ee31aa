//! `nixunits update`: `build`, then a running container brought to the
//! new generation — in place with its `switch-to-configuration test` when
//! only the system changed, else a restart.

use anyhow::Result;

use super::build;
use crate::args::{BuildArgs, Global};

/// `update ID (-cc EXPR | -cf FILE) …`
pub fn run(args: &BuildArgs, global: &Global, color: bool) -> Result<()> {
    build::act(build::resolve(args, global, color)?.for_update())
}
