//! What the daemon tells of itself (`dicomq status`): recorded once when it starts serving.

use std::path::Path;
use std::sync::OnceLock;

use crate::protocol::DaemonFacts;

static FACTS: OnceLock<DaemonFacts> = OnceLock::new();

fn facts(socket: &Path, http: Option<String>, dicom: Option<String>) -> DaemonFacts {
    DaemonFacts {
        pid: std::process::id(),
        started_us: crate::jobs::model::now_us(),
        version: env!("CARGO_PKG_VERSION").to_string(),
        socket: socket.to_path_buf(),
        http,
        dicom,
    }
}

/// Called once the socket is bound; `http` is the REST API's URL and `dicom` the SCP's address
/// when served.
pub fn record(socket: &Path, http: Option<String>, dicom: Option<String>) {
    let _ = FACTS.set(facts(socket, http, dicom));
}

/// The recorded facts (a request is only served after `record`).
pub fn get(socket: &Path) -> DaemonFacts {
    FACTS.get_or_init(|| facts(socket, None, None)).clone()
}
