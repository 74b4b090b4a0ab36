//! A PostgreSQL database shared by several daemons: a connection pool on a small tokio runtime
//! of its own, and the schema, created and migrated when a daemon opens it.
//!
//! The persistence traits are synchronous and are called from blocking threads (the daemon's
//! handlers run Node calls on `spawn_blocking`, the engine's workers are threads), so each call
//! blocks on this runtime (`block_on`), driving it meanwhile. A lost connection is dropped by
//! the pool and replaced at the next call: a daemon outlives a restart of PostgreSQL.

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
    /// The pool's runtime (`block_on`).
    runtime: tokio::runtime::Runtime,
    /// The runtime of the connections `dedicated` opens.
    listener: tokio::runtime::Runtime,
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
        let failed = |e: std::io::Error| {
            Error::Internal(format!("cannot start the PostgreSQL runtime: {e}"))
        };
        // The pool's connections are driven by the threads that use them: a caller's
        // `block_on` runs the connection it waits on itself (sends, waits on the socket,
        // reads), with no hop to a driver thread and back per round trip. While one caller
        // drives the runtime, the others' connections are driven by it.
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(failed)?;
        // LISTEN's connection must be read even when no caller waits: a thread of its own.
        let listener = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("dicomq-pg-listen")
            .enable_all()
            .build()
            .map_err(failed)?;
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
            listener,
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

    /// Runs `f` to completion on the database's runtime, from a synchronous caller (`run_on`).
    pub fn block_on<F: Future>(&self, f: F) -> F::Output {
        run_on(&self.runtime, f)
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
        run_on(&self.listener, async move {
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

    /// Whether transaction `tx`, whose commit got no answer, committed nevertheless (the
    /// answer was lost with the connection): `None` when that cannot be known. Asked on a new
    /// connection; the transaction may still be finishing, or the server restarting (then
    /// asked again, for up to 5 s).
    ///
    /// After a crash the server gives again the IDs that no surviving WAL record used: if ours
    /// did not commit, its ID may since be another transaction's. So once the server restarted
    /// (`TxMark::server_started` differs), "committed" cannot be told from that other
    /// transaction's and is answered `None`; any other status (or an ID the server has not
    /// given yet) means ours did not commit — had its commit record survived, its ID would
    /// not have been given again.
    pub async fn committed_after_all(&self, tx: &TxMark) -> Option<bool> {
        for _ in 0..50 {
            let answer = match self.client().await {
                Ok(c) => Some(
                    c.query_one(
                        "SELECT txid_status($1)::text, pg_postmaster_start_time()::text",
                        &[&tx.txid],
                    )
                    .await,
                ),
                Err(_) => None,
            };
            let row = match answer {
                Some(Ok(row)) => row,
                // "transaction ID is in the future": forgotten in a crash, so not committed.
                Some(Err(e))
                    if e.code()
                        == Some(&tokio_postgres::error::SqlState::INVALID_PARAMETER_VALUE) =>
                {
                    return Some(false);
                }
                // The server is unreachable or restarting: ask again.
                Some(Err(_)) | None => {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            };
            let status: Option<String> = row.get(0);
            let restarted = row.get::<_, String>(1) != tx.server_started;
            match (status.as_deref(), restarted) {
                (Some("committed"), false) => return Some(true),
                (Some("committed"), true) => return None,
                // Still finishing (the connection broke on our side only).
                (Some("in progress"), false) => {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                (Some(_), _) => return Some(false),
                // Too old for the server to remember (beyond wrap-around).
                (None, _) => return None,
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

/// A transaction as `PgDatabase::committed_after_all` asks about it: its ID and when the
/// server that gave it started (an ID is given again after a crash). Read inside the
/// transaction with `TX_MARK`'s columns.
#[derive(Debug, Clone, PartialEq)]
pub struct TxMark {
    pub txid: i64,
    pub server_started: String,
}

/// The columns `TxMark` is read from, in its fields' order.
pub const TX_MARK: &str = "txid_current(), pg_postmaster_start_time()::text";

/// Runs `f` to completion on `runtime`, from a synchronous caller. Inside a tokio runtime's
/// worker (a caller that forgot `spawn_blocking`) it still works, by moving that worker's
/// other tasks away first.
fn run_on<F: Future>(runtime: &tokio::runtime::Runtime, f: F) -> F::Output {
    match tokio::runtime::Handle::try_current() {
        Ok(handle) if handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(|| runtime.block_on(f))
        }
        _ => runtime.block_on(f),
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
