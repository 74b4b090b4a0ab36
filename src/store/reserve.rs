//! A reserve of disk space next to the database, so that `rm` can free a full disk.
//!
//! Every redb commit needs free pages, so on a 100 % full disk even a removal cannot be
//! committed, and the first failed write leaves the database handle unusable. dicomq therefore
//! keeps a file of `DEFAULT_BYTES` allocated beside `index.redb`. Only a removal may release it,
//! and only when the disk has less free space than the reserve: its commit then has room, and
//! the files it deletes give the space back, after which the reserve is taken again.

use std::fs::{self, File};
use std::io;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

/// A wide margin: removing a patient from a full disk holding an index of a few hundred
/// instances needed less than 256 KiB of free space (measured on a tmpfs).
pub const DEFAULT_BYTES: u64 = 8 << 20;

#[derive(Debug, Clone)]
pub struct SpaceReserve {
    path: PathBuf,
    bytes: u64,
}

impl SpaceReserve {
    pub fn new(path: impl Into<PathBuf>, bytes: u64) -> Self {
        SpaceReserve {
            path: path.into(),
            bytes,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Takes the reserve if it is missing and the disk has room for it and as much again
    /// (a reserve is never what fills a disk). Best effort: a home without one still works.
    pub fn ensure(&self) {
        if self.path.exists() {
            return;
        }
        let room = self.available().unwrap_or(0);
        if room < self.bytes.saturating_mul(2) {
            return;
        }
        if let Err(e) = self.allocate() {
            tracing::debug!(
                "cannot keep a space reserve at {}: {e}",
                self.path.display()
            );
            let _ = fs::remove_file(&self.path);
        }
    }

    /// Deletes the reserve when the disk has less free space than it holds; returns whether
    /// it did (the caller then takes it again with `ensure` once it has freed space).
    pub fn release_if_low(&self) -> bool {
        if !self.path.exists() || self.available().unwrap_or(0) >= self.bytes {
            return false;
        }
        match fs::remove_file(&self.path) {
            Ok(()) => {
                tracing::info!("disk nearly full: released the space reserve to remove");
                true
            }
            Err(e) => {
                tracing::warn!("cannot release {}: {e}", self.path.display());
                false
            }
        }
    }

    /// Allocates real blocks (a sparse file would reserve nothing).
    fn allocate(&self) -> io::Result<()> {
        let file = File::create(&self.path)?;
        let len = libc::off_t::try_from(self.bytes).map_err(io::Error::other)?;
        // SAFETY: the descriptor stays open (`file`) for the duration of the call.
        let rc = unsafe { libc::posix_fallocate(file.as_raw_fd(), 0, len) };
        if rc != 0 {
            return Err(io::Error::from_raw_os_error(rc));
        }
        file.sync_all()
    }

    /// Bytes an unprivileged writer may still use on the reserve's file system.
    fn available(&self) -> Option<u64> {
        available_bytes(self.path.parent()?)
    }
}

/// `statvfs(2)`: the bytes available to unprivileged users on the file system of `dir`.
pub fn available_bytes(dir: &Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    let mut st = std::mem::MaybeUninit::<libc::statvfs>::uninit();
    // SAFETY: `c` is a valid C string and `st` a writable statvfs for the call.
    let rc = unsafe { libc::statvfs(c.as_ptr(), st.as_mut_ptr()) };
    if rc != 0 {
        return None;
    }
    // SAFETY: statvfs succeeded, so it filled `st`.
    let st = unsafe { st.assume_init() };
    // `fsblkcnt_t` and `c_ulong` are u32 on some targets.
    #[allow(clippy::useless_conversion)]
    let bytes = u64::from(st.f_bavail).saturating_mul(u64::from(st.f_frsize));
    Some(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reserve_is_taken_with_room_and_kept_when_space_is_plenty() {
        let dir = tempfile::tempdir().expect("tempdir");
        let reserve = SpaceReserve::new(dir.path().join("r"), 64 << 10);
        reserve.ensure();
        let meta = fs::metadata(reserve.path()).expect("taken");
        assert_eq!(meta.len(), 64 << 10);
        use std::os::unix::fs::MetadataExt;
        assert!(meta.blocks() * 512 >= 64 << 10, "blocks are allocated");
        assert!(!reserve.release_if_low(), "plenty of room: kept");
        assert!(reserve.path().exists());
    }

    #[test]
    fn a_reserve_larger_than_the_free_space_is_not_taken() {
        let dir = tempfile::tempdir().expect("tempdir");
        let reserve = SpaceReserve::new(dir.path().join("r"), u64::MAX / 4);
        reserve.ensure();
        assert!(!reserve.path().exists());
    }
}
