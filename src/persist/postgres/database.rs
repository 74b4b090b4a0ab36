//! A PostgreSQL database shared by several daemons: a connection pool on a small tokio runtime
//! of its own, and the schema, created and migrated when a daemon opens it.
//!
//! The persistence traits are synchronous and are called from blocking threads (the daemon's
//! handlers run Node calls on `spawn_blocking`, the engine's workers are threads), so each call
//! blocks on this runtime (`block_on`). A lost connection is dropped by the pool and replaced
//! at the next call: a daemon outlives a restart of PostgreSQL.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Object, Pool, RecyclingMethod};
use tokio_postgres::NoTls;

use super::error::pg_error;
use super::schema;
use crate::error::{Error, Result};

/// Connections per daemon: the engine's workers, its committer and timer, the request handlers.
const POOL_SIZE: usize = 16;

pub struct PgDatabase {
    runtime: tokio::runtime::Runtime,
    pool: Pool,
    /// The URL without its password, for messages.
    shown: String,
    /// How long a call may wait for a connection (`--lock-timeout`).
    timeout: Duration,
    /// The configuration `listen` connects with (LISTEN needs a connection of its own).
    config: tokio_postgres::Config,
}

impl PgDatabase {
    /// Connects to `url` (a `postgres://` or `postgresql://` URL, or libpq's `key=value` form),
    /// waiting at most `timeout` for the server, then creates or migrates the schema. A URL that
    /// does not parse, a server that does not answer in time, refused credentials, and a schema
    /// newer than this binary are refused with the reason.
    pub fn open(url: &str, timeout: Duration) -> Result<Arc<PgDatabase>> {
        let shown = redact(url);
        let mut config: tokio_postgres::Config = url.parse().map_err(|e| Error::Postgres {
            url: shown.clone(),
            reason: format!("not a PostgreSQL URL: {e}"),
        })?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(timeout);
        }
        if config.get_application_name().is_none() {
            config.application_name("dicomq");
        }
        let runtime = tokio::runtime::Builder::new_multi_thread()
            // One thread drives every connection: the callers' futures run on their own
            // threads (`block_on`), and a second driver only added wake-ups between the two.
            .worker_threads(1)
            .thread_name("dicomq-pg")
            .enable_all()
            .build()
            .map_err(|e| Error::Internal(format!("cannot start the PostgreSQL runtime: {e}")))?;
        let manager = Manager::from_config(
            config.clone(),
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .wait_timeout(Some(timeout))
            .create_timeout(Some(timeout))
            .recycle_timeout(Some(timeout))
            .build()
            .map_err(|e| Error::Internal(format!("cannot build the PostgreSQL pool: {e}")))?;
        let db = Arc::new(PgDatabase {
            runtime,
            pool,
            shown,
            timeout,
            config,
        });
        db.block_on(async {
            let mut client = db.client().await?;
            schema::settle(&mut client, &db.shown).await
        })?;
        Ok(db)
    }

    /// Runs `f` to completion on the database's runtime, from a synchronous caller. Inside a
    /// tokio runtime's worker (a caller that forgot `spawn_blocking`) it still works, by moving
    /// that worker's other tasks away first.
    pub fn block_on<F: Future>(&self, f: F) -> F::Output {
        match tokio::runtime::Handle::try_current() {
            Ok(handle) if handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
                tokio::task::block_in_place(|| self.runtime.block_on(f))
            }
            _ => self.runtime.block_on(f),
        }
    }

    /// A pooled connection (a broken one is replaced), within the open's timeout.
    pub async fn client(&self) -> Result<Object> {
        self.pool.get().await.map_err(|e| Error::Postgres {
            url: self.shown.clone(),
            reason: match e {
                deadpool_postgres::PoolError::Backend(e) => pg_error(&e),
                deadpool_postgres::PoolError::Timeout(_) => format!(
                    "no connection within {:?} (is the server up and reachable?)",
                    self.timeout
                ),
                other => other.to_string(),
            },
        })
    }

    /// A connection of its own, outside the pool, driven by a task on the runtime: for LISTEN,
    /// whose notifications arrive on the connection's stream. `on_message` gets every
    /// asynchronous message (notifications, notices), then `None` once the connection ended
    /// (the caller reconnects, and polls meanwhile). Keep the returned client for as long as the
    /// listening lasts.
    pub fn dedicated<M>(&self, mut on_message: M) -> Result<tokio_postgres::Client>
    where
        M: FnMut(Option<tokio_postgres::AsyncMessage>) + Send + 'static,
    {
        let config = self.config.clone();
        let shown = self.shown.clone();
        self.block_on(async move {
            let (client, mut connection) =
                config.connect(NoTls).await.map_err(|e| Error::Postgres {
                    url: shown,
                    reason: pg_error(&e),
                })?;
            tokio::spawn(async move {
                while let Some(Ok(m)) = std::future::poll_fn(|cx| connection.poll_message(cx)).await
                {
                    on_message(Some(m));
                }
                on_message(None);
            });
            Ok(client)
        })
    }

    /// Whether transaction `txid`, whose commit got no answer, committed nevertheless (the
    /// answer was lost with the connection): `None` when that cannot be known. Asked on a new
    /// connection; the transaction may still be finishing, or the server restarting (then
    /// asked again, for up to 5 s).
    pub async fn committed_after_all(&self, txid: i64) -> Option<bool> {
        for _ in 0..50 {
            let status = match self.client().await {
                Ok(c) => c
                    .query_one("SELECT txid_status($1)::text", &[&txid])
                    .await
                    .map(|row| row.get::<_, Option<String>>(0))
                    .ok(),
                Err(_) => None,
            };
            match status.as_ref().map(|s| s.as_deref()) {
                Some(Some("committed")) => return Some(true),
                Some(Some("in progress")) | None => {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Some(_) => return Some(false),
            }
        }
        None
    }

    /// The URL without its password.
    pub fn shown(&self) -> &str {
        &self.shown
    }

    /// An error about this database.
    pub fn error(&self, e: &tokio_postgres::Error) -> Error {
        Error::Postgres {
            url: self.shown.clone(),
            reason: pg_error(e),
        }
    }
}

/// `url` with its password replaced by `***` (the URL form and libpq's `password=` form).
pub fn redact(url: &str) -> String {
    if let Some(rest) = url
        .strip_prefix("postgres://")
        .or_else(|| url.strip_prefix("postgresql://"))
    {
        let scheme = &url[..url.len() - rest.len()];
        let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(authority_end);
        if let Some(at) = authority.rfind('@') {
            let (user_info, host) = authority.split_at(at);
            if let Some(colon) = user_info.find(':') {
                return format!("{scheme}{}:***{host}{tail}", &user_info[..colon]);
            }
        }
        return url.to_string();
    }
    url.split_whitespace()
        .map(|kv| {
            if kv.starts_with("password=") {
                "password=***".to_string()
            } else {
                kv.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_not_shown() {
        assert_eq!(
            redact("postgres://dicomq:s3cr%40t@db.example:5432/pacs?sslmode=disable"),
            "postgres://dicomq:***@db.example:5432/pacs?sslmode=disable"
        );
        assert_eq!(
            redact("postgresql://dicomq@db/pacs"),
            "postgresql://dicomq@db/pacs"
        );
        assert_eq!(
            redact("host=/run/pg user=a password=x dbname=d"),
            "host=/run/pg user=a password=*** dbname=d"
        );
    }
}
