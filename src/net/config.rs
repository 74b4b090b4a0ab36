//! The DICOM network and peer options of `config.json`, with Orthanc's names and defaults:
//! `DicomAet`, `DicomPort`, `DicomModalities`, `OrthancPeers`, the SCU/SCP timeouts, the SCP's
//! access rules and `MaximumPduLength`, DICOM TLS (`DicomTls*`) and how https:// peers are
//! verified (`HttpsVerifyPeers`, `HttpsCACertificates`). Parsed and checked at load, so a typo in
//! a modality is an error at start and not a failed job at night (certificate files are read
//! where they are used: `net/dicom_tls.rs`, `net/peer_tls.rs`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Map, Value, json};

/// Orthanc's defaults, except the AET (`DICOMQ`, ours) and the port (no SCP unless asked).
pub const DEFAULT_AET: &str = "DICOMQ";
pub const DEFAULT_SCU_TIMEOUT_S: u64 = 10;
pub const DEFAULT_SCP_TIMEOUT_S: u64 = 30;
pub const DEFAULT_MAX_PDU: u32 = 16384;
/// PS3.8 9.3.1: the smallest maximum PDU length that is not "unlimited" (0).
pub const MIN_PDU: u32 = 4096;
/// Our ceiling on a PDU we accept or propose: a hostile peer cannot make us allocate more.
pub const MAX_PDU: u32 = 4 << 20;

#[derive(Debug, Clone, PartialEq)]
pub struct NetworkConfig {
    /// Our AE title (`DicomAet`): the calling AET of our associations, the called AET we answer.
    pub aet: String,
    /// The C-STORE SCP's port (`DicomPort`); `None`: no SCP unless `daemon --dicom`.
    pub port: Option<u16>,
    pub modalities: BTreeMap<String, Modality>,
    pub peers: BTreeMap<String, Peer>,
    /// `DicomScuTimeout`: connect, answer and idle timeout of our associations.
    pub scu_timeout: Duration,
    /// `DicomScpTimeout`: how long the SCP waits on an idle association.
    pub scp_timeout: Duration,
    /// `DicomCheckCalledAet`: refuse associations not addressed to `aet`.
    pub check_called_aet: bool,
    /// `DicomAlwaysAllowStore` / `DicomAlwaysAllowEcho`: serve callers that are not in
    /// `DicomModalities` (Orthanc's defaults: true).
    pub always_allow_store: bool,
    pub always_allow_echo: bool,
    /// `MaximumPduLength`, clamped to `MIN_PDU..=MAX_PDU`.
    pub max_pdu: u32,
    /// DICOM TLS of the SCP, and of the SCU towards modalities with `UseDicomTls`.
    pub dicom_tls: DicomTls,
    /// How the server of an https:// peer is verified.
    pub peer_https: PeerHttps,
}

/// Orthanc's `DicomTls*` options. The SCP is TLS-only when `enabled`; the SCU uses TLS towards a
/// modality with `UseDicomTls`, whatever `enabled` says (as Orthanc).
#[derive(Debug, Clone, PartialEq)]
pub struct DicomTls {
    /// `DicomTlsEnabled`.
    pub enabled: bool,
    /// `DicomTlsCertificate` (PEM): ours, as the SCP's server certificate and the SCU's client
    /// certificate.
    pub certificate: Option<PathBuf>,
    /// `DicomTlsPrivateKey` (PEM): the key of `certificate`.
    pub private_key: Option<PathBuf>,
    /// `DicomTlsTrustedCertificates` (a PEM bundle): the CAs a remote's certificate must chain
    /// to, a client's (SCP) or a server's (SCU).
    pub trusted_certificates: Option<PathBuf>,
    /// `DicomTlsRemoteCertificateRequired` (default true): the SCP asks for a client
    /// certificate and refuses a client without one; false: it asks for none (Orthanc's
    /// `--ignore-peer-cert`).
    pub remote_certificate_required: bool,
    /// `DicomTlsMinimumProtocolVersion`: Orthanc's numbers (0, the default, and 4: TLS 1.2 and
    /// 1.3; 5: TLS 1.3 only).
    pub minimum_protocol_version: u64,
}

