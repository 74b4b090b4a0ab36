//! The redb implementations of the persistence traits: one database file, `HOME/index.redb`.
//! redb's types and errors stay inside this folder.

// Job store, its write-ahead journal and the changes it holds.
mod job_changes;
pub mod job_store;
mod journal;

// Resource index, settings, schema version, and redb's errors as dicomq's.
pub mod database;
mod error;
pub mod index_store;
pub mod settings_store;
