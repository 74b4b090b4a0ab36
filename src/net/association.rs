//! One association of the SCP, over TCP or DICOM TLS: negotiated by dicom-ul (called AET,
//! caller, presentation contexts), then PDUs read here with our own bounds (a P-DATA no larger
//! than the maximum we announced, any other PDU small, every read within `DicomScpTimeout`),
//! reassembled into DIMSE messages (`message.rs`) and answered: C-ECHO, C-STORE (stored on a
//! blocking thread, the response sent once durable), any other request refused with 0x0211 and
//! the association kept. Everything after the negotiation is the same code over either stream.

use std::net::{IpAddr, SocketAddr};
use std::os::fd::{AsRawFd, RawFd};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use dicom_transfer_syntax_registry::TransferSyntaxRegistry;
use dicom_ul::association::server::{AccessControl, ServerAssociationOptions};
use dicom_ul::pdu::{
    AssociationRJServiceUserReason, PDataValue, PDataValueType, PresentationContextResultReason,
    UserIdentity,
};
use dicom_ul::{Pdu, association::server::AsyncServerAssociation};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite};
use tokio::net::TcpStream;

use super::config::NetworkConfig;
use super::dimse::{Command, field, status};
use super::message::{Assembler, AssemblyError, Message, parse_pdu, pdu_length};
use super::received::{self, Received};
use super::scp::{MAX_ASSOCIATE_RQ, ScpContext};

const C_CANCEL_RQ: u16 = 0x0FFF;

/// The transfer syntaxes a received data set may be in: those the reader parses (every one the
/// registry knows, encapsulated ones stored as they are; not deflated, which dicom-ul cannot
/// negotiate without its codec).
static TRANSFER_SYNTAXES: LazyLock<Vec<String>> = LazyLock::new(|| {
    TransferSyntaxRegistry
        .iter()
        .filter(|ts| !ts.is_unsupported())
        .map(|ts| ts.uid().to_string())
        .collect()
});

/// Who may associate: the called AET when `DicomCheckCalledAet`; a caller that may neither
/// echo nor store (not in `DicomModalities`, nothing always allowed) is refused at once.
struct Access<'c> {
    network: &'c NetworkConfig,
    ip: IpAddr,
}

impl AccessControl for Access<'_> {
    fn check_access(
        &self,
        this_ae_title: &str,
        calling_ae_title: &str,
        called_ae_title: &str,
        _user: Option<&UserIdentity>,
    ) -> Result<(), AssociationRJServiceUserReason> {
        if self.network.check_called_aet && called_ae_title.trim() != this_ae_title {
            return Err(AssociationRJServiceUserReason::CalledAETitleNotRecognized);
        }
        let n = self.network;
        let known = n.modality_of_caller(calling_ae_title.trim(), &self.ip);
        let may_echo = n.always_allow_echo || known.is_some_and(|m| m.allow_echo);
        let may_store = n.always_allow_store || known.is_some_and(|m| m.allow_store);
        if !may_echo && !may_store {
            return Err(AssociationRJServiceUserReason::CallingAETitleNotRecognized);
        }
        Ok(())
    }
}

/// Serves one connection to its end; never panics on what the peer sends.
pub async fn serve(stream: TcpStream, peer: SocketAddr, ctx: Arc<ScpContext>) {
    let timeout = ctx.network.scp_timeout;
    // Kept for TCP_QUICKACK under TLS too; valid while `stream` (moved into the association)
    // lives, which is until this function returns.
    let socket = QuickAck(stream.as_raw_fd());
    let network = &ctx.network;
    let options = ServerAssociationOptions::new()
        .ae_access_control(Access {
            network,
            ip: peer.ip(),
        })
        .ae_title(network.aet.as_str())
        .promiscuous(true)
        .read_timeout(timeout)
        .write_timeout(timeout);
    let options = TRANSFER_SYNTAXES
        .iter()
        .fold(options, |o, ts| o.with_transfer_syntax(ts.as_str()));
    match &ctx.tls {
        None => {
            // A connection that never sends a whole A-ASSOCIATE-RQ header, or sends something
            // else or something too large, is closed before dicom-ul reads it.
            let mut stream = stream;
            match tokio::time::timeout(timeout, first_pdu_header(&mut stream)).await {
                Ok(Ok((0x01, length))) if length <= MAX_ASSOCIATE_RQ => {}
                Ok(Ok((kind, length))) => {
                    tracing::warn!(
                        "DICOM: closing a connection from {peer}: a first PDU of type {kind:#04x} and {length} bytes is not an association request"
                    );
                    return;
                }
                Ok(Err(_)) => return,
                Err(_) => {
                    tracing::debug!("DICOM: closing an idle connection from {peer}");
                    return;
                }
            }
            let max_pdu = network.max_pdu;
            // The RQ's size was checked above; P-DATA sizes are checked in `read_pdu`.
            let options = options.strict(false).max_pdu_length(max_pdu);
            let Some(assoc) = established(options.establish_async(stream), peer, timeout).await
            else {
                return;
            };
            run_session(assoc, peer, ctx.clone(), max_pdu, socket).await;
        }
        Some(tls) => {
            // Under TLS the first PDU cannot be peeked at: dicom-ul reads it, in strict mode,
            // so no larger than the maximum we announce, which is therefore at least the
            // largest association request we take. The handshake, then the request, must come
            // within `DicomScpTimeout`: a client stalled in either holds no task past it.
            let max_pdu = network.max_pdu.max(MAX_ASSOCIATE_RQ);
            let options = options
                .strict(true)
                .max_pdu_length(max_pdu)
                .tls_config(tls.config());
            let Some(assoc) = established(options.establish_tls_async(stream), peer, timeout).await
            else {
                return;
            };
            run_session(assoc, peer, ctx.clone(), max_pdu, socket).await;
        }
    }
}

