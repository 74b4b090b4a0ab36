//! Persistence behind traits: what the jobs engine, the store and the settings need from a
//! database and from blob storage, so that a second backend (PostgreSQL) can stand beside redb.
//! The implementations live in their own folders (`redb/`); nothing outside them names redb.

// Job store (claim, batches of changes, history).
pub mod job_store;

// Resource index, blobs, settings.
pub mod blob_store;
#[cfg(test)]
pub mod conformance;
pub mod fs_blob_store;
pub mod index_store;
pub mod settings_store;
pub mod staging_pool;
pub mod storage_identity;

pub mod postgres;
pub mod redb;
