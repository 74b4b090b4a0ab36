//! The rustls client configuration for https:// peers, from Orthanc's `HttpsCACertificates` and
//! `HttpsVerifyPeers`: the server's certificate must chain to one of the CAs of that PEM bundle
//! (Debian's system bundle when unset, Orthanc's default there) and hold the peer's host name;
//! with `HttpsVerifyPeers: false` any certificate is taken, as Orthanc does (the handshake
//! signatures are still checked, so the connection is encrypted, but not authenticated).

use std::path::Path;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, SignatureScheme};

use crate::config::HttpsConfig;
use crate::error::{Error, Result};

/// Orthanc's default `HttpsCACertificates` on Debian.
pub const SYSTEM_CA_BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";

/// Reads the CA bundle now (an unusable one is an error naming it).
pub fn client_config(c: &HttpsConfig) -> Result<Arc<ClientConfig>> {
    let provider = super::tls::provider();
    let builder = ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Internal(format!("TLS versions: {e}")))?;
    let config = if c.verify_peers {
        let path = c
            .ca_certificates
            .as_deref()
            .unwrap_or(Path::new(SYSTEM_CA_BUNDLE));
        let roots = super::tls::read_roots("HttpsCACertificates", path)?;
        builder.with_root_certificates(roots).with_no_client_auth()
    } else {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)))
            .with_no_client_auth()
    };
    Ok(Arc::new(config))
}

/// `HttpsVerifyPeers: false`: any certificate, but a handshake signed by its key.
#[derive(Debug)]
struct AnyCertificate(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::tls::{MinVersion, TlsOptions, server_config};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// openssl in `dir`; false when it is not installed.
    fn openssl(dir: &Path, args: &[&str]) -> bool {
        match std::process::Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
        {
            Ok(o) => {
                assert!(o.status.success(), "openssl {args:?}");
                true
            }
            Err(_) => {
                assert!(
                    std::env::var("DICOMQ_REQUIRE_VALIDATORS").as_deref() != Ok("1"),
                    "openssl is required"
                );
                false
            }
        }
    }

    /// A CA (`ca.pem`) and a leaf for localhost (`server.pem`, with its key); None without openssl.
    fn pki() -> Option<tempfile::TempDir> {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        let ec = [
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
        ];
        let ca = [
            &["req", "-x509"][..],
            &ec,
            &["-keyout", "ca.key", "-out", "ca.pem"],
        ];
        if !openssl(
            d,
            &[ca.concat(), vec!["-days", "1", "-subj", "/CN=ca"]].concat(),
        ) {
            return None;
        }
        let csr = [
            &["req"][..],
            &ec,
            &["-keyout", "s.key", "-out", "s.csr", "-subj", "/CN=x"],
        ];
        openssl(d, &csr.concat());
        std::fs::write(d.join("ext"), "subjectAltName=DNS:localhost\n").expect("ext");
        openssl(
            d,
            &[
                "x509",
                "-req",
                "-in",
                "s.csr",
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-out",
                "s.crt",
                "-days",
                "1",
                "-extfile",
                "ext",
            ],
        );
        let both = [
            std::fs::read(d.join("s.crt")).expect("crt"),
            std::fs::read(d.join("s.key")).expect("key"),
        ]
        .concat();
        std::fs::write(d.join("server.pem"), both).expect("pem");
        Some(dir)
    }

    /// One request-answer over TLS between our server and client configurations.
    async fn exchange(dir: &Path, client: Arc<ClientConfig>, name: &str) -> bool {
        let server = server_config(&TlsOptions {
            certificate: dir.join("server.pem"),
            private_key: None,
            min_version: MinVersion::Tls12,
            client_cas: None,
        })
        .expect("server config");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            let (s, _) = listener.accept().await.expect("accept");
            if let Ok(mut s) = tokio_rustls::TlsAcceptor::from(server).accept(s).await {
                let _ = s.write_all(b"hello").await;
                let _ = s.shutdown().await;
            }
        });
        let tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
        let name = ServerName::try_from(name.to_string()).expect("name");
        let Ok(mut tls) = tokio_rustls::TlsConnector::from(client)
            .connect(name, tcp)
            .await
        else {
            return false;
        };
        let mut got = Vec::new();
        let _ = tls.read_to_end(&mut got).await;
        got == b"hello"
    }

    #[tokio::test]
    async fn peers_are_verified_against_the_ca_bundle() {
        let Some(dir) = pki() else { return };
        let d = dir.path();
        let verified = HttpsConfig {
            ca_certificates: Some(d.join("ca.pem")),
            ..HttpsConfig::default()
        };
        let client = client_config(&verified).expect("client config");
        assert!(exchange(d, Arc::clone(&client), "localhost").await);
        assert!(
            !exchange(d, client, "other.example").await,
            "a name the certificate does not hold"
        );
        let other_ca = HttpsConfig {
            ca_certificates: Some(d.join("s.crt")),
            ..HttpsConfig::default()
        };
        let client = client_config(&other_ca).expect("client config");
        assert!(!exchange(d, client, "localhost").await, "another CA");
        let unverified = HttpsConfig {
            verify_peers: false,
            ca_certificates: Some(d.join("missing.pem")),
            ..HttpsConfig::default()
        };
        let client = client_config(&unverified).expect("no bundle read");
        assert!(exchange(d, client, "other.example").await);
    }

    #[test]
    fn an_unusable_bundle_is_named() {
        let dir = tempfile::tempdir().expect("tempdir");
        let c = HttpsConfig {
            ca_certificates: Some(dir.path().join("missing.pem")),
            ..HttpsConfig::default()
        };
        let e = client_config(&c).expect_err("missing").to_string();
        assert!(
            e.contains("HttpsCACertificates") && e.contains("missing.pem"),
            "{e}"
        );
    }
}
