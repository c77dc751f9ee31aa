//! `cargo fuzz run unit_json`: see `harness.rs` for what it checks.
#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::unit_json_bytes(data));
