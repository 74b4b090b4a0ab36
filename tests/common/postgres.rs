//! The test process's private PostgreSQL server (testdata/src/postgres.rs) for the tests of
//! several daemons on one database.

use dicomq_testdata::postgres::PgServer;

/// The private server, or `None` (skip) when PostgreSQL is not installed; a failure instead
/// when `DICOMQ_REQUIRE_VALIDATORS=1`.
pub fn server() -> Option<&'static PgServer> {
    let found = dicomq_testdata::postgres::shared();
    if found.is_none() {
        assert!(
            std::env::var("DICOMQ_REQUIRE_VALIDATORS").as_deref() != Ok("1"),
            "PostgreSQL's server is required (DICOMQ_REQUIRE_VALIDATORS=1) but not installed"
        );
        eprintln!("skipped: PostgreSQL's server is not installed");
    }
    found
}