impl Default for DicomTls {
    fn default() -> Self {
        DicomTls {
            enabled: false,
            certificate: None,
            private_key: None,
            trusted_certificates: None,
            remote_certificate_required: true,
            minimum_protocol_version: 0,
        }
    }
}

/// `HttpsVerifyPeers` (default true) and `HttpsCACertificates` (a PEM bundle; unset: the
/// system's, as Orthanc on Debian).
#[derive(Debug, Clone, PartialEq)]
pub struct PeerHttps {
    pub verify: bool,
    pub ca_certificates: Option<PathBuf>,
}

impl Default for PeerHttps {
    fn default() -> Self {
        PeerHttps {
            verify: true,
            ca_certificates: None,
        }
    }
}

impl Default for NetworkConfig {
    fn default() -> Self {
        NetworkConfig {
            aet: DEFAULT_AET.into(),
            port: None,
            modalities: BTreeMap::new(),
            peers: BTreeMap::new(),
            scu_timeout: Duration::from_secs(DEFAULT_SCU_TIMEOUT_S),
            scp_timeout: Duration::from_secs(DEFAULT_SCP_TIMEOUT_S),
            check_called_aet: false,
            always_allow_store: true,
            always_allow_echo: true,
            max_pdu: DEFAULT_MAX_PDU,
            dicom_tls: DicomTls::default(),
            peer_https: PeerHttps::default(),
        }
    }
}

/// One entry of `DicomModalities`.
#[derive(Debug, Clone, PartialEq)]
pub struct Modality {
    pub aet: String,
    pub host: String,
    pub port: u16,
    /// Orthanc's `Manufacturer` (`Generic`, `GE`, ...): kept and shown, no behaviour yet.
    pub manufacturer: String,
    pub allow_echo: bool,
    pub allow_store: bool,
    /// The other `Allow*` flags of the long form, kept as given so `GET /modalities?expand`
    /// shows what the file says (dicomq serves none of those services yet).
    pub other_allows: BTreeMap<String, bool>,
    /// Per-modality SCU timeout (`Timeout`, seconds; 0 or absent: `DicomScuTimeout`).
    pub timeout: Option<Duration>,
    /// Our AET towards this modality (`LocalAet`; absent: `DicomAet`).
    pub local_aet: Option<String>,
    /// `UseDicomTls`: associate over DICOM TLS (the `DicomTls*` options).
    pub use_dicom_tls: bool,
}

/// One entry of `OrthancPeers`.
#[derive(Debug, Clone, PartialEq)]
pub struct Peer {
    pub url: String,
    pub username: Option<String>,
    pub password: Option<String>,
    /// Extra headers sent with every request (`HttpHeaders`).
    pub http_headers: BTreeMap<String, String>,
    /// `Timeout` (seconds; absent: Orthanc's `HttpTimeout` default of 60).
    pub timeout: Option<Duration>,
}

const MODALITY_ALLOWS: &[&str] = &[
    "AllowEcho",
    "AllowFind",
    "AllowFindWorklist",
    "AllowGet",
    "AllowMove",
    "AllowStore",
    "AllowStorageCommitment",
    "AllowTranscoding",
    "AllowNAction",
    "AllowEventReport",
];

