//! DICOM of dicomq's own: the safe reader every parse goes through (`read`, built on `file_start`,
//! `inflate`, `scan` and `un_vr`), text decoding by character set (`charset`), and the writers of
//! create-dicom (PDF, PNG, JPEG → DICOM), and Orthanc's modify (`modify`).

pub mod anonymize;
pub mod charset;
pub mod content_path;
pub mod create;
pub mod file_start;
pub mod inflate;
pub mod modify;
pub mod read;
pub mod render;
pub mod scan;
pub mod un_vr;
pub mod vr_check;
