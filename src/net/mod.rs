//! DICOM networking: the configuration of our AE, modalities and peers (`config.rs`) and the
//! DIMSE command sets carried over dicom-ul's associations (`dimse.rs`), and the daemon's SCP
//! (`scp.rs`: listener and limits; `association.rs`: one association, over TCP or DICOM TLS;
//! `message.rs`: DIMSE messages from P-DATA fragments; `received.rs`: a C-STORE's data set into
//! the store), DICOM TLS (`dicom_tls.rs`) and https:// peers' TLS (`peer_tls.rs`).

mod association;
pub mod config;
pub mod dicom_tls;
pub mod dimse;
pub mod message;
pub mod received;
pub mod scp;

pub use config::{Modality, NetworkConfig, Peer};

/// The Verification SOP class (C-ECHO).
pub const VERIFICATION: &str = "1.2.840.10008.1.1";
pub mod data_set;
pub mod peer;
pub mod peer_tls;
pub mod scu;
pub mod send_error;

pub use send_error::SendError;
