//! `config.json`: JSON with `//` and `/* */` comments, using Orthanc's option names so that the
//! relevant part of an `orthanc.json` can be reused as it is.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;

use crate::dicom::create::PrivateDictionary;

use crate::error::{Error, Result};

#[derive(Debug, Clone)]
pub struct Config {
    /// Worker threads of the jobs engine (Orthanc's default 2; 0 = one per CPU, resolved here).
    pub concurrent_jobs: usize,
    pub jobs_history_size: usize,
    pub save_jobs: bool,
    pub media_archive_size: usize,
    pub metrics_enabled: bool,
    /// An instance stored again replaces the stored one (`OverwriteInstances`, default false).
    pub overwrite_instances: bool,
    /// Private tags (`Dictionary`), checked at load.
    pub dictionary: PrivateDictionary,
    pub storage_directory: Option<PathBuf>,
    /// The REST API (`daemon --http` overrides the address).
    pub http_port: Option<u16>,
    pub remote_access_allowed: bool,
    /// None: not set (authentication is then required exactly when remote access is allowed).
    pub authentication_enabled: Option<bool>,
    pub registered_users: std::collections::BTreeMap<String, String>,
    /// Largest HTTP request body accepted (bytes).
    pub http_body_limit: u64,
    /// Largest create-dicom content (bytes): a PDF, or an image once decoded
    /// (`MaximumCreateDicomContentSize`; 0 in the file means no limit).
    pub max_create_dicom_content_size: u64,
    /// The character set of created instances when neither the request nor the parent gives
    /// one (`DefaultEncoding`, Orthanc's names; changed at run time by
    /// `PUT /tools/default-encoding`).
    pub default_encoding: crate::dicom::create::DefaultEncoding,
    /// Our AE, the modalities and peers, the SCP's rules (`src/net/config.rs`).
    pub network: crate::net::NetworkConfig,
    /// Keys we do not know, reported once as a warning.
    pub unknown_keys: Vec<String>,
    /// HTTPS of the REST API (`Ssl*`; how https:// peers are verified is in `network`).
    pub https: HttpsConfig,
    /// Where the job store, the resource index, the settings and the changes log live
    /// (`Index`, `--index`, `DICOMQ_INDEX`).
    pub index: IndexLocation,
}

/// `Index`: redb in the data home (one machine, the default), or a PostgreSQL database shared
/// by several daemons (src/persist/postgres/).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum IndexLocation {
    #[default]
    Redb,
    /// A `postgres://` / `postgresql://` URL, or libpq's `key=value` form; how long to wait for
    /// the server (`--lock-timeout`).
    Postgres { url: String, timeout: Duration },
}

impl IndexLocation {
    /// `redb`, or a PostgreSQL URL (checked for its form here, for the server when opened).
    pub fn parse(value: &str) -> std::result::Result<IndexLocation, String> {
        let value = value.trim();
        if value.eq_ignore_ascii_case("redb") {
            return Ok(IndexLocation::Redb);
        }
        let url = value.starts_with("postgres://") || value.starts_with("postgresql://");
        let key_value = value.split_whitespace().all(|kv| kv.contains('='));
        if url || (key_value && !value.is_empty()) {
            return Ok(IndexLocation::Postgres {
                url: value.to_string(),
                timeout: Duration::from_secs(10),
            });
        }
        Err(format!(
            "\"Index\" must be \"redb\" or a PostgreSQL URL (postgres://user@host/db), found \"{}\"",
            crate::output::escape_controls(value)
        ))
    }
}

/// HTTPS options, with Orthanc's names (`SslPrivateKey` and `AllowInsecureRemote` are
/// dicomq's). Files are checked when the daemon starts (`http/tls.rs`), not here.
#[derive(Debug, Clone)]
pub struct HttpsConfig {
    /// `SslEnabled`: serve the REST API over HTTPS only.
    pub ssl_enabled: bool,
    /// `SslCertificate`: PEM with the certificate chain, leaf first, and (as Orthanc) the key.
    pub certificate: Option<PathBuf>,
    /// `SslPrivateKey`: the key in its own PEM file instead.
    pub private_key: Option<PathBuf>,
    /// `SslMinimumProtocolVersion`, Orthanc's (civetweb's) numbers: 4 = TLS 1.2 and 1.3,
    /// 5 = TLS 1.3 only; 0-3 (SSL, TLS 1.0, 1.1) are refused when HTTPS is on.
    pub minimum_protocol_version: u64,
    /// `SslVerifyPeers`: clients must present a certificate signed by one of
    /// `SslTrustedClientCertificates` (a PEM bundle).
    pub verify_clients: bool,
    pub trusted_client_certificates: Option<PathBuf>,
    /// `AllowInsecureRemote`: serve plain HTTP on a non-loopback address anyway.
    pub allow_insecure_remote: bool,
}

