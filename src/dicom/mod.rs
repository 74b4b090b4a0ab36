//! DICOM writers of dicomq's own: create-dicom (PDF, PNG, JPEG → DICOM).

pub mod create;
