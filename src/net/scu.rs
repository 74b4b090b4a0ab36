//! Our side of an association as a service user (SCU), over dicom-ul's sync client, on TCP or
//! DICOM TLS (`UseDicomTls`): open with the presentation contexts a job needs, C-ECHO, C-STORE
//! of a stored file's data set as its bytes are (no transcoding), release. Every failure says
//! whether trying again later may work (`Transient`: the remote is down, slow or busy) or not
//! (`Permanent`: it refused us, our TLS or its certificate, or the instance), which is what a
//! send job's retry policy turns on.

use std::collections::BTreeSet;
use std::io::Write;
use std::net::TcpStream;
use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant};

use dicom_ul::association::Error as UlError;
use dicom_ul::association::client::{ClientAssociation, ClientAssociationOptions, TlsStream};
use dicom_ul::pdu::{
    AssociationRJ, AssociationRJResult, AssociationRJSource, PDataValue, PDataValueType, Pdu,
    PresentationContextNegotiated,
};

use super::SendError;
use super::config::DicomTls;
use super::dimse::{self, Command, StatusClass, field};

/// Explicit VR Little Endian and Implicit VR Little Endian, proposed besides each file's own.
pub const EXPLICIT_LE: &str = "1.2.840.10008.1.2.1";
pub const IMPLICIT_LE: &str = "1.2.840.10008.1.2";

/// PS3.8 9.3.2.2: presentation context IDs are odd, 1..=255.
const MAX_CONTEXTS: usize = 128;

/// Where and how to associate.
#[derive(Debug, Clone, PartialEq)]
pub struct Remote {
    pub calling_aet: String,
    pub called_aet: String,
    pub host: String,
    pub port: u16,
    /// Connect, read and write timeout.
    pub timeout: Duration,
    /// The largest PDU we accept (`MaximumPduLength`).
    pub max_pdu: u32,
    /// Some: over DICOM TLS with these options (the modality's `UseDicomTls`).
    pub tls: Option<DicomTls>,
}

/// What a C-STORE answered when it was not a failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub status: u16,
    /// A warning status (0x0111 duplicate, Bxxx coercion...): stored, as Orthanc counts it.
    pub warning: Option<String>,
}

/// Given to a plain association only so that dicom-ul (0.10.1, with its TLS features) does not
/// guess: without a TLS configuration, any failed read of the A-ASSOCIATE answer (a timeout, a
/// reset) becomes "TLS not enabled, but peer seems to be sending TLS data", hiding what
/// happened and whether it may pass. A plain `establish` never uses the configuration.
static NO_TLS_GUESS: LazyLock<Option<Arc<rustls::ClientConfig>>> = LazyLock::new(|| {
    let builder = rustls::ClientConfig::builder_with_provider(crate::tls::provider())
        .with_safe_default_protocol_versions()
        .ok()?;
    let config = builder
        .with_root_certificates(rustls::RootCertStore::empty())
        .with_no_client_auth();
    Some(Arc::new(config))
});

/// An association on TCP, or on TLS over TCP: the same operations on either.
enum Link {
    Tcp(ClientAssociation<TcpStream>),
    Tls(Box<ClientAssociation<TlsStream>>),
}

/// `$body` with `$a` bound to the association whichever link it is on.
macro_rules! on_link {
    ($link:expr, $a:ident => $body:expr) => {
        match $link {
            Link::Tcp($a) => $body,
            Link::Tls($a) => $body,
        }
    };
}

impl Link {
    fn tcp(&mut self) -> &TcpStream {
        match self {
            Link::Tcp(a) => a.inner_stream(),
            Link::Tls(a) => a.inner_stream().get_ref(),
        }
    }

    fn presentation_contexts(&self) -> &[PresentationContextNegotiated] {
        on_link!(self, a => a.presentation_contexts())
    }

    fn send(&mut self, pdu: &Pdu) -> Result<(), UlError> {
        on_link!(self, a => a.send(pdu))
    }

    fn receive(&mut self) -> Result<Pdu, UlError> {
        on_link!(self, a => a.receive())
    }

