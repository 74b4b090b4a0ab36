//! Opening `HOME/index.redb`, and its schema version.
//!
//! The version lives in a small `meta` table. A database without that table was written before
//! versions existed: if it holds tables it is version 1, the layout this binary still uses, and
//! it is opened unchanged (the version is stamped); a new, empty database is created at
//! `SCHEMA_VERSION`. A database whose version is newer than this binary knows is refused before
//! anything is written to it (it is first read through redb's read-only handle, which writes
//! nothing), so that an older dicomq never misreads or rewrites a newer layout.

use std::path::Path;
use std::sync::Arc;

use redb::{Database, ReadOnlyDatabase, ReadableDatabase, TableDefinition, TableError};

use crate::error::{Error, Result};
use crate::home::Home;

/// The layout this binary reads and writes. Raise it (and add a migration from the previous
/// one in `migrate`) whenever a table or a record encoding changes incompatibly.
pub const SCHEMA_VERSION: u64 = 1;

/// Databases written before the `meta` table existed.
const UNVERSIONED: u64 = 1;

/// The schema version, and the import journal's marks (`index_store.rs`).
pub(super) const META: TableDefinition<&str, u64> = TableDefinition::new("meta");
const VERSION_KEY: &str = "schema_version";

/// Opens `index.redb`; a database held by another process is `Error::Busy`, an unreadable one
/// or one of a newer schema is refused without being touched.
pub fn open_database(home: &Home) -> Result<Arc<Database>> {
    let path = home.database();
    let refuse = |reason: String| Error::Database {
        path: path.clone(),
        reason,
    };
    let existing = std::fs::metadata(&path).is_ok_and(|meta| meta.len() > 0);
    if existing {
        // redb would initialise an empty file; only a real redb file is opened.
        if !looks_like_redb(&path) {
            return Err(refuse(
                "not a dicomq database (not a redb file); refusing to touch it".into(),
            ));
        }
        check_version_read_only(&path)?;
    }
    let db = match Database::create(&path) {
        Ok(db) => db,
        Err(redb::DatabaseError::DatabaseAlreadyOpen) => return Err(busy(&path)),
        Err(e) => {
            return Err(refuse(format!(
                "cannot open: {e}; the file was left as it is"
            )));
        }
    };
    settle_version(&db, &path)?;
    Ok(Arc::new(db))
}

fn busy(path: &Path) -> Error {
    Error::Busy(format!("{} is held by another process", path.display()))
}

/// Refuses a database of a newer schema before it is opened for writing. A database that was
/// not closed cleanly cannot be read this way (redb must repair it first): its version is then
/// checked right after the writable open, before any table is written.
fn check_version_read_only(path: &Path) -> Result<()> {
    let db = match ReadOnlyDatabase::open(path) {
        Ok(db) => db,
        Err(redb::DatabaseError::DatabaseAlreadyOpen) => return Err(busy(path)),
        Err(_) => return Ok(()),
    };
    match stored_version(&db) {
        Ok(Some(found)) => refuse_newer(path, found),
        // Unreadable here: the writable open reports it.
        Ok(None) | Err(_) => Ok(()),
    }
}

