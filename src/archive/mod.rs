//! ZIP archives and DICOMDIR media, following Orthanc 1.13 (`ArchiveJob.cpp`).
//!
//! - [`naming`]: pure layout of the ZIP tree (`Patient/Study/Series/file`) and of the
//!   media tree (`IMAGES/IMn`).
//! - [`dicomdir`]: a Basic Directory (DICOMDIR) writer.
//! - [`plan`]: what an archive job writes, resolved from the store at submit.
//! - [`zip_writer`]: a step-at-a-time ZIP writer with parallel deflate.

mod deflate_pool;
pub mod dicomdir;
pub mod naming;
pub mod plan;
pub mod zip_writer;
