//! How redb's errors become dicomq's: a full disk is named, an I/O error poisons the handle
//! (redb refuses every later use of it), anything else is internal.

use crate::error::{DATABASE_FULL, Error, is_disk_full};

impl From<redb::Error> for Error {
    fn from(e: redb::Error) -> Self {
        match e {
            redb::Error::Io(io) if is_disk_full(&io) => Error::DiskFull {
                home: None,
                what: DATABASE_FULL.into(),
            },
            redb::Error::Io(io) => Error::DatabaseIo(io.to_string()),
            redb::Error::PreviousIo => {
                Error::DatabaseIo("an earlier write failed; the database must be reopened".into())
            }
            e => Error::Internal(format!("database: {e}")),
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_io_errors_are_told_apart_and_a_full_disk_is_named() {
        let enospc = std::io::Error::from_raw_os_error(libc::ENOSPC);
        let full = Error::from(redb::Error::Io(enospc));
        assert!(full.poisons_database());
        assert_eq!(full.kind().exit_code(), 1);
        let named = full.in_home(std::path::Path::new("/data/dicomq"));
        assert_eq!(
            named.to_string(),
            "no space left on device in data home /data/dicomq: the database could not be written"
        );
        assert!(named.hint().is_some_and(|h| h.contains("rm")));
        let previous = Error::from(redb::Error::PreviousIo);
        assert!(previous.poisons_database());
        assert_eq!(previous.kind().exit_code(), 3);
        let eio = Error::from(redb::Error::Io(std::io::Error::from_raw_os_error(
            libc::EIO,
        )));
        assert!(matches!(eio, Error::DatabaseIo(_)));
        // A full disk while writing a file is named, but leaves the database usable.
        let file = Error::io("/x/y", std::io::Error::from_raw_os_error(libc::ENOSPC));
        assert!(matches!(file, Error::DiskFull { .. }) && !file.poisons_database());
        assert!(!Error::Internal("x".into()).poisons_database());
    }
}
