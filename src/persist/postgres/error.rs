//! PostgreSQL errors as a user reads them, and which ones are worth a retry.

use std::error::Error as _;

/// The reason of `e` with its causes (tokio-postgres's own text is often only "error connecting
/// to server"; the cause says why), or the server's message and SQLSTATE.
pub fn pg_error(e: &tokio_postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        let mut s = format!("{} (SQLSTATE {})", db.message(), db.code().code());
        if let Some(detail) = db.detail() {
            s.push_str(": ");
            s.push_str(detail);
        }
        return s;
    }
    let mut s = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cause = c.source();
    }
    s
}

/// A failure that may succeed when the transaction is run again: a serialization failure or a
/// deadlock between daemons, or a connection lost before the commit was sent (the pool gives a
/// new one). A connection lost *during* a commit is not retried blindly: whether it committed
/// is unknown, so callers whose change is not idempotent check first.
pub fn is_retryable(e: &tokio_postgres::Error) -> bool {
    use tokio_postgres::error::SqlState;
    match e.code() {
        Some(code) => {
            *code == SqlState::T_R_SERIALIZATION_FAILURE
                || *code == SqlState::T_R_DEADLOCK_DETECTED
                || *code == SqlState::ADMIN_SHUTDOWN
                || *code == SqlState::CANNOT_CONNECT_NOW
        }
        None => e.is_closed(),
    }
}
