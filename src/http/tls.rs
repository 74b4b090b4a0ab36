//! HTTPS for the REST API: the rustls server configuration built from the `Ssl*` options, checked
//! at start (a bad certificate stops the daemon with the file and the reason), and swapped on
//! SIGHUP (`Tls::reload`; a bad new certificate keeps the one in use).

use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use rustls::ServerConfig;
use rustls::server::WebPkiClientVerifier;

use crate::config::HttpsConfig;
use crate::error::{Error, Result};
use crate::tls;

/// A client that has not finished its TLS handshake by then is dropped.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

pub use crate::tls::MinVersion;

/// Where the certificate, its key and the trusted client CAs are read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsOptions {
    pub certificate: PathBuf,
    /// None: the key is in the certificate's PEM (as Orthanc).
    pub private_key: Option<PathBuf>,
    pub min_version: MinVersion,
    /// Some: clients must present a certificate signed by one of these CAs.
    pub client_cas: Option<PathBuf>,
}

impl TlsOptions {
    /// None when HTTPS is off; an error when it is on but incompletely configured.
    pub fn from_config(c: &HttpsConfig) -> Result<Option<TlsOptions>> {
        if !c.ssl_enabled {
            return Ok(None);
        }
        let certificate = c.certificate.clone().ok_or_else(|| {
            Error::Invalid(
                "SslEnabled is true but SslCertificate is not set (a PEM file with the \
                 certificate chain and its private key)"
                    .into(),
            )
        })?;
        let client_cas = match (c.verify_clients, &c.trusted_client_certificates) {
            (false, _) => None,
            (true, Some(p)) => Some(p.clone()),
            (true, None) => {
                return Err(Error::Invalid(
                    "SslVerifyPeers is true but SslTrustedClientCertificates is not set (a PEM \
                     file with the CAs that sign the clients' certificates)"
                        .into(),
                ));
            }
        };
        Ok(Some(TlsOptions {
            certificate,
            private_key: c.private_key.clone(),
            min_version: MinVersion::from_orthanc(
                "SslMinimumProtocolVersion",
                c.minimum_protocol_version,
            )?,
            client_cas,
        }))
    }
}

/// The server configuration in use, replaced whole on reload: a connection takes the one in
/// use when it is accepted and keeps it.
pub struct Tls {
    options: TlsOptions,
    current: RwLock<Arc<ServerConfig>>,
}

impl Tls {
    /// Reads and checks every file now.
    pub fn load(options: TlsOptions) -> Result<Tls> {
        let config = server_config(&options)?;
        Ok(Tls {
            options,
            current: RwLock::new(config),
        })
    }

    /// Reads the files again; on any error the configuration in use stays.
    pub fn reload(&self) -> Result<()> {
        let config = server_config(&self.options)?;
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = config;
        Ok(())
    }

    pub fn acceptor(&self) -> tokio_rustls::TlsAcceptor {
        let config = self.current.read().unwrap_or_else(|p| p.into_inner());
        tokio_rustls::TlsAcceptor::from(Arc::clone(&config))
    }

    pub fn options(&self) -> &TlsOptions {
        &self.options
    }
}

/// The rustls configuration from the files, every one checked.
pub fn server_config(options: &TlsOptions) -> Result<Arc<ServerConfig>> {
    let chain = tls::read_chain("SslCertificate", &options.certificate)?;
    let (key_option, key_file, hint) = match &options.private_key {
        Some(path) => ("SslPrivateKey", path, None),
        None => (
            "SslCertificate",
            &options.certificate,
            Some("put the key in the same PEM file, as Orthanc, or set SslPrivateKey"),
        ),
    };
    let key = tls::read_key(key_option, key_file, hint)?;
    let builder = ServerConfig::builder_with_provider(tls::provider())
        .with_protocol_versions(options.min_version.versions())
        .map_err(|e| Error::Internal(format!("TLS versions: {e}")))?;
    let builder = match &options.client_cas {
        None => builder.with_no_client_auth(),
        Some(path) => {
            let option = "SslTrustedClientCertificates";
            let roots = tls::read_roots(option, path)?;
            let verifier =
                WebPkiClientVerifier::builder_with_provider(Arc::new(roots), tls::provider())
                    .build()
                    .map_err(|e| tls::file_error(option, path, &e.to_string()))?;
            builder.with_client_cert_verifier(verifier)
        }
    };
    let mut config = builder
        .with_single_cert(chain, key)
        .map_err(|e| tls::pair_error("SslCertificate", &options.certificate, key_file, e))?;
    // The API speaks HTTP/1.1 only; saying so lets curl and browsers skip an h2 attempt.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn incomplete_options_are_named() {
        let mut c = HttpsConfig {
            ssl_enabled: true,
            ..HttpsConfig::default()
        };
        let e = TlsOptions::from_config(&c).expect_err("no certificate");
        assert!(e.to_string().contains("SslCertificate"), "{e}");
        c.certificate = Some("/x.pem".into());
        c.verify_clients = true;
        let e = TlsOptions::from_config(&c).expect_err("no client CAs");
        assert!(
            e.to_string().contains("SslTrustedClientCertificates"),
            "{e}"
        );
        c.ssl_enabled = false;
        assert_eq!(TlsOptions::from_config(&c).ok(), Some(None));
    }

    #[test]
    fn missing_and_keyless_files_are_named() {
        let dir = tempfile::tempdir().expect("tempdir");
        let options = |cert: &Path| TlsOptions {
            certificate: cert.to_path_buf(),
            private_key: None,
            min_version: MinVersion::Tls12,
            client_cas: None,
        };
        let missing = dir.path().join("missing.pem");
        let e = server_config(&options(&missing))
            .expect_err("missing")
            .to_string();
        assert!(
            e.contains("missing.pem") && e.contains("No such file"),
            "{e}"
        );
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "no PEM here\n").expect("write");
        let e = server_config(&options(&empty))
            .expect_err("empty")
            .to_string();
        assert!(
            e.contains("empty.pem") && e.contains("no certificate"),
            "{e}"
        );
        let e = server_config(&options(dir.path()))
            .expect_err("a directory")
            .to_string();
        assert!(e.contains("not a regular file"), "{e}");
    }
}
