//! An Orthanc peer over HTTP or HTTPS: `POST <Url>/instances` with the stored file, Basic auth
//! and the peer's `HttpHeaders`, on one keep-alive client (ureq) per job. The answer is
//! checked: a 2xx with Orthanc's JSON naming the instance's `ID`. An https:// peer's
//! certificate is verified as `peer_tls.rs` says; a TLS failure is permanent (it will fail
//! the same way until someone changes a certificate or the configuration).

use std::io::Write;
use std::time::Duration;

use base64::Engine;
use serde_json::Value;

use super::config::PeerHttps;
use super::{Peer, SendError};

/// Orthanc's `HttpTimeout` default, for a peer without its own `Timeout`.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// The largest answer read from a peer (Orthanc's is a few hundred bytes).
const MAX_ANSWER: u64 = 1 << 20;

/// One peer's client: keeps its connection between instances.
pub struct PeerClient {
    agent: ureq::Agent,
    url: String,
    authorization: Option<String>,
    headers: Vec<(String, String)>,
    name: String,
}

/// What the peer answered for one instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerStored {
    /// The instance's Orthanc ID on the peer.
    pub id: String,
    /// The bytes sent (after compression).
    pub sent: u64,
}

impl PeerClient {
    pub fn new(name: &str, peer: &Peer, https: &PeerHttps) -> Result<PeerClient, SendError> {
        let url = peer.url.trim_end_matches('/').to_string();
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(SendError::Permanent(format!(
                "peer {name}: {url} is not an http:// or https:// URL"
            )));
        }
        let timeout = peer.timeout.unwrap_or(DEFAULT_TIMEOUT);
        let mut config = ureq::Agent::config_builder();
        // The CA bundle is read only for an https:// peer (an http:// one needs none).
        if url.starts_with("https://") {
            let tls = super::peer_tls::tls_config(https)
                .map_err(|e| SendError::Permanent(format!("peer {name}: {e}")))?;
            config = config.tls_config(tls);
        }
        let config = config
            .http_status_as_error(false)
            .timeout_global(Some(timeout))
            .max_redirects(0)
            .build();
        let authorization = peer.username.as_ref().map(|user| {
            let pair = format!("{user}:{}", peer.password.as_deref().unwrap_or(""));
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(pair)
            )
        });
        Ok(PeerClient {
            agent: ureq::Agent::new_with_config(config),
            url,
            authorization,
            headers: peer
                .http_headers
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            name: name.to_string(),
        })
    }

    /// POSTs one DICOM file (gzipped when `compress`, as Orthanc's `Compress`).
    pub fn store(&self, file: &[u8], compress: bool) -> Result<PeerStored, SendError> {
        let body = if compress {
            gzip(file).map_err(|e| SendError::Permanent(format!("gzip: {e}")))?
        } else {
            file.to_vec()
        };
        let target = format!("{}/instances", self.url);
        let mut request = self
            .agent
            .post(&target)
            .header("Content-Type", "application/dicom");
        if compress {
            request = request.header("Content-Encoding", "gzip");
        }
        if let Some(auth) = &self.authorization {
            request = request.header("Authorization", auth);
        }
        for (k, v) in &self.headers {
            request = request.header(k, v);
        }
        let at = format!("peer {} ({target})", self.name);
        let mut response = request.send(&body[..]).map_err(|e| transport(&at, e))?;
        let status = response.status().as_u16();
        let text = response
            .body_mut()
            .with_config()
            .limit(MAX_ANSWER)
            .read_to_string()
            .map_err(|e| transport(&at, e))?;
        if !(200..300).contains(&status) {
            let detail = answer_detail(&text);
            let message = format!("{at} answered HTTP {status}{detail}");
            return Err(match status {
                408 | 429 | 500..=599 => SendError::Transient(message),
                400 | 413 | 415 | 422 => SendError::Instance(message),
                _ => SendError::Permanent(message),
            });
        }
        let id = serde_json::from_str::<Value>(&text)
            .ok()
            .and_then(|v| v.get("ID").and_then(Value::as_str).map(str::to_string))
            .ok_or_else(|| {
                SendError::Permanent(format!(
                    "{at} answered HTTP {status} without an instance ID: is it an Orthanc?"
                ))
            })?;
        Ok(PeerStored {
            id,
            sent: body.len() as u64,
        })
    }
}

