//! Bad usage or invalid input (exit 2, nothing changed), and what the
//! command line names: a container id, an existing container.

use anyhow::Result;
use nixunits_store::{ContainerId, StateDir};

/// Bad usage or invalid input: exit code 2, nothing changed.
#[derive(Debug)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// A [`UsageError`] as an `anyhow::Error`.
pub fn usage(msg: impl Into<String>) -> anyhow::Error {
    UsageError(msg.into()).into()
}

/// A container id from the command line; a bad one is a usage error.
pub fn parse_id(id: &str) -> Result<ContainerId, UsageError> {
    id.parse()
        .map_err(|e: nixunits_store::id::InvalidId| UsageError(e.to_string()))
}

/// A container that must exist, something installed (exit 2 otherwise).
pub fn existing(state: &StateDir, id: &str) -> Result<ContainerId> {
    let id = parse_id(id)?;
    if !state.container(&id).installed() {
        return Err(UsageError(format!(
            "no container {id} (nothing in {})",
            state.container(&id).dir.display()
        ))
        .into());
    }
    Ok(id)
}