impl Default for HttpsConfig {
    fn default() -> Self {
        HttpsConfig {
            ssl_enabled: false,
            certificate: None,
            private_key: None,
            minimum_protocol_version: 4,
            verify_clients: false,
            trusted_client_certificates: None,
            allow_insecure_remote: false,
        }
    }
}

impl HttpsConfig {
    /// Reads one of the HTTPS keys of `KNOWN` (already type-checked); other keys are left.
    fn read(&mut self, key: &str, value: &Value, base: &Path) -> std::result::Result<(), String> {
        let path = || value.as_str().map(|s| base.join(s));
        let flag = value.as_bool().unwrap_or(false);
        match key {
            "SslEnabled" => self.ssl_enabled = flag,
            "SslCertificate" => self.certificate = path(),
            "SslPrivateKey" => self.private_key = path(),
            "SslMinimumProtocolVersion" => {
                let v = value.as_u64().unwrap_or(u64::MAX);
                if v > 5 {
                    return Err(format!(
                        "\"SslMinimumProtocolVersion\": {v} is not one of Orthanc's values \
                         (4 = TLS 1.2 and later, 5 = TLS 1.3)"
                    ));
                }
                self.minimum_protocol_version = v;
            }
            "SslVerifyPeers" => self.verify_clients = flag,
            "SslTrustedClientCertificates" => self.trusted_client_certificates = path(),
            "AllowInsecureRemote" => self.allow_insecure_remote = flag,
            _ => {}
        }
        Ok(())
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            concurrent_jobs: 2,
            jobs_history_size: 100,
            save_jobs: true,
            media_archive_size: 10,
            metrics_enabled: true,
            overwrite_instances: false,
            dictionary: PrivateDictionary::empty(),
            storage_directory: None,
            http_port: None,
            remote_access_allowed: false,
            authentication_enabled: None,
            registered_users: Default::default(),
            http_body_limit: 256 << 20,
            max_create_dicom_content_size: crate::dicom::create::Limits::DEFAULT_MAX_CONTENT_BYTES,
            default_encoding: Default::default(),
            network: Default::default(),
            unknown_keys: Vec::new(),
            https: HttpsConfig::default(),
            index: IndexLocation::Redb,
        }
    }
}

/// The type a known key must have, for the error message.
#[derive(Clone, Copy)]
enum Expect {
    UInt,
    Bool,
    Object,
    Str,
    Port,
    Users,
}

impl Expect {
    fn name(self) -> &'static str {
        match self {
            Expect::UInt => "a non-negative integer",
            Expect::Bool => "a boolean (true or false)",
            Expect::Object => "an object",
            Expect::Str => "a string",
            Expect::Port => "a port number (1-65535)",
            Expect::Users => "an object of user names to password strings",
        }
    }
    fn matches(self, v: &Value) -> bool {
        match self {
            Expect::UInt => v.as_u64().is_some(),
            Expect::Bool => v.is_boolean(),
            Expect::Object => v.is_object(),
            Expect::Str => v.is_string(),
            Expect::Port => v.as_u64().is_some_and(|p| (1..=65535).contains(&p)),
            Expect::Users => v
                .as_object()
                .is_some_and(|m| m.values().all(Value::is_string)),
        }
    }
}

const KNOWN: &[(&str, Expect)] = &[
    ("ConcurrentJobs", Expect::UInt),
    ("JobsHistorySize", Expect::UInt),
    ("SaveJobs", Expect::Bool),
    ("MediaArchiveSize", Expect::UInt),
    ("MetricsEnabled", Expect::Bool),
    ("OverwriteInstances", Expect::Bool),
    ("Dictionary", Expect::Object),
    ("StorageDirectory", Expect::Str),
    ("HttpPort", Expect::Port),
    ("RemoteAccessAllowed", Expect::Bool),
    ("AuthenticationEnabled", Expect::Bool),
    ("RegisteredUsers", Expect::Users),
    ("HttpBodyLimit", Expect::UInt),
    ("MaximumCreateDicomContentSize", Expect::UInt),
    ("DefaultEncoding", Expect::Str),
    // HTTPS (HttpsConfig)
    ("SslEnabled", Expect::Bool),
    ("SslCertificate", Expect::Str),
    ("SslPrivateKey", Expect::Str),
    ("SslMinimumProtocolVersion", Expect::UInt),
    ("SslVerifyPeers", Expect::Bool),
    ("SslTrustedClientCertificates", Expect::Str),
    ("AllowInsecureRemote", Expect::Bool),
    ("Index", Expect::Str),
];

