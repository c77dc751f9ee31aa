//! `ip6 <ID>`: the automatic addresses of `-6`.

use anyhow::Result;

use crate::base::{parse_id, UsageError};

/// `nixunits ip6 <ID>`: the automatic addresses of `-6`.
pub fn ip6(id: &str, json: bool) -> Result<()> {
    let id = parse_id(id)?;
    let (ip, host) = nixunits_store::unit::auto_ip6(&id).map_err(|e| UsageError(e.to_string()))?;
    let strip = nixunits_store::unit::without_prefix;
    if json {
        outln!(
            "{}",
            serde_json::json!({ "id": id.as_str(), "ip6": strip(&ip), "hostIp6": strip(&host), "prefix": 112 })
        );
    } else {
        outln!("ip6: {}", strip(&ip));
        outln!("hostIp6: {}", strip(&host));
    }
    Ok(())
}
