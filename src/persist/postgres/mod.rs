//! The PostgreSQL backend of the persistence traits (`Index` = a PostgreSQL URL): several
//! daemons share one job queue, one resource index, the settings and the changes log; the files
//! live under a storage directory every daemon mounts. `database.rs` holds the pool and the
//! runtime the synchronous traits block on, `schema.rs` the versioned schema (the SQL in
//! `schema/`), one file per trait beside them.

pub mod database;
pub mod error;
pub mod index_store;
pub mod job_store;
mod pipelined;
pub mod schema;
pub mod settings_store;
#[cfg(test)]
pub mod test_server;

pub use database::PgDatabase;

use std::path::Path;
use std::sync::Arc;

use crate::error::Result;
use crate::persist::index_store::IndexStore;
use crate::persist::job_store::JobStore;

/// The resource index on `db`, for files under `storage` (shared by every daemon): the
/// storage directory is claimed for this database, or refused when another index has it.
pub fn index_store(db: Arc<PgDatabase>, storage: &Path) -> Result<Arc<dyn IndexStore>> {
    let index = index_store::PgIndexStore::new(db.clone());
    let indexed = index.statistics()?.instances;
    crate::persist::storage_identity::claim_for_postgres(
        storage,
        &index.identity()?,
        indexed,
        db.shown(),
    )?;
    Ok(Arc::new(index))
}

/// The job store on `db`, shared by every daemon.
pub fn job_store(db: Arc<PgDatabase>) -> Result<Arc<dyn JobStore>> {
    Ok(Arc::new(job_store::PgJobStore::new(db)))
}