    /// A data set in P-DATA fragments on context `pc`.
    fn send_data(&mut self, pc: u8, data: &[u8]) -> std::io::Result<()> {
        on_link!(self, a => {
            let mut writer = a.send_pdata(pc);
            writer.write_all(data).and_then(|()| writer.finish())
        })
    }

    fn release(self) -> Result<(), UlError> {
        on_link!(self, a => a.release())
    }

    fn abort(self) -> Result<(), UlError> {
        on_link!(self, a => a.abort())
    }
}

/// One open association.
pub struct Association {
    inner: Option<Link>,
    remote: Remote,
    next_message_id: u16,
    last_used: Instant,
}

/// The presentation contexts to propose: for each (SOP class, transfer syntax) a context
/// offering that syntax alone (so the remote cannot pick another for it), and for each SOP class
/// one offering the two uncompressed syntaxes. Capped at the 128 contexts an association has
/// (the classes that do not fit fail as refused).
pub fn contexts(pairs: &BTreeSet<(String, String)>) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    let mut classes = BTreeSet::new();
    for (class, ts) in pairs {
        out.push((class.clone(), vec![ts.clone()]));
        classes.insert(class.clone());
    }
    for class in classes {
        let covered = |ts: &str| pairs.contains(&(class.clone(), ts.to_string()));
        if !(covered(EXPLICIT_LE) && covered(IMPLICIT_LE)) {
            out.push((class, vec![EXPLICIT_LE.into(), IMPLICIT_LE.into()]));
        }
    }
    out.truncate(MAX_CONTEXTS);
    out
}

impl Association {
    /// Opens an association proposing `contexts` (see `contexts`), or Verification alone when
    /// empty.
    pub fn open(remote: &Remote, contexts: &[(String, Vec<String>)]) -> Result<Self, SendError> {
        let mut options = ClientAssociationOptions::new()
            .calling_ae_title(remote.calling_aet.clone())
            .called_ae_title(remote.called_aet.clone())
            .max_pdu_length(remote.max_pdu)
            .connection_timeout(remote.timeout)
            .read_timeout(remote.timeout)
            .write_timeout(remote.timeout);
        if contexts.is_empty() {
            options = options.with_abstract_syntax(super::VERIFICATION);
        }
        for (class, syntaxes) in contexts {
            options = options.with_presentation_context(class.clone(), syntaxes.clone());
        }
        let address = (remote.host.as_str(), remote.port);
        let mut inner = match &remote.tls {
            None => {
                if let Some(config) = NO_TLS_GUESS.as_ref() {
                    options = options.tls_config(Arc::clone(config));
                }
                Link::Tcp(
                    options
                        .establish(address)
                        .map_err(|e| classify(remote, "associate with", e))?,
                )
            }
            Some(tls) => {
                let config = super::dicom_tls::client_config(tls).map_err(|e| {
                    SendError::Permanent(format!(
                        "DICOM TLS towards {} is not usable: {e}",
                        remote.called_aet
                    ))
                })?;
                let association = options
                    .tls_config(config)
                    .server_name(&remote.host)
                    .establish_tls(address)
                    .map_err(|e| classify(remote, "associate over DICOM TLS with", e))?;
                Link::Tls(Box::new(association))
            }
        };
        // A C-STORE is a small command PDU, the data PDUs, then a small answer: with Nagle's
        // algorithm each exchange would wait for the peer's delayed ACK (~40 ms).
        if let Err(e) = inner.tcp().set_nodelay(true) {
            tracing::debug!("TCP_NODELAY towards {}: {e}", remote.called_aet);
        }
        Ok(Association {
            inner: Some(inner),
            remote: remote.clone(),
            next_message_id: 1,
            last_used: Instant::now(),
        })
    }

    pub fn remote(&self) -> &Remote {
        &self.remote
    }

    /// How long since the last exchange: an association idle for long may have been closed
    /// by the remote (Orthanc closes after its `DicomScpTimeout`).
    pub fn idle(&self) -> Duration {
        self.last_used.elapsed()
    }

    fn message_id(&mut self) -> u16 {
        let id = self.next_message_id;
        self.next_message_id = self.next_message_id.checked_add(1).unwrap_or(1);
        id
    }

    fn inner(&mut self) -> Result<&mut Link, SendError> {
        self.inner
            .as_mut()
            .ok_or_else(|| SendError::Transient("the association is closed".into()))
    }