/// The association once negotiated within `timeout`, or None (logged).
async fn established<S>(
    negotiation: impl Future<Output = Result<AsyncServerAssociation<S>, dicom_ul::association::Error>>,
    peer: SocketAddr,
    timeout: Duration,
) -> Option<AsyncServerAssociation<S>> {
    match tokio::time::timeout(timeout, negotiation).await {
        Ok(Ok(a)) => Some(a),
        Ok(Err(e)) => {
            tracing::info!(
                "DICOM: association from {peer} not established: {}",
                chain(&e)
            );
            None
        }
        Err(_) => {
            tracing::info!(
                "DICOM: association from {peer} not established within {}s (DicomScpTimeout)",
                timeout.as_secs()
            );
            None
        }
    }
}

/// An error and its causes on one line (a TLS refusal is in the causes).
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let more = s.to_string();
        if !text.contains(&more) {
            text = format!("{text}: {more}");
        }
        source = s.source();
    }
    text
}

async fn run_session<S>(
    mut assoc: AsyncServerAssociation<S>,
    peer: SocketAddr,
    ctx: Arc<ScpContext>,
    max_pdu: u32,
    socket: QuickAck,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    let caller = dicom_ul::association::Association::peer_ae_title(&assoc)
        .trim()
        .to_string();
    tracing::debug!("DICOM: association with {caller} ({peer})");
    let called = assoc.called_ae_title().trim().to_string();
    let mut session = Session {
        ctx,
        caller,
        called,
        ip: peer.ip(),
        max_pdu,
        socket,
    };
    match session.run(&mut assoc).await {
        Ok(()) => {}
        Err(why) => {
            tracing::warn!(
                "DICOM: aborting the association with {} ({peer}): {why}",
                session.caller
            );
            let _ = assoc.abort().await;
        }
    }
}

