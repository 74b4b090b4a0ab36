//! Allocator settings for the long-lived daemon.
//!
//! glibc returns freed heap memory to the kernel as soon as the top of an arena exceeds a
//! threshold it adapts to the largest freed block, and serves blocks over 128 KiB with fresh
//! mappings. A create-dicom request allocates a few buffers of the image's size (the body,
//! the decoded pixels, the encoded file): each request then page-faults them in again and
//! gives them back: about 1 ms of the 3.6 ms a 512×512 RGB PNG took through the daemon here,
//! and 10 MB PDFs paid the same on each of their buffers. Fixed thresholds keep blocks up to
//! 32 MiB (glibc's largest) in the arenas and up to 64 MiB free at the top of each, so a busy
//! daemon reuses warm memory. The price: after large requests an idle daemon keeps what they
//! used (about 55 MB after 10 MB PDFs, against 8 MB fresh).

/// Blocks up to this size come from the arenas instead of their own mappings.
const MMAP_THRESHOLD: i32 = 32 << 20;
/// Free memory kept at the top of an arena before it is returned to the kernel.
const TRIM_THRESHOLD: i32 = 64 << 20;

pub fn keep_warm() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes the allocator's parameters; called once, at start, before
    // the daemon's threads allocate.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD);
        libc::mallopt(libc::M_TRIM_THRESHOLD, TRIM_THRESHOLD);
    }
}