/// A short reason from an error answer (Orthanc's `Message`/`Details`, else its first line).
fn answer_detail(text: &str) -> String {
    let from_json = serde_json::from_str::<Value>(text).ok().and_then(|v| {
        let m = v.get("Details").or(v.get("Message"))?.as_str()?.to_string();
        Some(m)
    });
    let line = from_json.unwrap_or_else(|| text.lines().next().unwrap_or("").to_string());
    let line: String = line.chars().filter(|c| !c.is_control()).take(200).collect();
    if line.is_empty() {
        String::new()
    } else {
        format!(": {line}")
    }
}

fn transport(at: &str, e: ureq::Error) -> SendError {
    if let Some(why) = tls_failure(&e) {
        return SendError::Permanent(format!("{at}: TLS failed: {why}"));
    }
    match e {
        ureq::Error::BadUri(_) | ureq::Error::Http(_) => SendError::Permanent(format!("{at}: {e}")),
        // Refused, reset, timed out, name not found, a broken answer: may work later.
        _ => SendError::Transient(format!("{at}: {e}")),
    }
}

/// The TLS reason of a failure (an untrusted certificate, a name it does not hold, a handshake
/// refused), if it is one: rustls reports it inside an I/O error.
fn tls_failure(e: &ureq::Error) -> Option<String> {
    match e {
        ureq::Error::Tls(m) => Some((*m).to_string()),
        ureq::Error::Rustls(r) => Some(r.to_string()),
        ureq::Error::Pem(p) => Some(p.to_string()),
        ureq::Error::Io(io) => io
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<rustls::Error>())
            .map(rustls::Error::to_string),
        _ => None,
    }
}

fn gzip(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut enc = flate2::write::GzEncoder::new(
        Vec::with_capacity(bytes.len() / 2),
        flate2::Compression::best(),
    );
    enc.write_all(bytes)?;
    enc.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_and_https_urls_only() {
        let peer = |url: &str| Peer {
            url: url.into(),
            username: None,
            password: None,
            http_headers: Default::default(),
            timeout: None,
        };
        let https = PeerHttps::default();
        let e = PeerClient::new("p", &peer("ftp://x"), &https)
            .err()
            .expect("refused");
        assert!(matches!(e, SendError::Permanent(_)), "{e:?}");
        let no_bundle = PeerHttps {
            verify: true,
            ca_certificates: Some("/nonexistent/ca.pem".into()),
        };
        let e = PeerClient::new("p", &peer("https://x"), &no_bundle)
            .err()
            .expect("no CA bundle");
        assert!(
            matches!(&e, SendError::Permanent(m) if m.contains("HttpsCACertificates")),
            "{e:?}"
        );
        assert!(PeerClient::new("p", &peer("http://x"), &no_bundle).is_ok());
    }

    #[test]
    fn refused_connection_is_transient() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("port");
        let peer = Peer {
            url: format!("http://127.0.0.1:{port}/"),
            username: Some("u".into()),
            password: Some("p".into()),
            http_headers: Default::default(),
            timeout: Some(Duration::from_secs(2)),
        };
        let client = PeerClient::new("down", &peer, &PeerHttps::default()).expect("client");
        let e = client.store(b"x", false).expect_err("nobody listens");
        assert!(matches!(e, SendError::Transient(_)), "{e:?}");
        assert!(e.message().contains("peer down"), "{e}");
    }

    #[test]
    fn error_answers_are_summarised() {
        assert_eq!(
            answer_detail(r#"{"Message":"Bad file format","HttpStatus":400}"#),
            ": Bad file format"
        );
        assert_eq!(answer_detail(""), "");
    }
}
