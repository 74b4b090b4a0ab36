//! TLS of https:// peers, from Orthanc's `HttpsCACertificates` and `HttpsVerifyPeers`: ureq on
//! our rustls and its ring provider. The server's certificate must chain to one of the CAs of
//! that PEM bundle (Debian's system bundle when unset, Orthanc's default there) and hold the
//! peer's host name; with `HttpsVerifyPeers: false` any certificate is taken, as Orthanc does.

use std::path::Path;

use ureq::tls::{Certificate, RootCerts, TlsConfig, TlsProvider};

use super::config::PeerHttps;
use crate::error::Result;

/// Orthanc's default `HttpsCACertificates` on Debian.
pub const SYSTEM_CA_BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";

/// ureq's TLS configuration; the CA bundle is read now (an unusable one is an error naming it).
pub fn tls_config(c: &PeerHttps) -> Result<TlsConfig> {
    let builder = TlsConfig::builder()
        .provider(TlsProvider::Rustls)
        .unversioned_rustls_crypto_provider(crate::tls::provider());
    if !c.verify {
        // Encrypted but not authenticated, as the option asks.
        return Ok(builder.disable_verification(true).build());
    }
    let path = c
        .ca_certificates
        .as_deref()
        .unwrap_or(Path::new(SYSTEM_CA_BUNDLE));
    let option = "HttpsCACertificates";
    // Parsed by rustls here (ureq would skip a certificate it cannot use, silently).
    crate::tls::read_roots(option, path)?;
    let certs: Vec<Certificate<'static>> = crate::tls::read_certificates(option, path)?
        .iter()
        .map(|c| Certificate::from_der(c.as_ref()).to_owned())
        .collect();
    Ok(builder.root_certs(RootCerts::from(certs)).build())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::tls::{MinVersion, TlsOptions, server_config};
    use std::io::{Read, Write};

    /// An HTTPS server (our HTTPS configuration) answering one request with "hello".
    fn serve_once(dir: &Path) -> u16 {
        let server = server_config(&TlsOptions {
            certificate: dir.join("server.pem"),
            private_key: None,
            min_version: MinVersion::Tls12,
            client_cas: None,
        })
        .expect("server config");
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        std::thread::spawn(move || {
            let Ok((tcp, _)) = listener.accept() else {
                return;
            };
            let _ = tcp.set_read_timeout(Some(std::time::Duration::from_secs(5)));
            let conn = rustls::ServerConnection::new(server).expect("connection");
            let mut tls = rustls::StreamOwned::new(conn, tcp);
            let mut request = Vec::new();
            let mut byte = [0u8; 1];
            while !request.ends_with(b"\r\n\r\n") {
                match tls.read(&mut byte) {
                    Ok(1) => request.push(byte[0]),
                    _ => return,
                }
            }
            let _ = tls.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello",
            );
            tls.conn.send_close_notify();
            let _ = tls.flush();
        });
        port
    }

    /// GET on our server through a ureq agent configured by `tls_config`.
    fn get(dir: &Path, c: &PeerHttps, host: &str) -> bool {
        let port = serve_once(dir);
        let agent = ureq::Agent::config_builder()
            .tls_config(tls_config(c).expect("tls config"))
            .build()
            .new_agent();
        agent
            .get(&format!("https://{host}:{port}/"))
            .call()
            .ok()
            .and_then(|mut r| r.body_mut().read_to_string().ok())
            .is_some_and(|body| body == "hello")
    }

    #[test]
    fn peers_are_verified_against_the_ca_bundle() {
        let Some(dir) = crate::tls::test_pki::pki() else {
            return;
        };
        let d = dir.path();
        let verified = PeerHttps {
            verify: true,
            ca_certificates: Some(d.join("ca.pem")),
        };
        assert!(get(d, &verified, "localhost"));
        // The certificate names localhost, not 127.0.0.1.
        assert!(
            !get(d, &verified, "127.0.0.1"),
            "a name the certificate does not hold"
        );
        let other_ca = PeerHttps {
            verify: true,
            ca_certificates: Some(d.join("c.crt")),
        };
        assert!(!get(d, &other_ca, "localhost"), "another CA");
        let unverified = PeerHttps {
            verify: false,
            ca_certificates: Some(d.join("missing.pem")),
        };
        assert!(get(d, &unverified, "127.0.0.1"));
    }

    #[test]
    fn an_unusable_bundle_is_named() {
        let dir = tempfile::tempdir().expect("tempdir");
        let c = PeerHttps {
            verify: true,
            ca_certificates: Some(dir.path().join("missing.pem")),
        };
        let e = tls_config(&c).expect_err("missing").to_string();
        assert!(
            e.contains("HttpsCACertificates") && e.contains("missing.pem"),
            "{e}"
        );
    }
}