impl NetworkConfig {
    /// Reads one network key of the config file; `Ok(false)` when `key` is not one of ours.
    pub fn read_key(&mut self, key: &str, value: &Value) -> Result<bool, String> {
        let uint = || {
            value
                .as_u64()
                .ok_or_else(|| format!("\"{key}\" must be a non-negative integer"))
        };
        let boolean = || {
            value
                .as_bool()
                .ok_or_else(|| format!("\"{key}\" must be a boolean (true or false)"))
        };
        // Kept as written; `anchor_paths` makes a relative one relative to the config file.
        let path = || {
            value
                .as_str()
                .filter(|s| !s.is_empty())
                .map(PathBuf::from)
                .ok_or_else(|| format!("\"{key}\" must be a file path (a non-empty string)"))
        };
        match key {
            "DicomAet" => {
                let aet = value
                    .as_str()
                    .ok_or_else(|| format!("\"{key}\" must be a string"))?;
                self.aet = check_aet(aet).map_err(|e| format!("\"{key}\": {e}"))?;
            }
            "DicomPort" => {
                self.port = Some(
                    port(value)
                        .ok_or_else(|| format!("\"{key}\" must be a port number (1-65535)"))?,
                );
            }
            "DicomModalities" => {
                let entries = value
                    .as_object()
                    .ok_or_else(|| format!("\"{key}\" must be an object"))?;
                for (name, entry) in entries {
                    let modality = Modality::from_json(entry)
                        .map_err(|e| format!("\"{key}\" → \"{}\": {e}", escape(name)))?;
                    self.modalities.insert(name.clone(), modality);
                }
            }
            "OrthancPeers" => {
                let entries = value
                    .as_object()
                    .ok_or_else(|| format!("\"{key}\" must be an object"))?;
                for (name, entry) in entries {
                    let peer = Peer::from_json(entry)
                        .map_err(|e| format!("\"{key}\" → \"{}\": {e}", escape(name)))?;
                    self.peers.insert(name.clone(), peer);
                }
            }
            "DicomScuTimeout" => self.scu_timeout = Duration::from_secs(uint()?),
            "DicomScpTimeout" => self.scp_timeout = Duration::from_secs(uint()?),
            "DicomCheckCalledAet" => self.check_called_aet = boolean()?,
            "DicomAlwaysAllowStore" => self.always_allow_store = boolean()?,
            "DicomAlwaysAllowEcho" => self.always_allow_echo = boolean()?,
            "DicomTlsEnabled" => self.dicom_tls.enabled = boolean()?,
            "DicomTlsCertificate" => self.dicom_tls.certificate = Some(path()?),
            "DicomTlsPrivateKey" => self.dicom_tls.private_key = Some(path()?),
            "DicomTlsTrustedCertificates" => {
                self.dicom_tls.trusted_certificates = Some(path()?);
            }
            "DicomTlsRemoteCertificateRequired" => {
                self.dicom_tls.remote_certificate_required = boolean()?;
            }
            "DicomTlsMinimumProtocolVersion" => {
                let v = uint()?;
                crate::tls::MinVersion::from_orthanc(key, v).map_err(|e| e.to_string())?;
                self.dicom_tls.minimum_protocol_version = v;
            }
            "HttpsVerifyPeers" => self.peer_https.verify = boolean()?,
            "HttpsCACertificates" => self.peer_https.ca_certificates = Some(path()?),
            "MaximumPduLength" => {
                self.max_pdu = u32::try_from(uint()?)
                    .unwrap_or(MAX_PDU)
                    .clamp(MIN_PDU, MAX_PDU);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Makes the relative paths of the TLS options relative to `base` (the config's directory).
    pub fn anchor_paths(&mut self, base: &Path) {
        let t = &mut self.dicom_tls;
        for p in [
            &mut t.certificate,
            &mut t.private_key,
            &mut t.trusted_certificates,
            &mut self.peer_https.ca_certificates,
        ]
        .into_iter()
        .flatten()
        {
            *p = base.join(&*p);
        }
    }

    /// The modality a caller's AET and address match, as Orthanc finds it (by AET; when several
    /// modalities share the AET, the one whose host is the caller's address).
    pub fn modality_of_caller(&self, aet: &str, ip: &std::net::IpAddr) -> Option<&Modality> {
        let mut same_aet = self.modalities.values().filter(|m| m.aet == aet);
        let first = same_aet.next()?;
        let Some(second) = same_aet.next() else {
            return Some(first);
        };
        [first, second]
            .into_iter()
            .chain(same_aet)
            .find(|m| host_is(&m.host, ip))
    }
}

fn host_is(host: &str, ip: &std::net::IpAddr) -> bool {
    host.parse::<std::net::IpAddr>().is_ok_and(|h| &h == ip)
        || (host == "localhost" && ip.is_loopback())
}

impl Modality {
    /// The short form `["AET", "host", port(, "Manufacturer")]` or the long form.
    pub fn from_json(entry: &Value) -> Result<Modality, String> {
        match entry {
            Value::Array(items) => {
                if !(3..=4).contains(&items.len()) {
                    return Err(
                        "the short form is [\"AET\", \"host\", port] or [\"AET\", \"host\", port, \"Manufacturer\"]"
                            .into(),
                    );
                }
                let aet = items[0].as_str().ok_or("the AET must be a string")?;
                let host = items[1].as_str().ok_or("the host must be a string")?;
                let port = port(&items[2]).ok_or("the port must be a number (1-65535)")?;
                let manufacturer = match items.get(3) {
                    Some(v) => v.as_str().ok_or("the manufacturer must be a string")?,
                    None => "Generic",
                };
                Ok(Modality {
                    aet: check_aet(aet)?,
                    host: check_host(host)?,
                    port,
                    manufacturer: manufacturer.into(),
                    allow_echo: true,
                    allow_store: true,
                    other_allows: BTreeMap::new(),
                    timeout: None,
                    local_aet: None,
                    use_dicom_tls: false,
                })
            }
            Value::Object(fields) => Modality::from_long_form(fields),
            _ => Err("must be an array [\"AET\", \"host\", port] or an object".into()),
        }
    }

    fn from_long_form(fields: &Map<String, Value>) -> Result<Modality, String> {
        let string = |name: &str| -> Result<Option<&str>, String> {
            match fields.get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s)),
                Some(_) => Err(format!("\"{name}\" must be a string")),
            }
        };
        let aet = string("AET")?.ok_or("\"AET\" is missing")?;
        let host = string("Host")?.ok_or("\"Host\" is missing")?;
        let port = port(fields.get("Port").ok_or("\"Port\" is missing")?)
            .ok_or("\"Port\" must be a number (1-65535)")?;
        let mut modality = Modality {
            aet: check_aet(aet)?,
            host: check_host(host)?,
            port,
            manufacturer: string("Manufacturer")?.unwrap_or("Generic").into(),
            allow_echo: true,
            allow_store: true,
            other_allows: BTreeMap::new(),
            timeout: None,
            local_aet: string("LocalAet")?.map(check_aet).transpose()?,
            use_dicom_tls: false,
        };
        for (name, value) in fields {
            match name.as_str() {
                "AET" | "Host" | "Port" | "Manufacturer" | "LocalAet" => {}
                "UseDicomTls" => {
                    modality.use_dicom_tls =
                        value.as_bool().ok_or("\"UseDicomTls\" must be a boolean")?;
                }
                "Timeout" => {
                    let seconds = value.as_u64().ok_or("\"Timeout\" must be a number")?;
                    modality.timeout = (seconds > 0).then(|| Duration::from_secs(seconds));
                }
                allow if MODALITY_ALLOWS.contains(&allow) => {
                    let on = value
                        .as_bool()
                        .ok_or_else(|| format!("\"{allow}\" must be a boolean"))?;
                    match allow {
                        "AllowEcho" => modality.allow_echo = on,
                        "AllowStore" => modality.allow_store = on,
                        _ => {
                            modality.other_allows.insert(allow.into(), on);
                        }
                    }
                }
                // Orthanc's other fields (RetrieveMethod, ...) are accepted and
                // not acted upon, as an orthanc.json is reused as it is.
                _ => {}
            }
        }
        Ok(modality)
    }

    /// Orthanc's long form, as `GET /modalities?expand` and `/modalities/{id}/configuration`
    /// show it.
    pub fn to_json(&self) -> Value {
        let mut v = json!({
            "AET": self.aet,
            "Host": self.host,
            "Port": self.port,
            "Manufacturer": self.manufacturer,
            "AllowEcho": self.allow_echo,
            "AllowStore": self.allow_store,
            "Timeout": self.timeout.map_or(0, |t| t.as_secs()),
            "UseDicomTls": self.use_dicom_tls,
        });
        if let Value::Object(map) = &mut v {
            for allow in MODALITY_ALLOWS {
                if !map.contains_key(*allow) {
                    let on = self.other_allows.get(*allow).copied().unwrap_or(true);
                    map.insert((*allow).into(), Value::Bool(on));
                }
            }
            if let Some(local) = &self.local_aet {
                map.insert("LocalAet".into(), Value::String(local.clone()));
            }
        }
        v
    }
}

impl Peer {
    /// The short form `["url"(, "user", "password")]` or the long form.
    pub fn from_json(entry: &Value) -> Result<Peer, String> {
        let (url, username, password, headers, timeout) = match entry {
            Value::Array(items) => {
                if !(items.len() == 1 || items.len() == 3) {
                    return Err(
                        "the short form is [\"url\"] or [\"url\", \"user\", \"password\"]".into(),
                    );
                }
                let text = |i: usize, what: &str| -> Result<Option<String>, String> {
                    match items.get(i) {
                        None => Ok(None),
                        Some(Value::String(s)) => Ok(Some(s.clone())),
                        Some(_) => Err(format!("the {what} must be a string")),
                    }
                };
                (
                    text(0, "URL")?.unwrap_or_default(),
                    text(1, "user name")?,
                    text(2, "password")?,
                    BTreeMap::new(),
                    None,
                )
            }
            Value::Object(fields) => {
                let text = |name: &str| -> Result<Option<String>, String> {
                    match fields.get(name) {
                        None | Some(Value::Null) => Ok(None),
                        Some(Value::String(s)) => Ok(Some(s.clone())),
                        Some(_) => Err(format!("\"{name}\" must be a string")),
                    }
                };
                let mut headers = BTreeMap::new();
                match fields.get("HttpHeaders") {
                    None | Some(Value::Null) => {}
                    Some(Value::Object(h)) => {
                        for (name, value) in h {
                            let value = value
                                .as_str()
                                .ok_or("\"HttpHeaders\" values must be strings")?;
                            if !header_token(name) || value.chars().any(|c| c.is_control()) {
                                return Err(format!(
                                    "\"HttpHeaders\": \"{}\" is not a valid header",
                                    escape(name)
                                ));
                            }
                            headers.insert(name.clone(), value.to_string());
                        }
                    }
                    Some(_) => return Err("\"HttpHeaders\" must be an object".into()),
                }
                let timeout = match fields.get("Timeout") {
                    None | Some(Value::Null) => None,
                    Some(v) => {
                        let s = v.as_u64().ok_or("\"Timeout\" must be a number")?;
                        (s > 0).then(|| Duration::from_secs(s))
                    }
                };
                (
                    text("Url")?.or(text("URL")?).ok_or("\"Url\" is missing")?,
                    text("Username")?,
                    text("Password")?,
                    headers,
                    timeout,
                )
            }
            _ => {
                return Err(
                    "must be an array [\"url\", \"user\", \"password\"] or an object".into(),
                );
            }
        };
        if !(url.starts_with("http://") || url.starts_with("https://")) || url.len() <= 8 {
            return Err(format!(
                "\"{}\" is not an http:// or https:// URL",
                escape(&url)
            ));
        }
        Ok(Peer {
            url,
            username,
            password,
            http_headers: headers,
            timeout,
        })
    }