impl Config {
    /// Loads `path` if it exists; a missing file gives the defaults unless it was asked for
    /// explicitly (`required`).
    pub fn load(path: &Path, required: bool) -> Result<Config> {
        // A regular file only, read up to its size (a FIFO or a device is refused at once).
        let file = match crate::input_file::InputFile::open(path) {
            Ok(f) => f.reader(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => {
                return Ok(Config::default());
            }
            Err(e) => {
                return Err(Error::Config {
                    path: path.into(),
                    reason: format!("cannot read: {e}"),
                });
            }
        };
        let mut text = String::new();
        json_comments::StripComments::new(file)
            .read_to_string(&mut text)
            .map_err(|e| Error::Config {
                path: path.into(),
                reason: format!("cannot read: {e}"),
            })?;
        let base = path.parent().unwrap_or(Path::new("."));
        Config::parse(&text, base).map_err(|reason| Error::Config {
            path: path.into(),
            reason,
        })
    }

    /// Parses comment-free JSON text; relative paths are taken from `base`.
    pub fn parse(text: &str, base: &Path) -> std::result::Result<Config, String> {
        let value: Value =
            serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
        let Value::Object(map) = value else {
            return Err("the top level must be a JSON object".into());
        };
        let mut config = Config::default();
        for (key, value) in map {
            if config.network.read_key(&key, &value)? {
                continue;
            }
            let Some(&(_, expect)) = KNOWN.iter().find(|(k, _)| *k == key) else {
                config.unknown_keys.push(key);
                continue;
            };
            if !expect.matches(&value) {
                return Err(format!(
                    "\"{key}\" must be {}, found {}",
                    expect.name(),
                    describe(&value)
                ));
            }
            let as_usize = || usize::try_from(value.as_u64().unwrap_or(0)).unwrap_or(usize::MAX);
            match key.as_str() {
                "ConcurrentJobs" => config.concurrent_jobs = as_usize(),
                "JobsHistorySize" => config.jobs_history_size = as_usize(),
                "MediaArchiveSize" => config.media_archive_size = as_usize().max(1),
                "SaveJobs" => config.save_jobs = value.as_bool().unwrap_or(true),
                "MetricsEnabled" => config.metrics_enabled = value.as_bool().unwrap_or(true),
                "OverwriteInstances" => {
                    config.overwrite_instances = value.as_bool().unwrap_or(false)
                }
                "Index" => config.index = IndexLocation::parse(value.as_str().unwrap_or(""))?,
                "StorageDirectory" => {
                    config.storage_directory = value.as_str().map(|s| base.join(s));
                }
                "HttpPort" => config.http_port = value.as_u64().and_then(|p| u16::try_from(p).ok()),
                "RemoteAccessAllowed" => {
                    config.remote_access_allowed = value.as_bool().unwrap_or(false)
                }
                "AuthenticationEnabled" => config.authentication_enabled = value.as_bool(),
                "HttpBodyLimit" => config.http_body_limit = value.as_u64().unwrap_or(256 << 20),
                "MaximumCreateDicomContentSize" => {
                    config.max_create_dicom_content_size = match value
                        .as_u64()
                        .unwrap_or(config.max_create_dicom_content_size)
                    {
                        0 => u64::MAX,
                        n => n,
                    };
                }
                "RegisteredUsers" => {
                    if let Value::Object(m) = &value {
                        config.registered_users = m
                            .iter()
                            .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                            .collect();
                    }
                }
                "DefaultEncoding" => {
                    let name = value.as_str().unwrap_or("");
                    config.default_encoding = crate::dicom::create::DefaultEncoding::from_name(
                        name,
                    )
                    .ok_or_else(|| {
                        format!(
                            "\"DefaultEncoding\": unknown encoding \"{}\" (expected one of {})",
                            name.escape_default(),
                            crate::dicom::create::DefaultEncoding::ALL
                                .map(|e| e.name())
                                .join(", ")
                        )
                    })?;
                }
                "Dictionary" => {
                    config.dictionary =
                        PrivateDictionary::from_json(&value).map_err(|e| e.to_string())?;
                }
                other => {
                    config.https.read(other, &value, base)?;
                }
            }
        }
        if config.concurrent_jobs == 0 {
            config.concurrent_jobs = crate::parallel::cpus();
        }
        config.network.anchor_paths(base);
        Ok(config)
    }

    /// The one warning line about unknown keys (and about `SaveJobs: false`), if any.
    pub fn warning(&self) -> Option<String> {
        if !self.save_jobs {
            return Some(
                "config: \"SaveJobs\": false is ignored: dicomq always persists its jobs".into(),
            );
        }
        if self.unknown_keys.is_empty() {
            return None;
        }
        Some(format!(
            "config: ignoring unknown key{} {}",
            if self.unknown_keys.len() > 1 { "s" } else { "" },
            self.unknown_keys
                .iter()
                .map(|k| format!("\"{k}\""))
                .collect::<Vec<_>>()
                .join(", ")
        ))
    }
}

fn describe(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("the string \"{s}\""),
        Value::Array(_) => "an array".into(),
        Value::Object(_) => "an object".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> std::result::Result<Config, String> {
        Config::parse(text, Path::new("/etc/dicomq"))
    }

    #[test]
    fn defaults_follow_design() {
        let c = parse("{}").expect("empty object is valid");
        assert_eq!(c.concurrent_jobs, 2);
        assert_eq!(c.jobs_history_size, 100);
        assert!(c.save_jobs);
        assert_eq!(c.media_archive_size, 10);
        assert!(c.metrics_enabled);
        assert!(!c.overwrite_instances);
        assert!(c.warning().is_none());
    }

    #[test]
    fn known_keys_are_read() {
        let c = parse(
            r#"{"ConcurrentJobs": 3, "JobsHistorySize": 7, "SaveJobs": false, "OverwriteInstances": true,
                "StorageDirectory": "store", "Dictionary": {"0405,1001": ["ST", "X", 1, 1, "C"]}}"#,
        )
        .expect("valid");
        assert_eq!(c.concurrent_jobs, 3);
        assert_eq!(c.jobs_history_size, 7);
        assert!(!c.save_jobs);
        assert!(c.overwrite_instances);
        assert_eq!(
            c.storage_directory,
            Some(PathBuf::from("/etc/dicomq/store"))
        );
        assert_eq!(c.dictionary.entries().len(), 1);
    }

