//! Conformance suites for the persistence traits, written against the traits only: each takes
//! a factory that opens the implementation under test over a directory (the same directory
//! again means reopening it), so the redb and file implementations run them now and a second
//! backend (PostgreSQL) proves itself by passing the same tests later.

pub mod blob_store;
pub mod index_store;
pub mod job_store;
pub mod settings_store;
