//! dicomq: a DICOM store, jobs engine, create-dicom, archives and metrics for the terminal,
//! compatible with Orthanc's identifiers, JSON shapes and behaviour.
//!
//! Layout: `cli/` parses and prints, `backend` reaches a `node::Node` (inline or through the
//! daemon), the Node owns the `store` (index in redb + files), the `jobs` engine and the
//! `metrics` registry.

pub mod archive;
pub mod atomic;
pub mod backend;
pub mod cli;
pub mod config;
pub mod contained_panic;
pub mod daemon;
pub mod dicom;
pub mod error;
pub mod home;
pub mod http;
pub mod input_file;
pub mod jobs;
pub mod metrics;
pub mod net;
pub mod node;
pub mod orthanc_code;
pub mod output;
pub mod parallel;
pub mod persist;
pub mod protocol;
pub mod settings;
pub mod store;
pub mod tls;

// The test-data generators live in the dev-only `dicomq-testdata` crate (testdata/); these
// aliases keep the unit tests' `crate::testdata::...` paths.
#[cfg(test)]
use dicomq_testdata as testdata;
#[cfg(test)]
use dicomq_testdata::malformed as testdata_malformed;
