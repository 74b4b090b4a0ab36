//! DICOM writers of dicomq's own: create-dicom (PDF, PNG, JPEG → DICOM); text decoding by
//! character set.

pub mod charset;
pub mod create;
