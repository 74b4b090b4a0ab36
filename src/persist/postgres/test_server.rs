//! The conformance suites on a private PostgreSQL server (testdata's `PgServer`): one database
//! per directory a suite names, so that the same directory again means reopening the store.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use dicomq_testdata::postgres::PgServer;

use super::database::PgDatabase;

pub struct TestServer {
    server: &'static PgServer,
    by_dir: Mutex<HashMap<PathBuf, String>>,
}

/// The process's server; `None` (with a message) when PostgreSQL is not installed, a panic
/// instead when `DICOMQ_REQUIRE_VALIDATORS=1`.
pub fn server() -> Option<&'static TestServer> {
    static SERVER: OnceLock<Option<TestServer>> = OnceLock::new();
    let found = SERVER.get_or_init(|| {
        dicomq_testdata::postgres::shared().map(|server| TestServer {
            server,
            by_dir: Mutex::new(HashMap::new()),
        })
    });
    if found.is_none() {
        assert!(
            std::env::var_os("DICOMQ_REQUIRE_VALIDATORS").is_none_or(|v| v != "1"),
            "PostgreSQL's server is not installed (apt-get install postgresql) and \
             DICOMQ_REQUIRE_VALIDATORS=1"
        );
        eprintln!("skipped: PostgreSQL's server is not installed");
    }
    found.as_ref()
}

impl TestServer {
    /// The database kept for `dir` (created empty the first time), opened again.
    pub fn database_for(&self, dir: &Path) -> Arc<PgDatabase> {
        let url = {
            let mut by_dir = self.by_dir.lock().expect("by_dir");
            by_dir
                .entry(dir.to_path_buf())
                .or_insert_with(|| self.server.new_database())
                .clone()
        };
        PgDatabase::open(&url, Duration::from_secs(10)).expect("open the test database")
    }

    /// A new, empty database.
    pub fn fresh(&self) -> Arc<PgDatabase> {
        let url = self.server.new_database();
        PgDatabase::open(&url, Duration::from_secs(10)).expect("open the test database")
    }
}