    /// Orthanc's shape for `GET /peers?expand`: never the password.
    pub fn to_json(&self) -> Value {
        json!({
            "Url": self.url,
            "Username": self.username,
            "HttpHeaders": self.http_headers.keys().collect::<Vec<_>>(),
            "Pkcs11": false,
            "Timeout": self.timeout.map_or(0, |t| t.as_secs()),
        })
    }
}

/// An AE title as PS3.5 allows it: 1 to 16 characters of the default repertoire, no
/// backslash, no control characters, not only spaces. Leading/trailing spaces are not
/// significant and are trimmed.
pub fn check_aet(aet: &str) -> Result<String, String> {
    let trimmed = aet.trim_matches(' ');
    if trimmed.is_empty() || aet.len() > 16 {
        return Err(format!(
            "the AE title \"{}\" must have 1 to 16 characters",
            escape(aet)
        ));
    }
    if !aet.chars().all(|c| c.is_ascii_graphic() || c == ' ') || aet.contains('\\') {
        return Err(format!(
            "the AE title \"{}\" may hold printable ASCII characters only, no backslash",
            escape(aet)
        ));
    }
    Ok(trimmed.to_string())
}

fn check_host(host: &str) -> Result<String, String> {
    if host.is_empty()
        || host.len() > 253
        || !host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '_'))
    {
        return Err(format!(
            "\"{}\" is not a host name or address",
            escape(host)
        ));
    }
    Ok(host.to_string())
}

