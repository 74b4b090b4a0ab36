//! The redb implementations of the persistence traits: one database file, `HOME/index.redb`.
//! redb's types and errors stay inside this folder.

// Job store.
pub mod job_store;

// Resource index, settings, schema version, and redb's errors as dicomq's.
pub mod database;
mod error;
pub mod index_store;
pub mod settings_store;
