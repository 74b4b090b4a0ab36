//! `OrthancPeerStore`: each instance's stored file POSTed to a peer of `OrthancPeers`
//! (`net/peer.rs`), on one keep-alive client per job. The job's shape is `send.rs`.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::is_zero;
use super::send::{Item, SendPlan, Sent, Transport};
use crate::error::{Error, Result};
use crate::net::peer::PeerClient;
use crate::net::{NetworkConfig, Peer, SendError};

/// The job's params: Orthanc's body of `POST /peers/{id}/store`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PeerStoreParams {
    /// The symbolic name in `OrthancPeers`.
    pub peer: String,
    pub resources: Vec<String>,
    #[serde(default)]
    pub compress: bool,
    #[serde(default)]
    pub permissive: bool,
    /// Test hook: sleep this long in every step.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub step_delay_ms: u64,
}

/// The peer as resolved at submit (its password included: the plan is private to the job).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PeerTarget {
    pub name: String,
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    #[serde(default)]
    pub http_headers: std::collections::BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_s: Option<u64>,
}

impl PartialEq for PeerTarget {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && self.url == other.url
    }
}

impl PeerTarget {
    fn peer(&self) -> Peer {
        Peer {
            url: self.url.clone(),
            username: self.username.clone(),
            password: self.password.clone(),
            http_headers: self.http_headers.clone(),
            timeout: self.timeout_s.map(std::time::Duration::from_secs),
        }
    }
}

/// The client and the bytes sent so far by this process (Content's `Size` is the total).
pub struct PeerConnection {
    client: PeerClient,
}

pub struct PeerStore;

impl Transport for PeerStore {
    const TYPE: &'static str = "OrthancPeerStore";
    type Params = PeerStoreParams;
    type Target = PeerTarget;
    type Connection = PeerConnection;

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
        let peer = net.peers.get(&p.peer).ok_or_else(|| Error::NotFound {
            what: "peer",
            id: p.peer.clone(),
        })?;
        // Refuse a URL the client cannot use now rather than at the first step.
        PeerClient::new(&p.peer, peer, &net.peer_https)
            .map_err(|e| Error::Invalid(e.to_string()))?;
        Ok(PeerTarget {
            name: p.peer.clone(),
            url: peer.url.clone(),
            username: peer.username.clone(),
            password: peer.password.clone(),
            http_headers: peer.http_headers.clone(),
            timeout_s: peer.timeout.map(|t| t.as_secs()),
        })
    }

    fn content(target: &Self::Target, p: &Self::Params) -> Value {
        json!({
            "Peer": target.peer().to_json(),
            "Compress": p.compress,
            "Size": "0",
            "SizeMB": 0,
        })
    }

    fn connect(
        net: &NetworkConfig,
        plan: &SendPlan<Self::Target>,
    ) -> Result<Self::Connection, SendError> {
        Ok(PeerConnection {
            client: PeerClient::new(&plan.target.name, &plan.target.peer(), &net.peer_https)?,
        })
    }

    fn send(
        c: &mut Self::Connection,
        p: &Self::Params,
        _item: &Item,
        file: &[u8],
    ) -> Result<Sent, SendError> {
        let stored = c.client.store(file, p.compress)?;
        Ok(Sent {
            bytes: stored.sent,
            warning: None,
        })
    }

    fn close(_c: Self::Connection, _graceful: bool) {}

    /// Orthanc's `Size` (bytes sent, as a string) and `SizeMB`.
    fn account(content: &mut Value, sent: &Sent) {
        let before = content["Size"]
            .as_str()
            .and_then(|s| s.parse::<u64>().ok())
            .unwrap_or(0);
        let total = before + sent.bytes;
        content["Size"] = json!(total.to_string());
        content["SizeMB"] = json!(total / (1024 * 1024));
    }
}
