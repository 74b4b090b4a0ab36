//! The stores a Node runs on, chosen by `Index`: redb in the data home (one machine, the
//! default), or a PostgreSQL database shared by several daemons (src/persist/postgres/), with
//! the files under a storage directory they all mount.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::config::{Config, IndexLocation};
use crate::error::{Error, Result};
use crate::home::Home;
use crate::jobs::engine::{EngineConfig, JobsEngine};
use crate::jobs::kind::JobKind;
use crate::metrics::Metrics;
use crate::persist::postgres::PgDatabase;
use crate::persist::redb::database::{database_lost, open_database, refuse_lost_database};
use crate::settings::Settings;
use crate::store::Store;

pub(super) enum Databases {
    Redb(Arc<redb::Database>),
    Postgres(Arc<PgDatabase>),
}

impl Databases {
    /// Opens the index `config` names. For redb, a lost index is refused (unless
    /// `allow_fresh`: `dicomq check` rebuilds it from the files).
    pub fn open(home: &Home, config: &Config, storage: &Path, allow_fresh: bool) -> Result<Self> {
        match &config.index {
            IndexLocation::Redb => {
                crate::persist::storage_identity::check_for_redb(storage, &home.database())?;
                if !allow_fresh {
                    refuse_lost_database(&home.database(), storage)?;
                } else if database_lost(&home.database(), storage) {
                    // The recovery at open deletes what `incoming/` holds that the index does
                    // not own, and a lost index owns nothing: move those files to their place
                    // first, where the check sees them (indexed if they parse, reported if not).
                    // An empty one was created ahead and never written (`StagingPool`): deleted.
                    let files = crate::store::files::FileStorage::new(storage);
                    for uuid in files.incoming().map_err(|e| Error::io(storage, e))? {
                        let at = files.locate(&uuid);
                        let settled = match std::fs::metadata(&at) {
                            Ok(m) if m.len() == 0 => files.remove(&uuid),
                            _ => files.publish(&uuid),
                        };
                        settled.map_err(|e| Error::io(at, e))?;
                    }
                }
                Ok(Databases::Redb(open_database(home)?))
            }
            IndexLocation::Postgres { url, timeout } => {
                Ok(Databases::Postgres(PgDatabase::open(url, *timeout)?))
            }
        }
    }

    /// Where the jobs' outputs and the key of consistent anonymization live: the home's for
    /// redb; on the storage directory every daemon shares for PostgreSQL (a job taken over by
    /// another daemon resumes its partial output, `jobs output` works on any daemon, and every
    /// daemon derives the same pseudonyms).
    pub fn shared_state(&self, home: &Home, storage: &Path) -> (PathBuf, PathBuf) {
        match self {
            Databases::Redb(_) => (home.outputs_dir(), home.anonymization_key()),
            Databases::Postgres(_) => {
                let shared = storage.join(crate::persist::storage_identity::SHARED_STATE);
                (shared.join("outputs"), shared.join("anonymization.key"))
            }
        }
    }

    pub fn settings(&self) -> Result<Settings> {
        match self {
            Databases::Redb(db) => Settings::open(db.clone()),
            Databases::Postgres(db) => Ok(Settings::over(Arc::new(
                crate::persist::postgres::settings_store::PgSettingsStore::new(db.clone()),
            ))),
        }
    }

    /// The store over this index, with the files under `storage`. On redb, the import
    /// journal a crash left is settled first; `journal_imports` (a daemon's) makes small
    /// imports durable by it from then on (`store/import_journal.rs`).
    pub fn store(
        &self,
        home: &Home,
        storage: std::path::PathBuf,
        metrics: Arc<Metrics>,
        journal_imports: bool,
    ) -> Result<Store> {
        match self {
            Databases::Redb(db) => Store::open_journaled(
                db.clone(),
                storage,
                metrics,
                &home.imports_journal(),
                journal_imports,
            ),
            Databases::Postgres(db) => Store::open_shared(
                crate::persist::postgres::index_store(db.clone(), &storage)?,
                storage,
                metrics,
            ),
        }
    }

    /// The jobs engine over this index's job store.
    pub fn jobs(
        &self,
        home: &Home,
        config: EngineConfig,
        kinds: Vec<Arc<dyn JobKind>>,
    ) -> Result<Arc<JobsEngine>> {
        match self {
            Databases::Redb(db) => {
                JobsEngine::open(db.clone(), &home.jobs_journal(), config, kinds)
            }
            Databases::Postgres(db) => JobsEngine::open_with(
                crate::persist::postgres::job_store(db.clone())?,
                config,
                kinds,
            ),
        }
    }
}
