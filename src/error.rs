//! The library's error type, what a user needs to act on it, and its exit code.
//!
//! Every error carries the input it is about (a path, an ID, a config key) and, where it helps,
//! a hint. `kind()` maps it to the exit-code table of DESIGN.md; the same kind travels over the
//! daemon socket so a remote error exits with the same code as a local one.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// What class of failure an error is: decides the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ErrorKind {
    /// Bad input, not found, illegal transition, job failed: exit 1.
    Failed,
    /// The daemon or the store cannot be used: exit 3.
    Unavailable,
}

impl ErrorKind {
    pub fn exit_code(self) -> i32 {
        match self {
            ErrorKind::Failed => 1,
            ErrorKind::Unavailable => 3,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("config {path}: {reason}")]
    Config { path: PathBuf, reason: String },
    #[error("data home {path} is not usable: {reason}")]
    Home { path: PathBuf, reason: String },
    #[error("database {path}: {reason}")]
    Database { path: PathBuf, reason: String },
    #[error("database is busy: {0}")]
    Busy(String),
    #[error("another dicomq daemon is already running on {}", .0.display())]
    DaemonRunning(PathBuf),
    #[error("no {what} matches '{id}'")]
    NotFound { what: &'static str, id: String },
    #[error("ID prefix '{prefix}' is ambiguous: it matches {}", .candidates.join(", "))]
    Ambiguous {
        prefix: String,
        candidates: Vec<String>,
    },
    #[error("ID prefix '{0}' is too short")]
    PrefixTooShort(String),
    #[error("{0}")]
    Invalid(String),
    #[error("{message}")]
    Remote {
        kind: ErrorKind,
        message: String,
        hint: Option<String>,
    },
    #[error("internal error: {0}")]
    Internal(String),
    /// The commit holding a job state change failed: nothing of that change was saved, and every
    /// change that shared the commit gets this error too.
    #[error("job change not saved: {0}")]
    NotSaved(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Home { .. }
            | Error::Database { .. }
            | Error::Busy(_)
            | Error::NotSaved(_)
            | Error::DaemonRunning(_) => ErrorKind::Unavailable,
            Error::Remote { kind, .. } => *kind,
            _ => ErrorKind::Failed,
        }
    }

    pub fn hint(&self) -> Option<String> {
        match self {
            Error::Ambiguous { .. } => Some("give more characters of the ID".into()),
            Error::PrefixTooShort(_) => Some("an ID prefix needs at least 8 characters".into()),
            Error::Remote { hint, .. } => hint.clone(),
            Error::DaemonRunning(_) => {
                Some("use that daemon, or stop it first (SIGTERM, or systemctl stop dicomq)".into())
            }
            Error::NotSaved(_) => Some(
                "nothing was changed; check the disk (free space, errors) and try again".into(),
            ),
            Error::Busy(_) => Some(
                "another dicomq process holds the database; wait for it or raise --lock-timeout"
                    .into(),
            ),
            _ => None,
        }
    }
}

impl From<redb::Error> for Error {
    fn from(e: redb::Error) -> Self {
        Error::Internal(format!("database: {e}"))
    }
}

macro_rules! from_redb {
    ($($t:ty),*) => {$(
        impl From<$t> for Error {
            fn from(e: $t) -> Self {
                Error::from(redb::Error::from(e))
            }
        }
    )*};
}
from_redb!(
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError,
    redb::DatabaseError
);
