//! Fuzz target `dimse_command`: see `dimse_command` in fuzz/entry_points.rs for what it calls.
#![no_main]

#[path = "../entry_points.rs"]
mod entry_points;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    entry_points::dimse_command(data);
});
