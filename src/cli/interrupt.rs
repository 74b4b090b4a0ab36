//! Ctrl-C for the commands that refresh a view (`jobs ls --watch`, `jobs wait` through the
//! daemon): the handler only sets a flag; the loop sees it, leaves the screen tidy and the
//! process exits 130, as a shell reports a SIGINT.

use std::sync::atomic::{AtomicBool, Ordering};

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_sigint(_: libc::c_int) {
    // Async-signal-safe: one atomic store.
    INTERRUPTED.store(true, Ordering::SeqCst);
}

/// From now on Ctrl-C sets the flag instead of killing the process.
pub fn catch() {
    let handler: extern "C" fn(libc::c_int) = on_sigint;
    // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
    unsafe {
        libc::signal(libc::SIGINT, handler as libc::sighandler_t);
    }
}

pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// Ends the process as Ctrl-C does, exit 130 (the view was left tidy by the caller; nothing
/// is half-written: these commands only read).
pub fn exit() -> ! {
    std::process::exit(130)
}
