//! Which index a storage directory belongs to. A PostgreSQL index writes its identity into the
//! storage directory it opens (`dicomq-storage-id`, "postgres <uuid>") the first time, and every
//! later open compares it: two daemons that share a storage directory but not a database would
//! each delete the files the other's index owns (the recovery at open deletes files its index
//! does not own), so they are refused. A redb home writes nothing (its storage is its own by
//! default) but refuses a storage directory a PostgreSQL index claimed.

use std::fs;
use std::io::{Read, Write};
use std::path::Path;

use crate::error::{Error, Result};

/// The file, at the root of the storage directory.
pub const FILE: &str = "dicomq-storage-id";

/// With a PostgreSQL index, what every daemon must see besides the DICOM files (the jobs'
/// outputs, the key of consistent anonymization) lives in this directory at the root of the
/// shared storage directory, not in one daemon's home; `dicomq check` passes over it.
pub const SHARED_STATE: &str = ".dicomq";

/// Claims `storage` for the PostgreSQL database of `identity` (`shown`: its URL, for
/// messages), which indexes `indexed` instances: writes the file when the directory holds
/// nothing yet, refuses a directory claimed by another database or holding files of an index
/// that never claimed it, and an unclaimed directory when the database already indexes
/// instances (their files are in the directory the other daemons share, not here: a daemon
/// left with its home's default storage).
pub fn claim_for_postgres(storage: &Path, identity: &str, indexed: u64, shown: &str) -> Result<()> {
    let ours = format!("postgres {identity}");
    let refuse = |reason: String| Error::Postgres {
        url: shown.to_string(),
        reason,
    };
    let path = storage.join(FILE);
    match read(&path)? {
        Some(found) if found == ours => return Ok(()),
        Some(found) => {
            return Err(refuse(format!(
                "storage directory {} belongs to another index ({found} in {}); each \
                 database needs a storage directory of its own",
                storage.display(),
                path.display()
            )));
        }
        None if indexed > 0 => {
            return Err(refuse(format!(
                "the database indexes {indexed} instances, but storage directory {} is not \
                 where their files are (it has no {FILE}); set StorageDirectory to the \
                 directory every daemon of this database mounts",
                storage.display()
            )));
        }
        None => {}
    }
    fs::create_dir_all(storage).map_err(|e| Error::io(storage, e))?;
    if holds_other_files(storage)? {
        return Err(refuse(format!(
            "storage directory {} already holds files but no {FILE}: it belongs to another \
             index (a redb data home?); give this database a storage directory of its own",
            storage.display()
        )));
    }
    // Written aside, then linked into place: the link fails if another daemon claimed the
    // directory meanwhile, and then its claim is compared like any other.
    let temp = storage.join(format!(".{FILE}.{}.tmp", uuid::Uuid::new_v4().simple()));
    let written = (|| {
        let mut f = fs::File::create(&temp)?;
        f.write_all(format!("{ours}\n").as_bytes())?;
        f.sync_all()?;
        match fs::hard_link(&temp, &path) {
            Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => Err(e),
            _ => fs::File::open(storage)?.sync_all(),
        }
    })();
    let _ = fs::remove_file(&temp);
    written.map_err(|e| Error::io(&path, e))?;
    claim_for_postgres_written(storage, &ours, shown)
}

/// After a claim was written (by us or by a daemon that raced us): it must be ours.
fn claim_for_postgres_written(storage: &Path, ours: &str, shown: &str) -> Result<()> {
    let path = storage.join(FILE);
    match read(&path)? {
        Some(found) if found == ours => Ok(()),
        found => Err(Error::Postgres {
            url: shown.to_string(),
            reason: format!(
                "storage directory {} was claimed by another index meanwhile ({})",
                storage.display(),
                found.unwrap_or_default()
            ),
        }),
    }
}

/// Refuses, for the redb index `database`, a storage directory a PostgreSQL index claimed.
pub fn check_for_redb(storage: &Path, database: &Path) -> Result<()> {
    let path = storage.join(FILE);
    match read(&path)? {
        Some(found) => Err(Error::Database {
            path: database.to_path_buf(),
            reason: format!(
                "storage directory {} belongs to another index ({found} in {}); a redb \
                 data home needs a storage directory of its own",
                storage.display(),
                path.display()
            ),
        }),
        None => Ok(()),
    }
}

/// The claim in `path`, trimmed; `None` when there is none. At most `MAX_CLAIM` bytes are
/// read: a larger file is no claim of ours.
fn read(path: &Path) -> Result<Option<String>> {
    const MAX_CLAIM: u64 = 4096;
    let file = match fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(path, e)),
    };
    let mut bytes = Vec::new();
    file.take(MAX_CLAIM + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(path, e))?;
    if bytes.len() as u64 > MAX_CLAIM {
        return Err(Error::io(
            path,
            std::io::Error::other("too large for a storage identity"),
        ));
    }
    Ok(Some(String::from_utf8_lossy(&bytes).trim().to_string()))
}

/// Whether `storage` holds anything but an empty `incoming/` and claims being written.
fn holds_other_files(storage: &Path) -> Result<bool> {
    for entry in fs::read_dir(storage).map_err(|e| Error::io(storage, e))? {
        let entry = entry.map_err(|e| Error::io(storage, e))?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(&format!(".{FILE}.")) {
            continue;
        }
        if name == "incoming" && !crate::store::check::holds_files(&entry.path()) {
            continue;
        }
        return Ok(true);
    }
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_storage_directory_serves_one_index() {
        let dir = tempfile::tempdir().expect("tempdir");
        let storage = dir.path().join("storage");
        claim_for_postgres(&storage, "aaa", 0, "db-a").expect("first claim");
        claim_for_postgres(&storage, "aaa", 0, "db-a").expect("the same database again");
        let other = claim_for_postgres(&storage, "bbb", 0, "db-b").expect_err("another database");
        assert!(
            other.to_string().contains("belongs to another index"),
            "{other}"
        );
        assert_eq!(other.kind().exit_code(), 3);
        let redb = check_for_redb(&storage, &dir.path().join("index.redb")).expect_err("redb");
        assert!(redb.to_string().contains("postgres aaa"), "{redb}");
        assert_eq!(redb.kind().exit_code(), 3);

        // A storage directory with files and no claim (a redb home's) is not taken over.
        let used = dir.path().join("used");
        fs::create_dir_all(used.join("ab/cd")).expect("mkdir");
        fs::write(used.join("ab/cd/file"), b"x").expect("write");
        check_for_redb(&used, &dir.path().join("index.redb")).expect("redb's own");
        let taken = claim_for_postgres(&used, "aaa", 0, "db-a").expect_err("files without a claim");
        assert!(taken.to_string().contains("already holds files"), "{taken}");
        assert!(!used.join(FILE).exists());

        // An empty `incoming/` is nothing.
        let fresh = dir.path().join("fresh");
        fs::create_dir_all(fresh.join("incoming")).expect("mkdir");
        claim_for_postgres(&fresh, "ccc", 0, "db-c").expect("empty");

        // A database that already indexes instances is not given a new, empty directory.
        let elsewhere = dir.path().join("elsewhere");
        let e = claim_for_postgres(&elsewhere, "aaa", 3, "db-a").expect_err("empty, not ours");
        assert!(e.to_string().contains("set StorageDirectory"), "{e}");
        assert_eq!(e.kind().exit_code(), 3);
        assert!(!elsewhere.join(FILE).exists());
        claim_for_postgres(&storage, "aaa", 3, "db-a").expect("its own directory");
    }
}
