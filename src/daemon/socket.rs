//! The daemon's socket: refusing a live daemon, replacing a stale socket, binding with mode
//! 0600, and refusing peers of another user.

use std::io::ErrorKind;
use std::os::unix::fs::FileTypeExt;
use std::os::unix::net::UnixStream;
use std::path::Path;

use crate::error::{Error, Result};

/// Makes `path` free for a new daemon: a live daemon there is an error, a stale socket is
/// removed, anything that is not a socket is left alone and refused.
pub fn prepare(path: &Path) -> Result<()> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::io(path, e)),
    };
    if !meta.file_type().is_socket() {
        return Err(Error::Home {
            path: path.to_path_buf(),
            reason: "exists and is not a socket; remove it if it is not needed".into(),
        });
    }
    match UnixStream::connect(path) {
        Ok(_) => Err(Error::DaemonRunning(path.to_path_buf())),
        Err(_) => {
            tracing::info!("replacing the stale socket {}", path.display());
            std::fs::remove_file(path).map_err(|e| Error::io(path, e))
        }
    }
}

/// Binds the listening socket so that it is never accessible to others, even briefly.
pub fn bind(path: &Path) -> Result<std::os::unix::net::UnixListener> {
    // SAFETY: umask only changes this process's file-creation mask.
    let old = unsafe { libc::umask(0o177) };
    let bound = std::os::unix::net::UnixListener::bind(path);
    // SAFETY: as above, restoring the previous mask.
    unsafe { libc::umask(old) };
    let listener = bound.map_err(|e| Error::io(path, e))?;
    crate::home::make_private(path)?;
    Ok(listener)
}

/// A peer may talk to the daemon if it runs as the same user, or as root.
pub fn peer_allowed(peer_uid: u32) -> bool {
    // SAFETY: geteuid has no preconditions.
    let me = unsafe { libc::geteuid() };
    peer_uid == me || peer_uid == 0
}