    /// C-ECHO on the Verification context.
    pub fn echo(&mut self) -> Result<(), SendError> {
        let pc = self.context_for(super::VERIFICATION, None).ok_or_else(|| {
            SendError::Permanent(format!(
                "{} refused the Verification SOP class (C-ECHO)",
                self.remote.called_aet
            ))
        })?;
        let id = self.message_id();
        self.send_command(pc, &Command::echo_rq(id))?;
        let rsp = self.receive_response(field::C_ECHO_RSP, id)?;
        match rsp.status.unwrap_or(0xFFFF) {
            dimse::status::SUCCESS => Ok(()),
            s => Err(SendError::Permanent(format!(
                "C-ECHO answered with status 0x{s:04X}"
            ))),
        }
    }

    /// C-STORE of one data set (the stored file's bytes after its meta header, in
    /// `transfer_syntax`) on the context accepted for its SOP class and transfer syntax.
    pub fn store(
        &mut self,
        sop_class: &str,
        sop_instance: &str,
        transfer_syntax: &str,
        data_set: &[u8],
    ) -> Result<Stored, SendError> {
        let pc = self
            .context_for(sop_class, Some(transfer_syntax))
            .ok_or_else(|| self.refusal(sop_class, transfer_syntax))?;
        let id = self.message_id();
        self.send_command(pc, &Command::store_rq(id, sop_class, sop_instance))?;
        {
            let remote = self.remote.clone();
            self.inner()?
                .send_data(pc, data_set)
                .map_err(|e| io_failure(&remote, "send the data set to", &e))?;
        }
        let rsp = self.receive_response(field::C_STORE_RSP, id)?;
        let status = rsp.status.unwrap_or(0xFFFF);
        let comment = rsp
            .error_comment
            .as_deref()
            .map(|c| format!(": {c}"))
            .unwrap_or_default();
        match dimse::classify(status) {
            StatusClass::Success => Ok(Stored {
                status,
                warning: None,
            }),
            StatusClass::Warning => Ok(Stored {
                status,
                warning: Some(format!(
                    "{} stored {sop_instance} with warning status 0x{status:04X}{comment}",
                    self.remote.called_aet
                )),
            }),
            _ if (status & 0xFF00) == dimse::status::OUT_OF_RESOURCES => {
                // A7xx: the remote is out of resources, which may pass.
                Err(SendError::Transient(format!(
                    "{} is out of resources (status 0x{status:04X}{comment})",
                    self.remote.called_aet
                )))
            }
            _ => Err(SendError::Instance(format!(
                "{} refused {sop_instance} with status 0x{status:04X}{comment}",
                self.remote.called_aet
            ))),
        }
    }

    /// Why an instance has no context: its SOP class refused, or only its transfer syntax.
    fn refusal(&self, sop_class: &str, transfer_syntax: &str) -> SendError {
        let class_ok = self.context_for(sop_class, None).is_some();
        SendError::Instance(if class_ok {
            format!(
                "{} refused transfer syntax {transfer_syntax} for SOP class {sop_class} \
                 (dicomq does not transcode)",
                self.remote.called_aet
            )
        } else {
            format!("{} refused SOP class {sop_class}", self.remote.called_aet)
        })
    }

    fn context_for(&self, class: &str, ts: Option<&str>) -> Option<u8> {
        self.inner.as_ref().and_then(|a| {
            a.presentation_contexts()
                .iter()
                .find(|pc| {
                    pc.abstract_syntax == class && ts.is_none_or(|t| pc.transfer_syntax == t)
                })
                .map(|pc| pc.id)
        })
    }

    fn send_command(&mut self, pc: u8, command: &Command) -> Result<(), SendError> {
        let remote = self.remote.clone();
        let pdu = Pdu::PData {
            data: vec![PDataValue {
                presentation_context_id: pc,
                value_type: PDataValueType::Command,
                is_last: true,
                data: command.encode(),
            }],
        };
        let inner = self.inner()?;
        inner
            .send(&pdu)
            .map_err(|e| classify(&remote, "send a command to", e))?;
        self.last_used = Instant::now();
        Ok(())
    }

