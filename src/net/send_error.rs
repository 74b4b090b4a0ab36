//! How a send to a modality or a peer failed, and whether it is worth trying again: the one
//! thing a send job's retry policy turns on.

use std::fmt;

/// Why an operation failed, and whether it is worth trying again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendError {
    /// The remote is unreachable, slow, busy or went away: the association is gone; try again
    /// later.
    Transient(String),
    /// The remote refused the association (unknown AET, nothing acceptable) or the TLS
    /// handshake (a certificate not trusted, either way): the same request will be refused
    /// again.
    Permanent(String),
    /// This instance cannot be stored (SOP class or transfer syntax refused, failure status);
    /// the association is still usable for the next one.
    Instance(String),
}

impl SendError {
    pub fn message(&self) -> &str {
        match self {
            SendError::Transient(m) | SendError::Permanent(m) | SendError::Instance(m) => m,
        }
    }
}

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}
