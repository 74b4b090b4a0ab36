//! DICOM TLS with Orthanc's `DicomTls*` options: the SCP's rustls server configuration (read and
//! checked when the daemon starts: a bad file stops it with the option, the file and the
//! reason; read again on SIGHUP by `ScpTls::reload`, a bad new file keeping the one in use) and
//! the SCU's client configuration (read when an association to a modality with
//! `UseDicomTls` opens). Both use our certificate (`DicomTlsCertificate` + `DicomTlsPrivateKey`)
//! and check the remote's against `DicomTlsTrustedCertificates`.
//!
//! As DCMTK (Orthanc's TLS layer), the SCU checks that the server's certificate chains to a
//! trusted CA, not that it names the host: modalities are addressed by IP and their
//! certificates seldom say it.

use std::sync::{Arc, RwLock};

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::server::WebPkiClientVerifier;
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, ServerConfig, SignatureScheme,
};

use super::config::DicomTls;
use crate::error::{Error, Result};
use crate::tls::{self, MinVersion};

const CERTIFICATE: &str = "DicomTlsCertificate";
const PRIVATE_KEY: &str = "DicomTlsPrivateKey";
const TRUSTED: &str = "DicomTlsTrustedCertificates";

/// The SCP's TLS configuration in use, replaced whole on reload: an association takes the one
/// in use when it is accepted and keeps it.
pub struct ScpTls {
    options: DicomTls,
    current: RwLock<Arc<ServerConfig>>,
}

impl ScpTls {
    /// Reads and checks every file now.
    pub fn load(options: &DicomTls) -> Result<ScpTls> {
        Ok(ScpTls {
            current: RwLock::new(server_config(options)?),
            options: options.clone(),
        })
    }

    /// Reads the files again; on any error the configuration in use stays.
    pub fn reload(&self) -> Result<()> {
        let config = server_config(&self.options)?;
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = config;
        Ok(())
    }

    pub fn config(&self) -> Arc<ServerConfig> {
        Arc::clone(&self.current.read().unwrap_or_else(|p| p.into_inner()))
    }

    pub fn options(&self) -> &DicomTls {
        &self.options
    }
}

/// The SCP's configuration (`DicomTlsEnabled`): our certificate, and the client certificates
/// required and verified unless `DicomTlsRemoteCertificateRequired` is false.
pub fn server_config(t: &DicomTls) -> Result<Arc<ServerConfig>> {
    let (chain, key) = our_certificate(t, "DicomTlsEnabled is true")?
        .ok_or_else(|| missing("DicomTlsEnabled is true", CERTIFICATE, "our certificate"))?;
    let builder = ServerConfig::builder_with_provider(tls::provider())
        .with_protocol_versions(min_version(t)?.versions())
        .map_err(|e| Error::Internal(format!("TLS versions: {e}")))?;
    let builder = if t.remote_certificate_required {
        let path = t.trusted_certificates.as_deref().ok_or_else(|| {
            missing(
                "DicomTlsRemoteCertificateRequired is true",
                TRUSTED,
                "the CAs that sign the modalities' certificates; or set \
                 DicomTlsRemoteCertificateRequired to false",
            )
        })?;
        let roots = tls::read_roots(TRUSTED, path)?;
        let verifier =
            WebPkiClientVerifier::builder_with_provider(Arc::new(roots), tls::provider())
                .build()
                .map_err(|e| tls::file_error(TRUSTED, path, &e.to_string()))?;
        builder.with_client_cert_verifier(verifier)
    } else {
        // Orthanc's false is DCMTK's --ignore-peer-cert: no certificate asked for.
        builder.with_no_client_auth()
    };
    let config = builder
        .with_single_cert(chain, key)
        .map_err(|e| pair_error(t, e))?;
    Ok(Arc::new(config))
}

/// The SCU's configuration: the server must chain to `DicomTlsTrustedCertificates`; our
/// certificate, when set, is the client certificate.
pub fn client_config(t: &DicomTls) -> Result<Arc<ClientConfig>> {
    let why = "a modality has UseDicomTls";
    let path = t.trusted_certificates.as_deref().ok_or_else(|| {
        missing(
            why,
            TRUSTED,
            "the CAs that sign the modalities' certificates",
        )
    })?;
    let roots = tls::read_roots(TRUSTED, path)?;
    let webpki = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), tls::provider())
        .build()
        .map_err(|e| tls::file_error(TRUSTED, path, &e.to_string()))?;
    let builder = ClientConfig::builder_with_provider(tls::provider())
        .with_protocol_versions(min_version(t)?.versions())
        .map_err(|e| Error::Internal(format!("TLS versions: {e}")))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(ChainOnly(webpki)));
    let config = match our_certificate(t, why)? {
        Some((chain, key)) => builder
            .with_client_auth_cert(chain, key)
            .map_err(|e| pair_error(t, e))?,
        None => builder.with_no_client_auth(),
    };
    Ok(Arc::new(config))
}

fn min_version(t: &DicomTls) -> Result<MinVersion> {
    MinVersion::from_orthanc("DicomTlsMinimumProtocolVersion", t.minimum_protocol_version)
}

fn missing(because: &str, option: &str, what: &str) -> Error {
    Error::Invalid(format!(
        "{because} but {option} is not set (a PEM file: {what})"
    ))
}

fn pair_error(t: &DicomTls, e: rustls::Error) -> Error {
    match (&t.certificate, &t.private_key) {
        (Some(cert), Some(key)) => tls::pair_error(CERTIFICATE, cert, key, e),
        _ => Error::Invalid(format!("{CERTIFICATE}: {e}")),
    }
}

