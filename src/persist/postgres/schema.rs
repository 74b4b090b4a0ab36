//! The schema of a dicomq database on PostgreSQL: versioned, migrated forward only, under an
//! advisory lock so that daemons starting together migrate once; a database whose version is
//! newer than this binary knows is refused before anything is written.

use deadpool_postgres::Object;

use super::error::pg_error;
use crate::error::{Error, Result};

/// The version this binary reads and writes: the number of entries of `MIGRATIONS`.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Migration N (from version N to N+1) is `MIGRATIONS[N]`: its SQL files, run in order in one
/// transaction. Never edit one that was released; add the next.
const MIGRATIONS: &[&[&str]] = &[&[
    include_str!("schema/v1_settings.sql"),
    include_str!("schema/v1_index.sql"),
    include_str!("schema/v1_jobs.sql"),
]];

/// Key of the advisory lock held while the schema is settled ("dicomq" in ASCII).
const MIGRATION_LOCK: i64 = 0x6469_636f_6d71;

/// Creates the schema in an empty database, migrates an older one, refuses a newer one.
pub async fn settle(client: &mut Object, shown: &str) -> Result<()> {
    let fail = |e: tokio_postgres::Error| Error::Postgres {
        url: shown.to_string(),
        reason: pg_error(&e),
    };
    let tx = client.transaction().await.map_err(fail)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await
        .map_err(fail)?;
    tx.batch_execute("CREATE TABLE IF NOT EXISTS dicomq_schema (version BIGINT NOT NULL)")
        .await
        .map_err(fail)?;
    let found: Option<i64> = tx
        .query_opt("SELECT version FROM dicomq_schema", &[])
        .await
        .map_err(fail)?
        .map(|row| row.get(0));
    let from = found.unwrap_or(0);
    if from > SCHEMA_VERSION {
        return Err(Error::Postgres {
            url: shown.to_string(),
            reason: format!(
                "schema version {from} is newer than this dicomq knows ({SCHEMA_VERSION}); \
                 the database was left as it is (upgrade dicomq)"
            ),
        });
    }
    for migration in &MIGRATIONS[from as usize..] {
        for sql in *migration {
            tx.batch_execute(sql).await.map_err(fail)?;
        }
    }
    if found.is_none() {
        tx.execute(
            "INSERT INTO dicomq_schema (version) VALUES ($1)",
            &[&SCHEMA_VERSION],
        )
        .await
        .map_err(fail)?;
    } else if from < SCHEMA_VERSION {
        tx.execute("UPDATE dicomq_schema SET version = $1", &[&SCHEMA_VERSION])
            .await
            .map_err(fail)?;
    }
    tx.commit().await.map_err(fail)
}
