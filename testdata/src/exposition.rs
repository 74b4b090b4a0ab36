//! Reading a Prometheus text exposition in tests: every sample as name (with labels) → value.

use std::collections::BTreeMap;

/// Every sample line of `text`; panics on a line that is not `name value` with a number (a test
/// helper: such a line is a failure of the exposition under test).
pub fn samples(text: &str) -> BTreeMap<String, f64> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let (name, value) = l.rsplit_once(' ').expect("name value");
            (name.to_string(), value.parse::<f64>().expect("a number"))
        })
        .collect()
}