/// The type and length of the PDU a connection starts with, without taking its bytes.
async fn first_pdu_header(stream: &mut TcpStream) -> std::io::Result<(u8, u32)> {
    let mut head = [0u8; 6];
    loop {
        let n = stream.peek(&mut head).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        if n == head.len() {
            let length = u32::from_be_bytes([head[2], head[3], head[4], head[5]]);
            return Ok((head[0], length));
        }
        // Fewer bytes than a header: wait for more instead of spinning on the same ones.
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

struct Session {
    ctx: Arc<ScpContext>,
    caller: String,
    /// The AE title the caller addressed (Orthanc's `CalledAET` metadata).
    called: String,
    ip: IpAddr,
    /// The largest PDU we announced, and take.
    max_pdu: u32,
    socket: QuickAck,
}

impl Session {
    fn may_store(&self) -> bool {
        let n = &self.ctx.network;
        n.always_allow_store
            || n.modality_of_caller(&self.caller, &self.ip)
                .is_some_and(|m| m.allow_store)
    }

    fn may_echo(&self) -> bool {
        let n = &self.ctx.network;
        n.always_allow_echo
            || n.modality_of_caller(&self.caller, &self.ip)
                .is_some_and(|m| m.allow_echo)
    }

    /// Serves messages until the peer releases (Ok) or something calls for an abort (Err).
    async fn run<S>(&mut self, assoc: &mut AsyncServerAssociation<S>) -> Result<(), String>
    where
        S: AsyncRead + AsyncWrite + Unpin + Send,
    {
        let timeout = self.ctx.network.scp_timeout;
        let max_pdu = self.max_pdu;
        let socket = self.socket;
        let may_store = self.may_store();
        let mut assembler = Assembler::new(
            self.ctx.data_limit,
            Box::new(move |c: &Command| c.field == field::C_STORE_RQ && may_store),
        );
        // The share of the buffered-bytes budget this association's message in progress holds.
        let mut held = Vec::new();
        loop {
            let pdu = match tokio::time::timeout(
                timeout,
                read_pdu(assoc.inner_stream(), max_pdu, socket),
            )
            .await
            {
                Err(_) => return Err(format!("idle for {}s (DicomScpTimeout)", timeout.as_secs())),
                Ok(Err(e)) => return Err(e),
                Ok(Ok(pdu)) => pdu,
            };
            match pdu {
                Pdu::PData { data } => {
                    for value in data {
                        if value.value_type == PDataValueType::Data {
                            let permit = self.ctx.buffered.hold(value.data.len(), timeout).await?;
                            held.push(permit);
                        }
                        match assembler.push(value) {
                            Ok(None) => {}
                            Ok(Some(message)) => {
                                self.answer(assoc, message).await?;
                                held.clear();
                            }
                            Err(AssemblyError::DataTooLarge { limit }) => {
                                return Err(format!(
                                    "a data set larger than the limit of {limit} bytes (HttpBodyLimit)"
                                ));
                            }
                            Err(e) => return Err(e.to_string()),
                        }
                    }
                }
                Pdu::ReleaseRQ => {
                    let _ = assoc.send(&Pdu::ReleaseRP).await;
                    return Ok(());
                }
                Pdu::AbortRQ { .. } => return Ok(()),
                other => return Err(format!("unexpected {}", pdu_name(&other))),
            }
        }
    }

    async fn answer<S>(
        &mut self,
        assoc: &mut AsyncServerAssociation<S>,
        message: Message,
    ) -> Result<(), String>
    where
        S: AsyncRead + AsyncWrite + Unpin + Send,
    {
        let Message {
            context_id,
            command,
            data,
        } = message;
        let context = assoc
            .presentation_contexts()
            .iter()
            .find(|pc| {
                pc.id == context_id && pc.reason == PresentationContextResultReason::Acceptance
            })
            .map(|pc| (pc.abstract_syntax.clone(), pc.transfer_syntax.clone()));
        let Some((abstract_syntax, transfer_syntax)) = context else {
            return Err(format!(
                "a message on presentation context {context_id}, not accepted"
            ));
        };
        let reply = match command.field {
            field::C_ECHO_RQ => {
                let id = command.message_id.unwrap_or(0);
                if self.may_echo() {
                    Command::echo_rsp(id, status::SUCCESS)
                } else {
                    Command::refusal(
                        &command,
                        status::REFUSED_NOT_AUTHORIZED,
                        "this caller may not echo (DicomModalities, DicomAlwaysAllowEcho)",
                    )
                }
            }
            field::C_STORE_RQ => {
                self.store(command, data, &abstract_syntax, &transfer_syntax)
                    .await
            }
            // A response, or a cancel, needs no answer from an SCP that sends no request.
            f if f & 0x8000 != 0 || f == C_CANCEL_RQ => return Ok(()),
            _ => Command::refusal(
                &command,
                status::UNRECOGNIZED_OPERATION,
                "dicomq serves C-ECHO and C-STORE only",
            ),
        };
        let pdu = Pdu::PData {
            data: vec![PDataValue {
                presentation_context_id: context_id,
                value_type: PDataValueType::Command,
                is_last: true,
                data: reply.encode(),
            }],
        };
        assoc
            .send(&pdu)
            .await
            .map_err(|e| format!("cannot send a response: {e}"))
    }

    async fn store(
        &self,
        command: Command,
        data: Vec<u8>,
        abstract_syntax: &str,
        transfer_syntax: &str,
    ) -> Command {
        if !self.may_store() {
            return Command::store_rsp(
                &command,
                status::REFUSED_NOT_AUTHORIZED,
                Some("this caller may not store (DicomModalities, DicomAlwaysAllowStore)"),
            );
        }
        let (Some(sop_class), Some(sop_instance)) = (
            command.affected_sop_class.clone(),
            command.affected_sop_instance.clone(),
        ) else {
            return Command::store_rsp(
                &command,
                status::CANNOT_UNDERSTAND,
                Some("a C-STORE without its affected SOP class and instance"),
            );
        };
        if sop_class != abstract_syntax {
            return Command::store_rsp(
                &command,
                status::DATASET_MISMATCH,
                Some("the SOP class differs from the presentation context's"),
            );
        }
        let node = Arc::clone(&self.ctx.node);
        let label = format!("C-STORE from {} ({})", self.caller, self.ip);
        let ts = transfer_syntax.to_string();
        let metadata = received::origin(&self.caller, &self.called, self.ip);
        let store = move || {
            catch_unwind(AssertUnwindSafe(|| {
                received::store(
                    &node,
                    label,
                    metadata,
                    &Received {
                        sop_class: &sop_class,
                        sop_instance: &sop_instance,
                        transfer_syntax: &ts,
                        data: &data,
                    },
                )
            }))
        };
        // On the daemon's multi-threaded runtime the import runs on this worker thread, its
        // other tasks handed to another (`block_in_place`): no hop to a blocking thread and
        // back per instance, which storescu, waiting for each answer, pays in full.
        let outcome = if tokio::runtime::Handle::current().runtime_flavor()
            == tokio::runtime::RuntimeFlavor::MultiThread
        {
            tokio::task::block_in_place(store).ok()
        } else {
            tokio::task::spawn_blocking(store)
                .await
                .ok()
                .and_then(Result::ok)
        };
        match outcome {
            Some(o) => {
                if o.status != status::SUCCESS {
                    tracing::warn!(
                        "DICOM: C-STORE from {} refused ({:#06x}): {}",
                        self.caller,
                        o.status,
                        o.comment.as_deref().unwrap_or("")
                    );
                }
                Command::store_rsp(&command, o.status, o.comment.as_deref())
            }
            None => Command::store_rsp(
                &command,
                status::PROCESSING_FAILURE,
                Some("the store failed unexpectedly"),
            ),
        }
    }
}

/// Reads one PDU, refusing one longer than we accept before reading its body.
async fn read_pdu<S: AsyncRead + Unpin>(
    stream: &mut S,
    max_pdu: u32,
    socket: QuickAck,
) -> Result<Pdu, String> {
    // ACK at once (Linux resets this after it acts): a peer with Nagle's algorithm on, as
    // DCMTK's storescu by default, holds the data set's PDU until the command's is acknowledged,
    // and a delayed ACK would add 40 ms to every C-STORE.
    socket.now();
    let mut head = [0u8; 6];
    stream
        .read_exact(&mut head)
        .await
        .map_err(|e| format!("connection lost: {e}"))?;
    let length = pdu_length(&head, max_pdu)?;
    let mut bytes = Vec::with_capacity(6 + length as usize);
    bytes.extend_from_slice(&head);
    socket.now();
    let mut body = stream.take(u64::from(length));
    body.read_to_end(&mut bytes)
        .await
        .map_err(|e| format!("connection lost: {e}"))?;
    if bytes.len() != 6 + length as usize {
        return Err("connection lost in the middle of a PDU".into());
    }
    parse_pdu(&bytes)
}

/// The association's TCP socket, for TCP_QUICKACK whatever stream (TCP or TLS) is on it.
#[derive(Clone, Copy)]
struct QuickAck(RawFd);

impl QuickAck {
    /// Asks the kernel to acknowledge what arrives next at once.
    fn now(self) {
        #[cfg(target_os = "linux")]
        {
            let on: libc::c_int = 1;
            // SAFETY: a socket descriptor owned by the association being served (an invalid
            // one only makes the call fail), a pointer to a c_int and its size.
            let _ = unsafe {
                libc::setsockopt(
                    self.0,
                    libc::IPPROTO_TCP,
                    libc::TCP_QUICKACK,
                    (&on as *const libc::c_int).cast(),
                    std::mem::size_of::<libc::c_int>() as libc::socklen_t,
                )
            };
        }
        #[cfg(not(target_os = "linux"))]
        let _ = self;
    }
}

fn pdu_name(pdu: &Pdu) -> &'static str {
    match pdu {
        Pdu::AssociationRQ(_) => "A-ASSOCIATE-RQ",
        Pdu::AssociationAC(_) => "A-ASSOCIATE-AC",
        Pdu::AssociationRJ(_) => "A-ASSOCIATE-RJ",
        Pdu::ReleaseRP => "A-RELEASE-RP",
        _ => "PDU",
    }
}
