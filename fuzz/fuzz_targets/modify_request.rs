//! Fuzz target `modify_request`: see `modify_request` in fuzz/entry_points.rs for what it calls.
#![no_main]

#[path = "../entry_points.rs"]
mod entry_points;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    entry_points::modify_request(data);
});
