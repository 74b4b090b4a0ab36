//! The Node's DICOM network operations that are not jobs: the configured modalities and peers
//! as Orthanc shows them, and C-ECHO. Sending is a job (`jobs/kinds/send.rs`).

use std::time::Duration;

use serde_json::{Map, Value};

use super::Node;
use crate::error::{Error, Result};
use crate::jobs::kinds::send_modality;
use crate::net::scu;

/// Which list of the configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum NetworkList {
    Modalities,
    Peers,
}

impl Node {
    /// `{name: Orthanc's long form}` of `DicomModalities` or `OrthancPeers` (no passwords).
    pub fn network_list(&self, which: NetworkList) -> Value {
        let net = &self.config.network;
        let map: Map<String, Value> = match which {
            NetworkList::Modalities => net
                .modalities
                .iter()
                .map(|(k, m)| (k.clone(), m.to_json()))
                .collect(),
            NetworkList::Peers => net
                .peers
                .iter()
                .map(|(k, p)| (k.clone(), p.to_json()))
                .collect(),
        };
        Value::Object(map)
    }

    /// One modality's long form; `Error::NotFound` when unknown.
    pub fn modality(&self, name: &str) -> Result<Value> {
        self.config
            .network
            .modalities
            .get(name)
            .map(|m| m.to_json())
            .ok_or_else(|| Error::NotFound {
                what: "modality",
                id: name.to_string(),
            })
    }

    /// C-ECHO to a modality (`timeout_s`: Orthanc's `Timeout` body field, else the modality's
    /// or `DicomScuTimeout`). The error says why it failed.
    pub fn echo(&self, name: &str, timeout_s: Option<u64>) -> Result<()> {
        let net = &self.config.network;
        let target = send_modality::resolve(net, name, None, timeout_s)?;
        let remote = target.remote(net);
        scu::echo(&remote)
            .map_err(|e| Error::Invalid(format!("C-ECHO to modality {name} failed: {e}")))?;
        tracing::debug!(
            "C-ECHO to {name} ({}) answered within {:?}",
            remote.called_aet,
            Duration::from_millis(target.timeout_ms)
        );
        Ok(())
    }
}