    /// Reads the response command to message `id` (fragments joined, bounded).
    fn receive_response(&mut self, expected: u16, id: u16) -> Result<Command, SendError> {
        let remote = self.remote.clone();
        let mut bytes = Vec::new();
        loop {
            quick_ack(self.inner()?.tcp());
            let pdu = self
                .inner()?
                .receive()
                .map_err(|e| classify(&remote, "read the answer of", e))?;
            match pdu {
                Pdu::PData { data } => {
                    let mut last = false;
                    for value in data {
                        if value.value_type != PDataValueType::Command {
                            return Err(SendError::Transient(format!(
                                "{} sent a data set where a response was expected",
                                remote.called_aet
                            )));
                        }
                        if bytes.len() + value.data.len() > dimse::MAX_COMMAND_BYTES {
                            return Err(SendError::Transient(format!(
                                "{} sent a response larger than {} bytes",
                                remote.called_aet,
                                dimse::MAX_COMMAND_BYTES
                            )));
                        }
                        bytes.extend_from_slice(&value.data);
                        last |= value.is_last;
                    }
                    if last {
                        break;
                    }
                }
                Pdu::AbortRQ { source } => {
                    self.inner = None;
                    return Err(SendError::Transient(format!(
                        "{} aborted the association ({source:?})",
                        remote.called_aet
                    )));
                }
                Pdu::ReleaseRQ => {
                    self.inner = None;
                    return Err(SendError::Transient(format!(
                        "{} released the association before answering",
                        remote.called_aet
                    )));
                }
                other => {
                    return Err(SendError::Transient(format!(
                        "{} sent an unexpected {}",
                        remote.called_aet,
                        other.short_description()
                    )));
                }
            }
        }
        self.last_used = Instant::now();
        let command = Command::decode(&bytes)
            .map_err(|e| SendError::Transient(format!("{}: {e}", remote.called_aet)))?;
        if command.field != expected || command.responded_to != Some(id) {
            return Err(SendError::Transient(format!(
                "{} answered command 0x{:04X} to message {:?}, expected 0x{expected:04X} to {id}",
                remote.called_aet, command.field, command.responded_to
            )));
        }
        Ok(command)
    }

    /// A graceful A-RELEASE; errors are only logged (the work is done or already failed).
    pub fn release(mut self) {
        if let Some(inner) = self.inner.take()
            && let Err(e) = inner.release()
        {
            tracing::debug!(
                "release of the association with {}: {e}",
                self.remote.called_aet
            );
        }
    }

    /// A-ABORT, after an error that leaves the association in an unknown state.
    pub fn abort(mut self) {
        if let Some(inner) = self.inner.take() {
            let _ = inner.abort();
        }
    }
}

impl Drop for Association {
    /// Not released explicitly (a panic, an early return): aborted, never left half-open.
    fn drop(&mut self) {
        if let Some(inner) = self.inner.take() {
            let _ = inner.abort();
        }
    }
}

/// Asks the kernel to acknowledge what arrives next at once. DCMTK's SCPs write a response
/// PDU in two pieces with Nagle's algorithm on: the second waits for our ACK of the first,
/// which Linux delays by up to 40 ms, once per instance. The mode does not stick, hence a call
/// before every read.
fn quick_ack(stream: &TcpStream) {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        let on: libc::c_int = 1;
        // SAFETY: a valid socket descriptor, a pointer to a c_int and its size.
        let _ = unsafe {
            libc::setsockopt(
                stream.as_raw_fd(),
                libc::IPPROTO_TCP,
                libc::TCP_QUICKACK,
                (&on as *const libc::c_int).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            )
        };
    }
    #[cfg(not(target_os = "linux"))]
    let _ = stream;
}

/// One C-ECHO on a fresh association.
pub fn echo(remote: &Remote) -> Result<(), SendError> {
    let mut association = Association::open(remote, &[])?;
    match association.echo() {
        Ok(()) => {
            association.release();
            Ok(())
        }
        Err(e) => {
            association.abort();
            Err(e)
        }
    }
}

fn io_failure(remote: &Remote, doing: &str, e: &std::io::Error) -> SendError {
    SendError::Transient(format!(
        "could not {doing} {} at {}:{}: {e}",
        remote.called_aet, remote.host, remote.port
    ))
}

