//! Persistence behind traits: what the jobs engine, the store and the settings need from a
//! database and from blob storage, so that a second backend (PostgreSQL) can stand beside redb.
//! The implementations live in their own folders (`redb/`); nothing outside them names redb.

// Job store (claim, batches of changes, history).
#[cfg(test)]
mod conformance;
pub mod job_store;

// Resource index, blobs, settings.

pub mod redb;
