//! Third-party code run on hostile bytes (image decoders): a panic in it becomes an error of
//! the caller's, and prints nothing. Any other panic still goes to the hook that was installed
//! before (the default one, or a fuzzer's, which aborts).

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Once;

thread_local! {
    /// Set while this thread runs contained code: its panics are expected and silent.
    static CONTAINED: Cell<bool> = const { Cell::new(false) };
}

static WRAP_HOOK: Once = Once::new();

/// Runs `f`; `None` when it panicked.
pub fn contain<T>(f: impl FnOnce() -> T) -> Option<T> {
    WRAP_HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !CONTAINED.with(Cell::get) {
                previous(info);
            }
        }));
    });
    let was = CONTAINED.with(|c| c.replace(true));
    let result = catch_unwind(AssertUnwindSafe(f));
    CONTAINED.with(|c| c.set(was));
    result.ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_inside_is_none_and_a_value_passes() {
        assert_eq!(contain(|| 7), Some(7));
        let r: Option<u8> = contain(|| {
            let v: Vec<u8> = Vec::new();
            v[3]
        });
        assert_eq!(r, None);
        // The flag is cleared afterwards: a panic outside is not contained.
        assert!(!CONTAINED.with(Cell::get));
        assert!(catch_unwind(|| panic!("outside")).is_err());
    }
}