type Pair = (Vec<CertificateDer<'static>>, PrivateKeyDer<'static>);

/// Our certificate and its key, each file checked; None when neither is set.
fn our_certificate(t: &DicomTls, because: &str) -> Result<Option<Pair>> {
    match (&t.certificate, &t.private_key) {
        (None, None) => Ok(None),
        (Some(_), None) => Err(missing(
            because,
            PRIVATE_KEY,
            "the key of DicomTlsCertificate",
        )),
        (None, Some(_)) => Err(missing(because, CERTIFICATE, "the certificate of that key")),
        (Some(cert), Some(key)) => Ok(Some((
            tls::read_chain(CERTIFICATE, cert)?,
            tls::read_key(PRIVATE_KEY, key, None)?,
        ))),
    }
}

/// WebPKI's verification of the server's chain, dates and handshake signatures, less the check
/// of the host name (see the head of the file).
#[derive(Debug)]
struct ChainOnly(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    fn options(d: &Path, cert: &str, key: &str) -> DicomTls {
        DicomTls {
            enabled: true,
            certificate: Some(d.join(cert)),
            private_key: Some(d.join(key)),
            trusted_certificates: Some(d.join("ca.pem")),
            ..DicomTls::default()
        }
    }

    /// One handshake and a byte each way between our two configurations.
    async fn exchange(server: Arc<ServerConfig>, client: Arc<ClientConfig>) -> bool {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let served = tokio::spawn(async move {
            let (s, _) = listener.accept().await.expect("accept");
            let mut s = tokio_rustls::TlsAcceptor::from(server)
                .accept(s)
                .await
                .ok()?;
            let mut b = [0u8; 1];
            s.read_exact(&mut b).await.ok()?;
            s.write_all(&b).await.ok()?;
            s.shutdown().await.ok()
        });
        let tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
        // A name the certificate does not hold: the SCU does not check it (DCMTK does not).
        let name = ServerName::try_from("127.0.0.1").expect("name");
        let Ok(mut tls) = tokio_rustls::TlsConnector::from(client)
            .connect(name, tcp)
            .await
        else {
            return false;
        };
        let mut b = [7u8; 1];
        if tls.write_all(&b).await.is_err() || tls.read_exact(&mut b).await.is_err() {
            return false;
        }
        served.await.ok().flatten().is_some() && b == [7]
    }

    #[tokio::test]
    async fn mutual_tls_between_the_scp_and_the_scu() {
        let Some(dir) = tls::test_pki::pki() else {
            return;
        };
        let d = dir.path();
        let server = server_config(&options(d, "s.crt", "s.key")).expect("server");
        let client = client_config(&options(d, "c.crt", "c.key")).expect("client");
        assert!(exchange(Arc::clone(&server), client).await);
        // No client certificate: refused while one is required, taken when not.
        let anonymous = DicomTls {
            certificate: None,
            private_key: None,
            ..options(d, "", "")
        };
        let client = client_config(&anonymous).expect("client");
        assert!(!exchange(Arc::clone(&server), Arc::clone(&client)).await);
        let lenient = DicomTls {
            remote_certificate_required: false,
            ..options(d, "s.crt", "s.key")
        };
        let server = server_config(&lenient).expect("server");
        assert!(exchange(Arc::clone(&server), client).await);
        // A server not signed by the trusted CA: the SCU refuses it.
        let other_ca = DicomTls {
            trusted_certificates: Some(d.join("c.crt")),
            ..options(d, "c.crt", "c.key")
        };
        let client = client_config(&other_ca).expect("client");
        assert!(!exchange(server, client).await);
    }

    #[test]
    fn bad_files_are_named() {
        let Some(dir) = tls::test_pki::pki() else {
            return;
        };
        let d = dir.path();
        let e = server_config(&options(d, "s.crt", "c.key"))
            .expect_err("another key")
            .to_string();
        assert!(
            e.contains("DicomTlsCertificate") && e.contains("does not match"),
            "{e}"
        );
        let e = server_config(&options(d, "missing.crt", "s.key"))
            .expect_err("missing")
            .to_string();
        assert!(
            e.contains("DicomTlsCertificate") && e.contains("missing.crt"),
            "{e}"
        );
        let e = server_config(&options(d, "s.crt", "s.crt"))
            .expect_err("no key")
            .to_string();
        assert!(
            e.contains("DicomTlsPrivateKey") && e.contains("no private key"),
            "{e}"
        );
        let no_cas = DicomTls {
            trusted_certificates: None,
            ..options(d, "s.crt", "s.key")
        };
        let e = server_config(&no_cas).expect_err("no CAs").to_string();
        assert!(e.contains("DicomTlsTrustedCertificates"), "{e}");
        let e = client_config(&no_cas).expect_err("no CAs").to_string();
        assert!(
            e.contains("DicomTlsTrustedCertificates") && e.contains("UseDicomTls"),
            "{e}"
        );
        let no_key = DicomTls {
            private_key: None,
            ..options(d, "s.crt", "s.key")
        };
        let e = server_config(&no_key).expect_err("no key").to_string();
        assert!(e.contains("DicomTlsPrivateKey is not set"), "{e}");
        let e = server_config(&DicomTls {
            enabled: true,
            ..DicomTls::default()
        })
        .expect_err("nothing")
        .to_string();
        assert!(e.contains("DicomTlsCertificate is not set"), "{e}");
    }
}
