//! HTTPS for the REST API: the rustls server configuration built from the `Ssl*` options, checked
//! at start (a bad certificate stops the daemon with the file and the reason), and swapped on
//! SIGHUP (`Tls::reload`; a bad new certificate keeps the one in use).

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;

use crate::config::HttpsConfig;
use crate::error::{Error, Result};

/// A client that has not finished its TLS handshake by then is dropped.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// The TLS versions accepted, from Orthanc's `SslMinimumProtocolVersion`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MinVersion {
    Tls12,
    Tls13,
}

impl MinVersion {
    /// Orthanc's (civetweb's) numbers; 0-3 would allow SSL, TLS 1.0 or 1.1, which are refused.
    pub fn from_orthanc(v: u64) -> Result<MinVersion> {
        match v {
            4 => Ok(MinVersion::Tls12),
            5 => Ok(MinVersion::Tls13),
            0..=3 => Err(Error::Invalid(format!(
                "SslMinimumProtocolVersion {v} would accept {}: dicomq serves TLS 1.2 and 1.3 \
                 only; use 4 (TLS 1.2 and later, the default) or 5 (TLS 1.3 only)",
                ["SSL 2.0", "SSL 3.0", "TLS 1.0", "TLS 1.1"][v as usize]
            ))),
            _ => Err(Error::Invalid(format!(
                "SslMinimumProtocolVersion {v} is not one of Orthanc's values (4 or 5)"
            ))),
        }
    }

    fn versions(self) -> &'static [&'static rustls::SupportedProtocolVersion] {
        static TLS12_AND_13: [&rustls::SupportedProtocolVersion; 2] =
            [&rustls::version::TLS13, &rustls::version::TLS12];
        static TLS13: [&rustls::SupportedProtocolVersion; 1] = [&rustls::version::TLS13];
        match self {
            MinVersion::Tls12 => &TLS12_AND_13,
            MinVersion::Tls13 => &TLS13,
        }
    }
}

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
            min_version: MinVersion::from_orthanc(c.minimum_protocol_version)?,
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

pub(super) fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The rustls configuration from the files, every one checked.
pub fn server_config(options: &TlsOptions) -> Result<Arc<ServerConfig>> {
    let chain = read_chain(&options.certificate)?;
    let key_file = options.private_key.as_ref().unwrap_or(&options.certificate);
    let key = read_key(key_file, options.private_key.is_none())?;
    let builder = ServerConfig::builder_with_provider(provider())
        .with_protocol_versions(options.min_version.versions())
        .map_err(|e| Error::Internal(format!("TLS versions: {e}")))?;
    let builder = match &options.client_cas {
        None => builder.with_no_client_auth(),
        Some(path) => {
            let roots = read_roots("SslTrustedClientCertificates", path)?;
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider())
                .build()
                .map_err(|e| file_error("SslTrustedClientCertificates", path, &e.to_string()))?;
            builder.with_client_cert_verifier(verifier)
        }
    };
    let mut config = builder.with_single_cert(chain, key).map_err(|e| {
        let reason = match e {
            rustls::Error::InconsistentKeys(_) => {
                format!(
                    "the private key of {} does not match it",
                    key_file.display()
                )
            }
            other => format!("cannot be used: {other}"),
        };
        file_error("SslCertificate", &options.certificate, &reason)
    })?;
    // The API speaks HTTP/1.1 only; saying so lets curl and browsers skip an h2 attempt.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

fn file_error(option: &str, path: &Path, reason: &str) -> Error {
    Error::Invalid(format!("{option} {}: {reason}", path.display()))
}

fn read_pem(option: &str, path: &Path) -> Result<Vec<u8>> {
    crate::input_file::read_regular(path).map_err(|e| file_error(option, path, &e.to_string()))
}

/// The certificates of a PEM file, each within its validity period now.
fn read_chain(path: &Path) -> Result<Vec<CertificateDer<'static>>> {
    let bad = |reason: &str| file_error("SslCertificate", path, reason);
    let pem = read_pem("SslCertificate", path)?;
    let chain = CertificateDer::pem_slice_iter(&pem)
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| bad(&format!("not a valid PEM file: {e}")))?;
    if chain.is_empty() {
        return Err(bad("holds no certificate (no BEGIN CERTIFICATE block)"));
    }
    let now = chrono::Utc::now();
    for (i, cert) in chain.iter().enumerate() {
        let which = if i == 0 {
            "the certificate".to_string()
        } else {
            format!("certificate {} of the chain", i + 1)
        };
        let Some(v) = super::x509_validity::validity(cert) else {
            return Err(bad(&format!("{which} is not a valid X.509 certificate")));
        };
        if now > v.not_after {
            return Err(bad(&format!("{which} expired on {}", v.not_after)));
        }
        if now < v.not_before {
            return Err(bad(&format!(
                "{which} is not valid before {}",
                v.not_before
            )));
        }
    }
    Ok(chain)
}

fn read_key(path: &Path, with_certificate: bool) -> Result<PrivateKeyDer<'static>> {
    let option = if with_certificate {
        "SslCertificate"
    } else {
        "SslPrivateKey"
    };
    let pem = read_pem(option, path)?;
    PrivateKeyDer::from_pem_slice(&pem).map_err(|e| {
        let reason = match e {
            rustls::pki_types::pem::Error::NoItemsFound if with_certificate => {
                "holds no private key (put the key in the same PEM file, as Orthanc, or set \
                 SslPrivateKey)"
                    .to_string()
            }
            rustls::pki_types::pem::Error::NoItemsFound => "holds no private key".to_string(),
            other => format!("not a valid PEM private key: {other}"),
        };
        file_error(option, path, &reason)
    })
}

/// The CA certificates of a PEM bundle, for `option`.
pub(super) fn read_roots(option: &str, path: &Path) -> Result<rustls::RootCertStore> {
    let pem = read_pem(option, path)?;
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(&pem) {
        let cert = cert.map_err(|e| file_error(option, path, &format!("not valid PEM: {e}")))?;
        roots
            .add(cert)
            .map_err(|e| file_error(option, path, &format!("a certificate is unusable: {e}")))?;
    }
    if roots.is_empty() {
        return Err(file_error(option, path, "holds no certificate"));
    }
    Ok(roots)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orthanc_protocol_versions() {
        assert_eq!(MinVersion::from_orthanc(4).ok(), Some(MinVersion::Tls12));
        assert_eq!(MinVersion::from_orthanc(5).ok(), Some(MinVersion::Tls13));
        for old in 0..=3 {
            let e = MinVersion::from_orthanc(old)
                .expect_err("too old")
                .to_string();
            assert!(e.contains("TLS 1.2 and 1.3 only"), "{e}");
        }
        let e = MinVersion::from_orthanc(2)
            .expect_err("TLS 1.0")
            .to_string();
        assert!(e.contains("TLS 1.0"), "{e}");
    }

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