/// dicom-ul's errors as transient or permanent.
fn classify(remote: &Remote, doing: &str, e: UlError) -> SendError {
    let at = format!("{} at {}:{}", remote.called_aet, remote.host, remote.port);
    match e {
        UlError::Rejected { association_rj, .. } => rejected(&at, &association_rj),
        UlError::NoAcceptedPresentationContexts { .. } => SendError::Permanent(format!(
            "{at} accepted none of the proposed SOP classes and transfer syntaxes"
        )),
        UlError::Connect { source, .. } if source.kind() == std::io::ErrorKind::InvalidInput => {
            SendError::Permanent(format!("could not {doing} {at}: {source}"))
        }
        UlError::ToAddress { source, .. } => {
            // A host name that does not resolve may be DNS being down: transient.
            SendError::Transient(format!("could not {doing} {at}: {source}"))
        }
        UlError::Timeout { .. } => SendError::Transient(format!(
            "could not {doing} {at}: no answer within {} s",
            remote.timeout.as_secs_f64()
        )),
        // The handshake failed (its certificate is not trusted, ours is refused, it does not
        // speak TLS): the same will happen again until a certificate or the configuration
        // changes. A handshake that timed out may pass.
        UlError::TlsHandshake { ref source, .. } if !is_timeout(source) => {
            SendError::Permanent(format!(
                "could not {doing} {at}: the TLS handshake failed: {}",
                handshake_reason(source)
            ))
        }
        UlError::TlsConnection { source, .. } => {
            SendError::Permanent(format!("could not {doing} {at}: TLS: {source}"))
        }
        UlError::InvalidServerName { .. } => SendError::Permanent(format!(
            "could not {doing} {at}: \"{}\" is not a host name TLS can verify",
            remote.host
        )),
        // Under TLS 1.3 the server checks our certificate after our side of the handshake is
        // done: its refusal comes as an alert on the first read.
        ref e if rustls_in(e).is_some() => SendError::Permanent(format!(
            "could not {doing} {at}: TLS failed: {}",
            rustls_in(e).map(tls_reason).unwrap_or_default()
        )),
        other => {
            let mut text = other.to_string();
            let mut source = std::error::Error::source(&other);
            while let Some(s) = source {
                let more = s.to_string();
                if !text.contains(&more) {
                    text = format!("{text}: {more}");
                }
                source = s.source();
            }
            if is_timeout(&other) {
                text = format!(
                    "no answer within {} s ({text})",
                    remote.timeout.as_secs_f64()
                );
            }
            SendError::Transient(format!("could not {doing} {at}: {text}"))
        }
    }
}

/// The rustls error in `e`'s chain (rustls reports inside an I/O error), if any.
fn rustls_in<'e>(e: &'e (dyn std::error::Error + 'static)) -> Option<&'e rustls::Error> {
    let mut cur = Some(e);
    while let Some(err) = cur {
        if let Some(r) = err.downcast_ref::<rustls::Error>() {
            return Some(r);
        }
        // An io::Error's `source` skips the error it wraps: look at that one first.
        if let Some(r) = err
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        {
            return Some(r);
        }
        cur = err.source();
    }
    None
}

/// What rustls said, with a hint when it is the remote's refusal.
fn tls_reason(r: &rustls::Error) -> String {
    match r {
        rustls::Error::AlertReceived(alert) => {
            format!("the remote refused it ({alert:?} alert): does it trust our certificate?")
        }
        other => other.to_string(),
    }
}

/// Why a handshake failed: rustls's reason, else the I/O error.
fn handshake_reason(e: &std::io::Error) -> String {
    match rustls_in(e) {
        Some(r) => tls_reason(r),
        None if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            "the remote closed the connection (does it speak DICOM TLS, and trust our \
             certificate?)"
                .to_string()
        }
        None => e.to_string(),
    }
}

fn is_timeout(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur = Some(e);
    while let Some(err) = cur {
        if let Some(io) = err.downcast_ref::<std::io::Error>()
            && matches!(
                io.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            )
        {
            return true;
        }
        cur = err.source();
    }
    false
}