    #[test]
    fn create_dicom_content_limit() {
        assert_eq!(
            parse("{}").expect("valid").max_create_dicom_content_size,
            256 << 20
        );
        let c = parse(r#"{"MaximumCreateDicomContentSize": 1048576}"#).expect("valid");
        assert_eq!(c.max_create_dicom_content_size, 1 << 20);
        let c = parse(r#"{"MaximumCreateDicomContentSize": 0}"#).expect("valid");
        assert_eq!(c.max_create_dicom_content_size, u64::MAX);
        let e = parse(r#"{"MaximumCreateDicomContentSize": "1MB"}"#).expect_err("wrong type");
        assert!(e.contains("MaximumCreateDicomContentSize"), "{e}");
    }

    #[test]
    fn save_jobs_false_is_said_to_be_ignored() {
        let c = parse(r#"{"SaveJobs": false}"#).expect("valid");
        assert!(c.warning().is_some_and(|w| w.contains("SaveJobs")));
    }

    #[test]
    fn malformed_dictionary_entry_is_named() {
        let e = parse(r#"{"Dictionary": {"0405,1001": ["ST"]}}"#).expect_err("malformed");
        assert!(e.contains("0405,1001"), "{e}");
    }

    #[test]
    fn unknown_keys_give_one_warning_line() {
        let c = parse(r#"{"DicomServerEnabled": true, "Name": "x"}"#).expect("valid");
        let w = c.warning().expect("a warning");
        assert_eq!(w.lines().count(), 1);
        assert!(
            w.contains("\"DicomServerEnabled\"") && w.contains("\"Name\""),
            "{w}"
        );
    }

    #[test]
    fn wrong_type_names_key_and_expected_type() {
        let e = parse(r#"{"ConcurrentJobs": "4"}"#).expect_err("wrong type");
        assert!(
            e.contains("ConcurrentJobs") && e.contains("non-negative integer"),
            "{e}"
        );
        let e = parse(r#"{"SaveJobs": 1}"#).expect_err("wrong type");
        assert!(e.contains("SaveJobs") && e.contains("boolean"), "{e}");
        let e = parse(r#"{"JobsHistorySize": -1}"#).expect_err("negative");
        assert!(e.contains("JobsHistorySize"), "{e}");
    }

    #[test]
    fn comments_are_allowed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("config.json");
        std::fs::write(
            &path,
            "{\n // Orthanc style\n \"ConcurrentJobs\": 1, /* block */ \"SaveJobs\": true\n}\n",
        )
        .expect("write");
        let c = Config::load(&path, true).expect("loads");
        assert_eq!(c.concurrent_jobs, 1);
    }

    #[test]
    fn corrupt_file_is_an_error_naming_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("config.json");
        std::fs::write(&path, "{ \"SaveJobs\": tru").expect("write");
        let e = Config::load(&path, false).expect_err("corrupt");
        let msg = e.to_string();
        assert!(
            msg.contains("config.json") && msg.contains("not valid JSON"),
            "{msg}"
        );
    }

    #[test]
    fn https_options_are_read_with_paths_from_the_config_directory() {
        let c = parse("{}").expect("valid");
        assert!(!c.https.ssl_enabled && c.network.peer_https.verify);
        assert_eq!(c.https.minimum_protocol_version, 4);
        let c = parse(
            r#"{"SslEnabled": true, "SslCertificate": "tls/server.pem", "SslPrivateKey": "/k.pem",
                "SslMinimumProtocolVersion": 5, "SslVerifyPeers": true,
                "SslTrustedClientCertificates": "clients.pem", "HttpsVerifyPeers": false,
                "HttpsCACertificates": "ca.pem", "AllowInsecureRemote": true}"#,
        )
        .expect("valid");
        let h = &c.https;
        assert!(h.ssl_enabled && h.verify_clients && h.allow_insecure_remote);
        assert!(!c.network.peer_https.verify);
        assert_eq!(
            h.certificate,
            Some(PathBuf::from("/etc/dicomq/tls/server.pem"))
        );
        assert_eq!(h.private_key, Some(PathBuf::from("/k.pem")));
        assert_eq!(h.minimum_protocol_version, 5);
        assert_eq!(
            h.trusted_client_certificates,
            Some(PathBuf::from("/etc/dicomq/clients.pem"))
        );
        assert_eq!(
            c.network.peer_https.ca_certificates,
            Some(PathBuf::from("/etc/dicomq/ca.pem"))
        );
        assert!(c.unknown_keys.is_empty());
        let e = parse(r#"{"SslMinimumProtocolVersion": 6}"#).expect_err("unknown version");
        assert!(e.contains("SslMinimumProtocolVersion"), "{e}");
        let e = parse(r#"{"SslEnabled": "yes"}"#).expect_err("wrong type");
        assert!(e.contains("SslEnabled") && e.contains("boolean"), "{e}");
    }

    #[test]
    fn dicom_tls_options_are_read_with_paths_from_the_config_directory() {
        let t = parse("{}").expect("valid").network.dicom_tls;
        assert!(!t.enabled && t.remote_certificate_required && t.certificate.is_none());
        let c = parse(
            r#"{"DicomTlsEnabled": true, "DicomTlsCertificate": "tls/dicom.crt",
                "DicomTlsPrivateKey": "/k.pem", "DicomTlsTrustedCertificates": "cas.pem",
                "DicomTlsRemoteCertificateRequired": false, "DicomTlsMinimumProtocolVersion": 5,
                "DicomModalities": {"pacs": {"AET": "PACS", "Host": "h", "Port": 104,
                                             "UseDicomTls": true}}}"#,
        )
        .expect("valid");
        let t = &c.network.dicom_tls;
        assert!(t.enabled && !t.remote_certificate_required);
        assert_eq!(
            t.certificate,
            Some(PathBuf::from("/etc/dicomq/tls/dicom.crt"))
        );
        assert_eq!(t.private_key, Some(PathBuf::from("/k.pem")));
        assert_eq!(
            t.trusted_certificates,
            Some(PathBuf::from("/etc/dicomq/cas.pem"))
        );
        assert_eq!(t.minimum_protocol_version, 5);
        assert!(c.network.modalities["pacs"].use_dicom_tls);
        assert_eq!(c.network.modalities["pacs"].to_json()["UseDicomTls"], true);
        assert!(c.unknown_keys.is_empty());
        let e = parse(r#"{"DicomTlsMinimumProtocolVersion": 2}"#).expect_err("TLS 1.0");
        assert!(
            e.contains("DicomTlsMinimumProtocolVersion") && e.contains("TLS 1.0"),
            "{e}"
        );
        let e = parse(r#"{"DicomTlsCertificate": 3}"#).expect_err("not a path");
        assert!(e.contains("DicomTlsCertificate"), "{e}");
    }

    #[test]
    fn missing_file_is_fine_unless_required() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("nope.json");
        assert!(Config::load(&path, false).is_ok());
        assert!(Config::load(&path, true).is_err());
    }
}
