//! DICOM networking: the configuration of our AE, modalities and peers (`config.rs`) and the
//! DIMSE command sets carried over dicom-ul's associations (`dimse.rs`).

pub mod config;
pub mod dimse;

pub use config::{Modality, NetworkConfig, Peer};

/// The Verification SOP class (C-ECHO).
pub const VERIFICATION: &str = "1.2.840.10008.1.1";
pub mod data_set;
pub mod peer;
pub mod scu;
pub mod send_error;

pub use send_error::SendError;