fn header_token(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

fn port(v: &Value) -> Option<u16> {
    v.as_u64()
        .filter(|p| (1..=65535).contains(p))
        .and_then(|p| u16::try_from(p).ok())
}

fn escape(s: &str) -> String {
    s.escape_default().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(key: &str, value: Value) -> Result<NetworkConfig, String> {
        let mut c = NetworkConfig::default();
        assert!(c.read_key(key, &value)?, "{key} is a network key");
        Ok(c)
    }

    #[test]
    fn defaults_are_orthancs_but_the_aet() {
        let c = NetworkConfig::default();
        assert_eq!(c.aet, "DICOMQ");
        assert_eq!(c.port, None);
        assert_eq!(c.scu_timeout, Duration::from_secs(10));
        assert_eq!(c.scp_timeout, Duration::from_secs(30));
        assert!(!c.check_called_aet && c.always_allow_store && c.always_allow_echo);
        assert_eq!(c.max_pdu, 16384);
    }

    #[test]
    fn both_modality_forms() {
        let c = read(
            "DicomModalities",
            json!({
                "short": ["STORESCP", "127.0.0.1", 11112],
                "ge": ["GEPACS", "pacs.example", 104, "GE"],
                "long": {"AET": "LONG", "Host": "10.0.0.2", "Port": 4242, "AllowStore": false,
                          "AllowFind": false, "Timeout": 3, "LocalAet": "ME", "UseDicomTls": false}
            }),
        )
        .expect("valid");
        let short = &c.modalities["short"];
        assert_eq!(
            (short.aet.as_str(), short.host.as_str(), short.port),
            ("STORESCP", "127.0.0.1", 11112)
        );
        assert!(short.allow_store && short.allow_echo);
        assert_eq!(c.modalities["ge"].manufacturer, "GE");
        let long = &c.modalities["long"];
        assert!(!long.allow_store && long.allow_echo);
        assert_eq!(long.timeout, Some(Duration::from_secs(3)));
        assert_eq!(long.local_aet.as_deref(), Some("ME"));
        let shown = long.to_json();
        assert_eq!(shown["AllowFind"], json!(false));
        assert_eq!(shown["AllowMove"], json!(true));
        assert_eq!(shown["AllowStore"], json!(false));
    }

    #[test]
    fn bad_modalities_are_named() {
        for (entry, want) in [
            (json!(["X", "h"]), "short form"),
            (json!(["AN_AET_LONGER_THAN_16", "h", 104]), "1 to 16"),
            (json!(["A\\B", "h", 104]), "backslash"),
            (json!(["A", "h", 0]), "port"),
            (json!(["A", "h", 70000]), "port"),
            (json!(["A", "bad host!", 104]), "host"),
            (json!({"AET": "A", "Host": "h"}), "\"Port\" is missing"),
            (
                json!({"AET": "A", "Host": "h", "Port": 1, "AllowStore": "yes"}),
                "AllowStore",
            ),
            (json!(7), "array"),
        ] {
            let e = read("DicomModalities", json!({"pacs": entry})).expect_err("invalid");
            assert!(
                e.contains("\"pacs\"") && e.contains(want),
                "{e} (want {want})"
            );
        }
    }

    #[test]
    fn both_peer_forms_and_no_password_shown() {
        let c = read(
            "OrthancPeers",
            json!({
                "a": ["http://127.0.0.1:8042/", "alice", "secret"],
                "b": {"Url": "https://pacs/orthanc", "Username": "bob", "Password": "pw",
                      "HttpHeaders": {"X-Token": "t"}, "Timeout": 5}
            }),
        )
        .expect("valid");
        assert_eq!(c.peers["a"].password.as_deref(), Some("secret"));
        let b = &c.peers["b"];
        assert_eq!(b.http_headers["X-Token"], "t");
        let shown = b.to_json().to_string();
        assert!(
            !shown.contains("pw") && shown.contains("X-Token"),
            "{shown}"
        );
        let e = read("OrthancPeers", json!({"p": ["ftp://x"]})).expect_err("not http");
        assert!(e.contains("\"p\"") && e.contains("http"), "{e}");
        let e = read(
            "OrthancPeers",
            json!({"p": {"Url": "http://x", "HttpHeaders": {"A\nB": "v"}}}),
        )
        .expect_err("bad header");
        assert!(e.contains("header"), "{e}");
    }

    #[test]
    fn scalar_options() {
        assert_eq!(read("DicomAet", json!("  PACS ")).expect("ok").aet, "PACS");
        assert!(read("DicomAet", json!("")).is_err());
        assert_eq!(read("DicomPort", json!(4242)).expect("ok").port, Some(4242));
        assert!(read("DicomPort", json!(0)).is_err());
        assert_eq!(
            read("MaximumPduLength", json!(1)).expect("ok").max_pdu,
            MIN_PDU
        );
        assert_eq!(
            read("MaximumPduLength", json!(1u64 << 40))
                .expect("ok")
                .max_pdu,
            MAX_PDU
        );
        assert!(
            !read("DicomAlwaysAllowStore", json!(false))
                .expect("ok")
                .always_allow_store
        );
        assert!(read("DicomCheckCalledAet", json!(1)).is_err());
        let mut c = NetworkConfig::default();
        assert_eq!(c.read_key("HttpPort", &json!(1)), Ok(false));
    }

    #[test]
    fn caller_is_found_by_aet_then_host() {
        let c = read(
            "DicomModalities",
            json!({"a": ["CT", "10.0.0.1", 104], "b": ["CT", "10.0.0.2", 104], "c": ["MR", "h", 1]}),
        )
        .expect("valid");
        let ip = |s: &str| s.parse::<std::net::IpAddr>().expect("ip");
        assert_eq!(
            c.modality_of_caller("MR", &ip("1.2.3.4")).map(|m| m.port),
            Some(1)
        );
        assert_eq!(
            c.modality_of_caller("CT", &ip("10.0.0.2"))
                .map(|m| m.host.as_str()),
            Some("10.0.0.2")
        );
        assert!(c.modality_of_caller("CT", &ip("10.0.0.3")).is_none());
        assert!(c.modality_of_caller("XA", &ip("10.0.0.1")).is_none());
    }
}
