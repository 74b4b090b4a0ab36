//! What every TLS endpoint of dicomq shares (HTTPS of the REST API, DICOM TLS of the SCP and the
//! SCU, https:// peers): the one crypto provider (ring), Orthanc's minimum-version numbers, and
//! the reading of certificate files, each checked now (a certificate out of its validity
//! period, a file without a key, an empty CA bundle) with an error naming the option and the
//! file. `x509_validity` reads a certificate's dates (rustls does not check our own).

#[cfg(test)]
pub mod test_pki;
pub mod x509_validity;

use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::error::{Error, Result};

/// The crypto provider of every TLS configuration: one provider in the tree, never a second.
pub fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The TLS versions accepted, from Orthanc's `SslMinimumProtocolVersion` and
/// `DicomTlsMinimumProtocolVersion` (the same numbers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MinVersion {
    Tls12,
    Tls13,
}

impl MinVersion {
    /// Orthanc's (civetweb's) numbers for `option`: 4 = TLS 1.2 and 1.3, 5 = TLS 1.3; 0 is
    /// "the default" for DICOM TLS (BCP 195: TLS 1.2 and later); 1-3 would allow SSL 3, TLS 1.0
    /// or 1.1, which are refused.
    pub fn from_orthanc(option: &str, v: u64) -> Result<MinVersion> {
        match v {
            4 => Ok(MinVersion::Tls12),
            5 => Ok(MinVersion::Tls13),
            0 if option.starts_with("DicomTls") => Ok(MinVersion::Tls12),
            0..=3 => Err(Error::Invalid(format!(
                "{option} {v} would accept {}: dicomq serves TLS 1.2 and 1.3 only; use 4 (TLS \
                 1.2 and later, the default) or 5 (TLS 1.3 only)",
                ["SSL 2.0", "SSL 3.0", "TLS 1.0", "TLS 1.1"][v as usize]
            ))),
            _ => Err(Error::Invalid(format!(
                "{option} {v} is not one of Orthanc's values (4 or 5)"
            ))),
        }
    }

    pub fn versions(self) -> &'static [&'static rustls::SupportedProtocolVersion] {
        static TLS12_AND_13: [&rustls::SupportedProtocolVersion; 2] =
            [&rustls::version::TLS13, &rustls::version::TLS12];
        static TLS13: [&rustls::SupportedProtocolVersion; 1] = [&rustls::version::TLS13];
        match self {
            MinVersion::Tls12 => &TLS12_AND_13,
            MinVersion::Tls13 => &TLS13,
        }
    }
}

/// An error about the file of `option`.
pub fn file_error(option: &str, path: &Path, reason: &str) -> Error {
    Error::Invalid(format!("{option} {}: {reason}", path.display()))
}

fn read_pem(option: &str, path: &Path) -> Result<Vec<u8>> {
    crate::input_file::read_regular(path).map_err(|e| file_error(option, path, &e.to_string()))
}

/// The certificates of a PEM file (`option` names it in errors), each within its validity
/// period now.
pub fn read_chain(option: &str, path: &Path) -> Result<Vec<CertificateDer<'static>>> {
    let bad = |reason: &str| file_error(option, path, reason);
    let pem = read_pem(option, path)?;
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
        let Some(v) = x509_validity::validity(cert) else {
            return Err(bad(&format!("{which} is not a valid X.509 certificate")));
        };
        // The leaf only: rustls parses it (a v1 root appended to a chain is sent, not parsed).
        if i == 0 && v.version < 3 {
            return Err(bad(&format!(
                "{which} is an X.509 version {} certificate: TLS here needs version 3 (issue it \
                 with extensions, e.g. openssl x509 -req ... -extfile with a subjectAltName)",
                v.version
            )));
        }
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

/// The private key of a PEM file; `missing_hint` says where else it may be when there is none.
pub fn read_key(
    option: &str,
    path: &Path,
    missing_hint: Option<&str>,
) -> Result<PrivateKeyDer<'static>> {
    let pem = read_pem(option, path)?;
    PrivateKeyDer::from_pem_slice(&pem).map_err(|e| {
        let reason = match (e, missing_hint) {
            (rustls::pki_types::pem::Error::NoItemsFound, Some(hint)) => {
                format!("holds no private key ({hint})")
            }
            (rustls::pki_types::pem::Error::NoItemsFound, None) => {
                "holds no private key".to_string()
            }
            (other, _) => format!("not a valid PEM private key: {other}"),
        };
        file_error(option, path, &reason)
    })
}

/// The CA certificates of a PEM bundle, for `option`.
pub fn read_roots(option: &str, path: &Path) -> Result<rustls::RootCertStore> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in read_certificates(option, path)? {
        roots
            .add(cert)
            .map_err(|e| file_error(option, path, &format!("a certificate is unusable: {e}")))?;
    }
    Ok(roots)
}

/// The certificates of a PEM bundle (at least one), as they are (no date check: a bundle may
/// hold expired CAs that nothing chains to).
pub fn read_certificates(option: &str, path: &Path) -> Result<Vec<CertificateDer<'static>>> {
    let pem = read_pem(option, path)?;
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| file_error(option, path, &format!("not valid PEM: {e}")))?;
    if certs.is_empty() {
        return Err(file_error(option, path, "holds no certificate"));
    }
    Ok(certs)
}

/// rustls's refusal of a certificate and key that do not belong together, or of anything else
/// in them, said about the file of `option`.
pub fn pair_error(option: &str, cert: &Path, key: &Path, e: rustls::Error) -> Error {
    let reason = match e {
        rustls::Error::InconsistentKeys(_) => {
            format!("the private key of {} does not match it", key.display())
        }
        other => format!("cannot be used: {other}"),
    };
    file_error(option, cert, &reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orthanc_protocol_versions() {
        let ssl = "SslMinimumProtocolVersion";
        assert_eq!(
            MinVersion::from_orthanc(ssl, 4).ok(),
            Some(MinVersion::Tls12)
        );
        assert_eq!(
            MinVersion::from_orthanc(ssl, 5).ok(),
            Some(MinVersion::Tls13)
        );
        for old in 0..=3 {
            let e = MinVersion::from_orthanc(ssl, old)
                .expect_err("too old")
                .to_string();
            assert!(e.contains("TLS 1.2 and 1.3 only") && e.contains(ssl), "{e}");
        }
        let e = MinVersion::from_orthanc(ssl, 2)
            .expect_err("TLS 1.0")
            .to_string();
        assert!(e.contains("TLS 1.0"), "{e}");
        // DICOM TLS's 0 is Orthanc's default profile (BCP 195: TLS 1.2 and later).
        let dicom = "DicomTlsMinimumProtocolVersion";
        assert_eq!(
            MinVersion::from_orthanc(dicom, 0).ok(),
            Some(MinVersion::Tls12)
        );
        let e = MinVersion::from_orthanc(dicom, 3)
            .expect_err("TLS 1.1")
            .to_string();
        assert!(e.contains(dicom) && e.contains("TLS 1.1"), "{e}");
    }
}