/// The stamped version, `None` when the database has no `meta` table.
fn stored_version(db: &impl ReadableDatabase) -> Result<Option<u64>> {
    let tx = db.begin_read()?;
    let meta = match tx.open_table(META) {
        Ok(t) => t,
        Err(TableError::TableDoesNotExist(_)) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let found = meta.get(VERSION_KEY)?.map(|v| v.value());
    Ok(found)
}

fn refuse_newer(path: &Path, found: u64) -> Result<()> {
    if found > SCHEMA_VERSION {
        return Err(Error::DatabaseTooNew {
            path: path.to_path_buf(),
            found,
            known: SCHEMA_VERSION,
        });
    }
    Ok(())
}

/// Brings an opened database to `SCHEMA_VERSION`: stamps an unversioned one, migrates an older
/// one, refuses a newer one. A database already at the version is not written to.
fn settle_version(db: &Database, path: &Path) -> Result<()> {
    let found = match stored_version(db)? {
        Some(v) => v,
        None => {
            let tx = db.begin_read()?;
            let has_tables =
                tx.list_tables()?.next().is_some() || tx.list_multimap_tables()?.next().is_some();
            let version = if has_tables {
                UNVERSIONED
            } else {
                SCHEMA_VERSION
            };
            drop(tx);
            stamp(db, version)?;
            version
        }
    };
    refuse_newer(path, found)?;
    if found < SCHEMA_VERSION {
        migrate(db, path, found)?;
    }
    Ok(())
}

/// Upgrades the layout from `from` to `SCHEMA_VERSION`, one committed step per version. There
/// is no older layout yet: version 1 is the first.
fn migrate(_db: &Database, path: &Path, from: u64) -> Result<()> {
    Err(Error::Database {
        path: path.to_path_buf(),
        reason: format!(
            "schema version {from} is unknown (this dicomq reads version {SCHEMA_VERSION}); the file was left as it is"
        ),
    })
}

/// Records the version. Not made durable on its own (a sync would cost every new home a few
/// milliseconds): the opens that follow commit durably, which persists it, and a stamp lost in a
/// crash is derived again at the next open, as the first time.
fn stamp(db: &Database, version: u64) -> Result<()> {
    let mut tx = db.begin_write()?;
    tx.set_durability(redb::Durability::None)
        .map_err(|e| Error::Internal(format!("schema version: {e}")))?;
    tx.open_table(META)?.insert(VERSION_KEY, version)?;
    tx.commit()?;
    Ok(())
}

/// A missing or empty database beside a storage that holds files is refused: opening it would
/// silently start an empty store and orphan every stored file (`dicomq check --repair` rebuilds
/// the index instead).
pub fn refuse_lost_database(db: &Path, storage: &Path) -> Result<()> {
    if database_lost(db, storage) {
        return Err(Error::DatabaseLost {
            path: db.to_path_buf(),
            storage: storage.to_path_buf(),
        });
    }
    Ok(())
}

/// Whether the database is missing or empty while `storage` holds files.
pub fn database_lost(db: &Path, storage: &Path) -> bool {
    let empty = match std::fs::metadata(db) {
        Ok(meta) => meta.len() == 0,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => true,
        Err(_) => false, // `open_database` reports it
    };
    empty && crate::store::check::holds_files(storage)
}

/// redb files start with this magic number.
pub fn looks_like_redb(path: &Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 9];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .map(|()| &head == b"redb\x1A\x0A\xA9\x0D\x0A")
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version_of(path: &Path) -> Option<u64> {
        let db = Database::create(path).expect("db");
        stored_version(&db).expect("read")
    }

    #[test]
    fn a_new_database_is_created_at_the_current_version() {
        let dir = tempfile::tempdir().expect("tempdir");
        let home = Home::at(dir.path());
        drop(open_database(&home).expect("open"));
        assert_eq!(version_of(&home.database()), Some(SCHEMA_VERSION));
    }

    #[test]
    fn an_unversioned_database_with_tables_is_version_1_and_keeps_its_rows() {
        let dir = tempfile::tempdir().expect("tempdir");
        let home = Home::at(dir.path());
        const T: TableDefinition<&str, &str> = TableDefinition::new("store_patients");
        {
            let db = Database::create(home.database()).expect("db");
            let tx = db.begin_write().expect("tx");
            tx.open_table(T)
                .expect("t")
                .insert("p", "row")
                .expect("insert");
            tx.commit().expect("commit");
        }
        let db = open_database(&home).expect("open");
        let tx = db.begin_read().expect("tx");
        let t = tx.open_table(T).expect("table");
        assert_eq!(
            t.get("p")
                .expect("get")
                .map(|v| v.value().to_string())
                .as_deref(),
            Some("row")
        );
        drop((t, tx, db));
        assert_eq!(version_of(&home.database()), Some(UNVERSIONED));
    }

    #[test]
    fn a_newer_database_is_refused_untouched() {
        let dir = tempfile::tempdir().expect("tempdir");
        let home = Home::at(dir.path());
        {
            let db = Database::create(home.database()).expect("db");
            stamp(&db, SCHEMA_VERSION + 1).expect("stamp");
        }
        let before = std::fs::read(home.database()).expect("read");
        match open_database(&home) {
            Err(Error::DatabaseTooNew { path, found, known }) => {
                assert_eq!(path, home.database());
                assert_eq!((found, known), (SCHEMA_VERSION + 1, SCHEMA_VERSION));
            }
            Err(other) => panic!("expected a refusal, got {other:?}"),
            Ok(_) => panic!("expected a refusal"),
        }
        assert_eq!(std::fs::read(home.database()).expect("read"), before);
    }
}
