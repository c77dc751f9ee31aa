#![allow(dead_code)] // each target uses one of the functions
//! What each fuzz target does with one input, shared by the libFuzzer
//! targets (`fuzz_targets/`, `cargo fuzz`) and the seeded run CI makes
//! (`tests/fuzz.rs`, `cargo test`): one definition of the properties.

use nixunits_eval::eval::{Limits, LoadError, Loader};
use nixunits_eval::module::{evaluate, Args};
use nixunits_nixexpr::{check, CheckOptions, NixVersion};
use nixunits_store::{ContainerId, UnitDescription};

/// The parser and every lint (`nixexpr::check`, with and without
/// `--parse-only`, for the two Nix versions that differ most) and rnix's
/// lossless tree take any bytes.
pub fn check_bytes(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    for version in [NixVersion::CURRENT, NixVersion::V2_8] {
        for parse_only in [false, true] {
            let opts = CheckOptions {
                version,
                parse_only,
                pipe_operators: !parse_only,
            };
            let _ = check(&text, &opts);
        }
    }
    let _ = nixunits_nixexpr::tree::parse(&text);
}

/// The files a fuzzed snippet may import: itself (a cycle), a helper, one
/// refused and none else.
struct Files<'a>(&'a str);

impl Loader for Files<'_> {
    fn load(&self, path: &str) -> Result<String, LoadError> {
        match path {
            "/fuzz/snippet.nix" => Ok(self.0.to_owned()),
            "/fuzz/lib.nix" => Ok(
                "{ lib, ... }: { x = lib.mkDefault [ 1 \"a\" ]; y = import ./snippet.nix; }"
                    .to_owned(),
            ),
            "/fuzz/outside.nix" => Err(LoadError::Refused("outside".into())),
            _ => Err(LoadError::Missing("it does not exist".into())),
        }
    }
}

/// The evaluator over a snippet (`module::evaluate`) takes any text, within
/// small bounds (so that a run tries many inputs).
pub fn eval_bytes(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let limits = Limits {
        max_steps: 100_000,
        timeout: Some(std::time::Duration::from_secs(2)),
        max_memory: 32 << 20,
        ..Limits::default()
    };
    let args = Args {
        id: Some("fuzz".to_owned()),
    };
    let _ = evaluate("/fuzz/snippet.nix", &text, &Files(&text), limits, &args);
}

/// The unit description (`unit.json`, `-j`): any bytes parse or fail; a
/// description that validates has a canonical JSON that parses back to
/// itself, systemd-nspawn arguments and a `unit.conf`.
pub fn unit_json_bytes(data: &[u8]) {
    let Ok(unit) = serde_json::from_slice::<UnitDescription>(data) else {
        return;
    };
    let Ok(unit) = unit.normalize() else {
        return;
    };
    let canonical = unit.canonical_json();
    let again: UnitDescription = match serde_json::from_str(&canonical) {
        Ok(u) => u,
        Err(e) => panic!("the canonical JSON {canonical} does not parse: {e}"),
    };
    match again.normalize() {
        Ok(again) => assert_eq!(
            again.canonical_json(),
            canonical,
            "canonical JSON is stable"
        ),
        Err(e) => panic!("the canonical JSON {canonical} does not validate: {e}"),
    }
    let id: ContainerId = match "fuzz-1".parse() {
        Ok(id) => id,
        Err(e) => panic!("{e}"),
    };
    let _ = unit.nspawn_args(&id);
    let _ = unit.conf_text(&id, "/nix/store/00000000000000000000000000000000-system");
    let _ = unit.network.links(&id);
    let _ = unit.parsed_ports();
    let _ = unit.allowed_in();
    let _ = unit.addresses();
}
