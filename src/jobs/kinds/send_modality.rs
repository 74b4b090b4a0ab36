//! `DicomModalityStore`: C-STORE of resources to a modality of `DicomModalities` (with
//! Orthanc's per-call overrides), over one association per job proposing the SOP classes and
//! transfer syntaxes the job's files have (`net/scu.rs`). The job's shape is `send.rs`.

use std::collections::BTreeSet;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::is_zero;
use super::send::{Item, SendPlan, Sent, Transport};
use crate::error::{Error, Result};
use crate::net::scu::{self, Association, Remote};
use crate::net::{NetworkConfig, SendError, data_set};

/// An association idle for longer is released and reopened before the next instance: the
/// remote may have closed it meanwhile (a paused job, a long retry).
const IDLE_REOPEN: Duration = Duration::from_secs(5);

/// The job's params: Orthanc's body of `POST /modalities/{id}/store`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ModalityStoreParams {
    /// The symbolic name in `DicomModalities`.
    pub modality: String,
    pub resources: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_aet: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub called_aet: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// Seconds (0 or absent: the modality's, else `DicomScuTimeout`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<u64>,
    #[serde(default)]
    pub permissive: bool,
    /// Test hook: sleep this long in every step.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub step_delay_ms: u64,
}

/// The modality as resolved at submit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ModalityTarget {
    pub name: String,
    pub local_aet: String,
    pub called_aet: String,
    pub host: String,
    pub port: u16,
    pub timeout_ms: u64,
    /// The modality's `UseDicomTls` at submit (absent in the plans of older versions: TCP).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub use_dicom_tls: bool,
}

impl ModalityTarget {
    pub fn remote(&self, net: &NetworkConfig) -> Remote {
        Remote {
            calling_aet: self.local_aet.clone(),
            called_aet: self.called_aet.clone(),
            host: self.host.clone(),
            port: self.port,
            timeout: Duration::from_millis(self.timeout_ms),
            max_pdu: net.max_pdu,
            tls: self.use_dicom_tls.then(|| net.dicom_tls.clone()),
        }
    }
}

/// A modality by its symbolic name, with the overrides applied; `Error::NotFound` when the name
/// is not in `DicomModalities`.
pub fn resolve(
    net: &NetworkConfig,
    name: &str,
    local_aet: Option<&str>,
    timeout: Option<u64>,
) -> Result<ModalityTarget> {
    let m = net.modalities.get(name).ok_or_else(|| Error::NotFound {
        what: "modality",
        id: name.to_string(),
    })?;
    let local = match local_aet {
        Some(aet) => crate::net::config::check_aet(aet)
            .map_err(|e| Error::Invalid(format!("LocalAet: {e}")))?,
        None => m.local_aet.clone().unwrap_or_else(|| net.aet.clone()),
    };
    let timeout = match timeout {
        Some(s) if s > 0 => Duration::from_secs(s),
        _ => m.timeout.unwrap_or(net.scu_timeout),
    };
    Ok(ModalityTarget {
        name: name.to_string(),
        local_aet: local,
        called_aet: m.aet.clone(),
        host: m.host.clone(),
        port: m.port,
        timeout_ms: timeout.as_millis() as u64,
        use_dicom_tls: m.use_dicom_tls,
    })
}

pub struct ModalityStore;

impl Transport for ModalityStore {
    const TYPE: &'static str = "DicomModalityStore";
    type Params = ModalityStoreParams;
    type Target = ModalityTarget;
    type Connection = Association;

    fn resources(p: &Self::Params) -> &[String] {
        &p.resources
    }

    fn permissive(p: &Self::Params) -> bool {
        p.permissive
    }

    fn step_delay_ms(p: &Self::Params) -> u64 {
        p.step_delay_ms
    }

    fn resolve(net: &NetworkConfig, p: &Self::Params) -> Result<Self::Target> {
        let mut t = resolve(net, &p.modality, p.local_aet.as_deref(), p.timeout)?;
        if let Some(aet) = &p.called_aet {
            t.called_aet = crate::net::config::check_aet(aet)
                .map_err(|e| Error::Invalid(format!("CalledAet: {e}")))?;
        }
        if let Some(host) = &p.host {
            if host.is_empty() || host.chars().any(|c| c.is_whitespace() || c.is_control()) {
                return Err(Error::Invalid(format!("Host: not a host name: {host:?}")));
            }
            t.host = host.clone();
        }
        if let Some(port) = p.port {
            if port == 0 {
                return Err(Error::Invalid("Port: must be 1-65535".into()));
            }
            t.port = port;
        }
        Ok(t)
    }

    fn content(target: &Self::Target, _p: &Self::Params) -> Value {
        json!({"LocalAet": target.local_aet, "RemoteAet": target.called_aet})
    }

    fn connect(
        net: &NetworkConfig,
        plan: &SendPlan<Self::Target>,
    ) -> Result<Self::Connection, SendError> {
        let pairs: BTreeSet<(String, String)> = plan
            .instances
            .iter()
            .map(|i| (i.sop_class.clone(), i.transfer_syntax.clone()))
            .collect();
        Association::open(&plan.target.remote(net), &scu::contexts(&pairs))
    }

    fn stale(c: &Self::Connection) -> bool {
        c.idle() > IDLE_REOPEN
    }

    fn send(
        c: &mut Self::Connection,
        _p: &Self::Params,
        item: &Item,
        file: &[u8],
    ) -> Result<Sent, SendError> {
        let start = data_set::start(file)
            .map_err(|e| SendError::Instance(format!("stored file of {}: {e}", item.id)))?;
        let stored = c.store(
            &item.sop_class,
            &item.sop_instance,
            &item.transfer_syntax,
            &file[start..],
        )?;
        Ok(Sent {
            bytes: (file.len() - start) as u64,
            warning: stored.warning,
        })
    }

    fn close(c: Self::Connection, graceful: bool) {
        if graceful {
            c.release();
        } else {
            c.abort();
        }
    }
}
