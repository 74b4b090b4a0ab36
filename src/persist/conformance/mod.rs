//! Conformance suites for the persistence traits: written against the traits only, run on each
//! implementation (redb now), so a second backend proves itself by passing the same tests.

pub mod job_store;