fn rejected(at: &str, rj: &AssociationRJ) -> SendError {
    let why = match &rj.source {
        AssociationRJSource::ServiceUser(r) => r.to_string(),
        AssociationRJSource::ServiceProviderASCE(r) => r.to_string(),
        AssociationRJSource::ServiceProviderPresentation(r) => r.to_string(),
    };
    match rj.result {
        AssociationRJResult::Transient => {
            SendError::Transient(format!("{at} rejected the association for now: {why}"))
        }
        AssociationRJResult::Permanent => {
            SendError::Permanent(format!("{at} rejected the association: {why}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(pairs: &[(&str, &str)]) -> BTreeSet<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn each_file_syntax_alone_plus_uncompressed_per_class() {
        let ct = "1.2.840.10008.5.1.4.1.1.2";
        let jpeg = "1.2.840.10008.1.2.4.50";
        let got = contexts(&set(&[(ct, jpeg), (ct, EXPLICIT_LE)]));
        assert_eq!(
            got,
            vec![
                (ct.to_string(), vec![EXPLICIT_LE.to_string()]),
                (ct.to_string(), vec![jpeg.to_string()]),
                (
                    ct.to_string(),
                    vec![EXPLICIT_LE.to_string(), IMPLICIT_LE.to_string()]
                ),
            ]
        );
        // Both uncompressed already proposed alone: no extra context.
        assert_eq!(
            contexts(&set(&[(ct, EXPLICIT_LE), (ct, IMPLICIT_LE)])).len(),
            2
        );
    }

    #[test]
    fn contexts_are_capped_at_128() {
        let many: BTreeSet<(String, String)> = (0..200)
            .map(|i| (format!("1.2.3.{i}"), EXPLICIT_LE.to_string()))
            .collect();
        assert_eq!(contexts(&many).len(), MAX_CONTEXTS);
    }

    #[test]
    fn refused_connection_is_transient() {
        // A port nobody listens on: bind, take the port, close.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("port");
        let remote = Remote {
            calling_aet: "DICOMQ".into(),
            called_aet: "NOBODY".into(),
            host: "127.0.0.1".into(),
            port,
            timeout: Duration::from_secs(2),
            max_pdu: 16384,
            tls: None,
        };
        let e = echo(&remote).expect_err("nobody listens");
        assert!(matches!(e, SendError::Transient(_)), "{e:?}");
        assert!(e.message().contains("NOBODY at 127.0.0.1"), "{e}");
    }

    #[test]
    fn refused_connection_is_transient_over_tls_too() {
        let Some(pki) = crate::tls::test_pki::pki() else {
            return;
        };
        let d = pki.path();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("port");
        let remote = Remote {
            calling_aet: "DICOMQ".into(),
            called_aet: "NOBODY".into(),
            host: "127.0.0.1".into(),
            port,
            timeout: Duration::from_secs(2),
            max_pdu: 16384,
            tls: Some(DicomTls {
                certificate: Some(d.join("c.crt")),
                private_key: Some(d.join("c.key")),
                trusted_certificates: Some(d.join("ca.pem")),
                ..DicomTls::default()
            }),
        };
        let e = echo(&remote).expect_err("nobody listens");
        assert!(matches!(e, SendError::Transient(_)), "{e:?}");
        // Bad TLS files: permanent, naming the option.
        let remote = Remote {
            tls: Some(DicomTls::default()),
            ..remote
        };
        let e = echo(&remote).expect_err("no CAs");
        assert!(
            matches!(&e, SendError::Permanent(m) if m.contains("DicomTlsTrustedCertificates")),
            "{e:?}"
        );
    }

    #[test]
    fn silent_remote_times_out_as_transient() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let remote = Remote {
            calling_aet: "DICOMQ".into(),
            called_aet: "SILENT".into(),
            host: "127.0.0.1".into(),
            port,
            timeout: Duration::from_millis(500),
            max_pdu: 16384,
            tls: None,
        };
        let started = Instant::now();
        let e = echo(&remote).expect_err("never answers");
        assert!(started.elapsed() < Duration::from_secs(5));
        assert!(matches!(e, SendError::Transient(_)), "{e:?}");
        assert!(e.message().contains("no answer within"), "{e}");
        drop(listener);
    }
}
