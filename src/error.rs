//! The library's error type, what a user needs to act on it, and its exit code.
//!
//! Every error carries the input it is about (a path, an ID, a config key) and, where it helps,
//! a hint. `kind()` maps it to an exit code (1: the input or the operation failed, 3: the daemon
//! or the store cannot be used; 2 is clap's usage error); the same kind travels over the daemon
//! socket so a remote error exits with the same code as a local one.

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
    /// The PostgreSQL index (`Index` = a URL) cannot be used: unreachable, refused, too new.
    #[error("PostgreSQL {url}: {reason}")]
    Postgres { url: String, reason: String },
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
    /// The disk is full. `home` is filled in by whoever knows the data home (`in_home`).
    #[error("no space left on device{}: {what}", home_suffix(.home.as_deref()))]
    DiskFull { home: Option<PathBuf>, what: String },
    /// `index.redb` is missing or empty while the storage holds files: opening it would start
    /// an empty store and orphan them.
    #[error(
        "database {} is missing or empty, but {} holds stored files; refusing to start an empty store over them",
        .path.display(),
        .storage.display()
    )]
    DatabaseLost { path: PathBuf, storage: PathBuf },
    /// `index.redb` was written by a newer dicomq (src/persist/redb/database.rs).
    #[error(
        "database {}: schema version {found} is newer than this dicomq knows ({known}); the file was left as it is",
        .path.display()
    )]
    DatabaseTooNew {
        path: PathBuf,
        found: u64,
        known: u64,
    },
    /// `dicomq check` found problems (or `--repair` left some it cannot fix).
    #[error(
        "{problems} problem(s) {}",
        if *.repaired { "remain after the repair" } else { "found in the store" }
    )]
    CheckFailed { problems: usize, repaired: bool },
    /// A database write failed with an I/O error: redb refuses every later use of that handle,
    /// so the process must reopen the database (the daemon stops so that it is restarted).
    #[error("database write failed: {0}")]
    DatabaseIo(String),
}

fn home_suffix(home: Option<&std::path::Path>) -> String {
    home.map(|h| format!(" in data home {}", h.display()))
        .unwrap_or_default()
}

/// Whether an I/O error means the disk is full.
pub fn is_disk_full(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::StorageFull || e.raw_os_error() == Some(libc::ENOSPC)
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        let path = path.into();
        if is_disk_full(&source) {
            return Error::DiskFull {
                home: None,
                what: format!("cannot write {}", path.display()),
            };
        }
        Error::Io { path, source }
    }

    /// Names the data home in a disk-full error that does not name it yet.
    pub fn in_home(self, home: &std::path::Path) -> Self {
        match self {
            Error::DiskFull { home: None, what } => Error::DiskFull {
                home: Some(home.to_path_buf()),
                what,
            },
            other => other,
        }
    }

    /// Whether this error came from a database handle that redb now refuses to use (a failed
    /// write): retrying on it can only fail again.
    pub fn poisons_database(&self) -> bool {
        matches!(self, Error::DatabaseIo(_))
            || matches!(self, Error::DiskFull { what, .. } if what == DATABASE_FULL)
    }

    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Home { .. }
            | Error::Database { .. }
            | Error::Postgres { .. }
            | Error::Busy(_)
            | Error::NotSaved(_)
            | Error::DatabaseIo(_)
            | Error::DatabaseLost { .. }
            | Error::DatabaseTooNew { .. }
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
            Error::DiskFull { .. } => Some(
                "free space on that disk (`dicomq rm` can delete resources even on a full disk), then try again"
                    .into(),
            ),
            Error::DatabaseLost { .. } => Some(
                "restore the database from a backup, or rebuild the index from the stored files with `dicomq check --repair`"
                    .into(),
            ),
            Error::DatabaseTooNew { .. } => Some(
                "use the dicomq version that wrote this database (or a newer one)".into(),
            ),
            Error::CheckFailed { repaired: false, .. } => Some(
                "`dicomq check --repair` indexes files without rows and drops rows without files"
                    .into(),
            ),
            Error::CheckFailed { repaired: true, .. } => Some(
                "--repair leaves unreadable and duplicate files in place: inspect them, then move them away"
                    .into(),
            ),
            Error::DatabaseIo(_) => Some(
                "check the disk (free space, errors), then run `dicomq check`".into(),
            ),
            Error::Busy(_) => Some(
                "another dicomq process holds the database; wait for it or raise --lock-timeout"
                    .into(),
            ),
            _ => None,
        }
    }
}

/// What a disk-full error of the database says (also how `poisons_database` knows it).
pub(crate) const DATABASE_FULL: &str = "the database could not be written";
